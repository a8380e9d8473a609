"""Themes and fonts reach everything already on screen (plots, tables, message bars), through the View
menu's own actions, and every text colour reads at WCAG AA (4.5:1) in both themes."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QTableView

from engine.jobs import EpochEnded
from gui import theme
from gui.main_window import MainWindow

AA = 4.5
TEXT_ON = {  # text role → the background roles it is drawn on
    QPalette.ColorRole.WindowText: (QPalette.ColorRole.Window,),
    QPalette.ColorRole.Text: (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase),
    QPalette.ColorRole.ButtonText: (QPalette.ColorRole.Button,),
    QPalette.ColorRole.ToolTipText: (QPalette.ColorRole.ToolTipBase,),
    QPalette.ColorRole.HighlightedText: (QPalette.ColorRole.Highlight,),
    QPalette.ColorRole.PlaceholderText: (QPalette.ColorRole.Base,),
    QPalette.ColorRole.Link: (QPalette.ColorRole.Base, QPalette.ColorRole.Window),
}


def _menu_action(window: MainWindow, menu: str, text: str):
    top = next(a for a in window.menuBar().actions() if a.text().replace("&", "") == menu)
    return next(a for a in top.menu().actions() if a.text().replace("&", "") == text)


@pytest.fixture
def window(qtbot, tmp_store):
    win = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    theme.apply_theme("light")
    theme.apply_font_size(theme.default_font_size())


def test_contrast_ratio_matches_wcag_examples():
    assert theme.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert theme.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("key", ["light", "dark"])
def test_every_text_colour_reads_at_aa_in_both_themes(qapp, key):
    theme.apply_theme(key)
    palette = QApplication.palette()
    low = []
    for text_role, backgrounds in TEXT_ON.items():
        for background in backgrounds:
            ratio = theme.contrast_ratio(palette.color(text_role), palette.color(background))
            if ratio < AA:
                low.append(f"palette {text_role.name} on {background.name}: {ratio:.2f}")
    for name, value in theme.TEXT_COLOURS[key].items():
        for background in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
            ratio = theme.contrast_ratio(value, palette.color(background))
            if ratio < AA:
                low.append(f"{name} {value} on {background.name}: {ratio:.2f}")
    for level, (background, text, _border) in theme.NOTE_COLOURS[key].items():
        if theme.contrast_ratio(text, background) < AA:
            low.append(f"{level} note {text} on {background}")
    background, foreground = theme.plot_colours
    if theme.contrast_ratio(foreground, background) < AA:
        low.append(f"plot text {foreground} on {background}")
    theme.apply_theme("light")
    assert not low, low


def test_dark_theme_restyles_the_plots_already_on_screen(qtbot, window):
    lab = window.show_tab("callbacks")
    lab.runner.sig_event_received.emit(EpochEnded(1, {"loss": 0.5, "val_loss": 0.6}, 3))
    plots = [lab.curves.plots["loss"], lab.layers.weights.getPlotItem()]
    _menu_action(window, "View", "Dark").trigger()
    background, foreground = theme.plot_colours
    assert QColor(background).lightness() < 128
    for view in (lab.curves.layout_widget, lab.layers.weights):
        assert view.backgroundBrush().color() == QColor(background)
    for plot in plots:
        assert plot.getAxis("left").textPen().color() == QColor(foreground)
        assert plot.getAxis("bottom").pen().color() == QColor(foreground)
        assert foreground.lstrip("#") in plot.titleLabel.item.toHtml()
    legend = lab.curves.plots["loss"].legend
    assert all(QColor(foreground) == label.item.defaultTextColor() for _, label in legend.items) or all(
        foreground.lstrip("#") in label.item.toHtml() for _, label in legend.items
    )
    # Back to light: the same plots follow again.
    _menu_action(window, "View", "Light").trigger()
    assert lab.curves.plots["loss"].getAxis("left").textPen().color() == QColor(theme.plot_colours[1])


def test_message_bar_follows_the_theme(qtbot, window):
    lab = window.show_tab("callbacks")
    lab.message_bar.show_message("saved", "success")
    light = lab.message_bar.styleSheet()
    _menu_action(window, "View", "Dark").trigger()
    assert lab.message_bar.styleSheet() != light
    assert theme.NOTE_COLOURS["dark"]["success"][0] in lab.message_bar.styleSheet()


def test_larger_font_reaches_plots_legends_and_table_rows(qtbot, window):
    lab = window.show_tab("callbacks")
    lab.runner.sig_event_received.emit(EpochEnded(1, {"loss": 0.5, "val_loss": 0.6}, 3))
    larger = _menu_action(window, "View", "Larger font")
    start = window.font_size
    larger.trigger()
    larger.trigger()
    size = window.font_size
    assert size == start + 2
    plot = lab.curves.plots["loss"]
    assert plot.getAxis("left").style["tickFont"].pointSize() == size
    assert plot.getAxis("bottom").label.font().pointSize() == size
    assert plot.legend.opts["labelTextSize"] == f"{size}pt"
    assert f"{size + 1}pt" in plot.titleLabel.item.toHtml()
    row = QFontMetrics(QApplication.font()).height()
    for table in lab.findChildren(QTableView):
        assert table.verticalHeader().defaultSectionSize() >= row
    assert isinstance(lab.layers.weights, pg.PlotWidget)
    _menu_action(window, "View", "Default font").trigger()
    assert window.font_size == theme.default_font_size()
