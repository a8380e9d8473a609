"""The BERT tab's data and embedding views: class distribution per preparation step with what was
dropped and the graders' checks on every tokenized review; the PCA of the embeddings coloured by label.

They draw ``LabResult.extra`` as the engine computed it; nothing is recomputed here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.labs.bert.tokens import ChecksList, titled
from gui.plots.charts import BarChart, ScatterView
from gui.plots.live_curves import PALETTE

CLASSES = ("negative", "positive")
#: The scatter plot colours labels 0 and 1 with the first two palette colours; every view follows it.
CLASS_COLOURS = {"negative": PALETTE[0], "positive": PALETTE[1]}
#: The loader's steps, in order, as the learner reads them.
STAGES = {
    "file": "in the file (score ≠ 3)",
    "kept": "kept (< 50 words)",
    "sample": "sampled",
    "train": "train",
    "val": "validation",
    "test": "test",
}
WAITING = "Appears when a run finishes (press Run)."
DROPPED = {"score_3": "score 3 (neutral)", "too_long": "50 words or more", "empty": "empty text"}


class DataView(QWidget):
    """Negative / positive counts at each step of the data preparation, and the input checks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Shares, not counts: at the assignment's scale the file holds 100,000s of reviews and the
        # sample's bars would be invisible beside them; the counts are in the table below.
        self.bars = BarChart("% of each step's reviews per class (blue: negative, orange: positive)")
        self.table = QTableWidget(0, 3)
        self.table.setAccessibleName("Reviews per class at each step")
        self.table.setHorizontalHeaderLabels(["step", *CLASSES])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.dropped = QLabel(WAITING)
        self.dropped.setWordWrap(True)
        self.checks = ChecksList()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(titled("Counts", self.table))
        lower.addWidget(titled("Graders' checks on every tokenized review", self.checks))
        lower.setSizes([420, 580])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(self.bars)
        body.addWidget(lower)
        body.setSizes([420, 260])
        box = QVBoxLayout(self)
        box.addWidget(self.dropped)
        box.addWidget(body, 1)

    def clear(self) -> None:
        """Forget the previous run."""
        self.bars.set_bars([], [])
        self.table.setRowCount(0)
        self.checks.clear()
        self.dropped.setText(WAITING)

    def show_extra(self, extra: dict[str, Any]) -> None:
        """Draw ``class_counts``, ``dropped`` and ``input_checks`` of a result."""
        counts: dict[str, dict[str, int]] = extra.get("class_counts", {})
        stages = [s for s in STAGES if s in counts]
        labels: list[str] = []
        values: list[float] = []
        colours: list[str] = []
        for stage in stages:
            total = sum(counts[stage].get(name, 0) for name in CLASSES)
            for name in CLASSES:
                labels.append(f"{stage} {'−' if name == 'negative' else '+'}")
                values.append(100 * counts[stage].get(name, 0) / total if total else 0.0)
                colours.append(CLASS_COLOURS[name])
        self.bars.set_bars(labels, values, colours)
        self.table.setRowCount(len(stages))
        for row, stage in enumerate(stages):
            cells = [STAGES[stage], *(f"{counts[stage].get(name, 0):,}" for name in CLASSES)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        dropped = extra.get("dropped", {})
        parts = [f"{DROPPED.get(k, k)}: {v}" for k, v in dropped.items()]
        self.dropped.setText(
            "Negative: score 1–2, positive: score 4–5. Dropped before sampling: " + " · ".join(parts)
            if parts
            else ""
        )
        self.checks.set_checks(list(extra.get("input_checks", [])))


class EmbeddingView(QWidget):
    """The embeddings on their first two principal components, one colour per label."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scatter = ScatterView("embeddings on their first two principal components")
        self.info = QLabel(WAITING)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box = QVBoxLayout(self)
        box.addWidget(self.info)
        box.addWidget(self.scatter, 1)

    def clear(self) -> None:
        """Forget the previous run."""
        self.scatter.set_points([], [])
        self.info.setText(WAITING)

    def show_extra(self, extra: dict[str, Any]) -> None:
        """Draw ``pca`` and describe ``encoder`` and ``embedding_shape`` of a result."""
        pca = extra.get("pca") or {}
        points, labels = pca.get("points", []), pca.get("labels", [])
        self.scatter.set_points(points, labels, {0: "negative", 1: "positive"})
        if self.scatter.items:
            self.scatter.items[0].setZValue(1)  # the minority (negative) dots on top, not buried
        explained = list(pca.get("explained_variance", [0.0, 0.0]))
        plot = self.scatter.getPlotItem()
        for axis in ("bottom", "left"):
            plot.getAxis(axis).enableAutoSIPrefix(False)  # "(x0.001)" would clutter the axis titles
        plot.setLabel("bottom", f"PC1 ({explained[0]:.1%} of the variance)")
        plot.setLabel("left", f"PC2 ({explained[1]:.1%} of the variance)")
        encoder = extra.get("encoder", {})
        shape = extra.get("embedding_shape", [])
        self.info.setText(
            f"<b>Encoder:</b> {encoder.get('label', '?')} · <b>pooling:</b> {encoder.get('pooling', '?')}"
            f" · <b>max length:</b> {encoder.get('max_len', '?')} · <b>embeddings:</b> "
            f"{' × '.join(str(n) for n in shape)} · {len(points)} of them drawn<br>"
            "Each dot is one review's embedding. Two axes keep only part of the variance, so classes "
            "that overlap here can still be separable for the head."
        )
