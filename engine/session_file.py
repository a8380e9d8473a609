"""Session files: every lab's settings and the runs selected for comparison, in one readable JSON file
an instructor can hand to a class (File ▸ Save session… / Open session…).

The file is untrusted input: it is read only if it is a regular file of at most :data:`MAX_BYTES`
(:func:`engine.safe_files.read_limited`: a folder, pipe or device is refused without blocking), and
everything in it is checked before use. What is valid is applied; each key that is unknown or holds a
bad value is skipped and named (``labs.callbacks.params.epochs: 0 is below the minimum 1``), so a file
from another version of the app still opens.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import params as params_module
from engine.params import ParamError, ParamInfo
from engine.safe_files import atomic_write_bytes, read_limited

FORMAT = "deep-learning-lab session"
VERSION = 1
#: A session is a few kilobytes; anything far larger is not one.
MAX_BYTES = 1_000_000
_JSON_KINDS = {bool: (bool,), int: (int,), float: (int, float), str: (str,), tuple: (list, str)}
_KIND_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text", tuple: "a list"}


class SessionError(ValueError):
    """The file cannot be read as a session at all; the message names the file and the reason."""


@dataclass
class Session:
    """What a session file holds, checked: per lab its state (``params`` and the lab's own keys), the
    ids of the runs to compare, and every part that was skipped with the reason."""

    labs: dict[str, dict[str, Any]] = field(default_factory=dict)
    compare: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def document(labs: Mapping[str, Mapping[str, Any]], compare: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON object of a session file (``compare``: ``{"id", "lab", "name"}`` of each run)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "saved": time.strftime("%Y-%m-%d %H:%M:%S"),
        "labs": {lab: dict(state) for lab, state in labs.items()},
        "runs": {"compare": compare},
    }


def write(path: Path | str, doc: Mapping[str, Any]) -> None:
    """Write ``doc`` as indented UTF-8 JSON; written to a temporary name and renamed, so a failure
    never leaves half a file. Raises OSError."""
    atomic_write_bytes(path, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def read(path: Path | str, lab_params: Mapping[str, type]) -> Session:
    """Read and check a session file.

    Args:
        path: The file.
        lab_params: Each known lab's Params type, by lab id: the parts a lab's ``params`` may hold.

    Raises:
        SessionError: Not a readable regular file, too large, not UTF-8 JSON, or not a session.
    """
    raw = read_limited(path, MAX_BYTES, SessionError, "session file")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SessionError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SessionError(
            f"{path}: not valid JSON, line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SessionError(f'{path}: not a Deep Learning Lab session (no "format": "{FORMAT}")')
    session = Session()
    if isinstance(doc.get("version"), int) and doc["version"] > VERSION:
        session.skipped.append(
            f"version {doc['version']}: written by a newer app; what this one knows is used"
        )
    for key in doc:
        if key not in ("format", "version", "saved", "labs", "runs"):
            session.skipped.append(f"{key}: not part of a session")
    labs = doc.get("labs", {})
    if not isinstance(labs, dict):
        session.skipped.append("labs: expected an object of labs")
        labs = {}
    for lab, state in labs.items():
        if lab not in lab_params:
            session.skipped.append(f"labs.{lab}: no such lab (the labs are {', '.join(lab_params)})")
        elif not isinstance(state, dict):
            session.skipped.append(f"labs.{lab}: expected an object")
        else:
            session.labs[lab] = _lab_state(lab, state, lab_params[lab], session.skipped)
    session.compare = _compare(doc.get("runs", {}), session.skipped)
    return session


def default_state(params_type: type) -> dict[str, Any]:
    """A lab's state with every setting at its default (for a lab not opened yet)."""
    defaults = {info.name: info.default for info in params_module.describe(params_type)}
    return {"params": {name: list(v) if isinstance(v, tuple) else v for name, v in defaults.items()}}


def check_params(
    values: Mapping[str, Any], params_type: type, where: str
) -> tuple[dict[str, Any], list[str]]:
    """The valid entries of a lab's ``params`` (converted) and one line per skipped entry."""
    infos = {info.name: info for info in params_module.describe(params_type)}
    valid: dict[str, Any] = {}
    skipped = []
    for name, value in values.items():
        info = infos.get(name)
        if info is None:
            skipped.append(f"{where}.{name}: no such setting")
            continue
        try:
            valid[name] = check_value(info, value)
        except ParamError as exc:
            skipped.append(f"{where}.{exc}")
    return valid, skipped


def check_value(info: ParamInfo, value: Any) -> Any:
    """``value`` from a JSON file as the param's type (its JSON type must match: no list for a
    number, no number for a text), within its bounds and choices. Raises ParamError naming it."""
    allowed = _JSON_KINDS.get(info.kind, (str,))
    if not isinstance(value, allowed) or (info.kind is not bool and isinstance(value, bool)):
        raise ParamError(f"{info.name}: expected {_KIND_WORDS.get(info.kind, 'text')}, got {_shown(value)}")
    if (
        info.kind is tuple
        and isinstance(value, list)
        and not all(isinstance(v, (str, int, float)) for v in value)
    ):
        raise ParamError(f"{info.name}: expected a list of values, got {_shown(value)}")
    return params_module.convert(info, value)


def _lab_state(lab: str, state: Mapping[str, Any], params_type: type, skipped: list[str]) -> dict[str, Any]:
    checked = dict(state)  # a lab's own keys (e.g. backprop's graph) are checked by the lab itself
    values = state.get("params", {})
    if not isinstance(values, dict):
        skipped.append(f"labs.{lab}.params: expected an object of settings")
        checked.pop("params", None)
        return checked
    valid, problems = check_params(values, params_type, f"labs.{lab}.params")
    checked["params"] = {name: values[name] for name in valid}  # as written: the lab checks them again
    skipped.extend(problems)
    return checked


def _compare(runs: Any, skipped: list[str]) -> list[int]:
    if not isinstance(runs, dict):
        skipped.append("runs: expected an object")
        return []
    entries = runs.get("compare", [])
    if not isinstance(entries, list):
        skipped.append("runs.compare: expected a list of runs")
        return []
    ids = []
    for entry in entries:
        run_id = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(run_id, int) and not isinstance(run_id, bool) and run_id > 0:
            ids.append(run_id)
        else:
            skipped.append(f"runs.compare: {_shown(entry)} is not a run id")
    return ids


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
