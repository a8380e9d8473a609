"""The run store: every training run, recorded as it happens, in SQLite (stdlib ``sqlite3``).

Params, seed, status, per-epoch metrics, markers and artifacts are written as events arrive and
committed at every epoch end (WAL journal), so a process killed mid-run loses at most the epoch in
flight. A run left ``running`` by a process that no longer exists is shown as ``interrupted``.

The store never stops the app: a damaged store is moved aside and recreated, an unwritable one is
opened read-only (see :mod:`engine.run_store_open`; :attr:`RunStore.problem` says what happened), and
every failed read or write raises :class:`StoreError` with the file and the reason, which the runner
and the GUI report once instead of a traceback. Stored messages are capped (:data:`MAX_STORED_CHARS`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import paths
from engine.run_labels import RunLabels, label_values
from engine.run_migrations import migrate
from engine.run_store_open import describe_sqlite_error, flag_damage, is_damage, open_store
from engine.safe_files import atomic_path, clip

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lab TEXT NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    pid INTEGER,
    final_metrics TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, epoch, name)
);
CREATE TABLE IF NOT EXISTS markers (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS artifacts (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    path TEXT NOT NULL
);
"""

STATUSES = ("running", "finished", "cancelled", "failed", "interrupted")
#: Longest message or marker text stored: a 200 MB error line would make the Runs page take seconds.
MAX_STORED_CHARS = 2000


class StoreError(RuntimeError):
    """The run store could not be read or written; the message names the file and the reason."""


@dataclass(frozen=True)
class RunSummary:
    """One row of the Runs page."""

    id: int
    lab: str
    params: dict[str, Any]
    seed: int
    status: str
    started: float
    ended: float | None
    final_metrics: dict[str, float]
    message: str
    name: str = ""
    note: str = ""

    @property
    def duration(self) -> float | None:
        """Seconds from start to end, None while running."""
        return None if self.ended is None else self.ended - self.started


def default_path() -> Path:
    """``runs.sqlite`` in the user data dir."""
    return paths.data_dir() / "runs.sqlite"


class RunStore(RunLabels):
    """A connection to the run store; safe to share between the GUI thread and a worker thread.

    Args:
        path: The SQLite file. Defaults to ``runs.sqlite`` in the user data dir.
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.RLock()
        opened = open_store(self.path, _SCHEMA, upgrade=migrate)
        self._db = opened.db
        #: Whether runs are recorded (False: the store could only be opened read-only or in memory).
        self.writable = opened.writable
        #: The latest problem with the store, in one line for the user (None while there is none).
        self.problem: str | None = opened.problem
        self._labelled = self._has_label_columns()
        if self.writable:
            try:
                self._mark_interrupted()
            except StoreError:  # a full disk: said by the first write that matters, not here
                self.problem = opened.problem

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _using(self, doing: str, write: bool = False) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; an SQLite or OS error becomes one :class:`StoreError`."""
        with self._lock:
            if write and not self.writable:
                raise StoreError(self.problem or f"the run store {self.path} is read-only")
            try:
                yield self._db
            except (sqlite3.Error, OSError) as exc:
                with contextlib.suppress(sqlite3.Error):
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                message = f"could not {doing} in the run store {self.path} ({describe_sqlite_error(exc)})"
                if is_damage(exc):
                    flag_damage(self.path)
                    message += "; it will be checked, and set aside if damaged, when the app next starts"
                if write:
                    self.problem = message
                raise StoreError(message) from None

    # --- writing --------------------------------------------------------------------------------

    def start_run(self, lab: str, params: dict[str, Any], seed: int, name: str = "", note: str = "") -> int:
        """Insert a ``running`` run and return its id (committed at once); ``name`` and ``note`` are
        the user's label for it (cut as :meth:`set_label` cuts them)."""
        row: dict[str, Any] = {
            "lab": lab,
            "params": json.dumps(params, sort_keys=True),
            "seed": seed,
            "status": "running",
            "started": time.time(),
            "pid": os.getpid(),
        }
        if self._labelled:
            row.update(label_values(name, note))
        with self._using("start a run", write=True):
            cursor = self._db.execute(
                f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            return int(cursor.lastrowid or 0)

    def add_epoch(self, run_id: int, epoch: int, metrics: dict[str, float]) -> None:
        """Record one epoch's metrics in a single transaction (the per-epoch commit)."""
        with self._using(f"record epoch {epoch}", write=True):
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO metrics (run_id, epoch, name, value) VALUES (?, ?, ?, ?)",
                [(run_id, epoch, name, _finite_or_none(v)) for name, v in metrics.items()],
            )
            self._db.execute("COMMIT")

    def add_marker(self, run_id: int, epoch: int, kind: str, text: str) -> None:
        """Record a callback decision or other marker."""
        with self._using("record a marker", write=True):
            self._db.execute(
                "INSERT INTO markers (run_id, epoch, kind, text) VALUES (?, ?, ?, ?)",
                (run_id, epoch, clip(kind, 100), clip(text, MAX_STORED_CHARS)),
            )

    def add_artifact(self, run_id: int, name: str, path: str) -> None:
        """Record a file the run wrote."""
        with self._using("record a file", write=True):
            self._db.execute(
                "INSERT INTO artifacts (run_id, name, path) VALUES (?, ?, ?)", (run_id, name, path)
            )

    def finish_run(
        self, run_id: int, status: str, final_metrics: dict[str, float] | None = None, message: str = ""
    ) -> None:
        """Close a run with its final status (finished, cancelled or failed)."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        with self._using("close the run", write=True):
            self._db.execute(
                "UPDATE runs SET status=?, ended=?, final_metrics=?, message=? WHERE id=?",
                (
                    status,
                    time.time(),
                    json.dumps(final_metrics or {}),
                    clip(message, MAX_STORED_CHARS),
                    run_id,
                ),
            )

    def delete_run(self, run_id: int) -> None:
        """Remove a run and everything recorded for it."""
        with self._using("delete a run", write=True):
            self._db.execute("DELETE FROM runs WHERE id=?", (run_id,))

    # --- reading --------------------------------------------------------------------------------

    def runs(self, lab: str | None = None) -> list[RunSummary]:
        """All runs, newest first (optionally of one lab); runs in the trash are left out."""
        query = "SELECT id, lab, params, seed, status, started, ended, final_metrics, message, "
        query += self._label_columns()
        args: tuple[Any, ...] = ()
        if lab is not None:
            query += " AND lab=?"
            args = (lab,)
        with self._using("read the runs"):
            rows = self._db.execute(query + " ORDER BY id DESC", args).fetchall()
        return [
            RunSummary(r[0], r[1], _json(r[2]), r[3], r[4], r[5], r[6], _json(r[7]), r[8], r[9], r[10])
            for r in rows
        ]

    def run(self, run_id: int) -> RunSummary:
        """One run by id (KeyError if there is none)."""
        for summary in self.runs():
            if summary.id == run_id:
                return summary
        raise KeyError(f"no run with id {run_id}")

    def history(self, run_id: int) -> dict[str, list[tuple[int, float]]]:
        """Per metric, the (epoch, value) points recorded for a run, in epoch order."""
        with self._using("read a run's metrics"):
            rows = self._db.execute(
                "SELECT epoch, name, value FROM metrics WHERE run_id=? ORDER BY epoch", (run_id,)
            ).fetchall()
        history: dict[str, list[tuple[int, float]]] = {}
        for epoch, name, value in rows:
            history.setdefault(name, []).append((epoch, float("nan") if value is None else value))
        return history

    def markers(self, run_id: int) -> list[tuple[int, str, str]]:
        """(epoch, kind, text) of every marker of a run, in the order recorded."""
        with self._using("read a run's markers"):
            return self._db.execute(
                "SELECT epoch, kind, text FROM markers WHERE run_id=? ORDER BY rowid", (run_id,)
            ).fetchall()

    def artifacts(self, run_id: int) -> dict[str, str]:
        """Name → path of the files a run wrote."""
        with self._using("read a run's files"):
            rows = self._db.execute("SELECT name, path FROM artifacts WHERE run_id=?", (run_id,))
            return dict(rows.fetchall())

    def export_csv(self, run_ids: Iterable[int], path: Path | str) -> int:
        """Write one row per (run, epoch, metric) to a CSV file; returns the number of data rows."""
        count = 0
        with atomic_path(path) as partial, open(partial, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["run_id", "lab", "seed", "status", "params", "epoch", "metric", "value"])
            for run_id in run_ids:
                summary = self.run(run_id)
                params = json.dumps(summary.params, sort_keys=True)
                for name, points in self.history(run_id).items():
                    for epoch, value in points:
                        writer.writerow(
                            [run_id, summary.lab, summary.seed, summary.status, params, epoch, name, value]
                        )
                        count += 1
        return count

    def _mark_interrupted(self) -> None:
        with self._using("mark interrupted runs", write=True):
            rows = self._db.execute("SELECT id, pid FROM runs WHERE status='running'").fetchall()
            for run_id, pid in rows:
                if pid is None or not _process_alive(pid):
                    self._db.execute(
                        "UPDATE runs SET status='interrupted', message=? WHERE id=?",
                        ("the process ended during this run; completed epochs are kept", run_id),
                    )


def _json(text: str) -> Any:
    # A row edited by hand (or damaged inside a sound file) shows as empty rather than failing the page.
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return {}


def _finite_or_none(value: float) -> float | None:
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
