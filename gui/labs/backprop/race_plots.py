"""Small multiples of the optimizer race: one loss plot per optimizer, all on the same axes.

The assignment asks for a loss plot per optimizer *and* one with all of them; the comparison plot is
the inherited live curves, these are the per-optimizer plots beside it. They share their axes: every
plot shows the same range, spanning every optimizer's points, so a curve that looks flatter really is
flatter; colours match the comparison plot's. (The range is set on each plot, not with pyqtgraph's
view links: linked views auto-ranging to their own data feed range changes back and forth, and
per-epoch updates stay O(1) apart from the curve's own ``setData``.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.plots.live_curves import PALETTE, EpochAxis, remove_plots
from gui.plots.style import style_plot

#: Plots per row: three optimizers stack in one column, six in two.
ROWS_PER_COLUMN = 3


class OptimizerPlots(QWidget):
    """One small loss-per-epoch plot per optimizer, with shared (linked) axes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("optimizerPlots")
        self.title = QLabel()
        self.title.setObjectName("optimizerPlotsTitle")
        self.title.setWordWrap(True)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setAccessibleName("Loss per epoch of each optimizer")
        self.layout_widget.ci.setContentsMargins(2, 2, 2, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.title)
        box.addWidget(self.layout_widget, 1)
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.points: dict[str, tuple[list[float], list[float]]] = {}
        self._retired: list[pg.PlotItem] = []  # removed plots waiting for Qt to delete them
        self.log_y = False
        # The shared range so far: epochs, and the losses (all, and the positive ones for log scale).
        self._epochs = (math.inf, -math.inf)
        self._losses = (math.inf, -math.inf)
        self._positive = (math.inf, -math.inf)

    def start(self, names: Sequence[str], title: str) -> None:
        """A new race: one empty plot per optimizer, in the order (and colours) of the comparison plot."""
        self._retired = remove_plots(self.layout_widget, self.plots)  # kept until Qt deletes them
        self.curves.clear()
        self.points.clear()
        self._epochs = self._losses = self._positive = (math.inf, -math.inf)
        self.title.setText(f"<b>Per optimizer</b> · {title} · shared axes")
        for index, name in enumerate(names):
            row, column = index % ROWS_PER_COLUMN, index // ROWS_PER_COLUMN
            plot = self.layout_widget.addPlot(
                row=row, col=column, title=name, axisItems={"bottom": EpochAxis("bottom")}
            )
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLogMode(y=self.log_y)
            plot.disableAutoRange()
            plot.setMouseEnabled(x=False, y=False)  # one range for all: no plot pans on its own
            style_plot(plot)  # the theme's colours and the app's font size, as every live plot
            colour = PALETTE[index % len(PALETTE)]
            self.curves[name] = plot.plot([], [], pen=pg.mkPen(colour, width=2))
            self.plots[name] = plot
            self.points[name] = ([], [])

    def add_points(self, points: Sequence[tuple[str, float, float]]) -> None:
        """Epoch losses as (optimizer, epoch, loss), drawn once (NaN/inf are left out, as in the
        comparison plot)."""
        changed = set()
        for name, epoch, loss in points:
            if name not in self.curves or not math.isfinite(loss):
                continue
            xs, ys = self.points[name]
            xs.append(epoch)
            ys.append(loss)
            changed.add(name)
            self._epochs = (min(self._epochs[0], epoch), max(self._epochs[1], epoch))
            self._losses = (min(self._losses[0], loss), max(self._losses[1], loss))
            if loss > 0:
                self._positive = (min(self._positive[0], loss), max(self._positive[1], loss))
        for name in changed:
            self.curves[name].setData(*self.points[name])
        if changed:
            self._fit_shared_range()

    @property
    def shared_range(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """((first epoch, last epoch), (lowest, highest loss)) over every optimizer; None before data.
        In log scale the losses are the positive ones' log10, as pyqtgraph's log axes expect."""
        low, high = self._positive if self.log_y else self._losses
        if not math.isfinite(low):
            return None
        if self.log_y:
            low, high = math.log10(low), math.log10(high)
        first, last = self._epochs
        return (first, max(last, first + 1)), (low, high if high > low else low + 1e-12)

    def _fit_shared_range(self) -> None:
        shared = self.shared_range
        if shared is None:
            return
        (first, last), (low, high) = shared
        for plot in self.plots.values():
            plot.setXRange(first, last, padding=0.03)
            plot.setYRange(low, high, padding=0.05)

    def set_log_y(self, enabled: bool) -> None:
        """Log-scale every plot's y axis (follows the comparison plot's toggle)."""
        self.log_y = enabled
        for plot in self.plots.values():
            plot.setLogMode(y=enabled)
        self._fit_shared_range()
