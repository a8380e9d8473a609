"""The graders' checks on BERT model inputs, in numpy: run by the tests and live in the token view.

The assignment's graders asserted: arrays of the configured length, all-zero segment ids, a mask that
is zero exactly where the word ids are zero (padding), and exactly one [CLS] and one [SEP] per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

INPUT_NAMES = ("input_word_ids", "input_mask", "input_type_ids")


@dataclass(frozen=True)
class Check:
    """One grader check: its name, whether it passed, and what was found.

    Row checks also count the failing rows and give the first one (-1: none), so that checks of
    chunks of a large set add up (:func:`merge_checks`).
    """

    name: str
    passed: bool
    detail: str
    failing: int = 0
    first_failing: int = -1
    per_row: bool = False


def _row_check(name: str, bad_rows: np.ndarray, offset: int = 0) -> Check:
    rows = np.flatnonzero(bad_rows)
    first = int(rows[0]) + offset if rows.size else -1
    return Check(name, not rows.size, _row_detail(rows.size, first), int(rows.size), first, per_row=True)


def _row_detail(failing: int, first: int) -> str:
    return f"{failing} row(s) fail, first row {first}" if failing else "every row passes"


def check_model_inputs(
    inputs: Mapping[str, np.ndarray], max_len: int, cls_id: int, sep_id: int, row_offset: int = 0
) -> list[Check]:
    """Run the graders' checks on a batch of tokenized inputs.

    Args:
        inputs: ``input_word_ids``, ``input_mask`` and ``input_type_ids`` arrays of shape ``[n, max_len]``.
        max_len: The configured sequence length (55 in the assignment).
        cls_id: The vocabulary id of ``[CLS]``.
        sep_id: The vocabulary id of ``[SEP]``.
        row_offset: Number of the first row (for a chunk of a larger set). Defaults to 0.

    Returns:
        One :class:`Check` per rule, in the graders' order.
    """
    missing = [name for name in INPUT_NAMES if name not in inputs]
    if missing:
        return [Check("three inputs", False, f"missing {', '.join(missing)}")]
    ids, mask, types = (np.asarray(inputs[name]) for name in INPUT_NAMES)
    checks = [Check("three inputs", True, ", ".join(INPUT_NAMES))]
    shapes = {name: np.asarray(inputs[name]).shape for name in INPUT_NAMES}
    shape_ok = (
        all(len(s) == 2 and s[1] == max_len for s in shapes.values()) and len(set(shapes.values())) == 1
    )
    ints_ok = all(np.asarray(inputs[name]).dtype == np.int32 for name in INPUT_NAMES)
    checks.append(Check(f"length {max_len}", shape_ok, f"shapes {sorted(set(shapes.values()))}"))
    checks.append(Check("int32 arrays", ints_ok, ", ".join(str(inputs[n].dtype) for n in INPUT_NAMES)))
    if not shape_ok:
        return checks
    checks.append(_row_check("segment ids all 0", np.any(types != 0, 1), row_offset))
    mask_bad = np.any((mask == 0) != (ids == 0), axis=1) | np.any((mask != 0) & (mask != 1), axis=1)
    checks.append(_row_check("mask 0 exactly where ids are 0", mask_bad, row_offset))
    checks.append(_row_check("one [CLS] per row", (ids == cls_id).sum(axis=1) != 1, row_offset))
    checks.append(_row_check("one [SEP] per row", (ids == sep_id).sum(axis=1) != 1, row_offset))
    return checks


def merge_checks(parts: list[list[Check]]) -> list[Check]:
    """The checks of a whole set from the checks of its chunks (in order, same rules each)."""
    if not parts:
        return []
    merged = []
    for same in zip(*parts, strict=False):
        first = same[0]
        if not all(c.name == first.name for c in same):
            raise ValueError("chunks were checked by different rules")
        if not first.per_row:  # shape and type checks: the first failing chunk tells
            merged.append(next((c for c in same if not c.passed), first))
            continue
        failing = sum(c.failing for c in same)
        first_bad = next((c.first_failing for c in same if c.first_failing >= 0), -1)
        merged.append(
            Check(first.name, failing == 0, _row_detail(failing, first_bad), failing, first_bad, True)
        )
    return merged


def checks_json(checks: list[Check]) -> list[dict[str, object]]:
    """The checks as plain dicts (``name``, ``passed``, ``detail``) for results and the GUI."""
    return [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in checks]


def all_passed(checks: list[Check]) -> bool:
    """Whether every check passed."""
    return all(check.passed for check in checks)
