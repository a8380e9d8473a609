"""A titled section whose content folds away with a click (or Space on its title)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QSizePolicy, QToolButton, QVBoxLayout, QWidget


class CollapsibleSection(QWidget):
    """A disclosure title (▾ open, ▸ folded) above ``content``.

    Args:
        title: The title, always shown.
        content: What folds away.
        expanded: Open at first. Defaults to True.
        parent: Qt parent.
    """

    sig_expanded_changed = Signal(bool)
    """The section was opened (True) or folded (False)."""

    def __init__(self, title: str, content: QWidget, expanded: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.content = content
        self.toggle = QToolButton()
        self.toggle.setText(title)
        self.toggle.setAutoRaise(True)  # a flat title, not a pressed-in button while open
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # Bold through the font, not a style sheet: a style sheet would freeze the text colour of the
        # theme it was applied in (a dark grey title on the dark theme).
        font = self.toggle.font()
        font.setBold(True)
        self.toggle.setFont(font)
        self.toggle.setAccessibleName(title)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.toggle)
        box.addWidget(content)
        self.expanded = expanded
        self.toggle.clicked.connect(self._on_clicked)
        self._show(expanded)

    def set_expanded(self, expanded: bool) -> None:
        """Open or fold the section (as a click on its title would)."""
        if expanded != self.expanded:
            self.expanded = expanded
            self._show(expanded)
            self.sig_expanded_changed.emit(expanded)

    @Slot()
    def _on_clicked(self) -> None:
        self.set_expanded(not self.expanded)

    def _show(self, expanded: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.toggle.setToolTip("Fold this text away" if expanded else "Show this text")
        self.content.setVisible(expanded)
        self.toggle.setAccessibleDescription("open" if expanded else "folded")
