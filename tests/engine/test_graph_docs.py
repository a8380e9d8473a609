"""The graph engine's documented examples run and print what the docs say."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["engine.graph.parser", "engine.graph.library", "engine.graph.assignment"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_api_doc_example_runs_and_prints_the_commented_values():
    text = (ROOT / "docs" / "api_backprop.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "api_backprop.md", "exec"), {})
    printed = out.getvalue().splitlines()
    assert printed[0] == "0.005491"
    assert "mul1 = w1 · x1 = 0.5 · 1 = 0.5" in printed
    assert "∂L/∂w1 = ∂L/∂mul1 · ∂mul1/∂w1 = 0.2109 · 1 = 0.2109" in printed
    assert "correct" in printed and "True" in printed
    assert "backward {'L': 1.0}" in printed


def test_api_doc_expression_error_is_the_real_message():
    from engine.graph import ExpressionError, parse_expression

    text = (ROOT / "docs" / "api_backprop.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", text, re.S).group(1)
    shown = [line[2:] for line in block.rstrip().splitlines()]  # the doc indents the block by 2
    with pytest.raises(ExpressionError) as info:
        parse_expression(shown[1].strip())
    assert str(info.value).splitlines() == shown
