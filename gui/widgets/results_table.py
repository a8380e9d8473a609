"""The Results table of a lab: plain-language row names, the engine's key in each row's tooltip."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

#: Metric keys as a learner reads them; prefixes (val_, best_, loss_) are spelled out around these.
PLAIN_NAMES = {
    "loss": "loss",
    "accuracy": "accuracy",
    "auc": "AUC",
    "f1": "micro-F1",
    "micro_f1": "micro-F1",
    "macro_f1": "macro-F1",
    "lr": "learning rate",
    "majority_rate": "majority-class rate",
    "max_abs_f1_minus_val_accuracy": "largest gap between micro-F1 and validation accuracy",
}
#: Optimizer ids (the backprop race's ``loss_<id>`` keys) as they are written.
OPTIMIZER_NAMES = {
    "sgd": "SGD",
    "momentum": "momentum",
    "nesterov": "Nesterov",
    "adagrad": "Adagrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}


def plain_metric_name(key: str) -> str:
    """``val_accuracy`` → "validation accuracy", ``best_val_auc`` → "best validation AUC",
    ``loss_adam`` → "final loss, Adam"; unknown keys lose their underscores."""
    if key in PLAIN_NAMES:
        return PLAIN_NAMES[key]
    if key.startswith("val_"):
        return f"validation {plain_metric_name(key[4:])}"
    if key.startswith("best_"):
        return f"best {plain_metric_name(key[5:])}"
    if key.startswith("loss_"):
        name = key[5:]
        return f"final loss, {OPTIMIZER_NAMES.get(name, name.replace('_', ' '))}"
    return key.replace("_", " ")


class ResultsTable(QTableWidget):
    """Two columns, *result* and *value*; a row may carry the engine key it shows (as its tooltip).

    Section headings (e.g. "Test split") span both columns in bold.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setObjectName("resultsTable")
        self.setHorizontalHeaderLabels(["result", "value"])
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.setTabKeyNavigation(False)
        self.setAccessibleName("Results")

    def clear_rows(self) -> None:
        """Remove every row."""
        self.setRowCount(0)

    def add_heading(self, text: str) -> None:
        """A bold row across both columns."""
        row = self.rowCount()
        self.setRowCount(row + 1)
        item = QTableWidgetItem(text)
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.setItem(row, 0, item)
        self.setSpan(row, 0, 1, 2)

    def add_rows(self, rows: Iterable[tuple[str, str] | tuple[str, str, str]]) -> None:
        """Append ``(name, value)`` or ``(name, value, key)`` rows; a key becomes the name's tooltip."""
        for row_data in rows:
            name, value = row_data[0], row_data[1]
            key = row_data[2] if len(row_data) > 2 else ""
            row = self.rowCount()
            self.setRowCount(row + 1)
            name_item = QTableWidgetItem(name)
            value_item = QTableWidgetItem(value)
            name_item.setToolTip(f"key: {key}" if key else name)
            value_item.setToolTip(value)
            self.setItem(row, 0, name_item)
            self.setItem(row, 1, value_item)
        self.resizeRowsToContents()

    def values(self) -> dict[str, str]:
        """Row name → value, headings left out; a name shown twice (a run fact and a file of the same
        name) gives its first row."""
        values: dict[str, str] = {}
        for row in range(self.rowCount()):
            name, value = self.item(row, 0), self.item(row, 1)
            if name is not None and value is not None:
                values.setdefault(name.text(), value.text())
        return values

    def names(self) -> list[str]:
        """The first column's texts, top to bottom (headings included)."""
        return [self.item(row, 0).text() for row in range(self.rowCount()) if self.item(row, 0) is not None]
