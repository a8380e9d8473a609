"""Backprop tab by mouse and keyboard, through the real events (issue 14 items 3, 6 and 11): clicking a
node then building a graph, a tab bar that stays put, a Tab order that starts on the Graph view, the
step buttons and their shortcuts, Ctrl+Tab between the views."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from engine.labs import LABS
from gui.labs.backprop import BackpropLabWidget


@pytest.fixture(params=[(1366, 768), (1280, 720)], ids=["1366x768", "1280x720"])
def lab(request, qtbot, tmp_store):
    widget = BackpropLabWidget(LABS["backprop"], tmp_store)
    qtbot.addWidget(widget)
    widget.resize(*request.param)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.runner.stop_and_wait(5000)


def _click_node(view, node_id: str) -> None:
    centre = view.mapFromScene(view.nodes[node_id].scenePos())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)


def test_clicking_a_node_then_building_a_graph_from_the_keyboard(qtbot, lab):
    """Issue: "Internal C++ object (NodeItem) already deleted" after click + Enter (pytest-qt fails a
    test on any exception raised in a slot)."""
    explorer = lab.explorer
    _click_node(explorer.view, "sum1")
    assert explorer.selected == "sum1" and "Selected sum1" in explorer.step_panel.text
    QTest.mouseClick(explorer.expression, Qt.MouseButton.LeftButton)
    QTest.keyClicks(explorer.expression, "tanh(w1*x1 + w2) * w3")
    QTest.keyClick(explorer.expression, Qt.Key.Key_Return)
    assert set(explorer.view.nodes) == set(lab.session.graph.order) and "sum1" not in explorer.view.nodes
    assert explorer.selected == "" and "Selected" not in explorer.step_panel.text
    _click_node(explorer.view, "w3")  # the new drawing is live: clicking works again
    assert explorer.selected == "w3"
    QTest.mouseClick(explorer.assignment_button, Qt.MouseButton.LeftButton)
    assert lab.session.is_assignment and explorer.selected == ""


def _tab_bar_geometry(lab) -> list[tuple[int, int, int, int]]:
    bar = lab.views.tabBar()
    origin = bar.mapTo(lab, QPoint(0, 0))
    return [
        (origin.x() + bar.tabRect(i).x(), origin.y(), bar.tabRect(i).width(), 0) for i in range(bar.count())
    ]


def test_the_tab_bar_stays_put_whichever_view_is_open(qtbot, lab):
    """Issue: the bar jumped ~390 px between Graph / Gradient check / Rules and the race views, so the
    next click landed on the wrong tab."""
    bar = lab.views.tabBar()
    expected = _tab_bar_geometry(lab)
    for _round in range(2):
        for index in range(bar.count()):
            QTest.mouseClick(
                bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center()
            )
            QApplication.processEvents()
            assert lab.views.currentIndex() == index
            assert _tab_bar_geometry(lab) == expected, lab.views.tabText(index)
    assert bar.tabRect(bar.count() - 1).right() < bar.width()  # nothing scrolled out of sight


def _focus_chain_from(start: QWidget, steps: int) -> list[QWidget]:
    seen = []
    start.setFocus()
    for _ in range(steps):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    return seen


def test_tab_walks_the_graph_view_not_the_hidden_race_settings(qtbot, lab):
    explorer = lab.explorer
    chain = _focus_chain_from(explorer.view, 40)
    assert not any(lab.race_page.isAncestorOf(w) or w is lab.run_button for w in chain)
    assert not any(lab.form.isAncestorOf(w) for w in chain)
    buttons = {
        explorer.toolbar.widgetForAction(a) for a in (explorer.forward_action, explorer.backward_action)
    }
    assert buttons <= set(chain)  # the step buttons take focus
    assert explorer.expression in chain and explorer.inputs.row_box in chain
    # The data-row table lets Tab go on (it has 506 rows × 6 cells).
    table = explorer.inputs.table
    assert table in chain
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not table


def test_the_step_buttons_work_from_the_keyboard_and_have_shortcuts(qtbot, lab):
    explorer = lab.explorer
    forward = explorer.toolbar.widgetForAction(explorer.forward_action)
    forward.setFocus()
    assert forward.hasFocus()
    QTest.keyClick(forward, Qt.Key.Key_Space)
    assert explorer.walk.position == 1
    explorer.view.setFocus()
    QTest.keyClick(explorer.view, Qt.Key.Key_B)  # Backward step: finishes the forward pass, then ∂
    assert explorer.walk.position == len(explorer.walk.forward_steps) + 1
    QTest.keyClick(explorer.view, Qt.Key.Key_Left)
    QTest.keyClick(explorer.view, Qt.Key.Key_F)  # no forward step left: F does nothing
    assert explorer.walk.position == len(explorer.walk.forward_steps)
    assert "(B;" in explorer.backward_action.toolTip() and "(F;" in explorer.forward_action.toolTip()
    # Typing the letters into the expression box types them; it does not step.
    explorer.expression.setFocus()
    QTest.keyClicks(explorer.expression, "b*f1")
    assert explorer.expression.text() == "b*f1" and explorer.walk.position == len(explorer.walk.forward_steps)


def test_ctrl_tab_walks_the_views_from_inside_them(qtbot, lab):
    explorer = lab.explorer
    explorer.view.setFocus()
    QTest.keyClick(explorer.view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert lab.views.currentWidget() is lab.check
    lab.check.eps_edit.setFocus()
    QTest.keyClick(lab.check.eps_edit, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert lab.views.currentWidget() is lab.race_page
    QTest.keyClick(
        QApplication.focusWidget() or lab, Qt.Key.Key_Backtab,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )  # fmt: skip
    assert lab.views.currentWidget() is lab.check
    last = lab.views.count() - 1
    lab.views.setCurrentIndex(last)
    lab.rules.setFocus()
    QTest.keyClick(lab.rules, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert lab.views.currentIndex() == 0  # wraps around


@pytest.fixture
def small_lab(qtbot, tmp_store):
    widget = BackpropLabWidget(LABS["backprop"], tmp_store)
    qtbot.addWidget(widget)
    yield widget
    widget.runner.stop_and_wait(5000)


def test_race_settings_fit_a_1024_wide_window(qtbot, small_lab):
    """Issue: at 1024×768 the race settings scrolled sideways and the check boxes were clipped."""
    from PySide6.QtWidgets import QCheckBox, QScrollArea

    small_lab.resize(1024, 768)
    small_lab.show()
    qtbot.waitExposed(small_lab)
    small_lab.show_race()
    QApplication.processEvents()
    scroll = next(
        w for w in small_lab.race_page.settings.findChildren(QScrollArea) if w.widget() is small_lab.form
    )
    assert not scroll.horizontalScrollBar().isVisible()
    assert scroll.viewport().width() >= small_lab.form.minimumSizeHint().width()
    for box in small_lab.form.findChildren(QCheckBox):
        assert box.width() >= box.sizeHint().width(), box.text()
        assert scroll.viewport().rect().contains(box.mapTo(scroll.viewport(), box.rect().topRight()))


def test_at_1280x720_the_chain_rule_formula_shows_and_the_numbers_are_readable(qtbot, small_lab):
    """Issue: the chain-rule panel was cut mid-formula and graph numbers were ~7 px tall."""
    from PySide6.QtGui import QFont

    from gui.graph_view import style

    small_lab.resize(1280, 720)
    small_lab.show()
    qtbot.waitExposed(small_lab)
    explorer = small_lab.explorer
    small_lab.prepare_screenshot("")  # mid-backward-pass, on a node with two chain-rule paths
    QApplication.processEvents()
    panel = explorer.step_panel
    formula_line = explorer.state.step.formula.split(" = ")[0]
    label = panel.label
    text_top = label.fontMetrics().height() * 3  # title and formula come first
    assert formula_line in panel.text.splitlines()[1] and panel.viewport().height() > text_top
    # A value's font on screen: the view's scale × the node text's size in scene units (pixels).
    font = QFont()
    pixels = font.pointSizeF() * style.TEXT_SCALE * explorer.logicalDpiY() / 72 * explorer.view.zoom_level
    assert pixels >= 11.0, pixels  # digits ≈ 0.73 of that: 8 px or more
