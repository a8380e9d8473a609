"""``install-desktop [--uninstall]``: put the app into the desktop's application menu for this user
(the entry and icons, see :mod:`engine.desktop`), or take out exactly what that wrote."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import TextIO

from engine.cli.core import EXIT_OK, Command, CommandFailed, Example


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--uninstall",
        action="store_true",
        help="remove the entry, the icons and the folders the install created (files changed since are "
        "kept and named)",
    )


def validate_with_tool(entry: Path) -> str | None:
    """``desktop-file-validate``'s complaints about ``entry`` ('' when it has none), or None when the
    tool is not installed."""
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        return None
    done = subprocess.run([tool, str(entry)], capture_output=True, text=True, timeout=30, check=False)
    return (done.stdout + done.stderr).strip() if done.returncode else ""


def _handle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine import desktop

    try:
        report = desktop.uninstall() if args.uninstall else desktop.install()
    except desktop.DesktopError as exc:
        raise CommandFailed(str(exc)) from None
    for path in report.written:
        print(f"wrote {path}", file=out)
    for path in report.removed:
        print(f"removed {path}", file=out)
    if report.removed_folders:
        print(f"removed {len(report.removed_folders)} empty folder(s) the install had created", file=out)
    for line in report.kept:
        print(f"kept {line}", file=out)
    for note in report.notes:
        print(note, file=out)
    if args.uninstall:
        return EXIT_OK
    entry = report.written[0]
    complaints = validate_with_tool(entry)
    if complaints:
        raise CommandFailed(f"desktop-file-validate rejects {entry}:\n{complaints}")
    checked = (
        "desktop-file-validate" if complaints is not None else "the built-in check (no desktop-file-validate)"
    )
    print(f"the entry passes {checked}; 'Deep Learning Lab' is in your application menu", file=out)
    return EXIT_OK


INSTALL_DESKTOP = Command(
    name="install-desktop",
    summary="add the app to your desktop's application menu (--uninstall takes it out)",
    description=(
        "Write a desktop entry to $XDG_DATA_HOME/applications/ (default ~/.local/share/applications/) and "
        "the icon to $XDG_DATA_HOME/icons/hicolor/, so the app starts from the application menu or a "
        "dock without a terminal, with this checkout's Python (its virtualenv under 'make desktop'). "
        "--uninstall removes exactly the files it wrote."
    ),
    configure=_configure,
    handle=_handle,
    examples=(
        Example("install-desktop", "add 'Deep Learning Lab' to the application menu"),
        Example("install-desktop --uninstall", "remove the entry and icons it wrote"),
    ),
)
