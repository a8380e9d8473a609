"""The user's real config, data and cache dirs, and a fingerprint of this app's files in them: the
test session checks that nothing it ran (subprocesses included) wrote there."""

from __future__ import annotations

import os
from pathlib import Path

#: Names of this app's entries at the top of a user dir (QSettings organisations, engine.paths).
APP_ENTRIES = ("DeepLearningLab", "DeepLearningLabTests", "deep-learning-lab")


def real_user_dirs() -> list[Path]:
    """This app's folders in the user's config, data and cache dirs, as the environment says now."""
    home = Path(os.environ.get("HOME") or Path.home())
    bases = [
        Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config"),
        Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share"),
        Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache"),
    ]
    return [base / name for base in bases for name in APP_ENTRIES]


def snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Every file under ``folders``: path → (size, mtime in ns). Missing folders are empty."""
    files: dict[str, tuple[int, int]] = {}
    for folder in folders:
        if folder.is_file():
            stat = folder.stat()
            files[str(folder)] = (stat.st_size, stat.st_mtime_ns)
            continue
        for root, _dirs, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                try:
                    stat = os.stat(path)
                except OSError:  # removed while walking
                    continue
                files[path] = (stat.st_size, stat.st_mtime_ns)
        if folder.is_dir() and not any(os.scandir(folder)):
            files[str(folder)] = (0, 0)  # an empty folder that appeared counts too
    return files
