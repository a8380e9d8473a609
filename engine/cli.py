"""The command line (no Qt): ``list``, ``run LAB``, ``assets``, ``grade LAB FILE``; ``main.py`` dispatches
here.

Instructors use it to prepare sessions and for scripted checks; it runs the same ``run`` functions as
the GUI and records every run in the same store. Bad input prints one clear line on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from engine import params as params_module
from engine.jobs import Cancelled, CancelToken, EpochEnded, Failed, LabResult, LogLine, Marker, Progress
from engine.practice import command as practice_command

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


def to_jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars/arrays become numbers/lists, NaN and ±inf become null."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy array or scalar
        return to_jsonable(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def result_json(lab_id: str, params: Any, result: LabResult) -> dict[str, Any]:
    """The ``--json`` object: the fixed keys, then the lab's own ``extra`` keys beside them."""
    document: dict[str, Any] = {
        "lab": lab_id,
        "params": params_module.as_dict(params),
        "seed": getattr(params, "seed", None),
        "history": dict(result.history),
        "markers": [{"epoch": m.epoch, "kind": m.kind, "text": m.text} for m in result.markers],
        "test": dict(result.test),
        "artifacts": dict(result.artifacts),
    }
    for key, value in result.extra.items():
        document.setdefault(key, value)
    return to_jsonable(document)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deep-learning-lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="labs and their parameters with defaults")
    run = sub.add_parser("run", help="run a lab headless")
    run.add_argument("lab")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings")
    run.add_argument("--epochs", type=int)
    run.add_argument("--seed", type=int)
    run.add_argument("--json", action="store_true", help="print only the final result as JSON")
    run.add_argument("--no-record", action="store_true", help="do not record the run in the store")
    assets = sub.add_parser("assets", help="the offline pretrained assets")
    assets.add_argument("--prepare", metavar="NAME", help="build an asset that needs a conversion")
    practice_command.add_parser(sub)
    return parser


def main(argv: Sequence[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run one CLI command; returns the process exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse already printed its message
        return int(exc.code or 0)
    if args.command == "list":
        return _list(out)
    if args.command == "assets":
        return _assets(args.prepare, out, err)
    if args.command == "grade":
        return practice_command.run(args, out, err)
    return _run(args, out, err)


def _list(out: TextIO) -> int:
    from engine.labs import LABS

    if not LABS:
        print("no labs are registered", file=out)
    for spec in LABS.values():
        print(f"{spec.id:10} {spec.title} — {spec.summary}", file=out)
        for info in params_module.describe(spec.params_type):
            default = ",".join(map(str, info.default)) if isinstance(info.default, tuple) else info.default
            choices = f" [{'|'.join(info.choices)}]" if info.choices else ""
            print(f"    {info.name} = {default}{choices}  {info.help}", file=out)
    return EXIT_OK


def _assets(prepare: str | None, out: TextIO, err: TextIO) -> int:
    from engine import assets

    if prepare:
        try:
            path = assets.resolve(prepare, _progress_printer(err))
        except assets.AssetError as exc:
            print(f"error: {exc}", file=err)
            return EXIT_FAILED
        print(f"{prepare}: ready at {path}", file=out)
        return EXIT_OK
    statuses = assets.all_statuses()
    if not statuses:
        print("no pretrained assets are registered", file=out)
    for st in statuses:
        check = {True: "sha256 verified", False: "SHA-256 MISMATCH", None: "no published hash"}
        state = "ready" if st.ready else ("needs --prepare" if st.needs_prepare else "missing")
        size = f"{st.size_bytes / 1e6:.1f} MB" if st.size_bytes is not None else "-"
        print(f"{st.name}: {state} · {st.title}", file=out)
        print(f"    source: {st.source}", file=out)
        print(f"    path: {st.path or '-'} · size: {size} · {check[st.verified]}", file=out)
    return EXIT_OK


def _progress_printer(err: TextIO) -> Any:
    def emit(event: Any) -> None:
        if isinstance(event, Progress):
            print(f"{event.phase}: {event.done}/{event.total}", file=err)
        elif isinstance(event, LogLine):
            print(event.text, file=err)

    return emit


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.labs import LABS
    from engine.runner import execute
    from engine.runs import RunStore

    spec = LABS.get(args.lab)
    if spec is None:
        print(f"error: unknown lab {args.lab!r}; known: {', '.join(LABS)}", file=err)
        return EXIT_USAGE
    values: dict[str, Any] = {}
    for setting in args.settings:
        name, sep, value = setting.partition("=")
        if not sep or not name.strip():
            print(f"error: --set expects NAME=VALUE, got {setting!r}", file=err)
            return EXIT_USAGE
        values[name.strip()] = value
    for name in ("epochs", "seed"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    try:
        params = params_module.build(spec.params_type, values)
    except params_module.ParamError as exc:
        print(f"error: {spec.id}: {exc}", file=err)
        return EXIT_USAGE

    progress = err if args.json else out
    token = CancelToken()
    previous = signal.signal(signal.SIGINT, lambda *_: token.cancel())
    store = None if args.no_record else RunStore()
    try:
        outcome = execute(spec, params, token, _epoch_printer(progress), store)
    finally:
        signal.signal(signal.SIGINT, previous)
        if store is not None:
            store.close()
    if isinstance(outcome, Failed):
        print(f"error: {spec.id}: {outcome.message}", file=err)
        return EXIT_FAILED
    if isinstance(outcome, Cancelled):
        print(f"cancelled after {outcome.epochs_done} epoch(s)", file=err)
        return EXIT_CANCELLED
    if args.json:
        json.dump(result_json(spec.id, params, outcome.result), out)
        out.write("\n")
    else:
        for name, value in outcome.result.test.items():
            print(f"test {name}: {value:.4f}", file=out)
        for name, path in outcome.result.artifacts.items():
            print(f"artifact {name}: {path}", file=out)
    return EXIT_OK


def _epoch_printer(stream: TextIO) -> Any:
    def emit(event: Any) -> None:
        if isinstance(event, EpochEnded):
            total = f"/{event.total_epochs}" if event.total_epochs else ""
            numbers = " ".join(f"{k}={v:.4g}" for k, v in event.metrics.items())
            print(f"epoch {event.epoch}{total}: {numbers}", file=stream, flush=True)
        elif isinstance(event, Marker):
            print(f"  [{event.kind}] epoch {event.epoch}: {event.text}", file=stream, flush=True)
        elif isinstance(event, LogLine):
            print(f"  {event.text}", file=stream, flush=True)
        elif isinstance(event, Progress) and event.done == event.total:
            print(f"  {event.phase}: done ({event.total})", file=stream, flush=True)

    return emit
