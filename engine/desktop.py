"""The desktop launcher: the packaged freedesktop entry and icons, installed for one user.

``resources/deep-learning-lab.desktop`` is the entry a packaged install uses (``Exec`` runs the
``deep-learning-lab-gui`` script). :func:`install` writes a copy whose ``Exec`` runs this checkout's
``main.py`` with the interpreter that ran the command (the checkout's virtualenv under ``make
desktop``), so the menu entry starts the app without a terminal; the icons go into the user's
``hicolor`` theme. Everything written is listed, with its SHA-256, in an install record, and
:func:`uninstall` removes exactly those files (a file changed since is left in place and named) and the
folders the install created, once they are empty.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from engine.desktop_entry_check import entry_problems
from engine.paths import xdg_home
from engine.safe_files import atomic_write_bytes

APP_ID = "deep-learning-lab"
#: The icon's theme name (``Icon=`` in the entry) and the stem of its files.
ICON_NAME = "deep-learning-lab"
#: Square PNG sizes rendered from the SVG master (``make icons``).
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
#: Where :func:`install` keeps its record of what it wrote, under the data home.
RECORD = Path(APP_ID) / "desktop-install.json"
#: Characters that make an ``Exec`` argument need quoting (Desktop Entry Specification, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class DesktopError(Exception):
    """The entry could not be built or written; the message says which file and why."""


def _resource(*parts: str) -> Path:
    path = resources.files("resources")
    for part in parts:  # one part per call: Python 3.10's joinpath takes a single name
        path = path.joinpath(part)
    return Path(str(path))


def icon_svg() -> Path:
    """The icon's SVG master."""
    return _resource("icons", f"{ICON_NAME}.svg")


def icon_png(size: int) -> Path:
    """The icon rendered at ``size``×``size`` pixels."""
    return _resource("icons", f"{ICON_NAME}-{size}.png")


def packaged_entry() -> str:
    """The desktop entry shipped in ``resources/`` (for packaged installs)."""
    return _resource(f"{APP_ID}.desktop").read_text(encoding="utf-8")


def data_home() -> Path:
    """Where desktop entries and icons go: ``$XDG_DATA_HOME`` (see :func:`engine.paths.xdg_home`)."""
    return xdg_home("XDG_DATA_HOME", ".local/share")


def exec_value(args: list[str]) -> str:
    """``args`` as an ``Exec=`` value: arguments with reserved characters double-quoted with ``"`` ``\\``
    `` ` `` ``$`` escaped, ``%`` doubled, then the string escaping of backslashes applied on top."""
    parts = []
    for arg in args:
        if any(ord(c) < 32 for c in arg):
            raise DesktopError(f"a launcher cannot run a path with a control character: {arg[:200]!r}")
        arg = arg.replace("%", "%%")
        if not arg or _RESERVED & set(arg):
            arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
        parts.append(arg)
    return " ".join(parts).replace("\\", "\\\\")


def checkout_main() -> Path:
    """This installation's ``main.py`` (the checkout's, or the one installed beside the packages)."""
    return Path(__file__).resolve().parents[1] / "main.py"


def installed_entry(python: Path, main_py: Path) -> str:
    """The packaged entry with ``Exec``/``TryExec`` pointing at ``python main_py`` (no terminal)."""
    lines = []
    for line in packaged_entry().splitlines():
        key = line.partition("=")[0]
        if key == "Exec":
            line = "Exec=" + exec_value([str(python), str(main_py)])
        elif key == "TryExec":
            line = "TryExec=" + str(python).replace("\\", "\\\\")
        lines.append(line)
    lines.append("X-Deep-Learning-Lab-Checkout=" + str(main_py.parent).replace("\\", "\\\\"))
    return "\n".join(lines) + "\n"


@dataclass
class Report:
    """What :func:`install` or :func:`uninstall` did, one line per file for the user."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    removed_folders: list[Path] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _targets(home: Path, python: Path, main_py: Path) -> dict[Path, bytes]:
    """Every file the install writes, with its bytes."""
    files = {home / "applications" / f"{APP_ID}.desktop": installed_entry(python, main_py).encode()}
    icons = home / "icons" / "hicolor"
    for size in ICON_SIZES:
        files[icons / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"] = icon_png(size).read_bytes()
    files[icons / "scalable" / "apps" / f"{ICON_NAME}.svg"] = icon_svg().read_bytes()
    return files


def install(home: Path | None = None, python: Path | None = None, main_py: Path | None = None) -> Report:
    """Write the entry and the icons under ``home`` (default :func:`data_home`) and the record.

    Raises:
        DesktopError: The entry would be invalid, or a file could not be written (nothing is left
            half-written: each file is written to a temporary name and renamed).
    """
    home = home or data_home()
    python = python or Path(sys.executable)
    main_py = main_py or checkout_main()
    files = _targets(home, python, main_py)
    entry = files[home / "applications" / f"{APP_ID}.desktop"].decode()
    problems = entry_problems(entry)
    if problems:
        raise DesktopError("the desktop entry would be invalid: " + "; ".join(problems))
    record = _read_record(home)
    created = set(record.get("dirs", []))
    report = Report()
    for path in [*files, home / RECORD]:
        created.update(str(d) for d in _missing_parents(path))
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data, mode=0o644)
            report.written.append(path)
        stale = {Path(p) for p in record.get("files", {})} - set(files)
        _remove_unchanged(stale, record.get("files", {}), report)
        (home / RECORD).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(
            home / RECORD,
            json.dumps(
                {
                    "files": {str(p): _sha256(d) for p, d in files.items()},
                    "dirs": sorted(created),
                    "python": str(python),
                    "main": str(main_py),
                },
                indent=2,
            ).encode(),
        )
    except OSError as exc:
        raise DesktopError(f"could not write {exc.filename or home}: {exc.strerror or exc}") from None
    if sys.prefix == sys.base_prefix and python == Path(sys.executable):
        report.notes.append(f"{python} is not a virtualenv's interpreter; the launcher runs it all the same")
    return report


def uninstall(home: Path | None = None) -> Report:
    """Remove what :func:`install` wrote under ``home`` (per its record) and the record itself."""
    home = home or data_home()
    report = Report()
    record_path = home / RECORD
    if not record_path.is_file():
        report.notes.append(f"nothing to remove: no install record at {record_path}")
        return report
    record = _read_record(home)
    files: dict[str, str] = record.get("files", {})
    try:
        _remove_unchanged({Path(p) for p in files}, files, report)
        record_path.unlink()
        report.removed.append(record_path)
        for folder in sorted(record.get("dirs", []), key=lambda d: -len(Path(d).parts)):
            path = Path(folder)
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
                report.removed_folders.append(path)
    except OSError as exc:
        raise DesktopError(f"could not remove {exc.filename or home}: {exc.strerror or exc}") from None
    return report


def _remove_unchanged(paths: set[Path], hashes: dict[str, str], report: Report) -> None:
    for path in sorted(paths):
        if not path.is_file():
            continue
        if _sha256(path.read_bytes()) != hashes.get(str(path)):
            report.kept.append(f"{path} (changed since it was installed; left in place)")
            continue
        path.unlink()
        report.removed.append(path)


def _read_record(home: Path) -> dict[str, Any]:
    try:
        text = (home / RECORD).read_text(encoding="utf-8")
        record = json.loads(text)
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _missing_parents(path: Path) -> list[Path]:
    missing = []
    for parent in path.parents:
        if parent.exists():
            break
        missing.append(parent)
    return missing


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
