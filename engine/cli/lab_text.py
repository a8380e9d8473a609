"""What the command line says about a lab and its parameters: the text of ``list`` and of
``run LAB --help`` (one function, so the two cannot differ) and the registry as JSON (``list --json``).
Everything comes from the labs' Params declarations (engine.params), the same source as the GUI forms.
"""

from __future__ import annotations

from typing import Any

from engine import params as params_module
from engine.cli.core import unknown, wrap
from engine.jobs import LabSpec
from engine.params import ParamInfo

_KIND_NAMES = {int: "int", float: "float", bool: "bool", str: "str", tuple: "list"}


def value_text(value: Any) -> str:
    """A value as it is typed after ``--set NAME=``: lists comma-separated, true/false, "" for empty."""
    if isinstance(value, tuple):
        return ",".join(map(value_text, value)) or '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    return '""' if value == "" else str(value)


def _bounds(info: ParamInfo) -> str:
    low, high = info.minimum, info.maximum
    if low is not None and high is not None:
        return f"{low:g}..{high:g}"
    if low is not None:
        return f"≥ {low:g}"
    return f"≤ {high:g}" if high is not None else ""


def kind_text(info: ParamInfo) -> str:
    """The type and allowed values: ``int, 1..100``, ``one of: a|b``, ``list of int``, ``bool``."""
    if info.kind is tuple:
        if info.choices:
            return f"list of {'|'.join(info.choices)}"
        return f"list of {_KIND_NAMES[info.item_kind]}"
    if info.choices:
        return f"one of: {'|'.join(info.choices)}"
    bounds = _bounds(info) if info.kind in (int, float) else ""
    return f"{_KIND_NAMES[info.kind]}, {bounds}" if bounds else _KIND_NAMES[info.kind]


def parameter_lines(info: ParamInfo, width: int) -> list[str]:
    """One parameter: ``name = default  (type, allowed values)``, then its help indented below."""
    head, kind = f"    {info.name} = {value_text(info.default)}", f"({kind_text(info)})"
    lines = [f"{head}  {kind}"] if len(head) + 2 + len(kind) <= width else [head, *wrap(kind, width, " " * 8)]
    return [*lines, *wrap(info.help, width, " " * 8)]


def lab_text(spec: LabSpec, width: int) -> str:
    """A lab's id, title, summary and every parameter: what ``list`` prints per lab."""
    lines = [f"{spec.id} — {spec.title}", *wrap(spec.summary, width, "  ")]
    lines.append(f"  parameters (run {spec.id} --set NAME=VALUE; lists comma-separated):")
    for info in params_module.describe(spec.params_type):
        lines.extend(parameter_lines(info, width))
    return "\n".join(lines) + "\n"


def _param_json(info: ParamInfo) -> dict[str, Any]:
    document: dict[str, Any] = {"name": info.name, "type": _KIND_NAMES[info.kind]}
    if info.kind is tuple:
        document["item_type"] = _KIND_NAMES[info.item_kind]
    document.update(
        default=list(info.default) if isinstance(info.default, tuple) else info.default,
        minimum=info.minimum,
        maximum=info.maximum,
        choices=list(info.choices) if info.choices is not None else None,
        label=info.label,
        help=info.help,
    )
    return document


def registry_json(specs: list[LabSpec]) -> dict[str, Any]:
    """``list --json``: every lab with its parameters' types, defaults, bounds, choices and help."""
    return {
        "labs": [
            {
                "id": spec.id,
                "title": spec.title,
                "summary": spec.summary,
                "assignment": spec.assignment,
                "needs_tensorflow": spec.needs_tensorflow,
                "params": [_param_json(info) for info in params_module.describe(spec.params_type)],
            }
            for spec in specs
        ]
    }


def lab_id(word: str) -> str:
    """argparse ``type=`` for a lab id: an unknown one is a usage error with the close match."""
    from engine.labs import LABS

    if word not in LABS:
        raise unknown("lab", word, LABS)
    return word
