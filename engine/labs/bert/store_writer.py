"""Writing to the embedding store: one journal per writer, sealed into shards (see :mod:`.store`)."""

from __future__ import annotations

import contextlib
import json
import os
import struct
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine.labs.bert import store as layout
from engine.labs.bert.store import (
    JOURNAL_HEADER,
    JOURNAL_MAGIC,
    SPACE_FILE,
    DamagedFile,
    EmbeddingStore,
    is_good_row,
    read_journal,
    record_crc,
    try_lock,
    write_shard,
)
from engine.safe_files import atomic_write_text


class StoreWriter:
    """Appends batches to its own journal and seals it into a shard every :data:`SHARD_ROWS` rows.

    A write that fails (read-only folder, full disk) turns writing off with one message in
    :attr:`problem`; the extraction goes on, its vectors just are not kept.
    """

    def __init__(self, store: EmbeddingStore) -> None:
        self.store = store
        self.problem = ""
        self.sealed = 0
        self._fd: int | None = None
        self._path: Path | None = None
        self._keys: list[bytes] = []
        self._vectors: list[np.ndarray] = []

    @property
    def pending(self) -> int:
        """Rows in the open journal."""
        return len(self._keys)

    def append(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Add one batch's vectors (one ``write``: a kill loses the batch or keeps it whole)."""
        if self.problem or not len(keys):
            return
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        if not np.isfinite(vectors).all():
            raise ValueError("the encoder produced non-finite embeddings; they are not stored")
        try:
            if self._fd is None:
                self._open(vectors.shape[1])
            assert self._fd is not None
            blob = b"".join(
                key + vectors[i].tobytes() + struct.pack("<I", record_crc(key, vectors[i]))
                for i, key in enumerate(keys)
            )
            view = memoryview(blob)
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            self._give_up(exc)
            return
        self._keys.extend(keys)
        self._vectors.append(vectors)
        if len(self._keys) >= layout.SHARD_ROWS:
            self.seal()

    def _open(self, dim: int) -> None:
        folder = self.store.folder
        folder.mkdir(parents=True, exist_ok=True)
        space = folder / SPACE_FILE
        if not space.is_file():
            atomic_write_text(space, json.dumps({**self.store.description, "dim": dim}, indent=2))
        # Locked and given its header under a temporary name: a journal is never seen unlocked and empty.
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        opening, path = folder / f".tmp-{name}.opening", folder / f"{name}.journal"
        fd = os.open(opening, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        try:
            try_lock(fd)
            os.write(fd, JOURNAL_HEADER.pack(JOURNAL_MAGIC, dim, 0))
            os.replace(opening, path)
        except OSError:
            os.close(fd)
            with contextlib.suppress(OSError):
                opening.unlink()
            raise
        self._fd, self._path = fd, path

    def seal(self) -> None:
        """Turn the open journal into a shard and remove the journal."""
        if self._fd is None or self._path is None:
            return
        fd, path = self._fd, self._path
        self._fd, self._path = None, None
        try:
            if self._keys:
                write_shard(self.store.folder, self._keys, np.concatenate(self._vectors))
                self.sealed += len(self._keys)
            path.unlink(missing_ok=True)
        except OSError as exc:
            self._give_up(exc)
        finally:
            os.close(fd)
            self._keys, self._vectors = [], []

    def close(self) -> None:
        """Seal what is open."""
        self.seal()

    def _give_up(self, exc: OSError) -> None:
        self.problem = f"embeddings are not being saved ({self.store.folder}: {exc.strerror or exc})"
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None

    def adopt_abandoned(self) -> int:
        """Seal the journals of writers that died (they are unlocked); returns the rows sealed."""
        adopted = 0
        self._remove_stale_temp_files()
        for path in self.store.files():
            if path.suffix != ".journal":
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                # Locked: its writer is alive. Relinked: another adopter sealed it meanwhile.
                if not try_lock(fd) or os.fstat(fd).st_ino != path.stat().st_ino:
                    continue
                with os.fdopen(os.dup(fd), "rb") as handle:
                    rows = read_journal(handle, os.fstat(fd).st_size)
                good = [i for i in range(len(rows.keys)) if is_good_row(rows, i)]
                if good:
                    write_shard(self.store.folder, [rows.keys[i] for i in good], rows.vectors[good])
                path.unlink(missing_ok=True)
                adopted += len(good)
            except DamagedFile:
                with contextlib.suppress(OSError):
                    path.unlink()  # a dead writer's journal without a valid header holds nothing usable
            except OSError:
                continue  # cannot seal it here (read-only, full): it stays readable as it is
            finally:
                os.close(fd)
        return adopted

    def _remove_stale_temp_files(self, age_s: float = 3600.0) -> None:
        """Temp files a killed writer left (a live writer finishes one in well under a second)."""
        now = time.time()
        for path in self.store.folder.glob(".tmp-*") if self.store.folder.is_dir() else ():
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > age_s:
                    path.unlink()
