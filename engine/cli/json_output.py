"""JSON that scripts can rely on: plain types only, and the fixed keys of ``run --json``."""

from __future__ import annotations

import json
import math
from typing import Any, TextIO

from engine import params as params_module
from engine.jobs import LabResult


def to_jsonable(value: Any) -> Any:
    """Plain JSON types: numpy scalars/arrays become numbers/lists, NaN and ±inf become null."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy array or scalar
        return to_jsonable(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def write_json(document: Any, out: TextIO, indent: int | None = None) -> None:
    """``document`` as one JSON text and a newline on ``out`` (plain types only, see
    :func:`to_jsonable`); non-ASCII text is written as is."""
    json.dump(to_jsonable(document), out, indent=indent, ensure_ascii=False)
    out.write("\n")


def result_json(
    lab_id: str, params: Any, result: LabResult, name: str = "", note: str = ""
) -> dict[str, Any]:
    """The ``--json`` object: the fixed keys, the run's ``name`` and ``note`` when it has them, then
    the lab's own ``extra`` keys beside them."""
    document: dict[str, Any] = {
        "lab": lab_id,
        "params": params_module.as_dict(params),
        "seed": getattr(params, "seed", None),
        "history": dict(result.history),
        "markers": [{"epoch": m.epoch, "kind": m.kind, "text": m.text} for m in result.markers],
        "test": dict(result.test),
        "artifacts": dict(result.artifacts),
    }
    document.update({key: text for key, text in (("name", name), ("note", note)) if text})
    for key, value in result.extra.items():
        document.setdefault(key, value)
    return to_jsonable(document)
