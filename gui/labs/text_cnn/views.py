"""The text-CNN lab's data views: the length analysis that proposes the sequence length, and the
posts per class (the assignment's count plot) with their train / validation / test split.

Every number comes from the engine (the explorer's analysis or ``LabResult.extra``); these widgets
choose what to draw and format it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.plots.charts import BarChart, HistogramView


def fill_table(table: QTableWidget, rows: Sequence[Sequence[object]]) -> None:
    """Replace a read-only table's rows (numbers right-aligned)."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(str(value))
            if isinstance(value, (int, float)) or str(value).replace(".", "", 1).isdigit():
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def read_only_table(headers: Sequence[str], name: str) -> QTableWidget:
    """A table the learner reads and selects rows of, but does not edit; ``name`` is its accessible name."""
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class LengthsView(QWidget):
    """Histograms of the training posts' lengths in words and characters, the percentiles and the
    proposed sequence length with the engine's reason."""

    UNITS = ("words", "chars")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.histograms = {
            unit: HistogramView(empty_text="Drawn once the posts are preprocessed.") for unit in self.UNITS
        }
        for unit, histogram in self.histograms.items():
            histogram.setAccessibleName(f"Post lengths in {unit}")
        self.lines: dict[str, list[pg.InfiniteLine]] = {unit: [] for unit in self.UNITS}
        self.reasons = {unit: QLabel("") for unit in self.UNITS}
        self.table = read_only_table(["percentile", "words", "characters"], "Length percentiles")
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.summary = QLabel("The length analysis appears once the posts are preprocessed.")
        self.summary.setWordWrap(True)
        plots = QHBoxLayout()
        for unit in self.UNITS:
            column = QVBoxLayout()
            column.addWidget(self.histograms[unit], 1)
            self.reasons[unit].setWordWrap(True)
            column.addWidget(self.reasons[unit])
            plots.addLayout(column, 1)
        table_column = QVBoxLayout()
        table_column.addWidget(self.table)
        table_column.addStretch(1)
        plots.addLayout(table_column)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addLayout(plots, 1)
        self.reports: dict[str, Mapping[str, Any]] = {}
        self._fit_table()

    def _fit_table(self) -> None:
        # As wide and tall as its cells and headers at the current font size: no scrollbars, nothing
        # cut. (The header's own length follows the table's width, the last column being stretched,
        # so each column is measured instead.)
        table = self.table
        header = table.horizontalHeader()
        table.resizeRowsToContents()
        columns = range(table.columnCount())
        widths = [max(table.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in columns]
        for column, width in enumerate(widths):
            table.setColumnWidth(column, width)
        table.setFixedWidth(sum(widths) + 2 * table.frameWidth() + 2)
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(rows + header.sizeHint().height() + 2 * table.frameWidth() + 2)

    def changeEvent(self, event: QEvent) -> None:
        """A new font size: the table is measured again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_table()

    def show_reports(
        self, words: Mapping[str, Any], chars: Mapping[str, Any], used: tuple[str, int] | None = None
    ) -> None:
        """Draw both reports; ``used`` = (unit key, length) of a finished run, marked on its histogram."""
        self.reports = {"words": words, "chars": chars}
        for unit, report in self.reports.items():
            plot = self.histograms[unit]
            plot.set_histogram("training posts", report["histogram_edges"], report["histogram_counts"])
            item = plot.getPlotItem()
            item.legend.hide()  # one series: the title says what it is
            item.setTitle(f"length in {report['unit']} (training split)")
            item.setLabel("bottom", str(report["unit"]))
            item.setLabel("left", "posts")
            for line in self.lines[unit]:
                item.removeItem(line)
            marks = [(int(report["proposed"]), f"proposed {report['proposed']}", "#D55E00")]
            if used is not None and used[0] == unit and used[1] != report["proposed"]:
                marks.append((used[1], f"used {used[1]}", "#0072B2"))
            self.lines[unit] = [self._line(item, *mark) for mark in marks]
            self.reasons[unit].setText(html.escape(str(report["reason"])))
        percentiles = list(words["percentiles"])
        fill_table(
            self.table,
            [(f"{p} %", words["percentiles"][p], chars["percentiles"].get(p, "")) for p in percentiles],
        )
        self._fit_table()
        self.summary.setText(
            f"Proposed sequence length: <b>{words['proposed']} words</b> for Model-1 and "
            f"<b>{chars['proposed']} characters</b> for Model-2 (the {words['percentile']}th percentile "
            "of the training posts, rounded up). Set seq_length to override it."
        )

    @staticmethod
    def _line(plot: pg.PlotItem, x: int, label: str, colour: str) -> pg.InfiniteLine:
        line = pg.InfiniteLine(
            pos=x,
            angle=90,
            pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine),
            label=label,
            labelOpts={"position": 0.9, "color": colour, "anchors": [(0, 0), (0, 0)]},
        )
        plot.addItem(line, ignoreBounds=True)
        return line


class ClassesView(QWidget):
    """Posts per class (the count plot) and, after a run, how each class was split."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = BarChart("posts per class", empty_text="Drawn once the posts are loaded.")
        self.bars.getPlotItem().setLabel("bottom", "class # (as in the confusion matrix)")
        self.table = read_only_table(
            ["#", "class", "posts", "train", "validation", "test"], "Posts per class"
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.note = QLabel(
            "The split is stratified: every class keeps its share in train, validation (early stopping) "
            "and test (used once, at the end)."
        )
        self.note.setWordWrap(True)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.bars)
        body.addWidget(self.table)
        body.setSizes([440, 560])
        box = QVBoxLayout(self)
        box.addWidget(self.note)
        box.addWidget(body, 1)
        self.counts: dict[str, int] = {}

    def show_counts(
        self, counts: Mapping[str, int], split: Mapping[str, Sequence[int]] | None = None
    ) -> None:
        """Draw the engine's posts per class; ``split`` = ``extra["class_counts"]`` of a finished run."""
        self.counts = dict(counts)
        names = list(self.counts)
        self.bars.set_bars([str(i) for i in range(len(names))], list(self.counts.values()))
        parts = [list(split.get(k, [])) for k in ("train", "val", "test")] if split else [[], [], []]
        rows = [
            (i, name, self.counts[name], *(part[i] if i < len(part) else "" for part in parts))
            for i, name in enumerate(names)
        ]
        fill_table(self.table, rows)
