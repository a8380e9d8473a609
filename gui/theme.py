"""Theme (light, dark, follow the system), font size, and the About text."""

from __future__ import annotations

import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_SCHEMES = {
    "system": Qt.ColorScheme.Unknown,
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
}
_default_point_size: int | None = None


#: Plot background and foreground of the current theme (pyqtgraph reads them when it is imported).
plot_colours = ("#ffffff", "#333333")


def apply_theme(key: str) -> None:
    """Switch the colour scheme and palette (an explicit dark or light palette, since not every
    platform honours the scheme) and the plots' colours."""
    global plot_colours
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    QGuiApplication.styleHints().setColorScheme(_SCHEMES.get(key, Qt.ColorScheme.Unknown))
    if key == "dark":
        app.setPalette(dark_palette())
    elif key == "light":
        app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(QPalette())  # the platform's own (follows the system scheme where it can)
    dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
    plot_colours = ("#1e1e1e", "#dddddd") if dark else ("#ffffff", "#333333")
    if "pyqtgraph" in sys.modules:  # plots exist only once pyqtgraph was imported; never import it here
        configure_pyqtgraph(restyle_existing=True)


def configure_pyqtgraph(restyle_existing: bool = False) -> None:
    """Give pyqtgraph the theme's colours (called when the plot modules are first imported)."""
    import pyqtgraph as pg

    background, foreground = plot_colours
    pg.setConfigOptions(background=background, foreground=foreground, antialias=True)
    if restyle_existing:
        for widget in QApplication.allWidgets():
            if isinstance(widget, pg.GraphicsView):
                widget.setBackground(background)


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1e1e",
        QPalette.ColorRole.AlternateBase: "#2f2f2f",
        QPalette.ColorRole.ToolTipBase: "#3a3a3a",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Link: "#6cb4ff",
        QPalette.ColorRole.Highlight: "#2f6db5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


def default_font_size() -> int:
    """The platform's default point size (remembered before any change)."""
    global _default_point_size
    if _default_point_size is None:
        _default_point_size = QApplication.font().pointSize() or 10
    return _default_point_size


def apply_font_size(size: int) -> None:
    """Set the application font's point size."""
    default_font_size()
    font = QFont(QApplication.font())
    font.setPointSize(size)
    QApplication.setFont(font)


def about_text() -> str:
    """Versions of the app and its libraries; TensorFlow's only once it is loaded (never imports it)."""
    from importlib.metadata import PackageNotFoundError, version

    def v(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    tf_line = v("tensorflow") + ("" if "tensorflow" in sys.modules else " (not loaded yet)")
    return (
        f"<h3>Deep Learning Lab {v('deep-learning-lab')}</h3>"
        "<p>Six deep-learning labs, offline, on a laptop CPU.</p>"
        f"<p>Python {platform.python_version()} · PySide6 {pyside_version} · pyqtgraph {v('pyqtgraph')}"
        f"<br>numpy {v('numpy')} · networkx {v('networkx')}<br>TensorFlow {tf_line} · Keras {v('keras')}"
        f" · TF Hub {v('tensorflow-hub')} · TF Text {v('tensorflow-text')}</p>"
    )
