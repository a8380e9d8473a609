"""Optimizers against independent textbook implementations; the two training paths agree."""

from __future__ import annotations

import numpy as np
import pytest

from engine.graph import OPTIMIZER_NAMES, Race, assignment_graph, make_optimizer


def reference_updates(name: str, w: np.ndarray, grads: list[np.ndarray]) -> np.ndarray:
    """Straightforward per-formula loops, written independently of the templates."""
    w = w.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if name == "sgd":
            w = w - 0.01 * g
        elif name == "momentum":
            v = 0.8 * v - 0.01 * g
            w = w + v
        elif name == "nesterov":
            v = 0.8 * v - 0.01 * g
            w = w + 0.8 * v - 0.01 * g
        elif name == "adagrad":
            v = v + g**2
            w = w - 0.01 * g / (np.sqrt(v) + 1e-8)
        elif name == "rmsprop":
            v = 0.8 * v + 0.2 * g**2
            w = w - 0.01 * g / (np.sqrt(v) + 1e-8)
        elif name == "adam":
            m = 0.8 * m + 0.2 * g
            v = 0.95 * v + 0.05 * g**2
            m_hat, v_hat = m / (1 - 0.8**t), v / (1 - 0.95**t)
            w = w - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    return w


HYPER = {
    "sgd": {"lr": 0.01},
    "momentum": {"lr": 0.01, "mu": 0.8},
    "nesterov": {"lr": 0.01, "mu": 0.8},
    "adagrad": {"lr": 0.01, "eps": 1e-8},
    "rmsprop": {"lr": 0.01, "rho": 0.8, "eps": 1e-8},
    "adam": {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-8},
}


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_vectorised_step_matches_the_textbook_formula(name):
    rng = np.random.default_rng(1)
    w0 = rng.normal(size=4)
    grads = [rng.normal(size=4) for _ in range(6)]
    optimizer = make_optimizer(name, **HYPER[name])
    state = optimizer.initial_state(4)
    w = w0
    for t, g in enumerate(grads, start=1):
        w = optimizer.step(w, g, state, t)
    np.testing.assert_allclose(w, reference_updates(name, w0, grads), rtol=1e-13)


def test_adam_bias_correction_counts_steps_so_the_first_step_is_lr_sized():
    optimizer = make_optimizer("adam", lr=0.01)
    state = optimizer.initial_state(3)
    w = optimizer.step(np.zeros(3), np.array([0.1, -5.0, 200.0]), state, 1)
    # With m̂ = g and v̂ = g² on step 1, every weight moves by lr against its gradient's sign.
    np.testing.assert_allclose(w, [-0.01, 0.01, -0.01], rtol=1e-6)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_per_sample_compiled_race_matches_the_interpreter_loop(name):
    """Batch size 1: the unrolled float code equals interpreter gradients + the vectorised update."""
    graph = assignment_graph()
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(30, 5)), rng.normal(size=30)
    columns = {**{f"f{i + 1}": X[:, i] for i in range(5)}, "y": y}
    w0 = rng.normal(scale=0.1, size=9)
    optimizer = make_optimizer(name, **HYPER[name])
    race = Race(graph, columns, [optimizer], w0)
    losses = [race.run_epoch()[name] for _ in range(2)]

    w, state, t, expected_losses = w0.copy(), optimizer.initial_state(9), 0, []
    for _ in range(2):
        total = 0.0
        for row in range(30):
            feeds = {**{k: c[row] for k, c in columns.items()}, **dict(zip(graph.weights, w, strict=True))}
            total += graph.evaluate(feeds)
            grads = graph.gradients(feeds, wrt=graph.weights)
            t += 1
            w = optimizer.step(w, np.array([grads[n] for n in graph.weights]), state, t)
        expected_losses.append(total / 30)
    np.testing.assert_allclose(race.weights()[name], w, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)


def test_mini_batches_average_the_gradient_over_the_batch():
    graph = assignment_graph()
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(10, 5)), rng.normal(size=10)
    columns = {**{f"f{i + 1}": X[:, i] for i in range(5)}, "y": y}
    w0 = rng.normal(scale=0.1, size=9)
    race = Race(graph, columns, [make_optimizer("sgd", lr=0.1)], w0, batch_size=4)
    race.run_epoch()
    w = w0.copy()
    for start in (0, 4, 8):
        feeds = {
            **{k: c[start : start + 4] for k, c in columns.items()},
            **dict(zip(graph.weights, w, strict=True)),
        }
        grads = graph.gradients(feeds, wrt=graph.weights)
        w = w - 0.1 * np.array([np.mean(grads[n]) for n in graph.weights])
    np.testing.assert_allclose(race.weights()["sgd"], w, rtol=1e-12)


def test_make_optimizer_rejects_bad_names_and_values():
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        make_optimizer("adamw")
    with pytest.raises(ValueError, match="no hyper-parameter 'mu'"):
        make_optimizer("adam", mu=0.9)
    with pytest.raises(ValueError, match="beta1 must be in"):
        make_optimizer("adam", beta1=1.0)
    with pytest.raises(ValueError, match="lr must be positive"):
        make_optimizer("sgd", lr=0.0)


def test_race_marks_a_diverging_optimizer_and_keeps_the_others_going():
    graph = assignment_graph()
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 5)) * 3, rng.normal(size=50) * 10
    columns = {**{f"f{i + 1}": X[:, i] for i in range(5)}, "y": y}
    race = Race(graph, columns, [make_optimizer("sgd", lr=50.0), make_optimizer("adam")], [0.5] * 9)
    results = [race.run_epoch() for _ in range(3)]
    assert race.lanes["sgd"].diverged_at == 1
    assert all(np.isnan(r["sgd"]) for r in results)
    assert all(np.isfinite(r["adam"]) for r in results)
    assert all(np.isfinite(race.weights()["sgd"]))
