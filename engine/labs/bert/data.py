"""Food reviews for the BERT lab: the Reviews.csv loader, any-CSV-with-Text reader, generated default.

The assignment's data is Amazon Fine Food Reviews ``Reviews.csv`` (columns Id, ProductId, UserId,
ProfileName, HelpfulnessNumerator, HelpfulnessDenominator, Score, Time, Summary, Text). Score > 3 is
positive (1), Score ≤ 2 negative (0), Score 3 is dropped; HTML is stripped; reviews of 50 words or more
are dropped; a seeded sample is split 80/20 keeping the class proportions. The embedded default is a
generated file in exactly that format (see :mod:`engine.labs.bert.corpus`), read by the same loader.
"""

from __future__ import annotations

import csv
import html
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.jobs import CancelToken, Emit, Progress
from engine.text.corpus import stratified_split

CLASS_NAMES = ("negative", "positive")
# A run of tags with the whitespace around them, e.g. " <br /><br />" or "</a>". A tag starts with a
# letter, "/" or "!" after "<", so "5 < 6" and "I <3 it" are text, not tags.
_TAGS = re.compile(r"\s*(?:<[A-Za-z/!][^<>]*>\s*)+")
_SPACE = re.compile(r"\s+")
#: After these a tag leaves no gap ("here</a>." → "here."); before them neither ("(<b>x" → "(x").
_CLOSERS = frozenset(".,!?;:)]}%")
_OPENERS = frozenset("([{")
PHASE = "Reading reviews"


class ReviewsFileError(ValueError):
    """A reviews CSV cannot be used; the message names the file, the line and the column."""


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


def _tag_gap(match: re.Match[str]) -> str:
    # A tag stands between words ("tea<br />See"), so it usually becomes a space; but a space left
    # before punctuation ("coffee <br />, ...") or after an opening bracket would reach the tokenizer.
    text, start, end = match.string, match.start(), match.end()
    if end == len(text) or start == 0:
        return ""
    if text[end] in _CLOSERS or text[start - 1] in _OPENERS:
        return ""
    return " "


def clean_text(raw: str) -> str:
    """Strip HTML tags (``<br />``, links), decode entities (``&amp;``) and collapse whitespace.

    A tag becomes a space between words and nothing before punctuation, so ``"coffee <br />, and"``
    reads ``"coffee, and"``. Markup that was escaped (``&lt;b&gt;``) is stripped once decoded, so
    cleaning cleaned text changes nothing (the GUI passes cleaned reviews back to the token view).
    """
    decoded = html.unescape(_TAGS.sub(_tag_gap, raw))
    return _SPACE.sub(" ", _TAGS.sub(_tag_gap, decoded)).strip()


def counts_of(labels: np.ndarray) -> dict[str, int]:
    """``{"negative": n, "positive": m}`` for 0/1 labels."""
    positive = int(np.sum(labels == 1))
    return {"negative": int(len(labels) - positive), "positive": positive}


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV whose header has the ``required`` columns (any case)."""
    if not path.is_file():
        raise ReviewsFileError(f"{path}: no such file")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # real reviews can be long
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise ReviewsFileError(
                    f"{path}: the file is empty; expected a header with {', '.join(required)}"
                )
            lookup = {name.strip().lower(): i for i, name in enumerate(header)}
            missing = [name for name in required if name.lower() not in lookup]
            if missing:
                found = ", ".join(h.strip() for h in header[:12])
                raise ReviewsFileError(f"{path}: line 1: no column {', '.join(missing)} (columns: {found})")
            columns = {name: lookup[name.lower()] for name in required}
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                line = reader.line_num
                if len(cells) <= max(columns.values()):
                    raise ReviewsFileError(f"{path}: line {line}: {len(cells)} cells, fewer than the header")
                yield line, {name: cells[i] for name, i in columns.items()}
    except UnicodeDecodeError as exc:
        raise ReviewsFileError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise ReviewsFileError(f"{path}: not a readable CSV: {exc}") from None


def read_texts(path: Path) -> list[str]:
    """The cleaned ``Text`` column of any CSV (a "new reviews" file); rows with empty text are skipped."""
    texts = [t for _, row in _rows(Path(path), ("Text",)) if (t := clean_text(row["Text"]))]
    if not texts:
        raise ReviewsFileError(f"{path}: the Text column has no reviews")
    return texts


def _score(path: Path, line: int, raw: str) -> int:
    try:
        score = int(raw.strip())
    except ValueError:
        raise ReviewsFileError(f"{path}: line {line}, column Score: {raw!r} is not a whole number") from None
    if not 1 <= score <= 5:
        raise ReviewsFileError(f"{path}: line {line}, column Score: {score} is outside 1–5")
    return score


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
    """Read a Reviews.csv-format file and prepare it as the assignment did.

    Args:
        path: A CSV with (at least) ``Score`` and ``Text`` columns.
        sample_size: How many kept reviews to sample (seeded); all when there are fewer.
        seed: Seed of the sample and the split.
        test_fraction: Share of each class held out for the test. Defaults to 0.2 (the assignment's).
        val_fraction: Share of the rest used to validate the head each epoch. Defaults to 0.1.
        max_words: Reviews must have fewer words than this after cleaning. Defaults to 50.
        token: Checked every 10,000 rows. Defaults to None.
        emit: Receives :class:`Progress` in lines read. Defaults to None.

    Raises:
        ReviewsFileError: Missing columns, a bad score (with its line), or too few reviews of a class.
    """
    path = Path(path)
    texts: list[str] = []
    labels: list[int] = []
    dropped = {"score_3": 0, "too_long": 0, "empty": 0}
    file_counts = {"negative": 0, "positive": 0}
    for line, row in _rows(path, ("Score", "Text")):
        if line % 10_000 == 0:
            if token is not None:
                token.raise_if_cancelled()
            if emit is not None:
                emit(Progress(PHASE, line, 0))
        score = _score(path, line, row["Score"])
        if score == 3:
            dropped["score_3"] += 1
            continue
        label = 1 if score > 3 else 0
        file_counts[CLASS_NAMES[label]] += 1
        text = clean_text(row["Text"])
        n_words = len(text.split())
        if n_words == 0:
            dropped["empty"] += 1
        elif n_words >= max_words:
            dropped["too_long"] += 1
        else:
            texts.append(text)
            labels.append(label)
    all_labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(texts), size=min(sample_size, len(texts)), replace=False))
    sample = all_labels[chosen]
    if len(np.unique(sample)) < 2:
        raise ReviewsFileError(f"{path}: the sample has only {counts_of(sample)}; both classes are needed")
    split = stratified_split(sample, seed, test_fraction, val_fraction, CLASS_NAMES)

    def part(idx: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
        return tuple(texts[i] for i in chosen[idx]), sample[idx]

    (train_t, train_y), (val_t, val_y), (test_t, test_y) = (
        part(s) for s in (split.train, split.val, split.test)
    )
    class_counts = {
        "file": file_counts,
        "kept": counts_of(all_labels),
        "sample": counts_of(sample),
        "train": counts_of(train_y),
        "val": counts_of(val_y),
        "test": counts_of(test_y),
    }
    return ReviewSplit(train_t, train_y, val_t, val_y, test_t, test_y, class_counts, dropped)
