"""Run names, notes and the trash: the migration of stores written before them, labels through the
runner and the CLI, and Delete that can be undone until the trash is emptied."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from engine import cli
from engine.jobs import CancelToken
from engine.labs import LABS
from engine.run_labels import MAX_NAME_CHARS, MAX_NOTE_CHARS
from engine.run_migrations import LATEST
from engine.runner import execute
from engine.runs import RunStore
from tests.fake_lab import FAKE_LAB, CounterParams

#: The runs table as the first version wrote it (before names, notes and the trash).
VERSION_0 = """
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, lab TEXT NOT NULL, params TEXT NOT NULL,
    seed INTEGER NOT NULL, status TEXT NOT NULL, started REAL NOT NULL, ended REAL, pid INTEGER,
    final_metrics TEXT NOT NULL DEFAULT '{}', message TEXT NOT NULL DEFAULT '');
CREATE TABLE metrics (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL, name TEXT NOT NULL, value REAL, PRIMARY KEY (run_id, epoch, name));
INSERT INTO runs (lab, params, seed, status, started, ended, final_metrics)
    VALUES ('counter', '{"epochs": 2}', 7, 'finished', 1.0, 2.0, '{"loss": 0.5}');
INSERT INTO metrics VALUES (1, 1, 'loss', 1.0), (1, 2, 'loss', 0.5);
"""


def run_once(store, **labels):
    execute(FAKE_LAB, CounterParams(epochs=2), CancelToken(), lambda e: None, store, **labels)
    return store.runs()[0]


def old_store(path):
    db = sqlite3.connect(path)
    db.executescript(VERSION_0)
    db.close()
    return path


def test_an_old_store_is_migrated_and_keeps_its_runs(tmp_path):
    store = RunStore(old_store(tmp_path / "runs.sqlite"))
    (run,) = store.runs()
    assert (run.lab, run.seed, run.name, run.note) == ("counter", 7, "", "")
    assert [v for _, v in store.history(run.id)["loss"]] == [1.0, 0.5]
    store.set_label(run.id, name="baseline", note="before the change")
    new = run_once(store, name="second")
    store.close()
    reopened = RunStore(tmp_path / "runs.sqlite")  # a second open finds the columns there already
    assert [(r.id, r.name) for r in reopened.runs()] == [(new.id, "second"), (run.id, "baseline")]
    assert reopened._db.execute("PRAGMA user_version").fetchone()[0] == LATEST
    reopened.close()


def test_an_old_store_that_cannot_be_written_shows_its_runs_unlabelled(tmp_path, monkeypatch):
    import engine.runs

    def read_only(db):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(engine.runs, "migrate", read_only)
    store = RunStore(old_store(tmp_path / "runs.sqlite"))
    assert not store.writable and "attempt to write a readonly database" in store.problem
    (run,) = store.runs()
    assert run.name == run.note == "" and run.seed == 7
    assert store.empty_trash() == 0
    store.close()


def test_names_are_one_line_and_labels_are_capped(tmp_store):
    run = run_once(tmp_store)
    tmp_store.set_label(run.id, name="  lr 0.1\n  with   momentum ", note="  why:\nthe loss plateaued  ")
    run = tmp_store.run(run.id)
    assert (run.name, run.note) == ("lr 0.1 with momentum", "why:\nthe loss plateaued")
    tmp_store.set_label(run.id, note="")  # None leaves the name as it is
    assert tmp_store.run(run.id).name == "lr 0.1 with momentum" and tmp_store.run(run.id).note == ""
    tmp_store.set_label(run.id, name="n" * 500, note="x" * 5000)
    run = tmp_store.run(run.id)
    assert len(run.name) == MAX_NAME_CHARS and len(run.note) == MAX_NOTE_CHARS
    with pytest.raises(KeyError, match="no run with id 999"):
        tmp_store.set_label(999, name="x")


def test_delete_goes_to_the_trash_and_can_be_undone(tmp_store):
    first, second = run_once(tmp_store, name="a"), run_once(tmp_store, name="b")
    assert tmp_store.trash_runs([first.id, 12345]) == [first.id]
    assert [r.id for r in tmp_store.runs()] == [second.id]
    with pytest.raises(KeyError):
        tmp_store.run(first.id)
    assert tmp_store.restore_runs([first.id]) == [first.id]
    assert {r.id for r in tmp_store.runs()} == {first.id, second.id}
    assert tmp_store.run(first.id).name == "a"
    assert tmp_store.history(first.id)  # nothing was lost on the way


def test_empty_trash_deletes_this_process_and_ended_processes_trash_only(tmp_store):
    mine, others, orphaned, kept = (run_once(tmp_store) for _ in range(4))
    tmp_store.trash_runs([mine.id])
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(ended.stdout)
    alive_pid = os.getppid()  # another app, still open: its trash stays undoable
    tmp_store._db.execute("UPDATE runs SET trashed_by=? WHERE id=?", (alive_pid, others.id))
    tmp_store._db.execute("UPDATE runs SET trashed_by=? WHERE id=?", (dead_pid, orphaned.id))
    assert tmp_store.empty_trash() == 2
    assert tmp_store.history(mine.id) == {}  # the metrics went with the run
    assert tmp_store.restore_runs([mine.id, orphaned.id, others.id]) == [others.id]
    assert {r.id for r in tmp_store.runs()} == {others.id, kept.id}


def test_a_running_run_is_not_moved_to_the_trash(tmp_store):
    run_id = tmp_store.start_run("counter", {}, 0)
    assert tmp_store.trash_runs([run_id]) == []
    assert tmp_store.run(run_id).status == "running"


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    return cli.main(list(args), out, err), out.getvalue(), err.getvalue()


def test_run_name_and_note_reach_the_store_and_the_json(monkeypatch):
    monkeypatch.setitem(LABS, "counter", FAKE_LAB)
    code, out, err = run_cli(
        "run", "counter", "--epochs", "2", "--json", "--name", "first try", "--note", "seed 0, default lr"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["name"] == "first try" and document["note"] == "seed 0, default lr"
    assert list(document)[:9] == [
        *("lab", "params", "seed", "history", "markers", "test", "artifacts"),
        *("name", "note"),
    ]
    store = RunStore()
    newest = store.runs("counter")[0]
    store.close()
    assert (newest.name, newest.note) == ("first try", "seed 0, default lr")
    code, out, err = run_cli("run", "counter", "--epochs", "1", "--json", "--no-record")
    assert "name" not in json.loads(out)  # only when set; the lab's own "note" is left alone
    assert json.loads(out)["note"] == "fake"


def test_an_overlong_name_is_a_usage_error(monkeypatch):
    monkeypatch.setitem(LABS, "counter", FAKE_LAB)
    code, out, err = run_cli("run", "counter", "--name", "x" * 201)
    assert code == 2 and out == ""
    assert "--name takes at most 200 characters, got 201" in err


def test_runs_lists_names_and_notes_and_hides_the_trash(monkeypatch):
    monkeypatch.setitem(LABS, "counter", FAKE_LAB)
    code, _, err = run_cli(
        "run", "counter", "--epochs", "1", "--name", "kept", "--note", "line one\nline two"
    )
    assert code == 0, err
    code, _, err = run_cli("run", "counter", "--epochs", "1", "--name", "deleted")
    store = RunStore()
    newest = store.runs("counter")[:2]  # other tests of this session recorded counter runs too
    kept, deleted = (next(r for r in newest if r.name == name) for name in ("kept", "deleted"))
    store.trash_runs([deleted.id])
    store.close()
    code, out, err = run_cli("runs", "counter", "--json")
    assert code == 0, err
    listed = json.loads(out)["runs"]
    mine = [r for r in listed if r["id"] in (kept.id, deleted.id)]
    assert [(r["id"], r["name"], r["note"], r["status"]) for r in mine] == [
        (kept.id, "kept", "line one\nline two", "finished")
    ]
    assert {"id", "lab", "status", "seed", "started", "ended", "params", "final_metrics"} <= set(mine[0])
    code, out, err = run_cli("runs", "counter")
    line = next(line for line in out.splitlines() if line.startswith(f"#{kept.id} "))
    assert line.startswith(f"#{kept.id} counter · finished · ") and line.endswith("  kept")
    assert "    note: line one line two" in out
    code, out, err = run_cli("runs", "nosuchlab")
    assert code == 2 and "unknown lab 'nosuchlab'" in err
