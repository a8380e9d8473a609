"""The callbacks lab's data: two overlapping noisy rings (``data.csv``: f1, f2, label).

The original assignment ships a 20,000-row CSV without a generator. Its description is reproduced
here: 10,000 points per class on two concentric rings (label 1 at radius 0.83, label 0 at radius
1.02) with Gaussian radial noise of standard deviation 0.21, clipped at three standard deviations
so that f1 and f2 stay in about [-1.65, 1.65]. The rings overlap so much that the best possible
classifier (threshold on the radius) reaches only about 0.67 accuracy and 0.74 AUC.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from engine import manifest
from engine.paths import cache_dir
from engine.safe_files import clip_repr
from engine.safe_formats import check_number_cell, column_positions, csv_rows

COLUMNS = ("f1", "f2", "label")
RADII = {0: 1.02, 1: 0.83}
NOISE_STD = 0.21


class RingsDataError(ValueError):
    """A rings CSV cannot be used; the message names the file, and the line and column when known."""


def generate_rings(
    n_per_class: int = 10_000, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Two noisy concentric rings, shuffled, as ``(x, y)`` with ``x`` of shape (n, 2), ``y`` 0.0/1.0.

    Args:
        n_per_class: Points per class. Defaults to 10,000 (the assignment's 20,000 rows).
        seed: Seed of the generator; the same seed gives the same data. Defaults to 0.
    """
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
    rng = np.random.default_rng(seed)
    points, labels = [], []
    for label, radius in RADII.items():
        angle = rng.uniform(0.0, 2 * math.pi, n_per_class)
        noise = np.clip(rng.normal(0.0, NOISE_STD, n_per_class), -3 * NOISE_STD, 3 * NOISE_STD)
        r = radius + noise
        points.append(np.column_stack([r * np.cos(angle), r * np.sin(angle)]))
        labels.append(np.full(n_per_class, float(label)))
    order = rng.permutation(2 * n_per_class)
    return np.concatenate(points)[order], np.concatenate(labels)[order]


def default_csv(seed: int = 0, note: Callable[[str], None] | None = None) -> Path:
    """The embedded default ``data.csv``, generated on first use into the cache dir.

    The entry is written to a temporary folder and renamed, with a manifest (:mod:`engine.manifest`)
    holding the file's checksum and row count: a truncated or edited copy is regenerated (and
    ``note`` is told) instead of silently training on what is left of it.
    """
    n_per_class = 10_000
    folder = cache_dir("callbacks") / f"rings-v2-seed{seed}"

    def build(partial: Path) -> dict[str, int]:
        x, y = generate_rings(n_per_class, seed=seed)
        with (partial / "data.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(
                (f"{a:.6f}", f"{b:.6f}", f"{c:.1f}") for a, b, c in zip(x[:, 0], x[:, 1], y, strict=True)
            )
        return {"rows": len(y)}

    expect = {"rows": 2 * n_per_class, "seed": seed}
    manifest.ensure(folder, build, label="the embedded rings data", expect=expect, note=note)
    return folder / "data.csv"


def load_csv(path: str | os.PathLike[str]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Read a CSV with columns f1, f2 and label (0/1; extra columns are ignored).

    Returns:
        ``(x, y)``: features of shape (n, 2) and labels 0.0/1.0 of shape (n,).

    Raises:
        RingsDataError: Missing file or columns (or a column twice), not a regular file, not UTF-8,
            an empty file, a non-numeric, NaN or infinite cell, a label other than 0/1, or only one
            class; the message names the line and column.
    """
    path = Path(path)
    rows = csv_rows(path, RingsDataError, label=str(path))
    header = next(rows, None)
    if header is None or not any(cell.strip() for cell in header[1]):
        raise RingsDataError(f"{path}: the file is empty; expected a header line f1,f2,label")
    positions = column_positions(str(path), header[1], COLUMNS, RingsDataError, casefold=True)
    index = [positions[c] for c in COLUMNS]
    data_rows = [_parse_row(path, line, cells, index) for line, cells in rows if any(cells)]
    if not data_rows:
        raise RingsDataError(f"{path}: the file has a header but no data rows")
    data = np.array(data_rows, dtype=np.float64)
    x, y = data[:, :2], data[:, 2]
    if np.unique(y).size < 2:
        raise RingsDataError(f"{path}: every row has label {y[0]:g}; both classes 0 and 1 are needed")
    return x, y


def _parse_row(path: Path, line: int, cells: list[str], index: list[int]) -> tuple[float, float, float]:
    values = []
    for column, i in zip(COLUMNS, index, strict=True):
        if i >= len(cells) or not cells[i].strip():
            raise RingsDataError(f"{path}: line {line}, column {column}: the cell is empty")
        values.append(check_number_cell(str(path), line, column, cells[i], RingsDataError))
    if values[2] not in (0.0, 1.0):
        shown = clip_repr(cells[index[2]].strip())
        raise RingsDataError(f"{path}: line {line}, column label: {shown} is not 0 or 1")
    return values[0], values[1], values[2]


def stratified_split(
    x: NDArray[np.float64], y: NDArray[np.float64], val_fraction: float = 0.25, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Split into train and validation keeping the class proportions (seeded).

    Args:
        x: Features, one row per sample.
        y: Labels 0.0/1.0.
        val_fraction: Share of each class that goes to validation. Defaults to 0.25.
        seed: Seed of the shuffle. Defaults to 0.

    Returns:
        ``(x_train, y_train, x_val, y_val)``, each shuffled.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    rng = np.random.default_rng(seed)
    train_idx, val_idx = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_val = max(1, round(len(idx) * val_fraction))
        if n_val >= len(idx):
            raise ValueError(f"class {label:g} has {len(idx)} samples: too few to split off validation")
        val_idx.append(idx[:n_val])
        train_idx.append(idx[n_val:])
    train, val = rng.permutation(np.concatenate(train_idx)), rng.permutation(np.concatenate(val_idx))
    return x[train], y[train], x[val], y[val]
