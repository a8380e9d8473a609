"""A grading report: one result per exercise, the known mistakes recognised, as JSON and as text.

The JSON object is the CLI's ``--json`` output and what the Practice tab reads:
``{"lab", "file", "exercises": [{"name", "passed", "attempted", "message", "details"}], "passed",
"total", "mistakes": [{"name", "text"}]}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MistakeMatch:
    """A known mistake the grader recognised in one exercise."""

    name: str
    text: str
    exercise: str


@dataclass(frozen=True)
class ExerciseResult:
    """One exercise as graded: passed, failed, or not attempted (the function is missing or still
    raises ``NotImplementedError``), a one-line verdict and details for people who want more."""

    name: str
    title: str
    passed: bool
    attempted: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    mistake: MistakeMatch | None = None

    @property
    def status(self) -> str:
        """``passed``, ``failed`` or ``not attempted``."""
        return "passed" if self.passed else ("failed" if self.attempted else "not attempted")

    def to_json(self) -> dict[str, Any]:
        """The exercise's entry in the report's ``exercises`` list."""
        return {
            "name": self.name,
            "passed": self.passed,
            "attempted": self.attempted,
            "message": self.message,
            "details": jsonable(self.details),
        }


@dataclass(frozen=True)
class Report:
    """Every exercise of one lab graded on one file."""

    lab: str
    file: str
    results: tuple[ExerciseResult, ...]

    @property
    def passed(self) -> int:
        """How many exercises passed."""
        return sum(r.passed for r in self.results)

    @property
    def total(self) -> int:
        """How many exercises there are."""
        return len(self.results)

    @property
    def mistakes(self) -> list[MistakeMatch]:
        """The known mistakes recognised, in exercise order."""
        return [r.mistake for r in self.results if r.mistake is not None]

    @property
    def exit_code(self) -> int:
        """0 when every exercise passed, else 1."""
        return 0 if self.passed == self.total else 1

    def result(self, name: str) -> ExerciseResult:
        """The result of exercise ``name``."""
        return next(r for r in self.results if r.name == name)

    def to_json(self) -> dict[str, Any]:
        """The report as the documented JSON object."""
        return {
            "lab": self.lab,
            "file": self.file,
            "exercises": [r.to_json() for r in self.results],
            "passed": self.passed,
            "total": self.total,
            "mistakes": [{"name": m.name, "text": m.text} for m in self.mistakes],
        }


def jsonable(value: Any) -> Any:
    """Plain JSON types: tuples become lists, numpy values numbers, NaN and ±inf strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "nan", "inf": JSON has no such numbers
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


_MARKS = {"passed": "✓", "failed": "✗", "not attempted": "·"}


def format_report(report: Report) -> str:
    """The report for a terminal: one line per exercise, indented details where something is wrong."""
    lines = [f"{report.lab} · {report.file}: {report.passed}/{report.total} passed"]
    width = max((len(r.name) for r in report.results), default=0)
    first = report.results[0] if report.results else None
    if (
        first is not None
        and first.details.get("kind")
        and all(r.message == first.message for r in report.results)
    ):
        # The file did not load (a syntax error, top-level code that crashed): one cause, said once.
        lines.append(f"  ✗ every exercise: {first.message}")
        lines.extend(f"      {line}" for line in detail_lines(first))
        return "\n".join(lines)
    for result in report.results:
        lines.append(f"  {_MARKS[result.status]} {result.name:<{width}}  {result.message}")
        lines.extend(f"      {line}" for line in detail_lines(result))
    return "\n".join(lines)


def detail_lines(result: ExerciseResult, mistake: bool = True) -> list[str]:
    """What the terminal and the Practice tab show under a failed exercise, line by line (the known
    mistake first, unless ``mistake`` is False because the caller shows it its own way)."""
    details = result.details
    lines: list[str] = []
    if result.passed:
        return lines
    if mistake and result.mistake is not None:
        lines.append(f"known mistake: {result.mistake.text}")
    if details.get("suspects"):
        lines.append(f"suspect node(s): {', '.join(details['suspects'])}")
    step = details.get("step")
    if step:
        lines.append(str(step.get("text", "")))
    if details.get("source"):
        line = details.get("line")
        where = f"line {line}: " if line else ""
        lines.append(f"{where}{details['source'].strip()}")
    if details.get("output"):
        first = str(details["output"]).strip().splitlines()[:3]
        lines.append("printed: " + " | ".join(first))
    return [line for line in lines if line]


def summary_row(report: Report, width: int) -> str:
    """One row of a class's summary: file, score, failed and not attempted exercises, mistakes."""
    first = report.results[0] if report.results else None
    if (
        first is not None
        and first.details.get("kind")
        and all(r.message == first.message for r in report.results)
    ):
        return f"{report.file:<{width}}  0/{report.total}  could not load: {first.message}"
    failed = [r.name for r in report.results if r.attempted and not r.passed]
    skipped = [r.name for r in report.results if not r.attempted]
    parts = [f"{report.file:<{width}}  {report.passed}/{report.total}"]
    if failed:
        parts.append("failed: " + ", ".join(failed))
    if skipped:
        parts.append("not attempted: " + ", ".join(skipped))
    if report.mistakes:
        parts.append("mistakes: " + ", ".join(m.name for m in report.mistakes))
    return "  ".join(parts)
