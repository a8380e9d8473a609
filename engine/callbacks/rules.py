"""The callbacks' decisions as plain functions (no Keras): one source of truth for the callbacks and
for the callbacks lab's exercises, which grade a learner's version of the same rules.

This is the one module of the package that never imports Keras.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np


def improves(current: float, reference: float | None, mode: str = "max", min_delta: float = 0.0) -> bool:
    """Whether ``current`` beats ``reference`` by more than ``min_delta`` (NaN never does; anything
    beats ``None``). ``mode`` is ``"max"`` when larger is better, ``"min"`` when smaller is."""
    if math.isnan(current):
        return False
    if reference is None:
        return True
    if mode == "max":
        return current - min_delta > reference
    return current + min_delta < reference


@dataclass(frozen=True)
class LrDecision:
    """The two-rule schedule's decision at the end of one epoch: the factor and which rules applied."""

    factor: float
    fell: bool
    periodic: bool


def two_rule_decision(
    previous: float | None,
    current: float,
    epoch: int,
    fall_factor: float = 0.9,
    period: int = 3,
    period_factor: float = 0.95,
    mode: str = "max",
) -> LrDecision:
    """The assignment's learning-rate rules at the end of epoch ``epoch`` (1-based).

    (a) ×``fall_factor`` when ``current`` is worse than ``previous`` (the previous epoch's value, not
    the best; no rule (a) in the first epoch, where ``previous`` is None); (b) ×``period_factor`` on
    every ``period``-th epoch counting from 1. Both can apply: ×0.9·0.95 = ×0.855.
    """
    fell = previous is not None and improves(previous, current, mode)
    periodic = epoch % period == 0
    factor = (fall_factor if fell else 1.0) * (period_factor if periodic else 1.0)
    return LrDecision(factor, fell, periodic)


def non_finite_reason(loss: Any, weights: Iterable[Any] = ()) -> str:
    """Why training must stop: "" when the loss (if given) and every entry of every weight are
    finite, else which one is NaN or infinite first (the loss before the weights)."""
    if loss is not None and not math.isfinite(float(loss)):
        return f"loss is {float(loss)}"
    for index, weight in enumerate(weights):
        if not np.all(np.isfinite(np.asarray(weight, dtype=np.float64))):
            return f"weight {index} holds NaN/inf"
    return ""
