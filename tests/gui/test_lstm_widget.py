"""The LSTM lab's tab: no TensorFlow at construction, curves, IDF explorer, model diagram, a real run
feeding every view, Stop, and bad input named in the message bar."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QLabel

from engine.jobs import Cancelled, EpochEnded, Failed, Finished, Marker
from engine.labs import LABS
from engine.labs.lstm import scores as lstm_scores
from engine.text.idf import IdfTable
from gui.labs.lstm import ACCURACY_PLOT, LstmLabWidget, lstm_group
from tests.isolated import loaded_after

ROOT = Path(__file__).resolve().parents[2]
#: Engine-test sizes: 300 projects, a 4-unit LSTM, one epoch (seconds on 2 cores).
TINY = {
    "projects": 300,
    "epochs": 1,
    "text_length": 16,
    "embedding_dim": 8,
    "lstm_units": 4,
    "head_units": 16,
    "conv_filters": 4,
    "batch_size": 64,
}
ESSAYS = [
    "students love reading books",
    "students need math games",
    "students share stories reading",
    "students build robots math",
    "zebra quilt",
]


@pytest.fixture
def widget(qtbot, tmp_store):
    lab = LstmLabWidget(LABS["lstm"], tmp_store)
    qtbot.addWidget(lab)
    lab.show()
    yield lab
    lab.previews.stop_and_wait(10_000)
    lab.runner.stop_and_wait(10_000)


def fill(widget: LstmLabWidget, **values: object) -> None:
    for name, value in {**TINY, **values}.items():
        widget.form.set_value(name, value)


def test_the_tab_builds_without_importing_tensorflow():
    code = (
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from engine.labs import LABS\n"
        "from gui.labs.lstm import WIDGET\n"
        "w = WIDGET(LABS['lstm'], None); w.show(); app.processEvents()\n"
        "w.views.setCurrentIndex(0); app.processEvents()\n"
    )
    assert loaded_after(code) == []


def test_curves_group_loss_auc_and_accuracy(widget):
    assert lstm_group("val_loss") == lstm_group("loss") != lstm_group("auc") == lstm_group("val_auc")
    assert lstm_group("val_accuracy") == lstm_group("auc") == ACCURACY_PLOT
    widget.reset_views()
    for epoch in (1, 2):
        metrics = {
            "loss": 0.5,
            "val_loss": 0.45,
            "auc": 0.6 + epoch / 10,
            "val_auc": 0.7,
            "val_accuracy": 0.85,
        }
        widget.on_event(EpochEnded(epoch, metrics, 2))
    widget.on_event(Marker(2, "checkpoint", "val AUC 0.700: best weights saved"))
    assert len(widget.curves.plots) == 2
    assert widget.curves.points["auc"] == ([1, 2], [0.7, 0.8])
    assert widget.curves.marker_count == 1 and widget.timeline.count() == 1


def _majority_lines(widget: LstmLabWidget) -> list[float]:
    plot = widget.curves.plots[ACCURACY_PLOT]
    return [i.value() for i in plot.items if hasattr(i, "angle") and i.angle == 0]


def test_majority_warning_shows_as_soon_as_an_epoch_is_marked(widget):
    widget.reset_views()
    epochs = {1: 0.87, 2: 0.855, 3: 0.875}  # validation accuracy; epoch 2 is within a point of 0.85
    widget.on_event(lstm_scores.rate_marker(0.85, 600))
    assert widget.majority.isHidden()
    for epoch, accuracy in epochs.items():
        warning = lstm_scores.epoch_warning(epoch, accuracy, 0.85)
        if warning is not None:  # the engine sends it just before the epoch's metrics
            widget.on_event(warning)
            assert not widget.majority.isHidden()
            assert widget.majority.text() == f"⚠ Epoch {epoch}: {warning.text}"
            assert "0.855" in widget.majority.text()
        widget.on_event(EpochEnded(epoch, {"auc": 0.7, "val_accuracy": accuracy}, 3))
        assert widget.majority.isHidden() == (epoch != 2), epoch
        assert _majority_lines(widget) == [0.85]  # drawn once, with the first epoch's accuracy plot
    below = lstm_scores.epoch_warning(4, 0.849, 0.85)  # below the rate warns too
    assert below is not None
    widget.on_event(below)
    assert not widget.majority.isHidden()
    widget.reset_views()  # a new run starts clean (the plots may stay, their lines go)
    assert widget.majority.isHidden() and widget.majority.rate is None
    assert ACCURACY_PLOT not in widget.curves.plots or _majority_lines(widget) == []


def test_model_picker_explains_the_chosen_model(widget):
    widget.form.set_value("model", 3)
    assert widget.model_note.text().startswith("Model-3") and "Conv1D" in widget.model_note.text()


def test_idf_explorer_shows_the_engine_band_and_hands_it_to_the_form(widget):
    table = IdfTable.fit(ESSAYS)
    explorer = widget.explorer
    explorer.set_table(table, 0.0, 0.0)
    box = table.box()
    iqr = table.band().as_dict()
    assert explorer.band == iqr and (explorer.band["low"], explorer.band["high"]) == (box.q1, box.q3)
    assert (
        f"keeps {iqr['vocabulary_after']} of {iqr['vocabulary_before']} words" in explorer.kept_label.text()
    )
    # Dragging the band: the explorer reports exactly what the engine's band keeps (two decimals).
    explorer.region.setRegion((1.5, 2.0))
    dragged = table.band(1.5, 2.0)
    assert explorer.band == dragged.as_dict() and dragged.kept == ("math", "reading")
    assert explorer.common_label.text() == ", ".join(dragged.dropped_common) == "students"
    assert explorer.rare_label.text() == ", ".join(dragged.dropped_rare)
    assert (explorer.low_spin.value(), explorer.high_spin.value()) == (1.5, 2.0)
    explorer.use_button.click()
    values = widget.form.raw_values()
    assert (values["model"], values["idf_low"], values["idf_high"]) == (2, "1.5", "2.0")
    params = widget.form.params()
    assert (params.model, params.idf_low, params.idf_high) == (2, 1.5, 2.0)
    # The IQR goes to the form as 0/0 (the engine's own default), so the run uses the exact quartiles.
    explorer.reset_button.click()
    explorer.use_button.click()
    assert (widget.form.params().idf_low, widget.form.params().idf_high) == (0.0, 0.0)
    # A band between two idf values keeps no word: said in red, and it cannot be used.
    explorer.region.setRegion((1.3, 1.4))
    assert explorer.band["vocabulary_after"] == 0
    assert "No word is kept" in explorer.kept_label.text() and not explorer.use_button.isEnabled()


def layer(name, kind, branch, role, shape, trainable=0, frozen=0, inputs=()):
    return {"name": name, "type": kind, "branch": branch, "role": role, "shape": shape,
            "trainable_params": trainable, "frozen_params": frozen, "inputs": list(inputs)}  # fmt: skip


def test_diagram_places_branches_then_head_and_marks_the_frozen_embedding(widget):
    layers = [
        layer("essay", "InputLayer", "essay", "input", [None, 80]),
        layer("other", "InputLayer", "other", "input", [None, 45]),
        layer("essay_glove_frozen", "Embedding", "essay", "branch", [None, 80, 50], 0, 20300, ["essay"]),
        layer("other_flatten", "Flatten", "other", "branch", [None, 45], inputs=["other"]),
        layer("essay_flatten", "Flatten", "essay", "branch", [None, 4000], inputs=["essay_glove_frozen"]),
        layer(
            "concatenate",
            "Concatenate",
            "head",
            "concat",
            [None, 4045],
            inputs=["essay_flatten", "other_flatten"],
        ),
        layer("approved", "Dense", "head", "head", [None, 2], 8092, 0, ["concatenate"]),
    ]
    diagram = {"name": "model_3", "layers": layers, "branches": ["essay", "other"],
               "trainable_params": 8092, "frozen_params": 20300}  # fmt: skip
    widget.diagram.set_diagram(diagram, "hand-made")
    boxes = widget.diagram.boxes
    assert boxes["essay"].x() < boxes["other"].x() and boxes["essay"].y() == boxes["other"].y()
    assert boxes["essay_glove_frozen"].y() > boxes["essay"].y()
    assert (
        boxes["concatenate"].y() > boxes["essay_flatten"].y()
        and boxes["approved"].y() > boxes["concatenate"].y()
    )
    assert "FROZEN 20,300" in boxes["essay_glove_frozen"].text.toPlainText()
    assert "8,092 trainable" in boxes["approved"].text.toPlainText()
    assert widget.diagram.summary.text() == (
        "Model-3: 28,392 parameters = 8,092 trainable + 20,300 frozen · essay embedding: pretrained GloVe, FROZEN"
    )


def test_bad_form_values_are_named(widget):
    widget.form.set_value("learning_rate", "fast")
    widget.start_job()
    assert not widget.runner.running and "learning_rate" in widget.message_bar.label.text()
    widget.form.set_value("learning_rate", 0.001)
    widget.form.set_value("idf_low", 5.0)
    widget.form.set_value("idf_high", 2.0)
    widget.start_job()
    assert not widget.runner.running
    assert "idf_low 5 is above idf_high 2" in widget.message_bar.label.text()


def test_a_bad_csv_is_named_in_the_message_bar(qtbot, widget, tmp_path):
    (tmp_path / "train.csv").write_text("id,teacher_id,project_essay_1\np1,t1,hello\n")
    (tmp_path / "resources.csv").write_text("id,description,quantity,price\np1,pens,2,3.5\n")
    widget.form.set_value("data_dir", str(tmp_path))
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=30_000) as blocker:
        widget.start_job()
    assert isinstance(blocker.args[0], Failed)
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)
    text = widget.message_bar.label.text()
    assert (
        widget.message_bar.level == "error"
        and "train.csv: line 1 (header): missing column(s)" in text
        and "school_state" in text
    )


class BannerRecorder(QObject):
    """Records, after the widget handled each epoch, whether the banner shows and the rate line."""

    def __init__(self, widget: LstmLabWidget) -> None:
        super().__init__()
        self.widget = widget
        self.seen: dict[int, tuple[bool, list[float]]] = {}
        widget.runner.sig_event_received.connect(self.record)  # after the widget's own slot

    @Slot(object)
    def record(self, event: object) -> None:
        if isinstance(event, EpochEnded):
            self.seen[event.epoch] = (not self.widget.majority.isHidden(), _majority_lines(self.widget))


@pytest.mark.slow
def test_previews_then_a_real_run_fill_every_view(qtbot, widget):
    fill(widget, model=2, epochs=2)
    recorder = BannerRecorder(widget)
    # The IDF explorer and the Model tab fit / build in the background when shown.
    widget.views.setCurrentWidget(widget.explorer)
    qtbot.waitUntil(lambda: widget.explorer.table is not None, timeout=60_000)
    table = widget.explorer.table
    assert widget.explorer.band == table.band().as_dict()
    widget.views.setCurrentWidget(widget.diagram)
    qtbot.waitUntil(lambda: widget.previews.running, timeout=5_000)
    # Run while the diagram is still building: the run waits for it (seeded weights stay untouched).
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=120_000) as blocker:
        widget.run_button.click()
        assert not widget.runner.running and widget.progress.format() == "finishing a preview…"
    event = blocker.args[0]
    assert isinstance(event, Finished), getattr(event, "details", event)
    qtbot.waitUntil(lambda: not widget.runner.running and not widget.previews.running, timeout=20_000)
    result = event.result
    extra = dict(result.extra)
    for metric, values in result.history.items():
        assert widget.curves.points[metric] == (list(range(1, len(values) + 1)), values)
    roc = widget.roc_panel.roc.curves["Model-2"].getData()
    assert list(roc[0]) == extra["roc"]["fpr"] and list(roc[1]) == extra["roc"]["tpr"]
    assert f"AUC {result.test['auc']:.3f}" in widget.roc_panel.numbers.text()
    # The warning is shown once, in the banner above every view: not again in the message bar or the
    # ROC tab (it was three times).
    shown = [label.text() for label in widget.findChildren(QLabel) if label.isVisible()]
    shown.append(widget.message_bar.text)
    if extra["accuracy_warning"]:
        assert sum(extra["accuracy_warning"] in text for text in shown) == 1
    # Live: the banner showed in exactly the epochs the engine marked, the rate line from epoch 1;
    # after the run the banner states the test split's verdict.
    warned = {m.epoch for m in result.markers if m.kind == "majority_warning"}
    rate = extra["val_majority_rate"]
    assert recorder.seen == {e: (e in warned, [round(rate, 4)]) for e in (1, 2)}
    assert widget.majority.isHidden() == (not extra["accuracy_warning"])
    assert extra["accuracy_warning"] in widget.majority.text()
    rows = widget.results_table.values()
    assert rows["AUC"] == f"{result.test['auc']:.4f}"
    assert rows["essay embedding"] == extra["embedding"]["label"]
    band = extra["idf"]["band"]
    assert rows["idf band (Model-2)"].startswith(f"{band['low']:.2f} – {band['high']:.2f}")
    diagram = widget.diagram
    assert diagram.diagram == extra["model_diagram"] and "trained Model-2" in diagram.status.text()
    assert set(diagram.boxes) == {layer["name"] for layer in extra["model_diagram"]["layers"]}
    assert f"{extra['model_diagram']['trainable_params']:,} trainable" in diagram.summary.text()
    assert _majority_lines(widget) == [rate]  # moved to the exact rate

    # Live shapes: a size edited on the Model tab rebuilds the (untrained) diagram.
    widget.views.setCurrentWidget(widget.diagram)
    widget.form.set_value("lstm_units", 6)
    qtbot.waitUntil(lambda: "Built from the form" in widget.diagram.status.text(), timeout=60_000)
    lstm_layer = next(x for x in widget.diagram.diagram["layers"] if x["type"] == "LSTM")
    assert lstm_layer["shape"] == [None, TINY["text_length"], 6]
    assert "(None, 16, 6)" in widget.diagram.boxes["essay_lstm"].text.toPlainText()

    # Stop: a long run on the same data ends within a few seconds of the click.
    widget.form.set_value("epochs", 200)
    widget.start_job()
    qtbot.waitUntil(lambda: bool(widget.epoch_events), timeout=60_000)
    asked = time.monotonic()
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=20_000) as blocker:
        widget.stop_button.click()
    waited = time.monotonic() - asked
    assert isinstance(blocker.args[0], Cancelled) and waited < 10.0, waited
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)
    assert widget.message_bar.level == "warning" and len(widget.epoch_events) < 200


def test_closing_the_window_stops_a_preview_generating_the_table(qtbot, window):
    from gui.workers import LIVE_RUNNERS

    widget = window.show_tab("lstm")
    widget.form.set_value("projects", 50000)  # ~25 s to generate: a close that waited would show
    widget.form.set_value("seed", 11)
    widget.views.setCurrentWidget(widget.explorer)
    seen: list[str] = []
    widget.previews.sig_progress.connect(lambda _kind, text: seen.append(text))
    widget.refresh_previews()
    assert widget.previews.running
    # The first progress line of the preview job (generation, or cleaning when a table is cached):
    # polling the status label can miss a phase that ends between two polls.
    qtbot.waitUntil(lambda: bool(seen) and widget.previews.running, timeout=30_000)
    asked = time.monotonic()
    window.close()
    waited = time.monotonic() - asked
    assert not any(runner.running for runner in LIVE_RUNNERS)
    assert waited < 2.0, waited
