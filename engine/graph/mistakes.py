"""Known mistakes from real submissions, reproduced on purpose so a learner can watch the checks catch them.

Each entry of :data:`MISTAKES` is a wrong version of one assignment function with the same contract as
the right one in :mod:`engine.graph.assignment`, so an exercise mode can run it through the same
grading (``gradient_checking(..., grad_fn=...)``) and show what the symptom looks like.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from engine.graph.assignment import backward_propagation, feeds_for, forward_propagation
from engine.graph.checking import relative_difference
from engine.graph.graph import Graph
from engine.graph.library import WEIGHTS
from engine.graph.parser import parse_expression


@dataclass(frozen=True)
class Mistake:
    """One known mistake: what the learner did, what gives it away, and the wrong function."""

    name: str
    description: str
    symptom: str
    function: Callable[..., Any]


@cache
def _plus_instead_of_times() -> Graph:
    return parse_expression(
        "tanh(exp((w1*f1 + (w2 + f2))**2 + w6) + w7) + w9*sigmoid(sin(w3*f3)*(w4*f4 + w5*f5) + w8)",
        loss_target="y",
    )


def plus_typed_for_times(x: Any, y: float, w: Any) -> dict[str, float]:
    """Gradients of a forward pass with ``w2 + x2`` typed instead of ``w2 * x2``."""
    grads = _plus_instead_of_times().gradients(feeds_for(x, y, w), wrt=WEIGHTS)
    return {f"d{name}": float(value) for name, value in grads.items()}


def loss_as_upstream(x: Any, y: float, w: Any) -> dict[str, float]:
    """Backward pass seeded with the loss L instead of dL/dY' = −2(y − Y')."""
    d = forward_propagation(x, y, w)
    return backward_propagation(x, w, {**d, "dl": d["loss"]})


def aliased_gradient_checking(x: Any, y: float, w: np.ndarray, eps: float = 1e-7) -> float:
    """Gradient checking with ``w_plus = w`` (no copy): the "minus" side undoes the "plus" side.

    The numeric gradient becomes (f(w + ε) − f(w)) / 2ε ≈ g/2, so the check reports about 1/3 for a
    correct gradient, and the caller's ``w`` is modified in place.
    """
    analytic = [backward_propagation(x, w, forward_propagation(x, y, w))[f"d{n}"] for n in WEIGHTS]
    numeric = []
    for i in range(len(WEIGHTS)):
        w_plus = w  # the mistake: an alias, not a copy
        w_plus[i] += eps
        f_plus = forward_propagation(x, y, w_plus)["loss"]
        w_minus = w
        w_minus[i] -= eps
        f_minus = forward_propagation(x, y, w_minus)["loss"]
        numeric.append((f_plus - f_minus) / (2 * eps))
    return relative_difference(analytic, numeric)


def per_weight_ratio(x: Any, y: float, w: Any, eps: float = 1e-7) -> float:
    """The largest per-weight |g − g̃| / (|g| + |g̃|) instead of the norm formula.

    A tiny gradient's numeric estimate is mostly rounding error, so this "fails" correct code.
    """
    analytic = backward_propagation(x, w, forward_propagation(x, y, w))
    worst = 0.0
    for i, name in enumerate(WEIGHTS):
        plus, minus = np.array(w, dtype=np.float64), np.array(w, dtype=np.float64)
        plus[i] += eps
        minus[i] -= eps
        numeric = (forward_propagation(x, y, plus)["loss"] - forward_propagation(x, y, minus)["loss"]) / (
            2 * eps
        )
        worst = max(worst, relative_difference([analytic[f"d{name}"]], [numeric]))
    return worst


MISTAKES: tuple[Mistake, ...] = (
    Mistake("plus_for_times", "w2 + x2 typed instead of w2 * x2 in the forward pass",
            "gradient_checking ≫ 1e-3: the analytic gradients belong to another function",
            plus_typed_for_times),
    Mistake("loss_as_upstream", "the loss L used instead of dL/dY' as the upstream gradient",
            "every dw is scaled by L / (−2(y − Y')): gradient_checking ≫ 1e-3", loss_as_upstream),
    Mistake("aliased_weights", "w_plus = w inside gradient checking (no copy)",
            "gradient_checking ≈ 0.33 for correct gradients, and w changes", aliased_gradient_checking),
    Mistake("ratio_per_weight", "a ratio per weight instead of the norm formula",
            "tiny gradients look wrong: per-weight ratios above 1e-7 for correct code", per_weight_ratio),
)  # fmt: skip
