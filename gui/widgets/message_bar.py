"""An inline message bar (no modal dialogs): info, warning or error with a close button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from gui import theme


class MessageBar(QWidget):
    """Shows one message at a time above a lab's content; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss the message")
        close.clicked.connect(self.clear)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.level = ""
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.hide()
        theme.notifier.sig_theme_changed.connect(self._restyle)

    def show_message(self, text: str, level: str = "info") -> None:
        """Show ``text``; level is info, warning, error or success."""
        self.level = level
        self._restyle()
        self.label.setText(text)
        self.show()

    @Slot()
    def _restyle(self) -> None:
        """The level's colours in the current theme (again after a theme change)."""
        background, foreground, border = theme.note_colours(self.level or "info")
        self.setStyleSheet(
            f"#messageBar {{ background: {background}; border: 1px solid {border}; border-radius: 4px; }}"
            f" QLabel {{ color: {foreground}; }} QToolButton {{ color: {foreground}; }}"
        )

    @property
    def text(self) -> str:
        """The message shown ('' when hidden)."""
        return self.label.text() if self.isVisible() or not self.isHidden() else ""

    @Slot()
    def clear(self) -> None:
        """Hide the bar."""
        self.label.clear()
        self.level = ""
        self.hide()
