"""Jobs: what a lab's ``run`` receives and emits, shared by the GUI, the CLI and the tests.

Everything here crosses threads, so events are frozen dataclasses holding copies (numbers, strings,
small arrays), never live models. A lab is a :class:`LabSpec`: a ``Params`` dataclass with defaults and a
``run(params, token, emit) -> LabResult`` function.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class JobCancelled(BaseException):
    """Raised inside a job when its token was cancelled.

    It derives from BaseException so that library code with ``except Exception:`` cannot swallow it.
    A job that can say what its completed epochs give re-raises it with ``partial`` (a LabResult),
    which reaches the GUI on the :class:`Cancelled` event.
    """

    def __init__(self, partial: LabResult | None = None) -> None:
        super().__init__()
        self.partial = partial


class CancelToken:
    """A thread-safe stop flag checked by long loops once per step or batch."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`JobCancelled` if the job was asked to stop."""
        if self._event.is_set():
            raise JobCancelled()


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    """A job began. ``total_epochs`` is 0 when the job has no epochs."""

    lab: str
    params: Mapping[str, Any]
    seed: int
    total_epochs: int
    time: float = field(default_factory=time.time)


@dataclass(frozen=True)
class EpochEnded:
    """An epoch finished (``epoch`` is 1-based) with its metrics (one number each)."""

    epoch: int
    metrics: Mapping[str, float]
    total_epochs: int = 0


@dataclass(frozen=True)
class BatchProgress:
    """Progress inside an epoch; throttled to at most ~20 per second by :class:`Throttle`."""

    epoch: int
    batch: int
    total_batches: int
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """Progress of a phase that is not an epoch (feature caching, embedding extraction, ...).

    ``unit`` names what is counted ("reviews"); when set, progress reports show the rate per second.
    """

    phase: str
    done: int
    total: int
    unit: str = ""


@dataclass(frozen=True)
class Marker:
    """A decision worth showing on the plots, e.g. ``lr_decay`` "LR 0.01→0.009: val acc fell"."""

    epoch: int
    kind: str
    text: str


@dataclass(frozen=True)
class LogLine:
    """A line of text for the lab's log."""

    text: str
    level: str = "info"


@dataclass(frozen=True)
class ArtifactSaved:
    """A file the job wrote (checkpoint, log dir, cache, ...)."""

    name: str
    path: str


@dataclass(frozen=True)
class Finished:
    """The job returned normally with ``result``."""

    result: LabResult


@dataclass(frozen=True)
class Cancelled:
    """The job stopped because its token was cancelled; ``partial`` is what its completed epochs give,
    for a job that says (None otherwise)."""

    epochs_done: int = 0
    partial: LabResult | None = None


@dataclass(frozen=True)
class Failed:
    """The job raised; ``message`` is for people, ``details`` is the traceback."""

    message: str
    details: str = ""


Event = (
    Started
    | EpochEnded
    | BatchProgress
    | Progress
    | Marker
    | LogLine
    | ArtifactSaved
    | Finished
    | Cancelled
    | Failed
)
Emit = Callable[[Any], None]


def warning_note(emit: Emit | None) -> Callable[[str], None] | None:
    """A ``note`` callback (e.g. for ``manifest.ensure``) that puts each line in the lab's log as a
    warning; None when there is no one to tell."""
    if emit is None:
        return None
    return lambda text: emit(LogLine(text, "warning"))


# --- results and lab specs --------------------------------------------------------------------


@dataclass(frozen=True)
class LabResult:
    """What ``run`` returns; also the CLI's ``--json`` object (``extra`` keys sit beside the rest)."""

    history: Mapping[str, list[float]] = field(default_factory=dict)
    markers: tuple[Marker, ...] = ()
    test: Mapping[str, float] = field(default_factory=dict)
    artifacts: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


RunFunction = Callable[[Any, CancelToken, Emit], LabResult]


@dataclass(frozen=True)
class LabSpec:
    """A lab as the registry, the GUI and the CLI see it.

    Args:
        id: Short id used on the command line (``backprop``).
        title: Tab title.
        summary: One or two sentences on what the lab teaches.
        assignment: Which course assignment it covers.
        params_type: Frozen dataclass with a default for every field; must have ``seed`` and ``epochs``.
        run: ``run(params, token, emit) -> LabResult``.
        needs_tensorflow: Whether ``run`` imports TensorFlow (the CLI warms it up first).
        test_scope: What ``LabResult.test`` measures, in words (the Results table's heading).
            Defaults to "Test split".
    """

    id: str
    title: str
    summary: str
    assignment: str
    params_type: type
    run: RunFunction
    needs_tensorflow: bool = True
    test_scope: str = "Test split"


class Throttle:
    """Lets an event through at most every ``interval`` seconds (batch events: ≤ 20 per second)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self._last = float("-inf")

    def ready(self) -> bool:
        """True (and restarts the clock) when at least ``interval`` seconds passed since the last True."""
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False
