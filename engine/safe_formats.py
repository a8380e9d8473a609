"""Untrusted CSV and NPY/NPZ files, read with every failure turned into one message naming the file.

- CSV (:func:`csv_rows`): a UTF-8 byte-order mark is dropped (Excel writes one, and it would stick to
  the first column's name), text that is not UTF-8 names its line, a field above the ``csv`` module's
  limit or a line without a break names its line instead of reading on, and :func:`column_positions`
  refuses a used column that appears twice instead of silently picking one.
- NPY/NPZ (:func:`npz_arrays`): every array's header is read and checked against the bytes that are
  really there BEFORE anything is allocated (a 200-byte file can claim a terabyte array), object
  (pickled) arrays are refused, and a size limit applies to what may be decompressed.
"""

from __future__ import annotations

import csv
import itertools
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from engine.safe_files import (
    ErrorType,
    InputFileError,
    bounded_lines,
    clip,
    clip_repr,
    decode_error_line,
    open_regular,
    open_text,
)

#: Largest array an NPZ member may hold once decompressed.
MAX_ARRAY_BYTES = 1 << 30
#: What a damaged zip archive raises while it is opened or read.
_DAMAGED_ZIP = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    NotImplementedError,
    zlib.error,
    struct.error,
)


#: Longest CSV field accepted: the csv module's default limit, enforced here too because the limit is
#: process-wide and another reader may raise it.
MAX_FIELD_CHARS = 131_072
_TOO_LONG = f"a field is longer than {MAX_FIELD_CHARS:,} characters (the CSV limit)"


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return _TOO_LONG
    return f"not valid CSV ({clip(text)})"


def csv_rows(
    path: str | Path,
    error: ErrorType = InputFileError,
    *,
    delimiters: str = ",",
    what: str = "CSV file",
    label: str | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` for every row of a UTF-8 CSV file; ``line`` is where the row starts (1-based).

    Args:
        path: The file (refused unless regular: see :func:`engine.safe_files.open_regular`).
        error: The exception type raised (the loader's own). Defaults to InputFileError.
        delimiters: The separator, or several candidates: the one the first line uses most wins
            (spreadsheets in many locales save ";"-separated "CSV"). Defaults to ",".
        what: What the file is, for messages. Defaults to "CSV file".
        label: How messages name the file. Defaults to its name (without the folder).

    Raises:
        ``error``: The file cannot be opened, is not UTF-8 (naming the line), has a line longer than
            :data:`engine.safe_files.MAX_LINE_CHARS` or a field above the CSV limit, or bad quoting.
    """
    name = label if label is not None else Path(path).name
    with open_text(path, error, what) as handle:
        reader: Any = None
        try:
            lines = bounded_lines(handle, name, error)
            first = next(lines, "")
            delimiter = max(delimiters, key=first.count) if len(delimiters) > 1 else delimiters
            reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
            start = 1
            for cells in reader:
                if any(len(cell) > MAX_FIELD_CHARS for cell in cells):
                    raise error(f"{name}: line {start}: {_TOO_LONG}")
                yield start, cells
                start = reader.line_num + 1
        except UnicodeDecodeError as exc:
            line = decode_error_line(path)
            where = f"line {line}" if line is not None else f"byte {exc.start}"
            raise error(f"{name}: {where}: not UTF-8 text (save the file as UTF-8)") from None
        except csv.Error as exc:
            line_number = reader.line_num if reader is not None else 1
            raise error(f"{name}: line {line_number}: {_csv_problem(exc)}") from None


def column_positions(
    name: str,
    header: Sequence[str],
    wanted: Sequence[str],
    error: ErrorType = InputFileError,
    *,
    optional: Sequence[str] = (),
    casefold: bool = False,
) -> dict[str, int]:
    """Where each wanted (and present optional) column is in ``header`` (cells are stripped).

    Raises:
        ``error``: A wanted column is missing, or a wanted/optional column appears more than once.
    """
    cells = [cell.strip().lower() if casefold else cell.strip() for cell in header]
    positions: dict[str, int] = {}
    for column in (*wanted, *optional):
        key = column.lower() if casefold else column
        found = [i for i, cell in enumerate(cells) if cell == key]
        if len(found) > 1:
            numbers = " and ".join(str(i + 1) for i in found[:2])
            raise error(
                f"{name}: line 1 (header): column {column!r} appears {len(found)} times "
                f"(columns {numbers}); rename or remove the extra one"
            )
        if found:
            positions[column] = found[0]
    missing = [column for column in wanted if column not in positions]
    if missing:
        shown = clip(", ".join(cell.strip() for cell in header)) or "nothing"
        raise error(f"{name}: line 1 (header): missing column(s) {', '.join(missing)} (found: {shown})")
    return positions


def check_number_cell(name: str, line: int, column: str, cell: str, error: ErrorType) -> float:
    """A finite float from a cell, or ``error`` naming the line, the column and (clipped) the cell."""
    try:
        value = float(cell)
    except ValueError:
        raise error(
            f"{name}: line {line}, column {column}: {clip_repr(cell.strip())} is not a number"
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise error(f"{name}: line {line}, column {column}: {clip(cell.strip())} is not a finite number")
    return value


# --- NPY / NPZ ---------------------------------------------------------------------------------------


def read_npy_header(handle: IO[bytes]) -> tuple[tuple[int, ...], np.dtype[Any], bool]:
    """``(shape, dtype, fortran_order)`` from an NPY header; the handle is left at the data.

    Raises:
        ValueError: Not an NPY header (numpy's reason).
    """
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    else:
        raise ValueError(f"NPY format version {version} is not supported")
    return tuple(shape), dtype, bool(fortran)


def _nbytes(shape: tuple[int, ...], dtype: np.dtype[Any]) -> int:
    count = 1
    for dim in shape:
        count *= int(dim)
    return count * dtype.itemsize


def _read_member(
    archive: zipfile.ZipFile, member: str, label: str, max_bytes: int, error: ErrorType
) -> np.ndarray:
    info = archive.getinfo(member)
    if info.file_size > max_bytes:
        raise error(
            f"{label}: array {member[:-4]!r} is {info.file_size:,} bytes; at most {max_bytes:,} are accepted"
        )
    with archive.open(info) as handle:
        try:
            shape, dtype, fortran = read_npy_header(handle)
        except ValueError as exc:
            raise error(f"{label}: array {member[:-4]!r} has no valid NPY header ({clip(exc)})") from None
        if dtype.hasobject:
            raise error(f"{label}: contains pickled (object) arrays, which are never loaded")
        needed = _nbytes(shape, dtype)
        available = info.file_size - handle.tell()
        if needed != available:  # checked before the allocation the header asks for
            raise error(
                f"{label}: array {member[:-4]!r} claims shape {clip(shape)} of {dtype} ({needed:,} bytes) "
                f"but holds {max(available, 0):,} bytes"
            )
        data = handle.read(needed)
    if len(data) != needed:
        raise error(f"{label}: array {member[:-4]!r} is truncated")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C").copy()


def npz_arrays(
    path: str | Path,
    names: Sequence[str],
    error: ErrorType = InputFileError,
    max_bytes: int = MAX_ARRAY_BYTES,
) -> dict[str, np.ndarray]:
    """The arrays ``names`` of an NPZ file, each checked before it is allocated.

    Raises:
        ``error``: Not a regular file or not a zip archive of arrays, a missing array (listing those
            found), a pickled (object) array, a header whose shape disagrees with the bytes stored, an
            array above ``max_bytes``, or a damaged archive.
    """
    label = Path(path).name
    with open_regular(path, error, "NPZ file") as handle:
        if handle.read(4) != b"PK\x03\x04":  # numpy would guess pickle for anything that is not a zip
            raise error(f"{label}: not a readable NPZ file (not a zip archive of arrays)")
        handle.seek(0)
        try:
            with zipfile.ZipFile(handle) as archive:
                members = {m[:-4]: m for m in archive.namelist() if m.endswith(".npy")}
                missing = [n for n in names if n not in members]
                if missing:
                    found = clip(", ".join(sorted(members))) or "none"
                    raise error(f"{label}: missing array {missing[0]!r} (arrays found: {found})")
                return {n: _read_member(archive, members[n], label, max_bytes, error) for n in names}
        except _DAMAGED_ZIP as exc:
            raise error(f"{label}: not a readable NPZ file ({clip(exc)})") from None
        except (ValueError, RuntimeError) as exc:
            if isinstance(exc, error):
                raise
            raise error(f"{label}: not a readable NPZ file ({clip(exc)})") from None


def npy_header_of(path: str | Path) -> tuple[tuple[int, ...], str]:
    """``(shape, dtype string)`` of an NPY file we wrote (for cache manifests)."""
    with open(os.fspath(path), "rb") as handle:
        shape, dtype, _ = read_npy_header(handle)
    return tuple(int(d) for d in shape), dtype.str
