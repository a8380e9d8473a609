"""Colours and sizes of the computational-graph drawing, in one place.

Colours follow the assignment's figure: inputs green, weights orange, ops blue, the prediction Y'
purple, the loss red. Fills are light and text is dark in every theme, so a node reads the same on a
light or a dark background.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor


@dataclass(frozen=True)
class KindStyle:
    """How nodes of one kind are drawn: fill, border and a word for the legend."""

    fill: str
    border: str
    title: str


KIND_STYLES: dict[str, KindStyle] = {
    "input": KindStyle("#c8e6c9", "#2e7d32", "input"),
    "weight": KindStyle("#ffe0b2", "#e65100", "weight"),
    "constant": KindStyle("#e0e0e0", "#616161", "constant"),
    "op": KindStyle("#bbdefb", "#1565c0", "operation"),
    "output": KindStyle("#e1bee7", "#6a1b9a", "prediction Y'"),
    "loss": KindStyle("#ffcdd2", "#c62828", "loss"),
}

#: Node box sizes in scene units: leaves are smaller than computations.
NODE_SIZE = (98.0, 60.0)
LEAF_SIZE = (92.0, 54.0)
#: Distance between column centres and between row centres. Leaves carry no caption above them, so
#: a column of leaves (the assignment's ten, f1…w5) packs tighter: the whole figure is drawn larger.
COLUMN_STEP = 120.0
ROW_STEP = 74.0
LEAF_ROW_STEP = 61.0
#: Font sizes relative to the application font (the view shrinks a 10-column graph to fit).
LABEL_SCALE, TEXT_SCALE, CAPTION_SCALE = 1.35, 1.3, 0.95
EDGE_LABEL_SCALE = 0.85

TEXT = QColor("#1b1b1b")
VALUE_TEXT = QColor("#0d47a1")
GRAD_TEXT = QColor("#b71c1c")
CAPTION_TEXT = QColor("#546e7a")
CAPTION_ON_DARK = QColor("#b0bec5")
EDGE = QColor("#90a4ae")
#: The active node's outline, and the edges it reads on a forward / backward step.
ACTIVE = QColor("#f9a825")
FORWARD_EDGE = QColor("#1565c0")
BACKWARD_EDGE = QColor("#c62828")
#: A value or gradient that is nan/inf: the node's border and the cause written under it.
PROBLEM = QColor("#c62828")
PROBLEM_ON_DARK = QColor("#ff8a80")
#: A node marked by :meth:`GraphView.set_highlighted` (e.g. an exercise's question).
HIGHLIGHT = QColor("#6a1b9a")


def kind_style(kind: str) -> KindStyle:
    """The style of a node kind (ops for anything unknown)."""
    return KIND_STYLES.get(kind, KIND_STYLES["op"])
