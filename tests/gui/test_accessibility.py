"""Every lab tab, every view: each interactive widget has an accessible name (and each button a tooltip),
and the Tab key reaches every control without getting stuck in a table or a text box."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QToolButton,
    QWidget,
)

from engine.labs import LABS
from gui.main_window import MainWindow
from gui.widgets.accessibility import accessible_name, is_interactive

TABS = ("home", *LABS, "runs")


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


@pytest.fixture
def window(qtbot, tmp_store):
    win = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(win)
    win.show()
    win.setWindowState(Qt.WindowState.WindowNoState)
    win.resize(1280, 720)
    qtbot.waitExposed(win)
    yield win
    win.close()


def _describe(widget: QWidget) -> str:
    parent = widget.parentWidget()
    return f"{type(widget).__name__} {widget.objectName()!r} in {type(parent).__name__ if parent else None}"


@pytest.mark.parametrize("tab", TABS)
def test_every_interactive_widget_has_an_accessible_name_and_every_button_a_tooltip(window, tab):
    content = window.show_tab(tab)
    unnamed, untipped = set(), set()
    pages = [(tabs, index) for tabs in content.findChildren(QTabWidget) for index in range(tabs.count())]
    for tabs, index in [(None, 0), *pages]:
        if tabs is not None:
            tabs.setCurrentIndex(index)
        _settle()
        for widget in content.findChildren(QWidget):
            if not widget.isVisible() or not is_interactive(widget):
                continue
            if not accessible_name(widget):
                unnamed.add(_describe(widget))
            if isinstance(widget, (QPushButton, QToolButton)) and not widget.toolTip():
                untipped.add(f"{_describe(widget)}: {accessible_name(widget)!r}")
    assert not unnamed, f"{tab}: without an accessible name: {sorted(unnamed)}"
    assert not untipped, f"{tab}: buttons without a tooltip: {sorted(untipped)}"


def test_the_name_check_sees_an_unnamed_control(qtbot):
    """A bare table is interactive and has no name; given one, it has."""
    from PySide6.QtWidgets import QTableWidget

    table = QTableWidget(2, 2)
    qtbot.addWidget(table)
    assert is_interactive(table) and accessible_name(table) == ""
    table.setAccessibleName("Scores")
    assert accessible_name(table) == "Scores"


@pytest.mark.parametrize("tab", [t for t in TABS if t != "home"])
def test_tab_walks_out_of_tables_and_text_boxes(qtbot, window, tab):
    content = window.show_tab(tab)
    window.activateWindow()
    views = getattr(content, "views", None)
    tried = 0
    for index in range(views.count() if views is not None else 1):
        if views is not None:
            views.setCurrentIndex(index)
        _settle()
        for trap in content.findChildren(QWidget):
            if not trap.isVisible() or not isinstance(trap, (QAbstractItemView, QPlainTextEdit)):
                continue
            if not trap.isEnabled():  # e.g. a run's note before a run is selected
                continue
            if not is_interactive(trap) or not trap.focusPolicy() & Qt.FocusPolicy.TabFocus:
                continue
            trap.setFocus()
            qtbot.waitUntil(trap.hasFocus, timeout=2000)
            QTest.keyClick(trap, Qt.Key.Key_Tab)
            assert not trap.hasFocus(), f"Tab stayed in {_describe(trap)}"
            tried += 1
    assert tried, "every page here has a table, list or text box"


def test_tab_reaches_every_control_of_a_lab_in_order(qtbot, window):
    """In the callbacks lab, Tab from the first form field visits the form, then Run, then the views."""
    lab = window.show_tab("callbacks")
    _settle()
    window.activateWindow()
    first = lab.form.editors["model"]
    first.setFocus()
    qtbot.waitUntil(first.hasFocus, timeout=2000)
    visited: list[QWidget] = []
    for _ in range(80):
        widget = QApplication.focusWidget()
        if widget in visited:
            break
        visited.append(widget)
        QTest.keyClick(widget, Qt.Key.Key_Tab)
    reachable = [
        w
        for w in lab.findChildren(QWidget)
        if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus and is_interactive(w)
    ]
    missing = [_describe(w) for w in reachable if w not in visited and w.focusProxy() not in visited]
    assert not missing, missing
    assert visited.index(lab.run_button) < visited.index(lab.views.tabBar())
