"""The CLI as a user meets it when the store is damaged, read-only or the disk is full: one warning
line, the run goes on, its result is printed, and never a traceback."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import capabilities

ROOT = Path(__file__).resolve().parents[2]
RUN = ["run", "backprop", "--epochs", "40", "--set", "optimizers=sgd", "--json"]


def _env(tmp_path, data):
    return {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "DLLAB_DATA_DIR": str(data),
        "DLLAB_CACHE_DIR": str(tmp_path / "cache"),
    }


def _cli(tmp_path, data, args=RUN, preexec=None, command=None):
    argv = command or [sys.executable, str(ROOT / "main.py"), *args]
    return subprocess.run(
        argv,
        cwd=ROOT,
        env=_env(tmp_path, data),
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=preexec,
    )


def _assert_ran_with_one_warning(done, words):
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert len(result["history"]["loss_sgd"]) == 40
    lines = [line for line in done.stderr.splitlines() if words in line]
    assert len(lines) == 1, done.stderr[-3000:]
    return lines[0]


def test_a_corrupt_store_is_set_aside_with_one_line_and_the_run_recorded(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "runs.sqlite").write_bytes(b"not a database at all" * 100)
    done = _cli(tmp_path, data)
    line = _assert_ran_with_one_warning(done, "moved aside")
    assert line.startswith("warning: the run store") and "runs.sqlite.corrupt-" in line
    rows = sqlite3.connect(data / "runs.sqlite").execute("SELECT status FROM runs").fetchall()
    assert rows == [("finished",)]


@pytest.mark.skipif(not capabilities.AVAILABLE, reason="capabilities are Linux-only")
def test_a_read_only_data_folder_runs_unrecorded_with_one_warning(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _cli(tmp_path, data, ["run", "backprop", "--epochs", "1", "--set", "optimizers=sgd"])  # one recorded run
    os.chmod(data, 0o555)
    os.chmod(data / "runs.sqlite", 0o444)
    try:
        argv, preexec = capabilities.restricted_command([sys.executable, str(ROOT / "main.py"), *RUN])
        done = _cli(tmp_path, data, preexec=preexec, command=argv)
    finally:
        os.chmod(data, 0o755)
    line = _assert_ran_with_one_warning(done, "not being saved")
    assert "cannot be written" in line
    assert len(sqlite3.connect(data / "runs.sqlite").execute("SELECT id FROM runs").fetchall()) == 1


def _limit_file_size(limit):
    def preexec():
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, as on a full disk.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_a_disk_that_fills_during_the_run_stops_recording_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _cli(tmp_path, data, ["run", "backprop", "--epochs", "1", "--set", "optimizers=sgd"])  # store and cache
    done = _cli(tmp_path, data, preexec=_limit_file_size(64 * 1024))
    line = _assert_ran_with_one_warning(done, "recording stopped")
    assert "could not record epoch" in line
    store = sqlite3.connect(data / "runs.sqlite")
    assert store.execute("PRAGMA quick_check").fetchone() == ("ok",)  # the store survived the full disk
    assert len(store.execute("SELECT id FROM runs").fetchall()) == 2


@contextlib.contextmanager
def _small_tmpfs(path, size):
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({mounted.stderr.decode().strip()}); the RLIMIT test covers it"
        )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.skipif(not capabilities.IS_ROOT, reason="mounting a tmpfs needs root")
def test_a_really_full_tmpfs(tmp_path):
    with _small_tmpfs(tmp_path / "data", "96k") as data:
        _cli(tmp_path, data, ["run", "backprop", "--epochs", "1", "--set", "optimizers=sgd"])
        filler = data / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as handle:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
        done = _cli(tmp_path, data)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert len(json.loads(done.stdout)["history"]["loss_sgd"]) == 40
        warnings = [line for line in done.stderr.splitlines() if "run store" in line]
        assert len(warnings) == 1 and "full" in warnings[0], done.stderr[-2000:]


def test_a_seed_beyond_64_bits_is_refused_at_parse_time(tmp_path):
    done = _cli(tmp_path, tmp_path / "data", ["run", "backprop", "--seed", str(2**63)])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: backprop: seed: 9223372036854775808 does not fit in a 64-bit")


@pytest.mark.skipif(not capabilities.AVAILABLE, reason="capabilities are Linux-only")
def test_a_read_only_home_still_runs_a_lab_with_one_warning(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(home, 0o555)
    env = {**_env(tmp_path, home / "data"), "DLLAB_CACHE_DIR": str(home / "cache")}
    try:
        argv, preexec = capabilities.restricted_command([sys.executable, str(ROOT / "main.py"), *RUN])
        done = subprocess.run(
            argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, preexec_fn=preexec
        )
    finally:
        os.chmod(home, 0o755)
    line = _assert_ran_with_one_warning(done, "not being saved")
    assert "its folder cannot be created: Permission denied" in line
    assert "not cached" in json.loads(done.stdout)["data"]["source"]


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log(monkeypatch, tmp_path):
    import io

    from engine import cli

    monkeypatch.setenv("DLLAB_DATA_DIR", str(tmp_path))

    def broken(args, out, err):
        raise RuntimeError("boom")

    command = cli.Command("boom", "a command with a bug", lambda parser: None, broken)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["boom"], out, err, commands=[command]) == 1
    assert err.getvalue() == f"error: unexpected RuntimeError: boom (details in {tmp_path / 'errors.log'})\n"
    log = (tmp_path / "errors.log").read_text()
    assert "Traceback" in log and "boom" in log
