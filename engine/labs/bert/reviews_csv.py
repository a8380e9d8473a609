"""Reading a reviews CSV that nobody checked: streamed, every problem named with its file and line.

Reviews.csv has 568,454 rows, and a user's file may be anything: this reader holds one row at a time,
and turns each way a file can be wrong into one :class:`ReviewsFileError` that names the file, the line
and what was expected: a missing, special (pipe, device) or empty file, a non-UTF-8 byte (its line and
byte), a byte-order mark (dropped, not kept in the first column's name), a required column that is
missing or appears twice, a row with too few cells, a quote left open at the end of the file, a field
over the csv module's limit, a line over :data:`MAX_LINE_BYTES`. Values echoed in messages are capped
(:func:`shown`), so a 200 MB line never becomes a 200 MB message.
"""

from __future__ import annotations

import csv
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

#: A physical line longer than this is refused before it is decoded (a review is a few KB at most).
MAX_LINE_BYTES = 1 << 20
#: Characters of an input value a message may echo.
SHOWN_CHARS = 200


class ReviewsFileError(ValueError):
    """A reviews CSV cannot be used; the message names the file, the line and the column."""


def shown(value: str, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters with an ellipsis, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_file(path: Path, what: str = "") -> Path:
    """``path`` if it is a readable regular file; otherwise a :class:`ReviewsFileError` saying why.

    A pipe or a device would be read forever (or block), a folder cannot be read: all are refused here,
    before anything starts.
    """
    label = f"{what}: " if what else ""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ReviewsFileError(f"{label}{path}: no such file") from None
    except OSError as exc:
        raise ReviewsFileError(f"{label}{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise ReviewsFileError(f"{label}{path}: is a folder; choose a CSV file")
    if not stat.S_ISREG(mode):
        raise ReviewsFileError(
            f"{label}{path}: not a regular file (a pipe, socket or device); choose a CSV file"
        )
    return path


class _Lines:
    """The physical lines of a binary file decoded as UTF-8, with the line number and bytes read."""

    def __init__(self, path: Path, handle: object) -> None:
        self.path = path
        self.handle = handle
        self.number = 0
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        readline = self.handle.readline  # type: ignore[attr-defined]
        while raw := readline(MAX_LINE_BYTES + 1):
            self.number += 1
            self.bytes_read += len(raw)
            if len(raw) > MAX_LINE_BYTES:
                raise ReviewsFileError(
                    f"{self.path}: line {self.number} is longer than {MAX_LINE_BYTES:,} bytes; "
                    "this does not look like a reviews CSV"
                )
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ReviewsFileError(
                    f"{self.path}: line {self.number}: byte {exc.start + 1} (0x{raw[exc.start]:02x}) is not "
                    "UTF-8; save the file as UTF-8 CSV"
                ) from None
            yield line.removeprefix("\ufeff") if self.number == 1 else line


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
        on_progress: Called with (bytes read, file size) every ``every`` rows. Defaults to None.
        every: Rows between progress calls. Defaults to 10,000.

    Raises:
        ReviewsFileError: What is wrong and where (see the module docstring).
    """
    check_file(path)
    with open(path, "rb") as handle:
        size = path.stat().st_size
        lines = _Lines(path, handle)
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader, None)
            if not header or not any(h.strip() for h in header):
                expected = ", ".join(required)
                raise ReviewsFileError(f"{path}: the file is empty; expected a header with {expected}")
            columns = _columns(path, header, required)
            needed = max(columns) + 1
            for count, cells in enumerate(reader, 1):
                if on_progress is not None and count % every == 0:
                    on_progress(lines.bytes_read, size)
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) < needed:
                    raise ReviewsFileError(
                        f"{path}: line {reader.line_num}: {len(cells)} cell(s), fewer than the header's "
                        f"{len(header)} (the row is cut short)"
                    )
                yield reader.line_num, [cells[i] for i in columns]
        except csv.Error as exc:
            limit = csv.field_size_limit()
            problem = str(exc)
            if "field larger than field limit" in problem:
                problem = f"a field is longer than {limit:,} characters (the csv module's limit)"
            elif "unexpected end of data" in problem:
                problem = "a quoted field is never closed (the file may be cut short)"
            raise ReviewsFileError(f"{path}: line {lines.number}: not a readable CSV: {problem}") from None
        if on_progress is not None:
            on_progress(size, size)


def _columns(path: Path, header: list[str], required: tuple[str, ...]) -> list[int]:
    names = [h.strip().lower() for h in header]
    missing = [name for name in required if name.lower() not in names]
    if missing:
        found = shown(", ".join(h.strip() for h in header))
        raise ReviewsFileError(f"{path}: line 1: no column {', '.join(missing)} (columns: {found})")
    columns = []
    for name in required:
        where = [i for i, n in enumerate(names) if n == name.lower()]
        if len(where) > 1:
            numbers = " and ".join(str(i + 1) for i in where)
            raise ReviewsFileError(
                f"{path}: line 1: columns {numbers} are both named {name!r}; rename one of them"
            )
        columns.append(where[0])
    return columns
