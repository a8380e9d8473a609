"""``python main.py grade LAB FILE|DIR [--json] [--timeout S]`` and ``grade LAB --template``.

For instructors: grade one learner's file (a report per exercise, the known mistakes recognised) or
a folder of a class's submissions (one summary row per file), or print the starter skeleton to hand
out. Exit codes: 0 when every exercise passed, 1 when any failed or was not attempted, 2 for usage
errors (unknown lab, missing file), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Files graded at once in folder mode (each in its own process).
PARALLEL_FILES = max(1, min(4, os.cpu_count() or 1))


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``grade`` subcommand to an ``argparse`` subparsers object; returns its parser."""
    from engine.practice.sandbox import DEFAULT_TIMEOUT

    parser: argparse.ArgumentParser = subparsers.add_parser(
        "grade",
        help="grade a learner's .py file (or a folder of them) on a lab's exercises",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("lab", help="the lab id (see `list`)")
    parser.add_argument("path", nargs="?", help="the learner's .py file, or a folder of .py files")
    parser.add_argument("--template", action="store_true", help="print the lab's starter skeleton and exit")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (a list for a folder)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds each exercise may run (default {DEFAULT_TIMEOUT:g})",
    )
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out a parsed ``grade`` command; returns the exit code."""
    from engine.labs import LAB_IDS
    from engine.practice.grading import grade_file, template

    if args.lab not in LAB_IDS:
        print(f"error: unknown lab {args.lab!r}; known: {', '.join(LAB_IDS)}", file=err)
        return EXIT_USAGE
    if args.template:
        out.write(template(args.lab))
        return EXIT_OK
    if not args.path:
        print(f"error: grade {args.lab}: give a .py file or a folder (or --template)", file=err)
        return EXIT_USAGE
    if not args.timeout > 0:
        print(f"error: --timeout must be a positive number of seconds, got {args.timeout:g}", file=err)
        return EXIT_USAGE
    path = Path(args.path)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.py") if p.is_file())
        if not files:
            print(f"error: {_short(path)}: no .py files in this folder", file=err)
            return EXIT_USAGE
    elif path.is_file():
        files = [path]
    else:
        print(f"error: {_short(path)}: no such file or folder", file=err)
        return EXIT_USAGE
    try:
        if len(files) == 1 and not path.is_dir():
            report = grade_file(args.lab, files[0], args.timeout)
            _print_one(report, args.json, out)
            return report.exit_code
        with ThreadPoolExecutor(PARALLEL_FILES) as pool:
            reports = list(
                pool.map(lambda f: replace(grade_file(args.lab, f, args.timeout), file=f.name), files)
            )
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return EXIT_INTERRUPTED
    _print_many(reports, args.json, out)
    return EXIT_OK if all(r.exit_code == EXIT_OK for r in reports) else EXIT_FAILED


def _short(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 200 else text[:197] + "…"


def _print_one(report: Any, as_json: bool, out: TextIO) -> None:
    from engine.practice.report import format_report

    if as_json:
        json.dump(report.to_json(), out, ensure_ascii=False)
        out.write("\n")
    else:
        print(format_report(report), file=out)


def _print_many(reports: list[Any], as_json: bool, out: TextIO) -> None:
    from engine.practice.report import summary_row

    if as_json:
        json.dump([r.to_json() for r in reports], out, ensure_ascii=False)
        out.write("\n")
        return
    width = max(len(r.file) for r in reports)
    full = sum(r.passed == r.total for r in reports)
    print(f"{reports[0].lab}: {len(reports)} files, {full} with every exercise passed", file=out)
    for report in reports:
        print(summary_row(report, width), file=out)
