"""Cache entries that prove they are intact: a manifest per entry, verified on every read.

An entry is a folder in the cache dir (a generated dataset, parsed GloVe vectors, a split's frozen
features). :func:`ensure` builds it in a private temporary folder, writes ``manifest.json`` last
(every file's size and SHA-256, an NPY file's shape and dtype, and what the builder reports: rows,
seed, version …) and renames the folder into place, so an interrupted build never looks complete.
Every later read runs :func:`check` first: a missing manifest, a file that is missing, truncated,
scrambled or of the wrong shape, or a manifest that disagrees with what the caller expects (the
generator's row count) is a *damaged* entry; it is rebuilt and the log says so.

SHA-256 runs at ~1.7 GB/s here, and a file already verified in this process is not hashed again while
its size, modification time and inode are unchanged (see ``bench/manifest_verify.py`` for the cost).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from engine.safe_files import atomic_write_text, clip, describe_os_error
from engine.safe_formats import npy_header_of

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
_FORMAT = 1
_memo_lock = threading.Lock()
_verified: dict[str, tuple[int, int, int, str]] = {}  # path → (size, mtime_ns, inode, sha256)


class CacheWriteError(OSError):
    """A cache entry could not be written (read-only or full disk); the message names the folder."""


def digest_file(path: Path) -> str:
    """SHA-256 of a file, remembered for this process while its size, mtime and inode stay the same."""
    info = path.stat()
    stamp = (info.st_size, info.st_mtime_ns, info.st_ino)
    key = str(path)
    with _memo_lock:
        known = _verified.get(key)
    if known is not None and known[:3] == stamp:
        return known[3]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    sha = digest.hexdigest()
    with _memo_lock:
        _verified[key] = (*stamp, sha)
    return sha


def entry_files(folder: Path) -> list[str]:
    """Every regular file under ``folder`` except the manifest, as sorted ``/``-separated relative paths."""
    names = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.name != MANIFEST_NAME:
            names.append(path.relative_to(folder).as_posix())
    return sorted(names)


def describe_file(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of a file, plus shape and dtype for an NPY file."""
    record: dict[str, Any] = {"bytes": path.stat().st_size, "sha256": digest_file(path)}
    if path.suffix == ".npy":
        shape, dtype = npy_header_of(path)
        record.update(shape=list(shape), dtype=dtype)
    return record


def write_manifest(folder: Path, files: Iterable[str], info: Mapping[str, Any]) -> None:
    """Describe ``files`` (relative to ``folder``) and ``info`` in ``folder/manifest.json`` (atomically)."""
    document = {
        "format": _FORMAT,
        "info": dict(info),
        "files": {name: describe_file(folder / name) for name in files},
    }
    atomic_write_text(folder / MANIFEST_NAME, json.dumps(document, indent=1, sort_keys=True))


def read_info(folder: Path) -> dict[str, Any]:
    """The ``info`` a manifest recorded ({} when there is none or it cannot be read)."""
    try:
        document = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        return dict(document.get("info", {}))
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def check(folder: Path, expect: Mapping[str, Any] | None = None) -> str | None:
    """None when the entry is intact; otherwise what is wrong with it, in words.

    Args:
        folder: The entry.
        expect: Values the manifest's ``info`` must hold (the generator's row count, a version, a
            cache key). Defaults to nothing beyond the files themselves.
    """
    try:
        text = (folder / MANIFEST_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return "it has no manifest (unfinished, or written by an older version)"
    except (OSError, UnicodeDecodeError) as exc:
        return f"its manifest cannot be read ({_reason(exc)})"
    try:
        document = json.loads(text)
        files = dict(document["files"])
        info = dict(document["info"])
        if document.get("format") != _FORMAT:
            return f"its manifest has format {clip(document.get('format'))}, expected {_FORMAT}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "its manifest is damaged"
    for name, wanted in (expect or {}).items():
        if info.get(name) != wanted:
            return f"its manifest records {name} = {clip(info.get(name))}, expected {clip(wanted)}"
    for name, record in files.items():
        problem = _check_file(folder / name, name, record)
        if problem is not None:
            return problem
    return None


def _reason(exc: BaseException) -> str:
    return describe_os_error(exc) if isinstance(exc, OSError) else clip(exc)


def _check_file(path: Path, name: str, record: Any) -> str | None:
    try:
        size = path.stat().st_size
        if not isinstance(record, dict):
            return f"its manifest entry for {name} is damaged"
        if size != record.get("bytes"):
            recorded = clip(record.get("bytes"))
            return f"{name} is {size:,} bytes, its manifest says {recorded} (truncated or replaced)"
        if "shape" in record:
            shape, dtype = npy_header_of(path)
            if list(shape) != record["shape"] or dtype != record.get("dtype"):
                recorded = f"{clip(record.get('dtype'))} {clip(record['shape'])}"
                return f"{name} holds {dtype} {list(shape)}, its manifest says {recorded}"
        if digest_file(path) != record.get("sha256"):
            return f"{name} does not match its SHA-256 checksum (the file was changed or damaged)"
    except FileNotFoundError:
        return f"{name} is missing"
    except (OSError, ValueError) as exc:
        return f"{name} cannot be read ({_reason(exc)})"
    return None


def ensure(
    folder: Path,
    build: Callable[[Path], Mapping[str, Any] | None],
    *,
    label: str,
    expect: Mapping[str, Any] | None = None,
    note: Callable[[str], None] | None = None,
) -> bool:
    """Make ``folder`` an intact entry: keep it when :func:`check` passes, else (re)build it.

    Args:
        folder: The entry's folder in the cache dir.
        build: Writes the entry's files into the temporary folder it is given and may return more
            ``info`` for the manifest (row counts); ``expect`` is recorded as well.
        label: What the entry is, for messages ("the embedded rings data").
        expect: See :func:`check`; the built entry must match it too. Defaults to nothing.
        note: Receives one line when an existing entry was damaged and is rebuilt (the lab's log);
            it is also logged. Defaults to None.

    Returns:
        True when the entry was already intact (a cache hit), False when it was built now.

    Raises:
        CacheWriteError: The entry could not be written (the message names the folder and why).
        ValueError: ``build`` reported a value (a row count) that contradicts ``expect``.
        Whatever ``build`` raises (a Stop, a generator error): nothing is left behind.
    """
    problem = check(folder, expect) if folder.exists() else None
    if folder.exists() and problem is None:
        return True
    if problem is not None:
        message = f"{label}: the cached copy in {folder} is damaged ({problem}); rebuilding it"
        log.info("%s", message)
        if note is not None:
            note(message)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    except OSError as exc:
        raise CacheWriteError(f"cannot write the cache in {folder.parent} ({_reason(exc)})") from None
    try:
        built = dict(build(partial) or {})
        for name, wanted in (expect or {}).items():
            if name in built and built[name] != wanted:  # e.g. the generator wrote fewer rows
                raise ValueError(f"{label}: built with {name} = {built[name]}, expected {wanted}")
        write_manifest(partial, entry_files(partial), {**built, **(expect or {})})
        _publish(partial, folder, expect)
    except OSError as exc:
        if isinstance(exc, CacheWriteError):
            raise
        raise CacheWriteError(f"cannot write the cache entry {folder} ({_reason(exc)})") from None
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return False


def _publish(partial: Path, folder: Path, expect: Mapping[str, Any] | None) -> None:
    try:
        partial.rename(folder)
        return
    except OSError:
        if not folder.exists():
            raise
    # The name is taken: by the damaged entry, or by another process that just published a good one.
    if check(folder, expect) is None:
        return
    aside = folder.with_name(f".{folder.name}.damaged-{os.getpid()}-{time.time_ns()}")
    folder.rename(aside)
    try:
        partial.rename(folder)
    finally:
        shutil.rmtree(aside, ignore_errors=True)
