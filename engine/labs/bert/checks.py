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
    """One grader check: its name, whether it passed, and what was found."""

    name: str
    passed: bool
    detail: str


def _first_bad_row(bad_rows: np.ndarray) -> str:
    rows = np.flatnonzero(bad_rows)
    return f"{rows.size} row(s) fail, first row {int(rows[0])}" if rows.size else "every row passes"


def check_model_inputs(
    inputs: Mapping[str, np.ndarray], max_len: int, cls_id: int, sep_id: int
) -> list[Check]:
    """Run the graders' checks on a batch of tokenized inputs.

    Args:
        inputs: ``input_word_ids``, ``input_mask`` and ``input_type_ids`` arrays of shape ``[n, max_len]``.
        max_len: The configured sequence length (55 in the assignment).
        cls_id: The vocabulary id of ``[CLS]``.
        sep_id: The vocabulary id of ``[SEP]``.

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
    checks.append(Check("segment ids all 0", bool(np.all(types == 0)), _first_bad_row(np.any(types != 0, 1))))
    mask_bad = np.any((mask == 0) != (ids == 0), axis=1) | np.any((mask != 0) & (mask != 1), axis=1)
    checks.append(Check("mask 0 exactly where ids are 0", not mask_bad.any(), _first_bad_row(mask_bad)))
    cls_bad = (ids == cls_id).sum(axis=1) != 1
    sep_bad = (ids == sep_id).sum(axis=1) != 1
    checks.append(Check("one [CLS] per row", not cls_bad.any(), _first_bad_row(cls_bad)))
    checks.append(Check("one [SEP] per row", not sep_bad.any(), _first_bad_row(sep_bad)))
    return checks


def checks_json(checks: list[Check]) -> list[dict[str, object]]:
    """The checks as plain dicts (``name``, ``passed``, ``detail``) for results and the GUI."""
    return [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in checks]


def all_passed(checks: list[Check]) -> bool:
    """Whether every check passed."""
    return all(check.passed for check in checks)
