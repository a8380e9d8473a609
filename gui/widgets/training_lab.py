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
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

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
from engine.progress import ProgressTracker, format_eta
from engine.prose import first_paragraph, has_lab_text, lab_text
from engine.runs import RunStore
from gui.plots.live_curves import MARKER_COLOURS, LiveCurves
from gui.widgets.about_view import AboutView
from gui.widgets.message_bar import MessageBar
from gui.widgets.practice import PracticeTab
from gui.widgets.tensorboard_panel import TensorBoardPanel
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

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.runner = JobRunner(store, self)
        self.tracker = ProgressTracker()
        self.result: LabResult | None = None
        self.epoch_events: list[EpochEnded] = []
        self.started_at = 0.0

        from gui.widgets.params_form import ParamsForm

        self.message_bar = MessageBar()
        self.form = ParamsForm(spec.params_type, self.hidden_params)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runButton")
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Train with these settings (Ctrl+R)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setEnabled(False)
        self.stop_button.setToolTip("Stop within one batch (Esc)")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)

        self.curves = LiveCurves()
        self.log_y = QCheckBox("log-scale loss")
        self.log_y.toggled.connect(self.curves.set_log_y)
        self.timeline = QListWidget()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.results_table = QTableWidget(0, 2)
        self.results_table.setHorizontalHeaderLabels(["result", "value"])
        self.results_table.horizontalHeader().setStretchLastSection(True)
        self.views = QTabWidget()
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
        explanation = markdown_label(first_paragraph(text), "labExplanation")
        if "\n\n" in text.strip():
            self.add_view("About", AboutView(text))
        self.practice: PracticeTab | None = None
        if has_exercises(spec.id):
            self.practice = PracticeTab(spec.id)
            self.add_view("Practice", self.practice)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.addWidget(explanation)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        left_box.addWidget(scroll, 1)
        self.controls_box = left_box
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        left_box.addLayout(buttons)
        left_box.addWidget(self.progress)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.views)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([340, 1000])
        outer = QVBoxLayout(self)
        outer.addWidget(self.message_bar)
        outer.addWidget(splitter, 1)

        self._settings_width = 0
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

    @Slot(int)
    def _make_room_for_practice(self, index: int) -> None:
        # The Practice tab needs the width for its editor; the run settings return with any other view.
        views = getattr(self, "views", None)  # tabs removed while the widget is being torn down
        splitter = views.parentWidget() if views is not None else None
        if not isinstance(splitter, QSplitter):
            return
        sizes = splitter.sizes()
        if views.widget(index) is getattr(self, "practice", None):
            if sizes[0] > 0:
                self._settings_width = sizes[0]
                splitter.setSizes([0, sum(sizes)])
        elif sizes[0] == 0 and self._settings_width:
            splitter.setSizes([self._settings_width, max(sum(sizes) - self._settings_width, 1)])

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
        """Clear the previous run's curves, decisions, log and results."""
        self.curves.reset()
        self.timeline.clear()
        self.log_view.clear()
        self.results_table.setRowCount(0)
        self.epoch_events.clear()
        self.result = None
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
            item = QListWidgetItem(f"epoch {event.epoch} · {event.kind}: {event.text}")
            item.setForeground(_qcolor(MARKER_COLOURS.get(event.kind, "#555555")))
            self.timeline.addItem(item)
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
            self.show_result(event.result)
            seconds = time.monotonic() - self.started_at
            self.message_bar.show_message(f"{self.spec.title}: finished in {seconds:.1f} s", "success")
        elif isinstance(event, Cancelled):
            self.message_bar.show_message(
                f"{self.spec.title}: stopped after {event.epochs_done} epoch(s); the completed epochs are "
                "kept in Runs",
                "warning",
            )
        elif isinstance(event, Failed):
            self.message_bar.show_message(f"{self.spec.title}: {event.message}", "error")
            self.log_view.appendPlainText(event.details)

    def show_result(self, result: LabResult) -> None:
        """Fill the Results table with the test metrics and artifacts (subclasses add more)."""
        rows = [(f"test {k}", f"{v:.4f}") for k, v in result.test.items()]
        rows += [(f"file: {k}", v) for k, v in result.artifacts.items()]
        self.results_table.setRowCount(0)
        self.add_result_rows(rows)
        if self.tensorboard is not None:
            self.tensorboard.show_logs(result.artifacts.get("tensorboard", ""))
        if result.test:
            self.views.setCurrentWidget(self.results_table)

    def add_result_rows(self, rows: list[tuple[str, str]]) -> None:
        """Append (name, value) rows to the Results table."""
        start = self.results_table.rowCount()
        self.results_table.setRowCount(start + len(rows))
        for offset, (name, value) in enumerate(rows):
            self.results_table.setItem(start + offset, 0, QTableWidgetItem(name))
            self.results_table.setItem(start + offset, 1, QTableWidgetItem(value))
        self.results_table.resizeColumnToContents(0)

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
        execute(self.spec, params if params is not None else self.form.params(), CancelToken(), self.on_event)
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
            self.progress.setFormat("idle" if self.result is None else "done")
            self.progress.setValue(1000 if self.result is not None else self.progress.value())
            self.sig_status_changed.emit("")

    @Slot()
    def _refresh_progress(self) -> None:
        report = self.tracker.report()
        if report.fraction is None:
            self.progress.setRange(0, 0)  # busy indicator
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(report.fraction * 1000))
        eta = format_eta(report.eta_seconds)
        text = f"{report.text} · {eta} left" if eta else report.text
        self.progress.setFormat(text)
        if self.runner.running:
            self.sig_status_changed.emit(f"{self.spec.title}: {text}")


def markdown_label(markdown: str, object_name: str) -> QLabel:
    """A word-wrapped label that renders Markdown prose (the texts in ``resources/``)."""
    label = QLabel(markdown)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.MarkdownText)
    label.setWordWrap(True)
    return label


def _qcolor(hex_colour: str) -> Any:
    from PySide6.QtGui import QColor

    return QColor(hex_colour)
