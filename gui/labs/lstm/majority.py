"""The LSTM lab's majority-class warning: a banner above every view and the majority-rate line.

Approving every project already scores the majority-class rate (~0.85), so accuracy near it says
little. The engine announces the validation rate when training starts (a ``majority_rate`` marker)
and marks each epoch whose validation accuracy is within one point of it (``majority_warning``,
sent just before that epoch's metrics); the finished run carries the test split's verdict. The banner
follows the latest of these; the line sits beside the accuracy curve from the first epoch on.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QWidget

from engine.jobs import EpochEnded, LabResult, Marker
from engine.labs.lstm import scores as lstm_scores
from gui import theme
from gui.labs.lstm.results import model_name
from gui.plots.live_curves import LiveCurves

LINE_COLOUR = "#D55E00"


class MajorityWarning(QLabel):
    """The warning banner (hidden while accuracy stays clear of the majority rate) and the rate line.

    Args:
        curves: The lab's live curves.
        plot: Title of the plot that shows validation accuracy.
        parent: Qt parent.
    """

    def __init__(self, curves: LiveCurves, plot: str, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setObjectName("majorityWarning")
        self.setWordWrap(True)
        self._restyle()
        theme.notifier.sig_theme_changed.connect(self._restyle)
        self.hide()
        self.curves, self.plot = curves, plot
        self.rate: float | None = None
        self.line: pg.InfiniteLine | None = None
        self._warned_epoch = 0

    @Slot()
    def _restyle(self) -> None:
        self.setStyleSheet(theme.note_style("warning", "QLabel", bold=True))
        if getattr(self, "line", None) is not None:
            self.line.label.setColor(theme.colour("warning"))

    def reset(self) -> None:
        """A new run: no rate, no line (the curves were cleared with it), no warning."""
        self.hide()
        self.rate, self.line, self._warned_epoch = None, None, 0

    def on_event(self, event: Any) -> None:
        """Follow the run: the rate marker draws the line, a warning marker shows the banner, and an
        epoch that ends without one hides it."""
        if isinstance(event, Marker) and event.kind == lstm_scores.RATE_KIND:
            self.rate = lstm_scores.marker_rate(event)
            self._draw_line()
        elif isinstance(event, Marker) and event.kind == lstm_scores.WARNING_KIND:
            self._warned_epoch = event.epoch
            self._show(f"Epoch {event.epoch}: {event.text}")
        elif isinstance(event, EpochEnded):
            self._draw_line()  # the accuracy plot appears with the first epoch's point
            if event.epoch != self._warned_epoch:
                self.hide()

    def show_result(self, result: LabResult) -> None:
        """The test split's verdict replaces the epochs' (hidden when test accuracy is clear of the
        rate); the line moves to the exact validation rate (the marker states four decimals)."""
        extra = dict(result.extra)
        self.rate = float(extra["val_majority_rate"])
        self._draw_line()
        warning = str(extra.get("accuracy_warning", ""))
        self.hide()
        if warning:
            self._show(f"{model_name(result)} on the test split: {warning}")

    def _show(self, text: str) -> None:
        self.setText(f"⚠ {text}")
        self.show()

    def _draw_line(self) -> None:
        plot = self.curves.plots.get(self.plot)
        if self.rate is None or plot is None:
            return
        label = f"accuracy of always 'approved': {self.rate:.3f}"
        if self.line is not None:
            self.line.setValue(self.rate)
            self.line.label.setFormat(label)
            return
        self.line = pg.InfiniteLine(
            pos=self.rate,
            angle=0,
            pen=pg.mkPen(LINE_COLOUR, width=1.5, style=Qt.PenStyle.DashLine),
            label=label,
            labelOpts={"position": 0.15, "color": theme.colour("warning"), "anchors": [(0, 1), (0, 1)]},
        )
        plot.addItem(self.line)
