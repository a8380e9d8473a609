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
        self._phase: Progress | None = None  # the phase being counted, and where it stood at its start
        self._phase_start = 0
        self._last: Progress | None = None

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
            new_phase = self._phase is None or self._phase.phase != event.phase
            if event.done == 0 or not self._in_phase or new_phase:
                self._since, self._in_phase = now, True
                self._phase, self._phase_start = event, event.done
            self._last = event
            self._fraction = event.done / event.total if event.total else None
            self._text = f"{event.phase} {event.done:,}/{event.total:,}"
            if event.total and event.done >= event.total:
                self._since, self._in_phase, self._phase = now, False, None

    def report(self) -> ProgressReport:
        """The current fraction, ETA and label."""
        now = self._clock()
        eta = None
        text = self._text
        last = self._last if self._in_phase and self._phase is not None else None
        if last is not None:
            # A phase may start part-way (a resumed extraction): time what this run has done.
            rate = self.rate(now)
            if rate:
                eta = (last.total - last.done) / rate if last.total else None
                if last.unit:
                    text = f"{text} · {rate:,.0f} {last.unit}/s"
        elif self._fraction is not None and self._fraction > 0:
            elapsed = now - self._since
            eta = elapsed * (1 - self._fraction) / self._fraction
        # A step before the first epoch: its ETA is the step's, and the epochs are still to come.
        after = self.total_epochs if self._in_phase and not self._epochs_seen else 0
        return ProgressReport(self._fraction, eta, text, after)

    def rate(self, now: float | None = None) -> float | None:
        """Items per second in the current phase so far (None outside a phase or before a step)."""
        if not self._in_phase or self._last is None:
            return None
        elapsed = (self._clock() if now is None else now) - self._since
        done = self._last.done - self._phase_start
        return done / elapsed if done > 0 and elapsed > 0 else None


def format_eta(seconds: float | None) -> str:
    """``1:05`` style remaining time, or an empty string when unknown."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLines:
    """Lines for a terminal while a phase runs: one every ``every`` seconds with the rate and the time
    left (for phases that count a unit, e.g. reviews), and one when the phase is done.

    Feed it every event; :meth:`line` returns the text to print, or None.
    """

    def __init__(self, every: float = 5.0, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or time.monotonic
        self._tracker = ProgressTracker(self._clock)
        self._every = every
        self._last_line = -float("inf")
        self._phase = ""
        self._started = 0.0
        self._start_done = 0

    def line(self, event: object) -> str | None:
        """What to print for ``event`` (None: nothing now)."""
        if not isinstance(event, Progress):
            return None
        now = self._clock()
        if event.phase != self._phase or event.done == 0:
            self._phase, self._started, self._start_done = event.phase, now, event.done
            self._last_line = now  # the first line comes ``every`` seconds in, with a measured rate
        self._tracker.update(event)
        if event.total and event.done >= event.total:
            seconds, counted = now - self._started, event.done - self._start_done
            measured = event.unit and seconds > 0 < counted
            rate = f", {counted / seconds:,.0f} {event.unit}/s" if measured else ""
            self._phase = ""
            return f"{event.phase}: done ({event.total:,}) in {seconds:.1f} s{rate}"
        if not event.unit or now - self._last_line < self._every:
            return None
        self._last_line = now
        report = self._tracker.report()
        eta = format_eta(report.eta_seconds)
        return report.text + (f" · {eta} left" if eta else "")
