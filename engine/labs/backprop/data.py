"""Data for the backprop lab: the embedded 506 × 5 default and loaders for CSV and NPZ files.

The original assignment ships a pickle of 506 Boston-housing-derived rows; we never unpickle user
files, so learners bring the same data as CSV (header ``f1,f2,f3,f4,f5,y``) or NPZ (arrays ``X`` of
shape (n, 5) and ``y`` of shape (n,)). The embedded default is synthetic: standard-normal features and
a target from the assignment's own graph with fixed "true" weights plus Gaussian noise, so training
visibly drives the loss down to the noise floor (σ² = 0.01).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import manifest
from engine.graph.library import FEATURES, TARGET
from engine.paths import cache_dir
from engine.safe_files import check_regular_file, clip
from engine.safe_formats import check_number_cell, column_positions, csv_rows, npz_arrays

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
_CACHE_NAME = f"embedded-v2-seed{EMBEDDED_SEED}"  # a folder with data.npz and its manifest


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


def embedded(note: Callable[[str], None] | None = None) -> RegressionData:
    """The embedded default, generated on first use and cached as NPZ in the user cache dir.

    The cache entry carries a manifest (:mod:`engine.manifest`): a damaged copy is regenerated and
    ``note`` is told; a cache dir that cannot be written only costs regenerating it (a millisecond).
    """
    folder = cache_dir("backprop") / _CACHE_NAME
    source = f"embedded synthetic data ({EMBEDDED_ROWS} × 5, seed {EMBEDDED_SEED})"

    def build(partial: Path) -> dict[str, int]:
        X, y = generate_embedded()
        np.savez(partial / "data.npz", X=X, y=y)
        return {"rows": len(X)}

    expect = {"rows": EMBEDDED_ROWS, "seed": EMBEDDED_SEED}
    try:
        manifest.ensure(folder, build, label="the embedded backprop data", expect=expect, note=note)
    except manifest.CacheWriteError as exc:
        X, y = generate_embedded()
        return RegressionData(X, y, f"{source}; not cached: {exc}")
    data = load_npz(folder / "data.npz")
    return RegressionData(data.X, data.y, source)


def load(path: str | Path) -> RegressionData:
    """Load a CSV or NPZ file by its extension.

    Raises:
        DataFileError: Missing file or not a regular file, unknown extension or bad content (see
            the loaders).
    """
    path = Path(path)
    check_regular_file(path, DataFileError, "data file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv(path)
    if suffix == ".npz":
        return load_npz(path)
    shown = clip(suffix, 40) or "no extension"
    raise DataFileError(f"{clip(path.name)}: expected a .csv or .npz file, got {shown!r}")


def load_csv(path: str | Path) -> RegressionData:
    """A CSV with a header naming ``f1``…``f5`` and ``y`` (any order; other columns are ignored).

    Commas, semicolons or tabs separate the cells (whichever the header uses most).

    Raises:
        DataFileError: Not UTF-8 text, no header, missing or repeated columns, short rows,
            non-numeric or non-finite cells (with the line and column), or no data rows.
    """
    path = Path(path)
    wanted = (*FEATURES, TARGET)
    rows = csv_rows(path, DataFileError, delimiters=",;\t", what="data file")
    header: list[str] | None = None
    index: list[int] = []
    values: list[list[float]] = []
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = cells
            positions = column_positions(path.name, header, wanted, DataFileError)
            index = [positions[name] for name in wanted]
            continue
        row = []
        for name, column in zip(wanted, index, strict=True):
            if column >= len(cells):
                raise DataFileError(f"{path.name}: line {line} has no value for column {name}")
            row.append(check_number_cell(path.name, line, name, cells[column], DataFileError))
        values.append(row)
    if header is None:
        raise DataFileError(f"{path.name}: the file is empty")
    table = np.array(values, dtype=np.float64).reshape(len(values), len(wanted))
    return _checked(path, table[:, :5], table[:, 5], f"{path.name} ({len(table)} rows, CSV)")


def load_npz(path: str | Path) -> RegressionData:
    """An NPZ with a float array ``X`` of shape (n, 5) and ``y`` of shape (n,) (or (n, 1)).

    Pickled (object) arrays are refused, and every array's header is checked before it is allocated.

    Raises:
        DataFileError: Not an NPZ, missing or pickled arrays, wrong shapes or dtypes, non-finite values.
    """
    path = Path(path)
    arrays = npz_arrays(path, ("X", "y"), DataFileError)
    X, y = arrays["X"], arrays["y"]
    for name, array in (("X", X), ("y", y)):
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or np.iscomplexobj(array):
            raise DataFileError(f"{path.name}: array {name} holds {array.dtype} values, expected numbers")
    if X.ndim != 2 or X.shape[1] != len(FEATURES):
        raise DataFileError(f"{path.name}: X must have shape (n, 5), got {clip(X.shape, 60)}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataFileError(f"{path.name}: y must have shape (n,), got {clip(y.shape, 60)}")
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
