import json
import math
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from engine.jobs import Cancelled, CancelToken, EpochEnded, Failed, Finished, Started
from engine.params import build
from engine.runner import execute
from engine.runs import RunStore
from tests.fake_lab import FAKE_LAB, CounterParams

ROOT = Path(__file__).resolve().parents[2]


def test_finished_run_is_recorded_with_epochs_markers_and_final_metrics(tmp_store):
    events = []
    outcome = execute(FAKE_LAB, CounterParams(epochs=3), CancelToken(), events.append, tmp_store)
    assert isinstance(outcome, Finished)
    assert isinstance(events[0], Started) and events[-1] is outcome
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [1, 2, 3]
    (run,) = tmp_store.runs()
    assert run.status == "finished" and run.lab == "counter" and run.params["epochs"] == 3
    history = tmp_store.history(run.id)
    assert [v for _, v in history["loss"]] == [1.0, 0.5, 1 / 3]
    assert tmp_store.markers(run.id) == [(2, "checkpoint", "val_loss improved")]
    assert math.isclose(run.final_metrics["test_loss"], 1 / 3)


def test_failed_and_cancelled_runs_are_recorded(tmp_store):
    outcome = execute(
        FAKE_LAB, CounterParams(epochs=3, fail_at_epoch=2), CancelToken(), lambda e: None, tmp_store
    )
    assert isinstance(outcome, Failed) and outcome.message == "data.csv, row 2: not a number"
    token = CancelToken()

    def cancel_after_first_epoch(event):
        if isinstance(event, EpochEnded):
            token.cancel()

    outcome = execute(FAKE_LAB, CounterParams(epochs=5), token, cancel_after_first_epoch, tmp_store)
    assert isinstance(outcome, Cancelled) and outcome.epochs_done == 1
    statuses = {r.status for r in tmp_store.runs()}
    assert statuses == {"failed", "cancelled"}
    cancelled = next(r for r in tmp_store.runs() if r.status == "cancelled")
    assert len(tmp_store.history(cancelled.id)["loss"]) == 1


def test_killed_process_leaves_completed_epochs_readable(tmp_path):
    db = tmp_path / "runs.sqlite"
    script = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from engine.jobs import CancelToken
        from engine.runner import execute
        from engine.runs import RunStore
        from tests.fake_lab import FAKE_LAB, CounterParams
        execute(FAKE_LAB, CounterParams(epochs=10, kill_at_epoch=4), CancelToken(), lambda e: None,
                RunStore({str(db)!r}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 9, proc.stderr
    store = RunStore(db)
    (run,) = store.runs()
    assert run.status == "interrupted"
    assert [epoch for epoch, _ in store.history(run.id)["loss"]] == [1, 2, 3]
    store.close()


def test_export_csv_and_delete(tmp_store, tmp_path):
    execute(FAKE_LAB, CounterParams(epochs=2), CancelToken(), lambda e: None, tmp_store)
    run_id = tmp_store.runs()[0].id
    out = tmp_path / "runs.csv"
    assert tmp_store.export_csv([run_id], out) == 4  # 2 epochs × (loss, val_loss)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("run_id,lab,seed,status,params,epoch,metric,value")
    assert (
        json.loads(lines[1].split(",", 4)[4].rsplit(",", 3)[0].strip('"').replace('""', '"'))["epochs"] == 2
    )
    tmp_store.delete_run(run_id)
    assert tmp_store.runs() == [] and tmp_store.history(run_id) == {}


def test_cancel_takes_effect_within_one_second(tmp_store):
    import threading

    token = CancelToken()
    params = build(CounterParams, {"epochs": 1000, "step_seconds": 0.01})
    result = {}
    worker = threading.Thread(
        target=lambda: result.setdefault("o", execute(FAKE_LAB, params, token, lambda e: None))
    )
    worker.start()
    time.sleep(0.3)
    asked = time.monotonic()
    token.cancel()
    worker.join(5)
    assert not worker.is_alive() and time.monotonic() - asked < 1.0
    assert isinstance(result["o"], Cancelled)


def test_store_is_reopened_by_a_second_connection(tmp_path):
    first = RunStore(tmp_path / "r.sqlite")
    run_id = first.start_run("counter", {"epochs": 1}, 3)
    first.add_epoch(run_id, 1, {"loss": float("nan"), "acc": 0.5})
    second = RunStore(tmp_path / "r.sqlite")
    assert second.run(run_id).status == "running"  # this process is alive
    points = second.history(run_id)
    assert math.isnan(points["loss"][0][1]) and points["acc"] == [(1, 0.5)]
    first.close()
    second.close()
