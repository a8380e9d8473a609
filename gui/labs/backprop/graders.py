"""The graders' row: the assignment's expected numbers beside this app's, on a constructed row.

The "Graders' row" preset loads :func:`engine.graph.graders.graders_row` (w = 0.1 everywhere) into the
session; this panel then shows the graders' five values next to the engine's, to 4 decimal places,
and says why the row is constructed. The same numbers are offered as notes beside the matching steps
(exp, tanh, sigmoid and L forward; ∂L/∂Y' = dl backward).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QWidget

from engine.graph.assignment import forward_propagation
from engine.graph.graders import GRADER_EXPECTED, WHY_CONSTRUCTED, graders_row
from engine.graph.library import FEATURES, TARGET, WEIGHTS
from gui.labs.backprop.session import GraphSession

#: The session's name for the graders' row.
GRADERS_ROW = "graders"
#: Where each graded number appears in a step-through: (phase, node id).
STEP_OF: dict[str, tuple[str, str]] = {
    "exp": ("forward", "exp"),
    "tanh": ("forward", "tanh"),
    "sigmoid": ("forward", "sigmoid"),
    "loss": ("forward", "L"),
    "dl": ("backward", "Y'"),
}
_MATCH, _DIFFER = "✓", "≠"


def load_graders_row(session: GraphSession) -> None:
    """Put the graders' row (and w = 0.1) into the session."""
    row = graders_row()
    values = {**dict(zip(FEATURES, row.features, strict=True)), TARGET: row.target}
    session.set_custom_row(values, GRADERS_ROW, dict(zip(WEIGHTS, row.weights, strict=True)))


def comparison(session: GraphSession) -> list[tuple[str, float, float]]:
    """(name, graders' value, this app's value) for each graded number; [] unless the session shows
    the assignment's graph on the graders' row."""
    if session.custom_row_name != GRADERS_ROW or not session.is_assignment:
        return []
    feeds = session.feeds()
    ours = forward_propagation(
        [feeds[f] for f in FEATURES], feeds[TARGET], [session.weights[w] for w in WEIGHTS]
    )
    return [(name, expected, float(ours[name])) for name, expected in GRADER_EXPECTED.items()]


def _mark(expected: float, ours: float) -> str:
    return _MATCH if round(ours, 4) == expected else _DIFFER


def _show(value: float) -> str:
    return f"{value:.4f}".replace("-", "−")


def step_notes(session: GraphSession) -> dict[tuple[str, str], str]:
    """The graders' value beside each step that computes one (for the explorer's step panel)."""
    return {
        STEP_OF[name]: f"Graders expected {name} = {_show(expected)}; this app: {_show(ours)} "
        f"{_mark(expected, ours)}"
        for name, expected, ours in comparison(session)
    }


class GradersPanel(QGroupBox):
    """The graders' five numbers beside this app's, shown while the graders' row is loaded."""

    def __init__(self, session: GraphSession, parent: QWidget | None = None) -> None:
        super().__init__("The graders' numbers (w = 0.1)", parent)
        self.setObjectName("gradersPanel")
        self.session = session
        self.table = QLabel()
        self.table.setObjectName("gradersTable")
        self.table.setTextFormat(Qt.TextFormat.RichText)
        self.table.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        why = QLabel(WHY_CONSTRUCTED)
        why.setObjectName("gradersWhy")
        why.setWordWrap(True)
        box = QHBoxLayout(self)  # a strip under the drawing: the numbers, then why the row is made
        box.setContentsMargins(6, 2, 6, 4)
        box.addWidget(self.table)
        box.addWidget(why, 1)
        self.rows: list[tuple[str, float, float]] = []
        session.sig_feeds_changed.connect(self.refresh)
        session.sig_graph_changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Show the comparison for the session's weights (hidden off the graders' row)."""
        self.rows = comparison(self.session)
        self.setVisible(bool(self.rows))
        if not self.rows:
            return
        # One column per number: three short rows fit the explorer's side column on a laptop screen.
        names = "".join(f"<th align='right'>{escape(name)}</th>" for name, _, _ in self.rows)
        expected = "".join(f"<td align='right'>{_show(e)}</td>" for _, e, _ in self.rows)
        ours = "".join(f"<td align='right'><b>{_show(o)}</b> {_mark(e, o)}</td>" for _, e, o in self.rows)
        self.table.setText(
            "<table cellspacing='0' cellpadding='3'>"
            f"<tr><th></th>{names}</tr><tr><td>graders</td>{expected}</tr>"
            f"<tr><td>this app</td>{ours}</tr></table>"
        )
