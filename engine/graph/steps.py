"""Step-through records: the forward pass one node per step, the backward pass one gradient per step.

Records are frozen and hold plain floats and strings, so the GUI can keep the whole sequence, walk it
forwards and backwards, and hand it across threads. Numbers in formulas are shown to 4 significant
digits with a true minus sign. A step whose number is nan or ±inf carries an
:class:`~engine.graph.undefined.Undefined` saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.graph.graph import Graph, NodeKind, ieee
from engine.graph.ops import NUMPY_FUNCTIONS, OPS
from engine.graph.undefined import Undefined, explain_gradients, explain_values


def fmt(number: float) -> str:
    """A number as formulas show it: 4 significant digits, ``−`` for minus."""
    return f"{number:.4g}".replace("-", "−")


@dataclass(frozen=True)
class ForwardStep:
    """One node evaluated.

    Args:
        index: Position in the forward sequence (0-based).
        node: The node's id.
        label: Its drawn label.
        kind: ``op``, ``output`` or ``loss``.
        op: The op's name.
        inputs: Ids of the nodes read, in argument order.
        input_values: Their values.
        result: The node's value.
        rule: The op's rule (``"σ(u) = 1 / (1 + e⁻ᵘ)"``).
        formula: The computation with names and numbers: ``"exp = exp(add_w6) = exp(0.1221) = 1.13"``.
        edges: The (source, node) edges this step reads.
        undefined: Why ``result`` is nan or ±inf; ``None`` when it is a finite number.
    """

    index: int
    node: str
    label: str
    kind: NodeKind
    op: str
    inputs: tuple[str, ...]
    input_values: tuple[float, ...]
    result: float
    rule: str
    formula: str
    edges: tuple[tuple[str, str], ...]
    undefined: Undefined | None = None


@dataclass(frozen=True)
class ChainTerm:
    """One path of the chain rule: ∂out/∂consumer · ∂consumer/∂node.

    Args:
        consumer: The node the gradient comes back from.
        position: Which input of ``consumer`` the node is (0 or 1).
        rule: The consumer op's local derivative rule for that input (``"∂tanh(u)/∂u = 1 − tanh²(u)"``).
        local: Its value.
        upstream: ∂out/∂consumer.
        product: ``upstream · local``.
    """

    consumer: str
    position: int
    rule: str
    local: float
    upstream: float
    product: float


@dataclass(frozen=True)
class BackwardStep:
    """One node's gradient ∂out/∂node: the sum of its chain-rule terms (one per consumer edge).

    Args:
        index: Position in the backward sequence (0 is the output itself, gradient 1).
        node: The node's id.
        label: Its drawn label.
        kind: The node's kind.
        terms: One :class:`ChainTerm` per edge into a consumer; empty for the output (the seed).
        grad: ∂out/∂node.
        formula: ``"∂L/∂tanh = ∂L/∂Y' · ∂Y'/∂tanh = −1.93 · 1 = −1.93"``.
        edges: The (node, consumer) edges whose gradients this step reads.
        undefined: Why ``grad`` is nan or ±inf; ``None`` when it is a finite number.
    """

    index: int
    node: str
    label: str
    kind: NodeKind
    terms: tuple[ChainTerm, ...]
    grad: float
    formula: str
    edges: tuple[tuple[str, str], ...]
    undefined: Undefined | None = None

    @property
    def rule(self) -> str:
        """The local derivative rule(s) used; ``"seed"`` for the output."""
        return "; ".join(dict.fromkeys(t.rule for t in self.terms)) or f"∂{self.node}/∂{self.node} = 1 (seed)"

    @property
    def local(self) -> float:
        """The local derivative when there is one term (a node with one consumer), else NaN."""
        return self.terms[0].local if len(self.terms) == 1 else float("nan")

    @property
    def upstream(self) -> float:
        """The upstream gradient when there is one term, else NaN."""
        return self.terms[0].upstream if len(self.terms) == 1 else float("nan")

    @property
    def product(self) -> float:
        """The chain-rule product (the sum of all terms' products: the node's gradient)."""
        return self.grad


def _one_row(graph: Graph, feeds: Mapping[str, Any]) -> dict[str, float]:
    for name, value in feeds.items():
        if np.ndim(value) != 0:
            raise ValueError(f"step-through works on one data row; {name!r} has shape {np.shape(value)}")
    return {k: float(v) for k, v in graph.values(feeds).items()}


def forward_steps(graph: Graph, feeds: Mapping[str, Any]) -> tuple[ForwardStep, ...]:
    """The forward pass of one row as one record per op node, in evaluation order."""
    values = _one_row(graph, feeds)
    undefined = explain_values(graph, values)
    steps: list[ForwardStep] = []
    for node_id in graph.order:
        node = graph.nodes[node_id]
        if node.op is None:
            continue
        op = OPS[node.op]
        args = tuple(values[i] for i in node.inputs)
        # Constants read as their number ("x1^2"), everything else by its id.
        names = [graph.nodes[i].label if graph.nodes[i].kind == "constant" else i for i in node.inputs]
        formula = f"{node_id} = {op.show(*names)} = {op.show(*map(fmt, args))} = {fmt(values[node_id])}"
        steps.append(
            ForwardStep(
                index=len(steps),
                node=node_id,
                label=node.label,
                kind=node.kind,
                op=node.op,
                inputs=node.inputs,
                input_values=args,
                result=values[node_id],
                rule=op.rule,
                formula=formula,
                edges=tuple((s, node_id) for s in dict.fromkeys(node.inputs)),
                undefined=undefined.get(node_id),
            )
        )
    return tuple(steps)


def backward_steps(graph: Graph, feeds: Mapping[str, Any]) -> tuple[BackwardStep, ...]:
    """The backward pass of one row: the output's seed, then every node that needs a gradient.

    Nodes come in reverse topological order, so every consumer's gradient is known before it is read.
    """
    values = _one_row(graph, feeds)
    undefined = explain_gradients(graph, values, graph.backward(values))
    out = graph.output
    grads: dict[str, float] = {out: 1.0}
    steps: list[BackwardStep] = [
        BackwardStep(0, out, graph.nodes[out].label, graph.nodes[out].kind, (), 1.0, f"∂{out}/∂{out} = 1", ())
    ]
    for node_id in reversed(graph.order):
        node = graph.nodes[node_id]
        if node_id == out or not graph.needs_grad(node_id):
            continue
        terms = []
        for consumer_id in graph.consumers(node_id):
            consumer = graph.nodes[consumer_id]
            assert consumer.op is not None  # consumers are op nodes by construction
            op = OPS[consumer.op]
            args = [ieee(values[i]) for i in consumer.inputs]
            for position, source in enumerate(consumer.inputs):
                if source != node_id:
                    continue
                with np.errstate(all="ignore"):  # IEEE: 1/0 is inf here too, never an exception
                    derivative = NUMPY_FUNCTIONS[consumer.op][1][position]
                    local = float(derivative(*args, out=ieee(values[consumer_id])))
                upstream = grads[consumer_id]
                terms.append(
                    ChainTerm(
                        consumer_id,
                        position,
                        op.derivative_rules[position],
                        local,
                        upstream,
                        upstream * local,
                    )
                )
        # Sum in the interpreter's order (last consumer first) so replayed numbers match bit for bit.
        total = np.float64(0.0)
        with np.errstate(all="ignore"):
            for consumer_id in reversed(dict.fromkeys(t.consumer for t in terms)):
                for term in terms:
                    if term.consumer == consumer_id:
                        total += term.product
        grads[node_id] = grad = float(total)
        steps.append(
            BackwardStep(
                index=len(steps),
                node=node_id,
                label=node.label,
                kind=node.kind,
                terms=tuple(terms),
                grad=grad,
                formula=_chain_formula(out, node_id, terms, grad),
                edges=tuple((node_id, c) for c in dict.fromkeys(t.consumer for t in terms)),
                undefined=undefined.get(node_id),
            )
        )
    return tuple(steps)


def _chain_formula(out: str, node_id: str, terms: list[ChainTerm], grad: float) -> str:
    symbolic = " + ".join(f"∂{out}/∂{t.consumer} · ∂{t.consumer}/∂{node_id}" for t in terms)
    numeric = " + ".join(f"{fmt(t.upstream)} · {fmt(t.local)}" for t in terms)
    return f"∂{out}/∂{node_id} = {symbolic} = {numeric} = {fmt(grad)}"
