"""Where the app keeps its files: the user data dir (run store, logs) and the user cache dir
(generated datasets, feature caches, converted models).

``DLLAB_DATA_DIR`` and ``DLLAB_CACHE_DIR`` override both (tests point them at a temporary folder).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

APP_DIR_NAME = "deep-learning-lab"


def xdg_home(xdg_name: str, default: str) -> Path:
    """``$XDG_…_HOME``, or ``~/default`` when it is unset, empty or relative (as the XDG Base Directory
    Specification says: a relative path there is invalid and ignored)."""
    value = os.environ.get(xdg_name, "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def _base(env_name: str, xdg_name: str, xdg_default: str, mac: str, windows_env: str) -> Path:
    override = os.environ.get(env_name)
    if override:
        path = Path(override)
    elif sys.platform == "win32":
        path = Path(os.environ.get(windows_env, Path.home())) / APP_DIR_NAME
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / mac / APP_DIR_NAME
    else:
        path = xdg_home(xdg_name, xdg_default) / APP_DIR_NAME
    # Best effort: a read-only home must not stop the app here; whoever writes into the folder
    # reports it (the run store opens read-only, a cache says which folder it could not write).
    with contextlib.suppress(OSError):
        path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """The user data dir (created if missing and possible): the run store, the error log, checkpoints."""
    return _base("DLLAB_DATA_DIR", "XDG_DATA_HOME", ".local/share", "Application Support", "APPDATA")


def cache_dir(*parts: str) -> Path:
    """A folder under the user cache dir (created if missing and possible): generated data, caches."""
    path = _base("DLLAB_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "Caches", "LOCALAPPDATA").joinpath(*parts)
    with contextlib.suppress(OSError):
        path.mkdir(parents=True, exist_ok=True)
    return path
