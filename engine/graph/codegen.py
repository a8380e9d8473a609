"""The compiled fast path: a graph turned once into straight-line Python code.

The interpreter (:class:`engine.graph.graph.Graph`) walks networkx nodes and dicts per call, which is
right for stepping but far too slow for 150,000 per-sample updates. Here the same op templates are
pasted into one function body, forward then reverse-mode backward, with three cheap compiler passes:

- common sub-expressions share one variable (the assignment's two identical ``+`` nodes become one),
- only gradients that reach a requested leaf are computed (no ∂L/∂f1 when training weights),
- multiplications by the constants 1 and −1 of ``+``/``−`` rules are left out.

Bound to ``math`` the code runs on floats (the per-sample training loop, optimizer update unrolled per
weight); bound to ``numpy`` it runs on whole batches.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.graph.graph import Graph, ieee
from engine.graph.ops import NUMPY_NAMESPACE, OPS, SCALAR_NAMESPACE, fill
from engine.graph.optimizers import Optimizer


@dataclass(frozen=True)
class Program:
    """Straight-line code for one graph.

    Args:
        input_vars: Variable per input id, in graph order.
        weight_vars: Variable per weight id, in graph order.
        forward: Statements computing every needed node.
        backward: Statements computing the requested gradients.
        output_var: The variable holding the output.
        grad_vars: Variable (or literal ``0.0``) holding ∂output/∂leaf, per requested leaf.
    """

    input_vars: Mapping[str, str]
    weight_vars: Mapping[str, str]
    forward: tuple[str, ...]
    backward: tuple[str, ...]
    output_var: str
    grad_vars: Mapping[str, str]


def generate(graph: Graph, wrt: Sequence[str], constant: Callable[[float], str] = repr) -> Program:
    """Straight-line forward and backward statements for ``graph``, with gradients for ``wrt``.

    ``constant`` writes a constant's value as code (a float literal by default).
    """
    var: dict[str, str] = {}
    input_vars = {n: f"x{i}" for i, n in enumerate(graph.inputs)}
    weight_vars = {n: f"p{i}" for i, n in enumerate(graph.weights)}
    var.update(input_vars)
    var.update(weight_vars)
    for n in graph.constants:
        var[n] = constant(float(graph.nodes[n].value or 0.0))
    # Forward, sharing identical (op, inputs) nodes.
    seen: dict[tuple[str, tuple[str, ...]], str] = {}
    forward: list[str] = []
    owner: dict[str, str] = {}  # variable -> representative node id
    aux_var: dict[str, str] = {}  # variable -> its op's intermediate
    for node_id in graph.order:
        node = graph.nodes[node_id]
        if node.op is None:
            owner.setdefault(var[node_id], node_id)
            continue
        args = tuple(var[i] for i in node.inputs)
        key = (node.op, tuple(sorted(args)) if OPS[node.op].commutative else args)
        if key in seen:
            var[node_id] = seen[key]
            continue
        var[node_id] = seen[key] = f"v{len(seen)}"
        owner[var[node_id]] = node_id
        op = OPS[node.op]
        if op.aux:  # e.g. the loss's (y − ŷ): computed once, read by the value and both derivatives
            aux_var[var[node_id]] = f"a{len(aux_var)}"
            forward.append(f"{aux_var[var[node_id]]} = {fill(op.aux, args)}")
        forward.append(f"{var[node_id]} = {fill(op.forward, args, aux_var=aux_var.get(var[node_id]))}")
    # Which variables lead to a requested leaf.
    needs: dict[str, bool] = {var[n]: True for n in wrt}
    for node_id in graph.order:
        node = graph.nodes[node_id]
        if node.op is not None:
            needs[var[node_id]] = needs.get(var[node_id], False) or any(
                needs.get(var[i], False) for i in node.inputs
            )
    # Backward over representative op nodes, latest first.
    grad: dict[str, str] = {var[graph.output]: "1.0"}
    backward: list[str] = []
    for node_id in reversed(graph.order):
        node = graph.nodes[node_id]
        out = var[node_id]
        # A shared variable is differentiated at its first node: every consumer of any copy is later.
        if node.op is None or owner[out] != node_id or out not in grad or not needs.get(out, False):
            continue
        args = tuple(var[i] for i in node.inputs)
        terms: Counter[tuple[str, str]] = Counter()
        for position, source in enumerate(args):
            if needs.get(source, False):
                local = fill(OPS[node.op].derivatives[position], args, out, aux_var=aux_var.get(out))
                terms[(source, _chain(grad[out], local))] += 1
        for (source, term), count in terms.items():
            term = term if count == 1 else f"{count}.0 * {term}"
            if source not in grad and term.isidentifier():
                grad[source] = term  # a plain copy (e.g. through "+"): reuse the variable
                continue
            # Accumulating writes a fresh variable (SSA), so a shared copy is never overwritten.
            previous = grad.get(source)
            grad[source] = f"g{len(backward) + 1}"
            backward.append(
                f"{grad[source]} = {term}" if previous is None else f"{grad[source]} = {previous} + {term}"
            )
    grad_vars = {n: grad.get(var[n], "0.0") for n in wrt}
    return Program(input_vars, weight_vars, tuple(forward), tuple(backward), var[graph.output], grad_vars)


def _chain(upstream: str, local: str) -> str:
    if upstream == "1.0":
        return local
    if local == "1.0":
        return upstream
    if local == "-1.0":
        return f"-{upstream}"
    return f"{upstream} * {local}" if local.isidentifier() else f"{upstream} * ({local})"


_TEMPORARY = re.compile(r"\b[vga]\d+\b")


def _free_early(lines: list[str], keep: Sequence[str] = ()) -> list[str]:
    """Insert ``del`` after each temporary's last read, as a hand-written numpy expression frees them.

    Only for the array path: holding every intermediate of a million-row batch until the function
    returns costs fresh memory (page faults) on each call; on floats a ``del`` would only cost time.
    """
    last_read: dict[str, int] = {}
    for index, line in enumerate(lines):
        expression = line.partition(" = ")[2]
        for name in _TEMPORARY.findall(expression):
            last_read[name] = index
    out = []
    for index, line in enumerate(lines):
        out.append(line)
        done = sorted(n for n, last in last_read.items() if last == index and n not in keep)
        if done:
            out.append(f"del {', '.join(done)}")
    return out


def _define(source: str, namespace: Mapping[str, Any], name: str) -> Callable[..., Any]:
    scope = dict(namespace)
    exec(compile(source, f"<compiled {name}>", "exec"), scope)  # generated from our own templates
    fn: Callable[..., Any] = scope[name]
    return fn


class CompiledGradient:
    """Vectorised value-and-gradient of a graph over a batch (numpy), compiled once.

    Calling it with feeds returns ``(mean output, {leaf: mean gradient})`` over the rows (``reduce``
    True), or per-row arrays (``reduce`` False). ``source`` holds the generated code for the curious.
    """

    def __init__(self, graph: Graph, wrt: Sequence[str] | None = None, reduce: bool = True) -> None:
        self.graph = graph
        self.wrt = tuple(wrt) if wrt is not None else graph.weights
        # Constants as float64 too: "1.0 / 0.0" between two Python literals would raise, not give inf.
        program = generate(graph, self.wrt, constant=lambda value: f"np.float64({value!r})")
        self._leaves = (*program.input_vars, *program.weight_vars)
        params = [*program.input_vars.values(), *program.weight_vars.values()]
        wrap = "np.mean({})" if reduce else "{}"
        results = "".join(f"{wrap.format(program.grad_vars[n])}, " for n in self.wrt)  # () when none
        returned = [program.output_var, *program.grad_vars.values()]
        body = _free_early([*program.forward, *program.backward], keep=returned)
        body.append(f"return {wrap.format(program.output_var)}, ({results})")
        self.source = f"def value_and_grad({', '.join(params)}):\n" + "".join(f"    {s}\n" for s in body)
        self._fn = _define(self.source, NUMPY_NAMESPACE, "value_and_grad")

    def __call__(self, feeds: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
        # float64 scalars and arrays: IEEE results (x/0 = inf) where Python floats would raise.
        with np.errstate(all="ignore"):
            value, grads = self._fn(*(ieee(feeds[n]) for n in self._leaves))
        return _plain(value), {n: _plain(g) for n, g in zip(self.wrt, grads, strict=True)}


def _plain(value: Any) -> Any:
    return float(value) if np.ndim(value) == 0 else value


#: ``epoch(rows, weights, slots, t, check) -> (loss_sum, weights, slots, t)``.
EpochFunction = Callable[..., tuple[float, list[float], dict[str, list[float]], int]]


def epoch_source(graph: Graph, optimizer: Optimizer) -> str:
    """Python source of one per-sample training epoch (batch size 1) for ``graph`` and ``optimizer``.

    The loop reads rows of input values (in ``graph.inputs`` order), runs forward, backward and the
    optimizer's update unrolled over the weights, calls ``check()`` once per step (cancellation) and
    returns the sum of the per-sample losses seen before each update.
    """
    program = generate(graph, graph.weights)
    weights = list(program.weight_vars.values())
    slot_vars = {s: [f"s_{s}_{i}" for i in range(len(weights))] for s in optimizer.rule.slots}
    lines = ["def epoch(rows, weights, slots, t, check):"]
    # Parenthesised targets stay valid Python with no names at all: "() = weights".
    lines.append(f"    ({''.join(w + ', ' for w in weights)}) = weights")
    lines += [f"    ({''.join(v + ', ' for v in names)}) = slots[{s!r}]" for s, names in slot_vars.items()]
    lines += [f"    {key} = {value!r}" for key, value in optimizer.hyper.items()]
    lines.append("    total = 0.0")
    lines.append(f"    for ({''.join(x + ', ' for x in program.input_vars.values())}) in rows:")
    body = ["check()", *program.forward, f"total += {program.output_var}", *program.backward, "t += 1"]
    body += list(optimizer.rule.per_step)
    for i, (name, w) in enumerate(program.weight_vars.items()):
        slots = {s: names[i] for s, names in slot_vars.items()}
        body += optimizer.weight_lines(w, program.grad_vars[name], slots)
    lines += [f"        {s}" for s in body]
    slots_out = ", ".join(f"{s!r}: [{', '.join(names)}]" for s, names in slot_vars.items())
    lines.append(f"    return total, [{', '.join(weights)}], {{{slots_out}}}, t")
    return "\n".join(lines) + "\n"


def compile_epoch(graph: Graph, optimizer: Optimizer) -> EpochFunction:
    """The per-sample epoch of :func:`epoch_source`, compiled against ``math`` (plain floats).

    Overflow raises ``OverflowError``/``ValueError`` (``math`` does not return inf): the race turns
    that into a "diverged" marker.
    """
    return _define(epoch_source(graph, optimizer), SCALAR_NAMESPACE, "epoch")
