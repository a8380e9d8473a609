"""Every tab and every view fits a laptop screen: no tab bar overflows, no panel needs a horizontal
scrollbar, no row of controls is cut (1366×768 and 1280×720; the default font and 11 pt)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QTabWidget

from engine.labs import LABS
from gui.main_window import MainWindow
from tests.gui.layout_checks import all_problems

SIZES = (QSize(1366, 768), QSize(1280, 720))
TABS = ("home", *LABS, "runs")
#: The platform's default font (0), and 11 pt: GNOME's default, and what View ▸ Larger font gives.
FONT_SIZES = (0, 11)
#: At the default font every tab title is whole; at 11 pt a lab with fourteen views may elide its
#: titles a little (the full title is the tab's tooltip) but never hides a tab or scrolls the bar.
LEAST_TAB_SHARE = {0: 1.0, 11: 0.85}


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def views_of(widget):
    """Every (tab widget, index) pair under ``widget``, outer tab widgets first."""
    return [(tabs, index) for tabs in widget.findChildren(QTabWidget) for index in range(tabs.count())]


@pytest.mark.parametrize("font_size", FONT_SIZES, ids=lambda pt: f"{pt}pt" if pt else "default-font")
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
@pytest.mark.parametrize("tab", TABS)
def test_every_view_fits(qtbot, tmp_store, tab, size, font_size):
    window = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(size)
    if font_size:
        window.set_font_size(font_size)
    content = window.show_tab(tab)
    _settle()
    share = LEAST_TAB_SHARE[font_size]
    problems = [f"{tab}: {p}" for p in all_problems(window, share)]
    for tabs, index in views_of(content):
        tabs.setCurrentIndex(index)
        _settle()
        if tabs.isVisible():
            problems += [f"{tab} › {tabs.tabText(index)}: {p}" for p in all_problems(window, share)]
    minimum = window.minimumSizeHint()
    window.close()
    assert minimum.width() <= size.width() and minimum.height() <= size.height(), minimum
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_checks_find_what_they_look_for(qtbot):
    """A squeezed tab bar, a too-wide panel and a cut row of buttons are each reported."""
    from PySide6.QtWidgets import QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

    from tests.gui.layout_checks import clipped_widgets, horizontal_scroll_problems, tab_bar_problems

    root = QWidget()
    qtbot.addWidget(root)
    box = QVBoxLayout(root)
    tabs = QTabWidget()
    tabs.setUsesScrollButtons(False)
    tabs.setElideMode(Qt.TextElideMode.ElideRight)
    for index in range(12):
        tabs.addTab(QWidget(), f"A long view title {index}")
    box.addWidget(tabs)
    area = QScrollArea()
    area.setWidgetResizable(True)
    wide = QWidget()
    wide.setMinimumWidth(2000)
    area.setWidget(wide)
    box.addWidget(area)
    row = QWidget()
    buttons = QHBoxLayout(row)
    for index in range(8):
        buttons.addWidget(QPushButton(f"A button with a long title {index}"))
    row.setFixedWidth(300)
    box.addWidget(row)
    root.resize(400, 400)
    root.show()
    _settle()
    assert tab_bar_problems(root) and horizontal_scroll_problems(root) and clipped_widgets(root)
