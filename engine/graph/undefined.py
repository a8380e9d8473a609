"""Why a value is not a number: the IEEE results of evaluation (nan, ±inf), explained per node.

Evaluation follows IEEE 754 for one row and for a batch alike (x/0 is ±inf, 0/0 and ln(−1) are nan,
exp(1000) overflows to inf), so a graph never raises at awkward inputs. That is honest but mute: a
learner who sees ``nan`` needs to know where it came from. :func:`explain_values` and
:func:`explain_gradients` return one :class:`Undefined` per node whose value (or gradient) is not
finite: where it first arose, the cause in a few words for a node's caption, and a sentence with the
numbers for a panel. Nodes downstream are marked as inheriting it, naming where it arose.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.graph.graph import Graph, ieee
from engine.graph.ops import NUMPY_FUNCTIONS, OPS

#: float64's largest finite number, as messages show it.
FLOAT64_MAX = "1.8e308"


def show(number: float) -> str:
    """A number as explanations (and step formulas) show it: 4 significant digits, ``−`` for minus."""
    return f"{number:.4g}".replace("-", "−")


@dataclass(frozen=True)
class Undefined:
    """A node whose value (or gradient) is nan or ±inf, and why.

    Args:
        node: The node's id.
        value: The value (in the first affected row of a batch): nan, inf or −inf.
        cause: A few words for the node's caption (``"division by zero"``, ``"from div1"``).
        reason: A sentence with the numbers (``"div1 = x1 / sub1 = 1 / 0 = inf: dividing 1 by 0 …"``).
        source: The node where it first arose (``node`` itself when it arose here).
        rows: How many rows are affected (1 for one row).
        row: The first affected row of a batch; ``None`` for one row.
        why: ``reason`` without the computation it starts with (for a panel that shows that already).
    """

    node: str
    value: float
    cause: str
    reason: str
    source: str
    rows: int = 1
    row: int | None = None
    why: str = ""

    @property
    def arises_here(self) -> bool:
        """Whether the problem starts at this node (its inputs are all finite)."""
        return self.source == self.node


def _first_bad(value: Any) -> tuple[int | None, int, tuple[int, ...]]:
    """(first non-finite flat index, or None for a scalar; how many; the value's shape).

    The count is 0 (and the index −1) when every entry is finite."""
    array = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(array)
    count = int(bad.sum())
    if count == 0:
        return -1, 0, array.shape
    return (None if array.ndim == 0 else int(np.flatnonzero(bad)[0])), count, array.shape


def _at(value: Any, row: int | None, shape: tuple[int, ...]) -> float:
    """``value`` in flat row ``row`` of ``shape`` (a scalar is the same in every row)."""
    if row is None or np.ndim(value) == 0:
        return float(value)
    return float(np.broadcast_to(np.asarray(value, dtype=np.float64), shape).flat[row])


def _origin_cause(op: str, a: float, b: float, out: float) -> tuple[str, str]:
    """(cause, why) for an op whose inputs are finite but whose value is not."""
    if op == "div" and b == 0:
        if a == 0:
            return "0 / 0", "0 / 0 has no value"
        return "division by zero", f"dividing {show(a)} by 0 gives {show(out)}"
    if op == "log" and a < 0:
        return "log of a negative number", f"ln of a negative number ({show(a)}) is not a real number"
    if op == "log" and a == 0:
        return "log of 0", "ln(0) is −∞"
    if op == "pow" and a == 0 and b < 0:
        return "0 to a negative power", f"0^{show(b)} = 1 / 0^{show(-b)} divides by zero"
    if op == "pow" and a < 0 and not float(b).is_integer():
        return (
            "negative base, fractional power",
            f"({show(a)})^{show(b)} is not a real number (a negative base needs a whole-number power)",
        )
    return "overflow", f"the result is beyond float64's range (±{FLOAT64_MAX})"


def explain_values(graph: Graph, values: Mapping[str, Any]) -> dict[str, Undefined]:
    """One :class:`Undefined` per node whose value is nan or ±inf (in any row), in graph order.

    Args:
        graph: The graph.
        values: Every node's value, from :meth:`Graph.values` (one row or a batch).
    """
    found: dict[str, Undefined] = {}
    for node_id in graph.order:
        row, count, shape = _first_bad(values[node_id])
        if count == 0:
            continue
        node = graph.nodes[node_id]
        value = _at(values[node_id], row, shape)
        if node.op is None:
            what = {"constant": "the number", "input": "the input", "weight": "the weight"}[node.kind]
            cause = "number too large" if node.kind == "constant" else "fed a non-number"
            reason = f"{what} {node.label} is {show(value)}"
            if node.kind == "constant" and math.isinf(value):
                reason += f": beyond float64's range (±{FLOAT64_MAX})"
            found[node_id] = Undefined(node_id, value, cause, reason, node_id, count, row, reason)
            continue
        args = [_at(values[i], row, shape) for i in node.inputs]
        shown = OPS[node.op].show(*node.inputs)
        numbers = OPS[node.op].show(*map(show, args))
        head = f"{node_id} = {shown} = {numbers} = {show(value)}"
        bad_inputs = (i for i in node.inputs if i in found and not math.isfinite(_at(values[i], row, shape)))
        upstream = next(bad_inputs, None)
        if upstream is not None:
            source = found[upstream].source
            cause = f"from {source}"
            why = f"it reads {upstream} = {show(_at(values[upstream], row, shape))}"
            if source != upstream:
                why += f", which comes from {source} ({found[source].cause})"
            else:
                why += f" ({found[upstream].cause})"
        else:
            a, b = [*args, math.nan][:2]
            cause, why = _origin_cause(node.op, a, b, value)
            source = node_id
        found[node_id] = Undefined(node_id, value, cause, f"{head}: {why}", source, count, row, why)
    return found


def _local_cause(op: str, position: int, a: float, b: float) -> tuple[str, str]:
    """(cause, why) for a local derivative that is not finite although the op's value is."""
    if op == "pow" and position == 1 and a <= 0:
        return (
            "no slope in the power",
            f"∂(uⁿ)/∂n = uⁿ·ln u needs u > 0, and u = {show(a)}: the power is not defined for nearby "
            "fractional n",
        )
    if op == "pow" and position == 0 and a == 0:
        return "infinite slope", f"∂(uⁿ)/∂u = n·uⁿ⁻¹ at u = 0 with n = {show(b)} < 1 is infinite"
    return "overflow", f"the local derivative is beyond float64's range (±{FLOAT64_MAX})"


def explain_gradients(
    graph: Graph, values: Mapping[str, Any], grads: Mapping[str, Any]
) -> dict[str, Undefined]:
    """One :class:`Undefined` per node whose gradient ∂output/∂node is nan or ±inf, output first.

    Args:
        graph: The graph.
        values: Every node's value (:meth:`Graph.values`).
        grads: Gradients per node (:meth:`Graph.backward` or :meth:`Graph.node_gradients`).
    """
    value_problems = explain_values(graph, values)
    found: dict[str, Undefined] = {}
    out = graph.output
    for node_id in reversed(graph.order):
        if node_id not in grads:
            continue
        row, count, shape = _first_bad(grads[node_id])
        if count == 0:
            continue
        grad = _at(grads[node_id], row, shape)
        label = f"∂{out}/∂{node_id} = {show(grad)}"
        explained = _gradient_cause(graph, values, grads, found, value_problems, node_id, row, shape)
        cause, why, source = explained
        found[node_id] = Undefined(node_id, grad, cause, f"{label}: {why}", source, count, row, why)
    return found


def _gradient_cause(
    graph: Graph,
    values: Mapping[str, Any],
    grads: Mapping[str, Any],
    found: Mapping[str, Undefined],
    value_problems: Mapping[str, Undefined],
    node_id: str,
    row: int | None,
    shape: tuple[int, ...],
) -> tuple[str, str, str]:
    """(cause, why, source) of one non-finite gradient, looking at each chain-rule term in turn."""
    if node_id == graph.output:  # the seed is 1; only a non-finite value can spoil it
        problem = value_problems.get(node_id)
        return ("from the value", problem.reason if problem else "the output is not finite", node_id)
    products = []
    for consumer in graph.consumers(node_id):
        if consumer not in grads:
            continue
        upstream = _at(grads[consumer], row, shape)
        op = graph.nodes[consumer].op
        assert op is not None  # consumers compute something
        args = [ieee(_at(values[i], row, shape)) for i in graph.nodes[consumer].inputs]
        own = ieee(_at(values[consumer], row, shape))
        for position, source in enumerate(graph.nodes[consumer].inputs):
            if source != node_id:
                continue
            with np.errstate(all="ignore"):
                local = float(NUMPY_FUNCTIONS[op][1][position](*args, out=own))
            if not math.isfinite(upstream) and consumer in found:
                origin = found[consumer].source
                return f"from ∂/∂{origin}", f"it multiplies ∂/∂{consumer} = {show(upstream)}", origin
            if not math.isfinite(float(own)) and consumer in value_problems:
                problem = value_problems[consumer]
                why = f"{consumer}'s value is undefined ({problem.cause})"
                return f"from {problem.source}", why, problem.source
            if not math.isfinite(local):
                cause, why = _local_cause(op, position, float(args[0]), float(args[-1]))
                return cause, f"via {consumer}: {why}", node_id
            products.append(upstream * local)
    if any(not math.isfinite(p) for p in products):
        return "overflow", f"a chain-rule product is beyond float64's range (±{FLOAT64_MAX})", node_id
    return "+∞ and −∞ meet", "its paths' products are +∞ and −∞, whose sum has no value", node_id
