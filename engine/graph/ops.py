"""The operations a computational graph can use, each described once as data.

An :class:`Op` holds its forward computation and one local derivative per input as small Python
expression templates over ``{a}``, ``{b}`` (the inputs) and ``{out}`` (the op's own value). The same
templates serve three paths, so a rule is written once:

- the interpreter (:mod:`engine.graph.graph`) evaluates them as numpy lambdas, one node at a time;
- the compiler (:mod:`engine.graph.codegen`) pastes them into straight-line code, scalar (``math``) or
  vectorised (``numpy``);
- the step-through records (:mod:`engine.graph.steps`) show the human-readable rules next to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np


def _np_relu(a: Any) -> Any:
    return np.maximum(a, 0.0)


def _np_step(a: Any) -> Any:
    # relu's derivative; 0 at a == 0 like most frameworks (the subgradient choice is arbitrary).
    return np.where(np.greater(a, 0.0), 1.0, 0.0)


def _py_relu(a: float) -> float:
    return a if a > 0.0 else 0.0


def _py_step(a: float) -> float:
    return 1.0 if a > 0.0 else 0.0


#: Names a template may call, bound to numpy (arrays, broadcasting; overflow gives inf, not errors).
NUMPY_NAMESPACE: Mapping[str, Any] = MappingProxyType(
    {
        "exp": np.exp,
        "log": np.log,
        "sin": np.sin,
        "cos": np.cos,
        "tanh": np.tanh,
        "sqrt": np.sqrt,
        "relu": _np_relu,
        "step": _np_step,
        "pow": np.power,
        "np": np,
        # Constants print as repr(float): a typed 1e999 is "inf" in generated code.
        "inf": math.inf,
        "nan": math.nan,
    }
)

#: The same names bound to ``math`` for plain floats: several times faster per call than numpy
#: scalars, which is what makes the per-sample compiled training loop fast.
SCALAR_NAMESPACE: Mapping[str, Any] = MappingProxyType(
    {
        "exp": math.exp,
        "log": math.log,
        "sin": math.sin,
        "cos": math.cos,
        "tanh": math.tanh,
        "sqrt": math.sqrt,
        "relu": _py_relu,
        "step": _py_step,
        "pow": math.pow,  # raises on a negative base with a fractional power, as the race expects
        "inf": math.inf,
        "nan": math.nan,
    }
)


@dataclass(frozen=True)
class Op:
    """One operation: how to compute it, differentiate it and explain it.

    Args:
        name: Identifier used in graphs (``"mul"``).
        symbol: Short label drawn in the node (``"×"``).
        forward: Expression template over ``{a}`` and ``{b}``.
        derivatives: One template per input: ∂out/∂input, over ``{a}``, ``{b}`` and ``{out}``.
        rule: The forward rule in words and symbols (``"u · v"``).
        derivative_rules: One human-readable rule per input (``"∂(u·v)/∂u = v"``).
        display: Formula template to show with values or names substituted for ``{a}``/``{b}``.
        commutative: Whether swapping the inputs gives the same value (lets the compiler share nodes).
        aux: An intermediate over ``{a}``/``{b}`` that ``forward`` and ``derivatives`` may use as
            ``{aux}``; the compiler computes it once per node, the interpreter inlines it.
            Defaults to none.
    """

    name: str
    symbol: str
    forward: str
    derivatives: tuple[str, ...]
    rule: str
    derivative_rules: tuple[str, ...]
    display: str
    commutative: bool = False
    aux: str = ""

    @property
    def arity(self) -> int:
        """How many inputs the op takes."""
        return len(self.derivatives)

    def show(self, *args: str) -> str:
        """The display formula with ``args`` (names or formatted numbers) in place of the inputs."""
        return self.display.format(**dict(zip("ab", args, strict=False)))


_OP_LIST: tuple[Op, ...] = (
    Op("add", "+", "{a} + {b}", ("1.0", "1.0"), "u + v", ("∂(u + v)/∂u = 1", "∂(u + v)/∂v = 1"),
       "{a} + {b}", commutative=True),
    Op("sub", "−", "{a} - {b}", ("1.0", "-1.0"), "u − v", ("∂(u − v)/∂u = 1", "∂(u − v)/∂v = −1"),
       "{a} − {b}"),
    Op("mul", "×", "{a} * {b}", ("{b}", "{a}"), "u · v", ("∂(u·v)/∂u = v", "∂(u·v)/∂v = u"),
       "{a} · {b}", commutative=True),
    Op("div", "÷", "{a} / {b}", ("1.0 / {b}", "-{out} / {b}"), "u / v",
       ("∂(u/v)/∂u = 1/v", "∂(u/v)/∂v = −u/v²"), "{a} / {b}"),
    # pow(), not **: numpy's ** takes a sqrt shortcut for arrays only, so (−inf) ** 0.5 was nan for a
    # batch and inf for one row; np.power gives the same answer to both.
    Op("pow", "^", "pow({a}, {b})", ("{b} * pow({a}, {b} - 1.0)", "{out} * log({a})"), "uⁿ",
       ("∂(uⁿ)/∂u = n·uⁿ⁻¹", "∂(uⁿ)/∂n = uⁿ·ln u"), "{a}^{b}"),
    Op("neg", "−", "-{a}", ("-1.0",), "−u", ("∂(−u)/∂u = −1",), "−{a}"),
    Op("exp", "exp", "exp({a})", ("{out}",), "eᵘ", ("∂eᵘ/∂u = eᵘ",), "exp({a})"),
    Op("log", "log", "log({a})", ("1.0 / {a}",), "ln u", ("∂ln(u)/∂u = 1/u",), "ln({a})"),
    Op("sin", "sin", "sin({a})", ("cos({a})",), "sin u", ("∂sin(u)/∂u = cos(u)",), "sin({a})"),
    Op("cos", "cos", "cos({a})", ("-sin({a})",), "cos u", ("∂cos(u)/∂u = −sin(u)",), "cos({a})"),
    Op("tanh", "tanh", "tanh({a})", ("1.0 - {out} * {out}",), "tanh u",
       ("∂tanh(u)/∂u = 1 − tanh²(u)",), "tanh({a})"),
    Op("sigmoid", "σ", "1.0 / (1.0 + exp(-{a}))", ("{out} * (1.0 - {out})",), "σ(u) = 1 / (1 + e⁻ᵘ)",
       ("∂σ(u)/∂u = σ(u)·(1 − σ(u))",), "σ({a})"),
    Op("relu", "relu", "relu({a})", ("step({a})",), "max(u, 0)",
       ("∂relu(u)/∂u = 1 if u > 0 else 0",), "relu({a})"),
    # Squared error L = (y − ŷ)²: inputs are (target, prediction), as the assignment writes it.
    Op("sqerr", "L", "{aux} * {aux}", ("2.0 * {aux}", "-2.0 * {aux}"),
       "(y − ŷ)²", ("∂(y − ŷ)²/∂y = 2(y − ŷ)", "∂(y − ŷ)²/∂ŷ = −2(y − ŷ)"), "({a} − {b})²",
       aux="{a} - {b}"),
)  # fmt: skip

#: Every op by name.
OPS: Mapping[str, Op] = MappingProxyType({op.name: op for op in _OP_LIST})

#: The functions the expression parser accepts: name → op name.
FUNCTIONS: Mapping[str, str] = MappingProxyType(
    {name: name for name in ("exp", "log", "sin", "cos", "tanh", "sigmoid", "relu")}
)

#: The assignment's panel of derivative rules, in its order: (name, rule).
DERIVATIVE_RULES: tuple[tuple[str, str], ...] = (
    ("identity", "dx/dx = 1"),
    ("product", "d(xy)/dx = y"),
    ("power", "d(xⁿ)/dx = n·xⁿ⁻¹"),
    ("sine", "d sin(x)/dx = cos(x)"),
    ("exponential", "d eˣ/dx = eˣ"),
    ("sigmoid", "σ'(x) = σ(x)·(1 − σ(x))"),
    ("tanh", "tanh'(x) = 1 − tanh²(x)"),
    ("chain rule", "d/dx f(u) = f'(u) · du/dx"),
)


def fill(
    template: str, args: tuple[str, ...], out: str = "out", aux: str = "", aux_var: str | None = None
) -> str:
    """A template with names (or literals) substituted for ``{a}``, ``{b}``, ``{out}`` and ``{aux}``.

    ``aux`` is the op's intermediate template: pasted in parentheses, or replaced by ``aux_var``
    when the caller computed it once into that variable.
    """
    names = dict(zip("ab", args, strict=False))
    aux_text = aux_var if aux_var is not None else f"({aux.format(**names)})"
    return template.format(out=out, aux=aux_text, **names)


def _lambda(template: str, aux: str) -> Callable[..., Any]:
    # Templates are our own constants (never user text), so compiling them is safe.
    source = f"lambda a=None, b=None, out=None: {fill(template, ('a', 'b'), aux=aux)}"
    fn: Callable[..., Any] = eval(source, dict(NUMPY_NAMESPACE))
    return fn


#: Numpy callables per op for the interpreter: ``(forward, (derivative per input, ...))``.
NUMPY_FUNCTIONS: Mapping[str, tuple[Callable[..., Any], tuple[Callable[..., Any], ...]]] = MappingProxyType(
    {
        op.name: (_lambda(op.forward, op.aux), tuple(_lambda(d, op.aux) for d in op.derivatives))
        for op in _OP_LIST
    }
)
