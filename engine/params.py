"""Lab parameters: one declaration serves the CLI (``--set k=v``), the GUI form and validation.

A lab's ``Params`` is a frozen dataclass whose fields are declared with :func:`param`, which stores the
help text, bounds and choices in the field's metadata. Values typed by people (CLI strings, form
text) are converted and checked here, so every entry point rejects the same bad input with the same
message naming the field.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.safe_files import clip, clip_repr

#: Whole numbers are stored as SQLite INTEGERs (signed 64-bit): a larger seed could not be recorded.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
#: Longest text a parameter may hold (paths included): far above any real path, far below a pasted file.
MAX_TEXT_CHARS = 4096
#: Share of this computer's memory a run may plan to use before it is refused up front.
MEMORY_SHARE = 0.5


class ParamError(ValueError):
    """A parameter name or value is not acceptable; the message names the field and the problem."""


def param(
    default: Any,
    help: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: Sequence[str] | None = None,
    label: str | None = None,
) -> Any:
    """Declare a parameter field with its default and description.

    Args:
        default: The default value (tuples for list-valued fields).
        help: One sentence a learner understands.
        minimum: Smallest allowed number (inclusive). Defaults to no bound.
        maximum: Largest allowed number (inclusive). Defaults to no bound.
        choices: Allowed values for a string field, or for each item of a tuple field.
            Defaults to any value.
        label: Form label. Defaults to the field name with underscores as spaces.
    """
    metadata = {
        "help": help,
        "minimum": minimum,
        "maximum": maximum,
        "choices": tuple(choices) if choices is not None else None,
        "label": label,
    }
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class ParamInfo:
    """What a form or the CLI needs to know about one field."""

    name: str
    kind: type  # int, float, bool, str or tuple
    default: Any
    help: str
    label: str
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...] | None
    item_kind: type = str  # the type of each item of a tuple field


def _item_kind_of(annotation: Any) -> type:
    args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
    return args[0] if args and args[0] in (int, float, str) else str


def _kind_of(annotation: Any) -> type:
    origin = typing.get_origin(annotation)
    if origin in (tuple, Sequence):
        return tuple
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _kind_of(kinds[0])
    if annotation in (int, float, bool, str):
        return annotation
    raise TypeError(f"unsupported parameter type {annotation!r}")


def describe(params_type: type) -> list[ParamInfo]:
    """The fields of a Params dataclass, in declaration order."""
    hints = typing.get_type_hints(params_type)
    infos = []
    for f in dataclasses.fields(params_type):
        meta = f.metadata
        infos.append(
            ParamInfo(
                name=f.name,
                kind=_kind_of(hints[f.name]),
                default=f.default,
                help=meta.get("help", ""),
                label=meta.get("label") or f.name.replace("_", " "),
                minimum=meta.get("minimum"),
                maximum=meta.get("maximum"),
                choices=meta.get("choices"),
                item_kind=_item_kind_of(hints[f.name]) if _kind_of(hints[f.name]) is tuple else str,
            )
        )
    return infos


def convert(info: ParamInfo, value: Any) -> Any:
    """Convert ``value`` (a string from a person, or an already typed value) and check its bounds."""
    try:
        converted = _convert_kind(info.kind, value)
        if info.kind is tuple and info.item_kind is not str:
            converted = tuple(_convert_kind(info.item_kind, item) for item in converted)
    except (TypeError, ValueError) as exc:
        raise ParamError(f"{info.name}: {exc}") from None
    _check(info, converted)
    return converted


def _convert_kind(kind: type, value: Any) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected true or false, got {clip_repr(value)}")
    if kind is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"expected a whole number, got {clip_repr(value)}")
        try:
            number = int(str(value).strip()) if isinstance(value, str) else int(value)
        except ValueError:
            raise ValueError(f"expected a whole number, got {clip_repr(value)}") from None
        if not INT_MIN <= number <= INT_MAX:
            raise ValueError(f"{clip(number, 40)} does not fit in a 64-bit whole number (at most {INT_MAX})")
        return number
    if kind is float:
        try:
            real = float(value)
        except (ValueError, OverflowError):
            raise ValueError(f"expected a number, got {clip_repr(value)}") from None
        if real != real or real in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {clip_repr(value)}")
        return real
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"{len(value):,} characters is too long (at most {MAX_TEXT_CHARS:,})")
    if kind is tuple:
        items = value.split(",") if isinstance(value, str) else list(value)
        return tuple(str(item).strip() for item in items if str(item).strip())
    return str(value)


def _check(info: ParamInfo, value: Any) -> None:
    if info.kind in (int, float):
        if info.minimum is not None and value < info.minimum:
            raise ParamError(f"{info.name}: {value} is below the minimum {info.minimum:g}")
        if info.maximum is not None and value > info.maximum:
            raise ParamError(f"{info.name}: {value} is above the maximum {info.maximum:g}")
    if info.choices is not None:
        items = value if info.kind is tuple else (value,)
        for item in items:
            if item not in info.choices:
                raise ParamError(f"{info.name}: {clip_repr(item)} is not one of {', '.join(info.choices)}")
        if info.kind is tuple and not items:
            raise ParamError(f"{info.name}: choose at least one of {', '.join(info.choices)}")


def build(params_type: type, values: Mapping[str, Any]) -> Any:
    """Make a Params instance from defaults overridden by ``values`` (strings or typed values).

    Raises:
        ParamError: An unknown name (the message lists the known ones) or a bad value.
    """
    infos = {info.name: info for info in describe(params_type)}
    unknown = sorted(set(values) - set(infos))
    if unknown:
        raise ParamError(f"unknown parameter {clip_repr(unknown[0])}; known: {', '.join(infos)}")
    kwargs = {name: convert(infos[name], value) for name, value in values.items()}
    instance = params_type(**kwargs)
    check = getattr(instance, "validate", None)
    if callable(check):
        try:
            check()
        except ValueError as exc:
            raise ParamError(str(exc)) from None
    return instance


def physical_memory() -> int | None:
    """This computer's memory in bytes (None where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(what: str, needed_bytes: float, advice: str) -> None:
    """Refuse a run up front when ``what`` alone would need more than :data:`MEMORY_SHARE` of memory.

    Args:
        what: The thing that needs the memory, with the params that size it ("one batch of VGG-16
            activations at image_size 512 × batch_size 512").
        needed_bytes: The estimate.
        advice: Which params to lower.

    Raises:
        ValueError: With the estimate, this computer's memory and the advice.
    """
    total = physical_memory()
    if total is not None and needed_bytes > MEMORY_SHARE * total:
        raise ValueError(
            f"{what} needs about {needed_bytes / 2**30:.1f} GB of memory; this computer has "
            f"{total / 2**30:.1f} GB. {advice}"
        )


def as_dict(params: Any) -> dict[str, Any]:
    """A JSON-able dict of a Params instance (tuples become lists)."""
    return {
        f.name: list(v) if isinstance(v := getattr(params, f.name), tuple) else v
        for f in dataclasses.fields(params)
    }
