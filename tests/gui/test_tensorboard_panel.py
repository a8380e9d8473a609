"""The TensorBoard panel every Keras lab shares: present where the lab logs, the command to view a
run's logs and all runs, the install hint only while the viewer is missing, Copy via a real click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from engine.labs import LABS
from engine.tensorboard_logs import lab_log_root
from gui.labs import make_lab_widget
from gui.widgets import tensorboard_panel
from gui.widgets.tensorboard_panel import TensorBoardPanel

KERAS_LABS = ("callbacks", "text_cnn", "lstm", "transfer", "bert")


@pytest.mark.parametrize("lab", [*KERAS_LABS, "backprop"])
def test_every_keras_lab_has_the_one_panel_and_a_tensorboard_switch_on_by_default(qtbot, tmp_store, lab):
    widget = make_lab_widget(LABS[lab], tmp_store)
    qtbot.addWidget(widget)
    try:
        tabs = [widget.views.tabText(i) for i in range(widget.views.count())]
        if lab == "backprop":  # pure numpy, no Keras: no logs to show
            assert widget.tensorboard is None and "TensorBoard" not in tabs
            return
        assert isinstance(widget.tensorboard, TensorBoardPanel) and tabs.count("TensorBoard") == 1
        assert widget.form.params().tensorboard is True
        label = widget.form.layout().labelForField(widget.form.editors["tensorboard"])
        assert label.text() == "TensorBoard"
        assert str(lab_log_root(lab)) in widget.tensorboard.text.text()
        assert not widget.tensorboard.copy_button.isEnabled()  # no run yet
    finally:
        stop = getattr(widget, "stop_explorer_jobs", None)
        if callable(stop):
            stop()
        widget.runner.stop_and_wait(10_000)


def test_a_runs_folder_and_command_and_the_install_hint_only_when_needed(qtbot, monkeypatch):
    panel = TensorBoardPanel("lstm")
    qtbot.addWidget(panel)
    monkeypatch.setattr(tensorboard_panel, "viewer_installed", lambda: False)
    panel.show_logs("/runs/x/tensorboard")
    text = panel.text.text()
    assert "not installed with this app" in text and ".venv/bin/pip install tensorboard" in text
    assert text.index("pip install") < text.index("--logdir &quot;/runs/x/tensorboard&quot;")
    assert "readable by TensorBoard 2.21" in text and "epoch_loss" in text
    assert panel.copy_button.isEnabled()
    QTest.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == '.venv/bin/tensorboard --logdir "/runs/x/tensorboard"'
    QTest.mouseClick(panel.copy_all_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == f'.venv/bin/tensorboard --logdir "{lab_log_root("lstm")}"'

    monkeypatch.setattr(tensorboard_panel, "viewer_installed", lambda: True)
    panel.show_logs("/runs/y")
    assert "not installed" not in panel.text.text() and "/runs/y" in panel.text.text()
    panel.show_logs("")
    assert "no TensorBoard logs" in panel.text.text() and not panel.copy_button.isEnabled()
