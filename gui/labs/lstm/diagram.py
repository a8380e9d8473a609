"""The multi-input model as a diagram: one column per input branch, the concatenation, then the head.

Each box shows a layer's type, name, output shape and parameters (trainable, or FROZEN for a
pretrained embedding). The data is :func:`engine.labs.lstm.models.describe_model`'s; this module
only places and formats it.
"""

from __future__ import annotations

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

from gui import theme

#: Fill and border per role (light fills, dark text: readable in the light and the dark theme).
ROLE_COLOURS = {
    "input": ("#c8e6c9", "#2e7d32"),
    "branch": ("#bbdefb", "#1565c0"),
    "concat": ("#ffe0b2", "#e65100"),
    "head": ("#e1bee7", "#6a1b9a"),
    "output": ("#ffcdd2", "#c62828"),
    "frozen": ("#cfd8dc", "#37474f"),
}
LEGEND = ("input", "branch layer", "concatenate", "head", "output (2-unit softmax)", "frozen (pretrained)")
BOX_WIDTH, COLUMN_GAP, ROW_GAP, HEAD_GAP = 150.0, 16.0, 20.0, 34.0
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


def summary_text(diagram: dict[str, Any]) -> str:
    """One line: the model, its parameter counts split trainable/frozen, and the essay embedding."""
    essay = [x for x in diagram["layers"] if x["branch"] == "essay"]
    embedding = next((x for x in essay if x["type"] == "Embedding"), None)
    if embedding is None:
        kind = ""
    elif embedding["frozen_params"]:
        kind = " · essay embedding: pretrained GloVe, FROZEN"
    else:
        kind = " · essay embedding: trainable, not pretrained"
    total = diagram["trainable_params"] + diagram["frozen_params"]
    return (
        f"{diagram['name'].replace('_', '-').capitalize()}: {total:,} parameters = "
        f"{diagram['trainable_params']:,} trainable + {diagram['frozen_params']:,} frozen{kind}"
    )


class _Box(QGraphicsRectItem):
    """One layer: a rounded box with its text; knows where arrows attach."""

    def __init__(self, layer: dict[str, Any], role: str, font_size: float) -> None:
        super().__init__()
        fill, border = ROLE_COLOURS[role]
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
        pen = QPen(QColor(border), 2.0 if role in ("concat", "output") else 1.2)
        if role == "frozen":
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setBrush(QBrush(QColor(fill)))
        self.setToolTip(
            f"{layer['name']} ({layer['type']})\noutput {format_shape(layer['shape'])}\n"
            f"trainable {layer['trainable_params']:,} · frozen {layer['frozen_params']:,}"
        )

    def top(self) -> QPointF:
        return self.mapToScene(QPointF(BOX_WIDTH / 2, 0))

    def bottom(self) -> QPointF:
        return self.mapToScene(QPointF(BOX_WIDTH / 2, self.rect().height()))


def _role(layer: dict[str, Any], last: bool) -> str:
    if layer["frozen_params"]:
        return "frozen"
    if last:
        return "output"
    return str(layer["role"])


def _arrow(start: QPointF, end: QPointF, drop_to: float) -> QGraphicsPathItem:
    """A curve from ``start`` down to ``end``, going straight down to ``drop_to`` first (so a short
    branch's arrow into the concatenation does not cross a longer neighbour's boxes)."""
    path = QPainterPath(start)
    if drop_to > start.y():
        path.lineTo(start.x(), drop_to)
        start = QPointF(start.x(), drop_to)
    middle = (start.y() + end.y()) / 2
    path.cubicTo(QPointF(start.x(), middle), QPointF(end.x(), middle), end)
    head = QPolygonF([end, QPointF(end.x() - 4, end.y() - 7), QPointF(end.x() + 4, end.y() - 7)])
    path.addPolygon(head)
    path.closeSubpath()
    item = QGraphicsPathItem(path)
    item.setPen(QPen(EDGE_COLOUR, 1.2))
    item.setZValue(-1)
    return item


class _FittingView(QGraphicsView):
    """Keeps the whole scene in view (never magnified beyond 1.3×) whenever its viewport resizes."""

    def fit(self) -> None:
        rect: QRectF = self.scene().sceneRect()
        viewport = self.viewport().rect()
        if rect.isEmpty() or viewport.isEmpty():
            return
        self.resetTransform()
        scale = min(viewport.width() / rect.width(), viewport.height() / rect.height(), 1.3)
        self.scale(scale, scale)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()


class ModelDiagramView(QWidget):
    """Inputs → branches → concatenate → head, with shapes and trainable/frozen counts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("The diagram appears when this tab is shown (building it loads TensorFlow).")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("diagramSummary")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("diagramStatus")
        self.scene = QGraphicsScene(self)
        self.view = _FittingView(self.scene)
        self.view.setAccessibleName("Model diagram")
        self.view.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.view.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        legend = QLabel(
            "  ".join(
                f"<span style='background:{fill}'>{'&nbsp;' * 5}</span> {name}"
                for name, (fill, _) in zip(LEGEND, ROLE_COLOURS.values(), strict=True)
            )
        )
        legend.setObjectName("diagramLegend")
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(legend)
        box.addWidget(self.status)
        box.addWidget(self.view, 1)
        self.diagram: dict[str, Any] | None = None
        self.boxes: dict[str, _Box] = {}

    def set_status(self, text: str, error: bool = False) -> None:
        """Where the diagram comes from, or why it could not be built."""
        theme.set_text_colour(self.status, "bad" if error else "muted")
        self.status.setText(text)

    def set_diagram(self, diagram: dict[str, Any], source: str) -> None:
        """Draw a model described by ``describe_model``; ``source`` says which model it is."""
        self.diagram = diagram
        self.scene.clear()
        self.boxes = {}
        font_size = max(self.font().pointSizeF(), 6.0)
        layers = diagram["layers"]
        for index, layer in enumerate(layers):
            item = _Box(layer, _role(layer, index == len(layers) - 1), font_size)
            self.scene.addItem(item)
            self.boxes[layer["name"]] = item
        bottom = 0.0
        for column, branch in enumerate(diagram["branches"]):
            y = 0.0
            for layer in (x for x in layers if x["branch"] == branch):
                item = self.boxes[layer["name"]]
                item.setPos(column * (BOX_WIDTH + COLUMN_GAP), y)
                y += item.rect().height() + ROW_GAP
            bottom = max(bottom, y)
        width = len(diagram["branches"]) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP
        y = bottom - ROW_GAP + HEAD_GAP
        for layer in (x for x in layers if x["branch"] == "head"):
            item = self.boxes[layer["name"]]
            item.setPos((width - BOX_WIDTH) / 2, y)
            y += item.rect().height() + ROW_GAP
        for layer in layers:
            drop_to = bottom - ROW_GAP if layer["role"] == "concat" else 0.0
            for parent in layer["inputs"]:
                if parent in self.boxes:
                    start, end = self.boxes[parent].bottom(), self.boxes[layer["name"]].top()
                    self.scene.addItem(_arrow(start, end, drop_to))
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-8, -8, 8, 8))
        self.summary.setText(summary_text(diagram))
        self.set_status(source)
        self.view.fit()
