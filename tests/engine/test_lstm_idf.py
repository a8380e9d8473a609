"""Model-2's idf filter: the idf values, the box plot, the band bounds and the filtered essays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.labs.lstm.data import embedded_paths, load_projects
from engine.labs.lstm.inputs import prepare
from engine.text.idf import IdfTable, keep_words

DOCS = ["apple banana apple", "banana cherry", "banana date", "elder"]


def test_idf_matches_the_smoothed_formula() -> None:
    table = IdfTable.fit(DOCS)
    idf = dict(zip(table.words, table.idf, strict=True))
    n = len(DOCS)
    for word, df in {"apple": 1, "banana": 3, "cherry": 1, "date": 1, "elder": 1}.items():
        assert idf[word] == pytest.approx(math.log((1 + n) / (1 + df)) + 1)
    assert list(table.idf) == sorted(table.idf)  # ascending idf: common words first
    assert table.term_count[table.words.index("apple")] == 2
    assert table.documents == n


def test_box_statistics_agree_with_numpy() -> None:
    table = IdfTable.fit([*DOCS, "fig fig grape", "grape", "banana grape"])
    box = table.box()
    q1, median, q3 = np.percentile(table.idf, [25, 50, 75])
    assert (box.q1, box.median, box.q3) == pytest.approx((q1, median, q3))
    assert box.minimum == table.idf.min() and box.maximum == table.idf.max()
    edges, counts = table.histogram(bins=5)
    assert len(edges) == 6 and sum(counts) == len(table.words)


@pytest.mark.parametrize(("low", "high"), [(None, None), (1.5, 2.0), (0.0, 100.0), (2.0, 2.0)])
def test_band_keeps_exactly_the_words_inside(low, high) -> None:
    table = IdfTable.fit(["a b c", "a b d", "a e", "a f g", "b h"])
    band = table.band(low, high)
    box = table.box()
    lo = box.q1 if low is None else low
    hi = box.q3 if high is None else high
    idf = dict(zip(table.words, table.idf, strict=True))
    assert all(lo - 1e-9 <= idf[w] <= hi + 1e-9 for w in band.kept)
    dropped = set(table.words) - set(band.kept)
    assert all(idf[w] < lo or idf[w] > hi for w in dropped)
    assert set(band.dropped_common) | set(band.dropped_rare) <= dropped
    assert all(idf[w] < lo for w in band.dropped_common) and all(idf[w] > hi for w in band.dropped_rare)
    kept_tokens = sum(int(table.term_count[table.words.index(w)]) for w in band.kept)
    assert band.token_share_kept == pytest.approx(kept_tokens / table.term_count.sum())
    assert band.vocabulary_before == len(table.words) and band.vocabulary_after == len(band.kept)


def test_band_rejects_inverted_thresholds() -> None:
    with pytest.raises(ValueError, match="low 3 is above high 2"):
        IdfTable.fit(DOCS).band(3.0, 2.0)


def test_keep_words_preserves_order() -> None:
    assert keep_words(["a b c a", "c"], ["a", "c"]) == ["a c a", "c"]


def test_model_2_trains_on_the_filtered_essays_only() -> None:
    projects = load_projects(*embedded_paths(400, seed=2))
    full = prepare(projects, model=1, seed=0, max_words=50_000, text_length=60)
    filtered = prepare(projects, model=2, seed=0, max_words=50_000, text_length=60)
    band = filtered.band
    assert band is not None and full.band is None
    box = filtered.idf.box()
    assert (band.low, band.high) == (box.q1, box.q3)  # default thresholds: the IQR
    assert set(filtered.text_index.words) <= set(band.kept)
    assert len(filtered.text_index.words) < len(full.text_index.words)
    custom = prepare(projects, model=2, seed=0, max_words=50_000, text_length=60, idf_low=1.0, idf_high=3.0)
    assert custom.band is not None and (custom.band.low, custom.band.high) == (1.0, 3.0)
    idf = dict(zip(custom.idf.words, custom.idf.idf, strict=True))
    assert all(1.0 - 1e-9 <= idf[w] <= 3.0 + 1e-9 for w in custom.text_index.words)


def test_explorer_table_matches_the_training_run() -> None:
    from engine.labs import lstm
    from engine.params import build

    params = build(lstm.Params, {"projects": 300, "seed": 1})
    table = lstm.idf_table(params)
    projects, _ = lstm.load(params)
    prepared = prepare(projects, model=2, seed=1, max_words=50_000, text_length=10)
    assert table.words == prepared.idf.words and np.array_equal(table.idf, prepared.idf.idf)
    summary = lstm.idf_summary(table, table.band())
    assert summary["band"] == prepared.band.as_dict()
    assert summary["box"]["q1"] == summary["band"]["low"] and sum(summary["histogram"]["counts"]) == len(
        table.words
    )


def test_an_empty_band_is_a_clear_error() -> None:
    projects = load_projects(*embedded_paths(300, seed=2))
    with pytest.raises(ValueError, match="keeps no word"):
        prepare(projects, model=2, seed=0, max_words=100, text_length=10, idf_low=50.0, idf_high=60.0)
