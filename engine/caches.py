"""The caches the app fills (embeddings, features, generated data): their size, and clearing them.

A lab registers its caches at import time (cheaply: no TensorFlow), like its assets. ``python main.py
assets`` lists them with their sizes, ``python main.py assets --clear NAME`` empties one, and a lab's
GUI shows its own with a "Clear" button. Everything in a cache can be computed again; clearing only
costs the time to do so.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Cache:
    """A cache folder.

    Args:
        name: Id for ``python main.py assets --clear NAME``.
        title: What it holds, in the learner's words.
        lab: The lab id that fills it.
        folder: Returns the folder (cheap).
        describe: Returns a one-line summary of what is in it (counts, not bytes). Defaults to None.
        clear: Empties it and returns the bytes freed. Defaults to deleting the folder's contents.
    """

    name: str
    title: str
    lab: str
    folder: Callable[[], Path]
    describe: Callable[[], str] | None = None
    clear: Callable[[], int] | None = None


@dataclass(frozen=True)
class CacheStatus:
    """A cache as the size report shows it."""

    name: str
    title: str
    path: Path
    size_bytes: int
    detail: str

    def line(self) -> str:
        """``name: 12.3 MB · detail`` for a terminal or a status label."""
        detail = f" · {self.detail}" if self.detail else ""
        return f"{self.name}: {format_size(self.size_bytes)}{detail}"


CACHES: dict[str, Cache] = {}


def register_cache(cache: Cache) -> Cache:
    """Add a cache to the registry (idempotent for the same name)."""
    CACHES[cache.name] = cache
    return cache


def format_size(size_bytes: int) -> str:
    """``0 B``, ``512 KB``, ``12.3 MB``, ``1.50 GB``."""
    if size_bytes < 1000:
        return f"{size_bytes} B"
    if size_bytes < 1_000_000:
        return f"{size_bytes / 1e3:.0f} KB"
    if size_bytes < 1_000_000_000:
        return f"{size_bytes / 1e6:.1f} MB"
    return f"{size_bytes / 1e9:.2f} GB"


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder`` (0 when it does not exist; files vanishing are skipped)."""
    total = 0
    for path in folder.rglob("*") if folder.is_dir() else ():
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def empty_folder(folder: Path) -> int:
    """Delete what is inside ``folder`` (not the folder); returns the bytes freed."""
    before = folder_size(folder)
    for child in folder.iterdir() if folder.is_dir() else ():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    return before - folder_size(folder)


def get_cache(name: str) -> Cache:
    """The registered cache ``name``; the error lists the known names."""
    _load_labs()
    try:
        return CACHES[name]
    except KeyError:
        raise KeyError(f"unknown cache {name!r}; known: {', '.join(CACHES) or 'none'}") from None


def status(cache: Cache) -> CacheStatus:
    """Size and summary of one cache."""
    folder = cache.folder()
    detail = cache.describe() if cache.describe is not None else ""
    return CacheStatus(cache.name, cache.title, folder, folder_size(folder), detail)


def all_statuses() -> list[CacheStatus]:
    """Every registered cache, in registration order."""
    _load_labs()
    return [status(cache) for cache in CACHES.values()]


def clear(name: str) -> int:
    """Empty cache ``name``; returns the bytes freed."""
    cache = get_cache(name)
    return cache.clear() if cache.clear is not None else empty_folder(cache.folder())


def _load_labs() -> None:
    import engine.labs  # noqa: F401  (lab packages register their caches when imported)
