"""Tests never touch the user's real config, data or cache dirs, subprocesses included.

tests/conftest.py points HOME, the XDG dirs and the DLLAB_* dirs at a session folder before anything
else runs. This module makes that checkable:

* :func:`app_dirs` says where this app would keep its settings, runs and caches in a given
  environment, exactly as Qt's QSettings and engine/paths.py resolve them on Linux;
* :class:`SubprocessGuard` fails the very test that starts a subprocess whose environment would reach
  the real dirs (the way ``main.py --screenshot`` once rewrote the user's window geometry);
* :func:`snapshot` fingerprints this app's files in the real dirs, so the session can report any that
  changed while it ran (another program using them at the same time would show up there too).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

#: Names of this app's entries at the top of a user dir (QSettings organisations, engine.paths).
APP_ENTRIES = ("DeepLearningLab", "DeepLearningLabTests", "deep-learning-lab")


def _home(env: Mapping[str, str]) -> Path:
    """HOME, or where a process without one looks: the user's entry in the password database (not
    this process's HOME, which the tests have replaced)."""
    if env.get("HOME"):
        return Path(env["HOME"])
    try:
        import pwd

        return Path(pwd.getpwuid(os.getuid()).pw_dir)
    except (ImportError, KeyError):  # not Unix: the profile folder
        return Path(env.get("USERPROFILE") or Path.home())


def _bases(env: Mapping[str, str]) -> dict[str, Path]:
    home = _home(env)
    return {
        "config": Path(env.get("XDG_CONFIG_HOME") or home / ".config"),
        "data": Path(env.get("XDG_DATA_HOME") or home / ".local" / "share"),
        "cache": Path(env.get("XDG_CACHE_HOME") or home / ".cache"),
    }


def real_user_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """This app's folders in the user's config, data and cache dirs, for ``env`` (default: now)."""
    bases = _bases(os.environ if env is None else env)
    return [base / name for base in bases.values() for name in APP_ENTRIES]


def app_dirs(env: Mapping[str, str]) -> list[Path]:
    """Where a process with ``env`` keeps this app's settings, data and cache."""
    bases = _bases(env)
    data = Path(env["DLLAB_DATA_DIR"]) if env.get("DLLAB_DATA_DIR") else bases["data"] / "deep-learning-lab"
    cache = (
        Path(env["DLLAB_CACHE_DIR"]) if env.get("DLLAB_CACHE_DIR") else bases["cache"] / "deep-learning-lab"
    )
    return [bases["config"] / "DeepLearningLab", data, cache]


def reaches(env: Mapping[str, str], real: list[Path]) -> list[Path]:
    """Which of the app's dirs under ``env`` lie in (or are) one of the ``real`` dirs."""
    hits = []
    for path in app_dirs(env):
        resolved = path.resolve()
        if any(resolved == r.resolve() or resolved.is_relative_to(r.resolve()) for r in real):
            hits.append(path)
    return hits


class SubprocessGuard:
    """Wraps ``subprocess.Popen`` for the session: a child whose environment would reach the real
    dirs is refused with an error naming them, in the test that started it."""

    def __init__(self, real: list[Path]) -> None:
        self.real = real
        self.started = 0
        self._original = subprocess.Popen.__init__

    def install(self) -> None:
        guard = self

        def checked_init(popen: subprocess.Popen, args: object, *rest: object, **kwargs: object) -> None:
            env = kwargs.get("env")
            environment = os.environ if env is None else env
            hits = reaches(environment, guard.real)  # type: ignore[arg-type]
            if hits:
                popen._child_created = False  # type: ignore[attr-defined]  # for Popen.__del__
                raise RuntimeError(
                    f"a test started {args!r} with an environment that reaches the user's real dirs "
                    f"{[str(h) for h in hits]}: set HOME, XDG_*_HOME and DLLAB_*_DIR to temporary dirs"
                )
            guard.started += 1
            guard._original(popen, args, *rest, **kwargs)  # type: ignore[arg-type]

        subprocess.Popen.__init__ = checked_init  # type: ignore[method-assign]

    def uninstall(self) -> None:
        subprocess.Popen.__init__ = self._original  # type: ignore[method-assign]


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
    return files
