"""EarlyStopOnPlateau: stop when validation accuracy has not improved for ``patience`` epochs."""

from __future__ import annotations

from typing import Any

from engine.callbacks.monitor_callback import MonitorCallback
from engine.jobs import Emit


class EarlyStopOnPlateau(MonitorCallback):
    """Sets ``model.stop_training`` after ``patience`` epochs in a row without improvement.

    The rule is Keras's ``EarlyStopping``: the count restarts at every improvement of the best value
    so far, and training stops when it reaches ``patience``. This class adds the ``early_stop``
    marker saying which value stalled and since when.

    Args:
        patience: Epochs without improvement before stopping. Defaults to 2.
        monitor: Epoch log key to watch. Defaults to ``"val_accuracy"``.
        mode: ``"max"`` or ``"min"``. Defaults to ``"max"``.
        min_delta: Smallest change that counts as an improvement. Defaults to 0.0.
        emit: Event sink. Defaults to discarding events.

    Example:
        With patience 2 and val accuracy 0.60, 0.62, 0.61, 0.62 training stops after epoch 4.
    """

    def __init__(
        self,
        patience: int = 2,
        monitor: str = "val_accuracy",
        mode: str = "max",
        min_delta: float = 0.0,
        emit: Emit | None = None,
    ) -> None:
        super().__init__(monitor, mode, min_delta, emit)
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience!r}")
        self.patience = patience
        self.wait = 0
        self.stopped_epoch = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.wait = 0
        self.stopped_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.update_best(self.current(logs), epoch + 1):
            self.wait = 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch + 1
            self.model.stop_training = True
            self.mark(
                epoch + 1,
                "early_stop",
                f"{self.monitor} has not improved for {self.wait} epochs "
                f"(best {self.best:.4f} at epoch {self.best_epoch})",
            )
