"""What "fits the window" means, checked on a live widget tree (used by test_layout.py).

* A tab bar overflows when a tab lies beyond the bar's right edge, its scroll arrows show, or a tab is
  squeezed below the width its title needs (an elided title).
* A panel needs a horizontal scrollbar when a scroll area's content is wider than its viewport (shown
  as a scrollbar, or cut off where the scrollbar is turned off).
* A widget is clipped when its layout needs more room than it was given (a squeezed row of controls).
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractScrollArea, QScrollArea, QTabBar, QToolButton, QWidget

#: Pixels of slack for rounding.
SLACK = 1


def _path(widget: QWidget) -> str:
    names = []
    while widget is not None and len(names) < 6:
        names.append(widget.objectName() or type(widget).__name__)
        widget = widget.parentWidget()
    return " < ".join(names)


def tab_bar_problems(root: QWidget, least_share: float = 1.0) -> list[str]:
    """Overflowing or squeezed visible tab bars under ``root``: a tab narrower than ``least_share`` of
    the width its title needs counts as squeezed (1.0: every title whole; less allows some eliding)."""
    problems = []
    for bar in root.findChildren(QTabBar):
        if not bar.isVisible() or bar.count() == 0:
            continue
        arrows = [b for b in bar.findChildren(QToolButton) if b.isVisible()]
        if arrows:
            problems.append(f"{_path(bar)}: scroll arrows shown")
        for index in range(bar.count()):
            rect, wanted = bar.tabRect(index), bar.tabSizeHint(index)
            if rect.right() > bar.width() + SLACK:
                problems.append(f"{_path(bar)}: tab {bar.tabText(index)!r} beyond the bar")
            elif rect.width() + SLACK < least_share * wanted.width():
                problems.append(
                    f"{_path(bar)}: tab {bar.tabText(index)!r} squeezed to {rect.width()} of {wanted.width()} px"
                )
    return problems


def horizontal_scroll_problems(root: QWidget) -> list[str]:
    """Visible scroll areas (panels, not tables or text) whose content is wider than their viewport."""
    problems = []
    for area in root.findChildren(QAbstractScrollArea):
        if not area.isVisible() or not isinstance(area, QScrollArea):
            continue
        content = area.widget()
        viewport = area.viewport().width()
        if area.horizontalScrollBar().isVisible():
            problems.append(f"{_path(area)}: horizontal scrollbar shown")
        elif content is not None and content.minimumSizeHint().width() > viewport + SLACK:
            problems.append(
                f"{_path(area)}: content needs {content.minimumSizeHint().width()} px, viewport {viewport}"
            )
    return problems


def clipped_widgets(root: QWidget) -> list[str]:
    """Visible widgets whose layout needs more width than they have (their controls are cut)."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        layout = widget.layout()
        if not widget.isVisible() or layout is None:
            continue
        needed = layout.minimumSize().width()
        if needed > widget.width() + SLACK:
            problems.append(f"{_path(widget)}: needs {needed} px, has {widget.width()}")
    return problems


def all_problems(root: QWidget, least_tab_share: float = 1.0) -> list[str]:
    """Every problem above."""
    return [
        *tab_bar_problems(root, least_tab_share),
        *horizontal_scroll_problems(root),
        *clipped_widgets(root),
    ]
