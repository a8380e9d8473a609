"""The classifier head: a small Keras 3 dense network trained on frozen BERT embeddings.

The encoder stays outside the model (a TF Hub SavedModel cannot be a Keras 3 layer), so the head's
input is the embedding itself. The first layer sees the raw embedding: no ReLU is applied to the tanh
pooled output (that would discard its negative half, a pitfall seen in the assignment). The best epoch
by validation AUC is checkpointed (mode "max": AUC is better when larger) and used for the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine import tfrt
from engine.callbacks.checkpoint_on_improvement import CheckpointOnImprovement
from engine.callbacks.early_stop_on_plateau import EarlyStopOnPlateau
from engine.callbacks.tensorboard_logger import TensorBoardLogger
from engine.jobs import CancelToken, Emit, Marker
from engine.keras_fit import fit_with_events


@dataclass(frozen=True)
class HeadConfig:
    """The head's shape and training settings.

    Args:
        widths: Units of the hidden ReLU layers (the assignment's best was 64-64-64-32).
        dropout: Dropout after each hidden layer, against overfitting.
        learning_rate: Adam's learning rate.
    """

    widths: tuple[int, ...] = (64, 32)
    dropout: float = 0.2
    learning_rate: float = 1e-3


@dataclass(frozen=True)
class TrainedHead:
    """Where the best head was saved and what training decided."""

    path: Path
    best_epoch: int
    history: dict[str, list[float]]
    markers: tuple[Marker, ...]


def build_head(train_embeddings: np.ndarray, config: HeadConfig) -> Any:
    """A compiled ``embedding → standardise → widths… → 1 (sigmoid)`` model (binary cross-entropy, AUC).

    The first layer standardises each embedding dimension with the training set's mean and variance
    (saved inside the model): pooled outputs are tanh values of very different scales per dimension,
    and a small head learns several times faster on standardised inputs.
    """
    keras = tfrt.keras()
    with tfrt.strategy().scope():
        scale = keras.layers.Normalization(name="standardise")
        scale.adapt(train_embeddings)
        layers: list[Any] = [keras.Input((train_embeddings.shape[1],), name="embedding"), scale]
        for i, width in enumerate(config.widths):
            layers.append(keras.layers.Dense(width, activation="relu", name=f"dense_{i + 1}"))
            if config.dropout > 0:
                layers.append(keras.layers.Dropout(config.dropout, name=f"dropout_{i + 1}"))
        layers.append(keras.layers.Dense(1, activation="sigmoid", name="positive"))
        model = keras.Sequential(layers, name="review_head")
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss="binary_crossentropy",
            metrics=[keras.metrics.AUC(name="auc")],
        )
    return model


def train_head(
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    config: HeadConfig,
    *,
    epochs: int,
    batch_size: int,
    patience: int,
    checkpoint_dir: Path,
    token: CancelToken,
    emit: Emit,
    log_dir: Path | None = None,
) -> TrainedHead:
    """Train the head with streamed epoch events, checkpoint the best val AUC, stop on a plateau.

    Args:
        train: ``(embeddings, labels)`` to fit.
        val: ``(embeddings, labels)`` evaluated each epoch (loss and AUC).
        config: The head's shape and optimiser settings.
        epochs: Most epochs to train.
        batch_size: Embeddings per step.
        patience: Epochs without a better val AUC before stopping; 0 turns early stopping off.
        checkpoint_dir: Folder for the best head (``.keras``).
        token: Cancellation token.
        emit: Event sink.
        log_dir: Folder for TensorBoard logs. Defaults to None (no logs).
    """
    x, y = train
    model = build_head(x.astype(np.float32), config)
    checkpoint = CheckpointOnImprovement(checkpoint_dir, monitor="val_auc", mode="max", emit=emit)
    callbacks: list[Any] = [checkpoint]
    stopper = None
    if patience > 0:
        stopper = EarlyStopOnPlateau(patience, monitor="val_auc", mode="max", emit=emit)
        callbacks.append(stopper)
    if log_dir is not None:
        callbacks.append(TensorBoardLogger(log_dir, validation_keys=()))  # "auc" is the training AUC
    history = fit_with_events(
        model,
        x.astype(np.float32),
        y.astype(np.float32),
        token=token,
        emit=emit,
        epochs=epochs,
        steps_per_epoch=int(np.ceil(len(x) / batch_size)),
        callbacks=callbacks,
        batch_size=batch_size,
        validation_data=(val[0].astype(np.float32), val[1].astype(np.float32)),
        shuffle=True,
    )
    if checkpoint.best_path is None:
        raise RuntimeError("the head never produced a finite validation AUC; nothing was checkpointed")
    markers = [*checkpoint.markers, *(stopper.markers if stopper is not None else [])]
    markers.sort(key=lambda m: m.epoch)
    return TrainedHead(
        path=checkpoint.best_path,
        best_epoch=checkpoint.best_epoch,
        history={k: [float(v) for v in vals] for k, vals in history.history.items()},
        markers=tuple(markers),
    )


def load_head(path: Path) -> Any:
    """A saved head, loaded with ``safe_mode=True`` (no arbitrary code from the file)."""
    return tfrt.keras().models.load_model(path, safe_mode=True, compile=False)


def predict_proba(head: Any, embeddings: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """P(positive) per embedding, as a 1-D float array."""
    if len(embeddings) == 0:
        return np.zeros(0, np.float32)
    out = head.predict(embeddings.astype(np.float32), batch_size=batch_size, verbose=0)
    return np.asarray(out, dtype=np.float32).reshape(-1)
