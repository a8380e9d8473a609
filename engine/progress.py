"""Job progress and ETA from the event stream: one computation for the status bar and the labs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.jobs import BatchProgress, EpochEnded, Progress, Started


@dataclass(frozen=True)
class ProgressReport:
    """Fraction done (0–1, or None when unknown), ETA in seconds (None until measurable), a label.

    ``epochs_after`` is how many epochs follow the current step: while a preparatory step runs (feature
    caching, embedding extraction) its ETA covers that step only, and the epochs' time is not known yet.
    0 means the ETA covers the rest of the run.
    """

    fraction: float | None
    eta_seconds: float | None
    text: str
    epochs_after: int = 0

    def describe(self) -> str:
        """The label with the remaining time, saying what the time covers: ``epoch 3/10 · 0:12 left``,
        ``caching features 40/480 · 0:35 left in this step, then 5 epochs``."""
        eta = format_eta(self.eta_seconds)
        if not eta:
            return self.text
        if self.epochs_after:
            epochs = "1 epoch" if self.epochs_after == 1 else f"{self.epochs_after} epochs"
            return f"{self.text} · {eta} left in this step, then {epochs}"
        return f"{self.text} · {eta} left"


class ProgressTracker:
    """Feeds on a job's events; :meth:`report` gives the fraction done and the remaining time.

    The ETA assumes the remaining epochs (or items of a phase) take as long as the finished ones.
    """

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or time.monotonic
        # ETA is measured from the start of what is being counted now: the phase, or the epochs
        # (which begin when the last phase, e.g. feature caching, is done).
        self._since = self._clock()
        self._in_phase = False
        self.total_epochs = 0
        self._epochs_seen = False
        self._fraction: float | None = None
        self._text = ""

    def update(self, event: object) -> None:
        """Take one event into account (others are ignored)."""
        now = self._clock()
        if isinstance(event, Started):
            self._since, self._in_phase = now, False
            self.total_epochs = event.total_epochs
            self._fraction, self._text = (0.0 if event.total_epochs else None), "starting"
        elif isinstance(event, (EpochEnded, BatchProgress)) and self._in_phase:
            self._since, self._in_phase = now, False
        if isinstance(event, (EpochEnded, BatchProgress)):
            self._epochs_seen = True
        if isinstance(event, EpochEnded):
            total = event.total_epochs or self.total_epochs
            self._fraction = event.epoch / total if total else None
            self._text = f"epoch {event.epoch}/{total}" if total else f"epoch {event.epoch}"
        elif isinstance(event, BatchProgress) and self.total_epochs:
            within = event.batch / event.total_batches if event.total_batches else 0.0
            self._fraction = min(1.0, (event.epoch - 1 + within) / self.total_epochs)
            self._text = f"epoch {event.epoch}/{self.total_epochs}"
        elif isinstance(event, Progress):
            if event.done == 0 or not self._in_phase:
                self._since, self._in_phase = now, True
            self._fraction = event.done / event.total if event.total else None
            self._text = f"{event.phase} {event.done}/{event.total}"
            if event.total and event.done >= event.total:
                self._since, self._in_phase = now, False

    def report(self) -> ProgressReport:
        """The current fraction, ETA and label."""
        now = self._clock()
        eta = None
        if self._fraction is not None and self._fraction > 0:
            elapsed = now - self._since
            eta = elapsed * (1 - self._fraction) / self._fraction
        # A step before the first epoch: its ETA is the step's, and the epochs are still to come.
        after = self.total_epochs if self._in_phase and not self._epochs_seen else 0
        return ProgressReport(self._fraction, eta, self._text, after)


def format_eta(seconds: float | None) -> str:
    """``1:05`` style remaining time, or an empty string when unknown."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
