"""A content-addressed store of review embeddings: resumable, shared by every run, checked on read.

A vector is keyed by the SHA-256 of its text inside a *space*: the encoder's identity, ``max_len`` and
pooling (a vector means nothing under another encoder, length or pooling). Each space is one folder:

- ``*.shard``: sealed, immutable files of up to :data:`SHARD_ROWS` vectors, written once (temp file,
  fsync, rename) and named after their content's hash. Layout: a header (magic, dim, rows, SHA-256 of
  the index), the index (per row: the 32-byte text key and the CRC-32 of key + vector), the float32
  vectors.
- ``*.journal``: one per writer, appended one batch per ``write`` (a record: key, vector, CRC-32) and
  locked while its writer lives. A stopped run seals its journal into a shard; a killed run leaves it,
  and the next writer seals it. So an interrupted extraction loses at most the batch it was computing.
- ``space.json``: what the space is (encoder, max_len, pooling, dim), for the size report.

Reads trust nothing: a shard whose size or index hash is wrong is damaged as a whole; a vector whose
CRC fails or that is not finite is damaged alone. Damaged vectors count as missing (they are embedded
again) and a damaged shard is deleted once read, with a message. Readers never wait for writers:
shards appear by rename, and a record still being written fails its CRC and is skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

try:  # POSIX: a journal is locked while its writer lives, so others know it is not abandoned
    import fcntl
except ImportError:  # pragma: no cover - Windows: journals of dead writers are read, never sealed
    fcntl = None  # type: ignore[assignment]

KEY_BYTES = 32
SHARD_ROWS = 4096
SHARD_MAGIC, JOURNAL_MAGIC = b"DLLEMB01", b"DLLJNL01"
_SHARD_HEADER = struct.Struct("<8sII32s")  # magic, dim, rows, SHA-256 of the index
_JOURNAL_HEADER = struct.Struct("<8sII")  # magic, dim, reserved
_INDEX_ROW = KEY_BYTES + 4  # key + CRC-32
MAX_DIM = 16_384  # a header claiming more is damage, not a model (BERT-large is 1,024)
SPACE_FILE = "space.json"


def text_key(text: str) -> bytes:
    """The store key of one text: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def space_id(encoder_key: str, max_len: int, pooling: str) -> str:
    """The folder name of a space: what the vectors depend on besides the text."""
    return hashlib.sha256(f"{encoder_key}|{max_len}|{pooling}".encode()).hexdigest()[:24]


def _crc(key: bytes, vector: np.ndarray) -> int:
    return zlib.crc32(vector.tobytes(), zlib.crc32(key))


@dataclass
class Lookup:
    """What a read found.

    Attributes:
        vectors: ``[n, dim]`` float32, filled where ``found``; None when nothing was found.
        found: Per requested key, whether a good vector was read.
        damaged: One message per damaged file (what was wrong, how many vectors it held).
    """

    vectors: np.ndarray | None
    found: np.ndarray
    damaged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Rows:
    """The rows of one file: keys, CRCs and a way to read vectors by row number."""

    keys: list[bytes]
    crcs: np.ndarray
    vectors: np.ndarray  # [rows, dim] float32


class DamagedFile(ValueError):
    """A store file whose header, size or index does not hold together."""


def _read_shard(handle: BinaryIO, size: int) -> _Rows:
    header = handle.read(_SHARD_HEADER.size)
    if len(header) < _SHARD_HEADER.size:
        raise DamagedFile("shorter than its header")
    magic, dim, rows, digest = _SHARD_HEADER.unpack(header)
    if magic != SHARD_MAGIC or not 0 < dim <= MAX_DIM:
        raise DamagedFile("not a shard header")
    if size != _SHARD_HEADER.size + rows * (_INDEX_ROW + 4 * dim):
        raise DamagedFile(f"{size} bytes, its header says {rows} vectors of {dim}")
    index = handle.read(rows * _INDEX_ROW)
    if hashlib.sha256(index).digest() != digest:
        raise DamagedFile("its index fails its SHA-256")
    table = np.frombuffer(index, np.uint8).reshape(rows, _INDEX_ROW)
    vectors = np.frombuffer(handle.read(rows * 4 * dim), "<f4").reshape(rows, dim)
    keys = [bytes(k) for k in table[:, :KEY_BYTES]]
    return _Rows(keys, table[:, KEY_BYTES:].copy().view("<u4").reshape(-1), vectors)


def _read_journal(handle: BinaryIO, size: int) -> _Rows:
    header = handle.read(_JOURNAL_HEADER.size)
    if len(header) < _JOURNAL_HEADER.size:
        return _Rows([], np.zeros(0, np.uint32), np.zeros((0, 0), np.float32))  # just created
    magic, dim, _ = _JOURNAL_HEADER.unpack(header)
    if magic != JOURNAL_MAGIC or not 0 < dim <= MAX_DIM:
        raise DamagedFile("not a journal header")
    record = KEY_BYTES + 4 * dim + 4
    rows = (size - _JOURNAL_HEADER.size) // record  # a torn last record is left out
    data = np.frombuffer(handle.read(rows * record), np.uint8).reshape(rows, record)
    keys = [bytes(k) for k in data[:, :KEY_BYTES]]
    vectors = data[:, KEY_BYTES:-4].copy().view("<f4")
    return _Rows(keys, data[:, -4:].copy().view("<u4").reshape(-1), vectors)


def _read_file(path: Path) -> _Rows:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return _read_shard(handle, size) if path.suffix == ".shard" else _read_journal(handle, size)


def _good(rows: _Rows, i: int) -> bool:
    vector = rows.vectors[i]
    return _crc(rows.keys[i], vector) == int(rows.crcs[i]) and bool(np.isfinite(vector).all())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or filesystem allows it
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_shard(folder: Path, keys: Sequence[bytes], vectors: np.ndarray) -> Path:
    """Write ``vectors`` (``[rows, dim]``) under ``keys`` as one sealed shard, atomically.

    Named after its content, so sealing the same rows twice (two processes adopting one journal)
    leaves one file.
    """
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    rows, dim = vectors.shape
    index = b"".join(k + struct.pack("<I", _crc(k, vectors[i])) for i, k in enumerate(keys))
    digest = hashlib.sha256(index).digest()
    header = _SHARD_HEADER.pack(SHARD_MAGIC, dim, rows, digest)
    target = folder / f"{hashlib.sha256(digest + vectors.tobytes()).hexdigest()[:32]}.shard"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(header + index)
            handle.write(vectors.tobytes())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
    return target


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class EmbeddingStore:
    """One space of the store (a folder).

    Args:
        folder: The space's folder (created on the first write).
        description: What the space is (encoder, max_len, pooling); written to ``space.json``.
    """

    def __init__(self, folder: Path, description: dict[str, Any] | None = None) -> None:
        self.folder = Path(folder)
        self.description = dict(description or {})

    def files(self) -> list[Path]:
        """The shards, then the journals (sorted, so reads are reproducible)."""
        try:
            found = [p for p in self.folder.iterdir() if not p.name.startswith(".")]  # not temp files
        except (FileNotFoundError, NotADirectoryError):
            return []
        shards = sorted(p for p in found if p.suffix == ".shard")
        return [*shards, *sorted(p for p in found if p.suffix == ".journal")]

    def read(self, keys: Sequence[bytes]) -> Lookup:
        """The stored vectors of ``keys`` (distinct); damaged files are reported and shards deleted."""
        wanted = {key: i for i, key in enumerate(keys)}
        lookup = Lookup(None, np.zeros(len(keys), bool))
        for path in self.files():
            if lookup.found.all():
                break
            try:
                rows = _read_file(path)
            except FileNotFoundError:
                continue  # a journal sealed meanwhile: its shard is read below or by the next run
            except (DamagedFile, OSError) as exc:
                self._discard(path, f"{path.name}: {exc}", lookup)
                continue
            bad = 0
            for i, key in enumerate(rows.keys):
                at = wanted.get(key)
                if at is None or lookup.found[at]:
                    continue
                if not _good(rows, i):
                    bad += 1
                    continue
                if lookup.vectors is None:
                    lookup.vectors = np.zeros((len(keys), rows.vectors.shape[1]), np.float32)
                if rows.vectors.shape[1] != lookup.vectors.shape[1]:
                    self._discard(path, f"{path.name}: vectors of {rows.vectors.shape[1]} values", lookup)
                    break
                lookup.vectors[at] = rows.vectors[i]
                lookup.found[at] = True
            if bad and path.suffix == ".shard":
                self._discard(path, f"{path.name}: {bad} vector(s) fail their checksum", lookup)
        return lookup

    def _discard(self, path: Path, message: str, lookup: Lookup) -> None:
        lookup.damaged.append(message)
        if path.suffix == ".shard":  # a journal may still be written: its writer or adopter seals it
            with contextlib.suppress(OSError):
                path.unlink()

    @contextlib.contextmanager
    def writer(self) -> Iterator[StoreWriter]:
        """A writer for this space; sealed on exit, whatever happens (a Stop included)."""
        writer = StoreWriter(self)
        try:
            writer.adopt_abandoned()
            yield writer
        finally:
            writer.close()


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
                key + vectors[i].tobytes() + struct.pack("<I", _crc(key, vectors[i]))
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
        if len(self._keys) >= SHARD_ROWS:
            self.seal()

    def _open(self, dim: int) -> None:
        folder = self.store.folder
        folder.mkdir(parents=True, exist_ok=True)
        space = folder / SPACE_FILE
        if not space.is_file():
            description = {**self.store.description, "dim": dim}
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(description, handle, indent=2)
            os.replace(tmp, space)
        # Locked and given its header under a temporary name: a journal is never seen unlocked and empty.
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        opening, path = folder / f".tmp-{name}.opening", folder / f"{name}.journal"
        fd = os.open(opening, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        try:
            _try_lock(fd)
            os.write(fd, _JOURNAL_HEADER.pack(JOURNAL_MAGIC, dim, 0))
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
                if not _try_lock(fd) or os.fstat(fd).st_ino != path.stat().st_ino:
                    continue
                with os.fdopen(os.dup(fd), "rb") as handle:
                    rows = _read_journal(handle, os.fstat(fd).st_size)
                good = [i for i in range(len(rows.keys)) if _good(rows, i)]
                if good:
                    write_shard(self.store.folder, [rows.keys[i] for i in good], rows.vectors[good])
                path.unlink(missing_ok=True)
                adopted += len(good)
            except (OSError, DamagedFile):
                with contextlib.suppress(OSError):
                    path.unlink()  # an unreadable journal of a dead writer holds nothing usable
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


@dataclass(frozen=True)
class SpaceReport:
    """One space in the size report: what it is, how many vectors, how many bytes."""

    folder: Path
    description: dict[str, Any]
    vectors: int
    size_bytes: int


def _rows_of(path: Path) -> int:
    """Vectors a file holds, from its header and size (cheap: nothing is hashed)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if path.suffix == ".shard":
                magic, _, rows, _ = _SHARD_HEADER.unpack(handle.read(_SHARD_HEADER.size))
                return int(rows) if magic == SHARD_MAGIC else 0
            magic, dim, _ = _JOURNAL_HEADER.unpack(handle.read(_JOURNAL_HEADER.size))
            record = KEY_BYTES + 4 * dim + 4
            return (size - _JOURNAL_HEADER.size) // record if magic == JOURNAL_MAGIC and dim else 0
    except (OSError, struct.error):
        return 0


def report(root: Path) -> list[SpaceReport]:
    """Every space under ``root`` with its vector count and size on disk."""
    spaces = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else ():
        try:
            description = json.loads((folder / SPACE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            description = {}
        files = [p for p in folder.iterdir() if p.is_file()]
        vectors = sum(_rows_of(p) for p in files if p.suffix in (".shard", ".journal"))
        spaces.append(SpaceReport(folder, description, vectors, sum(p.stat().st_size for p in files)))
    return spaces


def size_of(root: Path) -> int:
    """Bytes under ``root`` (every file, the old single-file caches included)."""
    if not root.is_dir():
        return 0
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def clear(root: Path) -> int:
    """Delete everything under ``root``; returns the bytes freed. A run still writing keeps going."""
    freed = size_of(root)
    for child in root.iterdir() if root.is_dir() else ():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                child.unlink()
    return freed - size_of(root)
