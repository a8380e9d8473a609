"""Background previews of the LSTM lab: the model diagram and the training essays' idf table.

Both take seconds (building the model imports TensorFlow; the idf table cleans every essay), so they
run as jobs on their own :class:`~gui.workers.JobRunner` without a run store: previews are not runs.
Only one preview runs at a time and the newest request of each kind wins. A preview never runs
beside a training job: building a Keras model draws from the global seed generator, so it would
change the weights of a seeded run that is starting at the same time.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from engine.jobs import CancelToken, Emit, Failed, Finished, LabResult, LabSpec, Progress
from engine.labs import lstm
from gui.workers import JobRunner

#: Params fields the idf table depends on (the rest only change the model or the training).
IDF_FIELDS = ("data_dir", "projects", "max_projects", "seed")


def _diagram_job(params: lstm.Params, token: CancelToken, emit: Emit) -> LabResult:
    diagram = lstm.diagram(params, token, emit)
    token.raise_if_cancelled()
    return LabResult(extra={"model_diagram": diagram})


def _idf_job(params: lstm.Params, token: CancelToken, emit: Emit) -> LabResult:
    return LabResult(extra={"idf_table": lstm.idf_table(params, token, emit)})


PREVIEWS = {
    "diagram": LabSpec("lstm", "LSTM model diagram", "", "", lstm.Params, _diagram_job),
    "idf": LabSpec("lstm", "LSTM idf table", "", "", lstm.Params, _idf_job, needs_tensorflow=False),
}


def idf_key(params: lstm.Params) -> tuple[Any, ...]:
    """What identifies an idf table: the data and the split seed."""
    return tuple(getattr(params, name) for name in IDF_FIELDS)


class PreviewJobs(QObject):
    """Runs diagram and idf-table previews one at a time, off the GUI thread.

    Args:
        parent: Qt parent.
    """

    sig_diagram_ready = Signal(object, object)
    """The diagram data (dict) and the params it was built from."""
    sig_idf_ready = Signal(object, object)
    """The :class:`~engine.text.idf.IdfTable` and the params it was fitted for."""
    sig_failed = Signal(str, str)
    """A preview failed: its kind ("diagram" or "idf") and the message (names the file or field)."""
    sig_progress = Signal(str, str)
    """A preview's kind and what it is doing ("cleaning essays 1000/2800")."""
    sig_idle = Signal()
    """No preview is running and none is waiting."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = JobRunner(None, self)
        self.runner.sig_job_ended.connect(self._on_job_ended)
        self.runner.sig_event_received.connect(self._on_event)
        self.runner.sig_running_changed.connect(self._on_running_changed)
        self.pending: dict[str, lstm.Params] = {}
        self.current: tuple[str, lstm.Params] | None = None
        self.paused = False

    @property
    def running(self) -> bool:
        """Whether a preview job's thread is running."""
        return self.runner.running

    def request(self, kind: str, params: lstm.Params) -> None:
        """Queue a preview (replacing an older request of the same kind) and start it when free."""
        self.pending[kind] = params
        self._next()

    def pause(self) -> None:
        """Drop queued previews and cancel the running one (a training job is about to start)."""
        self.paused = True
        self.pending.clear()
        self.runner.stop()

    def resume(self) -> None:
        """Accept previews again."""
        self.paused = False
        self._next()

    def _next(self) -> None:
        if self.paused or self.runner.running or not self.pending:
            return
        kind = "idf" if "idf" in self.pending else "diagram"  # the explorer waits on a person
        params = self.pending.pop(kind)
        self.current = (kind, params)
        self.runner.start(PREVIEWS[kind], params)

    @Slot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, Progress) and self.current is not None and event.total:
            self.sig_progress.emit(self.current[0], f"{event.phase}: {event.done:,} of {event.total:,}…")

    @Slot(object)
    def _on_job_ended(self, event: object) -> None:
        if self.current is None:
            return
        kind, params = self.current
        if isinstance(event, Finished):
            extra = dict(event.result.extra)
            if kind == "diagram":
                self.sig_diagram_ready.emit(extra["model_diagram"], params)
            else:
                self.sig_idf_ready.emit(extra["idf_table"], params)
        elif isinstance(event, Failed):
            self.sig_failed.emit(kind, event.message)
        # Cancelled: a training job took over; the widget asks again afterwards if still needed.

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        if running:
            return
        self.current = None
        self._next()
        if not self.runner.running:
            self.sig_idle.emit()

    def stop_and_wait(self, timeout_ms: int = 10_000) -> bool:
        """Drop queued previews, stop the running one and wait for its thread (window closing)."""
        self.pending.clear()
        self.paused = True
        return self.runner.stop_and_wait(timeout_ms)
