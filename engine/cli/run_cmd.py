"""``run LAB``: run a lab headless with the same code as the app, one line per epoch (or one JSON
object), recorded in the same run store. Ctrl+C stops it within a batch and exits 130."""

from __future__ import annotations

import argparse
import signal
from typing import Any, TextIO

from engine import params as params_module
from engine.cli.core import EXIT_CANCELLED, EXIT_OK, Command, CommandFailed, Example, UsageError
from engine.cli.json_output import result_json, write_json
from engine.cli.lab_text import lab_id, lab_text
from engine.jobs import Cancelled, CancelToken, EpochEnded, Failed, LogLine, Marker, Progress
from engine.run_labels import MAX_NAME_CHARS, MAX_NOTE_CHARS
from engine.safe_files import clip_repr


def _configure(parser: argparse.ArgumentParser) -> None:
    from engine.labs import LABS

    labs = ", ".join(f"{spec.id} ({spec.title})" for spec in LABS.values())
    parser.add_argument("lab", type=lab_id, choices=list(LABS), help=f"the lab to run: {labs}")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="settings",
        help="set one of the lab's parameters; repeat for more (lists comma-separated: "
        "--set optimizers=sgd,adam). 'run LAB --help' lists them",
    )
    parser.add_argument("--epochs", type=int, metavar="N", help="the same as --set epochs=N")
    parser.add_argument("--seed", type=int, metavar="N", help="the same as --set seed=N")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print only the final result as one JSON object on stdout; progress goes to stderr",
    )
    parser.add_argument("--no-record", action="store_true", help="do not record the run in the Runs page")
    parser.add_argument(
        "--name",
        default="",
        metavar="TEXT",
        type=_label("--name", MAX_NAME_CHARS),
        help=f"a name for the run in the Runs page and the JSON (one line, at most {MAX_NAME_CHARS} "
        "characters)",
    )
    parser.add_argument(
        "--note",
        default="",
        metavar="TEXT",
        type=_label("--note", MAX_NOTE_CHARS),
        help=f"a note on the run, shown beside it in the Runs page and in the JSON (at most {MAX_NOTE_CHARS} "
        "characters)",
    )


def _label(option: str, limit: int) -> Any:
    """An argparse type for --name/--note: text of at most ``limit`` characters."""

    def check(text: str) -> str:
        if len(text) > limit:
            raise UsageError(f"{option} takes at most {limit} characters, got {len(text)}")
        return text

    return check


def _lab_parameters(args: argparse.Namespace, width: int) -> str:
    """``run LAB --help`` ends with the lab's parameters, the same text as ``list LAB``."""
    from engine.labs import LABS

    lab = getattr(args, "lab", None)
    return lab_text(LABS[lab], width) if lab in LABS else ""


def _params(spec: Any, args: argparse.Namespace) -> Any:
    values: dict[str, Any] = {}
    for setting in args.settings:
        name, sep, value = setting.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set expects NAME=VALUE, got {clip_repr(setting)}")
        values[name.strip()] = value
    for name in ("epochs", "seed"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    try:
        return params_module.build(spec.params_type, values)
    except params_module.ParamError as exc:
        raise UsageError(f"{spec.id}: {exc} (see: run {spec.id} --help)") from None


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.labs import LABS
    from engine.runner import execute
    from engine.runs import RunStore

    spec = LABS[args.lab]
    params = _params(spec, args)
    progress = err if args.json else out
    token = CancelToken()
    previous = signal.signal(signal.SIGINT, lambda *_: token.cancel())
    store = None if args.no_record else RunStore()
    if store is not None and store.problem:  # said once; the run goes on either way
        print(f"warning: {store.problem}", file=err, flush=True)
    try:
        outcome = execute(spec, params, token, _epoch_printer(progress), store, args.name, args.note)
    finally:
        signal.signal(signal.SIGINT, previous)
        if store is not None:
            store.close()
    if isinstance(outcome, Failed):
        raise CommandFailed(f"{spec.id}: {outcome.message}")
    if isinstance(outcome, Cancelled):
        print(f"cancelled after {outcome.epochs_done} epoch(s)", file=err)
        return EXIT_CANCELLED
    if args.json:
        write_json(result_json(spec.id, params, outcome.result, args.name, args.note), out)
    else:
        for name, value in outcome.result.test.items():
            print(f"test {name}: {value:.4f}", file=out)
        for name, path in outcome.result.artifacts.items():
            print(f"artifact {name}: {path}", file=out)
    return EXIT_OK


def _epoch_printer(stream: TextIO) -> Any:
    from engine.progress import ProgressLines

    phases = ProgressLines()

    def emit(event: Any) -> None:
        if isinstance(event, EpochEnded):
            total = f"/{event.total_epochs}" if event.total_epochs else ""
            numbers = " ".join(f"{k}={v:.4g}" for k, v in event.metrics.items())
            print(f"epoch {event.epoch}{total}: {numbers}", file=stream, flush=True)
        elif isinstance(event, Marker):
            print(f"  [{event.kind}] epoch {event.epoch}: {event.text}", file=stream, flush=True)
        elif isinstance(event, LogLine):
            print(f"  {event.text}", file=stream, flush=True)
        elif isinstance(event, Progress) and (line := phases.line(event)) is not None:
            print(f"  {line}", file=stream, flush=True)

    return emit


RUN = Command(
    name="run",
    summary="run a lab headless and record it in the Runs page",
    description=(
        "Run a lab with the same code as the app: one line per epoch, then the test metrics and the files "
        "it wrote; with --json only the result as one JSON object (keys: lab, params, seed, history, "
        "markers, test, artifacts, name and note when given, then the lab's own). Every run is recorded in "
        "the Runs page unless --no-record. Ctrl+C stops the run within a batch; its completed epochs stay "
        "recorded."
    ),
    configure=_configure,
    handle=_handle,
    examples=(
        Example("run callbacks --set model=3 --epochs 10 --json", "train Model-3, print the result as JSON"),
        Example(
            "run backprop --set optimizers=sgd,momentum,adam --epochs 100",
            "race three optimizers on the assignment's graph",
        ),
        Example("run backprop --help", "the backprop lab's parameters: types, defaults, allowed values"),
    ),
    more_help=_lab_parameters,
)
