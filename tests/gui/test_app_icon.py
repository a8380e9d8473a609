"""The app icon: every window shows it, and the committed PNGs are still renderings of the SVG master."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from engine.desktop import ICON_SIZES, icon_png
from gui.app import set_app_identity
from gui.app_icon import render_icon


def test_the_window_and_the_application_carry_the_icon(window, qapp):
    sizes = window.windowIcon().availableSizes()
    assert {QSize(s, s) for s in ICON_SIZES} <= set(sizes)
    set_app_identity(qapp)
    assert not qapp.windowIcon().isNull()
    assert qapp.desktopFileName() == "deep-learning-lab"


def test_the_pngs_match_the_svg_master():
    for size in ICON_SIZES:
        committed = QImage(str(icon_png(size))).convertToFormat(QImage.Format.Format_ARGB32)
        fresh = render_icon(size).convertToFormat(QImage.Format.Format_ARGB32)
        assert committed.size() == fresh.size() == QSize(size, size)
        # Renderers differ by a rounding here and there; an edited SVG changes whole shapes.
        differing = sum(
            1
            for y in range(0, size, max(1, size // 64))
            for x in range(0, size, max(1, size // 64))
            if _distance(committed.pixel(x, y), fresh.pixel(x, y)) > 24
        )
        sampled = len(range(0, size, max(1, size // 64))) ** 2
        assert differing / sampled < 0.01, f"{icon_png(size)} no longer matches the SVG: run make icons"


def _distance(a: int, b: int) -> int:
    return max(abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) for shift in (0, 8, 16, 24))
