"""Preprocessing of the DonorsChoose columns, exactly as the assignment lists it.

Text: decontractions (the text CNN lab's :func:`~engine.text.steps.decontract`), literal and real
``\\r`` ``\\n`` ``\\"`` removed, only ``[A-Za-z0-9]`` kept,
stopwords dropped except no/nor/not, lower case. Categoricals: the cleaning rules per column, then an
index fitted on the training split with 0 reserved for values never seen in training. Numbers:
z-scores with the training split's mean and standard deviation. Everything ``fit`` here sees only
training rows, so validation and test stay unseen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.text.steps import decontract

# NLTK's English stopwords without "no", "nor" and "not": negations carry meaning in an essay.
STOPWORDS: frozenset[str] = frozenset(
    str.split(
        """i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself
    yourselves he him his himself she she's her hers herself it it's its itself they them their theirs
    themselves what which who whom this that that'll these those am is are was were be been being have
    has had having do does did doing a an the and but if or because as until while of at by for with
    about against between into through during before after above below to from up down in out on off
    over under again further then once here there when where why how all any both each few more most
    other some such only own same so than too very s t can will just don don't should should've now d ll
    m o re ve y ain aren aren't couldn couldn't didn didn't doesn doesn't hadn hadn't hasn hasn't haven
    haven't isn isn't ma mightn mightn't mustn mustn't needn needn't shan shan't shouldn shouldn't wasn
    wasn't weren weren't won won't wouldn wouldn't"""
    )
)
_ESCAPES = re.compile(r'\\r|\\n|\\"|[\r\n"]')
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_THE = re.compile(r"\bThe\b")
_DIGIT = re.compile(r"\d")


def clean_essay(text: str) -> str:
    """The assignment's essay cleaning: decontract, drop escapes and symbols, stopwords, lower case."""
    text = _NON_ALNUM.sub(" ", _ESCAPES.sub(" ", decontract(text)))
    return " ".join(word for word in text.lower().split() if word not in STOPWORDS)


def clean_grade(value: str) -> str:
    """``"Grades PreK-2"`` → ``"grades_prek_2"``: spaces and "-" become "_", lower case."""
    return value.strip().replace(" ", "_").replace("-", "_").lower()


def clean_categories(value: str) -> str:
    """``"Music & The Arts, Health & Sports"`` → ``"music_arts_health_sports"``.

    "The" is removed, spaces dropped, "&" and "," become "_", lower case.
    """
    text = _THE.sub("", value).replace(" ", "")
    return text.replace("&", "_").replace(",", "_").lower()


def clean_prefix(value: str, fill: str) -> str:
    """``"Mrs."`` → ``"mrs"``; a missing prefix becomes ``fill`` (the training split's most common)."""
    value = value.strip() or fill
    return value.replace(".", "").lower()


def clean_state(value: str) -> str:
    """``"CA"`` → ``"ca"``."""
    return value.strip().lower()


def has_digit(text: str) -> float:
    """1.0 when the resource summary names a number ("My students need 5 tablets"), else 0.0."""
    return 1.0 if _DIGIT.search(text) else 0.0


def most_common(values: Sequence[str]) -> str:
    """The most frequent non-empty value (ties: the alphabetically first), "" when there is none."""
    counts = Counter(v for v in values if v)
    if not counts:
        return ""
    return min(counts, key=lambda v: (-counts[v], v))


@dataclass(frozen=True)
class CategoryIndex:
    """Maps the training split's values of one column to 1..n; anything else (unseen) maps to 0.

    Attributes:
        values: Known values in index order (index ``i + 1``).
    """

    values: tuple[str, ...]

    @classmethod
    def fit(cls, train_values: Sequence[str]) -> CategoryIndex:
        """Index the distinct training values, sorted so the same data gives the same indices."""
        return cls(tuple(sorted(set(train_values))))

    @property
    def input_dim(self) -> int:
        """Rows an Embedding needs: the known values plus index 0 for unseen ones."""
        return len(self.values) + 1

    @property
    def embedding_size(self) -> int:
        """``min(ceil(n / 2), 50)`` for ``n`` known values (at least 1)."""
        return max(1, min(-(-len(self.values) // 2), 50))

    def transform(self, values: Sequence[str]) -> NDArray[np.int32]:
        """Indices, shape ``(len(values), 1)``; unseen values get 0."""
        lookup = {v: i + 1 for i, v in enumerate(self.values)}
        return np.asarray([[lookup.get(v, 0)] for v in values], dtype=np.int32).reshape(-1, 1)

    def one_hot(self, values: Sequence[str]) -> NDArray[np.float32]:
        """One-hot rows of width :attr:`input_dim` (column 0 is "unseen")."""
        out = np.zeros((len(values), self.input_dim), dtype=np.float32)
        out[np.arange(len(values)), self.transform(values).ravel()] = 1.0
        return out


@dataclass(frozen=True)
class Standardizer:
    """Z-scores with the training split's mean and standard deviation, per column."""

    mean: NDArray[np.float64]
    std: NDArray[np.float64]

    @classmethod
    def fit(cls, train: NDArray[np.float64]) -> Standardizer:
        """Column means and standard deviations (a constant column keeps std 1, not 0)."""
        std = train.std(axis=0)
        return cls(train.mean(axis=0), np.where(std > 0, std, 1.0))

    def transform(self, x: NDArray[np.float64]) -> NDArray[np.float32]:
        """``(x - mean) / std`` as float32."""
        return ((x - self.mean) / self.std).astype(np.float32)


@dataclass(frozen=True)
class TextIndex:
    """Word → integer ids fitted on the training essays: 0 pads, 1 is any word not in the vocabulary.

    Attributes:
        words: Vocabulary, most frequent first (index ``i + 2``).
    """

    words: tuple[str, ...]

    @classmethod
    def fit(cls, train_texts: Sequence[str], max_words: int) -> TextIndex:
        """Keep the ``max_words`` most frequent training words (ties alphabetical, for determinism)."""
        counts = Counter(word for text in train_texts for word in text.split())
        ranked = sorted(counts, key=lambda w: (-counts[w], w))
        return cls(tuple(ranked[:max_words]))

    @property
    def input_dim(self) -> int:
        """Rows the text Embedding needs: vocabulary + padding + out-of-vocabulary."""
        return len(self.words) + 2

    def transform(self, texts: Sequence[str], length: int) -> NDArray[np.int32]:
        """Id sequences cut or zero-padded at the end to ``length``, shape ``(len(texts), length)``."""
        lookup = {w: i + 2 for i, w in enumerate(self.words)}
        out = np.zeros((len(texts), length), dtype=np.int32)
        for row, text in enumerate(texts):
            ids = [lookup.get(w, 1) for w in text.split()[:length]]
            out[row, : len(ids)] = ids
        return out
