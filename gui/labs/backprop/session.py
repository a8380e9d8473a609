"""The explorer's model: which graph, which data row, which weights; the views subscribe to it.

Views never change each other: they change this session, and it tells everyone (napari's pattern).
Every number shown is read from the engine (values, steps, checks) for :meth:`GraphSession.feeds`.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Signal

from engine.graph import FEATURES, TARGET, Graph, assignment_graph
from engine.graph.graders import GRADER_WEIGHT
from engine.labs.backprop.data import RegressionData

#: A value for an input that is not a data column (e.g. ``x7`` in a typed expression).
FREE_INPUT_DEFAULT = 1.0
_NUMBERED = re.compile(r"^[xf](\d+)$")


def data_column(name: str) -> str | None:
    """The data column an input reads: ``f3``/``x3`` → ``f3``, ``y`` → ``y``; None for other names.

    The assignment calls one row ``x`` (``x[0]`` is ``f1``), so ``x1``…``x5`` in a typed expression
    read the same columns as ``f1``…``f5``.
    """
    if name == TARGET:
        return TARGET
    match = _NUMBERED.match(name)
    if match and len(match.group(1)) <= 2 and 1 <= int(match.group(1)) <= len(FEATURES):
        return FEATURES[int(match.group(1)) - 1]
    return None


class GraphSession(QObject):
    """The graph, the data and the leaf values the explorer, the stepper and the check share.

    Args:
        data: The data rows inputs are read from.
    """

    sig_graph_changed = Signal()
    """A new graph replaced the old one (the feeds changed too)."""
    sig_feeds_changed = Signal()
    """A weight, an input or the data row changed."""

    def __init__(self, data: RegressionData, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data = data
        self.graph: Graph = assignment_graph()
        self.is_assignment = True
        self.row = 0
        self.weights: dict[str, float] = dict.fromkeys(self.graph.weights, GRADER_WEIGHT)
        self.free_inputs: dict[str, float] = {}
        #: A row that is not in the data (e.g. the graders' row), by column, and its name; None: data.
        self.custom_row: dict[str, float] | None = None
        self.custom_row_name = ""

    # --- reading ---------------------------------------------------------------------------------

    def input_value(self, name: str) -> float:
        """An input's value: its data column at the current row, or its free value."""
        column = data_column(name)
        if column is not None and self.custom_row is not None and column in self.custom_row:
            return self.custom_row[column]
        if column is not None:
            return float(self.data.column(column)[self.row])
        return self.free_inputs.get(name, FREE_INPUT_DEFAULT)

    def feeds(self) -> dict[str, float]:
        """One scalar per input and weight of the current graph: what the engine evaluates."""
        feeds = {name: self.input_value(name) for name in self.graph.inputs}
        feeds.update({name: self.weights.get(name, GRADER_WEIGHT) for name in self.graph.weights})
        return feeds

    def free_input_names(self) -> tuple[str, ...]:
        """Inputs of the current graph that no data column feeds (edited by hand)."""
        return tuple(n for n in self.graph.inputs if data_column(n) is None)

    # --- changing ----------------------------------------------------------------------------------

    def set_graph(self, graph: Graph, is_assignment: bool = False) -> None:
        """Show ``graph``; weights keep their values by name (new ones start at 0.1)."""
        self.graph = graph
        self.is_assignment = is_assignment
        for name in graph.weights:
            self.weights.setdefault(name, GRADER_WEIGHT)
        self.sig_graph_changed.emit()

    def set_data(self, data: RegressionData) -> None:
        """Read inputs from other data (the row is kept when it still exists)."""
        self.data = data
        self.row = min(self.row, data.rows - 1)
        self.sig_feeds_changed.emit()

    def set_row(self, row: int) -> None:
        """Read inputs from data row ``row`` (0-based); leaves a custom row."""
        row = max(0, min(int(row), self.data.rows - 1))
        if row != self.row or self.custom_row is not None:
            self.row = row
            self.custom_row, self.custom_row_name = None, ""
            self.sig_feeds_changed.emit()

    def set_custom_row(self, values: dict[str, float], name: str, weights: dict[str, float]) -> None:
        """Read inputs from ``values`` (by data column: f1…f5, y) instead of the data, with ``weights``;
        one update for the views. Choosing a data row goes back to the data."""
        self.custom_row, self.custom_row_name = {k: float(v) for k, v in values.items()}, name
        self.weights.update({k: float(v) for k, v in weights.items()})
        self.sig_feeds_changed.emit()

    def set_weight(self, name: str, value: float) -> None:
        """Change one weight."""
        if self.weights.get(name) != float(value):
            self.weights[name] = float(value)
            self.sig_feeds_changed.emit()

    def set_weights(self, values: dict[str, float]) -> None:
        """Change several weights at once (one update for the views)."""
        self.weights.update({k: float(v) for k, v in values.items()})
        self.sig_feeds_changed.emit()

    def set_free_input(self, name: str, value: float) -> None:
        """Change an input that is not a data column."""
        if self.free_inputs.get(name) != float(value):
            self.free_inputs[name] = float(value)
            self.sig_feeds_changed.emit()
