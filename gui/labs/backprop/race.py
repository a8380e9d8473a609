"""The race's final-weights table: initial and trained weights per optimizer, and a button that puts
an optimizer's trained weights into the graph explorer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import LabResult
from engine.labs.backprop.data import TRUE_WEIGHTS
from gui.labs.backprop.session import GraphSession


class FinalWeightsTable(QWidget):
    """Weights before and after the race, one column per optimizer."""

    def __init__(self, session: GraphSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.final: dict[str, list[float]] = {}
        self.names: list[str] = []
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("finalWeights")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setAccessibleName("Final weights")
        self.table.setTabKeyNavigation(False)
        self.choice = QComboBox()
        self.choice.setAccessibleName("Optimizer whose weights to show")
        self.choice.setToolTip("The optimizer whose trained weights 'Show in the graph' uses")
        self.load_button = QPushButton("Show in the graph")
        self.load_button.setToolTip("Put this optimizer's trained weights into the Graph view")
        self.load_button.setAccessibleName("Show in the graph")
        self.load_button.setEnabled(False)
        line = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("finalWeightsTitle")
        self._set_title("")
        line.addWidget(self.title)
        line.addStretch(1)
        line.addWidget(self.choice)
        line.addWidget(self.load_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(line)
        box.addWidget(self.table, 1)
        self.load_button.clicked.connect(self.load_into_graph)

    def _set_title(self, detail: str) -> None:
        self.title.setText(f"<b>Final weights</b> {detail}".strip())

    def clear(self) -> None:
        """A new race starts."""
        self._set_title("")
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.choice.clear()
        self.final = {}
        self.load_button.setEnabled(False)

    def show_result(self, result: LabResult) -> None:
        """Fill the table from the race's result (``extra``: weight names, initial and final weights;
        a stopped race's partial result says after how many of its epochs)."""
        extra: dict[str, Any] = dict(result.extra)
        done, planned = extra.get("epochs_done"), extra.get("epochs")
        stopped = done is not None and planned is not None and done < planned
        self._set_title(f"after {done} of {planned} epochs (stopped)" if stopped else "")
        self.names = list(extra.get("weight_names", []))
        initial = list(extra.get("initial_weights", []))
        self.final = {k: list(v) for k, v in dict(extra.get("final_weights", {})).items()}
        embedded = str(dict(extra.get("data", {})).get("source", "")).startswith("embedded")
        columns: list[tuple[str, list[float]]] = [("initial", initial)]
        columns += [(name, values) for name, values in self.final.items()]
        if embedded and len(TRUE_WEIGHTS) == len(self.names):
            columns.append(("data made with", list(TRUE_WEIGHTS)))
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([c for c, _ in columns])
        rows = [*self.names, "final loss"]
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels(rows)
        for col, (name, values) in enumerate(columns):
            for row, value in enumerate(values):
                self._set(row, col, f"{value:.5g}")
            loss = result.test.get(f"loss_{name}")
            self._set(len(self.names), col, f"{loss:.5g}" if loss is not None else "")
        self.table.resizeColumnsToContents()
        self.choice.clear()
        self.choice.addItems(list(self.final))
        self.load_button.setEnabled(bool(self.final))

    def _set(self, row: int, col: int, text: str) -> None:
        item = QTableWidgetItem(text.replace("-", "−"))
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, col, item)

    @Slot()
    def load_into_graph(self) -> None:
        """Use the chosen optimizer's trained weights in the graph explorer."""
        values = self.final.get(self.choice.currentText())
        if values and self.session.is_assignment:
            self.session.set_weights(dict(zip(self.names, values, strict=True)))
        elif values:
            # A typed expression may name other weights: set only those both graphs have.
            shared = {
                n: v for n, v in zip(self.names, values, strict=True) if n in self.session.graph.weights
            }
            self.session.set_weights(shared)
