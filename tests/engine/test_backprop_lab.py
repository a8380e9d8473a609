"""The backprop lab's run: the optimizer race as the GUI, the CLI and the tests see it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from engine.graph import OPTIMIZER_NAMES, initial_weights, make_optimizer
from engine.jobs import CancelToken, EpochEnded, JobCancelled, LogLine, Marker
from engine.labs import backprop
from engine.labs.backprop import LAB, OPTIMIZERS, Params
from engine.params import ParamError, build
from tests.isolated import loaded_after

ROOT = Path(__file__).resolve().parents[2]


def run(settings=None, token=None):
    events: list = []
    result = LAB.run(build(Params, settings or {}), token or CancelToken(), events.append)
    return result, events


@pytest.fixture(scope="module")
def default_race():
    """The assignment's race as assigned: SGD, momentum and Adam, 100 epochs, batch size 1."""
    return run()


def test_adam_and_momentum_end_below_vanilla_sgd_on_the_default_data(default_race):
    result, _ = default_race
    final = result.test
    assert set(final) == {"loss_sgd", "loss_momentum", "loss_adam"}
    assert final["loss_adam"] < final["loss_sgd"] and final["loss_momentum"] < final["loss_sgd"]
    for key, losses in result.history.items():
        assert len(losses) == 100 and losses[-1] < losses[0], key  # every optimizer learns something
    assert final["loss_adam"] < 0.015  # down to the noise floor (σ² = 0.01) of the embedded data


def test_one_epoch_event_per_epoch_with_every_optimizers_loss(default_race):
    result, events = default_race
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    assert [e.epoch for e in epochs] == list(range(1, 101))
    assert all(e.total_epochs == 100 for e in epochs)
    assert all(set(e.metrics) == set(result.history) for e in epochs)
    assert [e.metrics["loss_adam"] for e in epochs] == result.history["loss_adam"]
    assert any(isinstance(e, LogLine) and "embedded" in e.text for e in events)
    kinds = {m.kind for m in result.markers}
    assert "best" in kinds and "reached" in kinds
    assert all(isinstance(m, Marker) for m in result.markers)


def test_markers_are_emitted_and_returned_in_epoch_order(default_race):
    result, events = default_race
    reached = {m.text.split()[0]: m.epoch for m in result.markers if m.kind == "reached"}
    # The lanes run sgd, momentum, adam; the default race has adam reach the target before momentum,
    # so lane order is not epoch order and the sort is exercised.
    assert reached["adam"] < reached["momentum"]
    for markers in (list(result.markers), [e for e in events if isinstance(e, Marker)]):
        epochs = [m.epoch for m in markers]
        assert epochs == sorted(epochs)
    assert [e for e in events if isinstance(e, Marker)] == list(result.markers)


def test_a_live_diverged_marker_is_sorted_into_the_result():
    result, events = run({"epochs": 3, "optimizers": "sgd,adam", "sgd_lr": 1000.0})
    kinds = [m.kind for m in result.markers]
    assert kinds[0] == "diverged" and kinds[-1] == "best"
    assert [m.epoch for m in result.markers] == sorted(m.epoch for m in result.markers)
    assert set(result.markers) == {e for e in events if isinstance(e, Marker)}


def test_extra_holds_initial_and_final_weights_as_plain_json(default_race):
    result, _ = default_race
    extra = result.extra
    assert extra["weight_names"] == [f"w{i}" for i in range(1, 10)]
    initial = np.array(extra["initial_weights"])
    assert initial.shape == (9,) and 0 < initial.std() < 0.05  # N(0, 0.01²)
    assert extra["initial_weights"] == initial_weights(9, seed=0, std=0.01)  # what a preview shows
    assert set(extra["final_weights"]) == {"sgd", "momentum", "adam"}
    assert all(len(w) == 9 for w in extra["final_weights"].values())
    json.dumps(extra, allow_nan=False)


def test_the_race_is_bit_for_bit_reproducible_and_the_seed_matters():
    settings = {"epochs": 3, "optimizers": "sgd,nesterov,adagrad,rmsprop,adam"}
    first, _ = run(settings)
    second, _ = run(settings)
    assert first.history == second.history
    assert first.extra["final_weights"] == second.extra["final_weights"]
    other, _ = run({**settings, "seed": 1})
    assert other.extra["initial_weights"] != first.extra["initial_weights"]
    assert other.history != first.history


def test_mini_batches_run_the_vectorised_path():
    result, events = run({"epochs": 2, "batch_size": 32, "optimizers": "momentum,adam", "adam_lr": 0.01})
    assert set(result.history) == {"loss_momentum", "loss_adam"}
    assert all(np.isfinite(v) for losses in result.history.values() for v in losses)
    assert any(isinstance(e, LogLine) and "batches of 32" in e.text for e in events)


def test_a_diverging_optimizer_gets_a_marker_and_nan_losses():
    result, events = run({"epochs": 3, "optimizers": "sgd,adam", "sgd_lr": 1000.0})
    assert result.extra["diverged_at"]["sgd"] == 1
    assert np.isnan(result.history["loss_sgd"]).all()
    assert any(isinstance(e, Marker) and e.kind == "diverged" and "sgd" in e.text for e in events)


def test_cancel_after_the_first_event_and_mid_epoch():
    token = CancelToken()

    def emit(event):
        if isinstance(event, EpochEnded):
            token.cancel()

    with pytest.raises(JobCancelled):
        LAB.run(build(Params, {"epochs": 50}), token, emit)

    # Cancelling before training starts stops at the first per-sample step, inside the epoch.
    token = CancelToken()
    seen: list = []

    def cancel_on_log(event):
        seen.append(event)
        if isinstance(event, LogLine) and event.text.startswith("Training"):
            token.cancel()

    with pytest.raises(JobCancelled):
        LAB.run(build(Params, {"epochs": 50}), token, cancel_on_log)
    assert not any(isinstance(e, EpochEnded) for e in seen)


def test_params_validate_optimizers_and_ranges():
    with pytest.raises(ParamError, match="'adamw' is not one of"):
        build(Params, {"optimizers": "sgd,adamw"})
    with pytest.raises(ParamError, match="each may appear once"):
        build(Params, {"optimizers": "sgd,sgd"})
    with pytest.raises(ParamError, match="batch_size"):
        build(Params, {"batch_size": 0})
    defaults = Params()
    assert (defaults.epochs, defaults.batch_size, defaults.optimizers) == (
        100,
        1,
        ("sgd", "momentum", "adam"),
    )
    assert defaults.momentum_mu == 0.9 and (defaults.adam_beta1, defaults.adam_beta2, defaults.eps) == (
        0.9,
        0.999,
        1e-8,
    )


def test_every_optimizer_hyper_parameter_has_a_field():
    assert OPTIMIZERS == OPTIMIZER_NAMES
    fields = {f.name for f in dataclasses.fields(Params)}
    for name in OPTIMIZER_NAMES:
        keys = tuple(make_optimizer(name).hyper)
        hyper = backprop.optimizer_hyper(Params(), name, keys)
        assert set(hyper) == set(keys)
        assert all(("eps" if key == "eps" else f"{name}_{key}") in fields for key in keys)
        assert hyper == dict(make_optimizer(name).hyper)  # the form's defaults are the rule's defaults


def test_a_user_file_is_used_and_a_bad_one_is_named(tmp_path):
    good = tmp_path / "rows.csv"
    rng = np.random.default_rng(0)
    table = np.column_stack([rng.normal(size=(20, 5)), rng.normal(size=20)])
    good.write_text("f1,f2,f3,f4,f5,y\n" + "\n".join(",".join(map(str, r)) for r in table))
    result, _ = run({"epochs": 1, "data_path": str(good)})
    assert result.extra["data"]["rows"] == 20
    bad = tmp_path / "bad.csv"
    bad.write_text("f1,f2\n1,2\n")
    with pytest.raises(ValueError, match=r"bad\.csv: line 1 \(header\): missing column\(s\) f3"):
        run({"epochs": 1, "data_path": str(bad)})


def test_the_lab_module_is_light_and_the_run_needs_no_tensorflow():
    assert LAB.needs_tensorflow is False
    assert loaded_after("import engine.labs.backprop") == []
    code = (
        "import engine.labs.backprop as lab\n"
        "from engine.jobs import CancelToken\n"
        "from engine.params import build\n"
        "lab.LAB.run(build(lab.Params, {'epochs': 1}), CancelToken(), lambda e: None)\n"
    )
    assert loaded_after(code) == []


def test_each_epoch_reports_the_loss_after_it_by_default_or_the_running_mean():
    from engine.graph import assignment_graph
    from engine.labs.backprop import data as backprop_data

    after, events = run({"epochs": 3, "optimizers": "sgd,adam"})
    during, _ = run({"epochs": 3, "optimizers": "sgd,adam", "epoch_loss": "during"})
    assert Params().epoch_loss == "after" and after.extra["epoch_loss"] == "after"
    assert any(isinstance(e, LogLine) and "loss over the data after" in e.text for e in events)
    # Same training either way: only the reported number differs.
    assert after.extra["final_weights"] == during.extra["final_weights"]
    graph, data = assignment_graph(), backprop_data.embedded()
    for name, weights in after.extra["final_weights"].items():
        feeds = {n: data.column(n) for n in graph.inputs} | dict(zip(graph.weights, weights, strict=True))
        assert after.history[f"loss_{name}"][-1] == pytest.approx(
            float(np.mean(graph.evaluate(feeds))), rel=1e-12
        )
        assert during.history[f"loss_{name}"][-1] != after.history[f"loss_{name}"][-1]
    with pytest.raises(ParamError, match="epoch_loss"):
        build(Params, {"epoch_loss": "sometimes"})


def test_a_stopped_race_says_what_its_completed_epochs_give():
    token = CancelToken()
    epochs_seen: list[int] = []

    def stop_in_the_third_epoch(event):
        if isinstance(event, EpochEnded):
            epochs_seen.append(event.epoch)
            if event.epoch == 2:
                token.cancel()  # checked at the next per-sample step: inside epoch 3

    with pytest.raises(JobCancelled) as info:
        LAB.run(build(Params, {"epochs": 50}), token, stop_in_the_third_epoch)
    partial = info.value.partial
    assert partial is not None and partial.extra["epochs_done"] == 2 and epochs_seen == [1, 2]
    two_epochs, _ = run({"epochs": 2})
    assert partial.extra["final_weights"] == two_epochs.extra["final_weights"]  # every lane rolled back
    assert partial.test == two_epochs.test and dict(partial.history) == dict(two_epochs.history)
    json.dumps(dict(partial.extra))


def test_the_runner_hands_the_partial_result_to_the_cancelled_event():
    from engine.jobs import Cancelled
    from engine.runner import execute

    token = CancelToken()
    events: list = []

    def sink(event):
        events.append(event)
        if isinstance(event, EpochEnded) and event.epoch == 1:
            token.cancel()

    outcome = execute(LAB, build(Params, {"epochs": 10}), token, sink)
    assert isinstance(outcome, Cancelled) and events[-1] is outcome
    assert outcome.epochs_done == 1 and outcome.partial is not None
    assert outcome.partial.extra["epochs_done"] == 1
