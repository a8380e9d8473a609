"""Task 1 of the backprop assignment as exercises: sigmoid, the forward and backward passes, and
gradient checking, with the assignment's exact contracts (``engine.graph.assignment`` is our answer).

Hidden cases are rows of the embedded data (generated from its seed, so they are the same on every
machine) with the graders' ``w = 0.1`` everywhere and with random weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np

from engine.graph import assignment as ours
from engine.graph.checking import BUG_ABOVE, CORRECT_BELOW, relative_difference
from engine.graph.library import WEIGHTS
from engine.labs.backprop.data import generate_embedded
from engine.labs.backprop.localise import GradientCase, localise
from engine.practice import compare
from engine.practice.exercise import (
    Array,
    Case,
    CaseOutcome,
    Exercise,
    KnownMistake,
    Mismatch,
    Ref,
    takes_case,
)

FORWARD_KEYS = ("exp", "tanh", "sigmoid", "loss", "dl")
GRADIENT_KEYS = tuple(f"d{w}" for w in WEIGHTS)
_HERE = "engine.labs.backprop.exercises.passes"


@cache
def _rows() -> tuple[np.ndarray, np.ndarray]:
    return generate_embedded()


@cache
def _settings() -> tuple[tuple[np.ndarray, float, np.ndarray, str], ...]:
    """(x, y, w, label) of the hidden cases: the graders' setting, then random weights."""
    X, Y = _rows()
    rng = np.random.default_rng(15)
    settings = [(X[0], float(Y[0]), np.full(9, 0.1), "row 1, every weight 0.1 as the graders had it")]
    for row in (17, 123, 300, 505):
        settings.append((X[row], float(Y[row]), rng.normal(0.0, 0.5, 9), f"row {row + 1}, random weights"))
    return tuple(settings)


# --- sigmoid ------------------------------------------------------------------------------------


def _sigmoid_cases() -> list[Case]:
    return [Case((z,), label=f"z = {z:g}") for z in (2.0, 0.0, -3.5, 0.731, 12.0, -40.0)]


SIGMOID = Exercise(
    name="sigmoid",
    title="Sigmoid",
    signature="z",
    doc="σ(z) = 1 / (1 + e^(−z)) of a number z. sigmoid(2) is 0.8807970779778823.",
    reference=ours.sigmoid,
    cases=_sigmoid_cases,
    check=compare.number(rel=1e-9, abs_tol=1e-12),
    mistakes=(
        KnownMistake(
            "sigmoid_sign", "1 / (1 + e^z) gives 1 − σ(z): the exponent needs −z", lambda z: ours.sigmoid(-z)
        ),
    ),
)


# --- forward propagation --------------------------------------------------------------------------


def _forward_cases() -> list[Case]:
    return [Case((Array(x), y, Array(w)), label=label) for x, y, w, label in _settings()]


def _forward_with_plus(x: Any, y: float, w: Any) -> dict[str, float]:
    """The forward pass as a learner wrote it with ``w2 + x2`` typed for ``w2 * x2``."""
    f1, f2, f3, f4, f5 = np.asarray(x, dtype=np.float64)
    w1, w2, w3, w4, w5, w6, w7, w8, w9 = np.asarray(w, dtype=np.float64)
    part = w1 * f1 + (w2 + f2)
    exp = float(np.exp(part * part + w6))
    tanh = float(np.tanh(exp + w7))
    sigmoid = float(ours.sigmoid(np.sin(w3 * f3) * (w4 * f4 + w5 * f5) + w8))
    y_pred = tanh + w9 * sigmoid
    return {"exp": exp, "tanh": tanh, "sigmoid": sigmoid, "loss": (y - y_pred) ** 2, "dl": -2 * (y - y_pred)}


def _forward_dl_sign(x: Any, y: float, w: Any) -> dict[str, float]:
    d = ours.forward_propagation(x, y, w)
    return {**d, "dl": -d["dl"]}


FORWARD = Exercise(
    name="forward_propagation",
    title="Forward propagation",
    signature="x, y, w",
    doc="""The forward pass of one data row through the assignment's graph.

x: the row's five features f1..f5; y: its target; w: the nine weights (w[0] is w1).
Returns a dict with "exp", "tanh", "sigmoid" (those nodes' values), "loss" = (y − Y')²
and "dl" = dL/dY' = −2(y − Y').""",
    reference=ours.forward_propagation,
    cases=_forward_cases,
    check=compare.mapping(FORWARD_KEYS),
    mistakes=(
        KnownMistake(
            "plus_for_times", "w2 + x2 typed instead of w2 * x2 in the top branch", _forward_with_plus
        ),
        KnownMistake("dl_sign", "dl = 2(y − Y') has the wrong sign: dL/dY' = −2(y − Y')", _forward_dl_sign),
    ),
)


# --- backward propagation ---------------------------------------------------------------------------


def _forward_dict(x: Any, y: float, w: Any) -> dict[str, float]:
    d = ours.forward_propagation(x, y, w)
    return {key: d[key] for key in FORWARD_KEYS}


def backward_case(x: Any, y: float, w: Any, label: str, shown: bool = False) -> Case:
    """A ``backward_propagation`` case for row ``x`` (target ``y``) at weights ``w``."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    meta = {"y": float(y), "shown": shown}
    return Case((Array(x), Array(w), _forward_dict(x, y, w)), label=label, meta=meta)


def shown_cases(x: Any, y: float, w: Any) -> dict[str, list[Case]]:
    """Extra cases for the row and weights on the learner's screen, so the report can show their
    numbers there (the backprop tab passes these to :func:`engine.practice.grade_file`)."""
    return {"backward_propagation": [backward_case(x, y, w, "the row and weights on screen", shown=True)]}


def _backward_cases() -> list[Case]:
    return [backward_case(x, y, w, label) for x, y, w, label in _settings()]


def _backward_from_loss(x: Any, w: Any, d: Mapping[str, float]) -> dict[str, float]:
    return ours.backward_propagation(x, w, {**d, "dl": d["loss"]})


def _diagnose_backward(outcomes: Sequence[CaseOutcome]) -> dict[str, Any]:
    cases = []
    shown = None
    for index, outcome in enumerate(outcomes):
        x, w, _ = outcome.case.args
        feeds = ours.feeds_for(x.values, outcome.case.meta["y"], w.values)
        got = outcome.got if isinstance(outcome.got, dict) else {}
        cases.append(GradientCase(feeds, {k: got.get(k) for k in GRADIENT_KEYS}))
        if outcome.case.meta.get("shown"):
            shown = index
    return localise(cases, shown)


BACKWARD = Exercise(
    name="backward_propagation",
    title="Backward propagation",
    signature="x, w, d",
    doc="""dL/dw for all nine weights of one data row, by the chain rule.

x: the row's five features; w: the nine weights; d: what forward_propagation returned for
this row ("exp", "tanh", "sigmoid", "loss", "dl"). Start from d["dl"] = dL/dY'.
Returns a dict with "dw1" … "dw9".""",
    reference=ours.backward_propagation,
    cases=_backward_cases,
    check=compare.mapping(GRADIENT_KEYS),
    mistakes=(
        KnownMistake(
            "loss_as_upstream",
            "the loss L used instead of dL/dY' as the upstream gradient: every dw is scaled by L / dl",
            _backward_from_loss,
        ),
    ),
    diagnose=_diagnose_backward,
)


# --- gradient checking ------------------------------------------------------------------------------


def backward_wrong_tanh(x: Any, w: Any, d: Mapping[str, float]) -> dict[str, float]:
    """A stand-in backward pass with tanh' = 1 − tanh instead of 1 − tanh²: dw1, dw2, dw6, dw7 wrong."""
    right = ours.backward_propagation(x, w, d)
    tanh = d["tanh"]
    scale = (1.0 - tanh) / (1.0 - tanh * tanh)
    return {k: v * scale if k in ("dw1", "dw2", "dw6", "dw7") else v for k, v in right.items()}


def backward_dw9_doubled(x: Any, w: Any, d: Mapping[str, float]) -> dict[str, float]:
    """A stand-in backward pass whose dw9 is twice the right value (every other dw is right)."""
    right = ours.backward_propagation(x, w, d)
    return {**right, "dw9": 2.0 * right["dw9"]}


_STAND_INS = {
    None: {
        "forward_propagation": Ref(f"{_HERE}:_forward_ref"),
        "backward_propagation": Ref(f"{_HERE}:_backward_ref"),
    },
    "wrong tanh derivative": {
        "forward_propagation": Ref(f"{_HERE}:_forward_ref"),
        "backward_propagation": Ref(f"{_HERE}:backward_wrong_tanh"),
    },
    "dw9 doubled": {
        "forward_propagation": Ref(f"{_HERE}:_forward_ref"),
        "backward_propagation": Ref(f"{_HERE}:backward_dw9_doubled"),
    },
}
_forward_ref = ours.forward_propagation
_backward_ref = ours.backward_propagation


def _checking_cases() -> list[Case]:
    cases = []
    for (x, y, w, label), bug in zip(
        _settings(), (None, None, "wrong tanh derivative", None, "dw9 doubled"), strict=True
    ):
        words = f"{label}, our backward pass" if bug is None else f"{label}, a backward pass with a {bug}"
        cases.append(Case((Array(x), y, Array(w)), stand_ins=_STAND_INS[bug], label=words, meta={"bug": bug}))
    return cases


def _stand_in_gradients(case: Case) -> Any:
    forward = _resolve(case.stand_ins["forward_propagation"])
    backward = _resolve(case.stand_ins["backward_propagation"])
    return lambda x, y, w: backward(x, w, forward(x, y, w))


def _resolve(ref: Ref) -> Any:
    module, _, name = ref.path.partition(":")
    assert module == _HERE
    return globals()[name]


@takes_case
def _checking_reference(case: Case) -> float:
    x, y, w = case.args
    return ours.gradient_checking(x.values, y, w.values, grad_fn=_stand_in_gradients(case))


@takes_case
def _per_weight_ratio(case: Case) -> float:
    x, y, w = case.args
    grads = _stand_in_gradients(case)(x.values, y, w.values)
    check = ours.weight_check(x.values, y, w.values, grad_fn=lambda *_: grads)
    return max(relative_difference([row.analytic], [row.numeric]) for row in check.rows)


def _check_checking(case: Case, expected: Any, got: Any) -> Mismatch | None:
    if not compare.is_number(got):
        return Mismatch(f"returned {compare.show(got)}, expected a number")
    value, bug = float(got), case.meta.get("bug")
    if expected < CORRECT_BELOW:
        if value < CORRECT_BELOW:
            return None
        return Mismatch(
            f"reports {compare.show(value)} for correct gradients; the norm formula gives "
            f"{compare.show(expected)} (< {CORRECT_BELOW:g})",
            {"yours": value, "ours": expected},
        )
    if compare.close(expected, value, rel=1e-2):
        return None
    what = f"a backward pass with a {bug}" if bug else "these gradients"
    verdict = "flags the bug" if value > BUG_ABOVE else f"misses the bug (> {BUG_ABOVE:g} means a bug)"
    return Mismatch(
        f"reports {compare.show(value)} for {what} and {verdict}; the norm formula gives "
        f"{compare.show(expected)}",
        {"yours": value, "ours": expected},
    )


GRADIENT_CHECKING = Exercise(
    name="gradient_checking",
    title="Gradient checking",
    signature="x, y, w",
    doc="""Compare the analytic gradients with central differences for one data row.

Use your forward_propagation and backward_propagation; for each weight, g̃ = (L(w + ε) − L(w − ε)) / 2ε
with ε = 1e-7 (change one weight at a time, on a copy: never change w itself).
Returns ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂): below 1e-7 the gradients are right, above 1e-3 they have a bug.""",
    reference=_checking_reference,
    cases=_checking_cases,
    check=_check_checking,
    mistakes=(
        KnownMistake(
            "aliased_weights",
            "w_plus = w makes an alias, not a copy: the perturbation changes the caller's w",
            when_modifies_input=True,
        ),
        KnownMistake(
            "ratio_per_weight",
            "a ratio per weight instead of the norm formula over all nine",
            _per_weight_ratio,
        ),
    ),
)
