"""The TensorFlow half of the LSTM lab: model inputs and the per-epoch AUC/checkpoint callback.

Imported lazily by :func:`engine.labs.lstm.run` (it imports Keras at module level).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from engine import metrics
from engine.jobs import Emit, LogLine, Marker
from engine.labs.lstm.inputs import CATEGORICAL_INPUTS, Prepared
from engine.labs.lstm.models import ModelInputs
from engine.labs.lstm.scores import cross_entropy, epoch_warning, majority_rate, rate_marker


def model_inputs(prepared: Prepared, model: int) -> ModelInputs:
    """The input shapes of ``model`` for this prepared data."""
    train = prepared.inputs["train"]
    return ModelInputs(
        text_length=int(train["essay"].shape[1]),
        vocabulary=prepared.text_index.input_dim,
        categorical=tuple(
            (name, prepared.categories[name].input_dim, prepared.categories[name].embedding_size)
            for name in CATEGORICAL_INPUTS
        ),
        numeric=int(train["numeric"].shape[1]),
        other=int(train["other"].shape[1]) if model == 3 else 0,
    )


def feed(prepared: Prepared, split: str, model: int) -> dict[str, NDArray[Any]]:
    """The arrays ``model`` takes, by input name (Model-3 takes the one-hot "other" vector instead)."""
    part = prepared.inputs[split]
    names = ("essay", "other") if model == 3 else ("essay", *CATEGORICAL_INPUTS, "numeric")
    return {name: part[name] for name in names}


class AucCheckpoint(keras.callbacks.Callback):
    """Adds ``auc``, ``val_auc``, ``val_loss``, ``val_accuracy`` to the epoch logs; saves the best weights.

    One ``predict`` over the training and validation inputs per epoch gives all four (so ``fit``
    needs no ``validation_data``, which would trace and run a second forward pass); AUC comes from
    :mod:`engine.metrics`, the loss is the same categorical cross-entropy the model minimises. The
    train AUC uses the epoch's final weights. A new best validation AUC saves the weights to
    ``path`` (through a temporary file, so a crash never leaves half a file) and becomes a
    ``checkpoint`` marker; validation loss rising while training loss falls becomes an
    ``overfitting`` marker the first time it happens. Training starts with a ``majority_rate``
    marker (epoch 0) and a log line stating the validation majority-class rate; every epoch whose
    validation accuracy is within one point of it gets a ``majority_warning`` marker, so the GUI can
    warn while the model trains (:mod:`engine.labs.lstm.scores`).

    Args:
        train: Training inputs and 0/1 labels.
        val: Validation inputs and 0/1 labels.
        path: Where the best weights go (``.weights.h5``).
        emit: Event sink for markers.
        batch_size: Prediction batch size. Defaults to 512.
    """

    def __init__(
        self,
        train: tuple[dict[str, NDArray[Any]], NDArray[np.int64]],
        val: tuple[dict[str, NDArray[Any]], NDArray[np.int64]],
        path: Path,
        emit: Emit,
        batch_size: int = 512,
    ) -> None:
        super().__init__()
        self.x = {name: np.concatenate([train[0][name], val[0][name]]) for name in train[0]}
        self.y_train, self.y_val = train[1], val[1]
        self.path, self.emit, self.batch_size = path, emit, batch_size
        self.majority_rate = majority_rate(self.y_val)
        self.markers: list[Marker] = []
        self._losses: list[tuple[float, float]] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.best, self.best_epoch, self.weights = -np.inf, 0, None
        self.markers, self._losses, self._warned = [], [], False
        marker = rate_marker(self.majority_rate, int(self.y_val.size))
        self.emit(LogLine(f"Validation majority-class rate {self.majority_rate:.3f} (always 'approved')"))
        self._keep(marker)

    def scores(self) -> dict[str, float]:
        """``auc``, ``val_auc``, ``val_loss`` and ``val_accuracy`` of the model as it is now.

        All are NaN when the model diverged (non-finite probabilities).
        """
        probabilities = np.asarray(self.model.predict(self.x, batch_size=self.batch_size, verbose=0))
        if not np.isfinite(probabilities).all():
            return dict.fromkeys(("auc", "val_auc", "val_loss", "val_accuracy"), float("nan"))
        train, val = probabilities[: self.y_train.size], probabilities[self.y_train.size :]
        return {
            "auc": metrics.roc_auc(self.y_train, train[:, 1]),
            "val_auc": metrics.roc_auc(self.y_val, val[:, 1]),
            "val_loss": cross_entropy(self.y_val, val),
            "val_accuracy": metrics.accuracy(self.y_val, val.argmax(axis=1)),
        }

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs if logs is not None else {}
        logs.update(self.scores())
        current = logs["val_auc"]
        if current > self.best:
            before = "" if self.best_epoch == 0 else f" (was {self.best:.3f} at epoch {self.best_epoch})"
            self.best, self.best_epoch, self.weights = current, epoch + 1, self.model.get_weights()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".tmp{os.getpid()}-{self.path.name}")
            self.model.save_weights(tmp)
            os.replace(tmp, self.path)
            self._mark(epoch + 1, "checkpoint", f"val AUC {current:.3f}{before}: best weights saved")
        losses = (float(logs.get("loss", np.nan)), float(logs["val_loss"]))
        if self._losses and not self._warned:
            (loss, val_loss), (last_loss, last_val) = losses, self._losses[-1]
            if loss < last_loss and val_loss > last_val:
                self._warned = True
                text = f"val loss rose {last_val:.3f}→{val_loss:.3f} while train loss fell: overfitting"
                self._mark(epoch + 1, "overfitting", text)
        self._losses.append(losses)
        warning = epoch_warning(epoch + 1, logs["val_accuracy"], self.majority_rate)
        if warning is not None:
            self._keep(warning)

    def _mark(self, epoch: int, kind: str, text: str) -> None:
        self._keep(Marker(epoch, kind, text))

    def _keep(self, marker: Marker) -> None:
        self.markers.append(marker)
        self.emit(marker)
