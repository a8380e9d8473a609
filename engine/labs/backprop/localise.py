"""Where a learner's backward pass goes wrong: the graph nodes that explain exactly their wrong gradients.

The learner's ``backward_propagation`` returns only ``dw1``…``dw9``, but the pattern of wrong ones
says where the chain rule broke. If the learner's ∂L/∂s is off by δ at one node ``s`` and everything
below ``s`` is right, every weight's gradient is off by exactly ``δ · ∂s/∂w`` (and the weights that
do not feed ``s`` are right). So for each node we fit one δ per case by least squares and keep the
nodes whose prediction matches the learner's errors on every case: those explain exactly the wrong
set. A node's gradient is wrong because one of its consumers' local derivatives was (the tanh
derivative makes ∂L/∂tanh_in wrong), so the suspects are those consumers; a ``+`` or ``−`` consumer,
whose local derivative is the constant ±1, is named only when nothing else explains the numbers.
When no single node fits, pairs are tried; beyond that the report says so instead of guessing.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.graph import Graph, assignment_graph
from engine.graph.library import WEIGHTS
from engine.graph.steps import fmt

#: Ops whose local derivative is a constant ±1: a wrong gradient is rarely their fault.
TRIVIAL_OPS = ("add", "sub")
#: How closely δ·∂s/∂w must reproduce the learner's error, relative to the gradients' size.
FIT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class GradientCase:
    """One case: the feeds (f1…f5, y, w1…w9) and the learner's ``dw`` values (None where missing)."""

    feeds: Mapping[str, float]
    learner: Mapping[str, float | None]


@dataclass(frozen=True)
class _Prepared:
    grads: dict[str, float]
    sensitivity: dict[str, np.ndarray]  # node → ∂node/∂w for w1…w9
    delta: np.ndarray | None  # learner − ours per weight (None when a value is missing or not finite)
    tolerance: np.ndarray


def _prepare(graph: Graph, case: GradientCase, candidates: Sequence[str]) -> _Prepared:
    values = graph.values(case.feeds)
    grads = {k: float(v) for k, v in graph.backward(values).items()}
    sensitivity = {}
    for node in candidates:
        upstream = graph.backward(values, seed_node=node, seed=1.0)
        sensitivity[node] = np.array([float(upstream.get(w, 0.0)) for w in WEIGHTS])
    ours = np.array([grads.get(w, 0.0) for w in WEIGHTS])
    raw = [case.learner.get(f"d{w}") for w in WEIGHTS]
    delta = None
    if all(isinstance(v, (int, float)) and np.isfinite(v) for v in raw):
        theirs = np.array(raw, dtype=np.float64)
        delta = theirs - ours
        tolerance = FIT_TOLERANCE * (np.abs(ours) + np.abs(theirs)) + 1e-10
    else:
        tolerance = np.zeros(len(WEIGHTS))
    return _Prepared(grads, sensitivity, delta, tolerance)


def _wrong_weights(prepared: _Prepared) -> list[str]:
    if prepared.delta is None:
        return list(WEIGHTS)
    return [w for w, d, tol in zip(WEIGHTS, prepared.delta, prepared.tolerance, strict=True) if abs(d) > tol]


def _fit(prepared: _Prepared, nodes: Sequence[str]) -> np.ndarray | None:
    """The δ per node that reproduces this case's errors, or None when no δ does."""
    if prepared.delta is None:
        return None
    basis = np.stack([prepared.sensitivity[n] for n in nodes], axis=1)
    if not np.any(prepared.delta):
        return np.zeros(len(nodes))
    if not np.any(basis):
        return None
    deltas, *_ = np.linalg.lstsq(basis, prepared.delta, rcond=None)
    residual = np.abs(prepared.delta - basis @ deltas)
    return deltas if np.all(residual <= prepared.tolerance) else None


def _suspects(graph: Graph, nodes: Sequence[str], allow_trivial: bool) -> list[str]:
    found: list[str] = []
    for node in nodes:
        for consumer in graph.consumers(node):
            op = graph.nodes[consumer].op
            if (allow_trivial or op not in TRIVIAL_OPS) and consumer not in found:
                found.append(consumer)
    return found


def localise(cases: Sequence[GradientCase], shown: int | None = None) -> dict[str, Any]:
    """Explain the learner's wrong ``dw`` values.

    Args:
        cases: The graded cases (feeds and the learner's gradients).
        shown: The case whose numbers to report (the one on the learner's screen); defaults to the
            first case with a wrong gradient.

    Returns:
        ``wrong`` (the weights wrong in any case, as ``dw1``…), ``suspects`` (node ids), ``explained``
        (the nodes whose gradient is wrong under the explanation), ``numbers``
        (``{node: {"ours", "yours"}}`` for the shown case) and ``step`` (the first wrong chain-rule
        step of the shown case: node, consumer, rule, upstream, both local derivatives and gradients,
        and a one-line ``text``). Only ``wrong`` when nothing explains the numbers.
    """
    graph = assignment_graph()
    candidates = [
        n
        for n in reversed(graph.order)
        if graph.needs_grad(n) and n != graph.output and graph.nodes[n].kind != "input"
    ]
    prepared = [_prepare(graph, case, candidates) for case in cases]
    wrong_cases = [
        i for i, p in enumerate(prepared) if p.delta is None or np.any(np.abs(p.delta) > p.tolerance)
    ]
    wrong = sorted(
        {f"d{w}" for i in wrong_cases for w in _wrong_weights(prepared[i])}, key=lambda n: int(n[2:])
    )
    result: dict[str, Any] = {"wrong": wrong}
    if not wrong_cases:
        return result
    explanation = _explain(prepared, candidates, wrong_cases)
    if explanation is None:
        result["suspects"] = []
        result["unexplained"] = (
            "no one or two wrong chain-rule steps explain these gradients: check the forward values "
            "your backward pass recomputes"
        )
        return result
    nodes, deltas_per_case = explanation
    suspects = _suspects(graph, nodes, allow_trivial=False) or _suspects(graph, nodes, allow_trivial=True)
    index = shown if shown is not None and shown in wrong_cases else wrong_cases[0]
    deltas = deltas_per_case[index]
    grads = prepared[index].grads
    implied = {n: grads[n] + float(d) for n, d in zip(nodes, deltas, strict=True)}
    step = _first_step(graph, cases[index].feeds, nodes, grads, implied)
    # The chosen step's node and every weight: the numbers a view can put beside ours.
    numbers: dict[str, dict[str, float | None]] = {
        step["node"]: {"ours": step["ours"], "yours": step["yours"]}
    }
    for w in WEIGHTS:
        numbers[w] = {"ours": grads.get(w, 0.0), "yours": cases[index].learner.get(f"d{w}")}
    result.update(
        suspects=suspects,
        explained=list(nodes),
        numbers=numbers,
        case=index + 1,
        shown=index == shown,
        step=step,
    )
    return result


def _explain(
    prepared: Sequence[_Prepared], candidates: Sequence[str], wrong_cases: Sequence[int]
) -> tuple[list[str], dict[int, np.ndarray]] | None:
    """The consistent single nodes (all of them: they tell the same story), else the first pair."""
    singles: list[str] = []
    fits: dict[int, np.ndarray] = {}
    for node in candidates:
        case_fits = {i: _fit(prepared[i], [node]) for i in wrong_cases}
        if all(f is not None for f in case_fits.values()):
            singles.append(node)
            for i, f in case_fits.items():
                assert f is not None
                fits.setdefault(i, np.zeros(0))
                fits[i] = np.append(fits[i], f)
    if singles:
        return singles, fits
    for pair in itertools.combinations(candidates, 2):
        pair_fits = {i: _fit(prepared[i], list(pair)) for i in wrong_cases}
        if all(f is not None for f in pair_fits.values()):
            return list(pair), {i: f for i, f in pair_fits.items() if f is not None}
    return None


def _first_step(
    graph: Graph,
    feeds: Mapping[str, float],
    nodes: Sequence[str],
    grads: Mapping[str, float],
    implied: Mapping[str, float],
) -> dict[str, Any]:
    """The first backward step (output side) among ``nodes`` that reads a non-trivial local derivative."""
    steps = {s.node: s for s in graph.backward_steps(feeds)}
    ordered = [n for n in nodes if n in steps]
    chosen = next(
        (n for n in ordered if any(graph.nodes[t.consumer].op not in TRIVIAL_OPS for t in steps[n].terms)),
        ordered[0],
    )
    step = steps[chosen]
    ours, yours = grads[chosen], implied[chosen]
    out = graph.output
    info: dict[str, Any] = {"node": chosen, "ours": ours, "yours": yours}
    if len(step.terms) == 1:
        term = step.terms[0]
        local_yours = yours / term.upstream if term.upstream else None
        info.update(
            consumer=term.consumer,
            rule=term.rule,
            upstream=term.upstream,
            local_ours=term.local,
            local_yours=local_yours,
        )
        as_if = (
            f" (as if ∂{term.consumer}/∂{chosen} were {fmt(local_yours)})" if local_yours is not None else ""
        )
        info["text"] = (
            f"∂{out}/∂{chosen} = ∂{out}/∂{term.consumer} · ∂{term.consumer}/∂{chosen}: ours "
            f"{fmt(term.upstream)} · {fmt(term.local)} = {fmt(ours)}; yours {fmt(yours)}{as_if}. "
            f"Rule: {term.rule}"
        )
    else:
        info["text"] = f"∂{out}/∂{chosen}: ours {fmt(ours)}, yours {fmt(yours)} (the sum over its paths)"
    return info
