"""A line of text in the middle of an empty plot saying what will appear there and how."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget


class EmptyHint(QLabel):
    """Sits centred over ``host`` (e.g. a plot) while it has nothing to show.

    Args:
        host: The widget it covers; it follows the host's size.
        text: What will appear and how, e.g. "Press Run: the loss of every epoch is drawn here."
    """

    def __init__(self, host: QWidget, text: str) -> None:
        super().__init__(text, host)
        self.setObjectName("emptyHint")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.host = host
        host.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keep centred when the host resizes."""
        if watched is self.host and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def set_shown(self, shown: bool) -> None:
        """Show while the host is empty, hide once it has data."""
        self.setVisible(shown)
        if shown:
            self._place()
            self.raise_()

    def _place(self) -> None:
        width = max(120, min(self.host.width() - 40, 520))
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        self.setGeometry((self.host.width() - width) // 2, (self.host.height() - height) // 2, width, height)
