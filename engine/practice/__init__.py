"""Practice mode: learners write the assignments' functions themselves and get graded.

Each lab declares its exercises as data (:mod:`engine.practice.exercise`, in
``engine/labs/<lab>/exercises``); :func:`grade_file` runs a learner's file in a separate process
(:mod:`engine.practice.sandbox`) and judges every result against our engine, naming the known
mistakes it recognises; :mod:`engine.practice.report` turns that into JSON and text. The ``grade``
command (:mod:`engine.cli.grade_cmd`) and the Practice tab share all of it.
"""

from __future__ import annotations

from engine.practice.exercise import Array, Case, Exercise, KnownMistake, LabExercises, Mismatch, Ref
from engine.practice.grading import grade_file, has_exercises, lab_exercises, task_text, template
from engine.practice.report import ExerciseResult, MistakeMatch, Report, format_report
from engine.practice.sandbox import DEFAULT_TIMEOUT

__all__ = [
    "DEFAULT_TIMEOUT",
    "Array",
    "Case",
    "Exercise",
    "ExerciseResult",
    "KnownMistake",
    "LabExercises",
    "Mismatch",
    "MistakeMatch",
    "Ref",
    "Report",
    "format_report",
    "grade_file",
    "has_exercises",
    "lab_exercises",
    "task_text",
    "template",
]
