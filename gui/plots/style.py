"""Plots follow the theme and the font size: colours of axes, titles and legends, and every text size.

pyqtgraph bakes the foreground colour into axes, titles and legend labels when they are made, and its
legends default to a fixed 9 pt; :func:`restyle_all` brings every live plot up to date after a theme or
font change (gui.theme calls it), and :func:`style_plot` styles a new plot the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication

#: How opaque a legend's background is where no curve runs under it, and where one does (the curve
#: then shows through, the names stay readable).
LEGEND_ALPHA = 215
LEGEND_ALPHA_OVER_DATA = 140


def _font() -> QFont:
    return QFont(QApplication.font())


def _point_size() -> float:
    size = QApplication.font().pointSizeF()
    return size if size > 0 else 9.0


def style_plot(plot: pg.PlotItem) -> None:
    """Theme colours and the application's font size for one plot's axes, title and legend."""
    foreground = pg.getConfigOption("foreground")
    font = _font()
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen()  # no argument: the configured foreground
        axis.setTextPen()
        axis.setTickFont(font)
        axis.label.setFont(font)
    if plot.titleLabel.text:
        plot.titleLabel.setText(plot.titleLabel.text, color=foreground, size=f"{_point_size() + 1:g}pt")
    if plot.legend is not None:
        style_legend(plot.legend)


def style_legend(legend: pg.LegendItem) -> None:
    """Legend text in the theme's foreground at the application's size, on a nearly opaque background
    of the plot's own colour (readable where it covers a curve)."""
    background = QColor(pg.getConfigOption("background"))
    background.setAlpha(LEGEND_ALPHA)
    legend.setBrush(background)
    legend.setLabelTextColor(pg.getConfigOption("foreground"))
    legend.setLabelTextSize(f"{_point_size():g}pt")
    for _sample, label in legend.items:  # the setters above only store the options
        label.setText(label.text)


def live_views() -> Iterator[pg.GraphicsView]:
    """Every pyqtgraph view that exists now."""
    for widget in QApplication.allWidgets():
        if isinstance(widget, pg.GraphicsView):
            yield widget


def restyle_all() -> None:
    """Bring every live plot to the current theme and font (after either changed)."""
    background = pg.getConfigOption("background")
    for view in live_views():
        view.setBackground(background)
        for item in view.scene().items():
            if isinstance(item, pg.PlotItem):
                style_plot(item)
            elif isinstance(item, pg.LegendItem):  # also legends placed outside a PlotItem
                style_legend(item)


#: Legend corners in the order tried: (x, y) of the legend's and the plot area's anchor point.
CORNERS = ((1.0, 0.0), (0.0, 0.0), (1.0, 1.0), (0.0, 1.0))
#: Pixels between a legend and the plot area's edges.
LEGEND_INSET = 6
#: Points sampled along each line segment, so a legend over a steep line counts as covering it.
SEGMENT_SAMPLES = 12


def _curve_pixels(plot: pg.PlotItem) -> np.ndarray:
    """Where the plot's data items are drawn, in the view box's pixels (points and line samples)."""
    box = plot.getViewBox()
    (x_min, x_max), (y_min, y_max) = box.viewRange()
    rect = box.boundingRect()
    chunks = []
    for item in plot.listDataItems():
        x, y = item.getData()
        if x is None or y is None or len(x) == 0:
            continue
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if len(x) == len(y) + 1:  # a step histogram: edges and counts; a bar stands over its centre
            x = (x[:-1] + x[1:]) / 2
        count = min(len(x), len(y))
        x, y = x[:count], y[:count]
        if count > 1:  # sample along the lines between the points
            t = np.linspace(0.0, 1.0, SEGMENT_SAMPLES, endpoint=False)
            x = np.concatenate([(x[:-1, None] + (x[1:] - x[:-1])[:, None] * t).ravel(), x[-1:]])
            y = np.concatenate([(y[:-1, None] + (y[1:] - y[:-1])[:, None] * t).ravel(), y[-1:]])
        finite = np.isfinite(x) & np.isfinite(y)
        px = (x[finite] - x_min) / max(x_max - x_min, 1e-300) * rect.width()
        py = (y_max - y[finite]) / max(y_max - y_min, 1e-300) * rect.height()
        chunks.append(np.column_stack([px, py]))
    return np.concatenate(chunks) if chunks else np.zeros((0, 2))


def place_legend(plot: pg.PlotItem) -> None:
    """Move the plot's legend to the corner of the plot area where it covers the least of the curves
    (the first corner among equals, so a legend does not wander while the curves leave it alone)."""
    legend = plot.legend
    if legend is None or not legend.items:
        return
    pixels = _curve_pixels(plot)
    area = plot.getViewBox().boundingRect()
    width, height = legend.boundingRect().width(), legend.boundingRect().height()
    covered = []
    for x_anchor, y_anchor in CORNERS:
        left = LEGEND_INSET if x_anchor == 0 else area.width() - width - LEGEND_INSET
        top = LEGEND_INSET if y_anchor == 0 else area.height() - height - LEGEND_INSET
        inside = (
            (pixels[:, 0] >= left)
            & (pixels[:, 0] <= left + width)
            & (pixels[:, 1] >= top)
            & (pixels[:, 1] <= top + height)
        )
        covered.append(int(inside.sum()))
    x_anchor, y_anchor = CORNERS[covered.index(min(covered))]
    # Where every corner has curves under it, the legend lets them show through.
    background = QColor(pg.getConfigOption("background"))
    background.setAlpha(LEGEND_ALPHA if min(covered) == 0 else LEGEND_ALPHA_OVER_DATA)
    legend.setBrush(background)
    inward = (1 if x_anchor == 0 else -1, 1 if y_anchor == 0 else -1)
    offset = (inward[0] * LEGEND_INSET, inward[1] * LEGEND_INSET)
    legend.anchor(itemPos=(x_anchor, y_anchor), parentPos=(x_anchor, y_anchor), offset=offset)
