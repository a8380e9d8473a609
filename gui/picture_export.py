"""Export as PNG/SVG… for every plot and drawing: a small button in each view's top-right corner (its
arrow picks the PNG scale), the view's right-click menu, and Ctrl+Shift+E while the view has focus.

PNGs are drawn at 2× the on-screen size by default (crisp on slides and HiDPI screens); SVGs are vector
drawings whose text stays text (searchable, editable). A drawing that can be larger than its view
(the computational graph, a model diagram) is exported whole, not just the part scrolled into view.
:func:`add_picture_export` gives every view under a widget these controls; labs get them when their tab
is built, the Runs page for its comparison (curves and legend together).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QEvent,
    QIODevice,
    QObject,
    QPoint,
    QRect,
    QRectF,
    QSettings,
    QSize,
    Qt,
    Slot,
)
from PySide6.QtGui import QAction, QActionGroup, QColor, QImage, QKeySequence, QPaintDevice, QPainter, QRegion
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStyle,
    QTabWidget,
    QToolButton,
    QWidget,
)

from engine.safe_files import atomic_write_bytes

SHORTCUT = "Ctrl+Shift+E"
SCALES = (1, 2, 3, 4)
DEFAULT_SCALE = 2
#: Margin (scene units) around a whole drawing exported from a scrollable view.
_MARGIN = 12


def picture_scale() -> int:
    """The PNG scale chosen last (the app's settings), 2× until one is chosen."""
    value = QSettings().value("export/scale", DEFAULT_SCALE)
    try:
        scale = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_SCALE
    return scale if scale in SCALES else DEFAULT_SCALE


def add_picture_export(root: QWidget, target: QWidget | None = None, name: str = "") -> list[PictureExport]:
    """Give every view under ``root`` (a QGraphicsView: pyqtgraph plots, the graph, diagrams) the export
    controls, once; returns those added. ``target``: what to draw instead of a view (e.g. a comparison's
    curves with their legend). ``name``: the start of the suggested file name."""
    views = [root] if isinstance(root, QGraphicsView) else []
    views += root.findChildren(QGraphicsView)
    added = []
    for view in views:
        if view.property("pictureExport") is None:
            added.append(PictureExport(view, target, name))
    return added


class PictureExport(QObject):
    """The export controls of one view, and the export itself.

    Args:
        view: The view the controls belong to.
        target: What is drawn. Defaults to the view (a whole drawing for a scrollable view).
        name: The start of the suggested file name. Defaults to the lab, tab and plot title.
    """

    def __init__(self, view: QGraphicsView, target: QWidget | None = None, name: str = "") -> None:
        super().__init__(view)
        self.view = view
        self.target = target or _plot_widget_owner(view)
        self.name = name
        view.setProperty("pictureExport", True)
        self.action = QAction("Export as PNG/SVG…", view)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action.setToolTip(
            f"Save this picture as PNG (at {DEFAULT_SCALE}× by default) or SVG ({SHORTCUT})"
        )
        self.action.triggered.connect(self.export)
        view.addAction(self.action)
        if view.focusPolicy() == Qt.FocusPolicy.NoFocus:
            view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a click on the plot makes the shortcut work
        self._add_to_context_menu()
        self.button = self._corner_button()
        view.installEventFilter(self)
        self._place_button()

    # --- the controls ---------------------------------------------------------------------------

    def _add_to_context_menu(self) -> None:
        scene = self.view.scene()
        menu = getattr(scene, "contextMenu", None)
        if isinstance(menu, list):  # pyqtgraph: the scene's entries join every plot's right-click menu
            menu.insert(0, self.action)
        else:
            self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _corner_button(self) -> QToolButton:
        button = QToolButton(self.view)
        button.setObjectName("pictureExportButton")
        button.setDefaultAction(self.action)
        button.setIcon(self.view.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        button.setAccessibleName("Export as PNG/SVG")
        menu = QMenu(button)
        menu.addAction(self.action)
        menu.addSeparator()
        group = QActionGroup(menu)
        self.scale_actions: dict[int, QAction] = {}
        for scale in SCALES:
            action = menu.addAction(f"PNG at {scale}× the screen size")
            action.setCheckable(True)
            action.setData(scale)
            group.addAction(action)
            self.scale_actions[scale] = action
        group.triggered.connect(self._on_scale_chosen)
        menu.aboutToShow.connect(self._show_scale)
        button.setMenu(menu)
        button.resize(button.sizeHint())
        return button

    @Slot()
    def _show_scale(self) -> None:
        self.scale_actions[picture_scale()].setChecked(True)

    @Slot(QAction)
    def _on_scale_chosen(self, action: QAction) -> None:
        QSettings().setValue("export/scale", int(action.data()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keep the button in the view's top-right corner."""
        if watched is self.view and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place_button()
        return False

    def _place_button(self) -> None:
        self.button.move(max(0, self.view.width() - self.button.width() - 6), 4)
        self.button.raise_()

    # --- exporting ------------------------------------------------------------------------------

    @Slot()
    def export(self) -> None:
        """Ask where, then save the picture (PNG or SVG by the chosen name's ending)."""
        scale = picture_scale()
        suggested = str(
            Path(QSettings().value("export/folder", str(Path.home()))) / f"{self.file_stem()}.png"
        )
        path, chosen = QFileDialog.getSaveFileName(
            self.view, "Export picture", suggested, f"PNG image at {scale}× (*.png);;SVG drawing (*.svg)"
        )
        if not path:
            return
        if not Path(path).suffix:
            path += ".svg" if chosen.startswith("SVG") else ".png"
        try:
            size = self.save(path, scale)
        except (OSError, ValueError) as exc:
            box = QMessageBox(QMessageBox.Icon.Warning, "Export picture", f"Could not save {path}: {exc}")
            box.setParent(self.view.window(), box.windowFlags())
            box.setModal(False)
            box.show()
            return
        QSettings().setValue("export/folder", str(Path(path).parent))
        window = self.view.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(f"Saved {path} ({size.width()}×{size.height()})", 8000)

    def file_stem(self) -> str:
        """The suggested file name from the lab, the tab and the plot title (``callbacks-layers-weights``)."""
        parts = [self.name] if self.name else _tab_titles(self.view)
        title = _plot_title(self.view)
        if title:
            parts.append(title)
        stem = re.sub(r"[^A-Za-z0-9]+", "-", " ".join(parts)).strip("-").lower()
        return stem[:80] or "picture"

    def save(self, path: str, scale: int = DEFAULT_SCALE) -> QSize:
        """Write the picture to ``path``: SVG for a ``.svg`` name, else PNG at ``scale``× (written to a
        temporary name and renamed). Returns the size written (pixels; an SVG's view box)."""
        if Path(path).suffix.lower() == ".svg":
            data, size = self._svg_bytes()
        else:
            image = self._image(scale)
            buffer = QBuffer()
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            if not image.save(buffer, "PNG"):
                raise OSError("the PNG could not be encoded")
            data, size = bytes(buffer.data().data()), image.size()
        atomic_write_bytes(path, data)
        return size

    def _source(self) -> tuple[QRectF | None, QSize]:
        """A scrollable drawing's whole scene rectangle (None: draw the target widget) and the size."""
        if self.target is self.view and not _is_pyqtgraph(self.view):
            rect = self.view.scene().itemsBoundingRect().adjusted(-_MARGIN, -_MARGIN, _MARGIN, _MARGIN)
            return rect, rect.size().toSize()
        return None, self.target.size()

    def _paint(self, device: QPaintDevice, size: QSize, rect: QRectF | None) -> None:
        painter = QPainter(device)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(0, 0, size.width(), size.height(), self._background())
        scene = self.view.scene()
        if rect is not None:  # a whole drawing
            scene.render(painter, QRectF(0, 0, size.width(), size.height()), rect)
            painter.end()
            return
        viewport = self.view.viewport()
        area = QRect(viewport.mapTo(self.target, QPoint(0, 0)), viewport.size())
        if self.target is not self.view:  # the legends around the plots, drawn as widgets
            self.button.hide()  # the export button is not part of the picture
            around = QRegion(self.target.rect()).subtracted(QRegion(area))
            # render() puts the region's bounding box at the offset given: give it its own place.
            self.target.render(
                painter, around.boundingRect().topLeft(), around, QWidget.RenderFlag.DrawChildren
            )
            self.button.show()
        # The plots from their scene, not from the view's cached pixmaps: vector shapes in an SVG, and
        # pyqtgraph's export mode draws point symbols as shapes too.
        items = [item for item in scene.items() if hasattr(item, "setExportMode")]
        for item in items:
            item.setExportMode(
                True, {"antialias": True, "background": self._background(), "painter": painter}
            )
        try:
            scene.render(painter, QRectF(area), self.view.mapToScene(viewport.rect()).boundingRect())
        finally:
            for item in items:
                item.setExportMode(False)
            painter.end()

    def _image(self, scale: int) -> QImage:
        rect, size = self._source()
        image = QImage(size * scale, QImage.Format.Format_ARGB32_Premultiplied)
        if image.isNull():
            raise ValueError(f"{size.width() * scale}×{size.height() * scale} pixels is too large a picture")
        image.setDevicePixelRatio(scale)  # drawn as on a HiDPI screen: text and lines scale together
        self._paint(image, size, rect)
        return image

    def _svg_bytes(self) -> tuple[bytes, QSize]:
        from PySide6.QtSvg import QSvgGenerator  # only for SVG export

        rect, size = self._source()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(size)
        generator.setResolution(self.view.logicalDpiX())  # text and lines at their on-screen sizes
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle(self.file_stem())
        generator.setDescription("Exported from Deep Learning Lab")
        self._paint(generator, size, rect)
        return bytes(buffer.data().data()), size

    def _background(self) -> QColor:
        brush = self.view.backgroundBrush()
        if brush.style() != Qt.BrushStyle.NoBrush:
            return brush.color()
        return self.target.palette().color(self.target.backgroundRole())


def _is_pyqtgraph(view: QGraphicsView) -> bool:
    return isinstance(getattr(view.scene(), "contextMenu", None), list)


def _plot_widget_owner(view: QGraphicsView) -> QWidget:
    """What an export of ``view`` draws: a live-curves grid with its marker legend, else the view."""
    from gui.plots.live_curves import LiveCurves

    parent = view.parentWidget()
    return parent if isinstance(parent, LiveCurves) else view


def _plot_title(view: QGraphicsView) -> str:
    item = getattr(view, "getPlotItem", None)
    if not callable(item):
        return ""
    label = getattr(item(), "titleLabel", None)
    return re.sub(r"<[^>]+>", "", getattr(label, "text", "") or "")


def _tab_titles(widget: QWidget) -> list[str]:
    """The lab's id and the titles of the tabs ``widget`` sits in, outermost first."""
    titles: list[str] = []
    child: QWidget | None = widget
    while child is not None:
        parent = child.parentWidget()
        tabs = parent.parentWidget() if parent is not None else None
        if isinstance(tabs, QTabWidget) and tabs.indexOf(child) >= 0:
            titles.insert(0, tabs.tabText(tabs.indexOf(child)))
        spec = getattr(child, "spec", None)
        if spec is not None and hasattr(spec, "id"):
            titles.insert(0, str(spec.id))
            break
        child = parent
    return titles
