"""CancelOnRequest: stops ``model.fit`` within one batch of the user pressing Stop."""

from __future__ import annotations

from typing import Any

import keras

from engine.jobs import CancelToken


class CancelOnRequest(keras.callbacks.Callback):
    """Sets ``model.stop_training`` at the end of the batch during which the token was cancelled.

    Keras still validates the partial epoch and runs ``on_train_end`` after a stop, so the lab's
    ``run`` calls ``token.raise_if_cancelled()`` after ``fit`` to report the job as cancelled.

    Args:
        token: The job's cancel token.
    """

    def __init__(self, token: CancelToken) -> None:
        super().__init__()
        self.token = token

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.token.cancelled:
            self.model.stop_training = True

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.token.cancelled:
            self.model.stop_training = True
