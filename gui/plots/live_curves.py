"""Live training curves: one plot per metric group, items created once and updated with setData."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pyqtgraph as pg
from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.plots.empty_hint import EmptyHint
from gui.plots.style import place_legend, style_plot

#: Distinct, colour-blind-friendly pens (Okabe–Ito), cycled per curve within a plot.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKER_COLOURS = {
    "checkpoint": "#009E73",
    "lr_decay": "#E69F00",
    "early_stop": "#CC79A7",
    "nan_stop": "#D55E00",
    "majority_rate": "#56B4E9",
    "majority_warning": "#D55E00",
}


class EpochAxis(pg.AxisItem):
    """An x axis that labels whole epochs only (no 1.5 epoch ticks when a run is short)."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        levels, shown = [], set()
        for spacing, values in super().tickValues(minVal, maxVal, size):
            kept = [v for v in values if float(v).is_integer() and float(v) not in shown]
            shown.update(float(v) for v in kept)
            if kept:
                levels.append((max(spacing, 1.0), kept))
        return levels


#: How long after the last new point the legends are placed (a run adds several points per epoch).
LEGEND_DELAY_MS = 120


def remove_plots(layout: pg.GraphicsLayoutWidget, plots: dict[str, pg.PlotItem]) -> list[pg.PlotItem]:
    """Take every plot out of ``layout`` and empty ``plots``; returns the plots, which Qt deletes on its
    next pass through the event loop. Keep the returned list until then: freed at once by Python, a
    plot the scene still knew of crashed the next paint (seen in ``make screenshots``: the Runs page
    compared new runs, then the window resized)."""
    retired = list(plots.values())
    layout.clear()
    plots.clear()
    for plot in retired:
        plot.deleteLater()
    return retired


def default_group(metric: str) -> str:
    """Curves that share a plot: ``val_loss`` goes with ``loss``, ``val_auc`` with ``auc``."""
    return metric.removeprefix("val_")


class LiveCurves(QWidget):
    """A grid of plots; each metric is a curve in its group's plot, one point per epoch.

    Args:
        group_of: Maps a metric name to its plot's title. Defaults to :func:`default_group`.
        columns: Plots per row. Defaults to 2.
        colour_of: A curve's colour by its metric name (e.g. one colour per run when comparing runs);
            None cycles :data:`PALETTE` within each plot. Defaults to None.
        legends: Whether each plot has its own legend (False when the page shows one legend for all).
            Defaults to True.
        empty_hint: Shown in the middle while there is no curve (what will appear, and how). Defaults
            to none.
    """

    def __init__(
        self,
        group_of: Callable[[str], str] = default_group,
        columns: int = 2,
        parent: QWidget | None = None,
        colour_of: Callable[[str], str] | None = None,
        legends: bool = True,
        empty_hint: str = "",
    ) -> None:
        super().__init__(parent)
        self.group_of = group_of
        self.columns = columns
        self.colour_of = colour_of
        self.legends = legends
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.ci.setContentsMargins(4, 4, 4, 4)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.layout_widget, 1)
        self.marker_legend = QLabel()
        self.marker_legend.setObjectName("markerLegend")
        self.marker_legend.hide()
        box.addWidget(self.marker_legend)
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.points: dict[str, tuple[list[float], list[float]]] = {}
        # One vertical line per (plot, epoch); several decisions at one epoch share it and its tooltip.
        self._marker_lines: dict[tuple[str, float], pg.InfiniteLine] = {}
        self._markers: list[tuple[float, str, str]] = []
        self.log_y = False
        self.empty_hint = EmptyHint(self.layout_widget, empty_hint) if empty_hint else None
        # Legends move out of the curves' way once the points of an epoch are in (not per point).
        self._legend_timer = QTimer(self)
        self._legend_timer.setSingleShot(True)
        self._legend_timer.setInterval(LEGEND_DELAY_MS)
        self._legend_timer.timeout.connect(self.place_legends)
        self.layout_widget.setAccessibleName("Training curves")
        self._deferred: set[str] | None = None  # curves to redraw when a deferred() block ends
        self._retired: list[pg.PlotItem] = []  # removed plots waiting for Qt to delete them

    def clear(self) -> None:
        """Remove every plot, curve and marker (the plots to show will differ); see :func:`remove_plots`."""
        self._retired = remove_plots(self.layout_widget, self.plots)
        self.reset()

    def reset(self) -> None:
        """Remove curves and markers but keep the plots: a new run of the same lab starts.

        Building a plot with its axes and legend costs tens of milliseconds; a run that reuses them
        does not stall the GUI at its first epoch.
        """
        for plot in self.plots.values():
            for item in list(plot.items):  # curves, marker lines, and lines a lab added itself
                plot.removeItem(item)
            if plot.legend is not None:
                plot.legend.clear()
        self.curves.clear()
        self.points.clear()
        self._marker_lines.clear()
        self._markers.clear()
        self.marker_legend.hide()
        if self.empty_hint is not None:
            self.empty_hint.set_shown(True)

    def prepare(self, groups: Sequence[str]) -> None:
        """Create the plots of these groups now (before a run), in this order."""
        for group in groups:
            self._plot_for(group)
        if groups and self.empty_hint is not None:
            self.empty_hint.set_shown(False)  # a run is starting: its plots are there, waiting

    def _plot_for(self, group: str) -> pg.PlotItem:
        plot = self.plots.get(group)
        if plot is None:
            index = len(self.plots)
            if index and index % self.columns == 0:
                self.layout_widget.nextRow()
            plot = self.layout_widget.addPlot(title=group, axisItems={"bottom": EpochAxis("bottom")})
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", "epoch")
            if self.legends:
                plot.addLegend(offset=(-5, 5))
            plot.setLogMode(y=self.log_y and group.startswith("loss"))
            style_plot(plot)
            self.plots[group] = plot
            for epoch in dict.fromkeys(epoch for epoch, _, _ in self._markers):
                self._draw_marker(group, epoch)
        return plot

    def add_point(self, metric: str, epoch: float, value: float) -> None:
        """Append one point; NaN/inf are kept out of the curve (the plot cannot draw them)."""
        xs, ys = self.points.setdefault(metric, ([], []))
        if not math.isfinite(value):
            return
        xs.append(epoch)
        ys.append(value)
        curve = self.curves.get(metric)
        if curve is None:
            plot = self._plot_for(self.group_of(metric))
            colour = self.colour_of(metric) if self.colour_of else PALETTE[len(plot.listDataItems()) % 8]
            # The last word: a comparison names its curves "#12 val_loss".
            validation = metric.rsplit(" ", 1)[-1].startswith("val_")
            style = pg.QtCore.Qt.PenStyle.DashLine if validation else None
            pen = pg.mkPen(colour, width=2, style=style) if style else pg.mkPen(colour, width=2)
            curve = plot.plot([], [], pen=pen, name=metric, symbol="o", symbolSize=4, symbolBrush=colour)
            self.curves[metric] = curve
            if self.empty_hint is not None:
                self.empty_hint.set_shown(False)
        if self._deferred is not None:
            self._deferred.add(metric)
            return
        curve.setData(xs, ys)
        self._legend_timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        """Legends placed while the plots were hidden (a run on another view) used a stale plot size."""
        super().showEvent(event)
        self._legend_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A new plot size moves the curves under the legends: place them again."""
        super().resizeEvent(event)
        self._legend_timer.start()

    @Slot()
    def place_legends(self) -> None:
        """Put each plot's legend where it hides the least of the curves."""
        for plot in self.plots.values():
            place_legend(plot)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Points added inside the block are drawn once, at its end: a job with many short epochs
        (the backprop race: ~400 a second) must not redraw every curve for every epoch."""
        self._deferred = set()
        try:
            yield
        finally:
            pending, self._deferred = self._deferred, None
            for metric in pending:
                self.curves[metric].setData(*self.points[metric])
            if pending:
                self._legend_timer.start()

    def add_marker(self, epoch: float, kind: str, text: str) -> None:
        """A vertical line on every plot at ``epoch``; hovering shows every decision of that epoch."""
        self._markers.append((epoch, kind, text))
        for group in self.plots:
            self._draw_marker(group, epoch)
        self._update_marker_legend()

    def _draw_marker(self, group: str, epoch: float) -> None:
        decisions = [(k, t) for e, k, t in self._markers if e == epoch]
        colour = MARKER_COLOURS.get(decisions[0][0], "#777777")
        line = self._marker_lines.get((group, epoch))
        if line is None:
            line = pg.InfiniteLine(
                pos=epoch, angle=90, pen=pg.mkPen(colour, width=1, style=pg.QtCore.Qt.PenStyle.DotLine)
            )
            line.setHoverPen(pg.mkPen(colour, width=3))
            line.setAcceptHoverEvents(True)
            self.plots[group].addItem(line, ignoreBounds=True)
            self._marker_lines[(group, epoch)] = line
        line.setToolTip("\n".join(f"epoch {epoch:g} · {kind}: {text}" for kind, text in decisions))

    def _update_marker_legend(self) -> None:
        kinds = dict.fromkeys(kind for _, kind, _ in self._markers)
        swatches = "&nbsp;&nbsp;".join(
            # Only the dotted-line glyph takes the marker's colour: pale marker colours as text would
            # not read on a light background; the words keep the theme's text colour.
            f"<span style='color:{MARKER_COLOURS.get(kind, '#777777')}'><b>┆</b></span> "
            f"{kind.replace('_', ' ')}"
            for kind in kinds
        )
        self.marker_legend.setText(f"<small>Decisions (hover a dotted line): {swatches}</small>")
        self.marker_legend.setVisible(bool(kinds))

    @property
    def marker_count(self) -> int:
        """How many markers were added (each drawn on every plot)."""
        return len(self._markers)

    def set_log_y(self, enabled: bool) -> None:
        """Log-scale the y axis of loss plots."""
        self.log_y = enabled
        for group, plot in self.plots.items():
            plot.setLogMode(y=enabled and group.startswith("loss"))
        self._legend_timer.start()
