"""LearningRateLogger: puts the learning rate used during each epoch into that epoch's logs."""

from __future__ import annotations

from typing import Any

import keras


class LearningRateLogger(keras.callbacks.Callback):
    """Adds ``lr`` to the epoch logs: the rate read at the START of the epoch.

    A schedule that changes the rate at the end of epoch ``n`` (for epoch ``n + 1``) would otherwise
    make the logged value look one epoch early. Put this callback before any that changes the rate.
    """

    def __init__(self) -> None:
        super().__init__()
        self.rate = float("nan")

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.rate = float(self.model.optimizer.learning_rate)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["lr"] = self.rate
