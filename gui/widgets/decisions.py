"""The Decisions view: every marker of a run (checkpoint, LR decay, early stop, …), one line each."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from engine.jobs import Marker
from gui.plots.live_curves import MARKER_COLOURS

EMPTY_TEXT = "The decisions of a run (checkpoints, learning-rate changes, early stops, …) are listed here."


def swatch(colour: str, size: int = 12) -> QIcon:
    """A small square of ``colour``: the marker's colour beside text drawn in the theme's own colour
    (a pale marker colour as text would be unreadable on a light background)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class DecisionList(QListWidget):
    """One row per marker: a swatch in the marker's colour, then "epoch N · kind: what happened"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decisions")
        self.setAccessibleName("Decisions")
        self.setWordWrap(True)

    def add_marker(self, marker: Marker) -> None:
        """Append one decision."""
        kind = marker.kind.replace("_", " ")
        item = QListWidgetItem(f"epoch {marker.epoch} · {kind}: {marker.text}")
        item.setIcon(swatch(MARKER_COLOURS.get(marker.kind, "#777777")))
        item.setToolTip(item.text())
        self.addItem(item)

    def paintEvent(self, event: QPaintEvent) -> None:
        """An empty list says what will appear in it."""
        super().paintEvent(event)
        if self.count():
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        rect = self.viewport().rect().adjusted(12, 12, -12, -12)
        painter.drawText(rect, Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, EMPTY_TEXT)
