"""describe_model on every kind of model the labs build: Sequential (callbacks, BERT head), parallel
branches that merge (text CNN), several inputs (LSTM, tested in test_lstm_models) and frozen layers."""

from __future__ import annotations

import json

import keras
import numpy as np

from engine.model_diagram import describe_model


def test_a_sequential_model_gets_its_input_and_a_chain():
    model = keras.Sequential(
        [
            keras.Input((3,), name="features"),
            keras.layers.Dense(4, name="h"),
            keras.layers.Dense(1, name="out"),
        ],
        name="chain",
    )
    diagram = describe_model(model)
    names = [(x["name"], x["type"], x["inputs"], x["shape"]) for x in diagram["layers"]]
    assert names == [
        ("features", "InputLayer", [], [None, 3]),
        ("h", "Dense", ["features"], [None, 4]),
        ("out", "Dense", ["h"], [None, 1]),
    ]
    assert diagram["branches"] == ["features"] and diagram["trainable_params"] == 3 * 4 + 4 + 4 + 1
    assert json.loads(json.dumps(diagram)) == diagram


def test_parallel_branches_merge_and_frozen_weights_are_counted_apart():
    tokens = keras.Input((10,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(50, 6, trainable=False, name="embedding")(tokens)
    convs = [keras.layers.Conv1D(2, k, padding="same", name=f"conv_k{k}")(embedded) for k in (3, 5)]
    merged = keras.layers.Concatenate(name="concat")(convs)
    out = keras.layers.Dense(3, name="classes")(keras.layers.Flatten(name="flatten")(merged))
    model = keras.Model(tokens, out, name="branches")
    layers = {x["name"]: x for x in describe_model(model)["layers"]}
    assert layers["embedding"]["frozen_params"] == 300 and layers["embedding"]["trainable_params"] == 0
    assert layers["concat"]["inputs"] == ["conv_k3", "conv_k5"] and layers["concat"]["role"] == "concat"
    assert layers["conv_k5"]["role"] == "branch" and layers["classes"]["role"] == "head"
    assert layers["classes"]["shape"] == [None, 3]
    total = describe_model(model)
    assert total["trainable_params"] + total["frozen_params"] == model.count_params()
    assert total["frozen_params"] == int(np.prod(model.get_layer("embedding").weights[0].shape))
