"""TwoRuleLrDecay: the assignment's learning-rate schedule, decided at the end of each epoch."""

from __future__ import annotations

from typing import Any

from engine.callbacks.monitor_callback import MonitorCallback
from engine.callbacks.rules import two_rule_decision
from engine.jobs import Emit


class TwoRuleLrDecay(MonitorCallback):
    """Multiplies the learning rate at the end of an epoch, for the next one, by two independent rules.

    (a) ×``fall_factor`` (0.9) when the monitored value is worse than at the previous epoch (not the
    best: the previous one); (b) ×``period_factor`` (0.95) on every ``period``-th epoch counting from 1
    (3, 6, 9, …). When both apply the factors multiply (×0.855). Keras's ``ReduceLROnPlateau`` cannot
    express rule (b), and ``LearningRateScheduler`` acts at the start of an epoch without seeing the
    validation result, so this is our own. Each change becomes an ``lr_decay`` marker naming the rules.

    Args:
        fall_factor: Factor when the monitored value got worse. Defaults to 0.9.
        period: Every how many epochs rule (b) applies. Defaults to 3.
        period_factor: Factor of rule (b). Defaults to 0.95.
        monitor: Epoch log key to watch. Defaults to ``"val_accuracy"``.
        mode: ``"max"`` or ``"min"``. Defaults to ``"max"``.
        emit: Event sink. Defaults to discarding events.
    """

    def __init__(
        self,
        fall_factor: float = 0.9,
        period: int = 3,
        period_factor: float = 0.95,
        monitor: str = "val_accuracy",
        mode: str = "max",
        emit: Emit | None = None,
    ) -> None:
        super().__init__(monitor, mode, 0.0, emit)
        for name, factor in (("fall_factor", fall_factor), ("period_factor", period_factor)):
            if not 0.0 < factor <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {factor!r}")
        if period < 1:
            raise ValueError(f"period must be at least 1, got {period!r}")
        self.fall_factor = fall_factor
        self.period = period
        self.period_factor = period_factor
        self.previous: float | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.previous = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = self.current(logs)
        decision = two_rule_decision(
            self.previous, current, epoch + 1, self.fall_factor, self.period, self.period_factor, self.mode
        )
        reasons = []
        if decision.fell:
            reasons.append(f"{self.monitor} fell {self.previous:.4f}→{current:.4f} (×{self.fall_factor:g})")
        if decision.periodic:
            reasons.append(f"epoch {epoch + 1} is a multiple of {self.period} (×{self.period_factor:g})")
        self.previous = current
        factor = decision.factor
        if factor == 1.0:
            return
        optimizer = self.model.optimizer
        old = float(optimizer.learning_rate)
        new = old * factor
        optimizer.learning_rate = new
        self.mark(epoch + 1, "lr_decay", f"LR {old:.6g}→{new:.6g}: " + "; ".join(reasons))
