"""Grading as a job for the GUI's worker thread (``gui.workers.JobRunner``): the same
:func:`~engine.practice.grade_file` the CLI runs, cancellable, its report in the result.

The Practice tab starts :data:`GRADE_JOB` with :class:`GradeParams`; the report arrives as
``Finished(result)`` with ``result.extra["report"]`` (a :class:`~engine.practice.Report`, frozen).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from engine.jobs import CancelToken, Emit, LabResult, LabSpec, Progress
from engine.practice.exercise import Case
from engine.practice.sandbox import DEFAULT_TIMEOUT


@dataclass(frozen=True)
class GradeParams:
    """What to grade: a lab's exercises on the learner's file, with extra cases (the screen's row)."""

    lab: str
    path: str
    timeout: float = DEFAULT_TIMEOUT
    extra_cases: Mapping[str, Sequence[Case]] = field(default_factory=dict)
    seed: int = 0
    epochs: int = 0


def grade(params: GradeParams, token: CancelToken, emit: Emit) -> LabResult:
    """Grade ``params.path``; the report is ``result.extra["report"]``."""
    from engine.practice.grading import grade_file

    emit(Progress("grading", 0, 1))
    report = grade_file(params.lab, params.path, params.timeout, token, params.extra_cases)
    emit(Progress("grading", 1, 1))
    return LabResult(extra={"report": report})


GRADE_JOB = LabSpec(
    id="practice",
    title="Practice",
    summary="Grade a learner's file on a lab's exercises.",
    assignment="",
    params_type=GradeParams,
    run=grade,
    needs_tensorflow=False,
)
