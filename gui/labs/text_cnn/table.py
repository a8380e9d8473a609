"""The Text CNN tab's Table view: the assignment's table of the corpus (``text, class,
preprocessed_text, preprocessed_subject, preprocessed_emails``), sortable by any column, searchable,
one post in full below, exported to CSV on a worker thread.

The rows are the pipeline explorer's analysis (:class:`engine.labs.text_cnn.table.CorpusTable`), so the
table follows the steps switched off and the chunker chosen; sorting and searching run over plain Python
lists kept beside the Qt model (a proxy model would call back into Python once per cell).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import Cancelled, Failed, Finished, Progress
from engine.labs.text_cnn.table import COLUMNS, CorpusTable, CsvExport, export_spec
from gui.workers import JobRunner

#: Characters of a cell shown in the table (the whole post is in the pane below).
PREVIEW_CHARS = 160
Index = QModelIndex | QPersistentModelIndex


def preview(value: str) -> str:
    """A cell's one-line preview: whitespace collapsed, cut at :data:`PREVIEW_CHARS` with an ellipsis."""
    line = " ".join(value.split())
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


class CorpusTableModel(QAbstractTableModel):
    """The table's rows in the current sort order, only those matching the search."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.table = CorpusTable((), ())
        self.order: list[int] = []  # rows of ``table`` shown, in display order
        self._search_text: list[str] = []
        self._sort_keys: dict[int, list[str]] = {}  # per column, filled on its first sort
        self._query = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_table(self, table: CorpusTable) -> None:
        """Show new rows, keeping the search and the sort."""
        self.beginResetModel()
        self.table = table
        self._sort_keys = {}
        self._search_text = [
            "\n".join((*row, file)).casefold() for row, file in zip(table.rows, table.files, strict=True)
        ]
        self.order = self._matching()
        self._apply_sort()
        self.endResetModel()

    def set_query(self, query: str) -> None:
        """Keep the rows containing ``query`` in any column or their file name (any case)."""
        self.beginResetModel()
        self._query = query.strip().casefold()
        self.order = self._matching()
        self._apply_sort()
        self.endResetModel()

    def _matching(self) -> list[int]:
        query = self._query
        return (
            [i for i, text in enumerate(self._search_text) if query in text]
            if query
            else list(range(len(self.table.rows)))
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the shown rows by a column's full text (any case; ties keep the corpus order); a
        column of -1 restores the corpus order."""
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order) if 0 <= column < len(COLUMNS) else None
        self.order.sort()
        self._apply_sort()
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        if self._sort is None:
            return
        column, order = self._sort
        if column not in self._sort_keys:
            self._sort_keys[column] = [row[column].casefold() for row in self.table.rows]
        keys = self._sort_keys[column]
        self.order.sort(key=lambda i: (keys[i], i))
        if order == Qt.SortOrder.DescendingOrder:
            self.order.reverse()

    def source_row(self, row: int) -> int:
        """The corpus row shown at display row ``row``."""
        return self.order[row]

    def rowCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.order)

    def columnCount(self, parent: Index | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return preview(self.table.rows[self.order[index.row()]][index.column()])

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return COLUMNS[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)


class CorpusTableView(QWidget):
    """Search box, row count and CSV export above the sortable table; the selected post in full below."""

    sig_open_requested = Signal(str)
    """Show this post (corpus-relative file) in the pipeline explorer."""
    sig_message = Signal(str, str)
    """A message for the lab's message bar: text and level (info, success, error)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QLabel("The table of the posts appears here once the corpus is preprocessed.")
        self.status.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search every column and the file names…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the table")
        self.count = QLabel("")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Write the whole table (all posts, the five columns) to a CSV file")
        self.export_button.setEnabled(False)
        self.model = CorpusTableModel(self)
        self.view = QTableView()
        self.view.setAccessibleName("Posts and their preprocessed columns")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # corpus order
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((200, 120, 220, 170)):
            self.view.setColumnWidth(column, width)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("The selected post in full")
        self.detail.setPlaceholderText("Select a row to read the post and its preprocessed columns in full.")
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        bar.addWidget(self.export_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        box = QVBoxLayout(self)
        box.addWidget(self.status)
        box.addLayout(bar)
        box.addWidget(split, 1)

        self.exporter = JobRunner(None, self)
        self.exporter.sig_event_received.connect(self._on_export_event)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)  # one filter pass per pause in typing, not per key
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._on_search_edited)
        self.export_button.clicked.connect(self.export_csv)
        self.view.selectionModel().currentRowChanged.connect(self._show_current)
        self.view.doubleClicked.connect(self._open_current)

    @Slot(str)
    def _on_search_edited(self, _text: str) -> None:
        # Not textChanged → QTimer.start directly: a signal's argument would pick start(msec).
        self._search_timer.start()

    def set_table(self, table: CorpusTable, status: str) -> None:
        """Show the analysis's table; ``status`` says which posts and settings it was made with."""
        self.model.set_table(table)
        self.status.setText(status)
        self.export_button.setEnabled(bool(table.rows) and not self.exporter.running)
        self._show_count()
        self.detail.clear()

    @Slot()
    def apply_search(self) -> None:
        """Filter by the search box's text now."""
        self._search_timer.stop()
        self.model.set_query(self.search.text())
        self._show_count()
        self.detail.clear()

    def _show_count(self) -> None:
        total, shown = len(self.model.table.rows), self.model.rowCount()
        self.count.setText(f"{shown:,} of {total:,} posts" if shown != total else f"{total:,} posts")

    @Slot(QModelIndex, QModelIndex)
    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        row = self.model.source_row(current.row())
        values = self.model.table.rows[row]
        parts = [f"<p><b>file:</b> {html.escape(self.model.table.files[row])}</p>"]
        for name, value in zip(COLUMNS, values, strict=True):
            shown = html.escape(value) if value else "<i>(empty)</i>"
            parts.append(f"<p><b>{name}</b></p><pre style='white-space: pre-wrap'>{shown}</pre>")
        self.detail.setHtml("".join(parts))

    @Slot(QModelIndex)
    def _open_current(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sig_open_requested.emit(self.model.table.files[self.model.source_row(index.row())])

    @Slot()
    def export_csv(self) -> None:
        """Ask where to save, then write the whole table there on a worker thread."""
        path, _filter = QFileDialog.getSaveFileName(
            self,
            "Export the table as CSV",
            str(Path.home() / "newsgroups_preprocessed.csv"),
            "CSV files (*.csv)",
        )
        if not path:
            return
        if not path.lower().endswith(".csv"):
            path += ".csv"
        self.export_button.setEnabled(False)
        self.export_button.setText("Exporting…")
        self.exporter.start(export_spec(self.model.table), CsvExport(path))

    @Slot(object)
    def _on_export_event(self, event: Any) -> None:
        if isinstance(event, Progress):
            self.export_button.setText(f"Exporting… {event.done:,}/{event.total:,}")
            return
        if isinstance(event, Finished):
            rows, path = event.result.extra["rows"], event.result.artifacts["preprocessed_csv"]
            self.sig_message.emit(f"Exported {rows:,} posts ({', '.join(COLUMNS)}) to {path}", "success")
        elif isinstance(event, Failed):
            self.sig_message.emit(f"CSV export: {event.message}", "error")
        elif not isinstance(event, Cancelled):
            return
        self.export_button.setText("Export CSV…")
        self.export_button.setEnabled(bool(self.model.table.rows))

    def stop(self) -> None:
        """Stop an export in progress and wait for its thread (window closing)."""
        self.exporter.stop_and_wait(10_000)
