"""EventStream: turns Keras training hooks into the job's events."""

from __future__ import annotations

from typing import Any

import keras

from engine.jobs import BatchProgress, Emit, EpochEnded, Throttle


class EventStream(keras.callbacks.Callback):
    """Emits an :class:`EpochEnded` per epoch and throttled :class:`BatchProgress` events.

    Overriding a per-batch hook turns off Keras's async batch dispatch, so the batch hook only
    checks a clock and emits at most every ``batch_interval`` seconds.

    Args:
        emit: The job's event sink.
        total_epochs: Shown in events for progress and ETA. Defaults to 0 (unknown).
        steps_per_epoch: Batches per epoch, for progress. Defaults to 0 (unknown).
        batch_interval: Seconds between batch events. Defaults to 0.05 (20 per second).
        extra_metrics: Callable returning more epoch metrics (e.g. the learning rate) merged into
            each epoch event. Defaults to None.
    """

    def __init__(
        self,
        emit: Emit,
        total_epochs: int = 0,
        steps_per_epoch: int = 0,
        batch_interval: float = 0.05,
        extra_metrics: Any = None,
    ) -> None:
        super().__init__()
        self.emit = emit
        self.total_epochs = total_epochs
        self.steps_per_epoch = steps_per_epoch
        self.batch_interval = batch_interval
        self.extra_metrics = extra_metrics
        self._epoch = 0
        self._throttle = Throttle(batch_interval)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._throttle = Throttle(self.batch_interval)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._throttle.ready():
            metrics = {k: float(v) for k, v in (logs or {}).items() if _is_number(v)}
            self.emit(BatchProgress(self._epoch, batch + 1, self.steps_per_epoch, metrics))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        metrics = {k: float(v) for k, v in (logs or {}).items() if _is_number(v)}
        if self.extra_metrics is not None:
            metrics.update(self.extra_metrics())
        self.emit(EpochEnded(epoch + 1, metrics, self.total_epochs))


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
