"""The Runs page: every recorded run, its curves (several runs overlay to compare), delete, export."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.runs import RunStore, RunSummary, StoreError
from gui.plots.live_curves import LiveCurves, default_group
from gui.widgets.message_bar import MessageBar

_COLUMNS = ("id", "lab", "status", "seed", "started", "duration", "final metrics", "params")


def _overlay_group(name: str) -> str:
    # "#12 val_loss" → "loss": the same metric of every selected run shares a plot.
    return default_group(name.split(" ", 1)[1])


class RunsPage(QWidget):
    """Lists the store's runs; selecting runs overlays their recorded curves."""

    sig_message = Signal(str)
    """A line for the status bar."""

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.message_bar = MessageBar()
        self.lab_filter = QComboBox()
        self.lab_filter.addItem("all labs")
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.curves = LiveCurves(group_of=_overlay_group)
        refresh = QPushButton("Refresh")
        self.delete_button = QPushButton("Delete")
        self.export_button = QPushButton("Export CSV…")
        toolbar = QHBoxLayout()
        for widget in (self.lab_filter, refresh, self.delete_button, self.export_button):
            toolbar.addWidget(widget)
        toolbar.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.curves)
        splitter.setSizes([300, 500])
        box = QVBoxLayout(self)
        box.addWidget(self.message_bar)
        box.addLayout(toolbar)
        box.addWidget(splitter, 1)
        refresh.clicked.connect(self.refresh)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.lab_filter.currentTextChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self.show_selected)
        self.summaries: list[RunSummary] = []
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Reload the table from the store (a store that cannot be read says so in the message bar)."""
        lab = self.lab_filter.currentText()
        try:
            self.summaries = self.store.runs(None if lab == "all labs" else lab)
            labs = sorted({s.lab for s in self.store.runs()})
        except StoreError as exc:
            self.summaries, labs = [], []
            self.message_bar.show_message(str(exc), "error")
        if [self.lab_filter.itemText(i) for i in range(1, self.lab_filter.count())] != labs:
            self.lab_filter.blockSignals(True)
            self.lab_filter.clear()
            self.lab_filter.addItems(["all labs", *labs])
            self.lab_filter.setCurrentText(lab if lab in labs else "all labs")
            self.lab_filter.blockSignals(False)
        self.table.setRowCount(len(self.summaries))
        for row, s in enumerate(self.summaries):
            metrics = ", ".join(f"{k} {v:.4g}" for k, v in sorted(s.final_metrics.items()))
            duration = f"{s.duration:.1f} s" if s.duration is not None else "…"
            cells = (
                str(s.id),
                s.lab,
                s.status,
                str(s.seed),
                time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.started)),
                duration,
                metrics,
                json.dumps(s.params, sort_keys=True),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(s.message if column == 2 and s.message else text)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        for column in range(self.table.columnCount() - 1):  # long metrics/params are elided, not wide
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 360))

    def selected_ids(self) -> list[int]:
        """Ids of the selected runs, top to bottom."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.summaries[row].id for row in rows]

    @Slot()
    def show_selected(self) -> None:
        """Overlay the curves of every selected run."""
        self.curves.clear()
        for run_id in self.selected_ids():
            try:
                history = self.store.history(run_id)
            except StoreError as exc:
                self.message_bar.show_message(str(exc), "error")
                return
            for name, points in history.items():
                for epoch, value in points:
                    self.curves.add_point(f"#{run_id} {name}", epoch, value)

    @Slot()
    def delete_selected(self) -> None:
        """Delete the selected runs (their files on disk are left alone)."""
        ids = self.selected_ids()
        try:
            for run_id in ids:
                self.store.delete_run(run_id)
        except StoreError as exc:
            self.refresh()
            self.message_bar.show_message(str(exc), "error")
            return
        self.refresh()
        if ids:
            self.message_bar.show_message(f"deleted {len(ids)} run(s)", "info")

    @Slot()
    def export_selected(self, path: str | None = None) -> None:
        """Write the selected runs (all when none is selected) to a CSV file."""
        ids = self.selected_ids() or [s.id for s in self.summaries]
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export runs", "runs.csv", "CSV (*.csv)")
        if not path:
            return
        try:
            rows = self.store.export_csv(ids, path)
        except OSError as exc:
            self.message_bar.show_message(f"could not write {path}: {exc.strerror or exc}", "error")
            return
        except StoreError as exc:
            self.message_bar.show_message(str(exc), "error")
            return
        self.message_bar.show_message(f"exported {len(ids)} run(s), {rows} rows, to {path}", "success")
