"""Backprop tab at awkward inputs and custom graphs (issue 14 items 4 and 19), the graders' row (issue 17
item 2) and the gradient check at a large ε (issue 14 item 18), driven through the real widgets."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from engine.graph.graders import GRADER_EXPECTED, WHY_CONSTRUCTED, graders_row
from engine.labs import LABS
from gui.labs.backprop import BackpropLabWidget


@pytest.fixture
def lab(qtbot, tmp_store, monkeypatch):
    def no_dialog(*args, **kwargs):
        raise AssertionError(f"a message box was opened: {args[1:3]}")

    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, no_dialog)
    widget = BackpropLabWidget(LABS["backprop"], tmp_store)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.runner.stop_and_wait(5000)


def _type_expression(explorer, text: str) -> None:
    explorer.expression.setFocus()
    explorer.expression.selectAll()
    QTest.keyClicks(explorer.expression, text)
    QTest.keyClick(explorer.expression, Qt.Key.Key_Return)


def _type_into(box, text: str) -> None:
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), text)
    QTest.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_division_by_zero_is_explained_on_the_node_and_every_panel_agrees(qtbot, lab):
    """Issue: x1 / (w1 − 0.1) at w1 = 0.1 opened a ZeroDivisionError dialog, and the weights panel
    showed the new graph while the canvas kept the old one (pytest-qt fails on a slot's exception)."""
    explorer = lab.explorer
    _type_expression(explorer, "x1 / (w1 - 0.1)")
    graph = lab.session.graph
    assert set(explorer.view.nodes) == set(graph.order)  # canvas …
    assert set(explorer.inputs.weight_boxes) == {"w1"} and lab.session.weights["w1"] == 0.1  # … and inputs
    note = explorer.undefined_label
    assert not note.isHidden() and "division by zero" in note.text() and "out" in note.text()
    while explorer.forward_action.isEnabled():
        QTest.keyClick(explorer.view, Qt.Key.Key_F)
    item = explorer.view.nodes["out"]
    assert item.value_text == "= inf" and item.problem == "division by zero"
    assert "dividing" in item.toolTip()
    assert "division by zero" in explorer.step_panel.text
    QTest.keyClick(explorer.view, Qt.Key.Key_B)
    QTest.keyClick(explorer.view, Qt.Key.Key_B)
    # The gradient check sees the same graph and says why it cannot judge.
    assert [row.name for row in lab.check.weight_check.rows] == ["w1"]
    assert lab.check.weights_table.item(0, 4).text() == "n/a: not a number"
    assert "not finite" in lab.check.weights_summary.text()
    # Moving off the pole clears every explanation.
    _type_into(explorer.inputs.weight_boxes["w1"], "0.2")
    assert note.isHidden() and item.problem == "" and explorer.view.nodes["out"].value_text != "= inf"
    assert lab.check.weights_table.item(0, 4).text().startswith("pass")


def test_log_of_a_negative_number_is_explained(qtbot, lab):
    explorer, session = lab.explorer, lab.session
    row = next(i for i in range(session.data.rows) if session.data.X[i, 0] < 0)
    _type_into(explorer.inputs.row_box, str(row))
    _type_expression(explorer, "log(x1 * w1) + w2")
    assert "log of a negative number" in explorer.undefined_label.text()
    explorer.seek(len(explorer.walk.forward_steps))
    log_node = next(n for n in session.graph.order if session.graph.nodes[n].op == "log")
    assert explorer.view.nodes[log_node].problem == "log of a negative number"
    assert explorer.view.nodes["out"].problem == f"from {log_node}"
    assert math.isnan(explorer.state.values["out"])


def test_a_custom_expression_names_its_own_output_and_the_assignment_button_clears_the_box(qtbot, lab):
    """Issue: custom expressions said ∂L/∂node with no loss node; the box kept stale text."""
    explorer = lab.explorer
    _type_expression(explorer, "tanh(w1*x1 + w2) * w3")
    assert "∂out/∂node" in explorer.legend.hint.text() and "∂L" not in explorer.legend.hint.text()
    explorer.seek(explorer.walk.total)
    assert "∂out/∂node" in explorer.step_panel.text and "∂L/∂node" not in explorer.step_panel.text
    assert explorer.walk.backward_steps[0].rule == "∂out/∂out = 1 (seed)"
    QTest.mouseClick(explorer.assignment_button, Qt.MouseButton.LeftButton)
    assert explorer.expression.text() == "" and lab.session.is_assignment
    assert "∂L/∂node" in explorer.legend.hint.text()


def test_an_expression_too_big_to_draw_is_refused_with_a_message(qtbot, lab):
    explorer = lab.explorer
    _type_expression(explorer, " + ".join(f"w1*x{i % 5 + 1}" for i in range(300)))
    assert not explorer.error_label.isHidden() and "up to 400 nodes" in explorer.error_label.text()
    assert lab.session.is_assignment and set(explorer.view.nodes) == set(lab.session.graph.order)


def test_the_graders_row_shows_their_numbers_beside_ours(qtbot, lab):
    explorer = lab.explorer
    _type_expression(explorer, "w1 * x1")  # the preset brings the assignment's graph back
    QTest.mouseClick(explorer.inputs.graders_row_button, Qt.MouseButton.LeftButton)
    session, row = lab.session, graders_row()
    assert session.is_assignment and session.custom_row_name == "graders"
    feeds = session.feeds()
    assert [feeds[f"f{i}"] for i in range(1, 6)] == list(row.features) and feeds["y"] == row.target
    assert set(session.weights.values()) == {0.1}
    panel = explorer.graders
    assert not panel.isHidden()
    assert [(name, expected) for name, expected, _ in panel.rows] == list(GRADER_EXPECTED.items())
    assert all(round(ours, 4) == expected for _, expected, ours in panel.rows)
    table = panel.table.text()
    for expected in GRADER_EXPECTED.values():
        assert f"{expected:.4f}".replace("-", "−") in table
    assert (
        table.count("✓") == 5 and WHY_CONSTRUCTED in panel.findChild(type(panel.table), "gradersWhy").text()
    )
    assert "graders' row" in explorer.inputs.source_label.text()
    assert not explorer.inputs.table.selectedItems()  # no data row is this row
    # Beside the steps that compute them.
    explorer.seek(next(s.index + 1 for s in explorer.walk.forward_steps if s.node == "exp"))
    assert "Graders expected exp = 1.1299; this app: 1.1299 ✓" in explorer.step_panel.text
    explorer.seek(
        len(explorer.walk.forward_steps)
        + 1
        + next(s.index for s in explorer.walk.backward_steps if s.node == "Y'")
    )
    assert explorer.state.active_node == "Y'" and "Graders expected dl = −1.9268" in explorer.step_panel.text
    # Another weight moves our numbers off theirs, and it says so.
    _type_into(explorer.inputs.weight_boxes["w6"], "0.2")
    assert panel.table.text().count("✓") < 5
    # A data row leaves the graders' row.
    explorer.inputs.table.selectRow(3)
    assert session.custom_row is None and session.row == 3 and panel.isHidden()


def test_a_large_epsilon_gives_a_verdict_that_agrees_with_the_rows_and_says_why(qtbot, lab):
    """Issue: with ε = 1e-3 the overall verdict said "worth a closer look" while every row said pass."""
    check = lab.check
    lab.views.setCurrentWidget(check)
    check.eps_edit.setFocus()
    check.eps_edit.selectAll()
    QTest.keyClicks(check.eps_edit, "1e-3")
    QTest.keyClick(check.eps_edit, Qt.Key.Key_Return)
    assert check.eps == 1e-3
    for table, result, summary in (
        (check.weights_table, check.weight_check, check.weights_summary),
        (check.nodes_table, check.node_check, check.nodes_summary),
    ):
        labels = [table.item(r, 4).text() for r in range(table.rowCount())]
        assert all(label.startswith("pass") for label in labels), labels
        assert result.verdict == "correct"
        text = summary.text()
        assert "<b>correct</b>" in text and "every row passes" in text
        assert "Why ε matters" in text and "truncation" in text
    assert any("within truncation error" in check.weights_table.item(r, 4).text() for r in range(9))
    assert "between 1e-7 and 1e-3" in check.weights_summary.text()  # the norm's own reading, kept
