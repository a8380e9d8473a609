"""The command line (no Qt): ``python main.py COMMAND``. ``main.py`` adds the app's own entries.

Instructors use it to prepare sessions and for scripted checks; ``run`` runs the same lab code as the
GUI and records every run in the same store. Every usage error answers in one line on stderr and
exits 2, a failed command exits 1, Ctrl+C exits 130 (``core.EXIT_CODES``, also printed by ``--help``).

Adding a command takes one module and one line:

1. ``engine/cli/<name>_cmd.py`` defines ``_configure(parser)`` (its arguments, with ``help=`` for each;
   import nothing heavy here: ``--help`` must stay instant), ``_handle(args, out, err) -> exit code``
   (import TensorFlow-backed modules inside it; raise ``UsageError`` for bad input and
   ``CommandFailed`` when the work fails) and ``NAME = Command(name, summary, configure, handle,
   description=..., examples=(Example(...), ...))``. Use ``lab_text.lab_id`` as ``type=`` for a lab
   argument (unknown ids get "did you mean") and ``json_output.write_json`` for ``--json`` output.
2. Add ``NAME`` to ``COMMANDS`` below, in the order ``--help`` should list it. A command that needs Qt
   lives in ``gui/commands.py`` instead (Qt imported inside its handler) and goes into its
   ``GUI_COMMANDS``.
3. Run ``python -m tests.cli_docs`` to refresh README's command-line section (a test compares it with
   the real ``--help``), and add tests of the command's help and exit codes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from engine.cli.assets_cmd import ASSETS
from engine.cli.core import (
    EXIT_CANCELLED,
    EXIT_CODES,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    Command,
    CommandFailed,
    Example,
    UsageError,
)
from engine.cli.core import main as run_commands
from engine.cli.desktop_cmd import INSTALL_DESKTOP
from engine.cli.grade_cmd import GRADE
from engine.cli.json_output import result_json, to_jsonable
from engine.cli.list_cmd import LIST
from engine.cli.run_cmd import RUN
from engine.cli.runs_cmd import RUNS

#: The engine's commands, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (LIST, RUN, RUNS, ASSETS, GRADE, INSTALL_DESKTOP)

__all__ = [
    "COMMANDS",
    "EXIT_CANCELLED",
    "EXIT_CODES",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Command",
    "CommandFailed",
    "Example",
    "UsageError",
    "main",
    "result_json",
    "to_jsonable",
]


def main(
    argv: Sequence[str],
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    commands: Sequence[Command] = COMMANDS,
    app: Command | None = None,
    prog: str = PROG,
) -> int:
    """Run one command line; returns the process exit code.

    Args:
        argv: The arguments after the program name.
        out: Where results and help go. Defaults to stdout.
        err: Where errors and (with ``--json``) progress go. Defaults to stderr.
        commands: The commands offered. Defaults to the engine's; main.py adds the app's.
        app: What runs without a command (the GUI), with its options on the top level. Defaults to
            none: no command is then a usage error.
        prog: The program name in help and messages. Defaults to ``python main.py``.
    """
    return run_commands(argv, out or sys.stdout, err or sys.stderr, commands, app, prog)
