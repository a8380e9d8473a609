"""The shared primitives for untrusted input: special files, size limits, capped echoes, atomic writes."""

from __future__ import annotations

import os
import socket
import stat
import threading
import time

import pytest

from engine import safe_files as sf


def test_clip_keeps_short_text_and_cuts_long_text_with_its_length():
    assert sf.clip("short") == "short"
    long = "x" * 10_000
    shown = sf.clip(long)
    assert shown.startswith("x" * 200) and shown.endswith("… (10,000 characters)") and len(shown) < 230
    assert sf.clip_repr("y" * 500).startswith("'yyy") and "500 characters" in sf.clip_repr("y" * 500)


def test_a_regular_file_opens(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    with sf.open_regular(path) as handle:
        assert handle.read() == b"hello"
    assert sf.check_regular_file(path) == 5


def _special_files(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.csv"
    os.symlink(loop, loop)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    sock_path = tmp_path / "sock.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    return server, {
        fifo: "a named pipe",
        loop: "a symbolic link loop",
        folder: "a folder",
        sock_path: "cannot read",  # a socket cannot even be opened: refused with the OS reason
        "/dev/zero": "a device",
        tmp_path / "missing.csv": "not found",
    }


def test_special_files_are_refused_before_a_byte_is_read_and_never_block(tmp_path):
    server, cases = _special_files(tmp_path)
    try:
        for path, words in cases.items():
            started = time.monotonic()
            with pytest.raises(sf.InputFileError, match=words) as caught:
                sf.open_regular(path, what="data file")
            assert str(path) in str(caught.value)
            assert time.monotonic() - started < 1.0  # a pipe without a writer must not block the open
            with pytest.raises(sf.InputFileError):
                sf.check_regular_file(path)
    finally:
        server.close()


def test_a_pipe_with_a_writer_is_refused_too(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: open(fifo, "wb").close(), daemon=True)
    writer.start()
    with pytest.raises(sf.InputFileError, match="named pipe"):
        sf.open_regular(fifo)
    writer.join(timeout=5)


def test_the_loader_error_type_is_used(tmp_path):
    class MyError(ValueError):
        pass

    with pytest.raises(MyError, match="label file not found"):
        sf.open_regular(tmp_path / "nope", MyError, "label file")


def test_read_limited_refuses_before_reading(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"0" * 1000)
    assert len(sf.read_limited(path, 1000)) == 1000
    with pytest.raises(sf.InputFileError, match="1,000 bytes; at most 999"):
        sf.read_limited(path, 999)


def test_bounded_lines_stops_at_a_line_without_end(tmp_path):
    path = tmp_path / "one-line.txt"
    path.write_text("ok\n" + "x" * 5000, encoding="utf-8")
    with sf.open_text(path) as handle:
        lines = sf.bounded_lines(handle, path.name, max_chars=4096)
        assert next(lines) == "ok\n"
        with pytest.raises(sf.InputFileError, match="line 2 is longer than 4,096 characters"):
            next(lines)


def test_decode_error_line_names_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 300_000 + b"caf\xe9,3\n")
    assert sf.decode_error_line(path) == 300_002
    good = tmp_path / "good.csv"
    good.write_text("é,ü\n" * 10, encoding="utf-8")
    assert sf.decode_error_line(good) is None


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    path = tmp_path / "data.txt"
    sf.atomic_write_text(path, "first")
    assert path.read_text() == "first"

    def full_disk(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pathlib.Path.write_bytes", full_disk)
    with pytest.raises(OSError, match="No space left"):
        sf.atomic_write_text(path, "second")
    assert path.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt"]  # no temporary file left


def test_atomic_path_leaves_nothing_on_an_error(tmp_path):
    path = tmp_path / "out.npy"
    with pytest.raises(RuntimeError), sf.atomic_path(path) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []


def test_atomic_writes_get_the_permissions_a_plain_open_gives(tmp_path):
    umask = os.umask(0o027)
    os.umask(umask)
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    written = tmp_path / "atomic.txt"
    sf.atomic_write_text(written, "x")  # the temporary file alone would be 0o600
    assert stat.S_IMODE(written.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o666 & ~umask
    sf.atomic_write_bytes(tmp_path / "entry.desktop", b"x", mode=0o644)
    assert stat.S_IMODE((tmp_path / "entry.desktop").stat().st_mode) == 0o644
