"""Any Keras model as a diagram: a box per layer with its type, name, output shape and parameters
(trainable, or FROZEN), arrows for what feeds what, parallel branches side by side.

The data is :func:`engine.model_diagram.describe_model`'s (a run's ``extra["model_diagram"]``); this
module only formats it and draws it where :class:`gui.widgets.diagram_layout.Layout` places it. A long
chain (VGG-16 plus a head) would shrink to illegibility in one column, so the rows wrap into
side-by-side columns where the graph narrows to one arrow, as many as fit the view best.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF, QResizeEvent
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsTextItem,
    QGraphicsView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from engine.model_diagram import MERGES
from gui import theme
from gui.widgets.diagram_layout import BOX_WIDTH, ROW_GAP, SEGMENT_GAP, Layout

#: Fill and border per kind of layer (light fills, dark text: readable in the light and the dark theme).
KIND_COLOURS = {
    "input": ("#c8e6c9", "#2e7d32"),
    "embedding": ("#b2dfdb", "#00695c"),
    "convolution / recurrent": ("#bbdefb", "#1565c0"),
    "pooling, reshaping, dropout": ("#eceff1", "#546e7a"),
    "merge": ("#ffe0b2", "#e65100"),
    "dense": ("#e1bee7", "#6a1b9a"),
    "other": ("#f5f5f5", "#616161"),
    "output": ("#ffcdd2", "#c62828"),
    "frozen (not trained)": ("#cfd8dc", "#37474f"),
}
FEATURE_TYPES = ("Conv", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "DepthwiseConv", "SeparableConv")
SHAPING_TYPES = ("Pool", "Flatten", "Reshape", "Dropout", "Normalization", "Activation", "Softmax", "Permute")
#: A diagram wraps into columns only when one column would draw it smaller than this, and only when
#: wrapping draws it at least ``WRAP_GAIN`` times larger (a wide multi-input model reads best unwrapped).
WRAP_BELOW_SCALE = 0.7
WRAP_GAIN = 1.25
MAX_SCALE = 1.3
EDGE_COLOUR = QColor("#78909c")


def format_shape(shape: list[Any]) -> str:
    """``[None, 80, 64]`` → ``(None, 80, 64)``, the way Keras prints it."""
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"


def params_text(layer: dict[str, Any]) -> str:
    """``25,984 trainable``, ``FROZEN 1,200,300``, both, or '' for a layer without weights."""
    parts = []
    if layer["trainable_params"]:
        parts.append(f"{layer['trainable_params']:,} trainable")
    if layer["frozen_params"]:
        parts.append(f"FROZEN {layer['frozen_params']:,}")
    return " · ".join(parts)


def default_summary(diagram: dict[str, Any]) -> str:
    """One line: the model and its parameter counts split trainable/frozen."""
    total = diagram["trainable_params"] + diagram["frozen_params"]
    return (
        f"{diagram['name']}: {len(diagram['layers'])} layers, {total:,} parameters = "
        f"{diagram['trainable_params']:,} trainable + {diagram['frozen_params']:,} frozen"
    )


def layer_kind(layer: dict[str, Any], last: bool) -> str:
    """The legend entry a layer is drawn as."""
    kind = str(layer["type"])
    if layer["frozen_params"] and not layer["trainable_params"]:
        return "frozen (not trained)"
    if last:
        return "output"
    if kind == "InputLayer":
        return "input"
    if kind == "Embedding":
        return "embedding"
    if kind in MERGES:
        return "merge"
    if kind == "Dense":
        return "dense"
    if any(part in kind for part in FEATURE_TYPES):
        return "convolution / recurrent"
    if any(part in kind for part in SHAPING_TYPES):
        return "pooling, reshaping, dropout"
    return "other"


class _Box(QGraphicsRectItem):
    """One layer: a rounded box with its text; knows where arrows attach."""

    def __init__(self, layer: dict[str, Any], kind: str, font_size: float) -> None:
        super().__init__()
        fill, border = KIND_COLOURS[kind]
        self.layer = layer
        self.text = QGraphicsTextItem(self)
        self.text.setDefaultTextColor(QColor("#1b1b1b"))
        font = self.text.font()
        font.setPointSizeF(font_size)
        self.text.setFont(font)
        self.text.setTextWidth(BOX_WIDTH - 6)
        name = layer["name"].replace("_", "_\u200b")  # lets long names wrap at underscores
        lines = [f"<b>{layer['type']}</b>", f"<span style='color:#455a64'>{name}</span>"]
        lines.append(format_shape(layer["shape"]))
        counts = params_text(layer)
        if counts:
            colour = "#b71c1c" if layer["frozen_params"] else "#1b5e20"
            lines.append(f"<span style='color:{colour}'>{counts}</span>")
        self.text.setHtml("<div align='center'>" + "<br>".join(lines) + "</div>")
        height = self.text.boundingRect().height() + 4
        self.setRect(0, 0, BOX_WIDTH, height)
        self.text.setPos(3, 2)
        pen = QPen(QColor(border), 2.0 if kind in ("merge", "output") else 1.2)
        if kind.startswith("frozen"):
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setBrush(QBrush(QColor(fill)))
        self.setToolTip(
            f"{layer['name']} ({layer['type']})\noutput {format_shape(layer['shape'])}\n"
            f"trainable {layer['trainable_params']:,} · frozen {layer['frozen_params']:,}"
            + (f"\ninputs: {', '.join(layer['inputs'])}" if layer["inputs"] else "")
        )

    def top(self) -> QPointF:
        return self.mapToScene(QPointF(BOX_WIDTH / 2, 0))

    def bottom(self) -> QPointF:
        return self.mapToScene(QPointF(BOX_WIDTH / 2, self.rect().height()))


def _arrow_path(path: QPainterPath, end: QPointF) -> QGraphicsPathItem:
    head = QPolygonF([end, QPointF(end.x() - 4, end.y() - 7), QPointF(end.x() + 4, end.y() - 7)])
    path.addPolygon(head)
    path.closeSubpath()
    item = QGraphicsPathItem(path)
    item.setPen(QPen(EDGE_COLOUR, 1.2))
    item.setZValue(-1)
    return item


def _down_arrow(start: QPointF, end: QPointF, drop_to: float) -> QGraphicsPathItem:
    """A curve from ``start`` down to ``end``, going straight down to ``drop_to`` (the bottom of the row
    above ``end``) first, so an arrow that skips rows passes beside their boxes, not through them."""
    path = QPainterPath(start)
    if drop_to > start.y():
        path.lineTo(start.x(), drop_to)
        start = QPointF(start.x(), drop_to)
    middle = (start.y() + end.y()) / 2
    path.cubicTo(QPointF(start.x(), middle), QPointF(end.x(), middle), end)
    return _arrow_path(path, end)


def _wrap_arrow(start: QPointF, end: QPointF, gap_x: float, top: float) -> QGraphicsPathItem:
    """From the bottom of one column, through the gap beside it, over to the top of the next."""
    path = QPainterPath(start)
    below = start.y() + ROW_GAP / 2
    for point in ((start.x(), below), (gap_x, below), (gap_x, top), (end.x(), top)):
        path.lineTo(*point)
    path.lineTo(end)
    return _arrow_path(path, end)


class _FittingView(QGraphicsView):
    """Calls back whenever its viewport resizes (the owner re-wraps and refits the diagram)."""

    def __init__(self, scene: QGraphicsScene, on_resize: Callable[[], None]) -> None:
        super().__init__(scene)
        self.on_resize = on_resize

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.on_resize()


class ModelDiagramView(QWidget):
    """A Keras model drawn box by box, with shapes and trainable/frozen counts, and a legend.

    Args:
        summary_of: The line above the diagram, from the diagram data. Defaults to
            :func:`default_summary` (the name and the parameter counts).
        placeholder: What the view says before a model is shown. Defaults to a note that the
            diagram appears after a run.
    """

    def __init__(
        self,
        summary_of: Callable[[dict[str, Any]], str] = default_summary,
        placeholder: str = "The model's diagram appears here after a run.",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.summary_of = summary_of
        self.summary = QLabel(placeholder)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("diagramSummary")
        self.legend = QLabel("")
        self.legend.setObjectName("diagramLegend")
        self.legend.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("diagramStatus")
        self.scene = QGraphicsScene(self)
        self.view = _FittingView(self.scene, self._arrange)
        self.view.setAccessibleName("Model diagram")
        self.view.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.view.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.legend)
        box.addWidget(self.status)
        box.addWidget(self.view, 1)
        self.diagram: dict[str, Any] | None = None
        self.boxes: dict[str, _Box] = {}
        self.layout_plan: Layout | None = None
        self.segments: list[range] = []
        self._arrows: list[QGraphicsPathItem] = []

    def set_status(self, text: str, error: bool = False) -> None:
        """Where the diagram comes from, or why it could not be built."""
        theme.set_text_colour(self.status, "bad" if error else "muted")
        self.status.setText(text)

    def show_run(self, extra: Mapping[str, Any], source: str) -> None:
        """Draw a run's ``extra["model_diagram"]``, or say that the run has none (an older run)."""
        if extra.get("model_diagram"):
            self.set_diagram(dict(extra["model_diagram"]), source)
            return
        self.diagram, self.layout_plan, self.boxes, self._arrows, self.segments = None, None, {}, [], []
        self.scene.clear()
        self.legend.clear()
        self.summary.setText("This run's result has no model diagram (it was recorded before diagrams were).")
        self.set_status("")

    def set_diagram(self, diagram: dict[str, Any], source: str) -> None:
        """Draw a model described by ``describe_model``; ``source`` says which model it is."""
        self.diagram = diagram
        self.scene.clear()
        self.boxes, self._arrows, self.segments = {}, [], []
        font_size = max(self.font().pointSizeF(), 6.0)
        layers = diagram["layers"]
        kinds: list[str] = []
        for index, layer in enumerate(layers):
            kind = layer_kind(layer, index == len(layers) - 1)
            kinds.append(kind)
            self.boxes[layer["name"]] = box = _Box(layer, kind, font_size)
            self.scene.addItem(box)
        heights = {name: box.rect().height() for name, box in self.boxes.items()}
        self.layout_plan = Layout(layers, heights)
        self.legend.setText(
            "  ".join(
                f"<span style='background:{fill}'>{'&nbsp;' * 5}</span> {name}"
                for name, (fill, _) in KIND_COLOURS.items()
                if name in kinds
            )
        )
        self.summary.setText(self.summary_of(diagram))
        self.set_status(source)
        self._arrange()

    def _best_segments(self, plan: Layout) -> list[range]:
        viewport = self.view.viewport().rect()
        if viewport.isEmpty():
            return plan.segments(1)

        def scale(segments: list[range]) -> float:
            width, height = plan.size(segments)
            return min(viewport.width() / (width + 16), viewport.height() / (height + 16), MAX_SCALE)

        single = plan.segments(1)
        if scale(single) >= WRAP_BELOW_SCALE:
            return single
        wrapped = (plan.segments(count) for count in range(2, len(plan.cuts) + 2))
        best = max(wrapped, key=scale, default=single)  # the fewest columns among equals
        return best if scale(best) >= scale(single) * WRAP_GAIN else single

    def _arrange(self) -> None:
        """Wrap the rows as fits the view best, place the boxes, draw the arrows, fit the view."""
        plan = self.layout_plan
        if plan is None or self.diagram is None:
            return
        segments = self._best_segments(plan)
        if segments != self.segments:
            self.segments = segments
            self._place(plan, segments)
        self._fit()

    def _place(self, plan: Layout, segments: list[range]) -> None:
        for arrow in self._arrows:
            self.scene.removeItem(arrow)
        self._arrows = []
        placed = plan.positions(segments)
        for name, (x, y, _segment) in placed.items():
            self.boxes[name].setPos(x, y)
        for name, parents in plan.parents.items():
            child = self.boxes[name]
            for parent in parents:
                start, end = self.boxes[parent].bottom(), child.top()
                if placed[parent][2] == placed[name][2]:
                    arrow = _down_arrow(start, end, end.y() - ROW_GAP)
                else:  # the first row of the next column: through the gap between the columns
                    column = [b for n, b in self.boxes.items() if placed[n][2] == placed[parent][2]]
                    gap_x = max(b.sceneBoundingRect().right() for b in column) + SEGMENT_GAP / 2
                    arrow = _wrap_arrow(start, end, gap_x, -ROW_GAP / 2)
                self.scene.addItem(arrow)
                self._arrows.append(arrow)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-8, -8, 8, 8))

    def _fit(self) -> None:
        rect: QRectF = self.scene.sceneRect()
        viewport = self.view.viewport().rect()
        if rect.isEmpty() or viewport.isEmpty():
            return
        self.view.resetTransform()
        scale = min(viewport.width() / rect.width(), viewport.height() / rect.height(), MAX_SCALE)
        self.view.scale(scale, scale)
