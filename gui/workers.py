"""The only QThread code: JobRunner runs one lab job at a time on a worker thread.

PySide6 runs a lambda connected to a worker's signal IN THE WORKER THREAD, even with a queued
connection, so worker signals are connected only to ``@Slot`` methods of QObjects living in the GUI
thread (this class).
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from engine.jobs import Cancelled, CancelToken, Failed, Finished, LabSpec
from engine.runner import execute
from engine.runs import RunStore

log = logging.getLogger(__name__)

#: Every JobRunner alive, so tests (and shutdown) can check that no thread is left running.
LIVE_RUNNERS: weakref.WeakSet[JobRunner] = weakref.WeakSet()


class _Worker(QObject):
    """Lives in the worker thread; runs one job and forwards its events as a signal."""

    sig_event_emitted = Signal(object)
    """An engine event (frozen dataclass) from the running job."""
    sig_job_done = Signal()
    """The job returned (its terminal event was already emitted)."""

    def __init__(self, spec: LabSpec, params: Any, token: CancelToken, store: RunStore | None) -> None:
        super().__init__()
        self.spec, self.params, self.token, self.store = spec, params, token, store

    @Slot()
    def run(self) -> None:
        try:
            execute(self.spec, self.params, self.token, self.sig_event_emitted.emit, self.store)
        except BaseException as exc:  # a thread otherwise loses its exception
            log.exception("job %s crashed outside its run function", self.spec.id)
            self.sig_event_emitted.emit(Failed(f"{type(exc).__name__}: {exc}"))
        finally:
            self.sig_job_done.emit()


class JobRunner(QObject):
    """Owns the worker thread of one lab widget; starting a job stops the previous one first.

    Args:
        store: Where runs are recorded. Defaults to None (not recorded).
        parent: Qt parent.
    """

    sig_event_received = Signal(object)
    """An event of the current job, delivered in the GUI thread."""
    sig_job_ended = Signal(object)
    """The terminal event (Finished, Cancelled or Failed), delivered in the GUI thread."""
    sig_running_changed = Signal(bool)
    """True when a job starts, False when its thread has finished."""

    def __init__(self, store: RunStore | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._token: CancelToken | None = None
        LIVE_RUNNERS.add(self)

    @property
    def running(self) -> bool:
        """Whether a job's thread is still running."""
        return self._thread is not None and self._thread.isRunning()

    def start(self, spec: LabSpec, params: Any) -> None:
        """Run ``spec.run(params, …)`` on a fresh worker thread (stopping any previous job first)."""
        if self._thread is not None:
            self.stop_and_wait(10_000)
        self._token = CancelToken()
        thread = QThread()
        thread.setObjectName(f"job-{spec.id}")
        worker = _Worker(spec, params, self._token, self.store)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.sig_event_emitted.connect(self._on_event)
        # Direct: QThread.quit is thread-safe, and a queued quit would deadlock stop_and_wait(),
        # which blocks the GUI thread that would have to deliver it.
        worker.sig_job_done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        thread.start()
        self.sig_running_changed.emit(True)

    def stop(self) -> None:
        """Ask the job to stop; it does within one batch or step."""
        if self._token is not None:
            self._token.cancel()

    def stop_and_wait(self, timeout_ms: int = 5000) -> bool:
        """Stop the job and wait for its thread; True when it ended within the timeout."""
        self.stop()
        thread = self._thread
        if thread is None:
            return True
        ended = thread.wait(timeout_ms)
        if ended:
            self._on_thread_finished()
        else:
            log.warning("job thread %s did not end within %d ms", thread.objectName(), timeout_ms)
        return bool(ended)

    @Slot(object)
    def _on_event(self, event: object) -> None:
        self.sig_event_received.emit(event)
        if isinstance(event, (Finished, Cancelled, Failed)):
            self.sig_job_ended.emit(event)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is None or self._thread.isRunning():
            return
        self._thread.deleteLater()
        if self._worker is not None:
            self._worker.deleteLater()
        self._thread, self._worker = None, None
        self.sig_running_changed.emit(False)
