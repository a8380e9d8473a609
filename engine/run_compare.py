"""Comparing recorded runs in words: which model or variant a run trained, and which of its settings
differ from the other runs' (only those, side by side), formatted as people write them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Params that say which model or variant a run trained, in the order they are shown. Labs name them
#: the same way (``model`` 1–4, the transfer ``backbone``, BERT's ``pooling``, the race's optimizers).
VARIANT_PARAMS = ("model", "backbone", "pooling", "optimizers")
#: What a run that lacks a param shows in the diff (another lab's run, or a param added since).
MISSING = "—"


def format_value(value: Any) -> str:
    """A param value as people write it: lists comma-separated, floats in their shortest exact form,
    booleans as yes/no, an empty text as 'default'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(item) for item in value) or "none"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same number: 0.001, 1e-08
    if value == "":
        return "default"
    return str(value)


def variant(params: Mapping[str, Any]) -> str:
    """What the run trained, e.g. ``Model-3``, ``Model-2 · hed``, ``sgd, momentum, adam``."""
    parts = []
    for name in VARIANT_PARAMS:
        if name not in params:
            continue
        value = params[name]
        parts.append(f"Model-{value}" if name == "model" and isinstance(value, int) else format_value(value))
    return " · ".join(parts)


def param_diff(
    runs: Sequence[Mapping[str, Any]], only_differences: bool = True
) -> list[tuple[str, list[str]]]:
    """The settings of several runs side by side: ``[(param, [value of run 1, run 2, …]), …]``.

    Args:
        runs: Each run's settings (params, plus e.g. its lab and seed).
        only_differences: Keep only the params whose values are not all the same. Defaults to True.
            With a single run every param is kept.
    """
    names: list[str] = []
    for settings in runs:
        names.extend(name for name in settings if name not in names)
    rows = []
    for name in names:
        values = [format_value(s[name]) if name in s else MISSING for s in runs]
        if only_differences and len(runs) > 1 and len(set(values)) == 1:
            continue
        rows.append((name, values))
    return rows
