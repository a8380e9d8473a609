"""The run store under faults: damaged, read-only, unreachable and full stores never stop a run or the app."""

from __future__ import annotations

import os
import sqlite3

import pytest

from engine.jobs import CancelToken, Finished, LogLine
from engine.runner import execute
from engine.runs import MAX_STORED_CHARS, RunStore, StoreError
from tests import capabilities
from tests.fake_lab import FAKE_LAB, CounterParams

needs_capabilities = pytest.mark.skipif(not capabilities.AVAILABLE, reason="capabilities are Linux-only")


def _store_with_runs(path, runs=3, epochs=30):
    store = RunStore(path)
    for _ in range(runs):
        execute(FAKE_LAB, CounterParams(epochs=epochs), CancelToken(), lambda e: None, store)
    store.close()


def _random_bytes(path):
    path.write_bytes(os.urandom(8192))


def _truncated(path):
    _store_with_runs(path)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _damaged_page(path):
    _store_with_runs(path, runs=20)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 2 + 600] = b"\x5a" * 600  # a b-tree page, header of the file intact
    path.write_bytes(bytes(data))


def _folder(path):
    path.mkdir()
    (path / "inside.txt").write_text("x")


def _pipe(path):
    os.mkfifo(path)


def _symlink_loop(path):
    os.symlink(path, path)


DAMAGE = {
    "random bytes": _random_bytes,
    "truncated": _truncated,
    "damaged page": _damaged_page,
    "a folder": _folder,
    "a named pipe": _pipe,
    "a symlink loop": _symlink_loop,
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_store_is_moved_aside_and_recreated(tmp_path, case):
    path = tmp_path / "runs.sqlite"
    DAMAGE[case](path)
    before = path.read_bytes() if path.is_file() else None
    store = RunStore(path)
    try:
        assert store.writable
        assert store.problem is not None and "moved aside as runs.sqlite.corrupt-" in store.problem
        assert "Error" not in store.problem  # words, not a Python exception name
        (aside,) = [p for p in tmp_path.iterdir() if p.name.startswith("runs.sqlite.corrupt-")]
        if before is not None:
            assert aside.read_bytes() == before  # kept for the user, byte for byte
        assert store.runs() == []
        outcome = execute(FAKE_LAB, CounterParams(epochs=2), CancelToken(), lambda e: None, store)
        assert isinstance(outcome, Finished) and store.runs()[0].status == "finished"
    finally:
        store.close()
    again = RunStore(path)
    assert again.problem is None and len(again.runs()) == 1  # the fresh store is sound
    again.close()


def test_a_sound_store_reports_nothing(tmp_path):
    _store_with_runs(tmp_path / "runs.sqlite")
    store = RunStore(tmp_path / "runs.sqlite")
    assert store.problem is None and store.writable and len(store.runs()) == 3
    store.close()


@needs_capabilities
def test_a_read_only_store_shows_old_runs_and_records_nothing(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    _store_with_runs(folder / "runs.sqlite", runs=2)
    os.chmod(folder / "runs.sqlite", 0o444)
    os.chmod(folder, 0o555)
    events = []
    try:
        with capabilities.without_dac_override():
            store = RunStore(folder / "runs.sqlite")
            assert not store.writable
            assert store.problem.startswith("runs are not being saved: the run store")
            assert "earlier runs are shown read-only" in store.problem
            assert len(store.runs()) == 2
            outcome = execute(FAKE_LAB, CounterParams(epochs=3), CancelToken(), events.append, store)
            with pytest.raises(StoreError, match="not being saved"):
                store.delete_run(1)
            store.close()
    finally:
        os.chmod(folder, 0o755)
    assert isinstance(outcome, Finished)
    assert not [e for e in events if isinstance(e, LogLine)]  # said once, at open, not per run
    assert len(RunStore(folder / "runs.sqlite").runs()) == 2


@needs_capabilities
def test_a_data_folder_that_cannot_be_created_gives_an_empty_unsaved_store(tmp_path):
    os.chmod(tmp_path, 0o555)
    try:
        with capabilities.without_dac_override():
            store = RunStore(tmp_path / "data" / "runs.sqlite")
            assert not store.writable and "Permission denied" in store.problem
            assert store.runs() == []
            outcome = execute(FAKE_LAB, CounterParams(epochs=2), CancelToken(), lambda e: None, store)
            store.close()
    finally:
        os.chmod(tmp_path, 0o755)
    assert isinstance(outcome, Finished)


class _FullDisk:
    """Wraps the store's connection: writes fail (SQLITE_FULL) from the ``fail_from``-th statement on,
    until ``fail_until`` (None: for good), as on a disk that fills up and maybe gets room again."""

    def __init__(self, db, fail_from, fail_until=None):
        self.db, self.calls, self.fail_from, self.fail_until = db, 0, fail_from, fail_until

    def _maybe_fail(self, sql):
        if sql.lstrip().upper().startswith(("SELECT", "ROLLBACK")):
            return
        self.calls += 1
        if self.calls >= self.fail_from and (self.fail_until is None or self.calls < self.fail_until):
            raise sqlite3.OperationalError("database or disk is full")

    def execute(self, sql, *args):
        self._maybe_fail(sql)
        return self.db.execute(sql, *args)

    def executemany(self, sql, *args):
        self._maybe_fail(sql)
        return self.db.executemany(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


def test_a_disk_that_fills_mid_run_stops_recording_once_and_the_run_finishes(tmp_store):
    tmp_store._db = _FullDisk(tmp_store._db, fail_from=8)
    events = []
    outcome = execute(FAKE_LAB, CounterParams(epochs=20), CancelToken(), events.append, tmp_store)
    assert isinstance(outcome, Finished) and len(outcome.result.history["loss"]) == 20
    warnings = [e for e in events if isinstance(e, LogLine)]
    assert len(warnings) == 1 and warnings[0].level == "warning"
    assert "database or disk is full" in warnings[0].text and "recording stopped" in warnings[0].text
    assert tmp_store.problem is not None and "disk is full" in tmp_store.problem
    tmp_store._db = tmp_store._db.db
    (run,) = tmp_store.runs()
    assert 0 < len(tmp_store.history(run.id)["loss"]) < 20  # the epochs before the failure are kept


def test_a_disk_with_room_again_records_how_the_run_ended(tmp_store):
    tmp_store._db = _FullDisk(tmp_store._db, fail_from=5, fail_until=6)
    events = []
    outcome = execute(FAKE_LAB, CounterParams(epochs=10), CancelToken(), events.append, tmp_store)
    assert isinstance(outcome, Finished)
    assert len([e for e in events if isinstance(e, LogLine)]) == 1
    (run,) = tmp_store.runs()
    assert run.status == "finished" and "recording stopped after epoch 10" in run.message


def test_a_store_that_fails_at_the_start_runs_unrecorded_with_one_warning(tmp_store):
    tmp_store._db = _FullDisk(tmp_store._db, fail_from=1)
    events = []
    outcome = execute(FAKE_LAB, CounterParams(epochs=3), CancelToken(), events.append, tmp_store)
    assert isinstance(outcome, Finished)
    warnings = [e for e in events if isinstance(e, LogLine)]
    assert len(warnings) == 1 and "this run is not recorded" in warnings[0].text
    assert events.index(warnings[0]) == 1  # right after Started


def test_stored_messages_and_markers_are_capped(tmp_store):
    run_id = tmp_store.start_run("counter", {}, 0)
    tmp_store.add_marker(run_id, 1, "note", "m" * 1_000_000)
    tmp_store.finish_run(run_id, "failed", {}, "x" * 5_000_000)
    (run,) = tmp_store.runs()
    assert len(run.message) < MAX_STORED_CHARS + 40 and run.message.endswith("(5,000,000 characters)")
    assert len(tmp_store.markers(run_id)[0][2]) < MAX_STORED_CHARS + 40


def test_a_failed_read_is_a_store_error_with_the_file(tmp_store):
    tmp_store._db.execute("DROP TABLE metrics")
    with pytest.raises(StoreError, match=r"could not read a run's metrics in the run store .*runs.sqlite"):
        tmp_store.history(1)


def test_export_is_written_whole_or_not_at_all(tmp_store, tmp_path):
    execute(FAKE_LAB, CounterParams(epochs=2), CancelToken(), lambda e: None, tmp_store)
    target = tmp_path / "out.csv"
    target.write_text("previous export\n")
    with pytest.raises(KeyError):
        tmp_store.export_csv([1, 99], target)
    assert target.read_text() == "previous export\n"
    assert tmp_store.export_csv([1], target) == 4


def test_a_large_store_is_checked_after_damage_was_seen(tmp_path, monkeypatch):
    import engine.run_store_open as opening

    path = tmp_path / "runs.sqlite"
    _store_with_runs(path, runs=20)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    monkeypatch.setattr(opening, "QUICK_CHECK_MAX_BYTES", 0)  # as if the store were large
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 800] = b"\xa5" * 800  # a b-tree page overwritten (fixed: no flakiness)
    path.write_bytes(bytes(data))
    store = RunStore(path)  # no quick_check on a large store: opens, damage unseen yet
    assert store.problem is None
    with pytest.raises(StoreError, match="when the app next starts"):
        for run in store.runs():
            store.history(run.id)
            store.markers(run.id)
    store.close()
    assert opening.damage_flag(path).exists()
    again = RunStore(path)  # now checked in full, and set aside
    assert again.problem is not None and "moved aside" in again.problem
    assert not opening.damage_flag(path).exists()
    again.close()
