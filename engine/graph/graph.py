"""The computational graph: immutable nodes in a networkx DiGraph, evaluated in topological order.

This is the interpreter path: one numpy call per node, which is what step-through, gradient checking
and the GUI need (every intermediate value and gradient, per node). Training runs compiled code from
:mod:`engine.graph.codegen` instead; the tests hold both paths to the same numbers.

Feeds are scalars (one data row) or numpy arrays (a batch, broadcasting like numpy); results are
per row, never summed. Both follow IEEE 754 alike: x/0 is ±inf, 0/0 and log(−1) are nan, exp(1000) is
inf, never an exception; :mod:`engine.graph.undefined` says where such a value arises and why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np

from engine.graph.ops import NUMPY_FUNCTIONS

if TYPE_CHECKING:
    from engine.graph.steps import BackwardStep, ForwardStep

NodeKind = Literal["input", "weight", "constant", "op", "output", "loss"]
#: A value at a node: a float for one row, a numpy array for a batch.
Value = Any

LEAF_KINDS: tuple[str, ...] = ("input", "weight", "constant")


@dataclass(frozen=True)
class Node:
    """One node of a graph, as the GUI draws it.

    Args:
        id: Unique name in its graph (``"w1"``, ``"exp"``, ``"Y'"``); formulas use it.
        kind: ``input``/``weight``/``constant`` leaves, or ``op``/``output``/``loss`` computations.
        label: Short text drawn in the node (``"×"``, ``"exp"``, ``"Y'"``).
        op: Op name (see :data:`engine.graph.ops.OPS`) for computations, ``None`` for leaves.
        inputs: Ids of the op's inputs, in argument order.
        value: A constant's value.
        generation: Topological generation (0 for leaves): the column of a left→right layout.
        expression: What the node computes, written over the leaves (``"w1·f1 + w2·f2"``); cut with
            ``…`` after :data:`engine.graph.builder.EXPRESSION_LIMIT` characters.
    """

    id: str
    kind: NodeKind
    label: str
    op: str | None = None
    inputs: tuple[str, ...] = ()
    value: float | None = None
    generation: int = 0
    expression: str = ""

    @property
    def is_leaf(self) -> bool:
        """Whether the node is an input, a weight or a constant."""
        return self.kind in LEAF_KINDS


class Graph:
    """An immutable computational graph with one output (usually the loss).

    Build one with :class:`GraphBuilder`, :func:`engine.graph.parse_expression` or
    :func:`engine.graph.assignment_graph`.

    Args:
        nodes: Every node by id, in a topological order (inputs before the ops reading them).
        output: The node whose value :meth:`evaluate` returns and whose gradients are computed.
        prediction: The model's prediction node (``Y'``), when the output is a loss. Defaults to none.
    """

    def __init__(self, nodes: Mapping[str, Node], output: str, prediction: str | None = None) -> None:
        self.nodes: Mapping[str, Node] = MappingProxyType(dict(nodes))
        self.output = output
        self.prediction = prediction
        self.order: tuple[str, ...] = tuple(nodes)
        # Leaves in natural order (w1, w2, …, w10), whatever order the figure added them in.
        self.inputs = tuple(sorted((n for n, node in nodes.items() if node.kind == "input"), key=_natural))
        self.weights = tuple(sorted((n for n, node in nodes.items() if node.kind == "weight"), key=_natural))
        self.constants = tuple(n for n, node in nodes.items() if node.kind == "constant")
        consumers: dict[str, list[str]] = {n: [] for n in nodes}
        for node in nodes.values():
            for source in dict.fromkeys(node.inputs):
                consumers[source].append(node.id)
        self._consumers = MappingProxyType({n: tuple(c) for n, c in consumers.items()})
        # A node needs a gradient when some input or weight lies upstream of it (constants never do).
        needs: dict[str, bool] = {}
        for node in nodes.values():
            needs[node.id] = node.kind in ("input", "weight") or any(needs[i] for i in node.inputs)
        self._needs_grad = MappingProxyType(needs)

    def __repr__(self) -> str:
        return f"Graph({len(self.nodes)} nodes, output={self.output!r})"

    @cached_property
    def nx(self) -> nx.DiGraph:
        """The graph as a frozen networkx DiGraph (edges from inputs to consumers), built on first use:
        evaluation and stepping walk :attr:`order`, and a 64,000-node graph need not pay for it."""
        digraph = nx.DiGraph()
        digraph.add_nodes_from(self.order)
        digraph.add_edges_from((s, node.id) for node in self.nodes.values() for s in node.inputs)
        return nx.freeze(digraph)

    @property
    def edges(self) -> tuple[tuple[str, str], ...]:
        """Every (source, consumer) edge, in topological order of the consumer."""
        return tuple((s, n) for n in self.order for s in dict.fromkeys(self.nodes[n].inputs))

    def consumers(self, node_id: str) -> tuple[str, ...]:
        """Ids of the nodes that read ``node_id``, in topological order."""
        return self._consumers[node_id]

    def needs_grad(self, node_id: str) -> bool:
        """Whether ``node_id`` depends on an input or weight (so has a gradient worth computing)."""
        return self._needs_grad[node_id]

    def layout(self) -> dict[str, tuple[int, int]]:
        """(column, row) per node for a left→right drawing.

        Columns are topological generations, except that a leaf sits one column left of its first
        consumer (so ``w6`` is drawn next to the ``+`` it feeds, as in the assignment's figure).
        Rows count nodes within a column in insertion order.
        """
        column: dict[str, int] = {}
        for node_id in self.order:
            node = self.nodes[node_id]
            if node.is_leaf:
                first = min((self.nodes[c].generation for c in self.consumers(node_id)), default=1)
                column[node_id] = max(first - 1, 0)
            else:
                column[node_id] = node.generation
        rows: dict[int, int] = {}
        result: dict[str, tuple[int, int]] = {}
        for node_id in self.order:
            col = column[node_id]
            result[node_id] = (col, rows.get(col, 0))
            rows[col] = rows.get(col, 0) + 1
        return result

    # --- evaluation ---------------------------------------------------------------------------

    def _leaf_values(self, feeds: Mapping[str, Any]) -> dict[str, Value]:
        needed = self.inputs + self.weights
        unknown = sorted(set(feeds) - set(needed))
        if unknown:
            raise ValueError(f"unknown feed {unknown[0]!r}; this graph reads: {', '.join(needed)}")
        missing = [name for name in needed if name not in feeds]
        if missing:
            raise ValueError(f"missing value for {missing[0]!r}; this graph reads: {', '.join(needed)}")
        values: dict[str, Value] = {}
        for name in needed:
            values[name] = ieee(feeds[name])
        for name in self.constants:
            values[name] = np.float64(self.nodes[name].value or 0.0)
        return values

    def values(
        self, feeds: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
    ) -> dict[str, Value]:
        """The value of every node, in topological order.

        Args:
            feeds: A value for every input and weight (scalars or broadcastable arrays).
            overrides: Node values to use instead of computing them; everything downstream is
                recomputed (per-node gradient checking perturbs nodes this way). Defaults to none.

        Raises:
            ValueError: A feed is missing or names no input/weight of this graph.
        """
        values = self._leaf_values(feeds)
        overrides = overrides or {}
        # Overflow to inf / nan is the honest answer for a diverging graph; numpy should not warn.
        with np.errstate(all="ignore"):
            for node_id in self.order:
                node = self.nodes[node_id]
                if node_id in overrides:
                    values[node_id] = ieee(overrides[node_id])
                elif node.op is not None:
                    forward = NUMPY_FUNCTIONS[node.op][0]
                    values[node_id] = forward(*(values[i] for i in node.inputs))
        return {n: _plain(values[n]) for n in self.order}

    def evaluate(self, feeds: Mapping[str, Any]) -> Value:
        """The output's value (one per row for array feeds)."""
        return self.values(feeds)[self.output]

    def backward(
        self, values: Mapping[str, Value], seed_node: str | None = None, seed: Value = 1.0
    ) -> dict[str, Value]:
        """Reverse-mode gradients of ``seed_node`` (default: the output) given every node's value.

        Args:
            values: From :meth:`values`.
            seed_node: Where the gradient starts. Defaults to the output.
            seed: ∂output/∂seed_node, e.g. ``dL/dY'`` when starting at the prediction. Defaults to 1.

        Returns:
            ∂output/∂node for every node that depends on an input or weight and feeds ``seed_node``.
        """
        start = seed_node or self.output
        grads: dict[str, Value] = {start: ieee(seed)}
        with np.errstate(all="ignore"):
            for node_id in reversed(self.order[: self.order.index(start) + 1]):
                node = self.nodes[node_id]
                if node_id not in grads or node.op is None:
                    continue
                upstream = grads[node_id]
                args = [ieee(values[i]) for i in node.inputs]
                derivatives = NUMPY_FUNCTIONS[node.op][1]
                for position, source in enumerate(node.inputs):
                    if not self._needs_grad[source]:
                        continue
                    term = upstream * derivatives[position](*args, out=ieee(values[node_id]))
                    grads[source] = grads[source] + term if source in grads else term
        return {n: _plain(g) for n, g in grads.items()}

    def node_gradients(self, feeds: Mapping[str, Any]) -> dict[str, Value]:
        """∂output/∂node for every node that needs one, per row (shaped like the output)."""
        values = self.values(feeds)
        grads = self.backward(values)
        shape = np.shape(values[self.output])
        return {n: _broadcast(grads[n], shape) for n in self.order if n in grads}

    def gradients(self, feeds: Mapping[str, Any], wrt: tuple[str, ...] | None = None) -> dict[str, Value]:
        """∂output/∂leaf for every input and weight (or just ``wrt``), per row.

        A leaf the output does not depend on gets 0.
        """
        values = self.values(feeds)
        grads = self.backward(values)
        shape = np.shape(values[self.output])
        names = wrt if wrt is not None else self.inputs + self.weights
        return {n: _broadcast(grads.get(n, 0.0), shape) for n in names}

    def forward_steps(self, feeds: Mapping[str, Any]) -> tuple[ForwardStep, ...]:
        """One immutable record per computed node, in evaluation order (one data row; see steps)."""
        from engine.graph.steps import forward_steps

        return forward_steps(self, feeds)

    def backward_steps(self, feeds: Mapping[str, Any]) -> tuple[BackwardStep, ...]:
        """One immutable record per node gradient, output first (one data row; see steps)."""
        from engine.graph.steps import backward_steps

        return backward_steps(self, feeds)


def _natural(name: str) -> tuple[str, int, str, str]:
    # Compares digit strings by length, then text: the order of their numbers, without int(), which
    # refuses more than 4,300 digits.
    match = re.fullmatch(r"(\D*)0*(\d+?)(\D.*)?", name)
    if match is None:
        return (name, -1, "", "")
    digits = match.group(2)
    return (match.group(1), len(digits), digits, match.group(3) or "")


def ieee(value: Any) -> Any:
    """A number as evaluation needs it: numpy float64 (scalars too), so that every operation follows
    IEEE 754 — plain Python floats raise ZeroDivisionError or OverflowError, or turn complex."""
    return np.float64(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float64)


def _plain(value: Any) -> Value:
    """0-d results as Python floats (so one-row answers print and compare as plain numbers)."""
    return float(value) if np.ndim(value) == 0 else value


def _broadcast(value: Value, shape: tuple[int, ...]) -> Value:
    return float(value) if shape == () else np.broadcast_to(value, shape).astype(np.float64)
