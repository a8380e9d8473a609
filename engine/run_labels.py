"""What a user adds to recorded runs: a name, a note, and a trash that makes Delete undoable.

:class:`RunLabels` is part of :class:`engine.runs.RunStore` (a mixin over its connection), kept here so
the recording code stays about recording. Every statement goes through the store's ``_using``, so a
read-only or damaged store raises :class:`engine.runs.StoreError` with the file and the reason, never
an SQLite error. A deleted run is only marked (``trashed_by`` = the deleting app's pid) and hidden; it
is deleted for good by :meth:`RunLabels.empty_trash`, which the app calls when it closes, so Delete can
be undone until then. The columns come from :mod:`engine.run_migrations`, applied on every writable
open; a store opened read-only is shown as it is (an old one without the columns: without names).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine.run_migrations import columns

#: Longest run name and note kept (a name is one line in a table; a note a paragraph or two).
MAX_NAME_CHARS, MAX_NOTE_CHARS = 200, 2000


def label_values(name: str | None = None, note: str | None = None) -> dict[str, str]:
    """The ``name``/``note`` columns to store for this text (None: leave that part out): a name is
    one line of at most :data:`MAX_NAME_CHARS` characters, a note at most :data:`MAX_NOTE_CHARS`."""
    values: dict[str, str] = {}
    if name is not None:
        values["name"] = " ".join(name.split())[:MAX_NAME_CHARS]
    if note is not None:
        values["note"] = note.strip()[:MAX_NOTE_CHARS]
    return values


class RunLabels:
    """Names, notes and the trash of a run store (mixed into RunStore, which owns the connection)."""

    writable: bool
    #: Whether the store has the label columns (False only for an old store opened read-only, or the
    #: empty in-memory stand-in for a store that could not be opened at all).
    _labelled: bool = False

    if TYPE_CHECKING:  # provided by RunStore

        def _using(
            self, doing: str, write: bool = False
        ) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...

    def _has_label_columns(self) -> bool:
        """Whether runs in this store can carry a name, a note and a place in the trash."""
        from engine.runs import StoreError

        try:
            with self._using("read the store's columns") as db:
                return "trashed_by" in columns(db)
        except StoreError:  # the first read of the runs says what is wrong
            return False

    def _label_columns(self) -> str:
        """The name and note columns and the trash filter of a ``SELECT … FROM runs`` (the query's
        tail, before any ``AND``)."""
        if self._labelled:
            return "name, note FROM runs WHERE trashed_by IS NULL"
        return "'', '' FROM runs WHERE 1"

    def set_label(self, run_id: int, name: str | None = None, note: str | None = None) -> None:
        """Name and/or annotate a run (None leaves that part as it is); text is cut as
        :func:`label_values` says.

        Raises:
            KeyError: There is no such run.
            StoreError: The store is read-only or cannot be written (the message says which and why).
        """
        changes = label_values(name, note)
        if not changes:
            return
        assignments = ", ".join(f"{column}=?" for column in changes)
        with self._using("save the run's name and note", write=True) as db:
            cursor = db.execute(f"UPDATE runs SET {assignments} WHERE id=?", (*changes.values(), run_id))
        if cursor.rowcount == 0:
            raise KeyError(f"no run with id {run_id}")

    def trash_runs(self, run_ids: Iterable[int]) -> list[int]:
        """Move runs to the trash: hidden from ``runs()``, kept until :meth:`empty_trash`; returns the
        ids moved (a running run is not moved: it is still being recorded).

        Raises:
            StoreError: The store is read-only or cannot be written; no run was moved.
        """
        moved = []
        with self._using("move runs to the trash", write=True) as db:
            db.execute("BEGIN")  # all or none: a failure half-way leaves no run half-deleted
            for run_id in run_ids:
                cursor = db.execute(
                    "UPDATE runs SET trashed_by=? WHERE id=? AND status!='running' AND trashed_by IS NULL",
                    (os.getpid(), run_id),
                )
                if cursor.rowcount:
                    moved.append(run_id)
            db.execute("COMMIT")
        return moved

    def restore_runs(self, run_ids: Iterable[int]) -> list[int]:
        """Take runs out of the trash (undo a delete); returns the ids restored.

        Raises:
            StoreError: The store cannot be written; no run was restored.
        """
        restored = []
        with self._using("bring runs back from the trash", write=True) as db:
            db.execute("BEGIN")
            for run_id in run_ids:
                cursor = db.execute(
                    "UPDATE runs SET trashed_by=NULL WHERE id=? AND trashed_by IS NOT NULL", (run_id,)
                )
                if cursor.rowcount:
                    restored.append(run_id)
            db.execute("COMMIT")
        return restored

    def empty_trash(self) -> int:
        """Delete for good the runs this process moved to the trash, and those a process left there when
        it ended without emptying it (another app still open keeps its own); returns how many. A store
        that is not written (read-only) has nothing this process could have trashed: 0.

        Raises:
            StoreError: The store cannot be written; the runs stay in the trash for the next try.
        """
        from engine.runs import _process_alive  # the store's own liveness test (runs imports this module)

        if not self._labelled or not self.writable:
            return 0
        deleted = 0
        with self._using("empty the trash", write=True) as db:
            owners = db.execute("SELECT DISTINCT trashed_by FROM runs WHERE trashed_by IS NOT NULL")
            for (pid,) in owners.fetchall():
                if pid == os.getpid() or not _process_alive(pid):
                    deleted += db.execute("DELETE FROM runs WHERE trashed_by=?", (pid,)).rowcount
        return deleted
