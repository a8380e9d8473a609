"""Changes to the run store's tables since its first version, applied in order to every store opened.

``PRAGMA user_version`` records the last change applied; a store written before these columns existed
(version 0) gains them with their defaults and keeps every run. Each step only adds what is missing, so
two processes opening an old store at once both end with the same tables.
"""

from __future__ import annotations

import sqlite3

#: Version → the columns it adds to ``runs`` (name, SQL type and default).
MIGRATIONS: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = (
    (
        1,
        (
            ("name", "TEXT NOT NULL DEFAULT ''"),  # the learner's short name for a run
            ("note", "TEXT NOT NULL DEFAULT ''"),  # their annotation
            ("trashed_by", "INTEGER"),  # deleted, undoable: the pid of the app that did it (else NULL)
        ),
    ),
)
LATEST = MIGRATIONS[-1][0]


def columns(db: sqlite3.Connection, table: str = "runs") -> set[str]:
    """The column names of ``table``."""
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def migrate(db: sqlite3.Connection) -> int:
    """Bring a writable store up to :data:`LATEST`; returns the version it had before."""
    before = int(db.execute("PRAGMA user_version").fetchone()[0])
    if before >= LATEST:
        return before
    db.execute("BEGIN IMMEDIATE")  # one process at a time; the other then sees the new columns
    try:
        have = columns(db)
        for version, added in MIGRATIONS:
            for name, declaration in added:
                if version > before and name not in have:
                    db.execute(f"ALTER TABLE runs ADD COLUMN {name} {declaration}")
        db.execute(f"PRAGMA user_version = {LATEST}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return before
