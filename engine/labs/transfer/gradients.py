"""GradientNorms: per-layer gradient norms on a fixed probe batch after every epoch.

The original lab asked for "gradient analysis for every model": a layer whose gradient norm collapses
to zero has stopped learning, one that explodes is why Model-3 diverged at a high learning rate. A
fixed batch makes epochs comparable. This module imports Keras, so the lab imports it inside ``run``.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from engine.callbacks.layer_stats import histogram
from engine.jobs import Emit
from engine.labs.transfer import GradientNormsMeasured


def layer_gradients(model: Any, x: Any, y: Any) -> list[tuple[str, list[np.ndarray]]]:
    """The loss gradient over each trainable layer's weights (kernel and bias), as numpy, in model order.

    Args:
        model: A compiled Keras model whose loss takes integer labels.
        x: A batch of inputs.
        y: The batch's integer labels.
    """
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    layers = [layer for layer in model.layers if layer.trainable_weights]
    variables = [w for layer in layers for w in layer.trainable_weights]
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=False))
    grads = tape.gradient(loss, variables)
    found: list[tuple[str, list[np.ndarray]]] = []
    position = 0
    for layer in layers:
        count = len(layer.trainable_weights)
        found.append((layer.name, [np.asarray(g) for g in grads[position : position + count]]))
        position += count
    return found


def layer_gradient_norms(model: Any, x: Any, y: Any) -> dict[str, float]:
    """L2 norm of the loss gradient over each trainable layer's weights (kernel and bias together)."""
    return {name: _norm(grads) for name, grads in layer_gradients(model, x, y)}


def _norm(grads: list[np.ndarray]) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)))


class GradientNorms(keras.callbacks.Callback):
    """Records :func:`layer_gradient_norms` on one fixed batch at the end of every epoch.

    Each epoch's norms also go out at once as a :class:`~engine.labs.transfer.GradientNormsMeasured`
    event (before that epoch's ``EpochEnded``), so the GUI plots them live. Only an epoch hook is
    overridden, so Keras keeps its fast async batch dispatch.

    Args:
        probe_x: The fixed batch of inputs.
        probe_y: Its integer labels.
        emit: Receives the per-epoch events. Defaults to None (record only).
    """

    def __init__(self, probe_x: Any, probe_y: Any, emit: Emit | None = None) -> None:
        super().__init__()
        self.probe_x = probe_x
        self.probe_y = probe_y
        self.emit = emit
        self.layers: list[str] = []
        self.per_epoch: list[list[float]] = []
        #: Per epoch, each layer's gradient histogram and norm, for the TensorBoard logger.
        self.records: list[dict[str, Any]] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.layers = [layer.name for layer in self.model.layers if layer.trainable_weights]
        self.per_epoch = []
        self.records = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        measured = layer_gradients(self.model, self.probe_x, self.probe_y)
        row = [_norm(grads) for _name, grads in measured]
        self.per_epoch.append(row)
        self.records.append(
            {
                "epoch": epoch + 1,
                "layers": [
                    {
                        "name": name,
                        "gradients": histogram(np.concatenate([g.ravel() for g in grads])),
                        "grad_norm": norm,
                    }
                    for (name, grads), norm in zip(measured, row, strict=True)
                ],
            }
        )
        if self.emit is not None:
            self.emit(GradientNormsMeasured(epoch + 1, tuple(self.layers), tuple(row)))

    def as_dict(self) -> dict[str, Any]:
        """JSON-able ``{"layers": [...], "per_epoch": [[norm per layer], ...]}`` for the GUI."""
        return {"layers": list(self.layers), "per_epoch": [list(row) for row in self.per_epoch]}
