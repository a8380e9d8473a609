"""LayerStats: per-layer weight and gradient histograms and gradient norms, every epoch.

TF2's TensorBoard callback dropped gradient histograms, yet they are what shows Model-1's vanishing
and Model-2's exploding gradients. This callback computes the gradient of the training loss on a
fixed sample of training data at the end of each epoch and keeps plain-data records for the GUI
(histogram bin edges and counts, norms, a flag per layer) and for :class:`TensorBoardLogger`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from numpy.typing import ArrayLike

#: A gradient norm below this flags a layer as vanishing, above ``EXPLODING`` as exploding.
VANISHING = 1e-7
EXPLODING = 1e3


def histogram(values: ArrayLike, bins: int = 30) -> dict[str, Any]:
    """Bin edges and counts of the finite values, plus how many were NaN/inf (JSON-able)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        edges = np.linspace(0.0, 1.0, bins + 1)
        counts = np.zeros(bins, dtype=np.int64)
    else:
        counts, edges = np.histogram(finite, bins=bins)
    return {"edges": edges.tolist(), "counts": counts.tolist(), "non_finite": int(v.size - finite.size)}


def norm_flag(norm: float, vanishing: float = VANISHING, exploding: float = EXPLODING) -> str:
    """``"non-finite"``, ``"zero"``, ``"vanishing"`` (< ``vanishing``), ``"exploding"`` (> ``exploding``)
    or ``"ok"``.

    ``"zero"`` (exactly 0) is kept apart from vanishing: no gradient reaches the layer at all, e.g.
    behind ReLUs that are dead for every input (Model-2), which a log scale cannot draw.
    """
    if not math.isfinite(norm):
        return "non-finite"
    if norm == 0.0:
        return "zero"
    if norm < vanishing:
        return "vanishing"
    if norm > exploding:
        return "exploding"
    return "ok"


def _l2(arrays: list[np.ndarray]) -> float:
    with np.errstate(over="ignore", invalid="ignore"):
        return float(math.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in arrays)))


class LayerStats(keras.callbacks.Callback):
    """Records, per epoch and per layer with weights, histograms of weights and gradients and norms.

    A layer's weights are its kernel and bias together. Gradients are those of the compiled loss
    (mean over the sample) with respect to these weights, computed after the epoch's last update.

    Args:
        x_sample: Training features used for the gradient (a few hundred rows suffice).
        y_sample: Their labels.
        bins: Histogram bins. Defaults to 30.
        vanishing: Gradient-norm threshold of the vanishing flag. Defaults to 1e-7.
        exploding: Gradient-norm threshold of the exploding flag. Defaults to 1e3.
        on_record: Called with each epoch's record as soon as it exists. Defaults to None.

    Each record is ``{"epoch": n, "layers": [{"name", "weights", "gradients", "weight_norm",
    "grad_norm", "flag"}]}`` where ``weights`` and ``gradients`` come from :func:`histogram`.
    """

    def __init__(
        self,
        x_sample: ArrayLike,
        y_sample: ArrayLike,
        bins: int = 30,
        vanishing: float = VANISHING,
        exploding: float = EXPLODING,
        on_record: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__()
        self.x_sample = np.asarray(x_sample, dtype=np.float32)
        self.y_sample = np.asarray(y_sample, dtype=np.float32).reshape(-1, 1)
        if bins < 1:
            raise ValueError(f"bins must be at least 1, got {bins!r}")
        self.bins = bins
        self.vanishing = vanishing
        self.exploding = exploding
        self.on_record = on_record
        self.records: list[dict[str, Any]] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.records = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        record = self.record(epoch + 1)
        self.records.append(record)
        if self.on_record is not None:
            self.on_record(record)

    def gradients(self) -> list[tuple[str, list[np.ndarray], list[np.ndarray]]]:
        """``(layer name, weights, gradients)`` for every layer with trainable weights, as numpy."""
        from engine import tfrt

        tf = tfrt.tf()
        layers = [layer for layer in self.model.layers if layer.trainable_weights]
        variables = [w for layer in layers for w in layer.trainable_weights]
        loss_fn = keras.losses.get(self.model.loss)
        with tf.GradientTape() as tape:
            y_pred = self.model(self.x_sample, training=True)
            loss = keras.ops.mean(loss_fn(self.y_sample, y_pred))
        grads = tape.gradient(loss, variables)
        result, i = [], 0
        for layer in layers:
            n = len(layer.trainable_weights)
            weights = [keras.ops.convert_to_numpy(w) for w in variables[i : i + n]]
            layer_grads = [
                np.zeros_like(w) if g is None else keras.ops.convert_to_numpy(g)
                for w, g in zip(weights, grads[i : i + n], strict=True)
            ]
            result.append((layer.name, weights, layer_grads))
            i += n
        return result

    def record(self, epoch: int) -> dict[str, Any]:
        """The statistics of the model as it is now, labelled with 1-based ``epoch``."""
        layers = []
        for name, weights, grads in self.gradients():
            grad_norm = _l2(grads)
            layers.append(
                {
                    "name": name,
                    "weights": histogram(np.concatenate([w.ravel() for w in weights]), self.bins),
                    "gradients": histogram(np.concatenate([g.ravel() for g in grads]), self.bins),
                    "weight_norm": _l2(weights),
                    "grad_norm": grad_norm,
                    "flag": norm_flag(grad_norm, self.vanishing, self.exploding),
                }
            )
        return {"epoch": epoch, "layers": layers}
