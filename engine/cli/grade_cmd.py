"""``grade LAB FILE|DIR [--json] [--timeout S]`` and ``grade LAB --template``: practice mode for
instructors. One learner's file gets a report per exercise (passed / failed / not attempted, a
verdict, details, the known mistakes recognised); a folder of a class's submissions gets one summary
row per file; ``--template`` prints the starter skeleton to hand out. The learner's code runs in a
separate process (engine.practice), never in this one."""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from engine.cli.core import EXIT_FAILED, EXIT_OK, Command, Example, UsageError
from engine.cli.json_output import write_json
from engine.cli.lab_text import lab_id

#: Default seconds per exercise (engine.practice.sandbox.DEFAULT_TIMEOUT; not imported: --help stays instant).
DEFAULT_TIMEOUT = 10.0
#: Files graded at once in folder mode (each in processes of its own).
PARALLEL_FILES = max(1, min(4, os.cpu_count() or 1))


def _configure(parser: argparse.ArgumentParser) -> None:
    from engine.labs import LABS

    parser.add_argument("lab", type=lab_id, choices=list(LABS), help="the lab whose exercises to grade")
    parser.add_argument(
        "path", nargs="?", help="the learner's .py file, or a folder of .py files (one row each)"
    )
    parser.add_argument("--template", action="store_true", help="print the lab's starter skeleton and exit")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the report as one JSON object (a list of them for a folder)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds each exercise may run; longer counts as an endless loop (default {DEFAULT_TIMEOUT:g})",
    )


def _files(args: argparse.Namespace) -> tuple[list[Path], bool]:
    if not args.path:
        raise UsageError(f"grade {args.lab}: give a .py file or a folder (or --template)")
    if not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    path = Path(args.path)
    shown = str(path) if len(str(path)) <= 200 else str(path)[:197] + "…"
    if path.is_dir():
        files = sorted(p for p in path.glob("*.py") if p.is_file())
        if not files:
            raise UsageError(f"{shown}: no .py files in this folder")
        return files, True
    if not path.is_file():
        raise UsageError(f"{shown}: no such file or folder")
    return [path], False


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.practice import grade_file, template

    if args.template:
        out.write(template(args.lab))
        return EXIT_OK
    files, folder = _files(args)
    # Ctrl+C: cli.core answers it (exit 130); the learners' processes are killed on the way out
    # (engine.practice.sandbox).
    if not folder:
        report = grade_file(args.lab, files[0], args.timeout)
        _print_one(report, args.json, out)
        return int(report.exit_code)
    with ThreadPoolExecutor(PARALLEL_FILES) as pool:
        reports = list(pool.map(lambda f: replace(grade_file(args.lab, f, args.timeout), file=f.name), files))
    _print_many(reports, args.json, out)
    return EXIT_OK if all(r.exit_code == EXIT_OK for r in reports) else EXIT_FAILED


def _print_one(report: Any, as_json: bool, out: TextIO) -> None:
    from engine.practice import format_report

    if as_json:
        write_json(report.to_json(), out)
    else:
        print(format_report(report), file=out)


def _print_many(reports: list[Any], as_json: bool, out: TextIO) -> None:
    from engine.practice.report import summary_row

    if as_json:
        write_json([r.to_json() for r in reports], out)
        return
    width = max(len(r.file) for r in reports)
    full = sum(r.passed == r.total for r in reports)
    print(f"{reports[0].lab}: {len(reports)} files, {full} with every exercise passed", file=out)
    for report in reports:
        print(summary_row(report, width), file=out)


GRADE = Command(
    name="grade",
    summary="grade a learner's .py file (or a class's folder) on a lab's exercises",
    description=(
        "Practice mode: run a learner's functions on each exercise's hidden cases in a separate "
        "process (a timeout per exercise; loops, crashes and syntax errors are that exercise's "
        "failure) and compare them with the lab's own engine. Prints a verdict per exercise and the "
        "known mistakes it recognises; a folder gets one row per file. Exit 0 when every exercise "
        "passed, 1 when any failed or was not attempted, 2 for usage errors."
    ),
    configure=_configure,
    handle=_handle,
    usage="LAB FILE|DIR [--json] [--timeout S] | LAB --template",
    examples=(
        Example("grade backprop learner.py", "a verdict per exercise, the wrong chain-rule step"),
        Example("grade backprop --template > learner.py", "the starter skeleton to hand out"),
        Example("grade callbacks submissions/ --json", "one JSON report per file of the folder"),
    ),
)
