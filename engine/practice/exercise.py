"""An exercise as data: the function a learner writes, the cases they never see, our answer, the check.

A lab declares its exercises in ``engine/labs/<lab>/exercises.py`` as ``EXERCISES``, a tuple of
:class:`Exercise`. The task text is Markdown in ``resources/labs/<lab>/exercises/<name>.md``; the
starter skeleton is built from :attr:`Exercise.signature` and :attr:`Exercise.doc`. Adding or
editing an exercise touches only that module and that text: the grader, the CLI and the Practice
tab read everything from here.

Arguments travel to the learner's process as JSON; :class:`Array` marks a numpy array (handed over
read-only, so changing an input in place fails loudly) and :class:`Ref` one of our functions (a
callable argument, or a stand-in that replaces one of the learner's own functions during a call).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Array:
    """A numpy float64 array argument (read-only in the learner's process)."""

    values: Any

    def to_json(self) -> dict[str, Any]:
        """The wire form: ``{"$array": [...]}``."""
        import numpy as np

        return {"$array": np.asarray(self.values, dtype=np.float64).tolist()}


@dataclass(frozen=True)
class Ref:
    """One of our functions by import path, ``"engine.labs.backprop.exercises:row_gradient"``."""

    path: str

    def to_json(self) -> dict[str, Any]:
        """The wire form: ``{"$ref": "module:name"}``."""
        return {"$ref": self.path}


@dataclass(frozen=True)
class Case:
    """One hidden call: arguments, our functions standing in for the learner's, and what it is.

    Args:
        args: Positional arguments (plain JSON values, :class:`Array`, :class:`Ref`).
        kwargs: Keyword arguments. Defaults to none.
        stand_ins: Learner functions replaced by ours during this call, by name (so that, e.g.,
            ``gradient_checking`` is graded with our forward and backward passes). Defaults to none.
        label: How a message names the case (``"row 17, random w"``). Defaults to ''.
        meta: Anything the check or a diagnosis needs (the row, y, the weights). Defaults to {}.
    """

    args: tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    stand_ins: Mapping[str, Ref] = field(default_factory=dict)
    label: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KnownMistake:
    """A mistake seen in real submissions, as a wrong reference: when the learner's outputs match
    ``function``'s on every case (by the exercise's own check), the grader names it.

    Args:
        name: Short id (``loss_as_upstream``).
        text: What the learner did and why it is wrong, in one or two sentences.
        function: The wrong version, with the reference's signature. Defaults to none (for a
            mistake recognised by ``when_modifies_input``).
        when_modifies_input: Recognised when the learner's function changes one of its inputs in
            place (``w_plus = w``), rather than by its answers. Defaults to False.
    """

    name: str
    text: str
    function: Callable[..., Any] | None = None
    when_modifies_input: bool = False


def takes_case(function: Callable[[Case], Any]) -> Callable[[Case], Any]:
    """Mark a reference (or a known mistake's function) that needs the whole :class:`Case`, e.g. its
    stand-ins, instead of only the case's arguments."""
    function.takes_case = True  # type: ignore[attr-defined]
    return function


#: ``check(case, expected, got)`` → ``None`` when ``got`` is right, else a :class:`Mismatch`.
Check = Callable[[Case, Any, Any], "Mismatch | None"]


@dataclass(frozen=True)
class Mismatch:
    """Why one case's output is wrong: one line for people, and fields for the details."""

    text: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Exercise:
    """One function the learner writes.

    Args:
        name: The function's name in the learner's file (``forward_propagation``); also the id of
            the task text ``resources/labs/<lab>/exercises/<name>.md``.
        title: A short title for lists.
        signature: The ``def`` line's parameters, ``"x, y, w"``.
        doc: The starter's docstring (the contract in brief; the task text says more).
        reference: Our engine's answer for one case, called with the case's arguments (arrays as
            numpy arrays, refs resolved).
        cases: The hidden cases, built deterministically (seeded).
        check: Compares our answer with the learner's for one case.
        mistakes: Known mistakes to recognise. Defaults to none.
        diagnose: Extra details from all outcomes (backprop localises the wrong chain-rule step).
            Defaults to none.
    """

    name: str
    title: str
    signature: str
    doc: str
    reference: Callable[..., Any]
    cases: Callable[[], Sequence[Case]]
    check: Check
    mistakes: tuple[KnownMistake, ...] = ()
    diagnose: Callable[[Sequence[CaseOutcome]], dict[str, Any]] | None = None

    def starter(self) -> str:
        """The skeleton the learner fills in: signature, docstring, ``raise NotImplementedError``."""
        doc = self.doc.strip()
        if "\n" in doc:
            doc = textwrap.indent(doc, "    ").lstrip() + "\n    "
        return f'def {self.name}({self.signature}):\n    """{doc}"""\n    raise NotImplementedError\n'


@dataclass(frozen=True)
class CaseOutcome:
    """One hidden case as graded: our answer, the learner's, and the mismatch (None when right)."""

    case: Case
    expected: Any
    got: Any
    mismatch: Mismatch | None


@dataclass(frozen=True)
class LabExercises:
    """What a lab's ``exercises`` module exposes: the exercises and the lines the skeleton starts with.

    Args:
        lab: The lab id.
        exercises: In the order the task lists them.
        preamble: Lines at the top of the starter file (imports). Defaults to ``import numpy as np``.
    """

    lab: str
    exercises: tuple[Exercise, ...]
    preamble: str = "import numpy as np\n"

    def get(self, name: str) -> Exercise:
        """The exercise called ``name``.

        Raises:
            KeyError: Naming the exercises there are.
        """
        for exercise in self.exercises:
            if exercise.name == name:
                return exercise
        raise KeyError(f"{self.lab} has no exercise {name!r}; it has {', '.join(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        """The exercises' names in order."""
        return tuple(e.name for e in self.exercises)
