"""The app's entries on the command line: no command opens the window (or, with ``--screenshot``,
renders one tab to a PNG and exits), and ``screenshots DIR`` renders every tab for the docs.

Imported by main.py before any Qt: building the parser and ``--help`` must not load Qt, so each
handler imports ``gui.app`` itself.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from engine.cli import Command, Example, UsageError

if TYPE_CHECKING:
    from PySide6.QtCore import QSize

#: Extra README screenshots of a lab in a particular state (``LAB:VIEW``, see gui.app.screenshots).
SCREENSHOT_VIEWS = (
    "backprop:race",
    "backprop:optimizers",
    "backprop:graders",
    "backprop:check",
    "backprop:practice",
    "callbacks:curves",
    "callbacks:layers",
    "callbacks:practice",
    "transfer:confusion",
    "transfer:misclassified",
    "transfer:gradients",
    "text_cnn:steps",
    "text_cnn:lengths",
    "text_cnn:confusion",
    "text_cnn:mistakes",
    "text_cnn:table",
    "text_cnn:model",
    "transfer:model",
    "lstm:model",
    "lstm:idf",
    "bert:data",
    "bert:curves",
    "bert:embeddings",
    "bert:predictions",
    "runs:compare",
    "runs:annotated",
)
DEFAULT_SIZE = "1400x900"
#: The second set of ``screenshots DIR`` pictures (in DIR/laptop/): a small laptop screen.
LAPTOP_SIZE = "1280x720"


def _size_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--size", default=DEFAULT_SIZE, metavar="WxH", help=f"window size in pixels (default {DEFAULT_SIZE})"
    )
    parser.add_argument(
        "--theme",
        choices=("light", "dark"),
        default="light",
        help="theme of the pictures (default light; the user's own settings are never read)",
    )


def _configure_app(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--screenshot", metavar="PNG", help="render one tab to a PNG file and exit")
    parser.add_argument(
        "--tab", default="home", help="tab for --screenshot: home, a lab id, runs, or LAB:VIEW (default home)"
    )
    _size_option(parser)


def _window_size(text: str) -> QSize:
    from gui import app

    try:
        return app.parse_size(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _open_app(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.labs import LABS
    from gui import app

    if not args.screenshot:
        return app.launch()
    size = _window_size(args.size)
    known = ["home", *LABS, "runs"]
    if args.tab.partition(":")[0] not in known:
        raise UsageError(f"unknown tab {args.tab!r}; known: {', '.join(known)}")
    return app.screenshots([(args.tab, Path(args.screenshot))], size, theme_key=args.theme)


def _configure_screenshots(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder", metavar="DIR", type=Path, help="folder for the PNG files (created if needed)"
    )
    _size_option(parser)


def _screenshots(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.labs import LABS
    from gui import app

    size = _window_size(args.size)
    tabs = ["home", *LABS, *SCREENSHOT_VIEWS, "runs"]
    targets = [(tab, args.folder / f"{tab.replace(':', '-')}.png") for tab in tabs]
    # The same pictures at a common laptop size (one run serves both), to see that every view fits.
    laptop = [(_window_size(LAPTOP_SIZE), args.folder / "laptop")]
    return app.screenshots(targets, size, more_sizes=laptop, theme_key=args.theme)


APP = Command(
    name="",
    usage="[--screenshot PNG [--tab TAB] [--size WxH] [--theme light|dark]]",
    summary="Without a command it opens the app; a command runs the same code headless.",
    configure=_configure_app,
    handle=_open_app,
    examples=(
        Example("", "open the app"),
        Example(
            "--screenshot out.png --tab backprop:race --size 1366x768", "render one tab in a given state"
        ),
    ),
)

SCREENSHOTS = Command(
    name="screenshots",
    summary="render every tab (and the README's lab views) to PNG files in DIR",
    description=(
        "Render the home page, every lab, the README's lab views (LAB:VIEW) and the Runs page to "
        "DIR/<tab>.png, and the same pictures at 1280x720 to DIR/laptop/<tab>.png, as 'make screenshots' "
        "does for docs/. Works offscreen (QT_QPA_PLATFORM=offscreen)."
    ),
    configure=_configure_screenshots,
    handle=_screenshots,
    examples=(Example("screenshots docs", "regenerate the README's pictures"),),
)

#: The app's commands, listed after the engine's.
GUI_COMMANDS: tuple[Command, ...] = (SCREENSHOTS,)
