"""Building graphs node by node: :class:`GraphBuilder` checks each addition and freezes the result."""

from __future__ import annotations

from dataclasses import replace

from engine.graph.graph import Graph, Node, NodeKind
from engine.graph.ops import OPS

#: The longest ``Node.expression`` kept, in characters. Each node's text is built from its inputs'
#: (already capped) texts, so building a graph stays linear in its size: a long typed sum would
#: otherwise store every prefix of itself (32,000 terms: 14 s and 5 GB).
EXPRESSION_LIMIT = 160


class GraphBuilder:
    """Adds nodes one at a time (inputs before consumers) and freezes them into a :class:`Graph`."""

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._counts: dict[str, int] = {}

    def _add(self, node: Node) -> str:
        if node.id in self._nodes:
            raise ValueError(f"node id {node.id!r} is used twice")
        self._nodes[node.id] = node
        return node.id

    def input(self, name: str, label: str | None = None) -> str:
        """Add a data input (a feature or the target) and return its id."""
        return self._add(Node(name, "input", label or name, expression=name))

    def weight(self, name: str, label: str | None = None) -> str:
        """Add a trainable weight and return its id."""
        return self._add(Node(name, "weight", label or name, expression=name))

    def constant(self, value: float, node_id: str | None = None) -> str:
        """Add a constant number and return its id."""
        text = f"{value:g}"
        return self._add(
            Node(node_id or self._fresh("const"), "constant", text, value=float(value), expression=text)
        )

    def op(
        self,
        op: str,
        *inputs: str,
        node_id: str | None = None,
        label: str | None = None,
        kind: NodeKind = "op",
    ) -> str:
        """Add an op node reading ``inputs`` (ids already added) and return its id.

        Raises:
            ValueError: Unknown op, wrong number of inputs, or an input id not added yet.
        """
        if op not in OPS:
            raise ValueError(f"unknown op {op!r}; known: {', '.join(OPS)}")
        spec = OPS[op]
        if len(inputs) != spec.arity:
            raise ValueError(f"{op} takes {spec.arity} input(s), got {len(inputs)}")
        for source in inputs:
            if source not in self._nodes:
                raise ValueError(f"{op} reads {source!r}, which is not in the graph yet")
        # Function-style ops bring their own parentheses; infix ops wrap compound operands.
        function_style = spec.display[0].isalpha()
        shown = spec.show(
            *(
                self._nodes[s].expression if function_style else _wrap(self._nodes[s].expression)
                for s in inputs
            )
        )
        # Inputs come first, so each node's topological generation (networkx's definition: the longest
        # path from a leaf) is known now; build() then needs no graph traversal for the layout.
        generation = 1 + max(self._nodes[s].generation for s in inputs)
        node = Node(
            node_id or self._fresh(op),
            kind,
            label or spec.symbol,
            op,
            tuple(inputs),
            generation=generation,
            expression=_cap(shown),
        )
        return self._add(node)

    def node(self, node_id: str) -> Node:
        """A node added so far."""
        return self._nodes[node_id]

    def promote(self, node_id: str, new_id: str, kind: NodeKind, label: str | None = None) -> str:
        """Rename the most recently added node and change its kind (e.g. to ``output``).

        Raises:
            ValueError: ``node_id`` is not the last node added (another node may read it).
        """
        if next(reversed(self._nodes)) != node_id:
            raise ValueError(f"only the last node added can be promoted, not {node_id!r}")
        old = self._nodes.pop(node_id)
        return self._add(replace(old, id=new_id, kind=kind, label=label or old.label))

    def _fresh(self, prefix: str) -> str:
        while True:
            self._counts[prefix] = self._counts.get(prefix, 0) + 1
            candidate = f"{prefix}{self._counts[prefix]}"
            if candidate not in self._nodes:
                return candidate

    def build(self, output: str, prediction: str | None = None) -> Graph:
        """Freeze the graph; every node must feed ``output``.

        Raises:
            ValueError: ``output`` is unknown, or a node does not reach it.
        """
        if output not in self._nodes:
            raise ValueError(f"output {output!r} is not in the graph")
        # One sweep back from the output (nodes were added inputs-first): what it never reaches is stray.
        feeding = {output}
        for node in reversed(self._nodes.values()):
            if node.id in feeding:
                feeding.update(node.inputs)
        stray = [n for n in self._nodes if n not in feeding]
        if stray:
            raise ValueError(f"node {stray[0]!r} does not feed the output {output!r}")
        return Graph(self._nodes, output, prediction)


def _cap(expression: str) -> str:
    return expression if len(expression) <= EXPRESSION_LIMIT else expression[: EXPRESSION_LIMIT - 1] + "…"


def _wrap(expression: str) -> str:
    # Parenthesise compound sub-expressions so "(w1·f1 + w2·f2) · (…)" reads unambiguously.
    return f"({expression})" if " " in expression else expression
