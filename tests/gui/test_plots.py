"""Plots keep their legends off the curves and say what will appear while they are empty."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from gui.plots.charts import HistogramView
from gui.plots.live_curves import LiveCurves
from gui.plots.style import _curve_pixels, place_legend


def _legend_corner(plot) -> tuple[float, float]:
    legend, box = plot.legend, plot.getViewBox()
    centre = legend.mapRectToItem(box, legend.boundingRect()).center()
    area = box.boundingRect()
    return (round(centre.x() / area.width()), round(centre.y() / area.height()))


def _covered(plot) -> int:
    """How many drawn curve pixels lie under the legend."""
    rect = plot.legend.mapRectToItem(plot.getViewBox(), plot.legend.boundingRect())
    pixels = _curve_pixels(plot)
    inside = (
        (pixels[:, 0] >= rect.left())
        & (pixels[:, 0] <= rect.right())
        & (pixels[:, 1] >= rect.top())
        & (pixels[:, 1] <= rect.bottom())
    )
    return int(inside.sum())


def test_a_legend_moves_off_a_curve_that_runs_under_it(qtbot):
    curves = LiveCurves()
    qtbot.addWidget(curves)
    curves.resize(500, 400)
    curves.show()
    # A rising accuracy: high on the right, where a top-right legend would sit on it.
    for epoch, value in enumerate([0.1, 0.3, 0.6, 0.8, 0.9, 0.95], start=1):
        curves.add_point("accuracy", epoch, value)
        curves.add_point("val_accuracy", epoch, value - 0.02)
    QApplication.processEvents()
    curves._legend_timer.stop()  # placed by hand below, to see it move
    plot = curves.plots["accuracy"]
    assert _legend_corner(plot) == (1, 0)  # where pyqtgraph puts it: on the rising curve's end
    assert _covered(plot) > 0
    place_legend(plot)
    QApplication.processEvents()
    assert _legend_corner(plot) != (1, 0) and _covered(plot) == 0
    # A falling loss: the top right is free.
    for epoch, value in enumerate([2.0, 1.0, 0.5, 0.3, 0.2, 0.1], start=1):
        curves.add_point("loss", epoch, value)
    QApplication.processEvents()
    place_legend(curves.plots["loss"])
    QApplication.processEvents()
    assert _legend_corner(curves.plots["loss"]) == (1, 0) and _covered(curves.plots["loss"]) == 0


def test_empty_charts_say_what_will_appear(qtbot):
    chart = HistogramView("weights", empty_text="Drawn from the first epoch of a run on.")
    qtbot.addWidget(chart)
    chart.show()
    assert chart.empty_hint.isVisible() and "first epoch" in chart.empty_hint.text()
    chart.set_histogram("weights", [0.0, 0.5, 1.0], [3, 1])
    assert not chart.empty_hint.isVisible()
    chart.place_legend()  # edges are one longer than counts: the legend still finds its corner
    assert len(_curve_pixels(chart.getPlotItem())) > 0
    chart.clear_series()
    assert chart.empty_hint.isVisible()


def test_cleared_plots_are_deleted_by_qt_not_freed_under_the_scene(qtbot):
    """Plots removed by clear() live until Qt's next event-loop pass deletes them: freed at once by
    Python, a removed plot crashed the next paint (make screenshots: Runs page, new runs, a resize)."""
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    curves = LiveCurves()
    qtbot.addWidget(curves)
    curves.resize(600, 400)
    curves.show()
    for epoch, loss in enumerate([0.9, 0.5, 0.3], start=1):
        curves.add_point("loss", epoch, loss)
        curves.add_point("val_loss", epoch, loss + 0.1)
    old = curves.plots["loss"]
    curves.clear()
    assert shiboken6.isValid(old) and not curves.plots  # gone from the layout, not yet deleted
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(old)  # Qt deleted it
    curves.add_point("accuracy", 1, 0.7)
    curves.resize(800, 500)
    assert not curves.grab().isNull()  # the scene paints without the old plots


def test_legends_placed_while_hidden_are_placed_again_when_shown(qtbot):
    """A run fills curves on a hidden view; shown later, each legend goes where the curves are not."""
    import time

    curves = LiveCurves()
    qtbot.addWidget(curves)
    curves.resize(900, 500)
    for epoch in range(1, 26):  # rising from the bottom left into the top right corner
        curves.add_point("auc", epoch, 0.5 + 0.47 * epoch / 25)
        curves.add_point("val_auc", epoch, 0.6 + 0.35 * epoch / 25)
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:  # the legend timer fires while the plots are hidden
        QApplication.processEvents()
    curves.show()
    qtbot.waitExposed(curves)
    plot = curves.plots["auc"]
    qtbot.waitUntil(lambda: _legend_corner(plot) == (0, 0) and _covered(plot) == 0, timeout=2000)


def test_a_new_race_hands_the_old_per_optimizer_plots_to_qt(qtbot):
    """The per-optimizer plots go the same way as cleared live curves (remove_plots)."""
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    from gui.labs.backprop.race_plots import OptimizerPlots

    plots = OptimizerPlots()
    qtbot.addWidget(plots)
    plots.show()
    plots.start(["sgd", "adam"], "loss")
    old = plots.plots["sgd"]
    plots.start(["momentum"], "loss")
    assert shiboken6.isValid(old) and list(plots.plots) == ["momentum"]
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(old)
    assert not plots.grab().isNull()
