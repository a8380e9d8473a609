"""``list [LAB ...] [--json]``: the labs and every parameter with its type, default, allowed values and
help; with ``--json`` the same registry as one JSON object for scripts."""

from __future__ import annotations

import argparse
from typing import TextIO

from engine.cli.core import EXIT_OK, Command, Example, text_width
from engine.cli.json_output import write_json
from engine.cli.lab_text import lab_id, lab_text, registry_json


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("labs", nargs="*", type=lab_id, metavar="LAB", help="only these labs (default: all)")
    parser.add_argument("--json", action="store_true", help="print the registry as one JSON object")


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.labs import LABS

    specs = [LABS[lab] for lab in args.labs] if args.labs else list(LABS.values())
    if args.json:
        write_json(registry_json(specs), out, indent=2)
        return EXIT_OK
    if not specs:
        print("no labs are registered", file=out)
    out.write("\n".join(lab_text(spec, text_width()) for spec in specs))
    return EXIT_OK


LIST = Command(
    name="list",
    summary="the labs and their parameters: types, defaults, allowed values, help",
    description=(
        "The labs and every parameter with its type, default, allowed values and help (the text "
        "'run LAB --help' shows). With --json, the same registry as one JSON object: "
        '{"labs": [{id, title, summary, assignment, needs_tensorflow, params: [{name, type, item_type '
        "(lists only), default, minimum, maximum, choices, label, help}]}]}."
    ),
    configure=_configure,
    handle=_handle,
    examples=(
        Example("list", "every lab with its parameters"),
        Example("list backprop --json", "one lab's parameters as JSON, for scripts"),
    ),
)
