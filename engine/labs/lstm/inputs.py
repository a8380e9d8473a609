"""The LSTM lab's data pipeline: projects → cleaned columns → split → model inputs (numpy, no TF).

Order follows the assignment: clean every column, split stratified into train/validation/test, then
fit every index, scaler and the idf table on the training rows only and apply them to all three.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.jobs import CancelToken, Emit, Progress
from engine.labs.lstm import cleaning
from engine.labs.lstm.data import Projects
from engine.text.corpus import stratified_split
from engine.text.idf import IdfBand, IdfTable, keep_words

#: Model input names of the categorical columns (school_state, project_grade_category, ...).
CATEGORICAL_INPUTS: tuple[str, ...] = (
    "school_state",
    "grade",
    "clean_categories",
    "clean_subcategories",
    "teacher_prefix",
)
NUMERIC_NAMES: tuple[str, ...] = ("previous_projects", "price", "quantity", "summary_has_digit")
SPLITS: tuple[str, ...] = ("train", "val", "test")
_CHUNK = 1000


@dataclass(frozen=True)
class Cleaned:
    """Every column after the assignment's cleaning, one entry per project."""

    essays: list[str]
    categorical: dict[str, list[str]]
    numeric: NDArray[np.float64]
    label: NDArray[np.int64]


@dataclass(frozen=True)
class Prepared:
    """Model-ready arrays per split plus what was fitted on the training split.

    Attributes:
        inputs: ``inputs[split][name]``; names are "essay", the :data:`CATEGORICAL_INPUTS`, "numeric"
            and, for Model-3, "other" (all categoricals one-hot + numerics).
        labels: 0/1 label per split.
        text_index: Vocabulary of the (possibly idf-filtered) training essays.
        categories: Index per categorical input.
        idf: The training essays' idf table.
        band: The idf band Model-2 kept (None for Models 1 and 3).
    """

    inputs: dict[str, dict[str, NDArray[np.generic]]]
    labels: dict[str, NDArray[np.int64]]
    text_index: cleaning.TextIndex
    categories: dict[str, cleaning.CategoryIndex]
    idf: IdfTable
    band: IdfBand | None


def clean_essays(essays: list[str], token: CancelToken | None = None, emit: Emit | None = None) -> list[str]:
    """:func:`~engine.labs.lstm.cleaning.clean_essay` on each essay, checking the token every 1000 essays.

    The real table has 109,248 essays of ~300 words, so this is the slow step (tens of seconds).
    """
    out: list[str] = []
    for start in range(0, len(essays), _CHUNK):
        if token is not None:
            token.raise_if_cancelled()
        if emit is not None:
            emit(Progress("cleaning essays", start, len(essays)))
        out.extend(cleaning.clean_essay(e) for e in essays[start : start + _CHUNK])
    if emit is not None:
        emit(Progress("cleaning essays", len(essays), len(essays)))
    return out


def clean(
    projects: Projects, prefix_fill: str, token: CancelToken | None = None, emit: Emit | None = None
) -> Cleaned:
    """Apply the assignment's cleaning to every column (no fitting, except the prefix fill value)."""
    raw = projects.categorical
    categorical = {
        "school_state": [cleaning.clean_state(v) for v in raw["school_state"]],
        "grade": [cleaning.clean_grade(v) for v in raw["project_grade_category"]],
        "clean_categories": [cleaning.clean_categories(v) for v in raw["project_subject_categories"]],
        "clean_subcategories": [cleaning.clean_categories(v) for v in raw["project_subject_subcategories"]],
        "teacher_prefix": [cleaning.clean_prefix(v, prefix_fill) for v in raw["teacher_prefix"]],
    }
    numeric = np.column_stack([
        projects.previous_projects,
        projects.price,
        projects.quantity,
        [cleaning.has_digit(s) for s in projects.resource_summary],
    ])  # fmt: skip
    return Cleaned(clean_essays(projects.essays, token, emit), categorical, numeric, projects.label)


def split_and_clean(
    projects: Projects,
    seed: int,
    fractions: tuple[float, float] = (0.15, 0.15),
    token: CancelToken | None = None,
    emit: Emit | None = None,
) -> tuple[Cleaned, dict[str, NDArray[np.int64]]]:
    """Stratified seeded split, then cleaning with the missing prefix filled by the train mode."""
    val_share, test_share = fractions
    # The split helper takes validation as a share of what is left after the test rows.
    split = stratified_split(projects.label, seed, test_share, val_share / (1.0 - test_share))
    rows = {"train": split.train, "val": split.val, "test": split.test}
    fill = cleaning.most_common([projects.categorical["teacher_prefix"][i] for i in rows["train"]])
    return clean(projects, fill, token, emit), rows


def prepare(
    projects: Projects,
    *,
    model: int,
    seed: int,
    max_words: int,
    text_length: int,
    idf_low: float | None = None,
    idf_high: float | None = None,
    token: CancelToken | None = None,
    emit: Emit | None = None,
) -> Prepared:
    """Model inputs for Model-1, 2 or 3, fitted on the training split only.

    Args:
        projects: The loaded table.
        model: 1, 2 (essays filtered to the idf band first) or 3 (adds the one-hot "other" input).
        seed: Split seed.
        max_words: Vocabulary cap for the essay index.
        text_length: Essays are cut or padded to this many words.
        idf_low: Model-2's lower idf threshold; None = first quartile.
        idf_high: Model-2's upper idf threshold; None = third quartile.
        token: Checked while cleaning essays. Defaults to None.
        emit: Receives cleaning progress. Defaults to None.

    Raises:
        ValueError: Model-2's idf band keeps no word, or its low threshold is above the high one.
    """
    cleaned, rows = split_and_clean(projects, seed, token=token, emit=emit)
    essays = cleaned.essays
    train_essays = [essays[i] for i in rows["train"]]
    idf = IdfTable.fit(train_essays)
    band = None
    if model == 2:
        band = idf.band(idf_low, idf_high)
        if not band.kept:
            raise ValueError(f"idf band {band.low:g}–{band.high:g} keeps no word of the training essays")
        essays = keep_words(essays, band.kept)
        train_essays = [essays[i] for i in rows["train"]]
    text_index = cleaning.TextIndex.fit(train_essays, max_words)
    categories = {
        name: cleaning.CategoryIndex.fit([values[i] for i in rows["train"]])
        for name, values in cleaned.categorical.items()
    }
    scaler = cleaning.Standardizer.fit(cleaned.numeric[rows["train"]])
    inputs: dict[str, dict[str, NDArray[np.generic]]] = {}
    for split, index in rows.items():
        part: dict[str, NDArray[np.generic]] = {
            "essay": text_index.transform([essays[i] for i in index], text_length)
        }
        for name, values in cleaned.categorical.items():
            part[name] = categories[name].transform([values[i] for i in index])
        part["numeric"] = scaler.transform(cleaned.numeric[index])
        if model == 3:
            one_hots = [categories[n].one_hot([cleaned.categorical[n][i] for i in index]) for n in categories]
            part["other"] = np.concatenate([*one_hots, part["numeric"]], axis=1)
        inputs[split] = part
    labels = {split: cleaned.label[index] for split, index in rows.items()}
    return Prepared(inputs, labels, text_index, categories, idf, band)
