"""Test-wide setup: offscreen Qt, temporary user dirs, and no network beyond loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile

import pytest

from tests.user_dirs import real_user_dirs, snapshot

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
    """Fails the session if any test (or a subprocess it started) wrote to this app's files in the
    user's real config, data or cache dirs; the environment above is meant to make that impossible."""
    before = snapshot(REAL_USER_DIRS)
    yield
    after = snapshot(REAL_USER_DIRS)
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, "tests wrote to the user's real dirs: " + ", ".join(
        dict.fromkeys(path for path, _ in changed)
    )
