"""Opening the run store so that no damaged, read-only or full store can stop the app from starting.

:func:`open_store` always returns a usable connection and says, in one line, what it had to do:

- the store opens and ``PRAGMA quick_check`` passes (on stores up to :data:`QUICK_CHECK_MAX_BYTES`,
  or after damage was seen): nothing to say;
- the file cannot be a store (random bytes, truncated, "database disk image is malformed", a folder,
  a pipe or a symlink loop in its place): it is moved aside as ``runs.sqlite.corrupt-<time>`` (kept
  for the user, with its ``-wal`` file) and a fresh store is created;
- the store cannot be written (read-only folder or file, no permission, full disk): the existing runs
  are opened read-only when possible (or an empty in-memory store otherwise) and nothing is recorded.

The caller's ``upgrade`` step (the run store's versioned migrations) is part of every writable open,
so a store that cannot take it is handled like any other store that cannot be written or read, and a
store opened read-only is never changed: it is shown as it is.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.safe_files import clip, describe_os_error

log = logging.getLogger(__name__)

#: SQLite's result codes for a file that is not (or no longer) a database.
_DAMAGED_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_DAMAGED_WORDS = ("malformed", "not a database", "corrupt")
#: How long a connection waits for another process's write (two runs at once) before giving up.
BUSY_TIMEOUT_S = 10.0
#: ``PRAGMA quick_check`` reads every page: ~10 ms per MB here (bench/manifest_verify.py), so it runs at
#: open up to this size (about 20,000 epochs of runs) and keeps startup within its second; a larger
#: store is checked when a read or write found damage (:func:`flag_damage`) and on the next open.
QUICK_CHECK_MAX_BYTES = 8 << 20

#: A change brought to a writable store after its schema (e.g. columns added since its first version).
Upgrade = Callable[[sqlite3.Connection], object]


@dataclass
class OpenedStore:
    """A connection and what opening it took (``problem`` is one line for the user, or None)."""

    db: sqlite3.Connection
    writable: bool
    problem: str | None = None


class _Damaged(Exception):
    """The file is there but is not a usable store."""


def describe_sqlite_error(exc: BaseException) -> str:
    """SQLite's or the OS's reason in words, never a Python class name."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return clip(str(exc) or getattr(exc, "sqlite_errorname", "") or "unknown error")


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error means the file is not a sound database (rather than unwritable)."""
    if getattr(exc, "sqlite_errorname", None) in _DAMAGED_CODES:
        return True
    return isinstance(exc, sqlite3.DatabaseError) and any(w in str(exc).lower() for w in _DAMAGED_WORDS)


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    return sqlite3.connect(
        target, uri=uri, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
    )


def _quick_check(db: sqlite3.Connection) -> None:
    rows = db.execute("PRAGMA quick_check").fetchall()
    if [tuple(r) for r in rows] != [("ok",)]:
        raise _Damaged(clip("; ".join(str(r[0]) for r in rows[:3])))


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot hold a store although something is there (None: missing or regular file)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return describe_os_error(exc)
    if stat.S_ISREG(mode):
        return None
    return "a folder is in its place" if stat.S_ISDIR(mode) else "it is not a regular file"


def damage_flag(path: Path) -> Path:
    """The file whose presence asks the next open for a full ``quick_check``."""
    return path.with_name(path.name + ".check")


def flag_damage(path: Path) -> None:
    """Remember that SQLite reported damage in ``path`` while the app ran (best effort)."""
    with contextlib.suppress(OSError):
        damage_flag(path).touch()


def _needs_check(path: Path) -> bool:
    try:
        return path.stat().st_size <= QUICK_CHECK_MAX_BYTES or damage_flag(path).exists()
    except OSError:
        return True


def _open_writable(path: Path, schema: str, upgrade: Upgrade | None) -> sqlite3.Connection:
    check = _needs_check(path)
    db = _connect(str(path))
    try:
        if check:
            _quick_check(db)
        else:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the header and the schema
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(schema)
        if upgrade is not None:
            upgrade(db)
    except BaseException:
        db.close()
        raise
    damage_flag(path).unlink(missing_ok=True)
    return db


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while os.path.lexists(aside):
        number += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    os.rename(path, aside)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        os.rename(wal, aside.with_name(aside.name + "-wal"))  # opening the kept copy replays it
    path.with_name(path.name + "-shm").unlink(missing_ok=True)
    return aside


def _read_only(path: Path, schema: str, reason: str) -> OpenedStore:
    """The existing runs, read-only when they can be read at all; else an empty in-memory store."""
    message = f"runs are not being saved: the run store {path} cannot be written ({reason})"
    if path.is_file():
        uri = path.resolve().as_uri()
        # immutable=1 reads a WAL store in a read-only folder, where SQLite cannot create its -shm file.
        for query in ("?mode=ro", "?immutable=1"):
            db: sqlite3.Connection | None = None
            try:
                db = _connect(uri + query, uri=True)
                _quick_check(db)
                db.execute("SELECT count(*) FROM runs").fetchone()
                return OpenedStore(db, False, message + "; earlier runs are shown read-only")
            except (sqlite3.Error, _Damaged):
                if db is not None:
                    db.close()
    db = _connect(":memory:")
    db.executescript(schema)
    return OpenedStore(db, False, message)


def open_store(path: Path, schema: str, upgrade: Upgrade | None = None) -> OpenedStore:
    """Open (creating if needed) the store at ``path``; never raises for a bad file or folder.

    Args:
        path: The SQLite file.
        schema: ``CREATE TABLE IF NOT EXISTS …`` statements run on every writable open.
        upgrade: Run after ``schema`` on every writable open (never on a read-only one); its SQLite
            errors count as the store's. Defaults to none.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _read_only(path, schema, f"its folder cannot be created: {describe_os_error(exc)}")
    damage = _not_a_file(path)
    if damage is None:
        try:
            return OpenedStore(_open_writable(path, schema, upgrade), True)
        except _Damaged as exc:
            damage = f"quick_check found: {exc}"
        except sqlite3.Error as exc:
            if not is_damage(exc):
                return _read_only(path, schema, describe_sqlite_error(exc))
            damage = describe_sqlite_error(exc)
    try:
        aside = _move_aside(path)
    except OSError as exc:
        reason = f"it is damaged ({damage}) and could not be moved aside: {describe_os_error(exc)}"
        return _read_only(path, schema, reason)
    problem = (
        f"the run store {path} could not be opened ({damage}); it was moved aside as {aside.name} "
        "and a new, empty store was created"
    )
    log.info("%s", problem)  # the user is told once, by the CLI or the window
    try:
        return OpenedStore(_open_writable(path, schema, upgrade), True, problem)
    except (sqlite3.Error, _Damaged) as exc:
        return _read_only(path, schema, describe_sqlite_error(exc))
