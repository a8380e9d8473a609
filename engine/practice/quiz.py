""" "Predict the next step": before the graph view reveals a step, the learner types the node's value
(forward) or gradient (backward); this checks it against the engine's step record.

A prediction counts when it is within a relative tolerance of 1e-3 (4 significant digits are
enough; the engine's own numbers are what the step panel shows). The feedback is the step's rule
with the numbers in it, right or wrong. :class:`Score` counts one pass through the graph.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from engine.graph.steps import BackwardStep, ForwardStep, fmt

REL_TOL = 1e-3
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$")


@dataclass(frozen=True)
class Question:
    """What to predict for one step."""

    position: int  # the walk position that reveals this step (1-based)
    node: str
    kind: Literal["value", "gradient"]
    prompt: str
    expected: float
    rule: str
    formula: str


@dataclass(frozen=True)
class Answer:
    """The check of one prediction: ``correct`` is None when the text is not a number."""

    correct: bool | None
    given: float | None
    expected: float
    feedback: str


def question_for(step: ForwardStep | BackwardStep, position: int, output: str) -> Question:
    """The question a step asks: its node's value, or ∂output/∂node."""
    if isinstance(step, ForwardStep):
        pairs = zip(step.inputs, step.input_values, strict=True)
        reads = ", ".join(f"{name} = {fmt(value)}" for name, value in pairs)
        prompt = f"{step.node} = ?   ({step.rule}; reads {reads})"
        return Question(position, step.node, "value", prompt, step.result, step.rule, step.formula)
    if not step.terms:
        prompt = f"∂{output}/∂{step.node} = ?   (the seed of the backward pass)"
    else:
        paths = ", ".join(f"∂{output}/∂{t.consumer} = {fmt(t.upstream)}" for t in step.terms)
        prompt = f"∂{output}/∂{step.node} = ?   ({step.rule}; upstream {paths})"
    return Question(position, step.node, "gradient", prompt, step.grad, step.rule, step.formula)


def parse_number(text: str) -> float | None:
    """A typed number: ``−`` (true minus) and a decimal comma are accepted; None when it is no number."""
    cleaned = text.strip().replace("−", "-").replace("\u2212", "-").replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return float(cleaned) if _NUMBER.match(cleaned.lower()) else None


def check(question: Question, text: str) -> Answer:
    """Check a prediction; the feedback shows the rule with the numbers either way."""
    given = parse_number(text)
    expected = question.expected
    if given is None:
        hint = f"“{text.strip()[:40]}” is not a number: type e.g. 1.13 or −0.0427"
        return Answer(None, None, expected, hint)
    correct = math.isclose(given, expected, rel_tol=REL_TOL, abs_tol=0.0) or given == expected
    verdict = "Right" if correct else f"Not quite: you said {fmt(given)}, it is {fmt(expected)}"
    return Answer(correct, given, expected, f"{verdict}. {question.formula}   (rule: {question.rule})")


@dataclass
class Score:
    """Predictions in one pass: how many asked, how many right."""

    asked: int = 0
    right: int = 0

    def add(self, answer: Answer) -> None:
        """Count a checked prediction (text that was no number does not count)."""
        if answer.correct is not None:
            self.asked += 1
            self.right += int(answer.correct)

    def text(self) -> str:
        """``"3 of 4 right this pass"``."""
        if not self.asked:
            return "no predictions yet this pass"
        return f"{self.right} of {self.asked} right this pass"
