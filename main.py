"""Deep Learning Lab: ``python main.py`` opens the app; ``list``, ``run``, ``assets`` are the CLI;
``--screenshot out.png [--tab LAB] [--size 1400x900]`` renders a tab and exits;
``screenshots DIR`` writes one PNG per tab."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CLI_COMMANDS = ("list", "run", "assets")
#: Extra README screenshots of a lab in a particular state (``LAB:VIEW``, see gui.app.screenshots).
SCREENSHOT_VIEWS = (
    "backprop:race",
    "backprop:optimizers",
    "backprop:graders",
    "backprop:check",
    "callbacks:curves",
    "callbacks:layers",
    "transfer:confusion",
    "transfer:misclassified",
    "transfer:gradients",
    "text_cnn:steps",
    "text_cnn:lengths",
    "text_cnn:confusion",
    "text_cnn:mistakes",
    "lstm:model",
    "lstm:idf",
    "bert:data",
    "bert:curves",
    "bert:embeddings",
    "bert:predictions",
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python main.py`` and the ``deep-learning-lab`` console script."""
    args = sys.argv[1:] if argv is None else argv
    # TensorFlow's C++ log lines are off by default from its first import on (engine.native_stderr).
    if args and args[0] in CLI_COMMANDS:
        from engine.cli import main as cli_main

        try:
            return cli_main(args)
        except BrokenPipeError:  # e.g. `python main.py list | head`: the reader left, nothing is wrong
            sys.stderr.close()
            return 0
    parser = argparse.ArgumentParser(prog="deep-learning-lab", description=__doc__)
    parser.add_argument("--screenshot", metavar="PNG", help="render the window to a PNG and exit")
    parser.add_argument("--tab", default="home", help="tab for --screenshot: home, a lab id, or runs")
    parser.add_argument("--size", default="1400x900", help="window size for screenshots")
    parser.add_argument("screenshots_dir", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args(args)
    from gui import app

    try:
        size = app.parse_size(options.size)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if options.screenshots_dir:
        if options.screenshots_dir[0] != "screenshots" or len(options.screenshots_dir) != 2:
            parser.error("unexpected arguments; use: screenshots DIR")
        folder = Path(options.screenshots_dir[1])
        from engine.labs import LABS

        tabs = ["home", *LABS, *SCREENSHOT_VIEWS, "runs"]
        return app.screenshots([(tab, folder / f"{tab.replace(':', '-')}.png") for tab in tabs], size)
    if options.screenshot:
        from engine.labs import LABS

        known = ["home", *LABS, "runs"]
        if options.tab.partition(":")[0] not in known:
            print(f"error: unknown tab {options.tab!r}; known: {', '.join(known)}", file=sys.stderr)
            return 2
        return app.screenshots([(options.tab, Path(options.screenshot))], size)
    return app.launch()


if __name__ == "__main__":
    sys.exit(main())
