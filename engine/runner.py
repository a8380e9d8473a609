"""Runs a lab job end to end: the one place that turns ``run``'s outcome into terminal events and
records the run in the store. The GUI's worker thread and the CLI both call :func:`execute`.
"""

from __future__ import annotations

import logging
import math
import traceback
from typing import Any

from engine import params as params_module
from engine.jobs import (
    ArtifactSaved,
    Cancelled,
    CancelToken,
    Emit,
    EpochEnded,
    Failed,
    Finished,
    JobCancelled,
    LabResult,
    LabSpec,
    LogLine,
    Marker,
    Started,
)
from engine.runs import RunStore, StoreError
from engine.safe_files import clip, describe_os_error

log = logging.getLogger(__name__)


class _Recorder:
    """Forwards events to the caller's sink and writes them to the run store as they arrive.

    The store must never take a training run down with it: the first failed write (a full disk, a
    store made read-only) stops recording for this run, is said once as a warning, and the run goes on.
    """

    def __init__(self, sink: Emit, store: RunStore | None) -> None:
        self.sink = sink
        # An unwritable store was reported once when it was opened: its runs go unrecorded quietly.
        self.store = store if store is not None and store.writable else None
        self.run_id: int | None = None
        self.failure: str | None = None
        self.epochs_done = 0
        self.last_metrics: dict[str, float] = {}

    def start(self, lab: str, params: dict[str, Any], seed: int, name: str = "", note: str = "") -> None:
        """Insert the run (with the user's name and note for it); a failure is kept for
        :meth:`warn_if_failed` (after ``Started``)."""
        if self.store is not None:
            try:
                self.run_id = self.store.start_run(lab, params, seed, name, note)
            except StoreError as exc:
                self.failure = f"{exc}; this run is not recorded"

    def warn_if_failed(self) -> None:
        """Say once that recording failed (the start's failure is said after ``Started``)."""
        if self.failure is not None:
            self.sink(LogLine(self.failure, "warning"))

    def __call__(self, event: Any) -> None:
        if isinstance(event, EpochEnded):
            self.epochs_done = max(self.epochs_done, event.epoch)
            self.last_metrics = {k: float(v) for k, v in event.metrics.items()}
        if self.recording:
            try:
                self._record(event)
            except StoreError as exc:
                self.failure = f"{exc}; recording stopped, the run goes on unrecorded"
                log.info("%s", self.failure)  # the user is told by the warning below
                self.warn_if_failed()
        self.sink(event)

    @property
    def recording(self) -> bool:
        """Whether this run is still being written to the store."""
        return self.store is not None and self.run_id is not None and self.failure is None

    def _record(self, event: Any) -> None:
        assert self.store is not None and self.run_id is not None
        if isinstance(event, EpochEnded):
            self.store.add_epoch(self.run_id, event.epoch, dict(event.metrics))
        elif isinstance(event, Marker):
            self.store.add_marker(self.run_id, event.epoch, event.kind, event.text)
        elif isinstance(event, ArtifactSaved):
            self.store.add_artifact(self.run_id, event.name, event.path)

    def finish(self, status: str, metrics: dict[str, float], message: str) -> None:
        """Close the run in the store. After a failed write this is tried once more, so that a store
        with room again shows the run's end rather than ``running``; a second failure stays quiet."""
        if self.store is None or self.run_id is None:
            return
        if self.failure is not None:
            message = f"{message}; " if message else ""
            message += f"recording stopped after epoch {self.epochs_done}"
        try:
            self.store.finish_run(self.run_id, status, metrics, message)
        except StoreError as exc:
            if self.failure is None:
                self.failure = f"{exc}; the run's end is not recorded"
                self.warn_if_failed()


def final_metrics(result: LabResult, last_epoch: dict[str, float]) -> dict[str, float]:
    """The numbers the Runs page shows: the last epoch's metrics plus ``test_*`` results."""
    metrics = {k: v for k, v in last_epoch.items() if isinstance(v, float) and math.isfinite(v)}
    metrics.update({f"test_{k}": float(v) for k, v in result.test.items()})
    return metrics


def describe_error(exc: BaseException) -> str:
    """A message for people: bad input (ValueError and OSError) already names the file and problem;
    anything else is a bug, so its type is kept to make the report useful."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return clip(f"{exc.filename}: {describe_os_error(exc)}", 1000)  # not "[Errno 13] …"
    if isinstance(exc, (ValueError, OSError)) and str(exc):
        return clip(str(exc), 1000)
    return clip(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, 1000)


def execute(
    spec: LabSpec,
    params: Any,
    token: CancelToken,
    sink: Emit,
    store: RunStore | None = None,
    name: str = "",
    note: str = "",
) -> Finished | Cancelled | Failed:
    """Run ``spec.run(params, token, emit)``, recording it (with the user's ``name`` and ``note`` for
    it, if any), and emit exactly one terminal event.

    Returns:
        The terminal event that was emitted (Finished, Cancelled or Failed).
    """
    params_dict = params_module.as_dict(params)
    seed = int(getattr(params, "seed", 0))
    emit = _Recorder(sink, store)
    emit.start(spec.id, params_dict, seed, name, note)
    emit(Started(spec.id, params_dict, seed, int(getattr(params, "epochs", 0))))
    emit.warn_if_failed()
    outcome: Finished | Cancelled | Failed
    status, message = "finished", ""
    metrics: dict[str, float] = {}
    try:
        result = spec.run(params, token, emit)
        metrics = final_metrics(result, emit.last_metrics)
        outcome = Finished(result)
    except JobCancelled as stop:
        status, message = "cancelled", f"stopped after {emit.epochs_done} epoch(s)"
        metrics = dict(emit.last_metrics)
        outcome = Cancelled(emit.epochs_done, stop.partial)
    except Exception as exc:  # a lab's failure is reported, never raised into the GUI or CLI
        status, message = "failed", describe_error(exc)
        outcome = Failed(message, traceback.format_exc())
    emit.finish(status, metrics, message)
    sink(outcome)
    return outcome
