"""The backprop lab's exercises: the assignment's four functions and the three optimizer updates.

``EXERCISES`` is what the grader, the ``grade`` command and the Practice tab read. To add or change
an exercise, edit :mod:`.passes` or :mod:`.updates` (cases, reference, check, known mistakes) and its
task text ``resources/labs/backprop/exercises/<name>.md``; nothing else needs to change.
"""

from __future__ import annotations

from engine.labs.backprop.exercises.passes import (
    BACKWARD,
    FORWARD,
    GRADIENT_CHECKING,
    SIGMOID,
    shown_cases,
)
from engine.labs.backprop.exercises.updates import ADAM, MOMENTUM, SGD, TRAIN_ADAM
from engine.practice.exercise import LabExercises

EXERCISES = LabExercises(
    "backprop", (SIGMOID, FORWARD, BACKWARD, GRADIENT_CHECKING, SGD, MOMENTUM, ADAM, TRAIN_ADAM)
)

__all__ = ["EXERCISES", "shown_cases"]
