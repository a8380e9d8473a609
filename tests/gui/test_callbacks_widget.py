"""The callbacks lab's tab: model picker, live events, layer views, compare overlay, a real run and Stop."""

from __future__ import annotations

import csv
import math
import time

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.jobs import BatchProgress, Cancelled, EpochEnded, Finished, Marker
from engine.labs import LABS
from engine.labs.callbacks import LayerStatsRecorded
from engine.labs.callbacks.data import generate_rings
from gui.labs.callbacks import SCREENSHOT_EPOCHS, CallbacksLabWidget


@pytest.fixture
def widget(qtbot, tmp_store):
    lab = CallbacksLabWidget(LABS["callbacks"], tmp_store)
    qtbot.addWidget(lab)
    lab.show()
    yield lab
    lab.runner.stop_and_wait(10_000)


def layer(name: str, norm: float, flag: str) -> dict:
    hist = {"edges": [0.0, 0.5, 1.0], "counts": [3, 1], "non_finite": 0}
    return {
        "name": name,
        "weights": hist,
        "gradients": hist,
        "weight_norm": 1.0,
        "grad_norm": norm,
        "flag": flag,
    }


def test_model_picker_fills_the_form_and_fields_stay_editable(widget):
    widget.form.set_value("model", 1)
    values = widget.form.raw_values()
    assert (values["activation"], values["initializer"], values["optimizer"]) == (
        "tanh",
        "random_uniform_0_1",
        "sgd_momentum",
    )
    assert "Model-1" in widget.preset_note.text()
    widget.form.set_value("activation", "elu")
    assert widget.form.params().config().activation == "elu"


def test_events_draw_curves_markers_and_layer_views(widget):
    widget.reset_views()
    widget.on_event(BatchProgress(1, 5, 10, {"loss": 0.9}))
    for epoch in (1, 2):
        widget.on_event(
            LayerStatsRecorded(epoch, (layer("hidden_1", 1e-9, "vanishing"), layer("output", 0.1, "ok")))
        )
        widget.on_event(
            EpochEnded(epoch, {"loss": 0.7, "val_loss": 0.69, "f1": 0.6, "auc": 0.7, "lr": 0.01}, 2)
        )
    widget.on_event(Marker(1, "checkpoint", "val_accuracy improved"))
    widget.on_event(Marker(2, "lr_decay", "LR 0.01→0.009"))
    assert widget.curves.points["batch_loss"] == ([0.5], [0.9])
    assert (
        widget.curves.group_of("f1") == widget.curves.group_of("auc")
        and widget.curves.group_of("batch_loss") == "loss"
    )
    assert widget.curves.marker_count == 2 and widget.timeline.count() == 2
    assert widget.layers.slider.maximum() == 2 and widget.layers.slider.value() == 2
    assert widget.layers.norms.values == [1e-9, 0.1]
    assert "hidden_1: vanishing" in widget.layers.flags_label.text()
    widget.layers.slider.setValue(1)
    assert widget.layers.epoch_label.text() == "1 of 2"


def test_zero_and_non_finite_gradient_norms_are_labelled_not_drawn_at_minus_30(widget):
    widget.reset_views()
    layers = (
        layer("hidden_1", 1e-9, "vanishing"),
        layer("hidden_2", 0.0, "zero"),
        layer("hidden_3", float("nan"), "non-finite"),
        layer("output", 0.1, "ok"),
    )
    widget.on_event(LayerStatsRecorded(1, layers))
    norms = widget.layers.norms
    assert norms.heights == [pytest.approx(-9.0), None, None, pytest.approx(-1.0)]
    assert norms.off_scale == {1: "0 (no gradient)", 2: "NaN/inf"}
    drawn = [item for item in norms.getPlotItem().items if isinstance(item, pg.BarGraphItem)]
    off_scale_heights = [float(item.opts["height"][0]) for item in drawn if len(item.opts["x"]) == 1]
    assert off_scale_heights == [-10.0, -10.0]  # just below the lowest real bar, not log10(1e-30)
    texts = [
        item.textItem.toPlainText() for item in norms.getPlotItem().items if isinstance(item, pg.TextItem)
    ]
    assert sorted(texts) == ["0 (no gradient)", "NaN/inf"]
    assert "hidden_2: 0 (no gradient)" in widget.layers.flags_label.text()
    # A redraw replaces the labels rather than piling them up.
    widget.on_event(LayerStatsRecorded(2, (layer("hidden_1", 0.5, "ok"), layer("hidden_2", 0.0, "zero"))))
    texts = [item for item in norms.getPlotItem().items if isinstance(item, pg.TextItem)]
    assert len(texts) == 1 and norms.heights == [pytest.approx(math.log10(0.5)), None]


def test_learning_rate_is_drawn_as_a_step_held_over_each_epoch(widget):
    widget.reset_views()
    for epoch, lr in enumerate((0.01, 0.01, 0.0095, 0.00855), start=1):
        widget.on_event(EpochEnded(epoch, {"loss": 0.7, "lr": lr}, 4))
    assert widget.curves.points["lr"] == ([1, 2, 3, 4], [0.01, 0.01, 0.0095, 0.00855])  # the source
    x, y = widget.curves.curves["lr"].getData()
    # Epoch e's rate spans [e − 1, e]; the decays after epochs 2 and 3 are vertical jumps there.
    assert list(x) == [0, 1, 1, 2, 2, 3, 3, 4]
    assert list(y) == pytest.approx([0.01, 0.01, 0.01, 0.01, 0.0095, 0.0095, 0.00855, 0.00855])
    x_loss, _ = widget.curves.curves["loss"].getData()
    assert list(x_loss) == [1, 2, 3, 4]  # other metrics stay one point per epoch


def test_compare_overlays_the_newest_finished_run_of_each_model(widget, tmp_store):
    ids = {}
    for model, status in ((1, "finished"), (3, "finished"), (3, "finished"), (2, "cancelled")):
        run_id = tmp_store.start_run("callbacks", {"model": model}, 0)
        tmp_store.add_epoch(run_id, 1, {"val_accuracy": 0.5 + model / 100, "loss": 0.7, "lr": 0.01})
        tmp_store.finish_run(run_id, status)
        ids.setdefault(model, []).append(run_id)
    widget.compare.load()
    assert widget.compare.shown == {1: ids[1][0], 3: ids[3][1]}
    assert widget.compare.curves.points["Model-3 val_accuracy"] == ([1], [0.53])
    x, y = widget.compare.curves.curves["Model-3 lr"].getData()
    assert (list(x), list(y)) == ([0, 1], [0.01, 0.01])
    assert "Model-1 loss" not in widget.compare.curves.points  # only the compared metrics


@pytest.fixture
def tiny_csv(tmp_path):
    x, y = generate_rings(100, seed=2)
    path = tmp_path / "tiny.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["f1", "f2", "label"])
        writer.writerows(zip(x[:, 0], x[:, 1], y, strict=True))
    return path


@pytest.mark.slow
def test_a_real_run_plots_each_epoch_and_every_decision(qtbot, widget, tiny_csv, tmp_path):
    for name, value in (
        ("data_path", str(tiny_csv)),
        ("epochs", 2),
        ("batch_size", 16),
        ("output_dir", str(tmp_path)),
    ):
        widget.form.set_value(name, value)
    widget.form.set_value("early_stopping", False)
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=120_000) as blocker:
        widget.start_job()
    result = blocker.args[0]
    assert isinstance(result, Finished), getattr(result, "details", result)
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)
    assert [e.epoch for e in widget.epoch_events] == [1, 2]
    assert list(widget.curves.points["val_accuracy"][0]) == [1, 2]
    assert widget.curves.marker_count == len(result.result.markers) == widget.timeline.count() > 0
    assert len(widget.layers.records) == 2
    assert widget.tensorboard.copy_button.isEnabled() and str(tmp_path) in widget.tensorboard.text.text()
    names = [layer["name"] for layer in result.result.extra["model_diagram"]["layers"]]
    assert list(widget.model_diagram.boxes) == names and names[0] == "features" and names[-1] == "output"
    assert widget.compare.shown == {3: widget.compare.shown[3]}


@pytest.mark.slow
def test_stop_works_mid_epoch(qtbot, widget, tmp_store):
    # Batches of 8 on the embedded data's 19,000 training rows: 2,375 steps, seconds an epoch; the
    # 1,000 validation rows keep the validation Keras still runs after a stop short.
    widget.form.set_value("batch_size", 8)
    widget.form.set_value("val_fraction", 0.05)
    batches: list[BatchProgress] = []
    widget.runner.sig_event_received.connect(
        lambda event: batches.append(event) if isinstance(event, BatchProgress) else None
    )
    widget.start_job()
    qtbot.waitUntil(lambda: "batch_loss" in widget.curves.points, timeout=120_000)
    asked = time.monotonic()
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=10_000) as blocker:
        widget.stop_button.click()
    assert time.monotonic() - asked < 3.0
    assert isinstance(blocker.args[0], Cancelled)
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)
    # Stopped inside epoch 1: no batch of a later epoch, epoch 1's last batch never reached, and at
    # most the partial epoch 1 (which Keras still validates) reported.
    assert batches and {b.epoch for b in batches} == {1}
    assert batches[-1].batch < batches[-1].total_batches == 2375
    assert [e.epoch for e in widget.epoch_events] in ([], [1])
    (run,) = tmp_store.runs("callbacks")
    assert run.status == "cancelled"
    assert {epoch for values in tmp_store.history(run.id).values() for epoch, _ in values} <= {1}


@pytest.mark.slow
def test_screenshot_run_matches_the_form_and_ends_done(widget, tiny_csv):
    widget.form.set_value("data_path", str(tiny_csv))  # the screenshot run takes the form's settings
    widget.form.set_value("batch_size", 16)
    widget.prepare_screenshot("layers")
    assert widget.form.raw_values()["model"] == 1
    assert widget.form.raw_values()["epochs"] == SCREENSHOT_EPOCHS == widget.epoch_events[-1].total_epochs
    assert widget.result is not None and 1 <= len(widget.epoch_events) <= SCREENSHOT_EPOCHS
    assert widget.progress.format() == "done"
    assert widget.progress.value() == widget.progress.maximum() > 0
    assert widget.views.currentWidget() is widget.layers and widget.layers.slider.value() == 1


def test_a_new_run_forgets_the_previous_runs_tensorboard_folder(qtbot, widget, monkeypatch):
    widget.tensorboard.show_logs("/runs/old/tensorboard")
    assert "/runs/old" in widget.tensorboard.text.text() and widget.tensorboard.copy_button.isEnabled()
    monkeypatch.setattr(widget.runner, "start", lambda spec, params: None)  # no training needed here
    QTest.mouseClick(widget.run_button, Qt.MouseButton.LeftButton)
    assert (
        "/runs/old" not in widget.tensorboard.text.text() and "in progress" in widget.tensorboard.text.text()
    )
    assert not widget.tensorboard.copy_button.isEnabled()
