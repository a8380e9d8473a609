"""The tab widget of a lab's views: never hides a tab behind scroll arrows, switches by keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleFactory, QTabWidget, QWidget

#: Keys that go to the next / previous view, wherever the focus is inside the lab.
NEXT_VIEW_KEYS = ("Ctrl+Tab", "Ctrl+PgDown")
PREVIOUS_VIEW_KEYS = ("Ctrl+Shift+Tab", "Ctrl+Shift+Backtab", "Ctrl+PgUp")
#: Pixels beside a view tab's title, both sides together.
TAB_TITLE_MARGIN = 12


class CompactTabStyle(QProxyStyle):
    """The application's style with less room beside each tab's title (12 px instead of Fusion's 24):
    a lab's ten to fifteen views keep their whole titles on a 1280 px screen."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create(QApplication.style().name()))

    def pixelMetric(self, metric: QStyle.PixelMetric, option: object = None, widget: object = None) -> int:
        """A narrower tab margin; everything else as the base style says."""
        if metric == QStyle.PixelMetric.PM_TabBarTabHSpace:
            return TAB_TITLE_MARGIN
        return int(super().pixelMetric(metric, option, widget))


class ViewTabs(QTabWidget):
    """A lab's views (Curves, Results, Log, …).

    On a narrow window the tabs shrink and elide their titles (the full title is the tab's tooltip)
    instead of scrolling, so every view stays one click away; Ctrl+Tab and Ctrl+Shift+Tab (also
    Ctrl+PgDown / Ctrl+PgUp) cycle through them wherever the focus is (see :meth:`install_shortcuts`).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labViews")
        self.setUsesScrollButtons(False)
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabBar().setExpanding(False)
        self._tab_style = CompactTabStyle()  # kept: a widget does not own the style it is given
        self.tabBar().setStyle(self._tab_style)
        self.setAccessibleName("Lab views")

    def tabInserted(self, index: int) -> None:
        """Every tab's tooltip names it in full (an elided title still says what it is)."""
        super().tabInserted(index)
        if not self.tabToolTip(index):
            self.setTabToolTip(index, self.tabText(index).replace("&&", "&"))

    def install_shortcuts(self, owner: QWidget) -> list[QAction]:
        """Ctrl+Tab / Ctrl+Shift+Tab (and Ctrl+PgDown / Ctrl+PgUp) while ``owner`` is on screen."""
        actions = []
        for keys, slot, text in (
            (NEXT_VIEW_KEYS, self.show_next, "Next view"),
            (PREVIOUS_VIEW_KEYS, self.show_previous, "Previous view"),
        ):
            action = QAction(text, owner)
            action.setShortcuts([QKeySequence(key) for key in keys])
            # The whole window: a hidden lab's actions do not match, so only the lab on screen answers.
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            owner.addAction(action)
            actions.append(action)
        return actions

    @Slot()
    def show_next(self) -> None:
        """The next enabled view, wrapping around."""
        self._step(1)

    @Slot()
    def show_previous(self) -> None:
        """The previous enabled view, wrapping around."""
        self._step(-1)

    def _step(self, direction: int) -> None:
        count = self.count()
        index = self.currentIndex()
        for _ in range(count):
            index = (index + direction) % count
            if self.isTabEnabled(index) and self.isTabVisible(index):
                self.setCurrentIndex(index)
                return
