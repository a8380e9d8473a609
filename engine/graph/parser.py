"""Typed expressions → graphs: ``tanh(w1*x1 + w2) * w3``.

Grammar (Python's precedence; ``^`` is accepted for ``**``, and the typeset ``−``, ``×``, ``·``, ``÷``
for ``-``, ``*``, ``*``, ``/``)::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := "-" unary | power
    power  := atom (("**" | "^") unary)?
    atom   := NUMBER | NAME | FUNCTION "(" expr ")" | "(" expr ")"

Names: ``w…``/``b…`` followed by digits are weights, ``x…``/``f…`` followed by digits and ``y`` are
inputs (extend with ``inputs=``/``weights=``). Every occurrence of a sub-expression becomes its own
node, as on paper; the same name is one leaf.

Untrusted text is safe to parse: time and memory grow linearly with its length (a 32,000-term sum
parses in well under a second), nesting deeper than :data:`MAX_NESTING` levels and names longer than
:data:`MAX_NAME_LENGTH` characters are refused, and every problem is an :class:`ExpressionError`
whose message quotes at most a window of the text around the caret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from engine.graph.builder import GraphBuilder
from engine.graph.graph import Graph
from engine.graph.ops import FUNCTIONS

# ASCII only: a look-alike letter or digit from another script is an "unexpected character", not a name.
_TOKEN = re.compile(
    r"(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)|(\*\*|[-+*/^()]))", re.ASCII
)
_SPACE = re.compile(r"\s*")
_WEIGHT = re.compile(r"^[wb]\d*$", re.ASCII)
_INPUT = re.compile(r"^(?:[xf]\d*|y)$", re.ASCII)

#: Deepest nesting of parentheses, function calls, unary minus signs and powers a parser accepts.
#: Far beyond any formula a person writes; it keeps the recursive parser well inside Python's stack.
MAX_NESTING = 100
#: Longest name accepted (``w12`` is 3); longer is almost certainly pasted data, not a leaf.
MAX_NAME_LENGTH = 32
#: Longest expression accepted, in characters (a 32,000-term sum is about 260,000).
MAX_TEXT_LENGTH = 2_000_000
#: How much of the text an error message quotes on each side of the caret.
_QUOTE_RADIUS = 60
# Operators as they come out of slides and formula panels; one character each, so positions still match.
_TYPESET = str.maketrans({"−": "-", "×": "*", "·": "*", "÷": "/"})


class ExpressionError(ValueError):
    """A typed expression cannot be read; the message shows the text with a caret at the problem.

    The message names the problem's place once, as ``column N``: the 1-based column of the caret
    under the text (N = ``position + 1``; one past the last character when the text ends too early).

    Attributes:
        text: The expression.
        position: 0-based index of the offending character (``len(text)`` at the end of the text).
        reason: What is wrong, without the place or the caret picture.
    """

    def __init__(self, text: str, position: int, reason: str) -> None:
        self.text = text
        self.position = position
        self.reason = reason
        at_end = position >= len(text.rstrip()) and position > 0
        place = f"column {position + 1}" + (", the end of the text" if at_end else "")
        shown, caret = _window(text, position)
        # Tabs are copied into the caret line so the caret stays under its character.
        pad = "".join("\t" if c == "\t" else " " for c in shown[:caret])
        super().__init__(f"{reason} at {place}:\n  {shown}\n  {pad}^")


def _window(text: str, position: int) -> tuple[str, int]:
    """At most ``_QUOTE_RADIUS`` characters either side of ``position`` (``…`` marks a cut), and
    where the caret goes in that window: a 200 MB paste must not become a 200 MB message."""
    if len(text) <= 2 * _QUOTE_RADIUS + 1:
        return text, position
    start, stop = max(position - _QUOTE_RADIUS, 0), position + _QUOTE_RADIUS
    head = "…" if start > 0 else ""
    tail = "…" if stop < len(text) else ""
    return head + text[start:stop] + tail, position - start + len(head)


def _shorten(token: str, limit: int = 24) -> str:
    """A token as messages quote it: long ones cut to ``limit`` characters with an ellipsis."""
    return token if len(token) <= limit else token[: limit - 1] + "…"


class _Token(NamedTuple):  # a tuple: a 32,000-term sum makes 128,000 of them
    kind: str  # "number", "name", "symbol", "end"
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    """The tokens of ``text`` in one left-to-right pass (linear in its length)."""
    source = text.translate(_TYPESET)  # match on plain operators, report on what was typed
    tokens: list[_Token] = []
    position = 0
    while True:
        match_space = _SPACE.match(source, position)
        position = match_space.end() if match_space is not None else position
        if position >= len(source):
            break
        match = _TOKEN.match(source, position)
        if match is None:
            raise ExpressionError(text, position, f"unexpected character {text[position]!r}")
        kind = "number" if match.group(1) else "name" if match.group(2) else "symbol"
        if kind == "name" and len(match.group(2)) > MAX_NAME_LENGTH:
            name = _shorten(match.group(2))
            reason = f"the name {name!r} is too long (at most {MAX_NAME_LENGTH} characters)"
            raise ExpressionError(text, position, reason)
        tokens.append(_Token(kind, match.group(0), position))
        position = match.end()
    tokens.append(_Token("end", "", len(source.rstrip())))
    return tokens


class _Parser:
    def __init__(self, text: str, inputs: set[str], weights: set[str]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.inputs = inputs
        self.weights = weights
        self.builder = GraphBuilder()
        self.leaves: dict[str, str] = {}
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, reason: str, token: _Token | None = None) -> ExpressionError:
        return ExpressionError(self.text, (token or self.token).position, reason)

    def take(self, *symbols: str) -> _Token | None:
        if self.token.kind == "symbol" and self.token.text in symbols:
            self.index += 1
            return self.tokens[self.index - 1]
        return None

    def expr(self) -> str:
        node = self.term()
        while (token := self.take("+", "-")) is not None:
            node = self.builder.op("add" if token.text == "+" else "sub", node, self.term())
        return node

    def term(self) -> str:
        node = self.unary()
        while (token := self.take("*", "/")) is not None:
            node = self.builder.op("mul" if token.text == "*" else "div", node, self.unary())
        return node

    def nest(self, opening: _Token) -> None:
        """Enter one level of nesting (a '(', a function call, a unary minus or a power's exponent)."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            reason = (
                f"the expression is nested too deeply (more than {MAX_NESTING} levels of parentheses, "
                "functions, minus signs or powers)"
            )
            raise self.fail(reason, opening)

    def unary(self) -> str:
        if (minus := self.take("-")) is not None:
            self.nest(minus)
            node = self.builder.op("neg", self.unary())
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> str:
        node = self.atom()
        if (caret := self.take("**", "^")) is not None:
            self.nest(caret)
            node = self.builder.op("pow", node, self.unary())
            self.depth -= 1
        return node

    def atom(self) -> str:
        token = self.token
        if token.kind == "number":
            self.index += 1
            return self.builder.constant(float(token.text))
        if token.kind == "name":
            self.index += 1
            if self.token.kind == "symbol" and self.token.text == "(":
                if token.text not in FUNCTIONS:
                    known = ", ".join(FUNCTIONS)
                    raise self.fail(f"unknown function {token.text!r} (known: {known})", token)
                self.index += 1
                self.nest(token)
                inner = self.expr()
                self.close(token)
                self.depth -= 1
                return self.builder.op(FUNCTIONS[token.text], inner)
            return self.leaf(token)
        if self.take("(") is not None:
            self.nest(token)
            inner = self.expr()
            self.close(token)
            self.depth -= 1
            return inner
        if token.kind == "end":
            raise self.fail("the expression ends too early")
        raise self.fail(f"unexpected {_shorten(token.text)!r}")

    def close(self, opening: _Token) -> None:
        if self.take(")") is None:
            what = "')'" if self.token.kind == "end" else f"')' instead of {_shorten(self.token.text)!r}"
            # The caret marks where ')' is missing; the opening is named by words, not a second place.
            raise self.fail(f"expected {what} to close {self.describe_opening(opening)}")

    def describe_opening(self, opening: _Token) -> str:
        if opening.kind == "name":
            return f"'{opening.text}('"
        count = sum(1 for t in self.tokens if t.text == "(" and t.position <= opening.position)
        suffix = "th" if 10 <= count % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(count % 10, "th")
        return f"the {count}{suffix} '('"

    def leaf(self, token: _Token) -> str:
        name = token.text
        if name not in self.leaves:
            if name in FUNCTIONS:
                raise self.fail(f"{name} is a function: write {name}(…)", token)
            if name in self.weights or (_WEIGHT.match(name) and name not in self.inputs):
                self.leaves[name] = self.builder.weight(name)
            elif name in self.inputs or _INPUT.match(name):
                self.leaves[name] = self.builder.input(name)
            else:
                raise self.fail(f"unknown name {name!r}: inputs are x…, f… or y; weights are w… or b…", token)
        return self.leaves[name]


def parse_expression(
    text: str,
    *,
    loss_target: str | None = None,
    inputs: Iterable[str] = (),
    weights: Iterable[str] = (),
) -> Graph:
    """Build a graph from a typed expression.

    Args:
        text: For example ``"tanh(w1*x1 + w2) * w3"``.
        loss_target: If given (e.g. ``"y"``), add that input and a loss node ``L = (y − out)²``, which
            becomes the graph's output; the expression's node is then the prediction. Defaults to none:
            the expression itself is the output.
        inputs: Extra names to treat as inputs. Defaults to none.
        weights: Extra names to treat as weights. Defaults to none.

    Returns:
        The graph; its expression node has kind ``output`` (and id ``out``).

    Raises:
        ExpressionError: Unknown name or function, unexpected character or token, missing parenthesis,
            nesting deeper than :data:`MAX_NESTING`, a name longer than :data:`MAX_NAME_LENGTH`, text
            longer than :data:`MAX_TEXT_LENGTH`. Nothing else: every bad text raises this one type.

    Example:
        >>> g = parse_expression("tanh(w1*x1 + w2) * w3")
        >>> round(g.evaluate({"x1": 1.0, "w1": 0.5, "w2": 0.1, "w3": 2.0}), 4)
        1.0741
    """
    if len(text) > MAX_TEXT_LENGTH:
        size = f"{len(text):,} characters; at most {MAX_TEXT_LENGTH:,}"
        raise ExpressionError(text, MAX_TEXT_LENGTH, f"the expression is too long ({size})")
    if not text.strip():
        raise ExpressionError(text, 0, "the expression is empty")
    parser = _Parser(text, set(inputs), set(weights))
    top = parser.expr()
    if parser.token.kind != "end":
        raise parser.fail(f"unexpected {_shorten(parser.token.text)!r} after a complete expression")
    builder = parser.builder
    if builder.node(top).is_leaf:
        raise ExpressionError(text, 0, "the expression must compute something (use an operator or function)")
    top = builder.promote(top, "out", "output")
    if loss_target is None:
        return builder.build(top, prediction=top)
    target = parser.leaves.get(loss_target) or builder.input(loss_target)
    loss = builder.op("sqerr", target, top, node_id="L", label="L", kind="loss")
    return builder.build(loss, prediction=top)
