"""Theme (light, dark, follow the system), font size, and the About text."""

from __future__ import annotations

import platform
import sys

import pyqtgraph as pg
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication

_SCHEMES = {
    "system": Qt.ColorScheme.Unknown,
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
}
_default_point_size: int | None = None


def apply_theme(key: str) -> None:
    """Switch the palette (Fusion honours the colour scheme) and the plots' background."""
    app = QApplication.instance()
    if app is None:
        return
    scheme = _SCHEMES.get(key, Qt.ColorScheme.Unknown)
    QGuiApplication.styleHints().setColorScheme(scheme)
    dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    background, foreground = ("#1e1e1e", "#dddddd") if dark else ("#ffffff", "#333333")
    pg.setConfigOptions(background=background, foreground=foreground, antialias=True)
    for widget in QApplication.allWidgets():
        if isinstance(widget, pg.GraphicsView):
            widget.setBackground(background)


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
        f"<p>Python {platform.python_version()} · PySide6 {pyside_version} · pyqtgraph {pg.__version__}"
        f"<br>numpy {v('numpy')} · networkx {v('networkx')}<br>TensorFlow {tf_line} · Keras {v('keras')}"
        f" · TF Hub {v('tensorflow-hub')} · TF Text {v('tensorflow-text')}</p>"
    )
