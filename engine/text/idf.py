"""Inverse document frequency of words and the band filter of the LSTM lab's Model-2.

``idf(w) = ln((1 + n) / (1 + df(w))) + 1`` (the smoothed form scikit-learn's TfidfVectorizer uses),
fitted on the training essays only. Model-2 keeps the words whose idf lies inside ``[low, high]``:
very common words (low idf) say little, very rare ones (high idf) are mostly noise. Everything here
is numpy and fast, so the GUI can call :meth:`IdfTable.band` on every drag of a threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class BoxStats:
    """A box plot of the idf values (Tukey whiskers at 1.5 IQR, clipped to the data)."""

    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float
    whisker_low: float
    whisker_high: float
    outliers: int

    def as_dict(self) -> dict[str, float]:
        """Plain data for the GUI and the CLI."""
        return asdict(self)


@dataclass(frozen=True)
class IdfBand:
    """What keeping the words with ``low <= idf <= high`` does to the vocabulary.

    Attributes:
        low: Lower idf threshold (inclusive).
        high: Upper idf threshold (inclusive).
        kept: Words kept, most frequent first.
        vocabulary_before: Distinct training words.
        token_share_kept: Fraction of all training word occurrences that survive the filter.
        dropped_common: Examples of dropped words below ``low`` (most common first).
        dropped_rare: Examples of dropped words above ``high`` (rarest first).
    """

    low: float
    high: float
    kept: tuple[str, ...]
    vocabulary_before: int
    token_share_kept: float
    dropped_common: tuple[str, ...]
    dropped_rare: tuple[str, ...]

    @property
    def vocabulary_after(self) -> int:
        """How many distinct words remain."""
        return len(self.kept)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the GUI and the CLI (the kept words themselves are left out: too many)."""
        return {
            "low": self.low,
            "high": self.high,
            "vocabulary_before": self.vocabulary_before,
            "vocabulary_after": self.vocabulary_after,
            "token_share_kept": self.token_share_kept,
            "dropped_common": list(self.dropped_common),
            "dropped_rare": list(self.dropped_rare),
        }


@dataclass(frozen=True)
class IdfTable:
    """Per-word idf of a corpus, sorted by idf (ties by word), with document and term counts.

    Attributes:
        words: Distinct words, ascending idf.
        idf: Their idf values.
        document_frequency: In how many documents each word occurs.
        term_count: How often each word occurs in total.
        documents: Number of documents fitted on.
    """

    words: tuple[str, ...]
    idf: NDArray[np.float64]
    document_frequency: NDArray[np.int64]
    term_count: NDArray[np.int64]
    documents: int

    @classmethod
    def fit(cls, texts: Sequence[str]) -> IdfTable:
        """Fit on whitespace-tokenised (already cleaned) documents."""
        df: Counter[str] = Counter()
        tf: Counter[str] = Counter()
        for text in texts:
            tokens = text.split()
            tf.update(tokens)
            df.update(set(tokens))
        n = len(texts)
        words = sorted(df, key=lambda w: (-df[w], w))  # ascending idf == descending df
        counts = np.asarray([df[w] for w in words], dtype=np.int64)
        idf = np.log((1.0 + n) / (1.0 + counts)) + 1.0
        return cls(tuple(words), idf, counts, np.asarray([tf[w] for w in words], dtype=np.int64), n)

    def box(self) -> BoxStats:
        """Quartiles, whiskers and the number of outliers, for the box plot."""
        if not self.words:
            raise ValueError("no words to describe: the training texts are empty")
        q1, median, q3 = np.percentile(self.idf, [25, 50, 75])
        reach = 1.5 * (q3 - q1)
        inside = self.idf[(self.idf >= q1 - reach) & (self.idf <= q3 + reach)]
        return BoxStats(
            minimum=float(self.idf[0]),
            q1=float(q1),
            median=float(median),
            q3=float(q3),
            maximum=float(self.idf[-1]),
            whisker_low=float(inside.min()),
            whisker_high=float(inside.max()),
            outliers=int(self.idf.size - inside.size),
        )

    def histogram(self, bins: int = 30) -> tuple[list[float], list[int]]:
        """Bin edges (``bins + 1``) and counts of the idf values, for the distribution plot."""
        counts, edges = np.histogram(self.idf, bins=bins)
        return [float(e) for e in edges], [int(c) for c in counts]

    def band(self, low: float | None = None, high: float | None = None, examples: int = 12) -> IdfBand:
        """Keep the words with ``low <= idf <= high``; None means the quartile (the IQR by default).

        Raises:
            ValueError: ``low`` above ``high``.
        """
        stats = self.box()
        low = stats.q1 if low is None else float(low)
        high = stats.q3 if high is None else float(high)
        if low > high:
            raise ValueError(f"idf thresholds: low {low:g} is above high {high:g}")
        # idf is sorted, so the band is one slice; a small tolerance keeps words sitting exactly on
        # a quartile (many share an idf) from flickering in and out with float rounding.
        start = int(np.searchsorted(self.idf, low - 1e-9, side="left"))
        stop = int(np.searchsorted(self.idf, high + 1e-9, side="right"))
        total = max(int(self.term_count.sum()), 1)
        return IdfBand(
            low=low,
            high=high,
            kept=self.words[start:stop],
            vocabulary_before=len(self.words),
            token_share_kept=float(self.term_count[start:stop].sum() / total),
            dropped_common=self.words[:start][:examples],
            dropped_rare=tuple(reversed(self.words[stop:]))[:examples],
        )


def keep_words(texts: Sequence[str], kept: Sequence[str]) -> list[str]:
    """Each text with only the words in ``kept``, order preserved."""
    allowed = frozenset(kept)
    return [" ".join(w for w in text.split() if w in allowed) for text in texts]
