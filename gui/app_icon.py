"""The app's icon: the SVG master in ``resources/icons/`` and the PNG sizes rendered from it.

Window managers and docks pick the size they need from the QIcon; the desktop entry's icon theme gets
the same files (``engine.desktop``). ``python -m gui.app_icon`` (``make icons``) re-renders the PNGs
after the SVG changed; a test checks that they still match it.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QIcon, QImage, QPainter

from engine.desktop import ICON_NAME, ICON_SIZES, icon_png, icon_svg


@cache
def app_icon() -> QIcon:
    """Every rendered size plus the SVG, so any size the platform asks for is sharp."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_png(size)))
    icon.addFile(str(icon_svg()))
    return icon


def render_icon(size: int, svg: Path | None = None) -> QImage:
    """The SVG master drawn into a transparent ``size``×``size`` image."""
    from PySide6.QtSvg import QSvgRenderer  # only for rendering: not on the app's start-up path

    renderer = QSvgRenderer(str(svg or icon_svg()))
    if not renderer.isValid():
        raise ValueError(f"{svg or icon_svg()} is not a drawable SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def render_all(folder: Path | None = None) -> list[Path]:
    """Write every PNG size next to the SVG (or into ``folder``); returns the files written."""
    written = []
    for size in ICON_SIZES:
        target = (folder / f"{ICON_NAME}-{size}.png") if folder else icon_png(size)
        if not render_icon(size).save(str(target), "PNG"):
            raise OSError(f"could not write {target}")
        written.append(target)
    return written


if __name__ == "__main__":
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    for path in render_all():
        print(f"rendered {path}")
