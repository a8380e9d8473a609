"""TerminateOnNonFinite: stop training when the loss OR any weight becomes NaN or infinite."""

from __future__ import annotations

import math
from typing import Any

from engine.callbacks.decision_callback import DecisionCallback
from engine.jobs import Emit


class TerminateOnNonFinite(DecisionCallback):
    """Checks the batch loss and every model weight after each training batch.

    Keras's ``TerminateOnNaN`` looks only at the loss. A weight can turn infinite one step before the
    loss does (or, behind a dead ReLU, without the loss ever showing it), so all weights are checked
    too, in one compiled TensorFlow function per batch to keep the per-batch hook cheap. The stop is
    reported as a ``nan_stop`` marker naming the batch and the first bad loss or weight.

    Args:
        emit: Event sink. Defaults to discarding events.
    """

    def __init__(self, emit: Emit | None = None) -> None:
        super().__init__(emit)
        self.stopped_epoch = 0
        self.reason = ""
        self._epoch = 0
        self._finite_flags: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.stopped_epoch = 0
        self.reason = ""
        # Rebuilt per fit: the model (and so the captured variables) may differ between fits.
        self._finite_flags = _finite_flags_function(self.model.weights)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        reason = self.check((logs or {}).get("loss"))
        if reason:
            self.stop(f"batch {batch + 1}: {reason}")

    def check(self, loss: Any) -> str:
        """Why training must stop ("" when the loss and all weights are finite)."""
        loss_value = float("nan") if loss is None else float(loss)
        if loss is not None and not math.isfinite(loss_value):
            return f"loss is {loss_value}"
        if self._finite_flags is None:
            self._finite_flags = _finite_flags_function(self.model.weights)
        flags = self._finite_flags().numpy()
        if flags.all():
            return ""
        bad = [w.path for w, ok in zip(self.model.weights, flags, strict=True) if not ok]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        still = f" while the loss is still finite ({loss_value:.4g})" if loss is not None else ""
        return f"weight {bad[0]} holds NaN/inf{more}{still}"

    def stop(self, reason: str) -> None:
        """Stop training and report why."""
        self.model.stop_training = True
        self.stopped_epoch = self._epoch
        self.reason = reason
        self.mark(self._epoch, "nan_stop", f"training terminated at {reason}")


def _finite_flags_function(weights: list[Any]) -> Any:
    """A compiled function returning one bool per weight: all of its entries are finite."""
    from engine import tfrt

    tf = tfrt.tf()
    variables = [getattr(w, "value", w) for w in weights]

    @tf.function(reduce_retracing=True)
    def flags() -> Any:
        return tf.stack([tf.reduce_all(tf.math.is_finite(v)) for v in variables])

    return flags
