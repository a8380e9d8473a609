"""The LSTM lab's exercises: joining the essays (without the "nan" a real submission learned), the
smoothed idf and Model-2's idf band filter, graded on documents the learner has not seen.

Our answers are the lab's own functions (:func:`engine.labs.lstm.data.join_essays`,
:class:`engine.text.idf.IdfTable`). Task texts: ``resources/labs/lstm/exercises/<name>.md``.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import cache
from typing import Any

import numpy as np

from engine.labs.lstm.data import join_essays
from engine.practice import compare
from engine.practice.exercise import Case, Exercise, KnownMistake, LabExercises, Mismatch
from engine.text.idf import IdfTable, keep_words

_ESSAYS = ("project_essay_1", "project_essay_2", "project_essay_3", "project_essay_4")
_VOCABULARY = (
    "students love reading books every day our school needs new tablets math science art music classroom "
    "supplies help learn technology kids community library paper markers chairs"
)
_WORDS = tuple(_VOCABULARY.split())


# --- joining the essays ---------------------------------------------------------------------------------


def _essay_cases() -> list[Case]:
    first, second = "My students are eager learners.", "They need new books for the library."
    essays = [
        (first, second, "", "", "essays 3 and 4 empty"),
        (first, second, "nan", "nan", 'essays 3 and 4 read as "nan"'),
        (first, second, "We read daily.", "Thank you!", "all four essays"),
        (f"  {first}  ", second, None, None, "essays 3 and 4 missing, extra spaces"),
        (first, "", "NULL", second, "a gap in the middle"),
    ]
    rows = []
    for *texts, label in essays:
        rows.append(
            ({column: text for column, text in zip(_ESSAYS, texts, strict=True) if text is not None}, label)
        )
    return [Case((row,), label=label) for row, label in rows]


def _joined_with_nan(row: dict[str, Any]) -> str:
    # What pandas gives: a missing essay is NaN, and str(NaN) is "nan".
    return " ".join(str(row[column]) for column in _ESSAYS if column in row)


JOIN_ESSAYS = Exercise(
    name="join_essays",
    title="One essay per project",
    signature="row",
    doc="""The project's essay text: project_essay_1 … project_essay_4 of `row` (a dict of the CSV's
columns) joined with single spaces. Essays 3 and 4 are often missing: a missing column, an
empty string, or the texts "nan", "NaN", "NULL", "null", "None" must contribute nothing.
Strip each essay's surrounding whitespace.""",
    reference=join_essays,
    cases=_essay_cases,
    check=compare.text(),
    mistakes=(
        KnownMistake(
            "nan_as_text",
            'missing essays joined as the text "nan" ("nannan" in the vocabulary)',
            _joined_with_nan,
        ),
    ),
)


# --- idf -----------------------------------------------------------------------------------------------


@cache
def _documents(seed: int) -> tuple[str, ...]:
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(_WORDS) + 1)  # a Zipf-like spread: common and rare words
    weights /= weights.sum()
    return tuple(" ".join(rng.choice(_WORDS, size=int(rng.integers(3, 12)), p=weights)) for _ in range(40))


def idf(documents: list[str]) -> dict[str, float]:
    """Our answer: the smoothed idf of every word of the (whitespace-tokenised) documents."""
    table = IdfTable.fit(documents)
    return {word: float(value) for word, value in zip(table.words, table.idf, strict=True)}


def _idf_check(case: Case, expected: Any, got: Any) -> Any:
    if isinstance(got, dict) and set(got) != set(expected):
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        return Mismatch(f"the words differ: missing {missing[:5]}, extra {extra[:5]}")
    return compare.mapping(sorted(expected), rel=1e-9)(case, expected, got)


def _idf_unsmoothed(documents: list[str]) -> dict[str, float]:
    df = Counter(w for d in documents for w in set(d.split()))
    return {w: math.log(len(documents) / n) for w, n in df.items()}


def _idf_counting_occurrences(documents: list[str]) -> dict[str, float]:
    counts = Counter(w for d in documents for w in d.split())
    return {w: math.log((1 + len(documents)) / (1 + n)) + 1 for w, n in counts.items()}


IDF = Exercise(
    name="idf",
    title="Inverse document frequency",
    signature="documents",
    doc="""The smoothed idf of every word: idf(w) = ln((1 + n) / (1 + df(w))) + 1, where n is the number
of documents and df(w) the number of documents that contain w (a document counts once, however
often it repeats w). Documents are already cleaned: split them on whitespace.
Returns a dict word → idf.""",
    reference=idf,
    cases=lambda: [
        Case((list(_documents(seed)),), label=f"{len(_documents(seed))} documents") for seed in (31, 32)
    ],
    check=_idf_check,
    mistakes=(
        KnownMistake(
            "idf_unsmoothed",
            "ln(n / df) without the +1 smoothing (scikit-learn's default has it)",
            _idf_unsmoothed,
        ),
        KnownMistake(
            "df_counts_occurrences",
            "df counted every occurrence instead of each document once",
            _idf_counting_occurrences,
        ),
    ),
)


# --- the band filter -----------------------------------------------------------------------------------


def keep_band(text: str, idf: dict[str, float], low: float, high: float) -> str:
    """Our answer: the words of ``text`` whose idf lies in [low, high], in order (unknown words go)."""
    kept = [word for word, value in idf.items() if low <= value <= high]
    return keep_words([text], kept)[0]


def _band_cases() -> list[Case]:
    documents = _documents(33)
    table = idf(list(documents))
    stats = IdfTable.fit(list(documents)).box()
    cases = []
    for text in (documents[0], documents[7], "students love robots and tablets", documents[19]):
        cases.append(Case((text, table, stats.q1, stats.q3), label="the IQR band"))
    exact = sorted(set(table.values()))
    cases.append(Case((documents[3], table, exact[1], exact[-2]), label="thresholds equal to words' idf"))
    return cases


KEEP_BAND = Exercise(
    name="keep_band",
    title="Model-2's idf band filter",
    signature="text, idf, low, high",
    doc="""Model-2's filter: the words of `text` whose idf lies in the band low ≤ idf ≤ high (both ends
included), in their original order, joined with spaces. Words that `idf` (a dict word → idf
from the training texts) does not know are dropped too.""",
    reference=keep_band,
    cases=_band_cases,
    check=compare.text(),
    mistakes=(
        KnownMistake(
            "band_ends_excluded",
            "low < idf < high drops the words that sit exactly on a threshold",
            lambda text, table, low, high: " ".join(
                w for w in text.split() if w in table and low < table[w] < high
            ),
        ),
    ),
)

EXERCISES = LabExercises(
    "lstm", (JOIN_ESSAYS, IDF, KEEP_BAND), preamble="import math\nfrom collections import Counter\n"
)
