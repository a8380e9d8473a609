"""GradientNormChart: each layer's gradient norm as a log10 bar, with 0 and NaN/inf drawn apart.

A log scale has no place for a norm of exactly 0 (log10 0 = −∞) nor for NaN/inf. Clipping them to a
tiny number drew Model-2's dead layers as giant bars down to −30, dwarfing the real values; here they
get a hatched bar that only reaches just below the lowest real bar, labelled with what it means.
The norms and flags come from the engine (``LayerStatsRecorded``); this chart only draws them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from gui.plots.empty_hint import EmptyHint

#: Bar colour of each gradient-norm flag (Okabe–Ito: blue ok, orange vanishing, red exploding).
FLAG_COLOURS = {
    "ok": "#56B4E9",
    "vanishing": "#E69F00",
    "exploding": "#D55E00",
    "zero": "#999999",
    "non-finite": "#000000",
}

#: What an off-scale bar says, by flag.
OFF_SCALE_TEXT = {"zero": "0 (no gradient)", "non-finite": "NaN/inf"}


class GradientNormChart(pg.PlotWidget):
    """Labelled log10 bars of gradient norms; zero and non-finite norms as labelled hatched bars."""

    def __init__(self, title: str = "gradient norm per layer (log10)", parent: object = None) -> None:
        super().__init__(parent)
        plot = self.getPlotItem()
        plot.setTitle(title)
        plot.showGrid(y=True, alpha=0.25)
        plot.setLabel("left", "log10 of the gradient norm")
        self.values: list[float] = []
        #: Height (log10) of each drawn bar; None for an off-scale layer.
        self.heights: list[float | None] = []
        #: Layer index → the label of its off-scale bar.
        self.off_scale: dict[int, str] = {}
        self._items: list[pg.GraphicsObject] = []
        self.empty_hint = EmptyHint(self, "Drawn from the first epoch of a run on.")
        self.setAccessibleName(title)

    def set_norms(self, names: Sequence[str], norms: Sequence[float], flags: Sequence[str]) -> None:
        """Replace the bars: one per layer, coloured by its flag."""
        for item in self._items:
            self.removeItem(item)
        self._items.clear()
        self.empty_hint.set_shown(not norms)
        self.values = [float(v) for v in norms]
        self.heights = [math.log10(v) if math.isfinite(v) and v > 0 else None for v in self.values]
        self.off_scale = {
            i: OFF_SCALE_TEXT["zero" if value == 0.0 else "non-finite"]
            for i, (value, height) in enumerate(zip(self.values, self.heights, strict=True))
            if height is None
        }
        real = [(i, h) for i, h in enumerate(self.heights) if h is not None]
        if real:
            self._add(
                pg.BarGraphItem(
                    x=[i for i, _ in real],
                    height=[h for _, h in real],
                    width=0.7,
                    brushes=[QColor(FLAG_COLOURS.get(str(flags[i]), "#777777")) for i, _ in real],
                )
            )
        # Below every real bar (and below 0): "smaller than anything drawn", not a value on the axis.
        floor = min(0.0, math.floor(min((h for _, h in real), default=0.0))) - 1.0
        for i, text in self.off_scale.items():
            colour = QColor(FLAG_COLOURS.get(str(flags[i]), "#777777"))
            self._add(
                pg.BarGraphItem(
                    x=[i],
                    height=[floor],
                    width=0.7,
                    pen=pg.mkPen(colour, width=1),
                    brush=QBrush(colour, Qt.BrushStyle.BDiagPattern),
                )
            )
            label = pg.TextItem(
                text, color="#222222", fill=pg.mkBrush(255, 255, 255, 220), angle=90, anchor=(0.5, 0.5)
            )
            label.setPos(i, floor / 2)
            self._add(label)
        axis = self.getPlotItem().getAxis("bottom")
        axis.setTicks([list(enumerate(names))])
        self.getPlotItem().setXRange(-0.6, len(names) - 0.4, padding=0)
        tops = [h for _, h in real] + ([floor] if self.off_scale else []) + [0.0]
        self.getPlotItem().setYRange(float(np.min(tops)), float(np.max(tops)) + 0.5, padding=0.05)

    def _add(self, item: pg.GraphicsObject) -> None:
        self.addItem(item)
        self._items.append(item)
