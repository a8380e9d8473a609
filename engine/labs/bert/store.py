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
import struct
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from engine.caches import Cache, register_cache
from engine.paths import cache_dir

try:  # POSIX: a journal is locked while its writer lives, so others know it is not abandoned
    import fcntl
except ImportError:  # pragma: no cover - Windows: journals of dead writers are read, never sealed
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from engine.labs.bert.store_writer import StoreWriter

KEY_BYTES = 32
SHARD_ROWS = 4096
SHARD_MAGIC, JOURNAL_MAGIC = b"DLLEMB01", b"DLLJNL01"
SHARD_HEADER = struct.Struct("<8sII32s")  # magic, dim, rows, SHA-256 of the index
JOURNAL_HEADER = struct.Struct("<8sII")  # magic, dim, reserved
_INDEX_ROW = KEY_BYTES + 4  # key + CRC-32
MAX_DIM = 16_384  # a header claiming more is damage, not a model (BERT-large is 1,024)
SPACE_FILE = "space.json"


def text_key(text: str) -> bytes:
    """The store key of one text: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def space_id(encoder_key: str, max_len: int, pooling: str) -> str:
    """The folder name of a space: what the vectors depend on besides the text."""
    return hashlib.sha256(f"{encoder_key}|{max_len}|{pooling}".encode()).hexdigest()[:24]


def record_crc(key: bytes, vector: np.ndarray) -> int:
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
    header = handle.read(SHARD_HEADER.size)
    if len(header) < SHARD_HEADER.size:
        raise DamagedFile("shorter than its header")
    magic, dim, rows, digest = SHARD_HEADER.unpack(header)
    if magic != SHARD_MAGIC or not 0 < dim <= MAX_DIM:
        raise DamagedFile("not a shard header")
    if size != SHARD_HEADER.size + rows * (_INDEX_ROW + 4 * dim):
        raise DamagedFile(f"{size} bytes, its header says {rows} vectors of {dim}")
    index = handle.read(rows * _INDEX_ROW)
    if hashlib.sha256(index).digest() != digest:
        raise DamagedFile("its index fails its SHA-256")
    table = np.frombuffer(index, np.uint8).reshape(rows, _INDEX_ROW)
    vectors = np.frombuffer(handle.read(rows * 4 * dim), "<f4").reshape(rows, dim)
    keys = [bytes(k) for k in table[:, :KEY_BYTES]]
    return _Rows(keys, table[:, KEY_BYTES:].copy().view("<u4").reshape(-1), vectors)


def read_journal(handle: BinaryIO, size: int) -> _Rows:
    header = handle.read(JOURNAL_HEADER.size)
    if len(header) < JOURNAL_HEADER.size:
        return _Rows([], np.zeros(0, np.uint32), np.zeros((0, 0), np.float32))  # just created
    magic, dim, _ = JOURNAL_HEADER.unpack(header)
    if magic != JOURNAL_MAGIC or not 0 < dim <= MAX_DIM:
        raise DamagedFile("not a journal header")
    record = KEY_BYTES + 4 * dim + 4
    rows = (size - JOURNAL_HEADER.size) // record  # a torn last record is left out
    data = np.frombuffer(handle.read(rows * record), np.uint8).reshape(rows, record)
    keys = [bytes(k) for k in data[:, :KEY_BYTES]]
    vectors = data[:, KEY_BYTES:-4].copy().view("<f4")
    return _Rows(keys, data[:, -4:].copy().view("<u4").reshape(-1), vectors)


def _read_file(path: Path) -> _Rows:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return _read_shard(handle, size) if path.suffix == ".shard" else read_journal(handle, size)


def is_good_row(rows: _Rows, i: int) -> bool:
    vector = rows.vectors[i]
    return record_crc(rows.keys[i], vector) == int(rows.crcs[i]) and bool(np.isfinite(vector).all())


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
    index = b"".join(k + struct.pack("<I", record_crc(k, vectors[i])) for i, k in enumerate(keys))
    digest = hashlib.sha256(index).digest()
    header = SHARD_HEADER.pack(SHARD_MAGIC, dim, rows, digest)
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


def _remove_legacy_files(root: Path) -> None:
    """The earlier cache's files (one ``.npy`` per list of texts, directly in the root): never read."""
    for old in root.glob("*.npy") if root.is_dir() else ():
        with contextlib.suppress(OSError):
            old.unlink()


def try_lock(fd: int) -> bool:
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
                if not is_good_row(rows, i):
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
        from engine.labs.bert.store_writer import StoreWriter

        _remove_legacy_files(self.folder.parent)
        writer = StoreWriter(self)
        try:
            writer.adopt_abandoned()
            yield writer
        finally:
            writer.close()


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
                magic, _, rows, _ = SHARD_HEADER.unpack(handle.read(SHARD_HEADER.size))
                return int(rows) if magic == SHARD_MAGIC else 0
            magic, dim, _ = JOURNAL_HEADER.unpack(handle.read(JOURNAL_HEADER.size))
            record = KEY_BYTES + 4 * dim + 4
            return (size - JOURNAL_HEADER.size) // record if magic == JOURNAL_MAGIC and dim else 0
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


def store_root() -> Path:
    """The folder of every space."""
    return cache_dir("bert", "embeddings")


def stored_vectors() -> int:
    """Vectors in every space (from file headers: cheap enough for a GUI label)."""
    return sum(space.vectors for space in report(store_root()))


def describe() -> str:
    """One line for the size report: vectors per space."""
    spaces = report(store_root())
    if not spaces:
        return "empty"
    parts = []
    for space in spaces:
        d = space.description
        what = f"{d.get('encoder', '?')}, max_len {d.get('max_len', '?')}, {d.get('pooling', '?')}"
        parts.append(f"{space.vectors:,} vectors ({what})")
    return "; ".join(parts)


EMBEDDINGS_CACHE = register_cache(
    Cache(
        name="bert-embeddings",
        title="BERT lab: review embeddings (per encoder, max_len and pooling)",
        lab="bert",
        folder=store_root,
        describe=describe,
    )
)
