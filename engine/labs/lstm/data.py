"""DonorsChoose project approval data: the real ``train.csv`` + ``resources.csv`` and an embedded look-alike.

The real files (Kaggle "DonorsChoose.org Application Screening") hold one row per project in
``train.csv`` and SEVERAL rows per project in ``resources.csv``; :func:`load_projects` reads both with
the stdlib ``csv`` module, aggregates resources per project id (total price, total quantity) and joins
the four essays without ever turning a missing essay into the text "nan".

:func:`embedded_paths` writes a generated table with the same columns (see
:mod:`engine.labs.lstm.synth`) to the cache dir once per seed and size, so the lab runs offline.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from engine import manifest
from engine.jobs import CancelToken, Emit, Progress, warning_note
from engine.paths import cache_dir
from engine.safe_files import clip_repr
from engine.safe_formats import column_positions, csv_rows

#: Columns of the real train.csv (the Kaggle file; the course copy adds a leading "Unnamed: 0").
TRAIN_COLUMNS: tuple[str, ...] = (
    "id",
    "teacher_id",
    "teacher_prefix",
    "school_state",
    "project_submitted_datetime",
    "project_grade_category",
    "project_subject_categories",
    "project_subject_subcategories",
    "project_title",
    "project_essay_1",
    "project_essay_2",
    "project_essay_3",
    "project_essay_4",
    "project_resource_summary",
    "teacher_number_of_previously_posted_projects",
    "project_is_approved",
)
#: Columns of resources.csv.
RESOURCE_COLUMNS: tuple[str, ...] = ("id", "description", "quantity", "price")

#: The categorical columns the models use, in input order.
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "school_state",
    "project_grade_category",
    "project_subject_categories",
    "project_subject_subcategories",
    "teacher_prefix",
)
# Essays 3 and 4 only exist for projects submitted before May 2016; the columns may be absent entirely.
_REQUIRED_TRAIN = (
    "id",
    *CATEGORICAL_COLUMNS,
    "project_essay_1",
    "project_essay_2",
    "project_resource_summary",
    "teacher_number_of_previously_posted_projects",
    "project_is_approved",
)
_ESSAYS = ("project_essay_1", "project_essay_2", "project_essay_3", "project_essay_4")
# Text that pandas or a spreadsheet writes for a missing cell; never let it become essay words.
_MISSING = {"", "nan", "NaN", "NULL", "null", "None"}
_PROGRESS_EVERY = 5000
_WRITE_CHUNK = 2000


class DonorsDataError(ValueError):
    """A DonorsChoose CSV is unusable; the message names the file, and the row/column where relevant."""


@dataclass(frozen=True)
class Projects:
    """One entry per project, in train.csv order, with resources already aggregated.

    Attributes:
        ids: Project ids.
        categorical: Raw values of each column in :data:`CATEGORICAL_COLUMNS` ("" when missing).
        essays: The present essays joined with a space (missing ones skipped, never "nan").
        resource_summary: ``project_resource_summary`` text.
        previous_projects: ``teacher_number_of_previously_posted_projects``.
        price: Total price of the project's resources (sum of quantity × price).
        quantity: Total quantity of the project's resources.
        label: ``project_is_approved`` (1 approved, 0 not).
        without_resources: How many projects had no row in resources.csv (price and quantity 0).
    """

    ids: list[str]
    categorical: dict[str, list[str]]
    essays: list[str]
    resource_summary: list[str]
    previous_projects: NDArray[np.float64]
    price: NDArray[np.float64]
    quantity: NDArray[np.float64]
    label: NDArray[np.int64]
    without_resources: int = 0

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, rows: NDArray[np.int64]) -> Projects:
        """The projects at ``rows``, in that order."""
        pick = [int(i) for i in rows]
        return Projects(
            ids=[self.ids[i] for i in pick],
            categorical={c: [v[i] for i in pick] for c, v in self.categorical.items()},
            essays=[self.essays[i] for i in pick],
            resource_summary=[self.resource_summary[i] for i in pick],
            previous_projects=self.previous_projects[rows],
            price=self.price[rows],
            quantity=self.quantity[rows],
            label=self.label[rows],
            without_resources=self.without_resources,
        )


def stratified_sample(labels: NDArray[np.int64], n: int, seed: int) -> NDArray[np.int64]:
    """Sorted row indices of a seeded sample of ``n`` rows keeping each class's share (at least 1 each)."""
    rng = np.random.default_rng(seed)
    picked = []
    for cls in np.unique(labels):
        rows = np.flatnonzero(labels == cls)
        take = min(rows.size, max(1, round(n * rows.size / labels.size)))
        picked.append(rng.choice(rows, size=take, replace=False))
    return np.sort(np.concatenate(picked))


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, row) for each data row, after checking the header.

    Each row maps the required columns (and the optional essays 3 and 4 when present) to their cells.
    """
    rows = csv_rows(path, DonorsDataError, what="CSV file")
    first = next(rows, None)
    if first is None:
        raise DonorsDataError(f"{path.name}: the file is empty (expected a header line)")
    header = first[1]
    positions = column_positions(path.name, header, required, DonorsDataError, optional=_ESSAYS)
    for number, (line, cells) in enumerate(rows, start=2):
        if len(cells) != len(header):
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            more_or_fewer = "more" if len(cells) > len(header) else "fewer"
            raise DonorsDataError(
                f"{path.name} row {number} (line {line}): {len(cells)} fields, {more_or_fewer} than the "
                f"header's {len(header)} (a truncated or damaged row?)"
            )
        yield number, {column: cells[i] for column, i in positions.items()}


def _number(path: Path, number: int, column: str, text: str | None) -> float:
    value = (text or "").strip()
    try:
        result = float(value)
    except ValueError:
        shown = clip_repr(value)
        raise DonorsDataError(f"{path.name} row {number}, column {column}: not a number: {shown}") from None
    if not np.isfinite(result) or result < 0:
        shown = clip_repr(value)
        raise DonorsDataError(f"{path.name} row {number}, column {column}: expected >= 0, got {shown}")
    return result


def aggregate_resources(path: Path, token: CancelToken | None = None) -> dict[str, tuple[float, float]]:
    """Total price (sum of quantity × price) and total quantity per project id from resources.csv.

    Raises:
        DonorsDataError: Missing file or columns, or a quantity/price that is not a number >= 0.
    """
    totals: dict[str, tuple[float, float]] = {}
    for number, row in _rows(path, ("id", "quantity", "price")):
        if token is not None and number % _PROGRESS_EVERY == 0:
            token.raise_if_cancelled()
        quantity = _number(path, number, "quantity", row["quantity"])
        price = _number(path, number, "price", row["price"])
        old_price, old_quantity = totals.get(row["id"], (0.0, 0.0))
        totals[row["id"]] = (old_price + quantity * price, old_quantity + quantity)
    return totals


def join_essays(row: dict[str, str]) -> str:
    """The project's essays joined with a space; missing or empty essays are skipped, not "nan"."""
    parts = [(row.get(c) or "").strip() for c in _ESSAYS]
    return " ".join(p for p in parts if p not in _MISSING)


def load_projects(
    train_csv: Path,
    resources_csv: Path,
    token: CancelToken | None = None,
    emit: Emit | None = None,
) -> Projects:
    """Read train.csv and resources.csv into :class:`Projects`.

    Args:
        train_csv: One row per project with the columns in :data:`TRAIN_COLUMNS` (extra ones ignored;
            ``project_essay_3``/``_4`` may be absent).
        resources_csv: Rows of ``id, description, quantity, price``, several per project.
        token: Checked every few thousand rows. Defaults to None.
        emit: Receives ``Progress("reading train.csv", rows, 0)`` now and then. Defaults to None.

    Raises:
        DonorsDataError: Missing file or column, a bad label or number (naming the row), duplicate
            ids, or a table with a single class.
    """
    train_csv, resources_csv = Path(train_csv), Path(resources_csv)
    resources = aggregate_resources(resources_csv, token)
    ids: list[str] = []
    categorical: dict[str, list[str]] = {c: [] for c in CATEGORICAL_COLUMNS}
    essays: list[str] = []
    summaries: list[str] = []
    previous: list[float] = []
    labels: list[int] = []
    seen: set[str] = set()
    for number, row in _rows(train_csv, _REQUIRED_TRAIN):
        if number % _PROGRESS_EVERY == 0:
            if token is not None:
                token.raise_if_cancelled()
            if emit is not None:
                emit(Progress("reading train.csv", number - 1, 0))
        project_id = row["id"].strip()
        if not project_id or project_id in seen:
            raise DonorsDataError(
                f"{train_csv.name} row {number}, column id: empty or repeated {clip_repr(project_id)}"
            )
        seen.add(project_id)
        label = row["project_is_approved"].strip()
        if label not in ("0", "1"):
            raise DonorsDataError(
                f"{train_csv.name} row {number}, column project_is_approved: expected 0 or 1, "
                f"got {clip_repr(label)}"
            )
        ids.append(project_id)
        for column in CATEGORICAL_COLUMNS:
            value = (row[column] or "").strip()
            categorical[column].append("" if value in _MISSING else value)
        essays.append(join_essays(row))
        summaries.append(row["project_resource_summary"] or "")
        previous.append(
            _number(train_csv, number, "teacher_number_of_previously_posted_projects",
                    row["teacher_number_of_previously_posted_projects"])
        )  # fmt: skip
        labels.append(int(label))
    if len(set(labels)) < 2:
        raise DonorsDataError(f"{train_csv.name}: needs approved and rejected projects, found one class only")
    totals = [resources.get(i, (0.0, 0.0)) for i in ids]
    return Projects(
        ids=ids,
        categorical=categorical,
        essays=essays,
        resource_summary=summaries,
        previous_projects=np.asarray(previous, dtype=np.float64),
        price=np.asarray([t[0] for t in totals], dtype=np.float64),
        quantity=np.asarray([t[1] for t in totals], dtype=np.float64),
        label=np.asarray(labels, dtype=np.int64),
        without_resources=sum(1 for i in ids if i not in resources),
    )


def embedded_paths(
    n_projects: int = 4000,
    seed: int = 0,
    token: CancelToken | None = None,
    emit: Emit | None = None,
) -> tuple[Path, Path]:
    """Paths of the generated train.csv and resources.csv, writing them on first use.

    The files depend only on ``n_projects`` and ``seed``, so they are cached per pair, as one cache
    entry with a manifest (:mod:`engine.manifest`): a truncated or edited copy is generated again and
    the log says so.

    Args:
        n_projects: Projects in the table.
        seed: Seed of the generator.
        token: Checked every few hundred projects while generating and every few thousand rows while
            writing; a Stop leaves no file behind. Defaults to None.
        emit: Receives generating and writing progress, and the note about a damaged copy.
            Defaults to None.
    """
    from engine.labs.lstm import synth

    folder = cache_dir("lstm") / f"donors-v{synth.VERSION}.2-n{n_projects}-seed{seed}"

    def build(partial: Path) -> dict[str, int]:
        train_rows, resource_rows = synth.generate(n_projects, seed, token, emit)
        _write_csv(partial / "resources.csv", RESOURCE_COLUMNS, resource_rows, token, emit)
        _write_csv(partial / "train.csv", ("Unnamed: 0", *TRAIN_COLUMNS), train_rows, token, emit)
        return {"rows": len(train_rows), "resource_rows": len(resource_rows)}

    label = "the embedded DonorsChoose-like table"
    manifest.ensure(
        folder, build, label=label, expect={"rows": n_projects, "seed": seed}, note=warning_note(emit)
    )
    return folder / "train.csv", folder / "resources.csv"


def _write_csv(
    path: Path,
    header: tuple[str, ...],
    rows: list[list[object]],
    token: CancelToken | None,
    emit: Emit | None,
) -> None:
    # Written inside the cache entry's private folder: a crash or a Stop leaves nothing behind.
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for start in range(0, len(rows), _WRITE_CHUNK):
            if emit is not None:
                emit(Progress(f"writing {path.name}", start, len(rows)))
            if token is not None:
                token.raise_if_cancelled()
            writer.writerows(rows[start : start + _WRITE_CHUNK])
