"""The assignment's contracts: grader numbers, gradient checking, and an independent autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.graph import WEIGHTS, CompiledGradient, assignment_graph, parse_expression
from engine.graph.assignment import (
    backward_propagation,
    feeds_for,
    forward_propagation,
    gradient_checking,
    node_check,
    sigmoid,
    weight_check,
)
from engine.graph.graders import GRADER_EXPECTED, WHY_CONSTRUCTED, graders_row


def random_rows(count: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield rng.normal(size=5), float(rng.normal()), rng.normal(scale=0.7, size=9)


def test_sigmoid_of_two_is_the_graders_number():
    assert sigmoid(2) == 0.8807970779778823
    np.testing.assert_allclose(sigmoid(np.array([0.0, 2.0])), [0.5, 0.8807970779778823], rtol=0, atol=0)


def test_grader_numbers_on_a_row_built_to_match_the_first_data_row():
    """The graders' first row is not available, so the engine builds one with w = 0.1 everywhere whose
    exp and sigmoid nodes take the graders' values (inverting the formulas), with y inside the interval
    their loss and dl allow. The engine must then reproduce all five numbers to 4 d.p.: tanh tests the
    exp→+w7→tanh wiring, loss and dl test Y' = tanh + w9·σ and the loss node."""
    row = graders_row()
    assert row.weights == (0.1,) * 9 and row.features[0] == 1.0 and row.features[2] == 2.0
    d = forward_propagation(row.features, row.target, row.weights)
    rounded = {key: round(d[key], 4) for key in ("exp", "tanh", "sigmoid", "loss", "dl")}
    assert rounded == {"exp": 1.1299, "tanh": 0.8426, "sigmoid": 0.529, "loss": 0.9281, "dl": -1.9268}
    assert rounded == dict(GRADER_EXPECTED)
    assert assignment_graph().values(row.feeds())["exp"] == d["exp"]
    assert "pickle" in WHY_CONSTRUCTED and WHY_CONSTRUCTED.count(". ") == 0  # one sentence


def test_forward_values_match_a_hand_written_formula():
    for x, y, w in random_rows(20):
        d = forward_propagation(x, y, w)
        square = (w[0] * x[0] + w[1] * x[1]) ** 2
        assert d["exp"] == pytest.approx(math.exp(square + w[5]), rel=1e-14)
        assert d["tanh"] == pytest.approx(math.tanh(d["exp"] + w[6]), rel=1e-14)
        inner = math.sin(w[2] * x[2]) * (w[3] * x[3] + w[4] * x[4]) + w[7]
        assert d["sigmoid"] == pytest.approx(1 / (1 + math.exp(-inner)), rel=1e-14)
        y_pred = d["tanh"] + w[8] * d["sigmoid"]
        assert d["loss"] == pytest.approx((y - y_pred) ** 2, rel=1e-12)
        assert d["dl"] == pytest.approx(-2 * (y - y_pred), rel=1e-12)


def test_gradient_checking_passes_for_the_engine_and_fails_for_wrong_gradients():
    for x, y, w in random_rows(10):
        w_before = w.copy()
        assert gradient_checking(x, y, w) < 1e-7
        np.testing.assert_array_equal(w, w_before)  # the check never mutates the weights


def test_gradient_checking_catches_known_mistakes():
    x, y, w = next(random_rows(1, seed=11))

    def loss_instead_of_dl(x, y, w):  # a real submission's mistake: L used as the upstream gradient
        d = forward_propagation(x, y, w)
        return backward_propagation(x, w, {**d, "dl": d["loss"]})

    def plus_typed_for_times(x, y, w):  # another: "w2 + x2" typed instead of "w2 * x2"
        wrong = parse_expression(
            "tanh(exp((w1*f1 + (w2 + f2))**2 + w6) + w7) + w9*sigmoid(sin(w3*f3)*(w4*f4 + w5*f5) + w8)",
            loss_target="y",
        )
        feeds = feeds_for(x, y, w)
        return {f"d{k}": v for k, v in wrong.gradients(feeds, wrt=WEIGHTS).items()}

    def largest_off_by_5_percent(x, y, w):
        grads = backward_propagation(x, w, forward_propagation(x, y, w))
        key = max(grads, key=lambda k: abs(grads[k]))
        return {**grads, key: grads[key] * 1.05}

    assert gradient_checking(x, y, w, grad_fn=loss_instead_of_dl) > 1e-3
    assert gradient_checking(x, y, w, grad_fn=plus_typed_for_times) > 1e-3
    assert gradient_checking(x, y, w, grad_fn=largest_off_by_5_percent) > 1e-3
    table = weight_check(x, y, w, grad_fn=largest_off_by_5_percent)
    true = backward_propagation(x, w, forward_propagation(x, y, w))
    assert [row.name for row in table.rows if row.verdict == "bug"] == [
        max(true, key=lambda k: abs(true[k]))[1:]
    ]
    assert table.verdict == "bug" and not table.passed


def test_per_node_check_covers_every_computed_node():
    x, y, w = next(random_rows(1, seed=5))
    check = node_check(x, y, w)
    graph = assignment_graph()
    assert {row.name for row in check.rows} == {n for n in graph.order if graph.nodes[n].op is not None}
    assert check.passed, check
    assert all(row.verdict == "correct" for row in check.rows)


def test_backward_propagation_matches_the_graph_and_the_compiled_path():
    graph = assignment_graph()
    compiled = CompiledGradient(graph)
    for x, y, w in random_rows(10):
        d = forward_propagation(x, y, w)
        dw = backward_propagation(x, w, d)
        feeds = feeds_for(x, y, w)
        reference = graph.gradients(feeds, wrt=WEIGHTS)
        _, fast = compiled(feeds)
        for name in WEIGHTS:
            assert dw[f"d{name}"] == pytest.approx(reference[name], rel=1e-13, abs=1e-16)
            assert fast[name] == pytest.approx(reference[name], rel=1e-13, abs=1e-16)


def test_contracts_reject_wrong_lengths():
    with pytest.raises(ValueError, match="5 features"):
        forward_propagation([1.0, 2.0], 0.0, np.zeros(9))
    with pytest.raises(ValueError, match="9 weights"):
        forward_propagation(np.zeros(5), 0.0, np.zeros(8))


@pytest.mark.slow
def test_gradients_match_tensorflow_gradient_tape():
    """An independent autograd on the same formula, in float64."""
    import tensorflow as tf  # a core dependency: broken or missing must fail, not skip

    graph = assignment_graph()
    worst = 0.0
    for x, y, w in random_rows(25, seed=21):
        wv = tf.Variable(w, dtype=tf.float64)
        xc = tf.constant(x, dtype=tf.float64)
        with tf.GradientTape() as tape:
            top = tf.tanh(tf.exp((wv[0] * xc[0] + wv[1] * xc[1]) ** 2 + wv[5]) + wv[6])
            bottom = wv[8] * tf.sigmoid(tf.sin(wv[2] * xc[2]) * (wv[3] * xc[3] + wv[4] * xc[4]) + wv[7])
            loss = (y - (top + bottom)) ** 2
        expected = tape.gradient(loss, wv).numpy()
        feeds = feeds_for(x, y, w)
        assert graph.evaluate(feeds) == pytest.approx(float(loss.numpy()), rel=1e-12)
        got = np.array([graph.gradients(feeds, wrt=WEIGHTS)[n] for n in WEIGHTS])
        worst = max(worst, float(np.linalg.norm(got - expected) / np.linalg.norm(expected)))
    assert worst < 1e-9


def test_known_mistakes_show_their_symptoms():
    from engine.graph.mistakes import MISTAKES, aliased_gradient_checking, per_weight_ratio

    assert {m.name for m in MISTAKES} == {
        "plus_for_times",
        "loss_as_upstream",
        "aliased_weights",
        "ratio_per_weight",
    }
    x, y, w = next(random_rows(1, seed=8))
    by_name = {m.name: m.function for m in MISTAKES}
    assert gradient_checking(x, y, w, grad_fn=by_name["plus_for_times"]) > 1e-3
    assert gradient_checking(x, y, w, grad_fn=by_name["loss_as_upstream"]) > 1e-3
    assert aliased_gradient_checking(x, y, w.copy()) == pytest.approx(1 / 3, abs=0.01)  # numeric ≈ g/2
    # Correct gradients: the norm formula passes, the worst per-weight ratio is far larger.
    small_w = np.full(9, 0.1)
    x_small = [1.0, 0.5, 0.2, -1.0, 2.0]
    assert gradient_checking(x_small, 1.5, small_w) < 1e-7
    assert per_weight_ratio(x_small, 1.5, small_w) > 1e-7
