"""Grade a learner's file: run it in the sandbox on every exercise's hidden cases, judge each result.

:func:`grade_file` is what the CLI, the Practice tab's worker job and the tests call. Our answers
are computed here, in the app's process, from our engine; the learner's process only ever sends
back its results as JSON.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.jobs import CancelToken
from engine.labs import LAB_IDS
from engine.practice.exercise import Array, Case, CaseOutcome, Exercise, LabExercises, Ref
from engine.practice.report import ExerciseResult, MistakeMatch, Report
from engine.practice.sandbox import DEFAULT_TIMEOUT, ExerciseJob, ExerciseRun, run_exercises


def lab_exercises(lab: str) -> LabExercises:
    """The exercises of ``lab`` (``engine/labs/<lab>/exercises.py``'s ``EXERCISES``).

    Raises:
        KeyError: An unknown lab, naming the known ones.
    """
    if lab not in LAB_IDS:
        raise KeyError(f"unknown lab {lab!r}; known: {', '.join(LAB_IDS)}")
    module = importlib.import_module(f"engine.labs.{lab}.exercises")
    exercises: LabExercises = module.EXERCISES
    return exercises


def has_exercises(lab: str) -> bool:
    """Whether ``lab`` declares exercises (every registered lab does; a test's fake lab does not)."""
    return lab in LAB_IDS and importlib.util.find_spec(f"engine.labs.{lab}.exercises") is not None


def template(lab: str) -> str:
    """The starter file for ``lab``: a header, the preamble and every exercise's skeleton."""
    exercises = lab_exercises(lab)
    header = (
        f'"""Practice: the {lab} lab\'s exercises. Replace each `raise NotImplementedError` with your\n'
        "code.\n\n"
        f"Grade it in the app (the lab's Practice tab) or with:  python main.py grade {lab} THIS_FILE\n"
        '"""\n\n'
    )
    body = "\n\n".join(e.starter() for e in exercises.exercises)
    return header + exercises.preamble + "\n\n" + body


def parameter_names(signature: str) -> tuple[str, ...]:
    """``"x, y, w, eps=1e-7"`` → ``("x", "y", "w", "eps")``."""
    names = []
    for part in signature.split(","):
        name = part.split("=")[0].split(":")[0].strip().lstrip("*")
        if name and name != "/":
            names.append(name)
    return tuple(names)


def wire(value: Any) -> Any:
    """A case value in the form the harness reads (arrays and refs tagged, tuples as lists)."""
    if isinstance(value, (Array, Ref)):
        return value.to_json()
    if isinstance(value, np.ndarray):
        return Array(value).to_json()
    if isinstance(value, Mapping):
        return {str(k): wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def materialise(value: Any) -> Any:
    """A case value as our reference receives it: arrays as fresh numpy arrays, refs imported."""
    if isinstance(value, Array):
        return np.array(value.values, dtype=np.float64)
    if isinstance(value, Ref):
        module_name, _, name = value.path.partition(":")
        return getattr(importlib.import_module(module_name), name)
    if isinstance(value, dict):
        return {k: materialise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialise(v) for v in value]
    if isinstance(value, tuple):
        return tuple(materialise(v) for v in value)
    return value


def _call(function: Any, case: Case) -> Any:
    if getattr(function, "takes_case", False):
        return function(case)
    return function(*materialise(case.args), **materialise(dict(case.kwargs)))


def _job(exercise: Exercise, cases: Sequence[Case]) -> ExerciseJob:
    calls = tuple(
        {
            "args": wire(case.args),
            "kwargs": wire(dict(case.kwargs)),
            "stand_ins": {name: ref.path for name, ref in case.stand_ins.items()},
        }
        for case in cases
    )
    return ExerciseJob(exercise.name, parameter_names(exercise.signature), calls)


def grade_file(
    lab: str,
    path: str | Path,
    timeout: float = DEFAULT_TIMEOUT,
    token: CancelToken | None = None,
    extra_cases: Mapping[str, Sequence[Case]] | None = None,
) -> Report:
    """Grade every exercise of ``lab`` on the learner's file.

    Args:
        lab: The lab id.
        path: The learner's ``.py`` file.
        timeout: Seconds per exercise (and for loading the file). Defaults to 10.
        token: Cancels grading (the learner's process is killed). Defaults to none.
        extra_cases: More cases per exercise name, graded like the hidden ones (the backprop tab adds
            the row and weights on screen, so it can show the learner's numbers there). Defaults to none.

    Raises:
        KeyError: Unknown lab.
        FileNotFoundError: ``path`` is not a file.
    """
    exercises = lab_exercises(lab)
    file = Path(path).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    extra = extra_cases or {}
    cases = [list(e.cases()) + list(extra.get(e.name, ())) for e in exercises.exercises]
    runs = run_exercises(
        file, [_job(e, c) for e, c in zip(exercises.exercises, cases, strict=True)], timeout, token
    )
    results = tuple(
        judge(exercise, exercise_cases, run)
        for exercise, exercise_cases, run in zip(exercises.exercises, cases, runs, strict=True)
    )
    return Report(lab, str(path), results)


def _load_failure(exercise: Exercise, detail: dict[str, Any]) -> ExerciseResult:
    kind = detail.get("kind")
    line = detail.get("line")
    if kind == "syntax":
        message = f"syntax error on line {line}: {detail.get('message')}"
    elif kind == "timeout":
        message = (
            f"loading the file did not finish within {detail.get('seconds'):g} s (top-level code loops?)"
        )
    elif kind == "crashed":
        message = f"the file's top-level code ended the Python process ({_how_it_ended(detail)})"
    elif kind == "unreadable":
        message = f"cannot read the file: {detail.get('message')}"
    else:
        where = f" on line {line}" if line else ""
        message = f"the file's top-level code raised {detail.get('type')}{where}: {detail.get('message')}"
    return ExerciseResult(exercise.name, exercise.title, False, True, message, _trimmed(detail))


def _how_it_ended(detail: dict[str, Any]) -> str:
    if detail.get("signal"):
        return f"killed by {detail['signal']}"
    return f"exit code {detail.get('exit_code')}"


def _trimmed(detail: dict[str, Any]) -> dict[str, Any]:
    keep = ("kind", "line", "offset", "source", "type", "message", "traceback", "output", "stderr", "seconds")
    return {k: detail[k] for k in keep if detail.get(k) not in (None, "")}


def judge(exercise: Exercise, cases: Sequence[Case], run: ExerciseRun) -> ExerciseResult:
    """One exercise's result from how it ran and what it returned."""
    name, title = exercise.name, exercise.title
    if run.status == "load_failed":
        return _load_failure(exercise, run.detail)
    if run.status == "missing":
        return ExerciseResult(name, title, False, False, f"not attempted: the file defines no {name}()")
    calls = run.calls
    if calls and all(c.get("not_implemented") for c in calls) and run.status == "ran":
        return ExerciseResult(name, title, False, False, "not attempted: it still raises NotImplementedError")
    if run.status == "timeout":
        case = int(run.detail.get("case", 0))
        seconds = run.detail.get("seconds", DEFAULT_TIMEOUT)
        message = f"did not finish within {seconds:g} s on {case_name(cases, case)}: an endless loop?"
        return ExerciseResult(name, title, False, True, message, {"case": case + 1, **_output(calls)})
    if run.status == "crashed":
        at = len(calls)
        message = f"the Python process ended ({_how_it_ended(run.detail)}) on {case_name(cases, at)}"
        return ExerciseResult(name, title, False, True, message, {"case": at + 1, **_trimmed(run.detail)})
    for index, call in enumerate(calls):
        result = _call_failure(exercise, cases, index, call)
        if result is not None:
            return result
    outcomes = []
    for graded, call in zip(cases, calls, strict=True):
        expected, got = _call(exercise.reference, graded), call.get("value")
        outcomes.append(CaseOutcome(graded, expected, got, exercise.check(graded, expected, got)))
    return _verdict(exercise, outcomes, calls)


def case_name(cases: Sequence[Case], index: int) -> str:
    """``case 2 of 5 (row 18, random weights)`` for messages."""
    label = cases[index].label if index < len(cases) else ""
    return f"case {index + 1} of {len(cases)}" + (f" ({label})" if label else "")


def _output(calls: Sequence[dict[str, Any]]) -> dict[str, Any]:
    printed = next((c["output"] for c in calls if c.get("output")), "")
    return {"output": printed} if printed else {}


def _call_failure(
    exercise: Exercise, cases: Sequence[Case], index: int, call: dict[str, Any]
) -> ExerciseResult | None:
    """The result when case ``index`` raised or changed an input; None when it returned normally."""
    name, title = exercise.name, exercise.title
    error = call.get("error")
    mutated = call.get("mutated") or []
    if call.get("not_implemented"):
        message = f"raises NotImplementedError on {case_name(cases, index)}"
        return ExerciseResult(name, title, False, True, message, {"case": index + 1})
    if error is None and not mutated:
        return None
    if (error is not None and error.get("modified_input")) or mutated:
        aliases = (error or {}).get("aliases") or []
        what = ", ".join(mutated) or (error or {}).get("argument") or "one of its array arguments"
        message = (
            f"changes its input {what} in place; the caller's {what} must stay as it was (work on a copy)"
        )
        if aliases:
            message = (
                f"changes its input {what} in place: {aliases[0]} (an alias, not a copy), so the caller's "
                f"{what} changes too; use {aliases[0].split(' is ')[0]} = {what}.copy()"
            )
        details = {"case": index + 1, "modified": what, **_error_details(error), **_output([call])}
        mistake = next((m for m in exercise.mistakes if m.when_modifies_input), None)
        match = MistakeMatch(mistake.name, mistake.text, name) if mistake else None
        return ExerciseResult(name, title, False, True, message, details, match)
    assert error is not None
    where = f" on line {error['line']}" if error.get("line") else ""
    message = f"raised {error['type']}{where}: {error['message']}, on {case_name(cases, index)}"
    return ExerciseResult(
        name, title, False, True, message, {"case": index + 1, **_error_details(error), **_output([call])}
    )


def _error_details(error: dict[str, Any] | None) -> dict[str, Any]:
    if not error:
        return {}
    keep = ("type", "message", "line", "source", "traceback", "aliases")
    return {k: error[k] for k in keep if error.get(k) not in (None, "", [])}


def _verdict(
    exercise: Exercise, outcomes: list[CaseOutcome], calls: Sequence[dict[str, Any]]
) -> ExerciseResult:
    name, title = exercise.name, exercise.title
    wrong = [o for o in outcomes if o.mismatch is not None]
    details: dict[str, Any] = {"cases": len(outcomes), **_output(calls)}
    seconds = sum(float(c.get("seconds", 0.0)) for c in calls)
    details["seconds"] = round(seconds, 4)
    if not wrong:
        return ExerciseResult(
            name, title, True, True, f"correct on all {len(outcomes)} hidden cases", details
        )
    first = wrong[0]
    assert first.mismatch is not None
    index = outcomes.index(first)
    cases = [o.case for o in outcomes]
    message = (
        f"{first.mismatch.text}, on {case_name(cases, index)}; {len(wrong)} of {len(outcomes)} cases wrong"
    )
    details.update(first.mismatch.fields)
    details.update(wrong_cases=len(wrong), first_wrong_case=index + 1)
    if exercise.diagnose is not None:
        details.update(exercise.diagnose(outcomes))
    mistake = recognise(exercise, outcomes)
    if mistake is not None:
        details["mistake"] = mistake.name
    return ExerciseResult(name, title, False, True, message, details, mistake)


def recognise(exercise: Exercise, outcomes: Sequence[CaseOutcome]) -> MistakeMatch | None:
    """The first known mistake whose (wrong) answers match the learner's on every case."""
    for mistake in exercise.mistakes:
        if mistake.when_modifies_input:
            continue
        try:
            matched = all(
                exercise.check(o.case, _call(mistake.function, o.case), o.got) is None for o in outcomes
            )
        except Exception:  # a wrong reference that cannot handle a case simply does not match
            matched = False
        if matched:
            return MistakeMatch(mistake.name, mistake.text, exercise.name)
    return None


def task_text(lab: str, name: str) -> str:
    """The Markdown task text of exercise ``name`` (``resources/labs/<lab>/exercises/<name>.md``)."""
    from engine.prose import resource_text

    return resource_text("labs", lab, "exercises", f"{name}.md")
