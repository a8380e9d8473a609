"""Optimizers as update rules written once, run both unrolled per weight and vectorised.

Each rule is a few Python statements over ``{w}`` (a weight), ``{g}`` (its gradient) and its slots
(``{m}``, ``{v}``, ``{s}``: per-weight state), plus per-step statements that may read the step count
``t`` (1 on the first update). The compiled training loop pastes them once per weight with plain
floats (:func:`engine.graph.codegen.compile_epoch`); :meth:`Optimizer.step` runs the same text on numpy
arrays for mini-batches.

Adam's bias correction uses the step count ``t``, not the epoch number (a known mistake in real
submissions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from engine.graph.ops import NUMPY_NAMESPACE


@dataclass(frozen=True)
class OptimizerRule:
    """How one optimizer updates a weight.

    Args:
        name: Id used in params and metric names (``adam`` → ``loss_adam``).
        title: Name for people.
        defaults: Hyper-parameters and their default values.
        slots: Per-weight state variables, all starting at 0.
        per_step: Statements run once per update (may read ``t`` and the hyper-parameters).
        per_weight: Statements run for each weight (``{w}``, ``{g}`` and the slots as placeholders).
        formula: The update in mathematical notation, for the GUI.
    """

    name: str
    title: str
    defaults: Mapping[str, float]
    slots: tuple[str, ...]
    per_step: tuple[str, ...]
    per_weight: tuple[str, ...]
    formula: str


RULES: Mapping[str, OptimizerRule] = MappingProxyType(
    {
        rule.name: rule
        for rule in (
            OptimizerRule("sgd", "Vanilla SGD", {"lr": 0.001}, (), (),
                          ("{w} = {w} - lr * {g}",), "w ← w − η·g"),
            OptimizerRule("momentum", "Momentum", {"lr": 0.001, "mu": 0.9}, ("v",), (),
                          ("{v} = mu * {v} - lr * {g}", "{w} = {w} + {v}"), "v ← μv − η·g;  w ← w + v"),
            # Nesterov in the look-ahead-free form (Sutskever; Keras/PyTorch): same iterates, one gradient.
            OptimizerRule("nesterov", "Nesterov momentum", {"lr": 0.001, "mu": 0.9}, ("v",), (),
                          ("{v} = mu * {v} - lr * {g}", "{w} = {w} + mu * {v} - lr * {g}"),
                          "v ← μv − η·g;  w ← w + μv − η·g"),
            OptimizerRule("adagrad", "Adagrad", {"lr": 0.01, "eps": 1e-8}, ("s",), (),
                          ("{s} = {s} + {g} * {g}", "{w} = {w} - lr * {g} / (sqrt({s}) + eps)"),
                          "s ← s + g²;  w ← w − η·g / (√s + ε)"),
            OptimizerRule("rmsprop", "RMSProp", {"lr": 0.001, "rho": 0.9, "eps": 1e-8}, ("s",), (),
                          ("{s} = rho * {s} + (1.0 - rho) * {g} * {g}",
                           "{w} = {w} - lr * {g} / (sqrt({s}) + eps)"),
                          "s ← ρs + (1 − ρ)g²;  w ← w − η·g / (√s + ε)"),
            OptimizerRule("adam", "Adam", {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
                          ("m", "v"), ("c1 = 1.0 - beta1 ** t", "c2 = 1.0 - beta2 ** t"),
                          ("{m} = beta1 * {m} + (1.0 - beta1) * {g}",
                           "{v} = beta2 * {v} + (1.0 - beta2) * {g} * {g}",
                           "{w} = {w} - lr * ({m} / c1) / (sqrt({v} / c2) + eps)"),
                          "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  "
                          "w ← w − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)"),
        )
    }
)  # fmt: skip

#: Optimizer names in menu order.
OPTIMIZER_NAMES: tuple[str, ...] = tuple(RULES)


@dataclass(frozen=True)
class Optimizer:
    """An optimizer rule with its hyper-parameter values; make one with :func:`make_optimizer`."""

    rule: OptimizerRule
    hyper: Mapping[str, float]
    _step: Callable[..., Any] = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @property
    def name(self) -> str:
        """The rule's name (``adam``)."""
        return self.rule.name

    def weight_lines(self, w: str, g: str, slots: Mapping[str, str]) -> list[str]:
        """The per-weight statements with variable names filled in."""
        return [line.format(w=w, g=g, **slots) for line in self.rule.per_weight]

    def initial_state(self, n_weights: int) -> dict[str, np.ndarray]:
        """Zeroed slots for ``n_weights`` weights."""
        return {slot: np.zeros(n_weights) for slot in self.rule.slots}

    def step(
        self, weights: np.ndarray, grads: np.ndarray, state: dict[str, np.ndarray], t: int
    ) -> np.ndarray:
        """One update of all weights at once (vectorised): returns the new weights, updates ``state``.

        Args:
            weights: Current weights.
            grads: Their gradients.
            state: From :meth:`initial_state`; updated in place.
            t: The step count including this update (1 on the first).
        """
        new_weights, new_state = self._step(weights, grads, t, *(state[s] for s in self.rule.slots))
        for slot, value in zip(self.rule.slots, new_state, strict=True):
            state[slot] = value
        return np.asarray(new_weights, dtype=np.float64)


def make_optimizer(name: str, **hyper: float) -> Optimizer:
    """An optimizer by name with hyper-parameters overriding its defaults.

    Raises:
        ValueError: Unknown optimizer or hyper-parameter, or a value out of range.
    """
    if name not in RULES:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(RULES)}")
    rule = RULES[name]
    unknown = sorted(set(hyper) - set(rule.defaults))
    if unknown:
        raise ValueError(f"{name} has no hyper-parameter {unknown[0]!r}; it has: {', '.join(rule.defaults)}")
    values = {**rule.defaults, **{k: float(v) for k, v in hyper.items()}}
    for key, value in values.items():
        upper_open = key in ("mu", "rho", "beta1", "beta2")
        if not (value > 0 or (value == 0 and upper_open)) or (upper_open and value >= 1):
            bound = "in [0, 1)" if upper_open else "positive"
            raise ValueError(f"{name}: {key} must be {bound}, got {value}")
    return Optimizer(rule, MappingProxyType(values), _compile_numpy_step(rule, values))


def _compile_numpy_step(rule: OptimizerRule, hyper: Mapping[str, float]) -> Callable[..., Any]:
    slots = {s: s for s in rule.slots}
    lines = [f"def step(w, g, t, {''.join(s + ', ' for s in rule.slots)}):"]
    lines += [f"    {key} = {value!r}" for key, value in hyper.items()]
    lines += [f"    {line}" for line in rule.per_step]
    lines += [f"    {line.format(w='w', g='g', **slots)}" for line in rule.per_weight]
    lines.append(f"    return w, ({''.join(s + ', ' for s in rule.slots)})")
    namespace = dict(NUMPY_NAMESPACE)
    exec("\n".join(lines), namespace)  # our own templates and float literals only
    fn: Callable[..., Any] = namespace["step"]
    return fn
