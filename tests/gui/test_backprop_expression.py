"""Backprop tab: typed expressions (good and bad), the gradient-check panel, the rules, no TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from engine.graph import DERIVATIVE_RULES
from engine.graph.steps import fmt
from engine.labs import LABS
from gui.labs.backprop import BackpropLabWidget

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lab(qtbot, tmp_store):
    widget = BackpropLabWidget(LABS["backprop"], tmp_store)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.runner.stop_and_wait(5000)


def test_bad_expression_shows_the_caret_message_and_keeps_the_graph(lab):
    explorer = lab.explorer
    explorer.seek(4)
    nodes_before = set(explorer.view.nodes)
    explorer.expression.setText("tanh(w1*x1 + ) * w3")
    explorer.build_button.click()
    message = explorer.error_label.text()
    assert not explorer.error_label.isHidden()
    assert "at column 14:" in message and message.splitlines()[-1].strip() == "^"
    assert message.splitlines()[-1].index("^") == message.splitlines()[-2].index("tanh") + 13
    assert explorer.error_label.font().styleHint() == explorer.error_label.font().StyleHint.Monospace
    assert explorer.error_label.textFormat() == Qt.TextFormat.PlainText  # spaces kept, '<' shown
    assert set(explorer.view.nodes) == nodes_before and lab.session.is_assignment
    assert explorer.state.position == 4
    explorer.expression.setText("foo(w1)")
    explorer.build_button.click()
    assert "unknown function 'foo'" in explorer.error_label.text()


def test_typed_expression_can_be_stepped_and_checked(lab):
    explorer, session = lab.explorer, lab.session
    explorer.expression.setText("tanh(w1*x1 + w2) * w3 + x7")
    explorer.expression.returnPressed.emit()
    assert explorer.error_label.isHidden()
    assert set(session.graph.weights) == {"w1", "w2", "w3"}
    assert set(explorer.view.nodes) == set(session.graph.order)
    assert set(explorer.inputs.weight_boxes) == {"w1", "w2", "w3"}
    assert set(explorer.inputs.input_boxes) == {"x7"}  # x1 comes from the data, x7 is typed in
    explorer.inputs.input_boxes["x7"].setValue(2.5)
    feeds = session.feeds()
    assert feeds["x7"] == 2.5 and feeds["x1"] == float(session.data.X[session.row, 0])
    grads = session.graph.node_gradients(feeds)
    explorer.seek(explorer.walk.total)
    for node_id in session.graph.order:
        assert explorer.view.nodes[node_id].grad_text == f"∂ {fmt(grads[node_id])}"
    assert [row.name for row in lab.check.weight_check.rows] == ["w1", "w2", "w3"]
    assert lab.check.weight_check.verdict == "correct"
    explorer.assignment_button.click()
    assert session.is_assignment and "L" in explorer.view.nodes


def test_gradient_check_table_and_eps(lab):
    check = lab.check
    table = check.weights_table
    assert table.rowCount() == 9
    rows = check.weight_check.rows
    assert table.item(5, 0).text() == "w6" and table.item(5, 4).text() == "pass"
    assert float(table.item(5, 1).text().replace("−", "-")) == pytest.approx(rows[5].analytic, rel=1e-9)
    assert "below 1e-7" in check.weights_summary.text()
    assert check.nodes_table.rowCount() == len(check.node_check.rows) == 20
    # The check column shows the engine's label, and tiny gradients say why they pass.
    for table_, check_ in ((table, check.weight_check), (check.nodes_table, check.node_check)):
        assert [table_.item(r, 4).text() for r in range(table_.rowCount())] == [r.label for r in check_.rows]
    noisy = [row.name for row in rows if row.within_noise]
    assert noisy == ["w3", "w4", "w5"]  # relative errors 1.4–1.8e-7 on the first row with w = 0.1
    assert table.item(2, 4).text().startswith("pass (within rounding noise ≈ ")
    assert table.item(2, 4).background().color().name() != table.item(5, 4).background().color().name()
    assert (
        "w3, w4, w5" in check.weights_summary.text()
        and "within rounding noise" in check.weights_summary.text()
    )
    explanation = " ".join(check.findChild(QLabel, "checkExplanation").text().split())  # Markdown rewraps
    assert "“pass (within rounding noise ≈ X)”" in explanation
    check.eps_edit.setText("0.3")  # a huge ε: its truncation error is too large to confirm anything
    check.eps_edit.editingFinished.emit()
    assert check.eps == 0.3 and check.weight_check.verdict != "correct"
    assert any(table.item(r, 4).text() != "pass" for r in range(table.rowCount()))
    check.eps_edit.setText("tiny")
    check.eps_edit.editingFinished.emit()
    assert check.eps == 0.3 and "ε must be a number" in check.eps_error.text()


def test_rules_panel_lists_the_assignments_rules(lab):
    text = lab.rules.label.text()
    for _, rule in DERIVATIVE_RULES:
        assert rule in text
    assert "Adam" in text


def test_backprop_tab_does_not_import_tensorflow(tmp_path):
    code = (
        "import sys\n"
        "from gui.app import make_application\n"
        "app = make_application()\n"
        "from engine.labs import LABS\n"
        "from gui.labs import make_lab_widget\n"
        "widget = make_lab_widget(LABS['backprop'], None)\n"
        "widget.explorer.step(); widget.prepare_screenshot('race')\n"
        "print('tensorflow' in sys.modules)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "DLLAB_DATA_DIR": str(tmp_path),
        "DLLAB_CACHE_DIR": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_an_undefined_value_is_flagged_not_passed(lab):
    explorer = lab.explorer
    explorer.expression.setText("log(x3 - 100) * w1")  # log of a negative number at every row
    explorer.build_button.click()
    table = lab.check.weights_table
    assert table.item(0, 0).text() == "w1" and table.item(0, 4).text() == "n/a: not a number"
    assert "not finite" in lab.check.weights_summary.text()
    explorer.seek(explorer.walk.total)
    assert explorer.view.nodes["out"].value_text == "= nan"


def test_screenshot_views_show_the_check_and_a_caret_message(lab):
    lab.prepare_screenshot("check")
    assert lab.views.currentWidget() is lab.check
    assert [r.name for r in lab.check.weight_check.rows if r.within_noise] == ["w3", "w4", "w5"]
    lab.prepare_screenshot("expression")
    assert lab.views.currentWidget() is lab.explorer
    header, text_line, caret_line = lab.explorer.error_label.text().splitlines()
    assert header.endswith("at column 28, the end of the text:")
    assert caret_line.index("^") == len(text_line)  # one past the last character, named as column 28
