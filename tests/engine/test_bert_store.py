"""The content-addressed embedding store on its own (numpy only, no TensorFlow): round trips, resume
after a Stop and after kill -9, damaged files, concurrent readers, failing writes, the size report."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine.labs.bert import store as store_module
from engine.labs.bert.store import EmbeddingStore, text_key

DIM = 8
ROOT = Path(__file__).resolve().parents[2]


def _vector(key: bytes) -> np.ndarray:
    """A vector that is a function of its key, so any mix-up shows."""
    return np.frombuffer(key[:DIM], np.uint8).astype(np.float32) / 7.0 - 3.0


def _keys(n: int, prefix: str = "review") -> list[bytes]:
    return [text_key(f"{prefix} {i}") for i in range(n)]


def _fill(store: EmbeddingStore, keys: list[bytes], batch: int = 4) -> None:
    with store.writer() as writer:
        for i in range(0, len(keys), batch):
            chunk = keys[i : i + batch]
            writer.append(chunk, np.stack([_vector(k) for k in chunk]))


def _assert_found_exactly(store: EmbeddingStore, keys: list[bytes]) -> np.ndarray:
    lookup = store.read(keys)
    if lookup.vectors is None:
        assert not lookup.found.any()
        return lookup.found
    for key, found, vector in zip(keys, lookup.found, lookup.vectors, strict=True):
        if found:
            np.testing.assert_array_equal(vector, _vector(key))
    return lookup.found


def test_round_trip_in_any_order_and_missing_keys(tmp_path: Path) -> None:
    store = EmbeddingStore(tmp_path / "space", {"encoder": "test", "max_len": 55, "pooling": "mean"})
    keys = _keys(10)
    _fill(store, keys)
    asked = [*keys[::-1], text_key("never stored")]
    found = _assert_found_exactly(store, asked)
    assert found.tolist() == [True] * 10 + [False]
    assert [p.suffix for p in store.files()] == [".shard"]  # the journal was sealed on exit
    description = (tmp_path / "space" / "space.json").read_text(encoding="utf-8")
    assert '"dim": 8' in description and '"pooling": "mean"' in description
    assert store.read([]).found.size == 0
    assert not EmbeddingStore(tmp_path / "empty").read(keys).found.any()


def test_a_journal_is_sealed_into_shards_of_at_most_shard_rows(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "SHARD_ROWS", 6)
    store = EmbeddingStore(tmp_path / "space")
    _fill(store, _keys(15), batch=3)
    shards = list(store.folder.glob("*.shard"))
    assert len(shards) == 3  # 6 + 6 + 3
    assert not list(store.folder.glob("*.journal"))
    assert [r.vectors for r in store_module.report(tmp_path)] == [15]
    assert _assert_found_exactly(store, _keys(15)).all()


def test_a_stop_keeps_every_finished_batch(tmp_path: Path) -> None:
    store = EmbeddingStore(tmp_path)
    keys = _keys(20)

    class Stop(BaseException):
        pass

    with pytest.raises(Stop), store.writer() as writer:
        for i in range(0, 20, 4):
            if i == 12:
                raise Stop  # like JobCancelled: a BaseException between batches
            writer.append(keys[i : i + 4], np.stack([_vector(k) for k in keys[i : i + 4]]))
    found = _assert_found_exactly(store, keys)
    assert found.tolist() == [True] * 12 + [False] * 8
    assert not list(tmp_path.glob("*.journal"))


_WRITER = """
import sys, time
import numpy as np
sys.path.insert(0, {root!r})
from engine.labs.bert import store as store_module
from engine.labs.bert.store import EmbeddingStore, text_key
store_module.SHARD_ROWS = {shard_rows}
store = EmbeddingStore({folder!r})
with store.writer() as writer:
    for i in range(0, 10**6, 4):
        keys = [text_key(f"review {{j}}") for j in range(i, i + 4)]
        vectors = np.stack([np.frombuffer(k[:8], np.uint8).astype(np.float32) / 7.0 - 3.0 for k in keys])
        writer.append(keys, vectors)
        print(i + 4, flush=True)
        time.sleep({pause})
"""


def _start_writer(folder: Path, pause: float = 0.002, shard_rows: int = 4096) -> subprocess.Popen[str]:
    code = _WRITER.format(root=str(ROOT), folder=str(folder), pause=pause, shard_rows=shard_rows)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_kill_9_loses_at_most_the_batch_in_flight_and_the_next_writer_seals_it(tmp_path: Path) -> None:
    writer = _start_writer(tmp_path)
    assert writer.stdout is not None
    done = 0
    while done < 200:
        done = int(writer.stdout.readline())
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    journals = list(tmp_path.glob("*.journal"))
    assert len(journals) == 1  # left behind, unlocked now
    found = _assert_found_exactly(EmbeddingStore(tmp_path), _keys(done + 400))
    assert found[:done].all()  # every batch it reported is there (at most the next one more)
    assert found.sum() <= done + 4 + 4
    stored = int(found.sum())
    with EmbeddingStore(tmp_path).writer() as adopter:
        assert adopter.pending == 0
    assert not list(tmp_path.glob("*.journal")) and list(tmp_path.glob("*.shard"))
    assert int(_assert_found_exactly(EmbeddingStore(tmp_path), _keys(done + 400)).sum()) == stored


def test_a_live_writers_journal_is_read_but_never_sealed_by_another(tmp_path: Path) -> None:
    writer = _start_writer(tmp_path, pause=0.01)
    assert writer.stdout is not None
    try:
        done = int(writer.stdout.readline())
        while done < 40:
            done = int(writer.stdout.readline())
        with EmbeddingStore(tmp_path).writer() as other:
            other.append(_keys(2, "other"), np.stack([_vector(k) for k in _keys(2, "other")]))
        assert len(list(tmp_path.glob("*.journal"))) == 1  # the live one stays
        assert _assert_found_exactly(EmbeddingStore(tmp_path), _keys(done))[:done].all()
    finally:
        writer.kill()
        writer.wait(timeout=30)


def test_concurrent_readers_see_only_whole_correct_vectors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "SHARD_ROWS", 64)  # seal often while readers read
    store = EmbeddingStore(tmp_path)
    keys = _keys(2000)
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                lookup = EmbeddingStore(tmp_path).read(keys)
                assert not lookup.damaged, lookup.damaged  # nothing was damaged: none may be reported
                counts.append(int(_assert_found_exactly(EmbeddingStore(tmp_path), keys).sum()))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    writer = _start_writer(tmp_path, pause=0.0005, shard_rows=48)
    try:
        for round_ in range(5):  # a second writer in this process meanwhile, sealing often
            _fill(store, _keys(300, f"in-process {round_}"), batch=5)
        time.sleep(1.0)
    finally:
        writer.kill()
        writer.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors[0]
    assert len(counts) > 3 and max(counts) > 0
    assert len(list(tmp_path.glob("*.shard"))) > 3  # shards were sealed while the readers read
    assert not store.read(keys).damaged
    assert _assert_found_exactly(store, _keys(300, "in-process 4")).all()


def _only_shard(folder: Path) -> Path:
    (shard,) = folder.glob("*.shard")
    return shard


def test_a_flipped_vector_byte_is_detected_and_only_that_vector_is_missing(tmp_path: Path) -> None:
    store = EmbeddingStore(tmp_path)
    keys = _keys(8)
    _fill(store, keys)
    shard = _only_shard(tmp_path)
    data = bytearray(shard.read_bytes())
    data[-3] ^= 0x40  # inside the last vector
    shard.write_bytes(bytes(data))
    lookup = store.read(keys)
    assert lookup.found.tolist() == [True] * 7 + [False]
    assert len(lookup.damaged) == 1 and "1 vector(s) fail their checksum" in lookup.damaged[0]
    assert not shard.exists()  # deleted: what it held is embedded again when needed


@pytest.mark.parametrize("damage", ["truncate", "index", "header", "garbage", "empty"])
def test_a_damaged_shard_is_detected_as_a_whole(tmp_path: Path, damage: str) -> None:
    store = EmbeddingStore(tmp_path)
    keys = _keys(8)
    _fill(store, keys)
    shard = _only_shard(tmp_path)
    data = bytearray(shard.read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 100]
    elif damage == "index":
        data[60] ^= 1  # a key in the index
    elif damage == "header":
        data[9] = 0xFF  # the dim: absurd
    elif damage == "garbage":
        data = bytearray(os.urandom(len(data)))
    else:
        data = bytearray()
    shard.write_bytes(bytes(data))
    lookup = store.read(keys)
    assert not lookup.found.any() and len(lookup.damaged) == 1
    assert shard.name in lookup.damaged[0]
    assert not shard.exists()
    _fill(store, keys)  # embedded again
    assert _assert_found_exactly(store, keys).all()


def test_a_non_finite_vector_is_never_stored_or_read(tmp_path: Path) -> None:
    store = EmbeddingStore(tmp_path)
    with pytest.raises(ValueError, match="non-finite"), store.writer() as writer:
        writer.append(_keys(1), np.full((1, DIM), np.nan, np.float32))
    # A NaN with a valid checksum (written by hand) is damage too.
    store_module.write_shard(tmp_path, _keys(1), np.full((1, DIM), np.inf, np.float32))
    lookup = store.read(_keys(1))
    assert not lookup.found.any() and lookup.damaged


def test_a_failing_disk_turns_writing_off_once_and_the_work_goes_on(tmp_path: Path, monkeypatch) -> None:
    store = EmbeddingStore(tmp_path)
    keys = _keys(8)
    real_write = os.write
    calls = {"n": 0}

    def full_disk(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] > 2:  # the journal header and the first batch got through
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(store_module.os, "write", full_disk)
    with store.writer() as writer:
        for i in range(0, 8, 2):
            writer.append(keys[i : i + 2], np.stack([_vector(k) for k in keys[i : i + 2]]))
        assert "No space left on device" in writer.problem
    monkeypatch.setattr(store_module.os, "write", real_write)
    found = _assert_found_exactly(store, keys)
    assert found.tolist() == [True] * 2 + [False] * 6  # the batch written before the disk filled


def test_report_counts_vectors_and_bytes_and_clear_frees_them(tmp_path: Path, monkeypatch) -> None:
    from engine import caches

    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path / "cache"))
    root = store_module.store_root()
    _fill(EmbeddingStore(root / "a", {"encoder": "x", "max_len": 55, "pooling": "pooled"}), _keys(10))
    _fill(EmbeddingStore(root / "b", {"encoder": "x", "max_len": 32, "pooling": "mean"}), _keys(3))
    (root / "old-format.npy").write_bytes(b"\0" * 1000)  # a cache file of the earlier format
    spaces = store_module.report(root)
    assert [(s.description["max_len"], s.vectors) for s in spaces] == [(55, 10), (32, 3)]
    (status,) = [s for s in caches.all_statuses() if s.name == "bert-embeddings"]
    assert status.path == root and status.size_bytes == sum(s.size_bytes for s in spaces) + 1000
    assert status.detail == "10 vectors (x, max_len 55, pooled); 3 vectors (x, max_len 32, mean)"
    assert status.line().startswith("bert-embeddings: ")
    assert caches.clear("bert-embeddings") == status.size_bytes
    assert store_module.report(root) == [] and caches.folder_size(root) == 0
    assert store_module.describe() == "empty"


def test_the_cli_reports_the_cache_and_clears_it(tmp_path: Path, monkeypatch) -> None:
    import io

    from engine.cli import main

    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path / "cache"))
    _fill(EmbeddingStore(store_module.store_root() / "a", {"encoder": "x", "max_len": 55}), _keys(12))
    out, err = io.StringIO(), io.StringIO()
    assert main(["assets"], out, err) == 0
    assert "cache bert-embeddings: " in out.getvalue() and "12 vectors (x, max_len 55" in out.getvalue()
    out = io.StringIO()
    assert main(["assets", "--clear", "bert-embeddings"], out, err) == 0
    assert (
        out.getvalue() == "bert-embeddings: cleared, 913 B freed\n"
    )  # 12 vectors of 8, index, header, space.json
    assert store_module.describe() == "empty"
    assert main(["assets", "--clear", "nothing"], out, err) == 2
    assert "unknown cache 'nothing'; the caches are bert-embeddings" in err.getvalue()


def test_the_earlier_single_file_caches_are_removed_when_the_store_is_written(tmp_path: Path) -> None:
    old = tmp_path / "4f0c1e0b8a7d6c5b4a392817f6e5d4c3.npy"  # one .npy per list of texts, never read now
    old.write_bytes(b"\0" * 100)
    _fill(EmbeddingStore(tmp_path / "space"), _keys(2))
    assert not old.exists() and list((tmp_path / "space").glob("*.shard"))
