"""Reading a reviews CSV that nobody checked: streamed, every problem named with its file and line.

Reviews.csv has 568,454 rows, and a user's file may be anything. The shared readers
(:func:`engine.safe_formats.csv_rows`, :func:`~engine.safe_formats.column_positions`) refuse what is
not a regular file (a pipe, a device, a folder), drop a byte-order mark, name the line of a byte that
is not UTF-8, of a field over the csv module's limit and of a line without a break, and refuse a
column that appears twice; this module adds what a reviews file needs on top: the required columns
found without case, a row cut short (fewer cells than the columns it needs) named with its line, and
progress in megabytes for a long read. One row is held at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from engine.safe_files import check_regular_file
from engine.safe_formats import column_positions, csv_rows


class ReviewsFileError(ValueError):
    """A reviews CSV cannot be used; the message names the file, the line and the column."""


def check_file(path: Path, what: str = "") -> Path:
    """``path`` if it is a readable regular file; otherwise a :class:`ReviewsFileError` saying why
    (``what``, e.g. the params field, starts the message)."""
    try:
        check_regular_file(path, ReviewsFileError, "CSV file")
    except ReviewsFileError as exc:
        raise ReviewsFileError(f"{what}: {exc}" if what else str(exc)) from None
    return path


def read_rows(
    path: Path,
    required: tuple[str, ...],
    on_progress: Callable[[int, int], None] | None = None,
    every: int = 10_000,
) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` for each non-blank row: the ``required`` columns' cells in that order.

    Args:
        path: The CSV file (a header row, then rows; quoted fields may span lines).
        required: Column names, matched without case or surrounding spaces.
        on_progress: Called with (about the bytes read, the file's size) every ``every`` rows and at
            the end. Defaults to None.
        every: Rows between progress calls. Defaults to 10,000.

    Raises:
        ReviewsFileError: What is wrong and where (see the module docstring).
    """
    size = check_file(path).stat().st_size
    label = str(path)
    rows = csv_rows(path, ReviewsFileError, label=label)
    first = next(rows, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise ReviewsFileError(f"{label}: the file is empty; expected a header with {', '.join(required)}")
    header = first[1]
    positions = column_positions(label, header, required, ReviewsFileError, casefold=True)
    columns = [positions[name] for name in required]
    needed = max(columns) + 1
    read = sum(len(cell) + 1 for cell in header)  # characters ≈ bytes: the progress is approximate
    for count, (line, cells) in enumerate(rows, 1):
        read += sum(len(cell) + 1 for cell in cells)
        if on_progress is not None and count % every == 0:
            on_progress(min(read, size), size)
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < needed:
            raise ReviewsFileError(
                f"{label}: line {line}: {len(cells)} cell(s), fewer than the header's {len(header)} "
                "(the row is cut short)"
            )
        yield line, [cells[i] for i in columns]
    if on_progress is not None:
        on_progress(size, size)
