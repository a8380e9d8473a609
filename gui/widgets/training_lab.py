"""The training-lab widget every lab builds on: params form, Run/Stop, progress with ETA, live
curves with callback markers, a decision timeline, the log and the results.

A lab's own widget subclasses it, adds views with :meth:`add_view` and overrides :meth:`on_event`
or :meth:`show_result` to draw its extras; the engine's numbers are only formatted here.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QCheckBox, QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from engine.jobs import (
    ArtifactSaved,
    BatchProgress,
    Cancelled,
    EpochEnded,
    Failed,
    Finished,
    LabResult,
    LabSpec,
    LogLine,
    Marker,
    Progress,
    Started,
)
from engine.params import ParamError
from engine.practice import has_exercises
from engine.progress import ProgressTracker
from engine.prose import first_paragraph, has_lab_text, lab_text
from engine.runs import RunStore
from gui import theme
from gui.plots.live_curves import LiveCurves
from gui.widgets.about_view import AboutView
from gui.widgets.accessibility import apply_policies
from gui.widgets.decisions import DecisionList
from gui.widgets.message_bar import MessageBar
from gui.widgets.practice import PracticeTab
from gui.widgets.results_table import ResultsTable, plain_metric_name
from gui.widgets.settings_column import SETTINGS_WIDTH, SettingsColumn, SettingsToggle
from gui.widgets.tensorboard_panel import TensorBoardPanel
from gui.widgets.view_tabs import ViewTabs
from gui.workers import JobRunner


class TrainingLabWidget(QWidget):
    """A lab tab: configure, run on the worker thread, watch it train, read the results.

    Args:
        spec: The lab.
        store: The run store every job is recorded in.
    """

    sig_status_changed = Signal(str)
    """Progress text for the main window's status bar ('' when idle)."""

    #: Params fields the form leaves out (a subclass edits them with its own controls).
    hidden_params: tuple[str, ...] = ()
    #: Plot titles to build before a run starts, so the first epoch does not stall the GUI.
    plot_groups: tuple[str, ...] = ()
    #: The settings column's share of the lab's width when first shown, and its bounds in pixels.
    settings_share = 0.23
    settings_bounds = (280, 360)
    #: What the Curves view shows before the first run.
    curves_hint = "Press Run (Ctrl+R): the loss and metrics of every epoch are drawn here as it trains."

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.runner = JobRunner(store, self)
        self.tracker = ProgressTracker()
        self.result: LabResult | None = None
        self.ended: Finished | Cancelled | Failed | None = None
        self.epoch_events: list[EpochEnded] = []
        self.started_at = 0.0
        self._sized = False

        from gui.widgets.params_form import ParamsForm

        self.message_bar = MessageBar()
        self.form = ParamsForm(spec.params_type, self.hidden_params)

        self.curves = LiveCurves(empty_hint=self.curves_hint)
        self.log_y = QCheckBox("log-scale loss")
        self.log_y.setToolTip("Draw the loss plots on a logarithmic y axis")
        self.log_y.toggled.connect(self.curves.set_log_y)
        self.timeline = DecisionList()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setAccessibleName("Log")
        self.log_view.setPlaceholderText("The run's log lines appear here.")
        self.results_table = ResultsTable()
        self._details_heading = False
        self.views = ViewTabs()
        curves_page = QWidget()
        curves_box = QVBoxLayout(curves_page)
        curves_box.setContentsMargins(0, 0, 0, 0)
        curves_box.addWidget(self.curves, 1)
        curves_box.addWidget(self.log_y, 0, Qt.AlignmentFlag.AlignRight)
        self.add_view("Curves", curves_page)
        self.add_view("Decisions", self.timeline)
        self.add_view("Results", self.results_table)
        self.add_view("Log", self.log_view)
        # Every Keras lab has a TensorBoard switch; its logs get one shared panel.
        self.tensorboard: TensorBoardPanel | None = None
        if "tensorboard" in {f.name for f in dataclasses.fields(spec.params_type)}:
            self.tensorboard = TensorBoardPanel(spec.id)
            self.add_view("TensorBoard", self.tensorboard)

        # The measured outcomes can be long: the left column keeps the first paragraph, "About" the rest
        # (hidden in answer-free mode until revealed).
        text = self.about_markdown()
        if "\n\n" in text.strip():
            self.add_view("About", AboutView(text))
        self.practice: PracticeTab | None = None
        if has_exercises(spec.id):
            self.practice = PracticeTab(spec.id)
            self.add_view("Practice", self.practice)
        self.settings_column = SettingsColumn(first_paragraph(text), self.form)
        self.explanation = self.settings_column.explanation
        self.run_button = self.settings_column.run_button
        self.stop_button = self.settings_column.stop_button
        self.progress = self.settings_column.progress
        self.controls_box = self.settings_column.box

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.settings_column)
        splitter.addWidget(self.views)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([SETTINGS_WIDTH, 1000])
        splitter.setCollapsible(1, False)
        self.splitter = splitter
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self.message_bar)
        outer.addWidget(splitter, 1)
        self.settings_action = SettingsToggle(self.settings_column, splitter, self.views, self)
        self.settings_button = self.settings_action.button
        self.view_actions = self.views.install_shortcuts(self)
        self.views.currentChanged.connect(self._on_view_shown)

        self._hidden_for_practice = False
        self.views.currentChanged.connect(self._make_room_for_practice)
        self.run_button.clicked.connect(self.start_job)
        self.stop_button.clicked.connect(self.stop_job)
        self.runner.sig_event_received.connect(self.on_event)
        self.runner.sig_running_changed.connect(self._on_running_changed)
        self._eta_timer = QTimer(self)
        self._eta_timer.setInterval(500)
        self._eta_timer.timeout.connect(self._refresh_progress)

    # --- layout hooks -------------------------------------------------------------------------

    def about_markdown(self) -> str:
        """The lab's teaching prose (``resources/labs/<id>/about.md``), or its summary when it has none."""
        return lab_text(self.spec.id) if has_lab_text(self.spec.id) else self.spec.summary

    def add_view(self, title: str, widget: QWidget) -> None:
        """Add a tab to the lab's right-hand views."""
        self.views.addTab(widget, title)

    @Slot(bool)
    def set_settings_visible(self, visible: bool) -> None:
        """Show or hide the settings column (as its corner button and F9 do)."""
        self.settings_action.setChecked(visible)

    @Slot(int)
    def _make_room_for_practice(self, index: int) -> None:
        # The Practice tab needs the width for its editor: the settings column hides (out of the Tab
        # order too) and returns with any other view, unless the learner hid it themselves.
        views = getattr(self, "views", None)  # tabs removed while the widget is being torn down
        if views is None or not hasattr(self, "settings_action") or not self.settings_beside_views():
            return
        if views.widget(index) is getattr(self, "practice", None):
            if self.settings_action.isChecked():
                self._hidden_for_practice = True
                self.set_settings_visible(False)
        elif self._hidden_for_practice:
            self._hidden_for_practice = False
            self.set_settings_visible(True)

    def showEvent(self, event: QShowEvent) -> None:
        """Keyboard and screen-reader policies for every widget the lab has built by now; on the first
        show the settings column takes its share of the width."""
        super().showEvent(event)
        apply_policies(self)
        theme.fit_rows_to_font(self)
        if not self._sized:
            self._sized = True
            self.size_settings_column()
            # A column moved onto a page of its own has no corner button to hide it beside the views.
            self.settings_button.setVisible(self.settings_beside_views())
            self.settings_action.setEnabled(self.settings_beside_views())

    def settings_beside_views(self) -> bool:
        """Whether the settings column still sits left of the views (a lab may move it onto a page of
        its own, as the backprop lab does with its race settings)."""
        return self.splitter.indexOf(self.settings_action.column) == 0

    def size_settings_column(self) -> None:
        """Give the settings column :attr:`settings_share` of the width, within :attr:`settings_bounds`
        (a 1280 px screen keeps every view's tab title whole; a wide screen gives the views the room).
        A column a lab has folded away (width 0) stays folded."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if not self.settings_beside_views() or total <= 0 or sizes[0] == 0:
            return
        low, high = self.settings_bounds
        left = round(min(max(self.settings_share * total, low), high))
        self.splitter.setSizes([left, total - left])

    @Slot(int)
    def _on_view_shown(self, _index: int) -> None:
        apply_policies(self.views)  # a view may build its widgets when first shown

    # --- actions --------------------------------------------------------------------------------

    def validated_params(self) -> Any | None:
        """The form's params, or None after the message bar named the bad field."""
        try:
            return self.form.params()
        except ParamError as exc:
            self.message_bar.show_message(f"{self.spec.title}: {exc}", "error")
            return None

    @Slot()
    def start_job(self) -> None:
        """Validate the form and start a run (the message bar names a bad field)."""
        params = self.validated_params()
        if params is None:
            return
        self.message_bar.clear()
        self.reset_views()
        self.curves.prepare(self.plot_groups)
        self.runner.start(self.spec, params)

    @Slot()
    def stop_job(self) -> None:
        """Ask the running job to stop (it stops within one batch)."""
        self.runner.stop()
        self.stop_button.setEnabled(False)
        self.progress.setFormat("stopping…")

    def reset_views(self) -> None:
        """Clear the previous run's curves, decisions, log, results and TensorBoard folder."""
        if self.tensorboard is not None:
            self.tensorboard.show_running()
        self.curves.reset()
        self.timeline.clear()
        self.log_view.clear()
        self.results_table.clear_rows()
        self._details_heading = False
        self.epoch_events.clear()
        self.result = None
        self.ended = None
        self.tracker = ProgressTracker()
        self.started_at = time.monotonic()

    # --- events from the worker thread ----------------------------------------------------------

    @Slot(object)
    def on_event(self, event: Any) -> None:
        """Route one engine event to the views (always called in the GUI thread)."""
        self.tracker.update(event)
        if isinstance(event, EpochEnded):
            self.epoch_events.append(event)
            for name, value in event.metrics.items():
                self.curves.add_point(name, event.epoch, value)
            self._refresh_progress()
        elif isinstance(event, Marker):
            self.curves.add_marker(event.epoch, event.kind, event.text)
            self.timeline.add_marker(event)
        elif isinstance(event, LogLine):
            self.log_view.appendPlainText(
                f"[{event.level}] {event.text}" if event.level != "info" else event.text
            )
        elif isinstance(event, ArtifactSaved):
            self.log_view.appendPlainText(f"saved {event.name}: {event.path}")
        elif isinstance(event, (Progress, BatchProgress, Started)):
            self._refresh_progress()
        elif isinstance(event, Finished):
            self.result = event.result
            self.ended = event
            self.show_result(event.result)
            self._add_file_rows(event.result)
            seconds = time.monotonic() - self.started_at
            self.message_bar.show_message(f"{self.spec.title}: finished in {seconds:.1f} s", "success")
        elif isinstance(event, Cancelled):
            self.ended = event
            self.message_bar.show_message(
                f"{self.spec.title}: stopped after {event.epochs_done} epoch(s); the completed epochs are "
                "kept in Runs",
                "warning",
            )
        elif isinstance(event, Failed):
            self.ended = event
            self.message_bar.show_message(f"{self.spec.title}: {event.message}", "error")
            self.log_view.appendPlainText(event.details)

    def show_result(self, result: LabResult) -> None:
        """Fill the Results table with the test metrics under the lab's heading (subclasses add their
        rows with :meth:`add_result_rows`; the files follow at the end) and the TensorBoard tab."""
        self.results_table.clear_rows()
        self._details_heading = False
        if self.tensorboard is not None:
            self.tensorboard.show_logs(result.artifacts.get("tensorboard", ""))
        if result.test:
            self.results_table.add_heading(self.spec.test_scope)
            self.results_table.add_rows((plain_metric_name(k), f"{v:.4f}", k) for k, v in result.test.items())
            self.views.setCurrentWidget(self.results_table)

    def add_result_rows(self, rows: list[tuple[str, str]]) -> None:
        """Append (name, value) rows to the Results table, under a "This run" heading."""
        if not self._details_heading:
            self.results_table.add_heading("This run")
            self._details_heading = True
        self.results_table.add_rows(rows)

    def _add_file_rows(self, result: LabResult) -> None:
        if result.artifacts:
            self.results_table.add_heading("Files")
            self.results_table.add_rows((name, path, name) for name, path in result.artifacts.items())

    def prepare_practice_screenshot(self, _view: str = "practice") -> None:
        """The Practice tab with a sample learner file graded (only for README screenshots)."""
        if self.practice is not None:
            self.views.setCurrentWidget(self.practice)
            self.practice.prepare_screenshot()

    def run_in_this_thread(self, settings: dict[str, Any], params: Any = None) -> LabResult | None:
        """Put ``settings`` into the form and run the lab synchronously, feeding its events to the
        views exactly as a worker-thread run would. Only for README screenshots (a real run, shown
        in a telling state); the GUI itself always runs jobs on the worker thread."""
        from engine.jobs import CancelToken
        from engine.runner import execute

        for name, value in settings.items():
            self.form.set_value(name, value)
        self.reset_views()
        params = params if params is not None else self.form.params()
        execute(self.spec, params, CancelToken(), self.on_event, self.runner.store)
        self._on_running_changed(False)  # "done", as after a worker-thread job
        return self.result

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        if running:
            self._eta_timer.start()
        else:
            self._eta_timer.stop()
            self.progress.setRange(0, 1000)  # out of the busy indicator
            text, value = ended_progress(self.ended, self.tracker.total_epochs)
            self.progress.setFormat(text)
            self.progress.setValue(value)
            self.sig_status_changed.emit("")

    @Slot()
    def _refresh_progress(self) -> None:
        report = self.tracker.report()
        if report.fraction is None:
            self.progress.setRange(0, 0)  # busy indicator
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(report.fraction * 1000))
        text = report.describe()
        self.progress.setFormat(text)
        if self.runner.running:
            self.sig_status_changed.emit(f"{self.spec.title}: {text}")


def ended_progress(ended: Finished | Cancelled | Failed | None, total_epochs: int) -> tuple[str, int]:
    """The progress bar's text and value (of 1000) once a job is over: done and full; stopped, filled
    as far as the completed epochs go (of ``total_epochs``); failed and empty; idle and empty before
    any job."""
    if isinstance(ended, Finished):
        return "done", 1000
    if isinstance(ended, Cancelled):
        done = ended.epochs_done
        value = round(1000 * done / total_epochs) if total_epochs else 0
        return f"stopped after {done} of {total_epochs} epochs" if total_epochs else "stopped", value
    if isinstance(ended, Failed):
        return "failed (see the message above)", 0
    return "idle", 0
