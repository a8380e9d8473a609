"""Gradient checking: analytic gradients against central differences, per weight and per node.

The assignment's measure is ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂) with g̃ = (f(w + ε) − f(w − ε)) / 2ε: below 1e-7
the gradient is correct, above 1e-3 it has a bug, in between it deserves a look. The central
difference has two errors of its own, and ε trades one for the other: rounding (float64 keeps ~16
digits, and dividing by 2ε magnifies it: ∝ 1/ε, :func:`rounding_noise`) and truncation (the ε²·f‴/6 the
formula leaves out: ∝ ε², estimated per row by comparing the difference at ε and 2ε). Per row the
thresholds apply, except that a row whose gradients differ by no more than those errors passes,
labelled as passing within rounding noise or within truncation error (unless that error is itself
above 1e-3: such an ε cannot confirm a gradient, and the row says to look closer). The overall verdict is the
worst row's, so the summary and the rows always agree; the norm formula is reported beside it, and
:attr:`GradientCheck.formula_verdict` is what it alone would say. With array feeds the checked function
is the mean output over the rows.
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
#: A row's label per verdict (a row that passes only within rounding or truncation error says so instead).
VERDICT_LABELS: dict[Verdict, str] = {"correct": "pass", "suspicious": "look closer", "bug": "FAIL"}
_SEVERITY: dict[Verdict, int] = {"correct": 0, "suspicious": 1, "bug": 2}
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
    with np.errstate(all="ignore"):  # gradients near 1e308 overflow the norm: the ratio is then nan
        denominator = float(np.linalg.norm(g) + np.linalg.norm(n))
        difference = float(np.linalg.norm(g - n))
    return difference / denominator if denominator > 0 else 0.0


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

    ``noise`` is how far the central difference itself can be off from float64 rounding alone, and
    ``truncation`` how far from the ε² term it leaves out (both in gradient units; truncation is 0 where
    rounding hides it). A row whose relative error is at least 1e-7 but whose gradients differ by no
    more than the noise passes ``within_noise`` (for a tiny gradient, |g| ≈ 1e-4, the numeric side, not
    the analytic one, is inexact); one within noise + truncation passes ``within_truncation`` (a large ε).
    ``label`` is the verdict in the learner's words, the one the GUI shows: ``pass``,
    ``pass (within rounding noise ≈ X)`` or ``pass (within truncation error ≈ X)`` with X that error as
    a relative error (comparable to ``rel_error``), ``look closer``, ``FAIL`` or ``n/a: not a number``.
    """

    name: str
    analytic: float
    numeric: float
    rel_error: float
    noise: float
    verdict: Verdict
    within_noise: bool
    label: str
    truncation: float = 0.0
    within_truncation: bool = False

    @property
    def rel_noise(self) -> float:
        """The noise as a relative error: noise / (|g| + |g̃|) (inf when both are 0)."""
        return _relative(self.noise, self.analytic, self.numeric)

    @property
    def rel_truncation(self) -> float:
        """The truncation error as a relative error: truncation / (|g| + |g̃|)."""
        return _relative(self.truncation, self.analytic, self.numeric)


def _relative(error: float, analytic: float, numeric: float) -> float:
    total = abs(analytic) + abs(numeric)
    return error / total if total > 0 else (0.0 if error == 0 else math.inf)


@dataclass(frozen=True)
class GradientCheck:
    """A whole check: one row per weight or node, and the assignment's norm formula over all of them.

    ``verdict`` is the worst row's, so it never contradicts the rows: when every row passes (some
    only within the central difference's own error) it is ``correct`` even if the norm is above 1e-7,
    and when a row is off by more than that error it is not ``correct`` even if the norm is below
    1e-7 (a small gradient's error vanishes in a norm dominated by large ones). ``formula_verdict`` is
    what the norm ``difference`` alone says (the assignment's rule).
    """

    rows: tuple[CheckRow, ...]
    difference: float
    eps: float
    verdict: Verdict
    formula_verdict: Verdict = "correct"

    @property
    def passed(self) -> bool:
        """Whether every row passes (so the gradients are correct)."""
        return self.verdict == "correct"

    @property
    def agrees_with_formula(self) -> bool:
        """Whether the norm formula alone reaches the same verdict as the rows."""
        return self.verdict == self.formula_verdict

    @property
    def max_rel_noise(self) -> float:
        """The largest rounding error of the numeric side, relative to its row's gradients."""
        return max((row.rel_noise for row in self.rows if math.isfinite(row.rel_noise)), default=0.0)

    @property
    def max_rel_truncation(self) -> float:
        """The largest truncation error of the numeric side, relative to its row's gradients."""
        finite = (row.rel_truncation for row in self.rows if math.isfinite(row.rel_truncation))
        return max(finite, default=0.0)


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
    with np.errstate(all="ignore"):  # a graph that overflows has infinite noise: that is the answer
        per_row = sum((np.abs(grads[n]) * np.abs(values[n]) for n in grads), np.zeros(()))
        output = np.abs(values[graph.output])
        summation = math.log2(output.size) * float(np.mean(output)) if output.size > 1 else 0.0
    unit = float(np.finfo(np.float64).eps)
    return unit * (float(np.mean(per_row)) + summation) / eps


def truncation_error(numeric: float, numeric_wide: float, noise: float) -> float:
    """The central difference's truncation error at ε, from its values at ε and 2ε (Richardson).

    g̃(ε) = g + c·ε² + r₁ and g̃(2ε) = g + 4c·ε² + r₂, with rounding |r₁| ≤ noise and |r₂| ≤ noise/2:
    their difference is 3c·ε² + (r₂ − r₁), so |c·ε²| ≤ (|g̃(2ε) − g̃(ε)| + 1.5·noise) / 3. Returns that
    bound with half again as margin for the series' next terms (measured on the assignment's graph at
    ε = 1e-3…1e-1: the bound alone matched the true error to ~1%, sometimes just under it), where the
    difference stands out of the rounding; else 0 (truncation is too small to see).
    """
    spread = abs(numeric_wide - numeric)
    if not math.isfinite(spread) or spread <= 1.5 * noise:
        return 0.0
    return 1.5 * (spread + 1.5 * noise) / 3


def _row(name: str, analytic: float, numeric: float, numeric_wide: float, noise: float) -> CheckRow:
    error = relative_difference([analytic], [numeric])
    gap = abs(analytic - numeric)
    truncation = truncation_error(numeric, numeric_wide, noise)
    within_noise = not error < CORRECT_BELOW and gap <= noise  # False for NaN
    explained = not (error < CORRECT_BELOW or within_noise) and gap <= noise + truncation
    # An ε so large that its own error passes 1e-3 cannot confirm a gradient: say so, do not pass it.
    too_coarse = _relative(noise + truncation, analytic, numeric) > BUG_ABOVE
    within_truncation = explained and not too_coarse
    row_verdict: Verdict = "correct" if within_noise or within_truncation else verdict(error)
    if explained and too_coarse:
        row_verdict = "suspicious"
    if not (math.isfinite(analytic) and math.isfinite(numeric)):
        label = "n/a: not a number"
    elif within_noise:
        label = f"pass (within rounding noise ≈ {_relative(noise, analytic, numeric):.1e})"
    elif within_truncation:
        label = f"pass (within truncation error ≈ {_relative(noise + truncation, analytic, numeric):.1e})"
    elif explained:
        label = f"look closer (ε too large: truncation ≈ {_relative(truncation, analytic, numeric):.1e})"
    else:
        label = VERDICT_LABELS[row_verdict]
    return CheckRow(
        name,
        float(analytic),
        float(numeric),
        error,
        noise,
        row_verdict,
        within_noise,
        label,
        truncation,
        within_truncation,
    )


def _summarise(
    names: Sequence[str],
    analytic: Sequence[float],
    numeric: Sequence[tuple[float, float]],
    noise: float,
    eps: float,
) -> GradientCheck:
    rows = tuple(
        _row(name, a, at_eps, at_2eps, noise)
        for name, a, (at_eps, at_2eps) in zip(names, analytic, numeric, strict=True)
    )
    difference = relative_difference(analytic, [at_eps for at_eps, _ in numeric])
    worst: Verdict = max((row.verdict for row in rows), key=_SEVERITY.__getitem__, default="correct")
    return GradientCheck(rows, difference, eps, worst, verdict(difference))


def _central(f: Callable[[float], float], eps: float) -> tuple[float, float]:
    """(f(+ε) − f(−ε)) / 2ε and the same at 2ε: the numeric gradient and its truncation probe."""
    at_eps = (f(eps) - f(-eps)) / (2 * eps)
    at_2eps = (f(2 * eps) - f(-2 * eps)) / (4 * eps)
    return at_eps, at_2eps


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
        base = np.asarray(feeds[name], dtype=np.float64)

        def nudged(step: float, name: str = name, base: Any = base) -> float:
            return _mean(graph.evaluate({**feeds, name: base + step}))

        numeric.append(_central(nudged, eps))
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
        base = np.asarray(values[name])

        def nudged(step: float, name: str = name, base: Any = base) -> float:
            return _mean(graph.values(feeds, overrides={name: base + step})[graph.output])

        numeric.append(_central(nudged, eps))
    noise = rounding_noise(graph, feeds, eps)
    return _summarise(names, [_mean(grads[n]) for n in names], numeric, noise, eps)
