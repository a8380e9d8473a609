"""Any Keras model as diagram data: its layers, what feeds what, output shapes and parameter counts.

Plain JSON-able data for the shared model-diagram widget (``gui/widgets/model_diagram.py``) and for a
run's ``extra["model_diagram"]``: functional models (several inputs, parallel branches, merges) and
Sequential ones alike. Takes a built model; imports nothing itself (the caller has Keras loaded).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Layer types that join several inputs into one; what comes after them belongs to the "head".
MERGES = ("Concatenate", "Add", "Average", "Maximum", "Minimum", "Multiply", "Subtract", "Dot")


def describe_model(net: Any) -> dict[str, Any]:
    """The model as diagram data: inputs → branches → merge → head, all plain JSON-able data.

    Returns:
        ``{"name", "layers": [{"name", "type", "branch", "role", "shape", "trainable_params",
        "frozen_params", "inputs"}], "branches": [...], "trainable_params", "frozen_params"}`` with the
        inputs first (in the model's input order), then the other layers in model order.
        ``inputs`` names the layers feeding a layer; ``role`` is "input", "branch", "concat" (a
        merge) or "head"; ``branches`` lists the model's inputs in order; ``branch`` is the input a
        layer descends from ("head" once branches merged); ``shape`` is the output shape with None
        for the batch.
    """
    entries = _sequential_entries(net) if type(net).__name__ == "Sequential" else _functional_entries(net)
    layers: list[dict[str, Any]] = []
    branch_of: dict[str, str] = {}
    for name, kind, shape, parents, trainable, frozen in entries:
        if kind == "InputLayer":
            role, branch = "input", name
        elif kind in MERGES:
            role, branch = "concat", "head"
        else:
            branch = branch_of[parents[0]] if parents else "head"
            role = "head" if branch == "head" else "branch"
        branch_of[name] = branch
        layers.append({
            "name": name,
            "type": kind,
            "branch": branch,
            "role": role,
            "shape": shape,
            "trainable_params": trainable,
            "frozen_params": frozen,
            "inputs": parents,
        })  # fmt: skip
    return {
        "name": net.name,
        "layers": layers,
        "branches": [entry["name"] for entry in layers if entry["role"] == "input"],
        "trainable_params": sum(entry["trainable_params"] for entry in layers),
        "frozen_params": sum(entry["frozen_params"] for entry in layers),
    }


Entry = tuple[str, str, list[Any], list[str], int, int]


def _functional_entries(net: Any) -> list[Entry]:
    config = net.get_config()  # serialises the whole model (VGG-16: every layer): once
    configs = {spec["name"]: spec for spec in config["layers"]}
    entries = []
    for layer in net.layers:
        parents = list(dict.fromkeys(_parents(configs[layer.name].get("inbound_nodes", []))))
        entries.append(_entry(layer, parents))
    order = [name[0] if isinstance(name, list) else name for name in _input_names(config)]
    inputs = sorted((e for e in entries if e[1] == "InputLayer"), key=lambda e: order.index(e[0]))
    return inputs + [e for e in entries if e[1] != "InputLayer"]  # inputs first, in the model's order


def _input_names(config: dict[str, Any]) -> list[Any]:
    names = config["input_layers"]
    return [names] if names and isinstance(names[0], str) else list(names)  # one input: no outer list


def _sequential_entries(net: Any) -> list[Entry]:
    source = net.inputs[0]
    entries: list[Entry] = [(source.name, "InputLayer", list(source.shape), [], 0, 0)]
    for layer in net.layers:
        entries.append(_entry(layer, [entries[-1][0]]))
    return entries


def _entry(layer: Any, parents: list[str]) -> Entry:
    return (
        layer.name,
        type(layer).__name__,
        list(layer.output.shape),
        parents,
        _count(layer.trainable_weights),
        _count(layer.non_trainable_weights),
    )


def _parents(config: Any) -> list[str]:
    """Names of the layers whose outputs feed a layer, from its serialised inbound nodes."""
    found: list[str] = []
    if isinstance(config, dict):
        if config.get("class_name") == "__keras_tensor__":
            found.append(config["config"]["keras_history"][0])
        else:
            for value in config.values():
                found.extend(_parents(value))
    elif isinstance(config, list | tuple):
        for value in config:
            found.extend(_parents(value))
    return found


def _count(weights: list[Any]) -> int:
    return int(sum(np.prod(w.shape) for w in weights))
