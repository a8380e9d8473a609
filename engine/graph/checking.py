"""Gradient checking: analytic gradients against central differences, per weight and per node.

The assignment's measure is ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂) with g̃ = (f(w + ε) − f(w − ε)) / 2ε: below 1e-7
the gradient is correct, above 1e-3 it has a bug, in between it deserves a look. With array feeds the
checked function is the mean output over the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from engine.graph.graph import Graph

CORRECT_BELOW = 1e-7
BUG_ABOVE = 1e-3
Verdict = Literal["correct", "suspicious", "bug"]


def relative_difference(
    analytic: Sequence[float] | np.ndarray, numeric: Sequence[float] | np.ndarray
) -> float:
    """‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂); 0 when both are zero vectors; NaN when either holds NaN or ±inf
    (which :func:`verdict` calls a bug: a gradient that is not a number is never correct)."""
    g, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(n))):
        return float("nan")
    denominator = float(np.linalg.norm(g) + np.linalg.norm(n))
    return float(np.linalg.norm(g - n)) / denominator if denominator > 0 else 0.0


def verdict(difference: float) -> Verdict:
    """``correct`` below 1e-7, ``bug`` above 1e-3, else ``suspicious`` (NaN counts as a bug)."""
    if difference < CORRECT_BELOW:
        return "correct"
    if difference <= BUG_ABOVE:
        return "suspicious"
    return "bug"


@dataclass(frozen=True)
class CheckRow:
    """One weight's (or node's) check: analytic and numeric gradient, their relative difference.

    ``noise`` is the rounding error the central difference itself can make (≈ 8·macheps·|f| / ε).
    A row whose gradients differ by less than that is ``correct`` even when its relative error is
    large: for a tiny gradient (|g| ≈ 1e-4) the numeric side, not the analytic one, is inexact.
    """

    name: str
    analytic: float
    numeric: float
    rel_error: float
    noise: float
    verdict: Verdict


@dataclass(frozen=True)
class GradientCheck:
    """A whole check: one row per weight or node and the assignment's norm formula over all of them."""

    rows: tuple[CheckRow, ...]
    difference: float
    eps: float
    verdict: Verdict

    @property
    def passed(self) -> bool:
        """Whether the overall difference is below 1e-7."""
        return self.verdict == "correct"


def _summarise(
    names: Sequence[str],
    analytic: Sequence[float],
    numeric: Sequence[float],
    scale: Sequence[float],
    eps: float,
) -> GradientCheck:
    rows = []
    for name, a, n, f in zip(names, analytic, numeric, scale, strict=True):
        error = relative_difference([a], [n])
        noise = 8 * float(np.finfo(np.float64).eps) * abs(f) / eps
        row_verdict: Verdict = "correct" if abs(a - n) <= noise else verdict(error)
        rows.append(CheckRow(name, float(a), float(n), error, noise, row_verdict))
    difference = relative_difference(analytic, numeric)
    return GradientCheck(tuple(rows), difference, eps, verdict(difference))


def _mean(value: Any) -> float:
    return float(np.mean(value))


def check_weights(
    graph: Graph,
    feeds: Mapping[str, Any],
    eps: float = 1e-7,
    names: Sequence[str] | None = None,
    analytic: Callable[[Mapping[str, Any]], Mapping[str, float]] | None = None,
) -> GradientCheck:
    """Check ∂output/∂leaf for each weight (or each of ``names``: inputs work too).

    Args:
        graph: The graph.
        feeds: A value for every input and weight.
        eps: The ε of the central difference. Defaults to 1e-7 (the assignment's).
        names: Leaves to check. Defaults to every weight.
        analytic: A function ``feeds -> {name: gradient}`` to grade instead of the engine's own (an
            exercise mode passes the learner's). Defaults to :meth:`Graph.gradients`.
    """
    names = tuple(names) if names is not None else graph.weights
    if analytic is None:
        grads = graph.gradients(feeds, wrt=names)
        computed = [_mean(grads[n]) for n in names]
    else:
        given = analytic(feeds)
        computed = [_mean(given[n]) for n in names]
    numeric, scale = [], []
    for name in names:
        plus = _mean(graph.evaluate({**feeds, name: np.asarray(feeds[name], dtype=np.float64) + eps}))
        minus = _mean(graph.evaluate({**feeds, name: np.asarray(feeds[name], dtype=np.float64) - eps}))
        numeric.append((plus - minus) / (2 * eps))
        scale.append(max(abs(plus), abs(minus)))
    return _summarise(names, computed, numeric, scale, eps)


def check_nodes(graph: Graph, feeds: Mapping[str, Any], eps: float = 1e-7) -> GradientCheck:
    """Check ∂output/∂node for every computed node that depends on a weight or input.

    The numeric side nudges the node's value by ±ε and recomputes everything downstream of it.
    """
    values = graph.values(feeds)
    grads = graph.node_gradients(feeds)
    names = [n for n in graph.order if graph.nodes[n].op is not None and n in grads]
    numeric, scale = [], []
    for name in names:
        plus = _mean(graph.values(feeds, overrides={name: np.asarray(values[name]) + eps})[graph.output])
        minus = _mean(graph.values(feeds, overrides={name: np.asarray(values[name]) - eps})[graph.output])
        numeric.append((plus - minus) / (2 * eps))
        scale.append(max(abs(plus), abs(minus)))
    return _summarise(names, [_mean(grads[n]) for n in names], numeric, scale, eps)
