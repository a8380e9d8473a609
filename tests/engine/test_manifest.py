"""Cache entries with manifests: built atomically, verified on read, rebuilt (and said so) when damaged."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from engine import manifest


def _builder(calls, rows=4):
    def build(folder):
        calls.append(folder)
        np.save(folder / "x.npy", np.arange(rows * 2, dtype=np.float32).reshape(rows, 2))
        (folder / "sub").mkdir()
        (folder / "sub" / "names.txt").write_text("a\nb\n")
        return {"rows": rows}

    return build


def test_build_then_hit(tmp_path):
    calls, notes = [], []
    entry = tmp_path / "entry"
    assert manifest.ensure(entry, _builder(calls), label="test data", expect={"version": 1}) is False
    assert manifest.ensure(
        entry, _builder(calls), label="test data", expect={"version": 1}, note=notes.append
    )
    assert len(calls) == 1 and notes == []
    info = manifest.read_info(entry)
    assert info == {"rows": 4, "version": 1}
    document = json.loads((entry / "manifest.json").read_text())
    assert document["files"]["x.npy"]["shape"] == [4, 2] and document["files"]["x.npy"]["dtype"] == "<f4"
    assert sorted(document["files"]) == ["sub/names.txt", "x.npy"]
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]  # no partial folder left


def _damage_cases():
    def truncate(entry):
        path = entry / "x.npy"
        path.write_bytes(path.read_bytes()[:-8])

    def scramble(entry):
        path = entry / "x.npy"
        data = bytearray(path.read_bytes())
        data[-4:] = b"\x00\x00\xc0\x7f"  # a NaN, same size
        path.write_bytes(bytes(data))

    def reshape(entry):
        np.save(entry / "x.npy", np.zeros((2, 4), np.float32))  # same bytes, other shape

    def remove(entry):
        (entry / "sub" / "names.txt").unlink()

    def no_manifest(entry):
        (entry / "manifest.json").unlink()

    def garbage_manifest(entry):
        (entry / "manifest.json").write_bytes(os.urandom(64))

    return {
        "truncate": (truncate, "truncated or replaced"),
        "scramble": (scramble, "SHA-256"),
        "reshape": (reshape, r"holds <f4 \[2, 4\]"),
        "remove": (remove, "names.txt is missing"),
        "no_manifest": (no_manifest, "no manifest"),
        "garbage_manifest": (garbage_manifest, "manifest"),
    }


@pytest.mark.parametrize("case", list(_damage_cases()))
def test_damage_is_found_and_rebuilt_with_a_note(tmp_path, case):
    damage, words = _damage_cases()[case]
    calls, notes = [], []
    entry = tmp_path / "entry"
    manifest.ensure(entry, _builder(calls), label="the test data")
    damage(entry)
    problem = manifest.check(entry)
    assert problem is not None
    assert manifest.ensure(entry, _builder(calls), label="the test data", note=notes.append) is False
    assert len(calls) == 2 and manifest.check(entry) is None
    assert len(notes) == 1 and notes[0].startswith("the test data: the cached copy in")
    import re

    assert re.search(words, notes[0]), notes[0]
    assert np.load(entry / "x.npy").shape == (4, 2)


def test_an_expectation_mismatch_is_damage(tmp_path):
    entry = tmp_path / "entry"
    calls = []
    manifest.ensure(entry, _builder(calls, rows=3), label="rings")
    assert "rows = 3, expected 4" in manifest.check(entry, {"rows": 4})


def test_a_failed_build_leaves_nothing_and_keeps_the_old_entry(tmp_path):
    entry = tmp_path / "entry"
    manifest.ensure(entry, _builder([]), label="x")
    (entry / "manifest.json").unlink()

    def failing(folder):
        (folder / "half.bin").write_bytes(b"x")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        manifest.ensure(entry, failing, label="x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry"]


def test_an_unwritable_cache_says_where(tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(manifest, "write_manifest", no_space)
    with pytest.raises(
        manifest.CacheWriteError, match=r"cannot write the cache entry .*entry \(No space left"
    ):
        manifest.ensure(tmp_path / "entry", _builder([]), label="x")
    assert list(tmp_path.iterdir()) == []


def test_verified_files_are_not_hashed_twice(tmp_path, monkeypatch):
    entry = tmp_path / "entry"
    manifest.ensure(entry, _builder([]), label="x")
    manifest.check(entry)
    hashed = []
    real = manifest.hashlib.sha256
    monkeypatch.setattr(manifest.hashlib, "sha256", lambda: hashed.append(1) or real())
    assert manifest.check(entry) is None and hashed == []
    (entry / "sub" / "names.txt").write_text("b\na\n")  # same size, new mtime: hashed again
    assert "SHA-256" in manifest.check(entry) and hashed


def test_a_builder_that_contradicts_the_expectation_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="built with rows = 3, expected 4"):
        manifest.ensure(tmp_path / "entry", _builder([], rows=3), label="x", expect={"rows": 4})
    assert list(tmp_path.iterdir()) == []
