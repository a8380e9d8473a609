"""The text-CNN lab's result views: the test split's confusion matrix with per-class F1, the
misclassified posts and the trained model's layers.

Every number comes from the engine (``LabResult.extra`` and ``LabResult.test``); these widgets choose
what to draw and format it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.labs.text_cnn.views import fill_table, read_only_table
from gui.plots.charts import BarChart, ConfusionMatrixView
from gui.widgets.model_diagram import ModelDiagramView, format_shape


class TestResultsView(QWidget):
    """The test split's confusion matrix beside per-class F1 (bars and a table with class names)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = ConfusionMatrixView()
        self.f1_bars = BarChart("per-class F1 on the test split")
        self.f1_bars.getPlotItem().setLabel("bottom", "class #")
        self.f1_table = read_only_table(["#", "class", "test posts", "F1"], "Per-class F1")
        self.f1_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("Run a model: the test split is evaluated once, with the best epoch's weights.")
        self.summary.setWordWrap(True)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.f1_bars)
        right.addWidget(self.f1_table)
        right.setSizes([260, 400])
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.matrix)
        body.addWidget(right)
        body.setSizes([560, 420])
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(body, 1)
        self.f1: list[float] = []

    def show_result(self, extra: Mapping[str, Any], test: Mapping[str, float]) -> None:
        """Draw the engine's confusion matrix and per-class F1."""
        names = list(extra["class_names"])
        self.matrix.set_matrix(extra["confusion_matrix"], names)
        self.f1 = [float(v) for v in extra["per_class_f1"]]
        self.f1_bars.set_bars([str(i) for i in range(len(names))], self.f1)
        self.f1_bars.getPlotItem().setYRange(0, 1.05)
        counts = extra.get("class_counts", {}).get("test", [""] * len(names))
        fill_table(
            self.f1_table,
            [(i, names[i], counts[i], f"{f1:.3f}") for i, f1 in enumerate(self.f1)],
        )
        self.f1_table.resizeColumnToContents(0)
        self.summary.setText(
            f"Test split (used once, best epoch {extra.get('best_epoch', '?')}): "
            f"accuracy <b>{test.get('accuracy', float('nan')):.3f}</b>, "
            f"micro-F1 <b>{test.get('micro_f1', float('nan')):.3f}</b>"
            " (from the argmax, so it equals accuracy). Rows: true class; columns: predicted class #."
        )


class MistakesView(QWidget):
    """The misclassified test posts, most confident first; a post opens in the pipeline explorer."""

    sig_open_requested = Signal(str)
    """Show this post (corpus-relative file) in the pipeline explorer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = read_only_table(["true class", "predicted", "confidence", "file"], "Misclassified posts")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.original = QTextBrowser()
        self.original.setAccessibleName("Raw post (start)")
        self.snippet = QTextBrowser()
        self.snippet.setAccessibleName("Model input (start)")
        texts = QSplitter(Qt.Orientation.Horizontal)
        for title, browser in (("Raw post (start)", self.original), ("Model input (start)", self.snippet)):
            column = QWidget()
            column_box = QVBoxLayout(column)
            column_box.setContentsMargins(0, 0, 0, 0)
            column_box.addWidget(QLabel(f"<b>{title}</b>"))
            column_box.addWidget(browser, 1)
            texts.addWidget(column)
        texts.setMaximumHeight(200)
        self.open_button = QPushButton("Show this post in the pipeline")
        self.open_button.setToolTip("Open the selected post in the Pipeline view (also: double-click a row)")
        self.open_button.setEnabled(False)
        self.summary = QLabel("Misclassified test posts appear here after a run.")
        self.summary.setWordWrap(True)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)
        box.addWidget(texts)
        box.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.examples: list[Mapping[str, Any]] = []
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.cellDoubleClicked.connect(lambda *_: self._open())
        self.open_button.clicked.connect(self._open)

    def show_examples(self, examples: Sequence[Mapping[str, Any]], total: int | None = None) -> None:
        """List the engine's misclassified examples (most confident first) of its ``total`` mistakes."""
        self.examples = list(examples)
        total = len(self.examples) if total is None else total
        fill_table(
            self.table,
            [(e["true"], e["predicted"], f"{e['confidence']:.3f}", e["file"]) for e in self.examples],
        )
        self.table.resizeColumnsToContents()
        self.summary.setText(
            f"{len(self.examples)} of {total} misclassified test posts, the most confident mistakes "
            "first (they teach the most). "
            "Double-click one to see how preprocessing changed it."
            if self.examples
            else "No test post was misclassified."
        )
        self.snippet.clear()
        self.original.clear()
        self.open_button.setEnabled(False)
        if self.examples:
            self.table.selectRow(0)

    @Slot()
    def _on_selection(self) -> None:
        row = self.table.currentRow()
        valid = 0 <= row < len(self.examples)
        self.open_button.setEnabled(valid)
        if valid:
            example = self.examples[row]
            self.snippet.setPlainText(str(example["snippet"]) + " …")
            self.original.setPlainText(str(example.get("original", "")) + " …")

    @Slot()
    def _open(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.examples):
            self.sig_open_requested.emit(str(self.examples[row]["file"]))


class ModelView(QWidget):
    """The trained model as a diagram (what feeds what), its layer table and its embeddings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.embedding = QLabel("The model's diagram and layers appear here after a run.")
        self.embedding.setWordWrap(True)
        self.diagram = ModelDiagramView()
        self.table = read_only_table(
            ["layer", "type", "output shape", "parameters", "trainable", "inputs"], "Model layers"
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.diagram)
        split.addWidget(self.table)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        box = QVBoxLayout(self)
        box.addWidget(self.embedding)
        box.addWidget(split, 1)

    def show_model(self, extra: Mapping[str, Any], model: int) -> None:
        """Draw ``extra["model_diagram"]``, fill the layer table and label the embeddings."""
        layers = list(dict(extra.get("model_diagram", {})).get("layers", []))
        rows = [
            (
                layer["name"],
                layer["type"],
                format_shape(layer["shape"]),
                f"{layer['trainable_params'] + layer['frozen_params']:,}",
                "frozen" if layer["frozen_params"] else "yes" if layer["trainable_params"] else "—",
                ", ".join(layer["inputs"]),
            )
            for layer in layers
        ]
        fill_table(self.table, rows)
        self.table.resizeColumnsToContents()
        self.diagram.show_run(extra, f"The trained Model-{model} of the last run.")
        emb = extra.get("embedding", {})
        coverage = emb.get("coverage")
        covered = f" · covers {100 * coverage:.1f} % of the vocabulary" if coverage is not None else ""
        self.embedding.setText(
            f"<b>Embeddings:</b> {html.escape(str(emb.get('label', '?')))} "
            f"({emb.get('dim', '?')}-d){covered}<br>"
            f"<b>Vocabulary:</b> {extra.get('vocabulary_size', 0):,} tokens · "
            f"<b>sequence length:</b> {extra.get('sequence_length', '?')}"
        )
