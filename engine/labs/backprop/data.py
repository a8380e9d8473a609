"""Data for the backprop lab: the embedded 506 × 5 default and loaders for CSV and NPZ files.

The original assignment ships a pickle of 506 Boston-housing-derived rows; we never unpickle user
files, so learners bring the same data as CSV (header ``f1,f2,f3,f4,f5,y``) or NPZ (arrays ``X`` of
shape (n, 5) and ``y`` of shape (n,)). The embedded default is synthetic: standard-normal features and
a target from the assignment's own graph with fixed "true" weights plus Gaussian noise, so training
visibly drives the loss down to the noise floor (σ² = 0.01).
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.graph.library import FEATURES, TARGET
from engine.paths import cache_dir

__all__ = [
    "FEATURES",
    "TARGET",
    "DataFileError",
    "RegressionData",
    "embedded",
    "load",
    "load_csv",
    "load_npz",
]
#: Embedded data: rows, seed and the weights w1..w9 its target was drawn from.
EMBEDDED_ROWS = 506
EMBEDDED_SEED = 1990
TRUE_WEIGHTS: tuple[float, ...] = (0.6, -0.4, 0.8, 0.5, -0.7, -0.3, -1.2, 0.2, 1.5)
NOISE_STD = 0.1
_CACHE_NAME = f"embedded_v1_{EMBEDDED_SEED}.npz"


class DataFileError(ValueError):
    """A data file cannot be used; the message names the file and the problem (row/column if known)."""


@dataclass(frozen=True)
class RegressionData:
    """Features ``X`` (n, 5), target ``y`` (n,) and where they came from (for the dataset card)."""

    X: np.ndarray
    y: np.ndarray
    source: str

    @property
    def rows(self) -> int:
        """Number of data rows."""
        return int(self.X.shape[0])

    def column(self, name: str) -> np.ndarray:
        """A feature by name (``f1``…``f5``) or the target ``y``."""
        return self.y if name == TARGET else self.X[:, FEATURES.index(name)]


def true_prediction(X: np.ndarray, w: tuple[float, ...] = TRUE_WEIGHTS) -> np.ndarray:
    """The assignment's Y' for every row (hand-written numpy; independent of the graph engine)."""
    f1, f2, f3, f4, f5 = X.T
    square = (w[0] * f1 + w[1] * f2) ** 2
    top = np.tanh(np.exp(square + w[5]) + w[6])
    inner = np.sin(w[2] * f3) * (w[3] * f4 + w[4] * f5) + w[7]
    return np.asarray(top + w[8] / (1.0 + np.exp(-inner)))


def generate_embedded() -> tuple[np.ndarray, np.ndarray]:
    """The embedded data, generated from :data:`EMBEDDED_SEED` (same numbers on every machine)."""
    rng = np.random.default_rng(EMBEDDED_SEED)
    X = rng.normal(size=(EMBEDDED_ROWS, len(FEATURES)))
    y = true_prediction(X) + rng.normal(scale=NOISE_STD, size=EMBEDDED_ROWS)
    return X, y


def embedded() -> RegressionData:
    """The embedded default, generated on first use and cached as NPZ in the user cache dir."""
    path = cache_dir("backprop") / _CACHE_NAME
    if not path.exists():
        X, y = generate_embedded()
        # Write then rename, so a concurrent reader never sees half a file.
        partial = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(partial, X=X, y=y)
        os.replace(partial, path)
    data = load_npz(path)
    return RegressionData(
        data.X, data.y, f"embedded synthetic data ({EMBEDDED_ROWS} × 5, seed {EMBEDDED_SEED})"
    )


def load(path: str | Path) -> RegressionData:
    """Load a CSV or NPZ file by its extension.

    Raises:
        DataFileError: Missing file, unknown extension or bad content (see the loaders).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv(path)
    if suffix == ".npz":
        return load_npz(path)
    raise DataFileError(f"{path.name}: expected a .csv or .npz file, got {suffix or 'no extension'!r}")


def load_csv(path: str | Path) -> RegressionData:
    """A CSV with a header naming ``f1``…``f5`` and ``y`` (any order; other columns are ignored).

    Commas, semicolons or tabs separate the cells (whichever the header uses most).

    Raises:
        DataFileError: Not UTF-8 text, no header, missing columns, short rows, non-numeric or
            non-finite cells (with the row and column), or no data rows.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            text = handle.read()
        # Spreadsheets in many locales save ";"-separated "CSV": take the header's commonest separator.
        first = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=first.count)
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except UnicodeDecodeError:
        raise DataFileError(f"{path.name}: not a text (UTF-8) CSV file") from None
    except csv.Error as exc:
        raise DataFileError(f"{path.name}: not a readable CSV file ({exc})") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise DataFileError(f"{path.name}: the file is empty")
    header = [cell.strip() for cell in lines[0]]
    wanted = (*FEATURES, TARGET)
    missing = [name for name in wanted if name not in header]
    if missing:
        raise DataFileError(
            f"{path.name}: the header must name columns {', '.join(wanted)}; missing {', '.join(missing)} "
            f"(header read: {', '.join(header) or 'empty'})"
        )
    index = [header.index(name) for name in wanted]
    table = np.empty((len(lines) - 1, len(wanted)))
    for row_number, line in enumerate(lines[1:], start=2):
        for j, (name, column) in enumerate(zip(wanted, index, strict=True)):
            if column >= len(line):
                raise DataFileError(f"{path.name}: row {row_number} has no value for column {name}")
            table[row_number - 2, j] = _number(path, line[column], row_number, name)
    return _checked(path, table[:, :5], table[:, 5], f"{path.name} ({len(table)} rows, CSV)")


def _number(path: Path, cell: str, row: int, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise DataFileError(
            f"{path.name}: row {row}, column {column}: {cell.strip()!r} is not a number"
        ) from None
    if not math.isfinite(value):
        raise DataFileError(
            f"{path.name}: row {row}, column {column}: {cell.strip()!r} is not a finite number"
        )
    return value


def load_npz(path: str | Path) -> RegressionData:
    """An NPZ with a float array ``X`` of shape (n, 5) and ``y`` of shape (n,) (or (n, 1)).

    Pickled (object) arrays are refused: ``allow_pickle=False``.

    Raises:
        DataFileError: Not an NPZ, missing or pickled arrays, wrong shapes or dtypes, non-finite values.
    """
    path = Path(path)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":  # every .npz is a zip archive; numpy would guess pickle for anything else
        raise DataFileError(f"{path.name}: not a readable NPZ file (not a zip archive of arrays)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            missing = [name for name in ("X", "y") if name not in names]
            if missing:
                found = ", ".join(sorted(names)) or "none"
                raise DataFileError(f"{path.name}: missing array {missing[0]!r} (arrays found: {found})")
            X, y = archive["X"], archive["y"]
    except DataFileError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataFileError(
                f"{path.name}: contains pickled (object) arrays, which are never loaded"
            ) from None
        raise DataFileError(f"{path.name}: not a readable NPZ file ({exc})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataFileError(f"{path.name}: not a readable NPZ file ({exc})") from None
    for name, array in (("X", X), ("y", y)):
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or np.iscomplexobj(array):
            raise DataFileError(f"{path.name}: array {name} holds {array.dtype} values, expected numbers")
    if X.ndim != 2 or X.shape[1] != len(FEATURES):
        raise DataFileError(f"{path.name}: X must have shape (n, 5), got {X.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataFileError(f"{path.name}: y must have shape (n,), got {y.shape}")
    if len(y) != len(X):
        raise DataFileError(f"{path.name}: X has {len(X)} rows but y has {len(y)}")
    return _checked(path, X.astype(np.float64), y.astype(np.float64), f"{path.name} ({len(X)} rows, NPZ)")


def _checked(path: Path, X: np.ndarray, y: np.ndarray, source: str) -> RegressionData:
    if len(X) == 0:
        raise DataFileError(f"{path.name}: no data rows")
    bad = np.argwhere(~np.isfinite(np.column_stack([X, y])))
    if len(bad):
        row, col = (int(v) for v in bad[0])
        raise DataFileError(f"{path.name}: row {row + 1}, column {(*FEATURES, TARGET)[col]} is not finite")
    return RegressionData(X, y, source)
