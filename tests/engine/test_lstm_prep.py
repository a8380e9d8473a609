"""Preprocessing of the LSTM lab: cleaning rules, indices fitted on train only, split, input shapes."""

from __future__ import annotations

import numpy as np
import pytest

from engine.labs.lstm import cleaning as prep
from engine.labs.lstm.data import embedded_paths, load_projects
from engine.labs.lstm.inputs import CATEGORICAL_INPUTS, prepare, split_and_clean


@pytest.fixture(scope="module")
def projects():
    return load_projects(*embedded_paths(400, seed=2))


def test_essay_cleaning_follows_the_assignment() -> None:
    raw = "My students can't wait!\\r\\n\\r\\nWe're \\\"happy\\\" in room 12B. They are not bored.\r\nNo way"
    cleaned = prep.clean_essay(raw)
    assert cleaned == "students not wait happy room 12b not bored no way"  # "can" is a stopword
    assert "\\" not in cleaned and cleaned == cleaned.lower()
    assert {"no", "nor", "not"}.isdisjoint(prep.STOPWORDS) and "the" in prep.STOPWORDS


@pytest.mark.parametrize(
    ("function", "raw", "expected"),
    [
        (prep.clean_grade, "Grades PreK-2", "grades_prek_2"),
        (prep.clean_grade, "Grades 9-12", "grades_9_12"),
        (prep.clean_categories, "Music & The Arts, Health & Sports", "music_arts_health_sports"),
        (prep.clean_categories, "Warmth, Care & Hunger", "warmth_care_hunger"),
        (prep.clean_categories, "Literature & Writing", "literature_writing"),
        (prep.clean_state, " CA", "ca"),
    ],
)
def test_categorical_cleaning(function, raw: str, expected: str) -> None:
    assert function(raw) == expected


def test_prefix_fill_and_digit_flag() -> None:
    assert prep.clean_prefix("Mrs.", "Ms.") == "mrs"
    assert prep.clean_prefix("", "Ms.") == "ms"
    assert prep.most_common(["Mr.", "", "Ms.", "Ms.", "", ""]) == "Ms."
    assert prep.has_digit("My students need 5 tablets.") == 1.0
    assert prep.has_digit("My students need tablets.") == 0.0


@pytest.mark.parametrize(("n", "size"), [(1, 1), (5, 3), (51, 26), (100, 50), (318, 50)])
def test_category_index_sizes_and_unseen(n: int, size: int) -> None:
    index = prep.CategoryIndex.fit([f"v{i}" for i in range(n)] * 2)
    assert index.input_dim == n + 1 and index.embedding_size == size
    ids = index.transform(["v0", "never seen"])
    assert ids.shape == (2, 1) and ids[1, 0] == 0 and ids[0, 0] >= 1
    one_hot = index.one_hot(["never seen", "v0"])
    assert one_hot.shape == (2, n + 1) and one_hot[0, 0] == 1 and one_hot.sum() == 2


def test_text_index_pads_and_marks_unknown_words() -> None:
    index = prep.TextIndex.fit(["b a a", "c a b"], max_words=2)
    assert index.words == ("a", "b") and index.input_dim == 4
    ids = index.transform(["a c b", "b b b b b b"], length=4)
    assert ids.tolist() == [[2, 1, 3, 0], [3, 3, 3, 3]]


def test_split_is_stratified_disjoint_and_seeded(projects) -> None:
    _, rows = split_and_clean(projects, seed=5)
    _, again = split_and_clean(projects, seed=5)
    _, other = split_and_clean(projects, seed=6)
    assert all(np.array_equal(rows[k], again[k]) for k in rows)
    assert not np.array_equal(rows["test"], other["test"])
    everything = np.concatenate(list(rows.values()))
    assert np.unique(everything).size == everything.size == len(projects)
    rates = [projects.label[r].mean() for r in rows.values()]
    assert max(rates) - min(rates) < 0.02
    assert rows["val"].size == pytest.approx(0.15 * len(projects), abs=2)


def test_everything_is_fitted_on_the_training_split_only(projects) -> None:
    prepared = prepare(projects, model=1, seed=0, max_words=50_000, text_length=30)
    cleaned, rows = split_and_clean(projects, seed=0)
    train_words = {w for i in rows["train"] for w in cleaned.essays[i].split()}
    assert set(prepared.text_index.words) == train_words
    for name in CATEGORICAL_INPUTS:
        assert set(prepared.categories[name].values) == {cleaned.categorical[name][i] for i in rows["train"]}
    numeric = prepared.inputs["train"]["numeric"]
    assert np.allclose(numeric.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(numeric[:, :3].std(axis=0), 1, atol=1e-4)
    assert not np.allclose(prepared.inputs["test"]["numeric"].mean(axis=0), 0, atol=1e-5)
    test_only = {w for i in rows["test"] for w in cleaned.essays[i].split()} - train_words
    if test_only:  # such words must map to the unknown id 1, never to a vocabulary slot
        ids = prepared.inputs["test"]["essay"]
        assert (ids == 1).any()
    assert prepared.idf.documents == rows["train"].size


@pytest.mark.parametrize("model", [1, 2, 3])
def test_shapes_of_every_model_input(projects, model: int) -> None:
    prepared = prepare(projects, model=model, seed=0, max_words=1000, text_length=25)
    sizes = {split: labels.size for split, labels in prepared.labels.items()}
    assert sum(sizes.values()) == len(projects)
    width = sum(c.input_dim for c in prepared.categories.values()) + 4
    for split, part in prepared.inputs.items():
        n = sizes[split]
        assert part["essay"].shape == (n, 25) and part["essay"].dtype == np.int32
        assert part["essay"].max() < prepared.text_index.input_dim
        for name in CATEGORICAL_INPUTS:
            assert part[name].shape == (n, 1) and part[name].max() < prepared.categories[name].input_dim
        assert part["numeric"].shape == (n, 4)
        assert ("other" in part) == (model == 3)
        if model == 3:
            assert part["other"].shape == (n, width)
            assert np.allclose(part["other"][:, :-4].sum(axis=1), len(CATEGORICAL_INPUTS))
