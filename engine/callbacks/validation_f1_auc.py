"""ValidationF1Auc: micro-F1 and ROC AUC on the validation data after every epoch."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike

from engine import metrics
from engine.jobs import Emit, LogLine


def _ignore(event: Any) -> None:
    """The default event sink of a callback used outside a job."""


class ValidationF1Auc(keras.callbacks.Callback):
    """Adds ``f1`` (micro-F1) and ``auc`` to each epoch's logs, computed with :mod:`engine.metrics`.

    The model's probabilities on the validation data give the AUC directly (rounding them first, a
    mistake seen in submissions, turns the ROC curve into a single point); the F1 uses the
    predictions thresholded at ``threshold`` (strictly above counts as class 1, as in Keras's binary
    accuracy, so that a model stuck at exactly 0.5 scores the same in both). Non-finite
    probabilities (a diverged model) give NaN rather than an error, so the NaN guard can report
    the real cause.

    Args:
        x_val: Validation features.
        y_val: Validation labels (0/1).
        threshold: Probability above which a sample is predicted as class 1. Defaults to 0.5.
        batch_size: Rows predicted per call. Defaults to 8192.
        emit: Event sink for one log line per epoch. Defaults to discarding them.
    """

    def __init__(
        self,
        x_val: ArrayLike,
        y_val: ArrayLike,
        threshold: float = 0.5,
        batch_size: int = 8192,
        emit: Emit | None = None,
    ) -> None:
        super().__init__()
        self.x_val = np.asarray(x_val, dtype=np.float32)
        self.y_val = np.asarray(y_val).ravel().astype(np.int64)
        if len(self.x_val) == 0:
            raise ValueError("x_val is empty: F1 and AUC need validation rows")
        if len(self.x_val) != len(self.y_val):
            raise ValueError(f"x_val has {len(self.x_val)} rows but y_val has {len(self.y_val)}")
        self.threshold = threshold
        self.batch_size = batch_size
        self.emit: Emit = emit or _ignore

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        # predict_on_batch per chunk, not predict(): predict() builds a dataset and an iterator each
        # call, 53 ms for the 5,000 validation rows here against 1.3 ms for one predict_on_batch.
        probabilities = np.concatenate(
            [
                np.asarray(self.model.predict_on_batch(self.x_val[start : start + self.batch_size])).ravel()
                for start in range(0, len(self.x_val), self.batch_size)
            ]
        )
        f1, auc = self.scores(probabilities)
        if logs is not None:
            logs["f1"], logs["auc"] = f1, auc
        self.emit(LogLine(f"epoch {epoch + 1}: validation micro-F1 {f1:.4f}, AUC {auc:.4f}"))

    def scores(self, probabilities: ArrayLike) -> tuple[float, float]:
        """``(micro_f1, auc)`` of these validation probabilities."""
        p = np.asarray(probabilities, dtype=np.float64).ravel()
        if not np.isfinite(p).all():
            return float("nan"), float("nan")
        predicted = (p > self.threshold).astype(np.int64)
        return metrics.micro_f1(self.y_val, predicted, n_classes=2), metrics.roc_auc(self.y_val, p)
