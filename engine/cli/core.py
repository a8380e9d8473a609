"""The command-line machinery: commands declared as data, one argparse parser per command, and the rule
that bad input answers in one line on stderr with exit code 2.

Parsing happens in two stages. The root parser knows the program's own options (``--help``,
``--version``, and the app's options when an app is given) and splits ``argv`` into a command word
and that command's arguments; the word is checked here, so an unknown one gets a "did you mean"
answer, and then only the chosen command's parser is built and run. Building a parser never imports
TensorFlow or Qt, so any ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import textwrap
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO

from engine.safe_files import clip, clip_repr

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
#: Every exit code with its meaning: printed by ``--help`` and in README (a test keeps them equal).
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success"),
    (
        EXIT_FAILED,
        "the command failed: a lab stopped with an error, an asset could not be prepared, "
        "a graded exercise did not pass",
    ),
    (EXIT_USAGE, "usage error: unknown command, lab or option, a missing argument or a bad value"),
    (EXIT_CANCELLED, "interrupted with Ctrl+C (a run keeps its completed epochs in the Runs page)"),
)
PROG = "python main.py"
DISTRIBUTION = "deep-learning-lab"
#: Help text is wrapped to the terminal, but never wider than this (long lines read badly).
MAX_WIDTH = 100

Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]


class CommandFailed(Exception):
    """The command's work failed for a reason the user can act on; :func:`main` prints it on one line
    (``error: …``) and exits 1."""


class UsageError(Exception):
    """Bad command-line input; :func:`main` prints it on one line and exits 2.

    Deliberately not a ValueError: raised from an argparse ``type=`` function it passes through
    argparse unchanged instead of becoming argparse's own "invalid value" message.
    """


class _HelpShown(Exception):
    """``--help`` or ``--version`` was asked for: print ``text`` on stdout and exit 0."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Example:
    """One command line (after the program name) and what it does."""

    line: str
    what: str


@dataclass(frozen=True)
class Command:
    """One command of ``python main.py COMMAND``.

    Args:
        name: The command word.
        summary: One line for the command list of ``--help``.
        configure: Adds the command's arguments to its parser (cheap: no TensorFlow, no Qt).
        handle: Runs the command: ``handle(args, out, err) -> exit code``. May raise UsageError.
        description: A paragraph for ``COMMAND --help``. Defaults to the summary.
        examples: Shown by ``COMMAND --help``; the first one also in the program's ``--help``.
        usage: The usage line after the program name, for ``--help``. Defaults to argparse's.
        more_help: Extra text for ``COMMAND ... --help`` given the arguments parsed so far (``run
            LAB --help`` adds the lab's parameters); '' for none. Defaults to none.
    """

    name: str
    summary: str
    configure: Callable[[argparse.ArgumentParser], None]
    handle: Handler
    description: str = ""
    examples: tuple[Example, ...] = ()
    usage: str = ""
    more_help: Callable[[argparse.Namespace, int], str] | None = None


def text_width() -> int:
    """Columns for help text: the terminal's width, at most MAX_WIDTH."""
    return max(60, min(shutil.get_terminal_size().columns, MAX_WIDTH + 2) - 2)


def wrap(text: str, width: int, indent: str, later_indent: str | None = None) -> list[str]:
    """``text`` as lines of at most ``width`` columns, the first starting with ``indent``, the others
    with ``later_indent`` (defaults to ``indent``)."""
    later = indent if later_indent is None else later_indent
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=later,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return lines or [indent.rstrip()]


def unknown(kind: str, word: str, known: Iterable[str]) -> UsageError:
    """The one-line answer to a mistyped name: the close match when there is one, else the known names."""
    names = list(known)
    prefixed = [name for name in names if name.startswith(word)] if word else []
    close = prefixed if len(prefixed) == 1 else difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if close:
        return UsageError(f"unknown {kind} {clip_repr(word)} — did you mean {close[0]!r}?")
    return UsageError(f"unknown {kind} {clip_repr(word)}; the {kind}s are {', '.join(names) or 'none'}")


def version() -> str:
    """The installed package's version (``pip install -e .`` / ``make`` provides the metadata)."""
    from importlib import metadata  # only --version needs it (13 ms on every start otherwise)

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed: run make)"


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (raised as UsageError) and help returned, not printed."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: {self.prog} --help)")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, width=text_width(), max_help_position=26)


class _HelpAction(argparse.Action):
    """``-h/--help``: the parser's help, plus the command's ``more_help`` for what was parsed so far."""

    def __init__(self, option_strings: Sequence[str], dest: str, command: Command | None = None) -> None:
        super().__init__(option_strings, argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0)
        self.command = command
        self.help = "show this help and exit"

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, *_: Any) -> None:
        text = parser.format_help()
        if self.command is not None and self.command.more_help is not None:
            more = self.command.more_help(namespace, text_width())
            text += f"\n{more}" if more else ""
        raise _HelpShown(text)


def _examples(examples: Iterable[Example], prog: str, width: int) -> list[str]:
    lines = ["examples:"]
    for example in examples:
        lines.append(f"  {prog} {example.line}".rstrip())
        lines.extend(wrap(example.what, width, "      "))
    return lines


def _exit_codes(width: int) -> list[str]:
    lines = ["exit codes:"]
    for code, meaning in EXIT_CODES:
        lines.extend(wrap(meaning, width, f"  {code:<4} ", " " * 7))
    return lines


def command_parser(command: Command, prog: str = PROG) -> Parser:
    """The parser of one command, with its help, description and examples."""
    width = text_width()
    epilog = "\n".join(_examples(command.examples, prog, width)) if command.examples else None
    parser = Parser(
        prog=f"{prog} {command.name}",
        usage=f"%(prog)s {command.usage}" if command.usage else None,
        description="\n".join(wrap(command.description or command.summary, width, "")),
        epilog=epilog,
        formatter_class=_formatter,
        add_help=False,
    )
    parser.add_argument("-h", "--help", action=_HelpAction, command=command)
    command.configure(parser)
    return parser


def root_parser(commands: Sequence[Command], app: Command | None = None, prog: str = PROG) -> Parser:
    """The program's parser: its own options, the command list, examples and exit codes."""
    width = text_width()
    pad = max(len(command.name) for command in commands) + 4
    listing = [f"  {c.name:<{pad}}{c.summary}" for c in commands]
    examples = [*(app.examples if app else ()), *(c.examples[0] for c in commands if c.examples)]
    usage = [f"{prog} COMMAND [ARGS ...]", f"{prog} --help | --version"]
    intro = "Deep Learning Lab: six deep-learning labs, offline, on a laptop CPU."
    if app is not None:
        usage.insert(0, f"{prog} {app.usage}".rstrip())
        intro += f" {app.summary}"
    tip = f"'{prog} COMMAND --help' shows a command's options and examples"
    if any(command.name == "run" for command in commands):
        tip += f"; '{prog} run LAB --help' also the lab's parameters"
    epilog = [
        *_examples(examples, prog, width),
        "",
        *_exit_codes(width),
        "",
        *wrap(tip, width, ""),
    ]
    parser = Parser(
        prog=prog,
        usage=("\n" + " " * len("usage: ")).join(usage),
        description="\n".join([*wrap(intro, width, ""), "", "commands:", *listing]),
        epilog="\n".join(epilog),
        formatter_class=_formatter,
        add_help=False,
    )
    parser.add_argument("-h", "--help", action=_HelpAction)
    parser.add_argument("--version", action="store_true", help="show the version and exit")
    if app is not None:
        # A group offers the parser's add_argument, all configure uses; its own help heading is clearer.
        app.configure(parser.add_argument_group("the app (no command)"))  # type: ignore[arg-type]
    parser.add_argument("command", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("command_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(
    argv: Sequence[str],
    out: TextIO,
    err: TextIO,
    commands: Sequence[Command],
    app: Command | None = None,
    prog: str = PROG,
) -> int:
    """Parse ``argv``, run the command (or the app when there is none); returns the exit code."""
    try:
        return _dispatch(list(argv), out, err, commands, app, prog)
    except _HelpShown as shown:
        out.write(shown.text)
        return EXIT_OK
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except CommandFailed as exc:
        print(f"error: {exc}", file=err)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return EXIT_CANCELLED
    except BrokenPipeError:
        raise  # main.py: the reader left, nothing is wrong
    except Exception as exc:  # a bug: one line here, the traceback in the error log
        print(f"error: unexpected {type(exc).__name__}: {clip(exc)} ({_log_traceback()})", file=err)
        return EXIT_FAILED


def _log_traceback() -> str:
    """Append the current exception's traceback to ``errors.log``; say where (or why not)."""
    from engine import paths

    path = paths.data_dir() / "errors.log"
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} command line\n{traceback.format_exc()}\n")
    except OSError as exc:
        return f"the details could not be written to {path}: {exc.strerror or exc}"
    return f"details in {path}"


def _dispatch(
    argv: list[str],
    out: TextIO,
    err: TextIO,
    commands: Sequence[Command],
    app: Command | None,
    prog: str,
) -> int:
    root = root_parser(commands, app, prog)
    options = root.parse_args(argv)
    if options.version:
        print(f"{DISTRIBUTION} {version()}", file=out)
        return EXIT_OK
    if options.command is None:
        if app is None:
            raise UsageError(f"no command given; the commands are {', '.join(c.name for c in commands)}")
        return app.handle(options, out, err)
    by_name = {command.name: command for command in commands}
    command = by_name.get(options.command)
    if command is None:
        raise unknown("command", options.command, by_name)
    defaults = vars(root.parse_args([]))
    stray = [name for name, value in vars(options).items() if name not in defaults or value != defaults[name]]
    stray = [name for name in stray if name not in ("command", "command_args")]
    if stray:
        flags = ", ".join("--" + name.replace("_", "-") for name in stray)
        verb = "applies" if len(stray) == 1 else "apply"
        raise UsageError(f"{flags} {verb} only when no command is given (see: {prog} --help)")
    args = command_parser(command, prog).parse_args(options.command_args)
    return command.handle(args, out, err)
