"""Keyboard and screen-reader policies applied to every lab, the Home and the Runs page.

* Tab moves the focus: tables and lists do not trap it cell by cell (arrow keys move inside them),
  text boxes do not swallow it (a review has no use for a tab character), and plots, which have no
  keyboard use, are not Tab stops (a click still focuses them for the wheel).
* Every interactive widget has an accessible name, the words a screen reader says. Where the code gave
  none, it is derived from what a sighted user reads next to the widget: its form label, the title of
  the tab it fills, a plot's title, its tooltip or placeholder.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QGraphicsView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QStackedWidget,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

#: Widgets a user operates with the mouse or the keyboard.
INTERACTIVE = (
    QAbstractButton,
    QComboBox,
    QAbstractSpinBox,
    QLineEdit,
    QAbstractSlider,
    QAbstractItemView,
    QTabBar,
    QPlainTextEdit,
    QTextEdit,
    QGraphicsView,
)


def accessible_name(widget: QWidget) -> str:
    """The name assistive technology reads for ``widget`` (Qt's own, e.g. a button's text)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def is_interactive(widget: QWidget) -> bool:
    """Whether a user operates ``widget`` itself (not a part of another control, not a scroll bar)."""
    parent = widget.parentWidget()
    if isinstance(widget, (QScrollBar, QHeaderView)) or isinstance(parent, (QAbstractSpinBox, QComboBox)):
        return False  # parts of another control: its name covers them
    if isinstance(parent, QAbstractItemView):  # e.g. a table's corner button
        return False
    if isinstance(parent, QAbstractScrollArea) and widget is parent.viewport():
        return False
    if isinstance(widget, QLabel):  # a label is read, not operated, unless it holds links
        return bool(widget.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
    if isinstance(widget, INTERACTIVE):
        return True
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _form_label(widget: QWidget) -> str:
    # The widget, or the composite editor holding it (a path field's line edit), in a form row.
    for candidate in (widget, widget.parentWidget()):
        holder = candidate.parentWidget() if candidate is not None else None
        layout = holder.layout() if holder is not None else None
        if isinstance(layout, QFormLayout) and candidate is not None:
            label = layout.labelForField(candidate)
            if isinstance(label, QLabel) and label.text():
                return label.text().replace("&", "")
    return ""


def _tab_title(widget: QWidget) -> str:
    # A page of a tab widget is named by its tab.
    stack = widget.parentWidget()
    tabs = stack.parentWidget() if isinstance(stack, QStackedWidget) else None
    if isinstance(tabs, QTabWidget):
        index = tabs.indexOf(widget)
        if index >= 0:
            return tabs.tabText(index).replace("&&", "&")
    return ""


def _plot_title(widget: QWidget) -> str:
    pg = sys.modules.get("pyqtgraph")
    if pg is None or not isinstance(widget, pg.GraphicsView):
        return ""
    titles = [item.titleLabel.text for item in widget.scene().items() if isinstance(item, pg.PlotItem)]
    titles = [t for t in titles if t]
    return f"plot: {', '.join(dict.fromkeys(titles))}" if titles else ""


def derived_name(widget: QWidget) -> str:
    """A name from what is shown beside ``widget``: form label, tab title, plot title, tooltip,
    placeholder ('' when there is none)."""
    for name in (_form_label(widget), _tab_title(widget), _plot_title(widget)):
        if name:
            return name
    tip = widget.toolTip().strip()
    if tip:
        return tip.split("\n")[0][:80]
    placeholder = getattr(widget, "placeholderText", None)
    return str(placeholder()).strip() if callable(placeholder) else ""


def name_unnamed(root: QWidget) -> None:
    """Give every interactive widget under ``root`` without an accessible name a derived one."""
    for widget in root.findChildren(QWidget):
        if is_interactive(widget) and not accessible_name(widget):
            name = derived_name(widget)
            if name:
                widget.setAccessibleName(name)


def release_tab_key(root: QWidget) -> None:
    """Tab and Shift+Tab move the focus out of tables, lists and text boxes; plots are not Tab stops."""
    pg = sys.modules.get("pyqtgraph")
    for view in root.findChildren(QAbstractItemView):
        view.setTabKeyNavigation(False)
    for edit in root.findChildren(QPlainTextEdit) + root.findChildren(QTextEdit):
        edit.setTabChangesFocus(True)
    if pg is not None:
        for plot in root.findChildren(pg.GraphicsView):
            plot.setFocusPolicy(Qt.FocusPolicy.ClickFocus)


def apply_policies(root: QWidget) -> None:
    """Both policies on ``root``'s widgets as they are now (call again after adding widgets)."""
    release_tab_key(root)
    name_unnamed(root)
