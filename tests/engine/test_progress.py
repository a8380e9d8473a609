"""The progress tracker: an ETA says what it covers (the rest of the run, or a step before the epochs)."""

from __future__ import annotations

from engine.jobs import EpochEnded, Progress, Started
from engine.labs.transfer.train import _OneCachingStep
from engine.progress import ProgressTracker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_step_before_the_epochs_says_its_eta_is_the_steps_and_what_follows():
    clock = Clock()
    tracker = ProgressTracker(clock)
    tracker.update(Started("transfer", {}, 0, 5))
    tracker.update(Progress("caching features (train)", 0, 480))
    clock.now = 10.0
    tracker.update(Progress("caching features (train)", 120, 480))
    report = tracker.report()
    assert report.eta_seconds == 30.0 and report.epochs_after == 5
    assert report.describe() == "caching features (train) 120/480 · 0:30 left in this step, then 5 epochs"
    clock.now = 40.0
    tracker.update(Progress("caching features (test)", 480, 480))
    clock.now = 42.0
    tracker.update(EpochEnded(1, {"loss": 1.0}, 5))
    report = tracker.report()
    assert report.epochs_after == 0 and report.eta_seconds == 8.0  # 2 s an epoch, 4 to go: the run's rest
    assert report.describe() == "epoch 1/5 · 0:08 left"


def test_a_job_without_epochs_has_an_eta_for_the_whole_job():
    clock = Clock()
    tracker = ProgressTracker(clock)
    tracker.update(Started("bert", {}, 0, 0))
    tracker.update(Progress("tokenizing", 0, 100))
    clock.now = 5.0
    tracker.update(Progress("tokenizing", 50, 100))
    assert tracker.report().describe() == "tokenizing 50/100 · 0:05 left"


def test_the_three_caching_splits_count_as_one_step():
    seen = []
    step = _OneCachingStep(seen.append, 10)
    step.emit(Progress("caching train features", 0, 6))
    step.emit(Progress("caching train features", 6, 6))
    step.split_done(6)
    step.emit(Progress("caching validation features", 2, 4))
    step.emit("a log line")
    assert [(e.phase, e.done, e.total) for e in seen[:3]] == [
        ("caching features (train)", 0, 10),
        ("caching features (train)", 6, 10),
        ("caching features (validation)", 8, 10),
    ]
    assert seen[3] == "a log line"
