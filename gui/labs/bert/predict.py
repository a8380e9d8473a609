"""The prediction pipeline's view: a CSV with a Text column or pasted reviews → the trained head's
probability per review and the predicted class counts.

The run predicts its new-reviews file (and any pasted reviews) at the end; afterwards "Predict" runs the
same engine pipeline again on other input. Probabilities, labels and counts come from the engine.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.labs.bert.tokens import titled
from gui.labs.bert.views import CLASS_COLOURS
from gui.plots.charts import BarChart

COLUMNS = ("from", "P(positive)", "predicted", "review")
#: Characters of a review shown in its tooltip (the cell and the token view get the whole text).
TOOLTIP_CHARS = 600


#: Text colour (a gui.theme name) of each predicted label in the table.
LABEL_COLOURS = {"negative": "bad", "positive": "good"}


class PredictionsView(QWidget):
    """Input (CSV and/or pasted text), the Predict button, counts and the per-review table."""

    sig_predict_requested = Signal(str, str)
    """Predict with the trained head: the CSV path ('' for none) and the pasted text."""
    sig_review_picked = Signal(str)
    """A review was double-clicked (to show its tokens)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sections: list[tuple[str, dict[str, Any]]] = []
        self.csv_edit = QLineEdit()
        self.csv_edit.setPlaceholderText("a CSV with a Text column (e.g. the assignment's test file)")
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose a CSV of reviews to predict")
        browse.setAccessibleName("Browse for a CSV of reviews")
        browse.clicked.connect(self._browse)
        self.pasted = QPlainTextEdit()
        self.pasted.setAccessibleName("Pasted reviews")
        self.pasted.setPlaceholderText(
            "Or paste reviews here, one per line. They are also predicted at the end of every run."
        )
        self.pasted.setMaximumHeight(72)
        self.predict_button = QPushButton("Predict with the trained head")
        self.predict_button.setEnabled(False)
        self.predict_button.setToolTip("Run the lab first: it trains the head this uses")
        self.predict_button.clicked.connect(self._on_predict_clicked)
        self.status = QLabel("Run the lab: it predicts its new-reviews file with the trained head.")
        self.status.setWordWrap(True)
        self.counts = BarChart("predicted class counts")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Predictions")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setToolTip("Double-click a review to see its tokens")
        self.table.cellDoubleClicked.connect(self._on_double_click)

        csv_row = QHBoxLayout()
        csv_row.addWidget(QLabel("Reviews CSV"))
        csv_row.addWidget(self.csv_edit, 1)
        csv_row.addWidget(browse)
        action_row = QHBoxLayout()
        action_row.addWidget(self.predict_button)
        action_row.addWidget(self.status, 1)
        top = QWidget()
        top_box = QVBoxLayout(top)
        top_box.setContentsMargins(0, 0, 0, 0)
        top_box.addLayout(csv_row)
        top_box.addWidget(self.pasted)
        top_box.addLayout(action_row)
        top_box.addWidget(self.summary)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.counts)
        lower.addWidget(titled("Per review (double-click one to see its tokens)", self.table))
        lower.setSizes([360, 640])
        box = QVBoxLayout(self)
        box.addWidget(top)
        box.addWidget(lower, 1)

    # --- input ------------------------------------------------------------------------------------

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Reviews to predict", "", "CSV files (*.csv);;All files (*)"
        )
        if chosen:
            self.csv_edit.setText(chosen)

    @Slot()
    def _on_predict_clicked(self) -> None:
        self.sig_predict_requested.emit(self.csv_edit.text().strip(), self.pasted.toPlainText())

    def pasted_text(self) -> str:
        """The pasted reviews (one per line)."""
        return self.pasted.toPlainText()

    def set_head_ready(self, ready: bool) -> None:
        """Enable Predict once a run has trained a head."""
        self.predict_button.setEnabled(ready)
        self.predict_button.setToolTip(
            "Tokenize, embed and classify the CSV and the pasted reviews"
            if ready
            else "Run the lab first: it trains the head this uses"
        )

    # --- output -----------------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget the shown predictions."""
        self.sections = []
        self.table.setRowCount(0)
        self.summary.setText("")
        self.counts.set_bars([], [])

    def show_predictions(self, sections: list[tuple[str, dict[str, Any]]]) -> None:
        """Show ``[(source name, prediction dict)]``; a dict has ``probabilities``, ``labels``,
        ``class_counts``, ``embedding_shape`` and ``texts``."""
        self.sections = [(name, dict(section)) for name, section in sections if section]
        labels: list[str] = []
        values: list[float] = []
        colours: list[str] = []
        lines = []
        for name, section in self.sections:
            counts = section["class_counts"]
            tag = "pasted" if name == "pasted" else "file"
            for cls, colour in CLASS_COLOURS.items():
                sign = "−" if cls == "negative" else "+"
                labels.append(f"{tag} {sign}" if len(self.sections) > 1 else cls)
                values.append(counts[cls])
                colours.append(colour)
            shape = " × ".join(str(n) for n in section.get("embedding_shape", []))
            shortened = " (texts shortened: the file is large)" if section.get("texts_shortened") else ""
            lines.append(
                f"<b>{name}</b>: {len(section['probabilities'])} reviews → embeddings {shape} → "
                f"{counts['positive']} positive, {counts['negative']} negative{shortened}"
            )
        self.counts.set_bars(labels, values, colours)
        self.summary.setText("<br>".join(lines))
        self._fill_table()

    def _fill_table(self) -> None:
        rows = [
            (name, p, label, texts[i] if i < len(texts) else "")
            for name, section in self.sections
            for texts in [section.get("texts", [])]
            for i, (p, label) in enumerate(zip(section["probabilities"], section["labels"], strict=True))
        ]
        self.table.setSortingEnabled(False)
        # No sort column until the learner clicks a header: rows stay in the pipeline's order.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setRowCount(len(rows))
        for row, (name, p, label, text) in enumerate(rows):
            cells = ["pasted" if name == "pasted" else "file", f"{p:.3f}", label, text or "…"]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 2:
                    item.setForeground(QColor(theme.colour(LABEL_COLOURS.get(label, "muted"))))
                if column == 0:
                    item.setToolTip(name)
                if column == 3 and text:
                    # The whole review travels with the row: a double-click tokenizes all of it.
                    item.setData(Qt.ItemDataRole.UserRole, text)
                    short = len(text) > TOOLTIP_CHARS
                    item.setToolTip(text[: TOOLTIP_CHARS - 1] + "…" if short else text)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(True)

    @Slot(int, int)
    def _on_double_click(self, row: int, _column: int) -> None:
        item = self.table.item(row, 3)
        review = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(review, str) and review:
            self.sig_review_picked.emit(review)
