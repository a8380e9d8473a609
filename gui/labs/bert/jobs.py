"""The BERT tab's side jobs (the token view, predicting with the trained head) and
the queue that runs them on their own worker thread, one at a time, beside the lab's training job.

Each job is a thin module-level wrapper around an engine function (it imports TensorFlow lazily, on the
worker thread) that returns a plain dict in ``LabResult.extra``; nothing here computes a number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from engine.jobs import (
    Cancelled,
    CancelToken,
    Emit,
    Failed,
    Finished,
    LabResult,
    LabSpec,
    LogLine,
    Progress,
)
from engine.progress import ProgressTracker
from gui.workers import JobRunner

TOKENS, PREDICT = "bert.tokens", "bert.predict"


def encoder_ready(encoder_path: str) -> bool:
    """Whether loading ``encoder_path`` needs no conversion (a user's directory, or ours already built).

    Cheap (file checks, no TensorFlow): used to keep two threads from converting the encoder at once.
    """
    from engine.labs.bert import convert

    return bool(encoder_path.strip()) or convert.locate_export() is not None


@dataclass(frozen=True)
class TokenRequest:
    """One review to show as the encoder sees it."""

    review: str
    max_len: int = 55
    encoder_path: str = ""


@dataclass(frozen=True)
class PredictRequest:
    """Reviews to run through the prediction pipeline with a trained head and its run's params."""

    head_path: str
    run_params: Any
    csv_path: str = ""
    pasted: str = ""


def _stoppable(token: CancelToken, emit: Emit) -> Emit:
    """An emit that also honours Stop at every event (the encoder conversion emits one per layer)."""

    def checked(event: object) -> None:
        token.raise_if_cancelled()
        emit(event)

    return checked


def _tokens(request: TokenRequest, token: CancelToken, emit: Emit) -> LabResult:
    from engine.labs.bert import token_view

    token.raise_if_cancelled()
    view = token_view(request.review, request.max_len, request.encoder_path, _stoppable(token, emit))
    return LabResult(extra=view)


def _predict(request: PredictRequest, token: CancelToken, emit: Emit) -> LabResult:
    from engine.labs.bert import predict
    from engine.labs.bert.data import read_texts

    extra: dict[str, Any] = {}
    if request.csv_path.strip():
        texts = read_texts(Path(request.csv_path).expanduser())
        predicted = predict(request.head_path, texts, request.run_params, token, emit)
        extra["file"] = {**predicted, "texts": texts, "file": request.csv_path}
    lines = [line.strip() for line in request.pasted.splitlines() if line.strip()]
    if lines:
        predicted = predict(request.head_path, lines, request.run_params, token, emit)
        extra["pasted"] = {**predicted, "texts": lines}
    if not extra:
        raise ValueError("nothing to predict: choose a CSV with a Text column or paste reviews, one per line")
    return LabResult(extra=extra)


def _spec(job_id: str, title: str, params_type: type, run: Callable[..., LabResult]) -> LabSpec:
    return LabSpec(job_id, title, title, "", params_type, run)


SPECS = {
    TOKENS: _spec(TOKENS, "Token view", TokenRequest, _tokens),
    PREDICT: _spec(PREDICT, "Prediction", PredictRequest, _predict),
}


class SideJobs(QObject):
    """Runs the side jobs on one extra worker thread; a new request of a kind replaces a waiting one.

    Args:
        hold: Says whether requests must wait (e.g. the training job is converting the encoder).
        parent: Qt parent.
    """

    sig_job_finished = Signal(str, object)
    """A side job finished: its kind and its ``LabResult.extra`` dict."""
    sig_job_failed = Signal(str, str)
    """A side job failed: its kind and the message (it names the file or field)."""
    sig_progress_changed = Signal(str)
    """What the running side job is doing ('' when idle)."""
    sig_log_line = Signal(str)
    """A line for the lab's log (what a side job reported, e.g. the encoder conversion)."""

    def __init__(self, hold: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hold = hold
        self.runner = JobRunner(None, self)
        self.pending: dict[str, Any] = {}
        self.current = ""
        self._ending = False  # the running job's terminal event has not been delivered yet
        self._tracker = ProgressTracker()
        self.runner.sig_event_received.connect(self._on_event)
        self.runner.sig_running_changed.connect(self._on_running_changed)

    @property
    def busy(self) -> bool:
        """Whether a side job is running or waiting."""
        return self.runner.running or self._ending or bool(self.pending)

    def request(self, kind: str, params: Any) -> None:
        """Queue a job of ``kind`` (TOKENS or PREDICT); it starts as soon as it can."""
        self.pending.pop(kind, None)
        self.pending[kind] = params
        self.start_next()

    @Slot()
    def start_next(self) -> None:
        """Start the oldest waiting job unless one is running or the queue is held."""
        # Wait for the previous job's last event too: it is queued, and must not be taken for the next's.
        if self.runner.running or self._ending or not self.pending or self.hold():
            return
        kind = next(iter(self.pending))
        params = self.pending.pop(kind)
        self.current, self._ending = kind, True
        self._tracker = ProgressTracker()
        self.sig_progress_changed.emit(f"{SPECS[kind].title}…")
        self.runner.start(SPECS[kind], params)

    @Slot()
    def stop(self) -> None:
        """Forget waiting jobs and stop the running one, waiting for its thread."""
        self.pending.clear()
        self.runner.stop_and_wait(10_000)

    @Slot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, Progress):
            self._tracker.update(event)
            self.sig_progress_changed.emit(self._tracker.report().describe())
            return
        if isinstance(event, LogLine):
            self.sig_log_line.emit(f"{SPECS[self.current].title}: {event.text}")
        if not isinstance(event, (Finished, Cancelled, Failed)):
            return
        self._ending = False
        if isinstance(event, Finished):
            self.sig_job_finished.emit(self.current, dict(event.result.extra))
        elif isinstance(event, Failed):
            self.sig_job_failed.emit(self.current, event.message)
            self.sig_log_line.emit(f"{SPECS[self.current].title} failed: {event.message}")
        self.start_next()

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        if not running:
            self.sig_progress_changed.emit("")
            self.start_next()
