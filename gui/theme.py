"""Theme (light, dark, follow the system), font size, text colours that read in both themes, and the
About text.

Colours with a meaning (secondary text, good, bad, warning) come from :func:`colour`, one value per
theme, each at least 4.5:1 against the window and the text field background (WCAG AA, checked by
tests/gui/test_theme.py). A widget whose text takes such a colour calls :func:`set_text_colour`, and
every theme change repaints it; plots follow through :mod:`gui.plots.style`; anything else that draws
with theme colours connects to ``notifier.sig_theme_changed``.
"""

from __future__ import annotations

import platform
import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QTableView, QWidget

_SCHEMES = {
    "system": Qt.ColorScheme.Unknown,
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
}
_default_point_size: int | None = None


#: Plot background and foreground of the current theme (pyqtgraph reads them when it is imported).
plot_colours = ("#ffffff", "#333333")

#: Text colours with a meaning, per theme: ``muted`` secondary text, ``good``/``bad`` verdicts,
#: ``warning`` and ``info`` notes. Each reads at ≥ 4.5:1 on that theme's window and base colours.
TEXT_COLOURS = {
    "light": {
        "muted": "#595959",
        "good": "#1b6b34",
        "bad": "#a31b1b",
        "warning": "#7a4f00",
        "info": "#1d4f7c",
    },
    "dark": {
        "muted": "#b0b0b0",
        "good": "#7ad39a",
        "bad": "#ff9a8f",
        "warning": "#f2c46b",
        "info": "#8cc4ff",
    },
}
#: Message bar and banner colours per theme and level: (background, text, border).
NOTE_COLOURS = {
    "light": {
        "info": ("#e7f1fb", "#1d4f7c", "#9cc3e6"),
        "warning": ("#fff4d6", "#6b4e00", "#e0b040"),
        "error": ("#fde8e8", "#8a1c1c", "#e59a9a"),
        "success": ("#e6f6ea", "#1f5f2e", "#8fcf9f"),
    },
    "dark": {
        "info": ("#1f3247", "#cfe5ff", "#3d6a99"),
        "warning": ("#3d3015", "#ffe2a3", "#8a6d2a"),
        "error": ("#4a1f1f", "#ffd0cc", "#9b4a4a"),
        "success": ("#1d3a26", "#c8f0d4", "#3f8a56"),
    },
}
#: The palette's placeholder text (also used for hints in empty views), readable in each theme.
PLACEHOLDER = {"light": "#6b6b6b", "dark": "#a3a3a3"}
_TEXT_COLOUR_PROPERTY = "themeTextColour"
#: WCAG AA's contrast for body text.
AA_TEXT = 4.5
#: The light theme's selection colour (white text on it reads at AA).
LIGHT_HIGHLIGHT = "#2f6db5"
#: Pixels above and below a table row's text.
ROW_PADDING = 8


class ThemeNotifier(QObject):
    """Tells views that draw with theme colours that the theme changed."""

    sig_theme_changed = Signal(bool)
    """The theme changed; True when it is now dark."""


notifier = ThemeNotifier()


def is_dark() -> bool:
    """Whether the current palette is dark."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def colour(name: str) -> str:
    """A meaningful text colour (``muted``, ``good``, ``bad``, ``warning``, ``info``) for the theme."""
    return TEXT_COLOURS["dark" if is_dark() else "light"][name]


def note_colours(level: str) -> tuple[str, str, str]:
    """(background, text, border) of a message or banner of ``level`` in the current theme."""
    notes = NOTE_COLOURS["dark" if is_dark() else "light"]
    return notes.get(level, notes["info"])


def note_style(level: str, selector: str, bold: bool = False) -> str:
    """A style sheet for a message or banner of ``level``: its own background, text and border."""
    background, text, border = note_colours(level)
    weight = " font-weight: bold;" if bold else ""
    return (
        f"{selector} {{ background: {background}; color: {text}; border: 1px solid {border};"
        f" border-radius: 4px; padding: 4px;{weight} }}"
    )


def set_text_colour(widget: QWidget, name: str) -> None:
    """Draw ``widget``'s text in :func:`colour` ``name``, now and after every theme change; ``""``
    gives it back the palette's plain text colour."""
    widget.setProperty(_TEXT_COLOUR_PROPERTY, name or None)
    widget.setStyleSheet(f"color: {colour(name)};" if name else "")


def contrast_ratio(foreground: str | QColor, background: str | QColor) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21; text needs 4.5 for AA)."""

    def luminance(value: str | QColor) -> float:
        c = QColor(value)
        channels = []
        for component in (c.redF(), c.greenF(), c.blueF()):
            linear = component / 12.92 if component <= 0.04045 else ((component + 0.055) / 1.055) ** 2.4
            channels.append(linear)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def apply_theme(key: str) -> None:
    """Switch the colour scheme and palette (an explicit dark or light palette, since not every
    platform honours the scheme) and the plots' colours."""
    global plot_colours
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    QGuiApplication.styleHints().setColorScheme(_SCHEMES.get(key, Qt.ColorScheme.Unknown))
    if key == "dark":
        palette = dark_palette()
    elif key == "light":
        palette = app.style().standardPalette()
    else:
        palette = QPalette()  # the platform's own (follows the system scheme where it can)
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    placeholder = QColor(PLACEHOLDER["dark" if dark else "light"])
    palette.setColor(QPalette.ColorRole.PlaceholderText, placeholder)
    roles = (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight)
    # Fusion's selection blue reads at 3.7:1 under white text.
    if not dark and contrast_ratio(*(palette.color(role) for role in roles)) < AA_TEXT:
        palette.setColor(QPalette.ColorRole.Highlight, QColor(LIGHT_HIGHLIGHT))
    app.setPalette(palette)
    plot_colours = ("#1e1e1e", "#dddddd") if dark else ("#ffffff", "#333333")
    for widget in QApplication.allWidgets():
        name = widget.property(_TEXT_COLOUR_PROPERTY)
        if isinstance(name, str):
            widget.setStyleSheet(f"color: {colour(name)};")
    if "pyqtgraph" in sys.modules:  # plots exist only once pyqtgraph was imported; never import it here
        configure_pyqtgraph(restyle_existing=True)
    notifier.sig_theme_changed.emit(dark)


def configure_pyqtgraph(restyle_existing: bool = False) -> None:
    """Give pyqtgraph the theme's colours (called when the plot modules are first imported); with
    ``restyle_existing``, every live plot takes the theme's colours and the current font size."""
    import pyqtgraph as pg

    background, foreground = plot_colours
    pg.setConfigOptions(background=background, foreground=foreground, antialias=True)
    if restyle_existing:
        from gui.plots.style import restyle_all

        restyle_all()


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
    """Set the application font's point size; tables' rows and every plot's text follow."""
    default_font_size()
    font = QFont(QApplication.font())
    font.setPointSize(size)
    QApplication.setFont(font)
    fit_rows_to_font()
    if "pyqtgraph" in sys.modules:
        configure_pyqtgraph(restyle_existing=True)


def fit_rows_to_font(root: QWidget | None = None) -> None:
    """Table rows (under ``root``, or everywhere) tall enough for the current font: Qt keeps a table's
    row height when the font grows, which cuts the text of every cell."""
    row = QFontMetrics(QApplication.font()).height() + ROW_PADDING
    tables = root.findChildren(QTableView) if root is not None else QApplication.allWidgets()
    for table in tables:
        if isinstance(table, QTableView):
            header = table.verticalHeader()
            header.setMinimumSectionSize(min(header.minimumSectionSize(), row))
            header.setDefaultSectionSize(row)


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
