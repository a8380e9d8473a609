"""Task 2 of the backprop assignment as exercises: one update of SGD, momentum (μ = 0.9) and Adam,
and the training loop whose step counter Adam's bias correction needs.

Each update takes the weights, their gradient and the optimizer's state as numpy arrays and returns
new arrays (it never changes the ones it was given). Our answers come from the race's own update
rules (:func:`engine.graph.make_optimizer`), so the exercises and the optimizer race agree.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from engine.graph import assignment as ours
from engine.graph import make_optimizer
from engine.labs.backprop.data import generate_embedded
from engine.practice import compare
from engine.practice.exercise import Array, Case, Exercise, KnownMistake, Ref

_HERE = "engine.labs.backprop.exercises.updates"
TRAIN_ROWS, TRAIN_EPOCHS = 12, 3


def _draws(count: int, seed: int) -> list[tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0, 0.5, 9), rng.normal(0, 2.0, 9), rng.normal(0, 0.3, 9), rng.random(9))
        for _ in range(count)
    ]


# --- SGD --------------------------------------------------------------------------------------------


def sgd_update(w: Any, g: Any, lr: float) -> np.ndarray:
    """Our answer: w ← w − η·g."""
    return make_optimizer("sgd", lr=lr).step(np.array(w, dtype=np.float64), np.asarray(g), {}, 1)


def _sgd_cases() -> list[Case]:
    rates = (0.001, 0.01, 0.1, 0.5)
    return [
        Case((Array(w), Array(g), lr), label=f"η = {lr:g}")
        for (w, g, _, _), lr in zip(_draws(4, 1), rates, strict=True)
    ]


SGD = Exercise(
    name="sgd_update",
    title="SGD update",
    signature="w, g, lr",
    doc="""One step of vanilla SGD: returns the new weights w − lr·g (a new array; w stays unchanged).""",
    reference=sgd_update,
    cases=_sgd_cases,
    check=compare.arrays(("w",)),
    mistakes=(
        KnownMistake(
            "sgd_ascent", "w + lr·g climbs the loss: step against the gradient", lambda w, g, lr: w + lr * g
        ),
    ),
)


# --- momentum ------------------------------------------------------------------------------------------


def momentum_update(w: Any, g: Any, v: Any, lr: float, mu: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Our answer: v ← μv − η·g; w ← w + v."""
    state = {"v": np.array(v, dtype=np.float64)}
    new_w = make_optimizer("momentum", lr=lr, mu=mu).step(
        np.array(w, dtype=np.float64), np.asarray(g), state, 1
    )
    return new_w, state["v"]


def _momentum_cases() -> list[Case]:
    cases = []
    for index, (w, g, v, _) in enumerate(_draws(4, 2)):
        velocity = v if index else np.zeros(9)
        words = "first step (v = 0)" if index == 0 else "a later step"
        cases.append(
            Case((Array(w), Array(g), Array(velocity), 0.01), {"mu": 0.9}, label=f"{words}, η = 0.01")
        )
    return cases


def _momentum_opposite_velocity(w: Any, g: Any, v: Any, lr: float, mu: float = 0.9) -> tuple[Any, Any]:
    velocity = mu * (-np.asarray(v)) + lr * np.asarray(g)
    return np.asarray(w) - velocity, velocity


def _momentum_old_velocity(w: Any, g: Any, v: Any, lr: float, mu: float = 0.9) -> tuple[Any, Any]:
    return np.asarray(w) + np.asarray(v), mu * np.asarray(v) - lr * np.asarray(g)


MOMENTUM = Exercise(
    name="momentum_update",
    title="Momentum update",
    signature="w, g, v, lr, mu=0.9",
    doc="""One step of SGD with momentum: v_new = mu·v − lr·g, then w_new = w + v_new.

v is the velocity from the previous step (zeros before the first). Returns (w_new, v_new).""",
    reference=momentum_update,
    cases=_momentum_cases,
    check=compare.arrays(("w_new", "v_new")),
    mistakes=(
        KnownMistake(
            "velocity_sign",
            "v = μv + η·g with w − v moves the same way, but returns −v: the contract's v is μv − η·g",
            _momentum_opposite_velocity,
        ),
        KnownMistake(
            "stale_velocity",
            "w moved with the previous step's velocity instead of the new one",
            _momentum_old_velocity,
        ),
    ),
)


# --- Adam -----------------------------------------------------------------------------------------------


def adam_update(
    w: Any,
    g: Any,
    m: Any,
    v: Any,
    t: int,
    lr: float = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Our answer: the race's Adam rule with bias correction by the step count ``t``."""
    state = {"m": np.array(m, dtype=np.float64), "v": np.array(v, dtype=np.float64)}
    optimizer = make_optimizer("adam", lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    new_w = optimizer.step(np.array(w, dtype=np.float64), np.asarray(g, dtype=np.float64), state, int(t))
    return new_w, state["m"], state["v"]


def _adam_cases() -> list[Case]:
    cases = []
    for index, ((w, g, m, v), t) in enumerate(zip(_draws(5, 3), (1, 2, 7, 50, 1000), strict=True)):
        moments = (np.zeros(9), np.zeros(9)) if index == 0 else (m, v * 0.1)
        cases.append(
            Case(
                (Array(w), Array(g), Array(moments[0]), Array(moments[1]), t), {"lr": 0.01}, label=f"t = {t}"
            )
        )
    return cases


def _adam_no_correction(
    w: Any, g: Any, m: Any, v: Any, t: int, lr: float = 0.001, **_: Any
) -> tuple[Any, ...]:
    m = 0.9 * np.asarray(m) + 0.1 * np.asarray(g)
    v = 0.999 * np.asarray(v) + 0.001 * np.asarray(g) ** 2
    return np.asarray(w) - lr * m / (np.sqrt(v) + 1e-8), m, v


MOMENT_NAMES = ("w_new", "m_new", "v_new")
ADAM = Exercise(
    name="adam_update",
    title="Adam update",
    signature="w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8",
    doc="""One step of Adam. m, v: the moment estimates (zeros before the first step); t: the number
of this update, counting every update so far (1 on the very first, never reset per epoch).

m_new = beta1·m + (1 − beta1)·g;  v_new = beta2·v + (1 − beta2)·g²
w_new = w − lr · (m_new / (1 − beta1^t)) / (sqrt(v_new / (1 − beta2^t)) + eps)
Returns (w_new, m_new, v_new).""",
    reference=adam_update,
    cases=_adam_cases,
    check=compare.arrays(MOMENT_NAMES),
    mistakes=(
        KnownMistake(
            "adam_no_bias_correction", "no bias correction: m and v used as they are", _adam_no_correction
        ),
    ),
)


# --- the training loop ---------------------------------------------------------------------------------


@cache
def _training_rows() -> tuple[np.ndarray, np.ndarray]:
    X, y = generate_embedded()
    return X[:TRAIN_ROWS], y[:TRAIN_ROWS]


def row_gradient(w: Any, row: int) -> np.ndarray:
    """dL/dw of the assignment's loss on embedded data row ``row`` (0-based): the loop's gradient."""
    X, y = _training_rows()
    grads = ours.backward_propagation(X[row], w, ours.forward_propagation(X[row], float(y[row]), w))
    return np.array([grads[f"dw{i}"] for i in range(1, 10)])


def _train(w: Any, gradient: Any, rows: int, epochs: int, lr: float, step_number: Any) -> np.ndarray:
    weights = np.array(w, dtype=np.float64)
    m, v = np.zeros_like(weights), np.zeros_like(weights)
    t = 0
    for epoch in range(1, epochs + 1):
        for row in range(rows):
            t += 1
            weights, m, v = adam_update(weights, gradient(weights, row), m, v, step_number(t, epoch, row), lr)
    return weights


def train_adam(w: Any, gradient: Any, rows: int, epochs: int, lr: float = 0.001) -> np.ndarray:
    """Our answer: the loop with ``t`` counting every update."""
    return _train(w, gradient, rows, epochs, lr, lambda t, epoch, row: t)


def _train_cases() -> list[Case]:
    rng = np.random.default_rng(4)
    gradient = Ref(f"{_HERE}:row_gradient")
    ours_adam = {"adam_update": Ref(f"{_HERE}:adam_update")}
    return [
        Case(
            (Array(rng.normal(0, 0.01, 9)), gradient, TRAIN_ROWS, TRAIN_EPOCHS),
            {"lr": lr},
            stand_ins=ours_adam,
            label=f"{TRAIN_EPOCHS} epochs × {TRAIN_ROWS} rows, η = {lr:g}",
        )
        for lr in (0.01, 0.05)
    ]


TRAIN_ADAM = Exercise(
    name="train_adam",
    title="Training with Adam",
    signature="w, gradient, rows, epochs, lr=0.001",
    doc="""Train with Adam, batch size 1: for each epoch, for each row r in 0 … rows − 1,
g = gradient(w, r), then one adam_update (yours) with the right step number t.
Start with m = v = zeros; returns the final weights.""",
    reference=train_adam,
    cases=_train_cases,
    check=compare.arrays(("w",), rel=1e-9),
    mistakes=(
        KnownMistake(
            "adam_epoch_correction",
            "bias correction with the epoch number instead of the step number t",
            lambda w, gradient, rows, epochs, lr=0.001: _train(
                w, gradient, rows, epochs, lr, lambda t, e, r: e
            ),
        ),
        KnownMistake(
            "adam_step_reset",
            "t restarted at 1 every epoch: it must count every update",
            lambda w, gradient, rows, epochs, lr=0.001: _train(
                w, gradient, rows, epochs, lr, lambda t, e, r: r + 1
            ),
        ),
    ),
)
