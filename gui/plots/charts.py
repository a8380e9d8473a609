"""Static charts the labs share: confusion matrix, bars, histogram, ROC curve, 2-D scatter.

Each is a pyqtgraph PlotWidget whose items are created once; ``set_*`` replaces the data. The numbers
come from the engine (LabResult.extra); these classes only draw them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QColor

from gui.plots.empty_hint import EmptyHint
from gui.plots.live_curves import PALETTE
from gui.plots.style import place_legend, style_plot

GOOD, BAD, NEUTRAL = "#009E73", "#D55E00", "#0072B2"
#: What an empty chart says until its data arrives (a chart may be given its own words).
AFTER_A_RUN = "This chart is drawn after a run."


def _categorical_axis(plot: pg.PlotItem, axis: str, labels: Sequence[str]) -> None:
    ticks = [list(enumerate(labels))]
    plot.getAxis(axis).setTicks(ticks)


class _Chart(pg.PlotWidget):
    """A plot with an accessible name, the theme's style and a hint while it has no data."""

    def __init__(self, name: str, empty_text: str, parent: object = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.empty_hint = EmptyHint(self, empty_text)
        self._legend_timer = QTimer(self)
        self._legend_timer.setSingleShot(True)
        self._legend_timer.timeout.connect(self.place_legend)

    def show_empty(self, empty: bool) -> None:
        """Show the hint (no data) or hide it (data drawn); a legend then moves off the data."""
        self.empty_hint.set_shown(empty)
        style_plot(self.getPlotItem())
        self._legend_timer.start(0)  # once the new range is applied

    @Slot()
    def place_legend(self) -> None:
        """Put the legend where it hides the least of the data."""
        place_legend(self.getPlotItem())


class ConfusionMatrixView(_Chart):
    """A heat map of counts, true class down the rows, predicted class across, counts written in."""

    def __init__(self, parent: object = None, empty_text: str = "") -> None:
        super().__init__(
            "Confusion matrix",
            empty_text or "The test split's confusion matrix is drawn after a run.",
            parent,
        )
        self.image = pg.ImageItem()
        self.addItem(self.image)
        self.getPlotItem().invertY(True)
        self.getPlotItem().setLabel("left", "true class")
        self.getPlotItem().setLabel("bottom", "predicted class")
        self.setAspectLocked(True)
        self._texts: list[pg.TextItem] = []
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.show_empty(True)

    def set_matrix(self, matrix: Sequence[Sequence[int]], class_names: Sequence[str]) -> None:
        """Draw ``matrix[true][pred]`` with class names on both axes."""
        m = np.asarray(matrix, dtype=np.int64)
        self.matrix = m
        for text in self._texts:
            self.removeItem(text)
        self._texts.clear()
        # Row-normalised colour, so a small class's errors are as visible as a large one's.
        rows = m.sum(axis=1, keepdims=True).clip(min=1)
        self.image.setImage((m / rows).T, levels=(0, 1))
        self.image.show()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.image.setRect(-0.5, -0.5, m.shape[1], m.shape[0])
        # Whole names: the axis widens to fit them (a cut name cannot be told from its neighbours).
        _categorical_axis(self.getPlotItem(), "left", list(class_names))
        _categorical_axis(self.getPlotItem(), "bottom", [str(i) for i in range(len(class_names))])
        if m.shape[0] <= 20:
            for (row, column), count in np.ndenumerate(m):
                if count:
                    colour = "#000000" if m[row, column] / rows[row, 0] > 0.6 else "#ffffff"
                    text = pg.TextItem(str(count), color=colour, anchor=(0.5, 0.5))
                    text.setPos(column, row)
                    self.addItem(text)
                    self._texts.append(text)
        self.getPlotItem().setTitle("confusion matrix (colour: share of the true class)")
        self.show_empty(not m.size)
        self.autoRange()

    def clear_matrix(self) -> None:
        """Remove the matrix and its counts (a new run starts); ``clear`` is PlotItem's, removing all."""
        for text in self._texts:
            self.removeItem(text)
        self._texts.clear()
        self.image.hide()
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.show_empty(True)


class BarChart(_Chart):
    """Labelled vertical bars; optional per-bar colours (e.g. flagged layers in red)."""

    def __init__(self, title: str = "", parent: object = None, empty_text: str = AFTER_A_RUN) -> None:
        super().__init__(title or "Bar chart", empty_text, parent)
        self.getPlotItem().setTitle(title)
        self.getPlotItem().showGrid(y=True, alpha=0.25)
        self.bars: pg.BarGraphItem | None = None
        self.values: list[float] = []

    def set_bars(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        colours: Sequence[str] | None = None,
        log_y: bool = False,
    ) -> None:
        """Replace the bars."""
        if self.bars is not None:
            self.removeItem(self.bars)
        self.values = [float(v) for v in values]
        heights = np.asarray(self.values, dtype=float)
        if log_y:
            heights = np.log10(np.clip(heights, 1e-30, None))
            self.getPlotItem().setLabel("left", "log10")
        brushes = [QColor(c) for c in (colours or [NEUTRAL] * len(heights))]
        self.bars = pg.BarGraphItem(x=np.arange(len(heights)), height=heights, width=0.7, brushes=brushes)
        self.addItem(self.bars)
        _categorical_axis(self.getPlotItem(), "bottom", list(labels))
        self.show_empty(not self.values)
        self.autoRange()


class HistogramView(_Chart):
    """A step histogram from bin edges and counts (several series overlay, one colour each)."""

    def __init__(self, title: str = "", parent: object = None, empty_text: str = AFTER_A_RUN) -> None:
        super().__init__(title or "Histogram", empty_text, parent)
        self.getPlotItem().setTitle(title)
        self.getPlotItem().addLegend(offset=(-5, 5))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.show_empty(True)

    def set_histogram(self, name: str, edges: Sequence[float], counts: Sequence[float]) -> None:
        """Draw (or replace) the series ``name``; ``len(edges) == len(counts) + 1``."""
        colour = PALETTE[(len(self.curves) if name not in self.curves else list(self.curves).index(name)) % 8]
        curve = self.curves.get(name)
        if curve is None:
            curve = self.plot(
                [0, 1],
                [0],
                stepMode="center",
                fillLevel=0,
                pen=pg.mkPen(colour, width=1.5),
                brush=pg.mkBrush(QColor(colour).lighter(170)),
                name=name,
            )
            self.curves[name] = curve
        curve.setData(np.asarray(edges, dtype=float), np.asarray(counts, dtype=float))
        self.show_empty(False)

    def clear_series(self) -> None:
        """Remove every series."""
        for curve in self.curves.values():
            self.removeItem(curve)
        self.curves.clear()
        self.show_empty(True)


class RocView(_Chart):
    """ROC curves (fpr → tpr) with the chance diagonal and the AUC in the legend."""

    def __init__(self, parent: object = None, empty_text: str = "") -> None:
        super().__init__(
            "ROC curve", empty_text or "Run a model: its ROC curve on the test split is drawn here.", parent
        )
        plot = self.getPlotItem()
        plot.setTitle("ROC curve")
        plot.setLabel("bottom", "false-positive rate")
        plot.setLabel("left", "true-positive rate")
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.addLegend(offset=(-5, -5))
        plot.plot([0, 1], [0, 1], pen=pg.mkPen("#999999", style=pg.QtCore.Qt.PenStyle.DashLine))
        self.setRange(xRange=(0, 1), yRange=(0, 1))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.show_empty(True)

    def set_curve(self, name: str, fpr: Sequence[float], tpr: Sequence[float], auc: float) -> None:
        """Draw (or replace) one ROC curve."""
        label = f"{name} (AUC {auc:.3f})"
        curve = self.curves.pop(name, None)
        if curve is not None:
            self.removeItem(curve)
        colour = PALETTE[len(self.curves) % len(PALETTE)]
        self.curves[name] = self.plot(list(fpr), list(tpr), pen=pg.mkPen(colour, width=2), name=label)
        self.show_empty(False)


class ScatterView(_Chart):
    """2-D points coloured by label (e.g. a PCA of embeddings), with a legend per label."""

    def __init__(self, title: str = "", parent: object = None, empty_text: str = AFTER_A_RUN) -> None:
        super().__init__(title or "Scatter plot", empty_text, parent)
        self.getPlotItem().setTitle(title)
        self.getPlotItem().addLegend(offset=(-5, 5))
        self.items: list[pg.ScatterPlotItem] = []
        self.show_empty(True)

    def set_points(
        self, xy: Sequence[Sequence[float]], labels: Sequence[object], names: dict | None = None
    ) -> None:
        """Replace the points; ``names`` maps a label to its legend text."""
        for item in self.items:
            self.removeItem(item)
        self.items.clear()
        points = np.asarray(xy, dtype=float).reshape(-1, 2)
        label_array = np.asarray(labels)
        for index, label in enumerate(sorted(set(label_array.tolist()), key=str)):
            mask = label_array == label
            colour = QColor(PALETTE[index % len(PALETTE)])
            colour.setAlpha(170)
            item = pg.ScatterPlotItem(
                points[mask, 0],
                points[mask, 1],
                size=6,
                pen=None,
                brush=pg.mkBrush(colour),
                name=(names or {}).get(label, str(label)),
            )
            self.addItem(item)
            self.items.append(item)
        self.show_empty(not self.items)
        self.autoRange()
