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
    Marker,
    Started,
)
from engine.runs import RunStore

log = logging.getLogger(__name__)


class _Recorder:
    """Forwards events to the caller's sink and writes them to the run store as they arrive."""

    def __init__(self, sink: Emit, store: RunStore | None, run_id: int | None) -> None:
        self.sink = sink
        self.store = store
        self.run_id = run_id
        self.epochs_done = 0
        self.last_metrics: dict[str, float] = {}

    def __call__(self, event: Any) -> None:
        if isinstance(event, EpochEnded):
            self.epochs_done = max(self.epochs_done, event.epoch)
            self.last_metrics = {k: float(v) for k, v in event.metrics.items()}
        if self.store is not None and self.run_id is not None:
            try:
                self._record(event)
            except Exception:  # the store must never take a training run down with it
                log.exception("could not record %r in the run store", type(event).__name__)
        self.sink(event)

    def _record(self, event: Any) -> None:
        assert self.store is not None and self.run_id is not None
        if isinstance(event, EpochEnded):
            self.store.add_epoch(self.run_id, event.epoch, dict(event.metrics))
        elif isinstance(event, Marker):
            self.store.add_marker(self.run_id, event.epoch, event.kind, event.text)
        elif isinstance(event, ArtifactSaved):
            self.store.add_artifact(self.run_id, event.name, event.path)


def final_metrics(result: LabResult, last_epoch: dict[str, float]) -> dict[str, float]:
    """The numbers the Runs page shows: the last epoch's metrics plus ``test_*`` results."""
    metrics = {k: v for k, v in last_epoch.items() if isinstance(v, float) and math.isfinite(v)}
    metrics.update({f"test_{k}": float(v) for k, v in result.test.items()})
    return metrics


def describe_error(exc: BaseException) -> str:
    """A message for people: bad input (ValueError and OSError) already names the file and problem;
    anything else is a bug, so its type is kept to make the report useful."""
    if isinstance(exc, (ValueError, OSError)) and str(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


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
    run_id = store.start_run(spec.id, params_dict, seed, name, note) if store is not None else None
    emit = _Recorder(sink, store, run_id)
    emit(Started(spec.id, params_dict, seed, int(getattr(params, "epochs", 0))))
    outcome: Finished | Cancelled | Failed
    status, message = "finished", ""
    metrics: dict[str, float] = {}
    try:
        result = spec.run(params, token, emit)
        metrics = final_metrics(result, emit.last_metrics)
        outcome = Finished(result)
    except JobCancelled:
        status, message = "cancelled", f"stopped after {emit.epochs_done} epoch(s)"
        metrics = dict(emit.last_metrics)
        outcome = Cancelled(emit.epochs_done)
    except Exception as exc:  # a lab's failure is reported, never raised into the GUI or CLI
        status, message = "failed", describe_error(exc)
        outcome = Failed(message, traceback.format_exc())
    if store is not None and run_id is not None:
        store.finish_run(run_id, status, metrics, message)
    sink(outcome)
    return outcome
