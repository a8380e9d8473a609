"""Typed expressions: precedence, leaves, kinds, and errors that point at the problem."""

from __future__ import annotations

import math
import re

import pytest

from engine.graph import ExpressionError, parse_expression


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tanh(w1*x1 + w2) * w3", math.tanh(0.5 * 1.5 + 0.25) * -2.0),
        ("-x1**2", -(1.5**2)),
        ("w1 ^ 2 + 1", 0.5**2 + 1),
        ("2 ** 3 ** 2", 2.0**9),  # right-associative, as in Python
        ("x1 / w1 / w3", 1.5 / 0.5 / -2.0),  # left-associative
        ("w1 - x1 - w2", 0.5 - 1.5 - 0.25),
        ("sigmoid(x1) + exp(w2) - log(x1) * sin(w1) / cos(w3)",
         1 / (1 + math.exp(-1.5)) + math.exp(0.25) - math.log(1.5) * math.sin(0.5) / math.cos(-2.0)),
        ("relu(w3) + relu(x1)", 1.5),
        ("1.5e-1 * .5 + x1", 0.075 + 1.5),
        ("w1 · x1 − w2 × x1 ÷ w3", 0.5 * 1.5 - 0.25 * 1.5 / -2.0),  # pasted from a formula panel
    ],
)  # fmt: skip
def test_expressions_evaluate_like_python(text, expected):
    graph = parse_expression(text)
    feeds = {"x1": 1.5, "w1": 0.5, "w2": 0.25, "w3": -2.0}
    feeds = {k: v for k, v in feeds.items() if k in graph.inputs + graph.weights}
    assert graph.evaluate(feeds) == pytest.approx(expected, rel=1e-14)


def test_names_become_inputs_or_weights_and_repeat_as_one_leaf():
    graph = parse_expression("(w1*x1) * (w1*x1) + b2 + f3")
    assert graph.weights == ("b2", "w1")
    assert graph.inputs == ("f3", "x1")
    muls = [n for n in graph.nodes.values() if n.op == "mul"]
    assert len(muls) == 3  # each occurrence is its own node, as on paper
    assert graph.nodes["out"].kind == "output"
    assert graph.gradients({"x1": 2.0, "w1": 3.0, "b2": 0.0, "f3": 0.0})["w1"] == pytest.approx(2 * 3.0 * 4.0)


def test_loss_target_adds_a_loss_node_fed_by_the_expression():
    graph = parse_expression("w1 * x1", loss_target="y")
    assert graph.output == "L" and graph.prediction == "out"
    assert graph.nodes["L"].kind == "loss" and graph.nodes["L"].inputs == ("y", "out")
    assert graph.evaluate({"x1": 2.0, "w1": 0.5, "y": 3.0}) == 4.0


def test_extra_names_can_be_declared():
    graph = parse_expression("alpha * z", weights=["alpha"], inputs=["z"])
    assert graph.weights == ("alpha",) and graph.inputs == ("z",)


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("tahn(w1*x1)", 0, "unknown function 'tahn'"),
        ("w1 + a", 5, "unknown name 'a'"),
        ("x1 + * w1", 5, "unexpected '*'"),
        ("x1 $ 2", 3, "unexpected character '$'"),
        ("(x1 + w1", 8, "expected ')'"),
        ("tanh(x1 w1)", 8, "expected ')' instead of 'w1'"),
        ("x1 w1", 3, "unexpected 'w1' after a complete expression"),
        ("x1 +", 4, "ends too early"),
        ("   ", 0, "empty"),
        ("w1", 0, "must compute something"),
        ("exp + x1", 0, "exp is a function"),
    ],
)
def test_errors_point_at_the_offending_position(text, position, reason):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    error = info.value
    assert error.position == position
    assert reason in error.reason
    assert isinstance(error, ValueError)
    # The message shows the text and a caret under the offending character.
    lines = str(error).splitlines()
    assert lines[1] == f"  {text}"
    assert lines[2] == "  " + " " * position + "^"
    assert_place_named_once_at_the_caret(error)


def assert_place_named_once_at_the_caret(error):
    """The message names one place, ``column N``, and N is the caret's 1-based column under the text."""
    message = str(error)
    header, text_line, caret_line = message.splitlines()
    assert "position" not in message
    columns = re.findall(r"column (\d+)", header)
    assert len(columns) == 1, header
    assert text_line == f"  {error.text}" and caret_line.startswith("  ")
    caret_column = caret_line.index("^") - 1  # 1-based, after the two-space indent
    assert int(columns[0]) == caret_column == error.position + 1


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("tanh(w1*x1 + w2) *", 19, "the expression ends too early at column 19, the end of the text"),
        ("tanh(w1*x1 + w2) * ", 19, "the expression ends too early at column 19, the end of the text"),
        ("(x1 + w1", 9, "expected ')' to close the 1st '(' at column 9, the end of the text"),
        ("tanh(x1 w1)", 9, "expected ')' instead of 'w1' to close 'tanh(' at column 9:"),
        ("((x1) + (w1 + (w2*x1)", 22, "expected ')' to close the 3rd '(' at column 22"),
        ("sin(cos(x1) + w1", 17, "expected ')' to close 'sin(' at column 17"),
        ("x1 +", 5, "at column 5, the end of the text"),
        ("x1 + * w1", 6, "unexpected '*' at column 6:"),
    ],
)
def test_the_named_column_is_the_caret_column_also_at_the_end(text, column, reason):
    """At the end of the text the caret sits one past the last character, and the column says so."""
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    message = str(info.value)
    assert reason in message.splitlines()[0]
    assert message.splitlines()[2].index("^") - 2 + 1 == column
    assert_place_named_once_at_the_caret(info.value)


def test_a_tab_in_the_text_keeps_the_caret_under_its_character():
    with pytest.raises(ExpressionError) as info:
        parse_expression("x1 +\t$ w1")
    _, text_line, caret_line = str(info.value).splitlines()
    assert caret_line.expandtabs().index("^") == text_line.expandtabs().index("$")
    assert "column 6" in str(info.value)
