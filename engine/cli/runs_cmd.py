"""``runs [LAB] [--json]``: the recorded runs, newest first, with the names and notes given them in the
Runs page or with ``run --name/--note`` (the same store the app shows)."""

from __future__ import annotations

import argparse
import time
from typing import Any, TextIO

from engine.cli.core import EXIT_OK, Command, CommandFailed, Example
from engine.cli.json_output import to_jsonable, write_json
from engine.cli.lab_text import lab_id


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lab", nargs="?", type=lab_id, help="only this lab's runs (default: every lab's)")
    parser.add_argument(
        "--json",
        action="store_true",
        help='print {"runs": [...]} (id, lab, status, seed, started, ended, params, final_metrics, and '
        "name, note, message when set) instead of one line per run",
    )


def run_json(summary: Any) -> dict[str, Any]:
    """One run as JSON: the fixed keys, then ``name``, ``note`` and ``message`` when they are set."""
    document: dict[str, Any] = {
        "id": summary.id,
        "lab": summary.lab,
        "status": summary.status,
        "seed": summary.seed,
        "started": _iso(summary.started),
        "ended": _iso(summary.ended) if summary.ended is not None else None,
        "params": summary.params,
        "final_metrics": summary.final_metrics,
    }
    for key in ("name", "note", "message"):
        if getattr(summary, key):
            document[key] = getattr(summary, key)
    return to_jsonable(document)


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(seconds))


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.run_compare import variant
    from engine.runs import RunStore, StoreError

    store = RunStore()
    if store.problem:  # moved aside or read-only: listing still works, say it once
        print(f"warning: {store.problem}", file=err)
    try:
        summaries = store.runs(args.lab)
    except StoreError as exc:
        raise CommandFailed(str(exc)) from None
    finally:
        store.close()
    if args.json:
        write_json({"runs": [run_json(s) for s in summaries]}, out)
        return EXIT_OK
    if not summaries:
        print("no runs recorded yet" + (f" for {args.lab}" if args.lab else ""), file=out)
    for s in summaries:
        model = f" {variant(s.params)}" if variant(s.params) else ""
        name = f"  {s.name}" if s.name else ""
        print(f"#{s.id} {s.lab}{model} · {s.status} · {_iso(s.started).replace('T', ' ')}{name}", file=out)
        if s.note:
            print(f"    note: {' '.join(s.note.split())[:200]}", file=out)
    return EXIT_OK


RUNS = Command(
    name="runs",
    summary="the recorded runs, with their names and notes (--json for scripts)",
    description=(
        "List the runs recorded in the Runs page, newest first: id, lab, model, status, start, and the "
        "name and note given them in the app or with 'run --name/--note'. --json prints every field."
    ),
    configure=_configure,
    handle=_handle,
    examples=(
        Example("runs callbacks", "the Keras-callbacks runs, one line each"),
        Example("runs --json", "every run as JSON, names and notes included"),
    ),
)
