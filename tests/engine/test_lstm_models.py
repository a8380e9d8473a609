"""Models 1–3: inputs, embedding sizes, a frozen GloVe embedding that really stays frozen, the diagram."""

from __future__ import annotations

import numpy as np
import pytest

from engine.labs.lstm.data import embedded_paths, load_projects
from engine.labs.lstm.inputs import CATEGORICAL_INPUTS, prepare

pytestmark = pytest.mark.slow  # imports TensorFlow
SMALL = {"embedding_dim": 8, "lstm_units": 4, "head_units": (16, 8, 4), "conv_filters": 4}


@pytest.fixture(scope="module")
def projects():
    return load_projects(*embedded_paths(300, seed=4))


def _build(projects, model: int, matrix: bool = False):
    from engine.labs.lstm import train as lstm_train
    from engine.labs.lstm.models import ModelSizes, build_model

    prepared = prepare(projects, model=model, seed=0, max_words=500, text_length=12)
    inputs = lstm_train.model_inputs(prepared, model)
    glove = None
    if matrix:
        glove = np.random.default_rng(0).normal(size=(inputs.vocabulary, 6)).astype(np.float32)
    net = build_model(model, inputs, ModelSizes(**SMALL), glove)
    return net, prepared, glove


@pytest.mark.parametrize("model", [1, 2, 3])
def test_inputs_match_the_prepared_arrays(projects, model: int) -> None:
    from engine.labs.lstm import train as lstm_train

    net, prepared, _ = _build(projects, model)
    feed = lstm_train.feed(prepared, "val", model)
    shapes = {t.name: tuple(t.shape) for t in net.inputs}
    expected = ["essay", "other"] if model == 3 else ["essay", *CATEGORICAL_INPUTS, "numeric"]
    assert sorted(shapes) == sorted(expected) == sorted(feed)
    for name, array in feed.items():
        assert shapes[name] == (None, *array.shape[1:])
    assert tuple(net.output.shape) == (None, 2)
    assert net.get_layer("approved").get_config()["activation"] == "softmax"
    assert net.loss == "categorical_crossentropy"
    probabilities = net.predict(feed, verbose=0)
    assert probabilities.shape == (feed["essay"].shape[0], 2)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_categorical_embeddings_reserve_an_unseen_row(projects) -> None:
    net, prepared, _ = _build(projects, 1)
    for name in CATEGORICAL_INPUTS:
        index = prepared.categories[name]
        layer = net.get_layer(f"{name}_embedding")
        n = len(index.values)
        assert layer.input_dim == n + 1
        assert layer.output_dim == min(-(-n // 2), 50)
        assert layer.trainable


def test_glove_embedding_is_frozen_and_stays_unchanged(projects) -> None:
    from engine.labs.lstm import train as lstm_train

    net, prepared, glove = _build(projects, 1, matrix=True)
    layer = net.get_layer("essay_glove_frozen")
    assert not layer.trainable and layer.trainable_weights == []
    assert np.array_equal(layer.get_weights()[0], glove)
    feed = lstm_train.feed(prepared, "train", 1)
    y = np.eye(2, dtype=np.float32)[prepared.labels["train"]]
    lstm_before = net.get_layer("essay_lstm").get_weights()[0].copy()
    net.fit(feed, y, epochs=1, batch_size=64, verbose=0)
    assert np.array_equal(layer.get_weights()[0], glove)  # frozen really means not updated
    assert not np.array_equal(net.get_layer("essay_lstm").get_weights()[0], lstm_before)
    trainable, _, _ = _build(projects, 1)
    assert trainable.get_layer("essay_embedding_trainable").trainable


def test_diagram_describes_branches_shapes_and_frozen_counts(projects) -> None:
    from engine.labs.lstm.models import describe_model

    net, _, glove = _build(projects, 1, matrix=True)
    diagram = describe_model(net)
    layers = {entry["name"]: entry for entry in diagram["layers"]}
    assert diagram["branches"][0] == "essay" and set(diagram["branches"]) == {
        "essay",
        *CATEGORICAL_INPUTS,
        "numeric",
    }
    assert layers["essay_glove_frozen"]["frozen_params"] == glove.size
    assert layers["essay_glove_frozen"]["trainable_params"] == 0
    assert diagram["frozen_params"] == glove.size
    assert diagram["trainable_params"] + diagram["frozen_params"] == net.count_params()
    assert layers["essay_lstm"]["shape"] == [None, 12, 4] and layers["essay_lstm"]["branch"] == "essay"
    concat = layers["concatenate"]
    assert concat["role"] == "concat" and len(concat["inputs"]) == len(diagram["branches"])
    assert {layers[name]["branch"] for name in concat["inputs"]} == set(diagram["branches"])
    assert layers["approved"]["role"] == "head" and layers["approved"]["shape"] == [None, 2]
    assert all(entry["role"] == "input" for entry in diagram["layers"] if entry["type"] == "InputLayer")


def test_model_3_has_the_conv_branch(projects) -> None:
    from engine.labs.lstm.models import describe_model

    net, prepared, _ = _build(projects, 3)
    diagram = describe_model(net)
    kinds = [e["type"] for e in diagram["layers"] if e["branch"] == "other"]
    assert kinds == ["InputLayer", "Reshape", "Conv1D", "Conv1D", "Flatten"]
    width = prepared.inputs["train"]["other"].shape[1]
    conv2 = next(e for e in diagram["layers"] if e["name"] == "other_conv2")
    assert conv2["shape"] == [None, width - 4, 4]  # two "valid" convolutions with kernel 3


def test_bad_model_number_and_matrix_are_rejected(projects) -> None:
    from engine.labs.lstm import train as lstm_train
    from engine.labs.lstm.models import build_model

    prepared = prepare(projects, model=1, seed=0, max_words=500, text_length=12)
    inputs = lstm_train.model_inputs(prepared, 1)
    with pytest.raises(ValueError, match="model must be 1, 2 or 3"):
        build_model(4, inputs)
    with pytest.raises(ValueError, match="rows, vocabulary has"):
        build_model(1, inputs, embedding_matrix=np.zeros((3, 5), np.float32))


def test_diagram_of_the_params_without_training() -> None:
    from engine.labs import lstm
    from engine.params import build

    params = build(
        lstm.Params, {"projects": 300, "model": 3, "lstm_units": 5, "text_length": 9, "conv_filters": 3}
    )
    diagram = lstm.diagram(params)
    layers = {e["name"]: e for e in diagram["layers"]}
    assert diagram["name"] == "model_3" and diagram["branches"] == ["essay", "other"]
    assert layers["essay_lstm"]["shape"] == [None, 9, 5]
    assert layers["other_conv1"]["shape"][-1] == 3 and diagram["frozen_params"] == 0


def test_size_edits_never_parse_the_glove_file(tmp_path, monkeypatch) -> None:
    from engine.labs import lstm
    from engine.labs.lstm import glove as lstm_glove
    from engine.params import build
    from engine.text import embeddings

    calls = {"_parse": 0, "load_vectors": 0}

    def counting(name: str):
        def called(*args, **kwargs):
            calls[name] += 1
            raise AssertionError(f"the diagram called {name}")

        return called

    for name in calls:
        monkeypatch.setattr(embeddings, name, counting(name))
    glove = tmp_path / "glove.300d.txt"
    glove.write_text("".join(f"w{i} " + " ".join(["0.25"] * 300) + "\n" for i in range(50)))
    base = {"projects": 300, "text_length": 9, "glove_path": str(glove)}
    for units in (3, 4, 5):  # three size edits on the Model tab
        diagram = lstm.diagram(build(lstm.Params, {**base, "lstm_units": units}))
        layers = {e["name"]: e for e in diagram["layers"]}
        assert layers["essay_lstm"]["shape"] == [None, 9, units]
    frozen = layers["essay_glove_frozen"]
    rows = frozen["frozen_params"] // 300
    assert frozen["shape"] == [None, 9, 300] and frozen["trainable_params"] == 0 and rows > 50
    assert calls == {"_parse": 0, "load_vectors": 0}  # only the width was read
    assert lstm_glove.glove_width(str(glove)) == 300


def test_a_stopped_diagram_caches_nothing_and_the_next_one_builds() -> None:
    from engine.jobs import CancelToken, JobCancelled, Progress
    from engine.labs import lstm
    from engine.params import build

    params = build(lstm.Params, {"projects": 500, "seed": 5, "text_length": 9})  # a table no test made
    token = CancelToken()
    phases: list[str] = []

    def emit(event: object) -> None:
        if isinstance(event, Progress):
            phases.append(event.phase)
            if event.phase == "generating projects":
                token.cancel()

    with pytest.raises(JobCancelled):
        lstm.diagram(params, token, emit)
    assert phases == ["loading data", "generating projects"]  # stopped while the table was generated
    assert all(key.projects != 500 for key in lstm._DIAGRAM_DATA)
    assert lstm.diagram(params)["name"] == "model_1"
