"""The Runs page: every recorded run with its name, model and results; the selected run's name and
note; selected runs compared (one colour per run in every plot, their differing settings side by
side); delete with confirmation and undo; CSV export."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.run_compare import variant
from engine.runs import RunStore, RunSummary, StoreError
from gui.picture_export import add_picture_export
from gui.plots.live_curves import LiveCurves, default_group
from gui.run_comparison import ParamDiffTable, RunColours, RunLegend, run_title, swatch
from gui.run_details import RunDetails
from gui.widgets.message_bar import MessageBar

_COLUMNS = ("id", "name", "lab", "model", "status", "seed", "started", "duration", "final metrics")
_ID, _NAME, _STATUS = 0, 1, 4


def _overlay_group(name: str) -> str:
    # "#12 val_loss" → "loss": the same metric of every selected run shares a plot.
    return default_group(name.split(" ", 1)[1])


class RunsPage(QWidget):
    """Lists the store's runs; selecting runs names, annotates and compares them."""

    sig_message = Signal(str)
    """A line for the status bar."""

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.message_bar = MessageBar()
        self.lab_filter = QComboBox()
        self.lab_filter.setToolTip("Show the runs of one lab")
        self.lab_filter.setAccessibleName("Lab filter")
        self.lab_filter.addItem("all labs")
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setObjectName("runsTable")
        self.table.setAccessibleName("Recorded runs")
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)  # one line per run; long metrics are elided (tooltip has them)
        self.colours = RunColours()
        # Three plots a row: a comparison has many metrics and the page is wider than it is tall.
        self.curves = LiveCurves(
            group_of=_overlay_group,
            columns=3,
            colour_of=self.colours.of_curve,
            legends=False,
            empty_hint="Select runs in the table: their curves are overlaid here.",
        )
        self.legend = RunLegend()
        self.comparison = QWidget()
        comparison_box = QVBoxLayout(self.comparison)
        comparison_box.setContentsMargins(0, 0, 0, 0)
        comparison_box.addWidget(self.curves, 1)
        comparison_box.addWidget(self.legend)
        # Exported as one picture: the curves with the legend that says which colour is which run.
        add_picture_export(self.comparison, target=self.comparison, name="runs-comparison")
        self.details = RunDetails(store)
        self.params_diff = ParamDiffTable()
        refresh = QPushButton("Refresh")
        refresh.setObjectName("refreshButton")
        refresh.setToolTip("Reload the runs from the store")
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip(
            "Delete the selected runs (Del); undo brings them back until the app closes"
        )
        self.undo_button = QPushButton("Undo delete")
        self.undo_button.setToolTip("Bring back the runs deleted last (Ctrl+Z)")
        self.undo_button.setEnabled(False)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Write the selected runs (all when none is selected) to a CSV file")
        toolbar = QHBoxLayout()
        for widget in (self.lab_filter, refresh, self.delete_button, self.undo_button, self.export_button):
            toolbar.addWidget(widget)
        toolbar.addStretch(1)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.table)
        top.addWidget(self.details)
        top.setStretchFactor(0, 3)
        top.setSizes([900, 340])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.comparison)
        bottom.addWidget(self.params_diff)
        bottom.setStretchFactor(0, 3)
        bottom.setSizes([900, 340])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setSizes([240, 560])
        box = QVBoxLayout(self)
        box.addWidget(self.message_bar)
        box.addLayout(toolbar)
        box.addWidget(splitter, 1)

        self.confirm_box: QMessageBox | None = None
        self.confirm_delete_button: QAbstractButton | None = None
        #: Batches of deleted run ids, the last one first to come back.
        self.deleted: list[list[int]] = []
        self.delete_action = self._shortcut("Delete", self.delete_selected, self.table)
        self.undo_action = self._shortcut(QKeySequence.StandardKey.Undo, self.undo_delete, self)
        refresh.clicked.connect(self.refresh)
        self.delete_button.clicked.connect(self.delete_selected)
        self.undo_button.clicked.connect(self.undo_delete)
        self.export_button.clicked.connect(self.export_selected)
        self.lab_filter.currentTextChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self.show_selected)
        self.details.sig_label_saved.connect(self._on_label_saved)
        self.details.sig_save_failed.connect(self._show_error)
        self.summaries: list[RunSummary] = []
        self.refresh()

    def _shortcut(self, key: str | QKeySequence.StandardKey, slot: object, owner: QWidget) -> QAction:
        action = QAction(self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        owner.addAction(action)
        return action

    @Slot()
    def refresh(self) -> None:
        """Reload the table from the store, keeping the selection (a store that cannot be read says so
        in the message bar)."""
        selected = self.selected_ids()
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
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self.summaries))
        for row, s in enumerate(self.summaries):
            metrics = ", ".join(f"{k} {v:.4g}" for k, v in sorted(s.final_metrics.items()))
            duration = f"{s.duration:.1f} s" if s.duration is not None else "…"
            cells = (
                str(s.id),
                s.name,
                s.lab,
                variant(s.params),
                s.status,
                str(s.seed),
                time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.started)),
                duration,
                metrics,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(s.message if column == _STATUS and s.message else text)
                self.table.setItem(row, column, item)
            self.table.item(row, _NAME).setToolTip(s.note or "no note yet (write one on the right)")
        self.table.resizeColumnsToContents()
        for column in range(self.table.columnCount() - 1):  # long names/metrics are elided, not wide
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 280))
        # Room for the colour swatch a selected run's id gets (resizing saw no icon yet).
        self.table.setColumnWidth(_ID, self.table.columnWidth(_ID) + 24)
        self.table.blockSignals(False)
        self.select_runs(selected)

    def use_store(self, store: RunStore) -> None:
        """Show another run store's runs (README pictures use a throw-away one)."""
        self.store = self.details.store = store
        self.deleted.clear()
        self.undo_button.setEnabled(False)
        self.refresh()

    def prepare_screenshot(self, view: str) -> None:
        """README pictures: 'compare' → three runs compared; 'annotated' → a named run with its note
        (real runs, recorded in a throw-away store: gui/runs_screenshot.py)."""
        from gui import runs_screenshot

        runs_screenshot.prepare(self, view)

    def selected_ids(self) -> list[int]:
        """Ids of the selected runs, top to bottom."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.summaries[row].id for row in rows]

    def select_runs(self, run_ids: list[int]) -> list[int]:
        """Select these runs (e.g. from a session file); returns the ids that are not in the table."""
        rows = {s.id: row for row, s in enumerate(self.summaries)}
        self.table.blockSignals(True)
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for run_id in run_ids:
            if run_id in rows:
                self.table.selectRow(rows[run_id])
        self.table.setSelectionMode(mode)
        self.table.blockSignals(False)
        self.show_selected()
        return [run_id for run_id in run_ids if run_id not in rows]

    @Slot()
    def show_selected(self) -> None:
        """Compare the selected runs: their curves (one colour per run), legend, settings, label."""
        ids = self.selected_ids()
        colours = self.colours.assign(ids)
        runs = [s for s in self.summaries if s.id in colours]
        for row, s in enumerate(self.summaries):
            self.table.item(row, _ID).setIcon(swatch(colours[s.id]) if s.id in colours else QIcon())
        self.curves.clear()
        for run_id in ids:
            try:
                history = self.store.history(run_id)
            except StoreError as exc:
                self._show_error(str(exc))
                break  # the legend, settings and label below still show the selected runs
            for name, points in history.items():
                for epoch, value in points:
                    self.curves.add_point(f"#{run_id} {name}", epoch, value)
        self.legend.set_runs([(run_title(s), colours[s.id]) for s in runs])
        self.params_diff.show_runs(runs, colours)
        self.details.show_runs(runs)

    @Slot(int)
    def _on_label_saved(self, run_id: int) -> None:
        # Update the one row and the comparison's titles without reloading (the selection stays put).
        saved = self.details.run  # as the store has it now
        for row, summary in enumerate(self.summaries):
            if saved is not None and summary.id == run_id == saved.id:
                self.summaries[row] = saved
                self.table.item(row, _NAME).setText(self.summaries[row].name)
                self.table.item(row, _NAME).setToolTip(self.summaries[row].note or "no note yet")
        runs = [s for s in self.summaries if s.id in self.colours.colours]
        self.params_diff.show_runs(runs, self.colours.colours)
        self.legend.set_runs([(run_title(s), self.colours.colours[s.id]) for s in runs])

    @Slot(str)
    def _show_error(self, text: str) -> None:
        self.message_bar.show_message(text, "error")

    # --- delete and undo ----------------------------------------------------------------------

    @Slot()
    def delete_selected(self) -> None:
        """Ask, then move the selected runs to the trash (undoable until the app closes)."""
        selected = set(self.selected_ids())
        runs = [s for s in self.summaries if s.id in selected]
        running = [s for s in runs if s.status == "running"]
        runs = [s for s in runs if s.status != "running"]
        if running:
            names = ", ".join(run_title(s) for s in running)
            self.message_bar.show_message(f"{names} still running: stop it before deleting it", "warning")
        if not runs:
            if not running:
                self.message_bar.show_message("Select the runs to delete first", "info")
            return
        listed = ", ".join(run_title(s) for s in runs[:5])
        listed += f" and {len(runs) - 5} more" if len(runs) > 5 else ""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete runs",
            f"Delete {len(runs)} run(s): {listed}?",
            parent=self,
        )
        box.setInformativeText(
            "Their curves, markers, name and note go with them. Undo delete (Ctrl+Z) brings them back "
            "until you close the app; files they wrote stay on disk."
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setProperty("run_ids", [s.id for s in runs])
        box.buttonClicked.connect(self._on_confirm_clicked)
        self.confirm_box = box
        self.confirm_delete_button = delete
        box.open()

    @Slot(object)
    def _on_confirm_clicked(self, button: object) -> None:
        box = self.confirm_box
        self.confirm_box = None
        if box is None or button is not self.confirm_delete_button:
            return
        ids = [int(run_id) for run_id in box.property("run_ids")]
        try:
            moved = self.store.trash_runs(ids)
        except StoreError as exc:
            self._show_error(str(exc))
            return
        if moved:
            self.deleted.append(moved)
        self.undo_button.setEnabled(bool(self.deleted))
        self.refresh()
        self.message_bar.show_message(
            f"Deleted {len(moved)} run(s). Undo delete (Ctrl+Z) brings them back until you close the app.",
            "info",
        )

    @Slot()
    def undo_delete(self) -> None:
        """Bring back the runs deleted last."""
        if not self.deleted:
            return
        batch = self.deleted.pop()
        try:
            restored = self.store.restore_runs(batch)
        except StoreError as exc:
            self.deleted.append(batch)
            self._show_error(str(exc))
            return
        self.undo_button.setEnabled(bool(self.deleted))
        self.refresh()
        self.select_runs(restored)
        self.message_bar.show_message(f"Restored {len(restored)} run(s)", "success")

    # --- export -------------------------------------------------------------------------------

    @Slot()
    def export_selected(self) -> None:
        """Ask for a file and write the selected runs (all when none is selected) to it as CSV."""
        suggested = str(Path.home() / "runs.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export runs", suggested, "CSV (*.csv)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Write the selected runs (all when none is selected) to ``path`` as CSV."""
        ids = self.selected_ids() or [s.id for s in self.summaries]
        try:
            rows = self.store.export_csv(ids, path)
        except OSError as exc:
            self.message_bar.show_message(f"could not write {path}: {exc.strerror or exc}", "error")
            return
        except StoreError as exc:
            self.message_bar.show_message(str(exc), "error")
            return
        self.message_bar.show_message(f"exported {len(ids)} run(s), {rows} rows, to {path}", "success")
