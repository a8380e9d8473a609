"""MonitorCallback: the shared "which metric, which direction, did it improve?" logic.

Checkpointing, early stopping and the LR decay all watch one epoch metric (validation accuracy by
default). Keeping the monitor/mode/improvement rule in one small base class means the three
callbacks cannot disagree on what "improved" means.
"""

from __future__ import annotations

from typing import Any

from engine.callbacks.decision_callback import DecisionCallback
from engine.callbacks.rules import improves
from engine.jobs import Emit


class MonitorCallback(DecisionCallback):
    """Base class for callbacks that decide from one monitored epoch metric.

    Subclasses reset their state in ``on_train_begin`` (calling ``super()``) so that one instance
    can be reused across ``fit`` calls.

    Args:
        monitor: The epoch log key to watch. Defaults to ``"val_accuracy"``.
        mode: ``"max"`` when larger is better, ``"min"`` when smaller is better. Defaults to ``"max"``.
        min_delta: Smallest change that counts as an improvement. Defaults to 0.0.
        emit: Event sink for :class:`~engine.jobs.Marker` events. Defaults to discarding them.
    """

    def __init__(
        self,
        monitor: str = "val_accuracy",
        mode: str = "max",
        min_delta: float = 0.0,
        emit: Emit | None = None,
    ) -> None:
        super().__init__(emit)
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be 0 or more, got {min_delta!r}")
        self.monitor = monitor
        self.mode = mode
        self.min_delta = min_delta
        self.best: float | None = None
        self.best_epoch = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.best = None
        self.best_epoch = 0

    def current(self, logs: dict[str, Any] | None) -> float:
        """The monitored value in this epoch's logs.

        Raises:
            ValueError: When the logs lack the metric (e.g. ``fit`` got no validation data), naming
                the keys that are there.
        """
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(
                f"{type(self).__name__} monitors {self.monitor!r}, but the epoch logs only have "
                f"{', '.join(sorted(logs)) or 'nothing'} (did fit get validation_data?)"
            )
        return float(logs[self.monitor])

    def is_improvement(self, current: float, reference: float | None) -> bool:
        """Whether ``current`` beats ``reference`` by more than ``min_delta`` (NaN never does)."""
        return improves(current, reference, self.mode, self.min_delta)

    def update_best(self, current: float, epoch: int) -> bool:
        """Make ``current`` the best if it improves on it (``epoch`` is 1-based); return whether it did."""
        if self.is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            return True
        return False
