"""Gradient checking: analytic gradients against central differences, per weight and per node.

The assignment's measure is ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂) with g̃ = (f(w + ε) − f(w − ε)) / 2ε: below 1e-7
the gradient is correct, above 1e-3 it has a bug, in between it deserves a look. Per row the same
thresholds apply, except that a row whose gradients differ by no more than the central difference's own
rounding error (:func:`rounding_noise`) passes, labelled as passing within that noise. With array feeds
the checked function is the mean output over the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from engine.graph.graph import Graph

CORRECT_BELOW = 1e-7
BUG_ABOVE = 1e-3
Verdict = Literal["correct", "suspicious", "bug"]
#: A row's label per verdict (a row that passes only within rounding noise says so instead).
VERDICT_LABELS: dict[Verdict, str] = {"correct": "pass", "suspicious": "look closer", "bug": "FAIL"}
#: What :func:`rounding_noise` computes, in words a panel can show.
NOISE_FORMULA = "2.2e-16 · Σ |∂f/∂v|·|v| / ε over the graph's nodes v"


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

    ``noise`` is how far the central difference itself can be off from float64 rounding alone (in
    gradient units; see :func:`rounding_noise`). A row whose relative error is at least 1e-7 but whose
    gradients differ by no more than that noise passes ``within_noise``: for a tiny gradient
    (|g| ≈ 1e-4) the numeric side, not the analytic one, is inexact. ``label`` is the verdict in the
    learner's words, the one the GUI shows: ``pass``, ``pass (within rounding noise ≈ X)`` with X the
    noise as a relative error (comparable to ``rel_error``), ``look closer``, ``FAIL`` or
    ``n/a: not a number``.
    """

    name: str
    analytic: float
    numeric: float
    rel_error: float
    noise: float
    verdict: Verdict
    within_noise: bool
    label: str

    @property
    def rel_noise(self) -> float:
        """The noise as a relative error: noise / (|g| + |g̃|) (inf when both are 0)."""
        total = abs(self.analytic) + abs(self.numeric)
        return self.noise / total if total > 0 else math.inf


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


def rounding_noise(graph: Graph, feeds: Mapping[str, Any], eps: float) -> float:
    """How far (f(w + ε) − f(w − ε)) / 2ε can be off from float64 rounding alone, in gradient units.

    Each node's value v is rounded to within half an ulp, u/2·|v| (u = 2.2e-16), and that error reaches
    the output multiplied by ∂f/∂v. Two evaluations, divided by 2ε, give at most
    ``u/2 · Σ |∂f/∂v|·|v| / ε`` to first order; this returns twice that, ``u · Σ |∂f/∂v|·|v| / ε``,
    leaving room for exp, tanh and sin, which round to within about one ulp (measured: on 400 random
    rows per graph, for the assignment's and two typed graphs, at ε = 1e-7 and 1e-9, correct gradients
    differed from the central difference by at most 0.4 of it). The sum includes the output itself;
    for a batch the per-row sums are averaged and the mean's own summation is added. Scaling by the
    output alone would miss a small loss computed from large values, e.g. (y − Y')² with y ≈ Y' ≈ 1.
    Truncation error (ε²·f‴/6, which grows with ε) is not rounding and is deliberately not included.
    """
    values = graph.values(feeds)
    grads = graph.node_gradients(feeds)
    per_row = sum((np.abs(grads[n]) * np.abs(values[n]) for n in grads), np.zeros(()))
    output = np.abs(values[graph.output])
    summation = math.log2(output.size) * float(np.mean(output)) if output.size > 1 else 0.0
    unit = float(np.finfo(np.float64).eps)
    return unit * (float(np.mean(per_row)) + summation) / eps


def _row(name: str, analytic: float, numeric: float, noise: float) -> CheckRow:
    error = relative_difference([analytic], [numeric])
    within_noise = not error < CORRECT_BELOW and abs(analytic - numeric) <= noise  # False for NaN
    row_verdict: Verdict = "correct" if within_noise else verdict(error)
    if not (math.isfinite(analytic) and math.isfinite(numeric)):
        label = "n/a: not a number"
    elif within_noise:
        total = abs(analytic) + abs(numeric)
        label = f"pass (within rounding noise ≈ {noise / total:.1e})"
    else:
        label = VERDICT_LABELS[row_verdict]
    return CheckRow(name, float(analytic), float(numeric), error, noise, row_verdict, within_noise, label)


def _summarise(
    names: Sequence[str], analytic: Sequence[float], numeric: Sequence[float], noise: float, eps: float
) -> GradientCheck:
    rows = tuple(_row(name, a, n, noise) for name, a, n in zip(names, analytic, numeric, strict=True))
    difference = relative_difference(analytic, numeric)
    return GradientCheck(rows, difference, eps, verdict(difference))


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
    numeric = []
    for name in names:
        plus = _mean(graph.evaluate({**feeds, name: np.asarray(feeds[name], dtype=np.float64) + eps}))
        minus = _mean(graph.evaluate({**feeds, name: np.asarray(feeds[name], dtype=np.float64) - eps}))
        numeric.append((plus - minus) / (2 * eps))
    return _summarise(names, computed, numeric, rounding_noise(graph, feeds, eps), eps)


def check_nodes(graph: Graph, feeds: Mapping[str, Any], eps: float = 1e-7) -> GradientCheck:
    """Check ∂output/∂node for every computed node that depends on a weight or input.

    The numeric side nudges the node's value by ±ε and recomputes everything downstream of it.
    """
    values = graph.values(feeds)
    grads = graph.node_gradients(feeds)
    names = [n for n in graph.order if graph.nodes[n].op is not None and n in grads]
    numeric = []
    for name in names:
        plus = _mean(graph.values(feeds, overrides={name: np.asarray(values[name]) + eps})[graph.output])
        minus = _mean(graph.values(feeds, overrides={name: np.asarray(values[name]) - eps})[graph.output])
        numeric.append((plus - minus) / (2 * eps))
    noise = rounding_noise(graph, feeds, eps)
    return _summarise(names, [_mean(grads[n]) for n in names], numeric, noise, eps)
