"""Backprop's practice hooks through real clicks and keys: a grade rings the suspect node on the
graph and puts the learner's number beside ours in the chain-rule panel; the prediction quiz asks
before each step, checks within 1e-3 and keeps the score of the pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtTest import QTest

from engine.graph.steps import fmt
from engine.labs import LABS
from gui.labs.backprop import BackpropLabWidget

SOLUTION = Path(__file__).resolve().parents[1] / "engine" / "practice_files" / "backprop_solution.py"


@pytest.fixture
def lab(qtbot, tmp_store, tmp_path, monkeypatch):
    monkeypatch.setenv("DLLAB_DATA_DIR", str(tmp_path / "data"))
    widget = BackpropLabWidget(LABS["backprop"], tmp_store)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.runner.stop_and_wait(5000)
    widget.practice.stop()


def _rings(lab) -> list[str]:
    return [
        node
        for node, item in lab.explorer.view.nodes.items()
        if any(child.data(0) == "practiceSuspect" for child in item.childItems())
    ]


def test_a_wrong_tanh_derivative_is_ringed_and_explained_on_the_graph(qtbot, lab):
    practice = lab.practice
    practice.editor.setPlainText(
        SOLUTION.read_text(encoding="utf-8").replace('(1 - d["tanh"] ** 2)', '(1 - d["tanh"])')
    )
    with qtbot.waitSignal(practice.sig_report_ready, timeout=60_000) as signal:
        QTest.mouseClick(practice.grade_button, Qt.MouseButton.LeftButton)
    details = signal.args[0].result("backward_propagation").details
    assert details["suspects"] == ["tanh"] and details["shown"]  # the row on screen was graded too
    assert _rings(lab) == ["tanh"]
    practice.results.checklist.setCurrentRow(2)
    assert "Show the suspect node(s) on the graph" in practice.results.details.toPlainText()
    practice.results.details.anchorClicked.emit(QUrl("graph:backward_propagation"))
    assert lab.views.currentWidget() is lab.explorer
    assert lab.explorer.state.step.node == "tanh_in"
    panel = lab.explorer.step_panel.text
    assert (
        f"Your backward_propagation: {fmt(details['step']['yours'])} · ours {fmt(details['step']['ours'])}"
        in panel
    )
    # Another row: the numbers no longer belong to the screen, the suspect stays.
    lab.session.set_row(5)
    assert "Grade again to see your numbers" in lab.explorer.step_panel.text
    assert _rings(lab) == ["tanh"]


def test_predict_the_next_step_quiz(qtbot, lab):
    explorer, quiz = lab.explorer, lab.quiz
    QTest.mouseClick(
        quiz.enabled_box, Qt.MouseButton.LeftButton, pos=QPoint(8, quiz.enabled_box.height() // 2)
    )
    assert quiz.active
    lab.activateWindow()
    explorer.view.setFocus()
    QTest.mouseClick(explorer.toolbar.widgetForAction(explorer.forward_action), Qt.MouseButton.LeftButton)
    assert explorer.walk.position == 0  # asked first, not revealed
    first = explorer.walk.forward_steps[0]
    assert quiz.question is not None and quiz.question.node == first.node
    QTest.keyClicks(quiz.answer, "abc")
    QTest.keyClick(quiz.answer, Qt.Key.Key_Return)
    assert "not a number" in quiz.feedback.text() and explorer.walk.position == 0
    quiz.answer.clear()
    QTest.keyClicks(quiz.answer, f"{first.result * (1 + 5e-4):.8g}")  # within 1e-3
    QTest.keyClick(quiz.answer, Qt.Key.Key_Return)
    assert explorer.walk.position == 1 and quiz.feedback.text().startswith("✓ Right")
    assert first.formula in quiz.feedback.text()
    second = explorer.walk.forward_steps[1]
    QTest.keyClicks(quiz.answer, f"{second.result * 1.01 + 1:.6g}")
    QTest.mouseClick(quiz.check_button, Qt.MouseButton.LeftButton)
    assert quiz.feedback.text().startswith("✗ Not quite") and explorer.walk.position == 2
    assert quiz.score_label.text() == "1 of 2 right this pass"
    QTest.mouseClick(quiz.skip_button, Qt.MouseButton.LeftButton)
    assert explorer.walk.position == 3 and quiz.score_label.text() == "1 of 2 right this pass"
    explorer.reset_action.trigger()
    assert quiz.score_label.text() == "no predictions yet this pass" and explorer.walk.position == 0
    QTest.mouseClick(
        quiz.enabled_box, Qt.MouseButton.LeftButton, pos=QPoint(8, quiz.enabled_box.height() // 2)
    )
    explorer.forward_action.trigger()
    assert explorer.walk.position == 1  # off again: steps reveal at once
