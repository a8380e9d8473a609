"""What the backprop lab remembers beside its race settings: the graph (the assignment's, or the
expression it was built from), the weights, the free inputs and the data row (gui.sessions' part)."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from gui.labs.backprop.explorer import GraphExplorer
from gui.labs.backprop.session import GraphSession


class ExplorerMemory(QObject):
    """The explorer's state as a session part: ``{"expression", "weights", "inputs", "row"}``; an empty
    expression means the assignment's graph."""

    key = "graph"
    sig_changed = Signal()
    """The graph, a weight, an input or the row changed."""

    def __init__(self, explorer: GraphExplorer, session: GraphSession) -> None:
        super().__init__(explorer)
        self.explorer = explorer
        self.session = session
        #: The text the current graph was built from ('' for the assignment's graph).
        self.expression = ""
        session.sig_graph_changed.connect(self._on_graph_changed)
        session.sig_feeds_changed.connect(self.sig_changed)

    @Slot()
    def _on_graph_changed(self) -> None:
        # The explorer builds from its box's text right before this: that text is the graph's source.
        self.expression = "" if self.session.is_assignment else self.explorer.expression.text().strip()
        self.sig_changed.emit()

    def state(self) -> dict[str, Any]:
        """The explorer's state, JSON-able."""
        session = self.session
        return {
            "expression": self.expression,
            "weights": {name: session.weights[name] for name in session.graph.weights},
            "inputs": {name: session.input_value(name) for name in session.free_input_names()},
            "row": session.row,
        }

    def apply(self, state: Any) -> list[str]:
        """Rebuild the graph and put the numbers back; returns what was skipped (key: reason)."""
        if not isinstance(state, dict):
            return ["expected an object with expression, weights, inputs and row"]
        keys = ("expression", "weights", "inputs", "row")
        skipped = [f"{key}: not part of the graph's state" for key in state if key not in keys]
        expression = state.get("expression", "")
        if not isinstance(expression, str):
            skipped.append(f"expression: expected text, got {type(expression).__name__}")
        elif expression:
            self.explorer.expression.setText(expression)
            self.explorer.build_from_text()
            if not self.explorer.error_label.isHidden():  # the caret message is shown under the box too
                skipped.append(f"expression: {self.explorer.error_label.text().splitlines()[0]}")
        else:
            self.explorer.show_assignment_graph()
        weights, bad = _numbers(state.get("weights", {}), set(self.session.graph.weights), "weights")
        inputs, bad_inputs = _numbers(state.get("inputs", {}), set(self.session.free_input_names()), "inputs")
        skipped += bad + bad_inputs
        if weights:
            self.session.set_weights(weights)
        for name, value in inputs.items():
            self.session.set_free_input(name, value)
        row = state.get("row", 0)
        if isinstance(row, int) and not isinstance(row, bool) and 0 <= row < self.session.data.rows:
            self.session.set_row(row)
        else:
            skipped.append(f"row: expected a row from 0 to {self.session.data.rows - 1}, got {row!r}")
        return skipped


def _numbers(values: Any, known: set[str], where: str) -> tuple[dict[str, float], list[str]]:
    if not isinstance(values, dict):
        return {}, [f"{where}: expected an object of name: number"]
    valid: dict[str, float] = {}
    skipped = []
    for name, value in values.items():
        if name not in known:
            skipped.append(f"{where}.{name}: the graph has no such {where[:-1]}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            skipped.append(f"{where}.{name}: expected a finite number, got {value!r}")
        else:
            valid[name] = float(value)
    return valid, skipped
