"""What a user adds to recorded runs: a name, a note, and a trash that makes Delete undoable.

:class:`RunLabels` is part of :class:`engine.runs.RunStore` (a mixin over its connection and lock), kept
here so the recording code stays about recording. A deleted run is only marked (``trashed_by`` = the
deleting app's pid) and hidden; it is deleted for good by :meth:`RunLabels.empty_trash`, which the app
calls when it closes, so Delete can be undone until then. The columns come from
:mod:`engine.run_migrations`, which adds them to stores written before they existed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable

from engine.run_migrations import columns, migrate

#: Longest run name and note kept (a name is one line in a table; a note a paragraph or two).
MAX_NAME_CHARS, MAX_NOTE_CHARS = 200, 2000


class RunLabels:
    """Names, notes and the trash of a run store (mixed into RunStore, which owns ``_db``)."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    #: Whether the store has the label columns (False only for an old store opened read-only).
    _labelled: bool = False

    def _upgrade(self) -> bool:
        """Bring an older store's tables up to date; returns whether runs can carry a name, a note and
        a place in the trash (an old store that cannot be written cannot)."""
        with self._lock, contextlib.suppress(sqlite3.OperationalError):  # read-only: shown unlabelled
            migrate(self._db)
        return "trashed_by" in columns(self._db)

    def _label_columns(self) -> str:
        """The name and note columns and the trash filter of a ``SELECT … FROM runs`` (the query's
        tail, before any ``AND``)."""
        if self._labelled:
            return "name, note FROM runs WHERE trashed_by IS NULL"
        return "'', '' FROM runs WHERE 1"

    def set_label(self, run_id: int, name: str | None = None, note: str | None = None) -> None:
        """Name and/or annotate a run (None leaves that part as it is). A name is one line of at most
        :data:`MAX_NAME_CHARS` characters, a note at most :data:`MAX_NOTE_CHARS`; longer text is cut.

        Raises:
            KeyError: There is no such run.
            sqlite3.OperationalError: The store is read-only.
        """
        changes: dict[str, str] = {}
        if name is not None:
            changes["name"] = " ".join(name.split())[:MAX_NAME_CHARS]
        if note is not None:
            changes["note"] = note.strip()[:MAX_NOTE_CHARS]
        if not changes:
            return
        assignments = ", ".join(f"{column}=?" for column in changes)
        with self._lock:
            cursor = self._db.execute(
                f"UPDATE runs SET {assignments} WHERE id=?", (*changes.values(), run_id)
            )
        if cursor.rowcount == 0:
            raise KeyError(f"no run with id {run_id}")

    def trash_runs(self, run_ids: Iterable[int]) -> list[int]:
        """Move runs to the trash: hidden from ``runs()``, kept until :meth:`empty_trash`; returns the
        ids moved (a running run is not moved: it is still being recorded)."""
        moved = []
        with self._lock:
            for run_id in run_ids:
                cursor = self._db.execute(
                    "UPDATE runs SET trashed_by=? WHERE id=? AND status!='running' AND trashed_by IS NULL",
                    (os.getpid(), run_id),
                )
                if cursor.rowcount:
                    moved.append(run_id)
        return moved

    def restore_runs(self, run_ids: Iterable[int]) -> list[int]:
        """Take runs out of the trash (undo a delete); returns the ids restored."""
        restored = []
        with self._lock:
            for run_id in run_ids:
                cursor = self._db.execute(
                    "UPDATE runs SET trashed_by=NULL WHERE id=? AND trashed_by IS NOT NULL", (run_id,)
                )
                if cursor.rowcount:
                    restored.append(run_id)
        return restored

    def empty_trash(self) -> int:
        """Delete for good the runs this process moved to the trash, and those a process left there when
        it ended without emptying it (another app still open keeps its own); returns how many."""
        from engine.runs import _process_alive  # the store's own liveness test (runs imports this module)

        if not self._labelled:
            return 0
        deleted = 0
        with self._lock:
            owners = self._db.execute("SELECT DISTINCT trashed_by FROM runs WHERE trashed_by IS NOT NULL")
            for (pid,) in owners.fetchall():
                if pid == os.getpid() or not _process_alive(pid):
                    deleted += self._db.execute("DELETE FROM runs WHERE trashed_by=?", (pid,)).rowcount
        return deleted
