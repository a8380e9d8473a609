"""Test-wide setup: offscreen Qt, temporary user dirs, and no network beyond loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
import warnings
from pathlib import Path

import pytest

from tests.user_dirs import SubprocessGuard, app_dirs, reaches, real_user_dirs, snapshot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_session_dir = tempfile.mkdtemp(prefix="dllab-tests-")
# The user's real config/data/cache dirs, found before they are pointed elsewhere below; the session
# fixture `user_dirs_untouched` fails the run if anything of this app changed in them.
REAL_USER_DIRS = real_user_dirs()
# Every test and every subprocess it starts (they inherit os.environ) gets a home of its own, so
# QSettings, the XDG dirs and anything else keyed on HOME land in the session dir.
os.environ["HOME"] = os.path.join(_session_dir, "home")
for _variable, _folder in (
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_DATA_HOME", "data"),
    ("XDG_CACHE_HOME", "cache"),
):
    os.environ[_variable] = os.path.join(_session_dir, "home", _folder)
    os.makedirs(os.environ[_variable], exist_ok=True)
# Generated datasets are cached per test session (shared by tests); runs and logs too.
os.environ["DLLAB_DATA_DIR"] = os.path.join(_session_dir, "data")
os.environ["DLLAB_CACHE_DIR"] = os.path.join(_session_dir, "cache")
# TF Hub and Keras must not reach out either; point their caches into the session dir.
os.environ["TFHUB_CACHE_DIR"] = os.path.join(_session_dir, "tfhub")
os.environ["KERAS_HOME"] = os.path.join(_session_dir, "keras")


class NetworkBlocked(RuntimeError):
    """A test tried to open a connection to a non-loopback address."""


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            if ipaddress.ip_address(host.split("%")[0]).is_loopback:
                return
        except ValueError:
            if host == "localhost":
                return
        raise NetworkBlocked(f"tests may not connect to {address!r}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture
def tmp_store(tmp_path):
    """A fresh run store in a temporary file."""
    from engine.runs import RunStore

    store = RunStore(tmp_path / "runs.sqlite")
    yield store
    store.close()


@pytest.fixture(scope="session", autouse=True)
def user_dirs_untouched():
    """No test, and no subprocess a test starts, can reach this app's files in the user's real config,
    data or cache dirs: this process's own dirs are checked once, every subprocess's environment when
    it starts (the test that starts one fails at once, naming the dirs). Files of the app that changed
    there anyway while the session ran are reported as a warning: only another program (the app itself,
    another checkout's tests) can have written them."""
    assert not reaches(os.environ, REAL_USER_DIRS), app_dirs(os.environ)
    from engine import paths

    for folder in (paths.data_dir(), paths.cache_dir()):
        assert Path(folder).resolve().is_relative_to(Path(_session_dir).resolve()), folder
    before = snapshot(REAL_USER_DIRS)
    guard = SubprocessGuard(REAL_USER_DIRS)
    guard.install()
    yield guard
    guard.uninstall()
    changed = sorted({path for path, _ in set(before.items()) ^ set(snapshot(REAL_USER_DIRS).items())})
    if changed:
        warnings.warn(
            f"files of this app in the user's real dirs changed while the tests ran (not by a test or a "
            f"subprocess of one, which the guard would have refused): {changed}",
            stacklevel=1,
        )
