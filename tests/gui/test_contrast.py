"""Every text on every lab view reads at WCAG AA (4.5:1) in the light and the dark theme: labels (their
colour and any inline ``color:`` of their rich text) against their background, and coloured cells of
lists, trees and tables against theirs."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QTableWidget, QTreeWidget, QWidget

from engine.labs import LABS
from gui import theme
from gui.main_window import MainWindow

AA = 4.5
INLINE_COLOUR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def _cells(view: QWidget):
    """(text, foreground brush, background brush) of every cell with a foreground of its own."""
    if isinstance(view, QListWidget):
        items = [view.item(i) for i in range(view.count())]
        return [(i.text(), i.foreground(), i.background()) for i in items]
    if isinstance(view, QTableWidget):
        cells = [view.item(r, c) for r in range(view.rowCount()) for c in range(view.columnCount())]
        return [(i.text(), i.foreground(), i.background()) for i in cells if i is not None]
    if isinstance(view, QTreeWidget):
        rows = [view.topLevelItem(i) for i in range(view.topLevelItemCount())]
        return [
            (i.text(c), i.foreground(c), i.background(c)) for i in rows for c in range(view.columnCount())
        ]
    return []


def low_contrast_texts(root: QWidget) -> set[str]:
    """Texts under ``root`` that read below AA."""
    low: set[str] = set()
    for label in root.findChildren(QLabel):
        if not label.isVisible() or not label.text().strip():
            continue
        palette = label.palette()
        background = palette.color(label.backgroundRole())
        colours = [palette.color(label.foregroundRole())]
        if "background" not in label.text():  # spans with their own background are checked by eye
            colours += [QColor(c) for c in INLINE_COLOUR.findall(label.text())]
        for colour in colours:
            ratio = theme.contrast_ratio(colour, background)
            if ratio < AA:
                low.add(f"{label.text()[:50]!r}: {colour.name()} on {background.name()} = {ratio:.2f}")
    views = [
        *root.findChildren(QListWidget),
        *root.findChildren(QTableWidget),
        *root.findChildren(QTreeWidget),
    ]
    for view in views:
        if not view.isVisible():
            continue
        base = view.palette().color(view.viewport().backgroundRole())
        for text, foreground, background in _cells(view):
            if foreground.style() == Qt.BrushStyle.NoBrush or not text:
                continue
            behind = background.color() if background.style() != Qt.BrushStyle.NoBrush else base
            ratio = theme.contrast_ratio(QBrush(foreground).color(), behind)
            if ratio < AA:
                low.add(f"cell {text[:40]!r}: {foreground.color().name()} on {behind.name()} = {ratio:.2f}")
    return low


@pytest.mark.parametrize("key", ["light", "dark"])
@pytest.mark.parametrize("tab", ["home", *LABS, "runs"])
def test_every_text_reads_at_aa(qtbot, tmp_store, tab, key):
    window = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(1280, 720)
    window.set_theme(key)
    content = window.show_tab(tab)
    low: set[str] = set()
    views = getattr(content, "views", None)
    try:
        for index in range(views.count() if views is not None else 1):
            if views is not None:
                views.setCurrentIndex(index)
            _settle()
            low |= low_contrast_texts(content)
    finally:
        window.close()
        theme.apply_theme("light")
    assert not low, f"{tab} ({key}): {sorted(low)}"


def test_the_contrast_check_finds_grey_on_grey(qtbot):
    label = QLabel("g is the analytic gradient")
    label.setStyleSheet("color: #808080; background: #efefef;")
    qtbot.addWidget(label)
    label.show()
    assert low_contrast_texts(label.parentWidget() or _holder(qtbot, label))


def _holder(qtbot, child: QWidget) -> QWidget:
    holder = QWidget()
    qtbot.addWidget(holder)
    child.setParent(holder)
    holder.show()
    child.show()
    return holder
