"""The lab registry: one engine module per lab, in menu order.

Importing a lab module must stay cheap (no TensorFlow): the GUI builds its tabs from this registry
before the first paint. Each module defines ``LAB = LabSpec(...)``.
"""

from __future__ import annotations

import importlib

from engine.jobs import LabSpec

#: Lab ids in menu order; each is a module ``engine.labs.<id>``.
LAB_IDS: tuple[str, ...] = ("backprop", "callbacks", "text_cnn", "lstm", "transfer", "bert")


def _load() -> dict[str, LabSpec]:
    labs: dict[str, LabSpec] = {}
    for lab_id in LAB_IDS:
        try:
            module = importlib.import_module(f"engine.labs.{lab_id}")
        except ModuleNotFoundError as exc:
            # Only a lab module that does not exist yet is skipped; a broken import inside one raises.
            if exc.name != f"engine.labs.{lab_id}":
                raise
            continue
        spec: LabSpec = module.LAB
        labs[spec.id] = spec
    return labs


#: Registered labs by id, in menu order.
LABS: dict[str, LabSpec] = _load()


def get_lab(lab_id: str) -> LabSpec:
    """The lab with this id.

    Raises:
        KeyError: With a message listing the known ids.
    """
    try:
        return LABS[lab_id]
    except KeyError:
        raise KeyError(f"unknown lab {lab_id!r}; known: {', '.join(LABS)}") from None
