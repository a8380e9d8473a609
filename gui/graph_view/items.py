"""The scene items of the graph drawing: a node box and an arrowed edge.

Items only draw what they are told (label, value text, gradient text, highlight); the numbers come
formatted from the lab widget, which reads them from the engine's step records.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine.graph import Node
from gui.graph_view import style

_HALO = 7.0
_CAPTION_HEIGHT = 18.0
#: Room under the box for a problem's cause ("⚠ division by zero").
_PROBLEM_HEIGHT = 16.0


class NodeItem(QGraphicsItem):
    """One node: a rounded box coloured by kind with its label, value (v) and gradient (∂).

    Args:
        node: The engine's node (id, kind, label, expression).
    """

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node
        width, height = style.LEAF_SIZE if node.is_leaf else style.NODE_SIZE
        self.box = QRectF(-width / 2, -height / 2, width, height)
        # The id is what formulas name (∂L/∂sum1); show it above a box whose label differs.
        self.caption = node.id if node.id != node.label else ""
        self.value_text = ""
        self.grad_text = ""
        self.active = False
        self.highlighted = False
        self.problem = ""  # why the value or gradient shown is nan/inf, in a few words
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.setToolTip(node.expression or node.id)

    def set_texts(self, value: str, grad: str) -> None:
        """Show a value and a gradient ('' hides a line)."""
        if (value, grad) != (self.value_text, self.grad_text):
            self.value_text, self.grad_text = value, grad
            self.update()

    def set_problem(self, cause: str, reason: str = "") -> None:
        """Explain a nan/inf value or gradient: ``cause`` under the box in red, ``reason`` in the
        tooltip ('' clears both)."""
        if cause != self.problem:
            self.problem = cause
            self.update()
        tip = self.node.expression or self.node.id
        self.setToolTip(f"{tip}\n⚠ {reason}" if reason else tip)

    def set_highlighted(self, highlighted: bool) -> None:
        """A second, dashed outline (e.g. the nodes an exercise asks about)."""
        if highlighted != self.highlighted:
            self.highlighted = highlighted
            self.update()

    def set_active(self, active: bool) -> None:
        """Outline the node as the one the current step computes."""
        if active != self.active:
            self.active = active
            self.update()

    def boundingRect(self) -> QRectF:
        """The box with room for the highlight halo and the caption above it."""
        return self.box.adjusted(-_HALO, -_HALO - _CAPTION_HEIGHT, _HALO, _HALO + _PROBLEM_HEIGHT)

    def shape(self) -> QPainterPath:
        """Clicks select within the box only."""
        path = QPainterPath()
        path.addRoundedRect(self.box, 10, 10)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Draw halo, box, caption and the three text lines."""
        kind = style.kind_style(self.node.kind)
        if self.active:
            halo = QColor(style.ACTIVE)
            halo.setAlpha(90)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            painter.drawRoundedRect(self.box.adjusted(-_HALO, -_HALO, _HALO, _HALO), 14, 14)
        if self.highlighted:
            painter.setPen(QPen(style.HIGHLIGHT, 2.4, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self.box.adjusted(-_HALO + 2, -_HALO + 2, _HALO - 2, _HALO - 2), 13, 13)
        border = QPen(style.ACTIVE if self.active else QColor(kind.border), 3.0 if self.active else 1.6)
        if self.isSelected() and not self.active:
            border = QPen(QColor(kind.border), 2.6, Qt.PenStyle.DashLine)
        if self.problem and not self.active:
            border = QPen(style.PROBLEM, 2.4)
        painter.setPen(border)
        painter.setBrush(QBrush(QColor(kind.fill)))
        painter.drawRoundedRect(self.box, 10, 10)

        base = QFont(painter.font())
        # Unhinted glyphs scale linearly with the zoom, so text measured here still fits when drawn
        # at 0.8× (hinting widens small text by up to ~15%).
        base.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        # Captions sit on the view's background, not in the (always light) box.
        dark = widget is not None and widget.palette().base().color().lightness() < 128
        if self.caption:
            small = QFont(base)
            small.setPointSizeF(base.pointSizeF() * style.CAPTION_SCALE)
            painter.setFont(small)
            painter.setPen(style.CAPTION_ON_DARK if dark else style.CAPTION_TEXT)
            above = QRectF(self.box.left() - 20, self.box.top() - _CAPTION_HEIGHT, self.box.width() + 40, 17)
            painter.drawText(
                above, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self.caption
            )

        if self.problem:
            small = QFont(base)
            small.setPointSizeF(base.pointSizeF() * style.CAPTION_SCALE)
            small.setBold(True)
            painter.setFont(small)
            painter.setPen(style.PROBLEM_ON_DARK if dark else style.PROBLEM)
            below = QRectF(
                self.box.left() - 24, self.box.bottom() + 1, self.box.width() + 48, _PROBLEM_HEIGHT
            )
            painter.drawText(
                below, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, f"⚠ {self.problem}"
            )

        lines = [(self.node.label, style.TEXT, True)]
        if self.value_text:
            lines.append((self.value_text, style.VALUE_TEXT, False))
        if self.grad_text:
            lines.append((self.grad_text, style.GRAD_TEXT, False))
        line_height = self.box.height() / 3.3
        top = self.box.center().y() - line_height * len(lines) / 2
        for index, (text, colour, bold) in enumerate(lines):
            font = QFont(base)
            font.setBold(bold)
            font.setPointSizeF(base.pointSizeF() * (style.LABEL_SCALE if bold else style.TEXT_SCALE))
            rect = QRectF(self.box.left() + 3, top + index * line_height, self.box.width() - 6, line_height)
            # A long number (−0.0004502) shrinks to fit the box rather than being cut off.
            width = QFontMetricsF(font, painter.device()).horizontalAdvance(text)
            if width > rect.width():
                # Point sizes come in steps, so aim a little under the room left.
                font.setPointSizeF(font.pointSizeF() * 0.92 * rect.width() / width)
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def input_anchor(self, position: int, count: int) -> QPointF:
        """Where the edge of input ``position`` (of ``count``) arrives on the left side."""
        offset = 0.0 if count < 2 else (position - (count - 1) / 2) * self.box.height() * 0.45
        return self.mapToScene(QPointF(self.box.left(), offset))

    def output_anchor(self) -> QPointF:
        """Where outgoing edges leave, on the right side."""
        return self.mapToScene(QPointF(self.box.right(), 0.0))


class EdgeItem(QGraphicsItem):
    """An arrowed curve from a node's right side to one input slot of its consumer.

    Args:
        source: The node read.
        target: The consumer.
        position: Which input of the consumer (0 or 1) the edge fills.
        count: How many distinct inputs the consumer has.
    """

    def __init__(self, source: NodeItem, target: NodeItem, position: int, count: int) -> None:
        super().__init__()
        self.source, self.target = source, target
        self.start = source.output_anchor()
        self.end = target.input_anchor(position, count)
        self.mode = ""  # "", "forward" or "backward"
        self.label = ""
        self.setZValue(1)
        self._path = self._curve()

    def _curve(self) -> QPainterPath:
        path = QPainterPath(self.start)
        bend = max(abs(self.end.x() - self.start.x()) * 0.5, 30.0)
        path.cubicTo(
            QPointF(self.start.x() + bend, self.start.y()),
            QPointF(self.end.x() - bend, self.end.y()),
            self.end - QPointF(9.0, 0.0),
        )
        path.lineTo(self.end)
        return path

    def set_state(self, mode: str, label: str = "") -> None:
        """Highlight for a ``forward``/``backward`` step ('' for none), with an optional label."""
        if (mode, label) != (self.mode, self.label):
            self.prepareGeometryChange()
            self.mode, self.label = mode, label
            self.setZValue(3 if mode else 1)
            self.update()

    @staticmethod
    def _label_font() -> QFont:
        font = QFont()
        font.setPointSizeF(font.pointSizeF() * style.EDGE_LABEL_SCALE)
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        return font

    def _label_rect(self) -> QRectF:
        # Tight around the text: columns are ~26 units apart, so a wide label would hide the boxes.
        mid = self._path.pointAtPercent(0.5)
        metrics = QFontMetricsF(self._label_font())
        width, height = metrics.horizontalAdvance(self.label) + 6, metrics.height() + 2
        return QRectF(mid.x() - width / 2, mid.y() - height / 2, width, height)

    def boundingRect(self) -> QRectF:
        """The curve, the arrowhead and the label."""
        rect = self._path.boundingRect().adjusted(-8, -8, 8, 8)
        return rect.united(self._label_rect()) if self.label else rect

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Draw the curve, the arrowhead and (on a backward step) the gradient it carries."""
        colour = {"forward": style.FORWARD_EDGE, "backward": style.BACKWARD_EDGE}.get(self.mode, style.EDGE)
        width = 3.2 if self.mode else 1.4
        painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        angle = math.atan2(self.end.y() - self._path.pointAtPercent(0.97).y(), 9.0)
        size = 9.0 if self.mode else 7.0
        tip = self.end
        left = tip - QPointF(size * math.cos(angle - 0.45), size * math.sin(angle - 0.45))
        right = tip - QPointF(size * math.cos(angle + 0.45), size * math.sin(angle + 0.45))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([tip, left, right]))
        if self.label:
            rect = self._label_rect()
            painter.setBrush(QColor("#fffde7"))
            painter.setPen(QPen(colour, 1.0))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(colour)
            painter.setFont(self._label_font())
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.label)
