"""Food reviews for the BERT lab: the Reviews.csv loader, any-CSV-with-Text reader, generated default.

The assignment's data is Amazon Fine Food Reviews ``Reviews.csv`` (columns Id, ProductId, UserId,
ProfileName, HelpfulnessNumerator, HelpfulnessDenominator, Score, Time, Summary, Text). Score > 3 is
positive (1), Score ≤ 2 negative (0), Score 3 is dropped; HTML is stripped; reviews of 50 words or more
are dropped; a seeded sample is split 80/20 keeping the class proportions. The embedded default is a
generated file in exactly that format (see :mod:`engine.labs.bert.corpus`), read by the same loader.

The file is streamed (:mod:`engine.labs.bert.reviews_csv`): every row is read and counted, but only the
sampled reviews are kept. The sample is the ``sample_size`` kept rows with the smallest seeded hash of
their row number (a bottom-k sample): uniformly random, chosen in one pass, and nested, so a larger
sample of the same file and seed contains every review of a smaller one.
"""

from __future__ import annotations

import hashlib
import heapq
import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.jobs import CancelToken, Emit, Progress
from engine.labs.bert.reviews_csv import ReviewsFileError, read_rows
from engine.safe_files import clip_repr
from engine.text.corpus import CorpusError, stratified_split

CLASS_NAMES = ("negative", "positive")
# A run of tags with the whitespace after them, e.g. "<br /><br /> " or "</a>" (the whitespace before
# it is taken in code: a leading \s* would make the regex try a match at every space). A tag starts
# with a letter, "/" or "!" after "<", so "5 < 6" and "I <3 it" are text, not tags.
_TAGS = re.compile(r"(?:<[A-Za-z/!][^<>]*>\s*)+")
#: After these a tag leaves no gap ("here</a>." → "here."); before them neither ("(<b>x" → "(x").
_CLOSERS = frozenset(".,!?;:)]}%")
_OPENERS = frozenset("([{")
PHASE = "Reading reviews"


@dataclass(frozen=True)
class ReviewSplit:
    """Cleaned, labelled reviews split into train / validation / test (labels: 1 = positive).

    ``class_counts`` maps a stage (``file``: all scored rows after dropping 3; ``kept``: after the
    length filter; ``sample``, ``train``, ``val``, ``test``) to ``{"negative": n, "positive": m}``, for the
    class-distribution bar plots. ``dropped`` counts what was removed and why.
    """

    train_texts: tuple[str, ...]
    train_labels: np.ndarray
    val_texts: tuple[str, ...]
    val_labels: np.ndarray
    test_texts: tuple[str, ...]
    test_labels: np.ndarray
    class_counts: dict[str, dict[str, int]]
    dropped: dict[str, int]


def _gap(text: str, start: int, end: int) -> str:
    # A tag stands between words ("tea<br />See"), so it usually becomes a space; but a space left
    # before punctuation ("coffee <br />, ...") or after an opening bracket would reach the tokenizer.
    if end == len(text) or start == 0:
        return ""
    if text[end] in _CLOSERS or text[start - 1] in _OPENERS:
        return ""
    return " "


def _strip_tags(text: str) -> str:
    """Replace each run of tags, with the whitespace around it, by :func:`_gap`."""
    if "<" not in text:
        return text
    parts: list[str] = []
    pos = 0
    for match in _TAGS.finditer(text):
        start, end = match.start(), match.end()
        while start > pos and text[start - 1].isspace():  # the whitespace before the run goes too
            start -= 1
        parts += (text[pos:start], _gap(text, start, end))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def clean_text(raw: str) -> str:
    """Strip HTML tags (``<br />``, links), decode entities (``&amp;``) and collapse whitespace.

    A tag becomes a space between words and nothing before punctuation, so ``"coffee <br />, and"``
    reads ``"coffee, and"``. Markup that was escaped (``&lt;b&gt;``) is stripped once decoded, so
    cleaning cleaned text changes nothing (the GUI passes cleaned reviews back to the token view).
    Runs for every row of a 568k-row file, so it avoids regular expressions where a string test does.
    """
    text = _strip_tags(raw)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(_strip_tags(text).split())


def counts_of(labels: np.ndarray) -> dict[str, int]:
    """``{"negative": n, "positive": m}`` for 0/1 labels."""
    positive = int(np.sum(labels == 1))
    return {"negative": int(len(labels) - positive), "positive": positive}


def read_texts(path: Path) -> list[str]:
    """The cleaned ``Text`` column of any CSV (a "new reviews" file); rows with empty text are skipped."""
    texts = [t for _, (raw,) in read_rows(Path(path), ("Text",)) if (t := clean_text(raw))]
    if not texts:
        raise ReviewsFileError(f"{path}: the Text column has no reviews")
    return texts


def _score(path: Path, line: int, raw: str) -> int:
    try:
        score = int(raw.strip())
    except ValueError:
        raise ReviewsFileError(
            f"{path}: line {line}, column Score: {clip_repr(raw.strip())} is not a whole number"
        ) from None
    if not 1 <= score <= 5:
        raise ReviewsFileError(f"{path}: line {line}, column Score: {score} is outside 1–5")
    return score


_MASK64 = (1 << 64) - 1


def sample_priorities(seed: int, first_row: int, count: int) -> np.ndarray:
    """Seeded pseudo-random 64-bit priorities of rows ``first_row`` … (splitmix64 of the row number).

    The sample keeps the rows with the smallest priorities; a row's priority depends only on the seed
    and its number, never on the other rows, which is what makes samples nest.
    """
    mixed = int.from_bytes(hashlib.sha256(str(seed).encode()).digest()[:8], "little")
    with np.errstate(over="ignore"):
        z = np.arange(first_row + 1, first_row + count + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z += np.uint64(mixed & _MASK64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


class _BottomK:
    """The ``k`` kept rows with the smallest priorities, in one pass (a max-heap of size ``k``)."""

    def __init__(self, k: int, seed: int) -> None:
        self.k, self.seed = k, seed
        self.heap: list[tuple[int, int, str, int]] = []
        self._block_start = -1
        self._block = np.zeros(0, np.uint64)  # 512 KB a block: a Python list of them would be 3 MB

    def priority(self, row: int) -> int:
        block = row - row % 65_536
        if block != self._block_start:
            self._block_start, self._block = block, sample_priorities(self.seed, block, 65_536)
        return int(self._block[row - block])

    def would_keep(self, row: int) -> bool:
        return len(self.heap) < self.k or self.priority(row) < -self.heap[0][0]

    def offer(self, row: int, text: str, label: int) -> None:
        entry = (-self.priority(row), row, text, label)
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, entry)
        elif entry > self.heap[0]:
            heapq.heapreplace(self.heap, entry)

    def rows(self) -> list[tuple[int, str, int]]:
        """The kept ``(row, text, label)`` in file order."""
        return sorted((row, text, label) for _, row, text, label in self.heap)


def label_of(score: int) -> int | None:
    """The assignment's label rule: 1 (positive) for 4-5 stars, 0 for 1-2, None (dropped) for 3."""
    return None if score == 3 else int(score > 3)


def load_reviews(
    path: Path,
    sample_size: int,
    seed: int,
    test_fraction: float = 0.2,
    val_fraction: float = 0.1,
    max_words: int = 50,
    token: CancelToken | None = None,
    emit: Emit | None = None,
) -> ReviewSplit:
    """Read a Reviews.csv-format file and prepare it as the assignment did (streamed, see above).

    Args:
        path: A CSV with (at least) ``Score`` and ``Text`` columns.
        sample_size: How many kept reviews to sample (seeded); all when there are fewer.
        seed: Seed of the sample and the split.
        test_fraction: Share of each class held out for the test. Defaults to 0.2 (the assignment's).
        val_fraction: Share of the rest used to validate the head each epoch. Defaults to 0.1.
        max_words: Reviews must have fewer words than this after cleaning. Defaults to 50.
        token: Checked every 10,000 rows. Defaults to None.
        emit: Receives :class:`Progress` in MB read. Defaults to None.

    Raises:
        ReviewsFileError: A bad file (named, with the line), or too few reviews of a class.
    """
    path = Path(path)
    sample = _BottomK(sample_size, seed)
    dropped = {"score_3": 0, "too_long": 0, "empty": 0}
    file_counts = {"negative": 0, "positive": 0}
    kept_counts = {"negative": 0, "positive": 0}

    def progress(done: int, total: int) -> None:
        if token is not None:
            token.raise_if_cancelled()
        if emit is not None:
            emit(Progress(PHASE, done // 1_000_000, max(1, -(-total // 1_000_000)), "MB"))

    for row, (line, (raw_score, raw_text)) in enumerate(read_rows(path, ("Score", "Text"), progress)):
        label = label_of(_score(path, line, raw_score))
        if label is None:
            dropped["score_3"] += 1
            continue
        file_counts[CLASS_NAMES[label]] += 1
        text = clean_text(raw_text)
        n_words = len(text.split())
        if n_words == 0:
            dropped["empty"] += 1
        elif n_words >= max_words:
            dropped["too_long"] += 1
        else:
            kept_counts[CLASS_NAMES[label]] += 1
            if sample.would_keep(row):
                sample.offer(row, text, label)
    chosen = sample.rows()
    texts = [text for _, text, _ in chosen]
    labels = np.asarray([label for _, _, label in chosen], dtype=np.int64)
    if len(np.unique(labels)) < 2:
        raise ReviewsFileError(f"{path}: the sample has only {counts_of(labels)}; both classes are needed")
    try:
        split = stratified_split(labels, seed, test_fraction, val_fraction, CLASS_NAMES)
    except CorpusError as exc:
        raise ReviewsFileError(f"{path}: {exc}") from None

    def part(idx: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
        return tuple(texts[i] for i in idx), labels[idx]

    (train_t, train_y), (val_t, val_y), (test_t, test_y) = (
        part(s) for s in (split.train, split.val, split.test)
    )
    class_counts = {
        "file": file_counts,
        "kept": kept_counts,
        "sample": counts_of(labels),
        "train": counts_of(train_y),
        "val": counts_of(val_y),
        "test": counts_of(test_y),
    }
    return ReviewSplit(train_t, train_y, val_t, val_y, test_t, test_y, class_counts, dropped)
