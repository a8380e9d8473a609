"""A small computational-graph engine for the backprop lab.

Public API (see docs/api_backprop.md): :func:`parse_expression`, :func:`assignment_graph`,
:class:`Graph` (``evaluate``, ``values``, ``gradients``, ``node_gradients``, ``forward_steps``,
``backward_steps``), gradient checks, optimizers and the compiled fast path. Pure numpy/networkx:
importing it never imports TensorFlow or Qt.
"""

from __future__ import annotations

from engine.graph.builder import GraphBuilder
from engine.graph.checking import CheckRow, GradientCheck, check_nodes, check_weights, relative_difference
from engine.graph.codegen import CompiledGradient, compile_epoch
from engine.graph.graph import Graph, Node
from engine.graph.library import FEATURES, TARGET, WEIGHTS, assignment_graph
from engine.graph.ops import DERIVATIVE_RULES, OPS, Op
from engine.graph.optimizers import OPTIMIZER_NAMES, Optimizer, make_optimizer
from engine.graph.parser import ExpressionError, parse_expression
from engine.graph.race import Race, initial_weights
from engine.graph.steps import BackwardStep, ChainTerm, ForwardStep
from engine.graph.undefined import Undefined, explain_gradients, explain_values
from engine.graph.walkthrough import WalkState, Walkthrough

__all__ = [
    "DERIVATIVE_RULES",
    "FEATURES",
    "OPS",
    "OPTIMIZER_NAMES",
    "TARGET",
    "WEIGHTS",
    "BackwardStep",
    "ChainTerm",
    "CheckRow",
    "CompiledGradient",
    "ExpressionError",
    "ForwardStep",
    "GradientCheck",
    "Graph",
    "GraphBuilder",
    "Node",
    "Op",
    "Optimizer",
    "Race",
    "Undefined",
    "WalkState",
    "Walkthrough",
    "assignment_graph",
    "check_nodes",
    "check_weights",
    "compile_epoch",
    "explain_gradients",
    "explain_values",
    "initial_weights",
    "make_optimizer",
    "parse_expression",
    "relative_difference",
]
