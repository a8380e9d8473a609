"""An inline message bar (no modal dialogs): info, warning or error with a close button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

_COLOURS = {
    "info": ("#e7f1fb", "#1d4f7c"),
    "warning": ("#fff4d6", "#6b4e00"),
    "error": ("#fde8e8", "#8a1c1c"),
    "success": ("#e6f6ea", "#1f5f2e"),
}


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
        close.clicked.connect(self.clear)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.level = ""
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.hide()

    def show_message(self, text: str, level: str = "info") -> None:
        """Show ``text``; level is info, warning, error or success."""
        background, foreground = _COLOURS.get(level, _COLOURS["info"])
        self.level = level
        self.setStyleSheet(
            f"#messageBar {{ background: {background}; border-radius: 4px; }}"
            f" QLabel {{ color: {foreground}; }}"
        )
        self.label.setText(text)
        self.show()

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
