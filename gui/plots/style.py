"""Plots follow the theme and the font size: colours of axes, titles and legends, and every text size.

pyqtgraph bakes the foreground colour into axes, titles and legend labels when they are made, and its
legends default to a fixed 9 pt; :func:`restyle_all` brings every live plot up to date after a theme or
font change (gui.theme calls it), and :func:`style_plot` styles a new plot the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication

#: How opaque a legend's background is: the curves under it stay faintly visible.
LEGEND_ALPHA = 215


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
