"""Property-based tests of the expression engine (hypothesis): whatever is typed and fed, parsing and
every computation either work or raise ExpressionError, results follow IEEE, and gradients agree with
finite differences wherever the function is smooth.

The example count and randomness follow the fuzz profile (tests/fuzz/conftest.py): a fixed 150 per
test in ``make test``, 2,000 fresh ones under ``make fuzz``; nothing is written to disk.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from engine.graph import (
    CompiledGradient,
    ExpressionError,
    Walkthrough,
    check_nodes,
    check_weights,
    parse_expression,
)
from engine.graph.undefined import explain_gradients, explain_values

SETTINGS = settings(settings.get_profile("dllab-fuzz"))
LEAVES = ("x1", "x2", "w1", "w2", "w3", "y")
FUNCTIONS = ("exp", "log", "sin", "cos", "tanh", "sigmoid", "relu")
BINARY = ("+", "-", "*", "/", "**")


def _constants(extreme: bool) -> st.SearchStrategy[str]:
    plain = st.sampled_from(["0.5", "1", "2", "3", "0.1", "1.5e-1", ".25", "2e0"])
    return st.one_of(plain, st.sampled_from(["0", "1e999", "1e-320", "1" * 40])) if extreme else plain


@st.composite
def expressions(draw, extreme: bool = False) -> str:
    """A text built from the grammar: a leaf, then 1 to 10 operations applied to it (a function, a
    minus, or a binary op with another leaf or a function of one on either side). Every operand is in
    parentheses, so the tree is explicit."""
    names, constants = st.sampled_from(LEAVES), _constants(extreme)
    # Three names to one number: mostly something to differentiate.
    leaf = st.integers(0, 3).flatmap(lambda pick: names if pick else constants)
    text = draw(leaf)
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(("binary", "binary", "call", "minus")))
        if kind == "call":
            text = f"{draw(st.sampled_from(FUNCTIONS))}({text})"
        elif kind == "minus":
            text = f"-({text})"
        else:
            other = draw(leaf)
            if draw(st.booleans()):
                other = f"{draw(st.sampled_from(FUNCTIONS))}({other})"
            op = draw(st.sampled_from(BINARY))
            text = f"({text}) {op} ({other})" if draw(st.booleans()) else f"({other}) {op} ({text})"
    return text


def _feed_values(extreme: bool) -> st.SearchStrategy[float]:
    if extreme:
        return st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 710.0, -745.0]),
        )
    return st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


def _feeds(graph, values: list[float]) -> dict[str, float]:
    names = graph.inputs + graph.weights
    return dict(zip(names, (values * len(names))[: len(names)], strict=True))


def _float_or_array(value) -> bool:
    return isinstance(value, float) or (isinstance(value, np.ndarray) and value.dtype == np.float64)


@SETTINGS
@given(text=st.text(alphabet="x1w2y()+-*/^. e0123456789,$sintaexplogrcwh\t−×", max_size=60))
def test_any_text_parses_or_raises_expression_error(text):
    try:
        graph = parse_expression(text)
    except ExpressionError as error:
        assert 0 <= error.position <= len(text) and error.reason
        return
    names = graph.inputs + graph.weights
    feeds = dict.fromkeys(names, 0.5)
    assert _float_or_array(graph.evaluate(feeds))


@SETTINGS
@given(
    text=expressions(extreme=True),
    values=st.lists(_feed_values(extreme=True), min_size=1, max_size=6),
    with_loss=st.booleans(),
)
def test_evaluation_and_gradients_never_raise_and_follow_ieee(text, values, with_loss):
    graph = parse_expression(text, loss_target="y" if with_loss and "y" not in text else None)
    feeds = _feeds(graph, values)
    node_values = graph.values(feeds)
    assert all(isinstance(v, float) for v in node_values.values())
    grads = graph.gradients(feeds)
    node_grads = graph.node_gradients(feeds)
    assert all(isinstance(v, float) for v in (*grads.values(), *node_grads.values()))
    # The explanations cover exactly the non-finite values and gradients.
    undefined = explain_values(graph, node_values)
    assert set(undefined) == {n for n, v in node_values.items() if not math.isfinite(v)}
    undefined_grads = explain_gradients(graph, node_values, node_grads)
    assert set(undefined_grads) == {n for n, g in node_grads.items() if not math.isfinite(g)}
    # A batch of two copies of the row gives the same numbers as the row (IEEE for both paths).
    batch = {k: np.array([v, v]) for k, v in feeds.items()}
    batch_output = graph.evaluate(batch)
    assert np.allclose(batch_output, node_values[graph.output], rtol=1e-12, equal_nan=True)
    value, compiled = CompiledGradient(graph, wrt=graph.inputs + graph.weights)(feeds)
    assert np.allclose(value, node_values[graph.output], rtol=1e-12, equal_nan=True)
    # Both paths sum a node's chain-rule terms, in different orders: near 1e308 one order may overflow
    # where the other does not, and terms that cancel leave rounding of the terms' size.
    finite = [abs(v) for v in (*node_grads.values(), *node_values.values()) if math.isfinite(v)]
    largest = max(finite, default=0.0)
    scale = 1.0 + largest * largest  # inf rather than OverflowError near 1e308
    for name, grad in compiled.items():
        if math.isfinite(grad) and math.isfinite(grads[name]) and math.isfinite(scale):
            assert grad == pytest.approx(grads[name], rel=1e-9, abs=1e-12 * scale)
    walk = Walkthrough(graph, feeds)
    walk.seek(walk.total)
    check_weights(graph, feeds, names=graph.inputs + graph.weights)
    check_nodes(graph, feeds)


def _smooth_at(graph, values: dict[str, float], margin: float = 1e-2) -> bool:
    """No kink, pole or domain edge within ``margin`` of the point, and moderate magnitudes."""
    for node_id, node in graph.nodes.items():
        value = values[node_id]
        if not math.isfinite(value) or abs(value) > 1e6:
            return False
        args = [values[i] for i in node.inputs]
        if node.op == "relu" and abs(args[0]) < margin:
            return False
        if node.op == "div" and abs(args[1]) < margin:
            return False
        if node.op in ("log", "pow") and args[0] < margin:
            return False
    return True


def _central(graph, feeds: dict[str, float], name: str, h: float) -> float:
    plus = graph.evaluate({**feeds, name: feeds[name] + h})
    minus = graph.evaluate({**feeds, name: feeds[name] - h})
    return (plus - minus) / (2 * h)


@SETTINGS
@given(
    text=expressions(),
    values=st.lists(_feed_values(extreme=False), min_size=1, max_size=6),
)
def test_gradients_agree_with_finite_differences_where_smooth(text, values):
    graph = parse_expression(text)
    feeds = _feeds(graph, values)
    node_values = graph.values(feeds)
    if not _smooth_at(graph, node_values):
        event("not smooth at the point: skipped")
        return
    grads = graph.gradients(feeds)
    compiled = CompiledGradient(graph, wrt=graph.inputs + graph.weights)(feeds)[1]
    checked = 0
    for name, grad in grads.items():
        h = 1e-5 * max(1.0, abs(feeds[name]))
        coarse, fine = _central(graph, feeds, name, 2 * h), _central(graph, feeds, name, h)
        spread = abs(coarse - fine)  # ≈ 3× the truncation error of `fine`, plus rounding
        if not (math.isfinite(coarse) and math.isfinite(fine)) or spread > 1e-3 * (abs(fine) + 1e-3):
            continue  # not smooth at this scale (the steps straddle a steep region)
        scale = max(abs(v) for v in node_values.values()) + 1.0
        tolerance = 1e-6 * (abs(grad) + abs(fine)) + spread + 1e-9 * scale / h
        assert abs(grad - fine) <= tolerance, (text, name, grad, fine, spread)
        assert compiled[name] == pytest.approx(grad, rel=1e-9, abs=1e-12)
        checked += 1
    event(f"checked {checked} of {len(grads)} leaves" if checked < 3 else "checked 3 or more leaves")
