"""The training-lab base through its real signals: Stop, Results, Decisions, view switching by keyboard,
the foldable explanation and settings column, and the hint on empty curves."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from engine.jobs import Cancelled, Finished, LabResult, Marker
from gui.widgets.results_table import plain_metric_name
from gui.widgets.settings_column import EXPLANATION_FOLDED
from gui.widgets.training_lab import TrainingLabWidget
from tests.fake_lab import FAKE_LAB


@pytest.fixture
def lab(qtbot, tmp_store):
    widget = TrainingLabWidget(FAKE_LAB, tmp_store)
    qtbot.addWidget(widget)
    widget.resize(1280, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.runner.stop_and_wait(5000)


def test_after_stop_the_progress_bar_says_stopped_and_shows_the_completed_epochs(qtbot, lab):
    lab.form.set_value("epochs", 400)
    lab.form.set_value("step_seconds", 0.01)
    QTest.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(lab.epoch_events) >= 2, timeout=30_000)
    QTest.mouseClick(lab.stop_button, Qt.MouseButton.LeftButton)
    # The thread may be done a moment before its last (queued) events reach the widget.
    qtbot.waitUntil(lambda: not lab.runner.running and lab.ended is not None, timeout=30_000)
    qtbot.waitUntil(lambda: lab.progress.format() != "stopping…", timeout=5000)
    cancelled = lab.ended
    assert isinstance(cancelled, Cancelled), cancelled
    assert lab.progress.format() == f"stopped after {cancelled.epochs_done} of 400 epochs"
    assert lab.progress.value() == round(1000 * cancelled.epochs_done / 400)
    assert lab.progress.maximum() == 1000  # not left in the busy indicator


def test_a_finished_run_fills_the_bar_and_a_new_one_starts_empty(qtbot, lab):
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=10_000):
        QTest.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not lab.runner.running, timeout=5000)
    assert (lab.progress.format(), lab.progress.value()) == ("done", 1000)


def test_results_use_plain_names_under_the_labs_heading_with_the_key_as_tooltip(qtbot, lab):
    result = LabResult(
        test={"val_accuracy": 0.5, "max_abs_f1_minus_val_accuracy": 0.25, "auc": 0.75},
        artifacts={"checkpoint": "/tmp/x.keras"},
    )
    lab.runner.sig_event_received.emit(Finished(result))
    names = lab.results_table.names()
    assert names == [
        FAKE_LAB.test_scope,
        "validation accuracy",
        "largest gap between micro-F1 and validation accuracy",
        "AUC",
        "Files",
        "checkpoint",
    ]
    assert lab.results_table.item(1, 0).toolTip() == "key: val_accuracy"
    assert not any("_" in name for name in names)


@pytest.mark.parametrize(
    ("key", "plain"),
    [
        ("val_loss", "validation loss"),
        ("best_val_accuracy", "best validation accuracy"),
        ("micro_f1", "micro-F1"),
        ("loss_rmsprop", "final loss, RMSProp"),
        ("majority_rate", "majority-class rate"),
        ("some_new_key", "some new key"),
    ],
)
def test_plain_metric_names(key, plain):
    assert plain_metric_name(key) == plain


def test_decisions_keep_the_marker_colour_as_a_swatch_and_text_in_the_theme_colour(lab):
    lab.runner.sig_event_received.emit(Marker(3, "lr_decay", "LR 0.01→0.009: val acc fell"))
    item = lab.timeline.item(0)
    assert item.text() == "epoch 3 · lr decay: LR 0.01→0.009: val acc fell"
    assert not item.icon().isNull()
    assert item.foreground().style() == Qt.BrushStyle.NoBrush  # the palette's text colour


def test_ctrl_tab_cycles_the_views_from_anywhere_in_the_lab(qtbot, lab):
    lab.activateWindow()
    lab.form.editors["epochs"].setFocus()
    qtbot.waitUntil(lambda: lab.form.editors["epochs"].hasFocus(), timeout=2000)
    start = lab.views.currentIndex()
    QTest.keyClick(lab.form.editors["epochs"], Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert lab.views.currentIndex() == (start + 1) % lab.views.count()
    QTest.keyClick(
        lab.form.editors["epochs"],
        Qt.Key.Key_Backtab,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert lab.views.currentIndex() == start
    QTest.keyClick(lab.form.editors["epochs"], Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert lab.views.currentIndex() == (start + 1) % lab.views.count()


def test_the_settings_column_folds_away_with_its_button_and_f9(qtbot, lab):
    width = lab.views.width()
    QTest.mouseClick(lab.settings_button, Qt.MouseButton.LeftButton)
    assert not lab.settings_column.isVisible()
    qtbot.waitUntil(lambda: lab.views.width() > width + 200, timeout=2000)
    lab.views.setFocus()
    QTest.keyClick(lab.views, Qt.Key.Key_F9)
    assert lab.settings_column.isVisible() and lab.settings_action.isChecked()
    assert lab.run_button.isVisible()


def test_the_explanation_folds_and_every_lab_remembers_it(qtbot, lab, tmp_store):
    text = lab.explanation.content
    assert text.isVisible()
    QTest.mouseClick(lab.explanation.toggle, Qt.MouseButton.LeftButton)
    assert not text.isVisible() and QSettings().value(EXPLANATION_FOLDED, type=bool)
    other = TrainingLabWidget(FAKE_LAB, tmp_store)
    qtbot.addWidget(other)
    other.show()
    assert not other.explanation.expanded and not other.explanation.content.isVisible()
    lab.explanation.toggle.setFocus()
    QTest.keyClick(lab.explanation.toggle, Qt.Key.Key_Space)
    assert text.isVisible()


def test_empty_curves_say_what_will_appear_until_the_first_point(qtbot, lab):
    hint = lab.curves.empty_hint
    assert hint is not None and hint.isVisible() and "Press Run" in hint.text()
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=10_000):
        QTest.mouseClick(lab.run_button, Qt.MouseButton.LeftButton)
    assert not hint.isVisible()
