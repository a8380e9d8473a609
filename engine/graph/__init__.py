"""A small computational-graph engine for the backprop lab.

Public API (see docs/api_backprop.md): :func:`parse_expression`, :func:`assignment_graph`,
:class:`Graph` (``evaluate``, ``values``, ``gradients``, ``node_gradients``, ``forward_steps``,
``backward_steps``), gradient checks, optimizers and the compiled fast path. Pure numpy/networkx:
importing it never imports TensorFlow or Qt.
"""

from __future__ import annotations

from engine.graph.graph import Graph, GraphBuilder, Node
from engine.graph.library import FEATURES, TARGET, WEIGHTS, assignment_graph
from engine.graph.ops import DERIVATIVE_RULES, OPS, Op
from engine.graph.parser import ExpressionError, parse_expression
from engine.graph.steps import BackwardStep, ChainTerm, ForwardStep

__all__ = [
    "DERIVATIVE_RULES",
    "FEATURES",
    "OPS",
    "TARGET",
    "WEIGHTS",
    "BackwardStep",
    "ChainTerm",
    "ExpressionError",
    "ForwardStep",
    "Graph",
    "GraphBuilder",
    "Node",
    "Op",
    "assignment_graph",
    "parse_expression",
]
