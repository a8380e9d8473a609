"""Backprop tab: stepping through the assignment graph, keys, and live re-evaluation on edits.

Expected numbers come from the engine's interpreter (Graph.values / node_gradients), not from the
walkthrough the widget steps through, so a view showing stale or misplaced numbers fails.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from engine.graph import ForwardStep
from engine.graph.steps import fmt
from engine.labs import LABS
from gui.labs.backprop import BackpropLabWidget


@pytest.fixture
def lab(qtbot, tmp_store):
    widget = BackpropLabWidget(LABS["backprop"], tmp_store)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.runner.stop_and_wait(5000)


def _texts(explorer, node_id):
    item = explorer.view.nodes[node_id]
    return item.value_text, item.grad_text


def test_forward_then_backward_visits_every_node_with_the_engines_numbers(lab):
    explorer, session = lab.explorer, lab.session
    graph, feeds = session.graph, session.feeds()
    values, grads = graph.values(feeds), graph.node_gradients(feeds)
    ops = [n for n in graph.order if graph.nodes[n].op is not None]
    forward_visited, backward_visited = [], []
    for _ in range(len(ops)):
        assert explorer.forward_action.isEnabled()
        explorer.forward_action.trigger()
        step = explorer.state.step
        assert isinstance(step, ForwardStep)
        forward_visited.append(explorer.state.active_node)
        node = explorer.state.active_node
        assert explorer.view.nodes[node].active
        assert _texts(explorer, node) == (f"= {fmt(values[node])}", "")
        assert step.formula in explorer.step_panel.text
        lit = {key for key, edge in explorer.view.edges.items() if edge.mode == "forward"}
        assert lit == {(s, node) for s in graph.nodes[node].inputs}
    assert not explorer.forward_action.isEnabled()
    while explorer.backward_action.isEnabled():
        explorer.backward_action.trigger()
        node = explorer.state.active_node
        backward_visited.append(node)
        assert _texts(explorer, node) == (f"= {fmt(values[node])}", f"∂ {fmt(grads[node])}")
        assert explorer.state.step.formula in explorer.step_panel.text
        # The chain rule is shown with its numbers: each path's upstream, local and product.
        for term in explorer.state.step.terms:
            assert fmt(term.upstream) in explorer.step_panel.text
            assert fmt(term.product) in explorer.step_panel.text
            assert explorer.view.edges[(node, term.consumer)].mode == "backward"
    assert forward_visited == ops
    assert sorted(backward_visited) == sorted(graph.order)  # every node, leaves included
    assert backward_visited[0] == graph.output and "Backward pass complete" in explorer.step_panel.text
    # Stepping back all the way clears every computed value again.
    for _ in range(explorer.walk.total):
        explorer.back_action.trigger()
    assert explorer.state.position == 0
    assert all(_texts(explorer, n) == ("", "") for n in ops)


def test_backward_step_first_finishes_the_forward_pass(lab):
    explorer = lab.explorer
    explorer.backward_action.trigger()
    n_forward = len(explorer.walk.forward_steps)
    assert explorer.state.position == n_forward + 1
    assert explorer.state.active_node == lab.session.graph.output


def test_keys_step_back_play_and_reset(qtbot, lab):
    explorer = lab.explorer
    lab.activateWindow()
    explorer.view.setFocus()
    qtbot.waitUntil(explorer.view.hasFocus, timeout=2000)
    qtbot.keyClick(explorer.view, Qt.Key.Key_Right)
    qtbot.keyClick(explorer.view, Qt.Key.Key_Right)
    assert explorer.state.position == 2
    qtbot.keyClick(explorer.view, Qt.Key.Key_Left)
    assert explorer.state.position == 1
    explorer.speed.setValue(10)
    qtbot.keyClick(explorer.view, Qt.Key.Key_Space)
    assert explorer.timer.isActive() and "Pause" in explorer.play_action.text()
    qtbot.waitUntil(lambda: explorer.state.position >= 3, timeout=3000)
    qtbot.keyClick(explorer.view, Qt.Key.Key_Space)
    assert not explorer.timer.isActive()
    qtbot.keyClick(explorer.view, Qt.Key.Key_Home)
    assert explorer.state.position == 0


def test_play_runs_to_the_end_and_stops(qtbot, lab):
    explorer = lab.explorer
    explorer.seek(explorer.walk.total - 2)
    explorer.speed.setValue(10)
    explorer.toggle_play()
    qtbot.waitUntil(lambda: not explorer.timer.isActive(), timeout=3000)
    assert explorer.state.phase == "done"


def test_editing_a_weight_re_evaluates_at_the_same_step(lab):
    explorer, session = lab.explorer, lab.session
    explorer.seek(len(explorer.walk.forward_steps) + 5)
    before = explorer.view.nodes["exp"].value_text
    explorer.inputs.weight_boxes["w6"].setValue(0.5)
    assert session.weights["w6"] == 0.5
    expected = session.graph.values(session.feeds())
    assert explorer.view.nodes["exp"].value_text == f"= {fmt(expected['exp'])}" != before
    assert explorer.state.position == len(explorer.walk.forward_steps) + 5
    # The gradient check follows the same weights.
    check = {row.name: row for row in lab.check.weight_check.rows}
    assert check["w6"].analytic == pytest.approx(session.graph.gradients(session.feeds())["w6"])


def test_choosing_a_data_row_feeds_its_values(lab):
    explorer, session = lab.explorer, lab.session
    explorer.inputs.row_box.setValue(3)
    assert session.row == 3
    assert explorer.view.nodes["f2"].value_text == f"= {fmt(float(session.data.X[3, 1]))}"
    assert explorer.view.nodes["y"].value_text == f"= {fmt(float(session.data.y[3]))}"
    explorer.inputs.table.selectRow(7)
    assert session.row == 7 and explorer.inputs.row_box.value() == 7


def test_presets_grader_and_random_match_the_race(lab):
    from engine.jobs import CancelToken

    inputs = lab.explorer.inputs
    inputs.seed_box.setValue(4)
    inputs.use_random_weights()
    params = lab.form.params()
    result = lab.spec.run(type(params)(epochs=1, seed=4, optimizers=("sgd",)), CancelToken(), lambda e: None)
    assert [lab.session.weights[w] for w in lab.session.graph.weights] == result.extra["initial_weights"]
    inputs.use_grader_weights()
    assert set(lab.session.weights.values()) == {0.1}
    assert inputs.weight_boxes["w3"].value() == pytest.approx(0.1)


def test_clicking_a_node_describes_it(lab):
    explorer = lab.explorer
    explorer.view.nodes["sum1"].setSelected(True)
    assert "Selected sum1" in explorer.step_panel.text
    assert "value not computed yet" in explorer.step_panel.text


def test_wheel_zoom_and_fit(lab):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    view = lab.explorer.view
    fitted = view.zoom_level
    centre = QPointF(view.viewport().rect().center())
    notch = QWheelEvent(
        centre, view.mapToGlobal(centre), QPoint(), QPoint(0, 120), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(view.viewport(), notch)
    assert view.zoom_level == pytest.approx(fitted * 1.15) and not view.auto_fit
    view.fit_all()
    assert view.zoom_level == pytest.approx(fitted) and view.auto_fit


def test_typing_a_weight_in_scientific_notation(qtbot, lab):
    box = lab.explorer.inputs.weight_boxes["w2"]
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "-2.5e-3")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert lab.session.weights["w2"] == pytest.approx(-2.5e-3)
    assert box.text() == "-0.0025"
    expected = lab.session.graph.values(lab.session.feeds())["w2f2"]
    lab.explorer.seek(2)
    assert lab.explorer.view.nodes["w2f2"].value_text == f"= {fmt(expected)}"


def test_opening_the_tab_in_the_window_lets_the_keys_step_at_once(qtbot, window):
    lab = window.show_tab("backprop")
    qtbot.waitUntil(lab.explorer.view.hasFocus, timeout=3000)
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Right)
    assert lab.explorer.state.position == 1


def test_hooks_for_other_views_mark_nodes_and_add_a_note_beside_a_step(lab):
    """What an exercise view builds on: mark a set of nodes, show extra numbers beside a step."""
    explorer = lab.explorer
    explorer.view.set_highlighted({"exp", "tanh"})
    assert {n for n, item in explorer.view.nodes.items() if item.highlighted} == {"exp", "tanh"}
    explorer.view.set_highlighted(())
    assert not any(item.highlighted for item in explorer.view.nodes.values())
    explorer.set_step_notes({("forward", "exp"): "Your answer: 1.13 ✓"})
    explorer.seek(next(s.index + 1 for s in explorer.walk.forward_steps if s.node == "exp"))
    assert "Your answer: 1.13 ✓" in explorer.step_panel.text
    explorer.step()
    assert "Your answer" not in explorer.step_panel.text
