"""Rates and remaining time of a counted phase (reviews/s and ETA while embeddings are extracted), for
the GUI's progress bar and the CLI's progress lines, on a fake clock."""

from __future__ import annotations

from engine.jobs import LogLine, Progress
from engine.progress import ProgressLines, ProgressTracker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_counted_phase_reports_its_rate_and_the_time_left() -> None:
    clock = Clock()
    tracker = ProgressTracker(clock)
    tracker.update(Progress("Extracting embeddings", 0, 1000, "reviews"))
    clock.now += 10
    tracker.update(Progress("Extracting embeddings", 200, 1000, "reviews"))
    report = tracker.report()
    assert report.fraction == 0.2
    assert report.text == "Extracting embeddings 200/1,000 · 20 reviews/s"
    assert report.eta_seconds == 40.0  # 800 left at 20 per second


def test_a_resumed_phase_is_timed_from_where_this_run_started() -> None:
    clock = Clock()
    tracker = ProgressTracker(clock)
    tracker.update(Progress("Extracting embeddings", 600, 1000, "reviews"))  # 600 were stored
    clock.now += 10
    tracker.update(Progress("Extracting embeddings", 700, 1000, "reviews"))
    assert tracker.rate() == 10.0
    assert tracker.report().eta_seconds == 30.0  # not 10 s * 0.3 / 0.7 as if all 700 took 10 s


def test_a_new_phase_restarts_the_clock_and_a_uncounted_phase_shows_no_rate() -> None:
    clock = Clock()
    tracker = ProgressTracker(clock)
    tracker.update(Progress("Tokenizing", 0, 10, "reviews"))
    clock.now += 50
    tracker.update(Progress("Feature caching", 1, 4))
    clock.now += 1
    tracker.update(Progress("Feature caching", 2, 4))
    report = tracker.report()
    assert report.text == "Feature caching 2/4" and report.eta_seconds == 2.0


def test_terminal_lines_come_every_few_seconds_and_when_the_phase_is_done() -> None:
    clock = Clock()
    lines = ProgressLines(every=5.0, clock=clock)
    printed = []
    for done in range(0, 1001, 50):
        printed.append(lines.line(Progress("Extracting embeddings", done, 1000, "reviews")))
        clock.now += 1
    shown = [p for p in printed if p]
    assert shown[0] == "Extracting embeddings 250/1,000 · 50 reviews/s · 0:15 left"
    assert len(shown) == 4 and shown[-1] == "Extracting embeddings: done (1,000) in 20.0 s, 50 reviews/s"
    assert lines.line(LogLine("x")) is None
    assert lines.line(Progress("Reading reviews", 3, 3, "MB")).startswith("Reading reviews: done (3)")
