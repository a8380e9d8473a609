"""Ready-made checks: our answer against the learner's, with a message that says what differs.

Each factory returns a :data:`~engine.practice.exercise.Check`: ``check(case, expected, got)`` is
``None`` when ``got`` is right and a :class:`~engine.practice.exercise.Mismatch` otherwise. The
learner's result arrives as JSON (numpy arrays as lists, tuples as lists), so the checks accept any
sequence where an array is expected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.practice.exercise import Case, Check, Mismatch

#: Relative and absolute tolerance of numeric checks unless an exercise says otherwise.
REL_TOL, ABS_TOL = 1e-6, 1e-9


def show(value: Any) -> str:
    """A value in a message: numbers to 6 significant digits, anything else shortened."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:.6g}"
    if isinstance(value, dict) and "$repr" in value:
        return str(value["$repr"])
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def is_number(value: Any) -> bool:
    """A real number (``True``/``False`` are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def close(expected: float, got: float, rel: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    """Whether ``got`` is within ``rel`` of ``expected`` (or ``abs_tol``); NaN is close only to NaN."""
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    return math.isclose(expected, got, rel_tol=rel, abs_tol=abs_tol)


def number(rel: float = REL_TOL, abs_tol: float = ABS_TOL) -> Check:
    """One number."""

    def check(case: Case, expected: Any, got: Any) -> Mismatch | None:
        if not is_number(got):
            return Mismatch(f"returned {show(got)}, expected a number")
        if close(float(expected), float(got), rel, abs_tol):
            return None
        return Mismatch(f"yours {show(got)}, ours {show(expected)}", {"yours": got, "ours": expected})

    return check


def mapping(keys: Sequence[str], rel: float = REL_TOL, abs_tol: float = ABS_TOL) -> Check:
    """A dict holding a number under each of ``keys`` (extra keys are allowed).

    The mismatch lists the wrong keys in ``fields["wrong"]`` and each one's numbers in
    ``fields["values"]`` (``{"dw1": {"yours": …, "ours": …}}``).
    """

    def check(case: Case, expected: Any, got: Any) -> Mismatch | None:
        if not isinstance(got, dict):
            return Mismatch(f"returned {show(got)}, expected a dict with {', '.join(keys)}")
        missing = [k for k in keys if k not in got]
        if missing:
            return Mismatch(f"the dict has no {', '.join(missing)}", {"wrong": missing, "missing": missing})
        wrong, values = [], {}
        for key in keys:
            value = got[key]
            ok = is_number(value) and close(float(expected[key]), float(value), rel, abs_tol)
            if not ok:
                wrong.append(key)
                values[key] = {"yours": value, "ours": expected[key]}
        if not wrong:
            return None
        first = wrong[0]
        verb = "is" if len(wrong) == 1 else "are"
        text = (
            f"{', '.join(wrong)} {verb} wrong ({first}: yours {show(got[first])}, "
            f"ours {show(expected[first])})"
        )
        return Mismatch(text, {"wrong": wrong, "values": values})

    return check


def _as_array(value: Any) -> np.ndarray | None:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def arrays(names: Sequence[str], rel: float = REL_TOL, abs_tol: float = ABS_TOL) -> Check:
    """A tuple of arrays named ``names`` (one name: a single array), compared element by element."""

    def check(case: Case, expected: Any, got: Any) -> Mismatch | None:
        want = list(expected) if len(names) > 1 else [expected]
        if len(names) > 1 and (not isinstance(got, list) or len(got) != len(names)):
            return Mismatch(f"returned {show(got)}, expected the tuple ({', '.join(names)})")
        have = got if len(names) > 1 else [got]
        for name, ours, yours in zip(names, want, have, strict=True):
            array = _as_array(yours)
            ours_array = np.asarray(ours, dtype=np.float64)
            if array is None or array.shape != ours_array.shape:
                shape = "a non-numeric value" if array is None else f"shape {array.shape}"
                return Mismatch(f"{name} has {shape}, expected shape {ours_array.shape}", {"wrong": [name]})
            bad = ~np.isclose(array, ours_array, rtol=rel, atol=abs_tol, equal_nan=True)
            if bad.any():
                i = int(np.flatnonzero(bad.ravel())[0])
                yours_i, ours_i = float(array.ravel()[i]), float(ours_array.ravel()[i])
                count = f"{int(bad.sum())} of {bad.size} differ"
                text = f"{name}[{i}] is {show(yours_i)}, ours {show(ours_i)} ({count})"
                return Mismatch(text, {"wrong": [name], "index": i})
        return None

    return check


def text(ignore_spacing: bool = True) -> Check:
    """A string; with ``ignore_spacing`` runs of whitespace and the ends do not matter."""

    def normal(value: str) -> str:
        return " ".join(value.split()) if ignore_spacing else value

    def check(case: Case, expected: Any, got: Any) -> Mismatch | None:
        if not isinstance(got, str):
            return Mismatch(f"returned {show(got)}, expected a string")
        if normal(got) == normal(expected):
            return None
        ours, yours = normal(expected).split(), normal(got).split()
        first = next((i for i, (a, b) in enumerate(zip(ours, yours, strict=False)) if a != b), None)
        if first is None:
            first = min(len(ours), len(yours))
        where = f"word {first + 1}: yours {show(' '.join(yours[first : first + 3]))}, ours " + show(
            " ".join(ours[first : first + 3])
        )
        return Mismatch(f"differs at {where}", {"yours": got, "ours": expected})

    return check


def equal() -> Check:
    """Exactly equal after the JSON round trip (tuples as lists)."""

    def check(case: Case, expected: Any, got: Any) -> Mismatch | None:
        if _plain(expected) == got:
            return None
        return Mismatch(f"yours {show(got)}, ours {show(_plain(expected))}", {"yours": got, "ours": expected})

    return check


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value
