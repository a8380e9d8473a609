"""Answer-free sections of the prose, and the prediction quiz's checks (pure engine functions)."""

from __future__ import annotations

import pytest

from engine import answers
from engine.graph import Walkthrough, assignment_graph
from engine.labs import LAB_IDS
from engine.practice import quiz
from engine.prose import first_paragraph, lab_text

TEXT = "Intro.\n\nContext.\n\n<!-- answers -->\nMeasured: 0.67.\n- more\n<!-- /answers -->\n\nTail."


def test_answer_sections_hide_and_show_without_their_markers():
    hidden, shown = answers.visible(TEXT, True), answers.visible(TEXT, False)
    assert "0.67" not in hidden and answers.PLACEHOLDER in hidden and hidden.endswith("Tail.")
    assert "Measured: 0.67.\n- more\n" in shown and "<!--" not in shown and "<!--" not in hidden
    assert answers.has_answers(TEXT) and not answers.has_answers("plain text")
    assert answers.visible("a\n\n<!-- answers -->\nunclosed", True).startswith("a\n\n*Hidden")


@pytest.mark.parametrize("lab", LAB_IDS)
def test_every_about_text_marks_its_measured_outcomes_and_keeps_its_first_paragraph_free(lab):
    text = lab_text(lab)
    assert answers.has_answers(text)
    assert not answers.sections(text)[0].answer and "<!--" not in first_paragraph(text)
    assert len(answers.visible(text, True)) < len(answers.visible(text, False))


def test_our_numbers_are_masked_and_the_learners_kept():
    masked = answers.mask_numbers(
        "dw1 is wrong (dw1: yours 0.016, ours 0.0296); ours −1.93 · 0.29 = −0.56; x"
    )
    assert masked == "dw1 is wrong (dw1: yours 0.016, ours ▒▒▒); ours ▒▒▒; x"


@pytest.mark.parametrize(("value", "text"), [("1", True), ("yes", True), ("0", False), ("", False)])
def test_the_environment_switch(monkeypatch, value, text):
    monkeypatch.setenv(answers.ENV, value)
    assert answers.enabled_by_environment() is text


def _walk() -> Walkthrough:
    feeds = {
        **{f"w{i}": 0.1 for i in range(1, 10)},
        "f1": 1.0,
        "f2": 0.5,
        "f3": 0.2,
        "f4": -1.0,
        "f5": 2.0,
        "y": 1.5,
    }
    return Walkthrough(assignment_graph(), feeds)


def test_quiz_accepts_a_prediction_within_a_relative_1e_3_and_explains_either_way():
    walk = _walk()
    step = next(s for s in walk.forward_steps if s.node == "exp")
    question = quiz.question_for(step, step.index + 1, "L")
    assert question.kind == "value" and question.expected == step.result
    assert quiz.check(question, f"{step.result * (1 + 9e-4)}").correct
    wrong = quiz.check(question, f"{step.result * (1 + 2e-3)}")
    assert wrong.correct is False and step.formula in wrong.feedback and step.rule in wrong.feedback
    assert quiz.check(question, "twelve").correct is None


def test_quiz_on_a_backward_step_asks_for_the_gradient_and_reads_a_true_minus():
    walk = _walk()
    step = next(s for s in walk.backward_steps if s.grad < 0)
    question = quiz.question_for(step, 0, "L")
    assert question.kind == "gradient" and question.prompt.startswith(f"∂L/∂{step.node} = ?")
    assert quiz.check(question, f"−{abs(step.grad):.6g}").correct
    assert quiz.parse_number("1,5") == 1.5 and quiz.parse_number("1e-3") == 0.001
    score = quiz.Score()
    score.add(quiz.check(question, "0"))
    score.add(quiz.check(question, f"{step.grad}"))
    score.add(quiz.check(question, "?"))
    assert (score.asked, score.right, score.text()) == (2, 1, "1 of 2 right this pass")
