"""A cursor over one row's forward and backward steps, for step-through views.

The GUI's Forward step / Back / Reset buttons move the cursor; :meth:`Walkthrough.state` says what is
known at that point (node values after their forward step, gradients after their backward step) and
which node and edges are active. The records themselves are immutable; only the position moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from engine.graph.graph import Graph
from engine.graph.steps import BackwardStep, ForwardStep
from engine.graph.undefined import Undefined, explain_values

Phase = Literal["start", "forward", "backward", "done"]


@dataclass(frozen=True)
class WalkState:
    """What the view shows after ``position`` steps.

    Args:
        position: Steps taken, 0 … ``total``.
        total: Forward plus backward steps.
        phase: ``start`` (nothing computed), ``forward``, ``backward`` or ``done``.
        step: The step just taken (``None`` at the start).
        values: Node values known so far (leaves are always known).
        grads: Gradients known so far.
        active_node: The node of ``step``, if any.
        active_edges: The edges ``step`` read.
        undefined_values: Why a known value is nan or ±inf, per node (only those).
        undefined_grads: Why a known gradient is nan or ±inf, per node (only those).
    """

    position: int
    total: int
    phase: Phase
    step: ForwardStep | BackwardStep | None
    values: Mapping[str, float]
    grads: Mapping[str, float]
    active_node: str | None
    active_edges: tuple[tuple[str, str], ...]
    undefined_values: Mapping[str, Undefined] = field(default_factory=lambda: MappingProxyType({}))
    undefined_grads: Mapping[str, Undefined] = field(default_factory=lambda: MappingProxyType({}))


class Walkthrough:
    """Step through one row of ``graph``: all forward steps, then all backward steps.

    Args:
        graph: The graph.
        feeds: Scalar values for every input and weight (one data row).
    """

    def __init__(self, graph: Graph, feeds: Mapping[str, Any]) -> None:
        self.graph = graph
        self.forward_steps = graph.forward_steps(feeds)
        self.backward_steps = graph.backward_steps(feeds)
        self.steps: tuple[ForwardStep | BackwardStep, ...] = (*self.forward_steps, *self.backward_steps)
        values = graph.values(feeds)
        self._leaves = {n: float(values[n]) for n in graph.order if graph.nodes[n].is_leaf}
        #: Every node whose value is nan or ±inf at this row, and why (also before its step).
        self.undefined_values = explain_values(graph, values)
        #: Every node whose gradient is nan or ±inf at this row, and why.
        self.undefined_grads = {s.node: s.undefined for s in self.backward_steps if s.undefined is not None}
        self.position = 0

    @property
    def total(self) -> int:
        """Number of steps (forward and backward)."""
        return len(self.steps)

    def step_forward(self) -> WalkState:
        """Take the next step (stays at the end when done)."""
        return self.seek(self.position + 1)

    def step_back(self) -> WalkState:
        """Undo the last step (stays at the start)."""
        return self.seek(self.position - 1)

    def reset(self) -> WalkState:
        """Back to the start: only the leaves are known."""
        return self.seek(0)

    def seek(self, position: int) -> WalkState:
        """Jump to ``position`` (clamped to 0 … total)."""
        self.position = max(0, min(position, self.total))
        return self.state()

    def state(self) -> WalkState:
        """What is known at the current position."""
        n_forward = len(self.forward_steps)
        done_forward = self.forward_steps[: min(self.position, n_forward)]
        done_backward = self.backward_steps[: max(0, self.position - n_forward)]
        values = dict(self._leaves)
        values.update({s.node: s.result for s in done_forward})
        grads = {s.node: s.grad for s in done_backward}
        step = self.steps[self.position - 1] if self.position else None
        if self.position == 0:
            phase: Phase = "start"
        elif self.position == self.total:
            phase = "done"
        else:
            phase = "forward" if self.position <= n_forward else "backward"
        return WalkState(
            position=self.position,
            total=self.total,
            phase=phase,
            step=step,
            values=MappingProxyType(values),
            grads=MappingProxyType(grads),
            active_node=step.node if step else None,
            active_edges=step.edges if step else (),
            undefined_values=MappingProxyType(
                {n: u for n, u in self.undefined_values.items() if n in values}
            ),
            undefined_grads=MappingProxyType({n: u for n, u in self.undefined_grads.items() if n in grads}),
        )
