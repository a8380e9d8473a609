"""Every op's gradient against central differences, on the interpreter and both compiled paths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.graph import OPS, CompiledGradient, GraphBuilder, make_optimizer
from engine.graph.codegen import compile_epoch, generate

# Inputs inside each op's domain (log and a variable exponent need a positive base).
DOMAIN = {"log": (0.3, 2.0), "pow": (0.3, 2.0), "div": (0.5, 2.0)}


def one_op_graph(op_name: str):
    b = GraphBuilder()
    args = [b.weight(name) for name in ("a", "b")[: OPS[op_name].arity]]
    out = b.op(op_name, *args, kind="output")
    return b.build(out)


def central(graph, feeds, name, eps=1e-6):
    plus = graph.evaluate({**feeds, name: feeds[name] + eps})
    minus = graph.evaluate({**feeds, name: feeds[name] - eps})
    return (plus - minus) / (2 * eps)


@pytest.mark.parametrize("op_name", sorted(OPS))
def test_every_op_gradient_matches_central_differences(op_name):
    graph = one_op_graph(op_name)
    rng = np.random.default_rng(abs(hash(op_name)) % 2**32)
    low, high = DOMAIN.get(op_name, (-2.0, 2.0))
    for _ in range(5):
        feeds = {name: float(rng.uniform(low, high)) for name in graph.weights}
        if op_name == "relu" and abs(feeds["a"]) < 1e-3:
            continue  # the kink: no derivative there
        grads = graph.gradients(feeds)
        for name in graph.weights:
            numeric = central(graph, feeds, name)
            assert grads[name] == pytest.approx(numeric, rel=1e-6, abs=1e-8), (op_name, name, feeds)


@pytest.mark.parametrize("op_name", sorted(OPS))
def test_compiled_numpy_matches_interpreter_per_row(op_name):
    graph = one_op_graph(op_name)
    rng = np.random.default_rng(7)
    low, high = DOMAIN.get(op_name, (-2.0, 2.0))
    feeds = {name: rng.uniform(low, high, size=50) for name in graph.weights}
    value, grads = CompiledGradient(graph, graph.weights, reduce=False)(feeds)
    np.testing.assert_allclose(value, graph.evaluate(feeds), rtol=1e-14)
    reference = graph.gradients(feeds)
    for name in graph.weights:
        np.testing.assert_allclose(grads[name], reference[name], rtol=1e-13, atol=1e-15)


def test_relu_derivative_is_zero_left_and_one_right():
    graph = one_op_graph("relu")
    assert graph.gradients({"a": -0.5})["a"] == 0.0
    assert graph.gradients({"a": 0.5})["a"] == 1.0


def test_scalar_and_numpy_paths_agree_on_one_row():
    """The per-sample compiled loop (math) and the vectorised gradient (numpy) compute the same step."""
    b = GraphBuilder()
    x, y, w1, w2 = b.input("x1"), b.input("y"), b.weight("w1"), b.weight("w2")
    pred = b.op("tanh", b.op("add", b.op("mul", w1, x), w2), kind="output")
    graph = b.build(b.op("sqerr", y, pred, node_id="L", kind="loss"))
    sgd = make_optimizer("sgd", lr=0.1)
    epoch = compile_epoch(graph, sgd)
    total, weights, _, steps = epoch([(0.7, 0.2)], [0.3, -0.1], {}, 0, lambda: None)
    value, grads = CompiledGradient(graph)({"x1": 0.7, "y": 0.2, "w1": 0.3, "w2": -0.1})
    assert steps == 1
    assert total == pytest.approx(value, rel=1e-15)
    assert weights == pytest.approx([0.3 - 0.1 * grads["w1"], -0.1 - 0.1 * grads["w2"]], rel=1e-15)


def test_broadcasting_gives_one_gradient_per_row():
    graph = one_op_graph("mul")
    a = np.array([1.0, 2.0, 3.0])
    grads = graph.gradients({"a": a, "b": 4.0})
    np.testing.assert_array_equal(grads["b"], a)  # ∂(a·b)/∂b = a, row by row
    np.testing.assert_array_equal(grads["a"], [4.0, 4.0, 4.0])


def test_compiler_shares_identical_nodes_and_skips_unneeded_gradients():
    b = GraphBuilder()
    x, w = b.input("x1"), b.weight("w1")
    first, second = b.op("mul", w, x), b.op("mul", x, w)  # same product, commuted
    graph = b.build(b.op("add", first, second, kind="output"))
    program = generate(graph, graph.weights)
    assert sum(line.count("*") for line in program.forward) == 1
    assert "x0" not in program.grad_vars  # no gradient for the input was asked for
    assert graph.gradients({"x1": 3.0, "w1": 2.0})["w1"] == 6.0
    value, grads = CompiledGradient(graph)({"x1": 3.0, "w1": 2.0})
    assert (value, grads["w1"]) == (12.0, 6.0)


def test_math_overflow_raises_instead_of_returning_inf():
    """The scalar path relies on math raising, which the race turns into a 'diverged' marker."""
    with pytest.raises(OverflowError):
        math.exp(1000.0)


def test_relative_difference_of_a_nan_gradient_is_nan_and_a_bug():
    from engine.graph.checking import relative_difference, verdict

    difference = relative_difference([1.0, float("nan")], [1.0, 2.0])
    assert difference != difference and verdict(difference) == "bug"
    assert relative_difference([0.0, 0.0], [0.0, 0.0]) == 0.0
