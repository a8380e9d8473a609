"""The offline asset manager: every pretrained asset a lab can use, where it came from, and whether
it is ready.

Labs register their assets at import time (cheaply: no TensorFlow). An asset either exists where
``locate`` finds it (a file inside an installed PyPI package, the Keras cache, a user's file) or is
built once by ``prepare`` (a conversion) into the cache dir. Files with a known SHA-256 are verified
before use; nothing here downloads anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.caches import folder_size
from engine.jobs import Emit
from engine.safe_files import clip_repr


class AssetError(RuntimeError):
    """An asset is missing, fails its checksum, or cannot be prepared; the message says which/why."""


@dataclass(frozen=True)
class Asset:
    """A pretrained asset.

    Args:
        name: Id used by ``python main.py assets --prepare NAME`` and by labs' params.
        title: The honest label shown to learners (what the weights really are).
        source: Where it comes from (package and version, cache, user file).
        lab: The lab id that uses it.
        locate: Returns the local path when present, else None. Must be cheap.
        sha256: Expected SHA-256 of the located file, when a published hash exists. Defaults to None.
        prepare: Builds the asset (one-time conversion) and returns its path; receives the job's
            emit for progress. None when nothing needs building. Defaults to None.
    """

    name: str
    title: str
    source: str
    lab: str
    locate: Callable[[], Path | None]
    sha256: str | None = None
    prepare: Callable[[Emit], Path] | None = None


@dataclass(frozen=True)
class AssetStatus:
    """What ``python main.py assets`` prints for one asset."""

    name: str
    title: str
    source: str
    path: str | None
    size_bytes: int | None
    verified: bool | None  # None: no known hash to check against
    ready: bool
    needs_prepare: bool


ASSETS: dict[str, Asset] = {}


def register_asset(asset: Asset) -> Asset:
    """Add an asset to the registry (idempotent for the same name)."""
    ASSETS[asset.name] = asset
    return asset


def get_asset(name: str) -> Asset:
    """The registered asset ``name``; the error lists the known names."""
    _load_labs()
    try:
        return ASSETS[name]
    except KeyError:
        raise AssetError(f"unknown asset {clip_repr(name)}; known: {', '.join(ASSETS) or 'none'}") from None


def sha256_of(path: Path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _size(path: Path) -> int:
    return folder_size(path) if path.is_dir() else path.stat().st_size


def status(asset: Asset, verify: bool = True) -> AssetStatus:
    """Locate (and, with ``verify``, checksum) one asset."""
    path = asset.locate()
    exists = path is not None and path.exists()
    verified: bool | None = None
    if exists and asset.sha256 and verify and path is not None and path.is_file():
        verified = sha256_of(path) == asset.sha256
    ready = exists and verified is not False
    return AssetStatus(
        name=asset.name,
        title=asset.title,
        source=asset.source,
        path=str(path) if exists else None,
        size_bytes=_size(path) if exists and path is not None else None,
        verified=verified,
        ready=ready,
        needs_prepare=not exists and asset.prepare is not None,
    )


def resolve(name: str, emit: Emit | None = None) -> Path:
    """The ready local path of asset ``name``, preparing it first when it needs a conversion.

    Raises:
        AssetError: Missing and not preparable, or the checksum does not match.
    """
    asset = get_asset(name)
    st = status(asset)
    if st.ready and st.path is not None:
        return Path(st.path)
    if st.verified is False:
        raise AssetError(f"asset {name!r}: {st.path} does not match its published SHA-256")
    if asset.prepare is None:
        raise AssetError(f"asset {name!r} is not available offline: {asset.source}")
    path = asset.prepare(emit or (lambda _event: None))
    if not path.exists():
        raise AssetError(f"asset {name!r}: preparing it did not produce {path}")
    return path


def all_statuses(verify: bool = True) -> list[AssetStatus]:
    """Status of every registered asset, in registration order."""
    _load_labs()
    return [status(asset, verify) for asset in ASSETS.values()]


def _load_labs() -> None:
    # Lab modules register their assets when imported; the registry import is cheap (no TF).
    import engine.labs  # noqa: F401
