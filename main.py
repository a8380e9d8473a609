"""Deep Learning Lab: ``python main.py`` opens the app; ``python main.py --help`` lists the commands
(engine.cli; the app's own entries are in gui.commands). Nothing here imports Qt or TensorFlow: the
chosen command does."""

from __future__ import annotations

import sys
from pathlib import Path

from engine import cli
from gui.commands import APP, GUI_COMMANDS

#: Every command of ``python main.py``, in the order ``--help`` lists them.
COMMANDS = (*cli.COMMANDS, *GUI_COMMANDS)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python main.py`` and the ``deep-learning-lab`` console script."""
    name = Path(sys.argv[0]).name
    prog = "python main.py" if name in ("main.py", "-c", "") else name
    # TensorFlow's C++ log lines are off by default from its first import on (engine.native_stderr).
    try:
        args = sys.argv[1:] if argv is None else argv
        return cli.main(args, commands=COMMANDS, app=APP, prog=prog)
    except BrokenPipeError:  # e.g. `python main.py list | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
