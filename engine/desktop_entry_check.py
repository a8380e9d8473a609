"""A desktop entry checked against the Desktop Entry Specification (1.5) and the registered categories
of the Desktop Menu Specification: the rules ``desktop-file-validate`` reports as errors for an
application entry, so an install on a machine without desktop-file-utils is still checked.

Not everything the tool checks is here (e.g. its hints on deprecated keys of old versions); the tests
run the tool as well whenever it is installed.
"""

from __future__ import annotations

import re


def _names(text: str) -> frozenset[str]:
    """A set of names written as one space-separated string (the specifications' tables)."""
    return frozenset(text.split())


MAIN_CATEGORIES = _names(
    "AudioVideo Audio Video Development Education Game Graphics Network Office Science Settings System "
    "Utility"
)
ADDITIONAL_CATEGORIES = _names(
    """Building Debugger IDE GUIDesigner Profiling RevisionControl Translation Calendar ContactManagement
    Database Dictionary Chart Email Finance FlowChart PDA ProjectManagement Presentation Spreadsheet
    WordProcessor 2DGraphics VectorGraphics RasterGraphics 3DGraphics Scanning OCR Photography Publishing
    Viewer TextTools DesktopSettings HardwareSettings Printing PackageManager Dialup InstantMessaging Chat
    IRCClient Feed FileTransfer HamRadio News P2P RemoteAccess Telephony TelephonyTools VideoConference
    WebBrowser WebDevelopment Midi Mixer Sequencer Tuner TV AudioVideoEditing Player Recorder DiscBurning
    ActionGame AdventureGame ArcadeGame BoardGame BlocksGame CardGame KidsGame LogicGame RolePlaying
    Shooter Simulation SportsGame StrategyGame Art Construction Music Languages ArtificialIntelligence
    Astronomy Biology Chemistry ComputerScience DataVisualization Economy Electricity Geography Geology
    Geoscience History Humanities ImageProcessing Literature Maps Math NumericalAnalysis MedicalSoftware
    Physics Robotics Spirituality Sports ParallelComputing Amusement Archiving Compression Electronics
    Emulator Engineering FileTools FileManager TerminalEmulator Filesystem Monitor Security Accessibility
    Calculator Clock TextEditor Documentation Adult Core KDE GNOME XFCE DDE GTK Qt Motif Java ConsoleOnly
    Screensaver TrayIcon Applet Shell"""
)
KNOWN_KEYS = _names(
    """Type Version Name GenericName NoDisplay Comment Icon Hidden OnlyShowIn NotShowIn DBusActivatable
    TryExec Exec Path Terminal Actions MimeType Categories Implements Keywords StartupNotify StartupWMClass
    URL PrefersNonDefaultGPU SingleMainWindow"""
)
LOCALIZABLE_KEYS = frozenset({"Name", "GenericName", "Comment", "Icon", "Keywords"})
BOOLEAN_KEYS = frozenset(
    {"NoDisplay", "Hidden", "DBusActivatable", "Terminal", "StartupNotify", "PrefersNonDefaultGPU"}
    | {"SingleMainWindow"}
)
LIST_KEYS = frozenset({"OnlyShowIn", "NotShowIn", "Actions", "MimeType", "Categories", "Implements"})
VERSIONS = frozenset({"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"})
#: The field codes ``Exec`` may hold after a ``%`` (``%%`` is a literal percent sign).
FIELD_CODES = frozenset("fFuUdDnNickvm%")
_KEY = re.compile(r"^([A-Za-z0-9-]+)(\[[A-Za-z]+(?:_[A-Za-z]+)?(?:\.[A-Za-z0-9-]+)?(?:@[A-Za-z]+)?\])?$")
_GROUP = re.compile(r"^\[([^\[\]\x00-\x1f\x7f]+)\]$")


def entry_problems(text: str) -> list[str]:
    """Every error in a desktop entry's text, each naming the line or key; [] for a valid entry."""
    problems: list[str] = []
    groups: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        group = _GROUP.match(line)
        if group:
            if group.group(1) in groups:
                problems.append(f"line {number}: group [{group.group(1)}] appears twice")
            current = groups.setdefault(group.group(1), {})
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep:
            problems.append(f"line {number}: neither a group, a comment nor KEY=VALUE: {line[:80]!r}")
        elif current is None:
            problems.append(f"line {number}: {key} comes before the first group")
        elif not _KEY.match(key):
            problems.append(f"line {number}: {key!r} is not a valid key name")
        elif key in current:
            problems.append(f"line {number}: {key} is set twice in its group")
        else:
            current[key] = value.strip()
    if not groups or next(iter(groups)) != "Desktop Entry":
        problems.append("the first group must be [Desktop Entry]")
    return problems + _entry_group_problems(groups.get("Desktop Entry", {}))


def _entry_group_problems(entry: dict[str, str]) -> list[str]:
    problems = []
    for key, value in entry.items():
        base = key.split("[", 1)[0]
        if base not in KNOWN_KEYS and not base.startswith("X-"):
            problems.append(f"{key} is not a key of the specification (custom keys start with X-)")
        if "[" in key and base not in LOCALIZABLE_KEYS and not base.startswith("X-"):
            problems.append(f"{key}: {base} cannot be localized")
        if base in BOOLEAN_KEYS and value not in ("true", "false"):
            problems.append(f"{key}={value!r}: a boolean must be 'true' or 'false'")
        if base in LIST_KEYS | {"Keywords"} and value and not value.endswith(";"):
            problems.append(f"{key}: a list must end with ';'")
        if any(ord(c) < 32 for c in value):
            problems.append(f"{key}: the value holds a control character")
    for required in ("Type", "Name"):
        if required not in entry:
            problems.append(f"required key {required} is missing")
    kind = entry.get("Type")
    if kind is not None and kind not in ("Application", "Link", "Directory"):
        problems.append(f"Type={kind!r} is not Application, Link or Directory")
    if "Version" in entry and entry["Version"] not in VERSIONS:
        problems.append(f"Version={entry['Version']!r} is not a version of the specification")
    if kind == "Application":
        if "Exec" not in entry and entry.get("DBusActivatable") != "true":
            problems.append("an Application needs Exec (or DBusActivatable=true)")
        problems += _exec_problems(entry.get("Exec", ""))
        problems += _category_problems(entry.get("Categories", ""))
    icon = entry.get("Icon", "")
    if icon and not icon.startswith("/") and icon.rsplit(".", 1)[-1].lower() in ("png", "svg", "xpm"):
        problems.append(f"Icon={icon!r}: an icon theme name has no file extension")
    return problems


def _exec_problems(value: str) -> list[str]:
    problems = []
    unescaped = value.replace("\\\\", "\\")  # the string rule first, then the Exec quoting rules
    quoted, escaped, index = False, False, 0
    while index < len(unescaped):
        char = unescaped[index]
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "%":
            code = unescaped[index + 1 : index + 2]
            if code not in FIELD_CODES:
                problems.append(f"Exec: '%{code}' is not a field code (write %% for a percent sign)")
            index += 1
        index += 1
    if quoted:
        problems.append("Exec: a quoted argument is not closed")
    return problems


def _category_problems(value: str) -> list[str]:
    names = [name for name in value.split(";") if name]
    problems = [
        f"Categories: {name!r} is not a registered category (custom ones start with X-)"
        for name in names
        if name not in MAIN_CATEGORIES | ADDITIONAL_CATEGORIES and not name.startswith("X-")
    ]
    if names and not MAIN_CATEGORIES & set(names):
        problems.append("Categories: no main category (e.g. Education), so no menu shows it")
    return problems
