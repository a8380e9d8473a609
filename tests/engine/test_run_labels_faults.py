"""Run names, notes and the trash on a store that is read-only, fills up, or is damaged: every failure is
one StoreError naming the file and the reason (never an SQLite traceback), a read-only store is shown as
it is (an old one without names, a newer one with them), and a store set aside is replaced by a fresh
one that carries names again."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from engine.jobs import CancelToken
from engine.run_migrations import LATEST
from engine.runner import execute
from engine.runs import RunStore, StoreError
from tests import capabilities
from tests.engine.test_run_labels import old_store
from tests.engine.test_run_store_faults import _FullDisk
from tests.fake_lab import FAKE_LAB, CounterParams

needs_capabilities = pytest.mark.skipif(not capabilities.AVAILABLE, reason="capabilities are Linux-only")


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _user_version(path):
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder made read-only after the test's setup (even for root, inside ``capabilities``)."""
    folder = tmp_path / "data"
    folder.mkdir()
    yield folder
    os.chmod(folder, 0o755)


def _lock(folder):
    for path in folder.iterdir():
        os.chmod(path, 0o444)
    os.chmod(folder, 0o555)


def _refused(store, run_id):
    """Every label and trash write on a store that is not written fails with the store's problem."""
    for write in (
        lambda: store.set_label(run_id, name="x"),
        lambda: store.trash_runs([run_id]),
        lambda: store.restore_runs([run_id]),
    ):
        with pytest.raises(StoreError, match=r"runs are not being saved: the run store .*cannot be written"):
            write()
    assert store.empty_trash() == 0  # nothing this process could have trashed


@needs_capabilities
def test_an_old_read_only_store_shows_its_runs_without_names_and_is_not_migrated(read_only_folder):
    path = old_store(read_only_folder / "runs.sqlite")
    _lock(read_only_folder)
    before = _digest(path)
    with capabilities.without_dac_override():
        store = RunStore(path)
        try:
            assert not store.writable and "earlier runs are shown read-only" in store.problem
            (run,) = store.runs()  # the label columns are missing: the runs show, unnamed
            assert (run.lab, run.seed, run.name, run.note) == ("counter", 7, "", "")
            assert [v for _, v in store.history(run.id)["loss"]] == [1.0, 0.5]
            _refused(store, run.id)
        finally:
            store.close()
    assert _digest(path) == before and _user_version(path) == 0  # read-only means untouched


@needs_capabilities
def test_a_read_only_store_with_names_shows_them_and_keeps_its_trash_hidden(read_only_folder):
    path = read_only_folder / "runs.sqlite"
    store = RunStore(path)
    for name in ("kept", "trashed"):
        execute(FAKE_LAB, CounterParams(epochs=2), CancelToken(), lambda e: None, store, name=name, note="n")
    store.trash_runs([2])
    store.close()
    _lock(read_only_folder)
    with capabilities.without_dac_override():
        store = RunStore(path)
        try:
            assert not store.writable
            assert [(r.id, r.name, r.note) for r in store.runs()] == [(1, "kept", "n")]
            _refused(store, 1)
        finally:
            store.close()


def test_a_migration_that_cannot_write_opens_the_store_read_only(tmp_path, monkeypatch):
    import engine.runs

    def busy(db):
        raise sqlite3.OperationalError("database is locked")  # another process held the write lock

    monkeypatch.setattr(engine.runs, "migrate", busy)
    store = RunStore(old_store(tmp_path / "runs.sqlite"))
    try:
        assert not store.writable and "(database is locked)" in store.problem
        assert [r.name for r in store.runs()] == [""]
        with pytest.raises(StoreError, match="database is locked"):
            store.set_label(1, name="x")
    finally:
        store.close()


def test_labels_on_a_full_disk_are_store_errors_and_the_trash_is_all_or_none(tmp_store):
    for _ in range(3):
        execute(FAKE_LAB, CounterParams(epochs=1), CancelToken(), lambda e: None, tmp_store)
    ids = [1, 2, 3]
    tmp_store._db = _FullDisk(tmp_store._db, fail_from=1)
    with pytest.raises(
        StoreError, match=r"could not save the run's name and note in the run store .*disk is full"
    ):
        tmp_store.set_label(1, name="x")
    assert "disk is full" in tmp_store.problem  # the window's bar says it too
    tmp_store._db = _FullDisk(tmp_store._db.db, fail_from=3)  # BEGIN, the first UPDATE, then full
    with pytest.raises(StoreError, match="could not move runs to the trash"):
        tmp_store.trash_runs(ids)
    tmp_store._db = tmp_store._db.db
    assert [r.id for r in tmp_store.runs()] == [3, 2, 1]  # rolled back: none half-deleted
    assert tmp_store.trash_runs(ids) == ids


def _damage_the_runs_table(path):
    """Overwrite the runs table's root page: every statement that walks the table finds damage."""
    db = sqlite3.connect(path)
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name='runs'").fetchone()
    (page_size,) = db.execute("PRAGMA page_size").fetchone()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\x5a" * page_size
    path.write_bytes(bytes(data))


def test_trash_on_a_damaged_store_then_the_fresh_store_carries_names(tmp_path, monkeypatch):
    import engine.run_store_open as opening

    path = tmp_path / "runs.sqlite"
    store = RunStore(path)
    for seed in range(40):  # params large enough for the runs table to span several pages
        run_id = store.start_run("counter", {"seed": seed, "pad": "p" * 400}, seed, name=f"run {seed}")
        store.finish_run(run_id, "finished")
    store.close()
    _damage_the_runs_table(path)
    monkeypatch.setattr(opening, "QUICK_CHECK_MAX_BYTES", 0)  # opened unchecked, as a large store is
    store = RunStore(path)
    try:
        assert store.writable
        with pytest.raises(StoreError, match=r"could not move runs to the trash.*when the app next starts"):
            store.trash_runs([1, 2])
        with pytest.raises(StoreError, match="could not read the runs"):
            store.runs()
    finally:
        store.close()
    fresh = RunStore(path)  # checked in full now: set aside, and a new store made
    try:
        assert fresh.problem is not None and "moved aside as runs.sqlite.corrupt-" in fresh.problem
        assert fresh.runs() == [] and _user_version(path) == LATEST
        execute(
            FAKE_LAB, CounterParams(epochs=1), CancelToken(), lambda e: None, fresh, name="after", note="n"
        )
        (run,) = fresh.runs()
        assert (run.name, run.note) == ("after", "n")
        assert fresh.trash_runs([run.id]) == [run.id] and fresh.runs() == []
        assert fresh.restore_runs([run.id]) == [run.id]
    finally:
        fresh.close()


@pytest.mark.parametrize("damage", [b"garbage" * 500, b""])
def test_a_store_moved_aside_at_open_is_replaced_by_a_migrated_one(tmp_path, damage):
    path = tmp_path / "runs.sqlite"
    if damage:
        path.write_bytes(damage)
    else:
        path.mkdir()  # a folder in its place
    store = RunStore(path)
    try:
        assert store.problem is not None and "moved aside" in store.problem
        assert _user_version(path) == LATEST
        run_id = store.start_run("counter", {}, 0, name="  first \n run ", note="kept")
        assert (store.run(run_id).name, store.run(run_id).note) == ("first run", "kept")
    finally:
        store.close()


def test_the_runs_command_warns_about_a_store_set_aside_and_answers_a_failed_read_in_one_line(
    tmp_path, monkeypatch
):
    from tests.engine.test_run_labels import run_cli

    monkeypatch.setenv("DLLAB_DATA_DIR", str(tmp_path))
    (tmp_path / "runs.sqlite").write_bytes(b"garbage" * 500)
    code, out, err = run_cli("runs")
    assert code == 0 and out == "no runs recorded yet\n"
    assert err.startswith("warning: the run store ") and "moved aside as runs.sqlite.corrupt-" in err
    assert err.count("\n") == 1

    def unreadable(self, lab=None):
        raise StoreError(f"could not read the runs in the run store {self.path} (disk I/O error)")

    monkeypatch.setattr(RunStore, "runs", unreadable)
    code, out, err = run_cli("runs", "--json")
    assert (code, out) == (1, "") and err == (
        f"error: could not read the runs in the run store {tmp_path / 'runs.sqlite'} (disk I/O error)\n"
    )
