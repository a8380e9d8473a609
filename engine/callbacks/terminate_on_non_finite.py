"""TerminateOnNonFinite: stop training when the loss OR any weight becomes NaN or infinite."""

from __future__ import annotations

from typing import Any

from engine.callbacks.decision_callback import DecisionCallback
from engine.callbacks.rules import non_finite_reason
from engine.jobs import Emit

#: The weights are checked after every this many batches (and at every epoch's end). One check is a
#: compiled TensorFlow call: measured here, the batch hook took 490 µs when it checked every batch
#: (a batch of 32 rows of the lab's model trains in about 1.6 ms, so about 30% more time) and 30 µs
#: on average every 16th. One fused flag instead of one per weight was no faster: the call is the cost.
WEIGHT_CHECK_EVERY = 16


class TerminateOnNonFinite(DecisionCallback):
    """Checks the batch loss after every batch and all model weights every ``weight_check_every``.

    Keras's ``TerminateOnNaN`` looks only at the loss. A weight can turn infinite one step before the
    loss does (or, behind a dead ReLU, without the loss ever showing it), so all weights are checked
    too: after every ``weight_check_every``-th batch of an epoch and always at the epoch's end, so a
    bad weight behind a finite loss is caught at most ``weight_check_every - 1`` batches late and
    never survives an epoch. The loss costs nothing to read and is checked after every batch. The
    stop is reported as a ``nan_stop`` marker naming the batch and the first bad loss or weight.

    Args:
        emit: Event sink. Defaults to discarding events.
        weight_check_every: Batches between two weight checks. Defaults to
            :data:`WEIGHT_CHECK_EVERY` (16).

    Example:
        >>> guard = TerminateOnNonFinite(weight_check_every=1)  # every batch, ~0.5 ms each
    """

    def __init__(self, emit: Emit | None = None, weight_check_every: int = WEIGHT_CHECK_EVERY) -> None:
        super().__init__(emit)
        if weight_check_every < 1:
            raise ValueError(f"weight_check_every must be at least 1, got {weight_check_every!r}")
        self.weight_check_every = weight_check_every
        self.stopped_epoch = 0
        self.reason = ""
        self._epoch = 0
        self._finite_flags: Any = None
        self._weights: list[Any] = []  # the weights the compiled check reads

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.stopped_epoch = 0
        self.reason = ""
        # Rebuilt only when the weights differ from the last fit's (another model): tracing the
        # compiled check costs about 27 ms, a few percent of a short fit.
        weights = list(self.model.weights)
        same = len(weights) == len(self._weights) and all(
            a is b for a, b in zip(weights, self._weights, strict=True)
        )
        if self._finite_flags is None or not same:
            self._finite_flags = _finite_flags_function(weights)
            self._weights = weights

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        reason = self.check_loss(loss)
        if not reason and (batch + 1) % self.weight_check_every == 0:
            reason = self.check_weights(loss)
        if reason:
            self.stop(f"batch {batch + 1}: {reason}")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.stopped_epoch:
            return  # already stopped (and reported) during this epoch
        reason = self.check_weights(None)
        if reason:
            self.stop(f"the end of the epoch: {reason}")

    def check(self, loss: Any) -> str:
        """Why training must stop now ("" when the loss and all weights are finite)."""
        return self.check_loss(loss) or self.check_weights(loss)

    @staticmethod
    def check_loss(loss: Any) -> str:
        """Why the loss stops training ("" when it is finite or absent)."""
        return non_finite_reason(loss)

    def check_weights(self, loss: Any = None) -> str:
        """Why the weights stop training ("" when every entry of every weight is finite).

        Args:
            loss: The batch loss, to say it was still finite. Defaults to None (not mentioned).
        """
        if self._finite_flags is None:
            self._weights = list(self.model.weights)
            self._finite_flags = _finite_flags_function(self._weights)
        flags = self._finite_flags().numpy()
        if flags.all():
            return ""
        bad = [w.path for w, ok in zip(self._weights, flags, strict=True) if not ok]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        still = f" while the loss is still finite ({float(loss):.4g})" if loss is not None else ""
        late = (
            f"; weights are checked every {self.weight_check_every} batches and at each epoch's end, "
            f"so it may have happened up to {self.weight_check_every - 1} batches earlier"
            if self.weight_check_every > 1
            else ""
        )
        return f"weight {bad[0]} holds NaN/inf{more}{still}{late}"

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
