"""Answer-free mode: the parts of the teaching prose that give an assignment's observations away.

Lab sessions ask learners what they observe (does Adam beat SGD? why does Model-1 stall?). The About
texts say what we measured, so in answer-free mode those parts stay hidden until a learner asks to
see them. A text marks them with HTML comments, which Markdown viewers (GitHub included) do not show::

    <!-- answers -->
    Measured here with the default settings: ...
    <!-- /answers -->

The first paragraph of a text (the lab's one-line explanation) must never be inside such a section.
``DLLAB_ANSWER_FREE=1`` turns the mode on at start (the View menu toggles it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

BEGIN, END = "<!-- answers -->", "<!-- /answers -->"
ENV = "DLLAB_ANSWER_FREE"
#: What replaces a hidden section.
PLACEHOLDER = "*Hidden in answer-free mode: what we measured here. Make your own observations first.*"
_SECTION = re.compile(re.escape(BEGIN) + r"\s*\n?(.*?)" + re.escape(END) + r"[ \t]*\n?", re.DOTALL)
_OURS = re.compile(r"""\b(ours|the norm formula gives)(:?\s+)([−\-\d'"\[][^;,()\n]*?)(\s*)(?=[;,()\n]|$)""")


@dataclass(frozen=True)
class Section:
    """A piece of a text: ``answer`` when it lies between the markers."""

    text: str
    answer: bool


def sections(markdown: str) -> list[Section]:
    """The text cut at the markers, in order (an unclosed marker runs to the end)."""
    parts: list[Section] = []
    rest = markdown if END in markdown or BEGIN not in markdown else markdown + END
    position = 0
    for match in _SECTION.finditer(rest):
        if match.start() > position:
            parts.append(Section(rest[position : match.start()], False))
        parts.append(Section(match.group(1), True))
        position = match.end()
    if position < len(rest):
        parts.append(Section(rest[position:], False))
    return parts


def has_answers(markdown: str) -> bool:
    """Whether the text marks anything as an answer."""
    return any(s.answer for s in sections(markdown))


def visible(markdown: str, hide: bool, placeholder: str = PLACEHOLDER) -> str:
    """The text to show: answers replaced by ``placeholder`` when ``hide``, else shown; markers gone."""
    out = []
    for section in sections(markdown):
        if section.answer and hide:
            out.append(f"{placeholder}\n\n" if placeholder else "")
        else:
            out.append(section.text)
    return "".join(out)


def mask_numbers(text: str) -> str:
    """A grader's message with our numbers hidden (``ours 0.7408`` → ``ours ▒▒▒``): the learner keeps
    their own numbers and the verdict."""
    return _OURS.sub(lambda m: f"{m.group(1)}{m.group(2)}▒▒▒{m.group(4)}", text)


def enabled_by_environment() -> bool:
    """Whether ``DLLAB_ANSWER_FREE`` asks for the mode (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")
