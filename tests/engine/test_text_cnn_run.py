"""Text CNN lab: Params validation, and one tiny epoch of Model-1 and Model-2 through ``run``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.jobs import CancelToken, EpochEnded, JobCancelled, LogLine, Marker
from engine.labs import get_lab
from engine.labs.text_cnn import LAB, Params, run
from engine.labs.text_cnn.newsgroups import CLASS_NAMES, generate_corpus
from engine.params import ParamError, build
from engine.text.corpus import CorpusError
from engine.text.embeddings import EmbeddingFileError
from tests.tensorboard_events import assert_default_logs


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six posts per class: enough for a stratified three-way split, seconds per epoch."""
    return generate_corpus(tmp_path_factory.mktemp("tiny_news"), seed=5, per_class=6)


def _run(**values: Any) -> tuple[Any, list[Any]]:
    events: list[Any] = []
    result = run(build(Params, values), CancelToken(), events.append)
    return result, events


def test_lab_is_registered_and_params_validate() -> None:
    assert get_lab("text_cnn") is LAB
    params = build(Params, {"model": "2", "kernel_sizes": "2,3,7", "skip_steps": "11,16"})
    assert params.model == 2 and params.kernel_sizes == ("2", "3", "7")
    with pytest.raises(ParamError, match="kernel_sizes"):
        build(Params, {"kernel_sizes": "3,4"})
    with pytest.raises(ParamError, match="skip_steps: '12'"):
        build(Params, {"skip_steps": "12"})
    with pytest.raises(ParamError, match="model"):
        build(Params, {"model": "3"})


@pytest.mark.slow
def test_model1_one_epoch_with_a_glove_file(tiny_corpus: Path, tmp_path: Path) -> None:
    glove = tmp_path / "glove.txt"
    rng = np.random.default_rng(0)
    words = ["the", "people", "think", "problem", "orbit", "shuttle", "clutch", "zzzunused"]
    glove.write_text("".join(f"{w} {' '.join(f'{v:.3f}' for v in rng.normal(size=6))}\n" for w in words))
    result, events = _run(model=1, epochs=1, data_dir=str(tiny_corpus), glove_path=str(glove), batch_size=8)

    assert set(result.history) >= {"accuracy", "val_accuracy", "f1", "val_f1"}
    assert all(len(v) == 1 for v in result.history.values())
    # micro-F1 from the argmax equals accuracy for single-label data (rounding would give ~0).
    assert result.history["f1"][0] == pytest.approx(result.history["accuracy"][0], abs=1e-6)
    assert result.test["micro_f1"] == pytest.approx(result.test["accuracy"])
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    assert [e.epoch for e in epochs] == [1] and "val_f1" in epochs[0].metrics

    extra = result.extra
    n = len(CLASS_NAMES)
    matrix = np.array(extra["confusion_matrix"])
    assert matrix.shape == (n, n) and matrix.sum() == sum(extra["class_counts"]["test"])
    assert np.trace(matrix) / matrix.sum() == pytest.approx(result.test["accuracy"])
    assert len(extra["per_class_f1"]) == n and extra["class_names"] == sorted(CLASS_NAMES)
    assert extra["misclassified_total"] == matrix.sum() - np.trace(matrix)
    assert len(extra["misclassified"]) == min(25, extra["misclassified_total"])
    confidences = [item["confidence"] for item in extra["misclassified"]]
    assert confidences == sorted(confidences, reverse=True)
    for item in extra["misclassified"]:
        assert item["true"] != item["predicted"] and item["original"].startswith("From:")
    assert extra["embedding"]["kind"] == "pretrained" and extra["embedding"]["dim"] == 6
    assert 0 < extra["embedding"]["coverage"] < 1
    layers = {layer["name"]: layer for layer in extra["model_diagram"]["layers"]}
    assert layers["embedding"]["trainable_params"] == 0 and layers["embedding"]["frozen_params"] > 0
    assert layers["concat1"]["inputs"] == ["conv1_k3", "conv1_k4", "conv1_k5"]
    assert extra["model_diagram"]["frozen_params"] == layers["embedding"]["frozen_params"]
    assert extra["sequence_length"] == extra["proposed_length"] and extra["length_reason"]
    assert "chunker" in extra["chunker"]
    assert Path(result.artifacts["best_model"]).is_file()
    assert any(isinstance(e, Marker) and e.kind == "checkpoint" for e in events)
    assert any(isinstance(e, LogLine) and "coverage" in e.text for e in events)


@pytest.mark.slow
def test_model2_one_epoch_is_reproducible(tiny_corpus: Path) -> None:
    values = {"model": 2, "epochs": 1, "data_dir": str(tiny_corpus), "seq_length": 200, "batch_size": 8}
    first, events = _run(**values)
    second, _ = _run(**values)
    assert first.history == second.history and first.test == second.test
    assert first.extra["sequence_length"] == 200
    assert first.extra["embedding"]["kind"] == "trainable"
    assert "randomly initialised" in first.extra["embedding"]["label"]
    assert first.extra["vocabulary_size"] <= 30  # padding, [UNK], a-z, "_" and space at most
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [1]
    logs = [assert_default_logs(run.artifacts["tensorboard"]) for run in (first, second)]
    assert {"epoch_accuracy", "epoch_f1", "weights/conv1_1"} <= set(logs[0])
    assert first.artifacts["tensorboard"] != second.artifacts["tensorboard"]  # a folder per run


def test_bad_folder_or_vectors_file_fail_early_with_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not a folder"):
        _run(data_dir=str(tmp_path / "missing"))
    with pytest.raises(EmbeddingFileError, match=r"nope\.txt: vectors file not found"):
        _run(glove_path=str(tmp_path / "nope.txt"))


def test_cancelled_after_the_first_event(tiny_corpus: Path) -> None:
    token = CancelToken()

    def emit(event: Any) -> None:
        token.cancel()

    with pytest.raises(JobCancelled):
        run(build(Params, {"data_dir": str(tiny_corpus), "epochs": 1}), token, emit)


@pytest.mark.slow
def test_text_vectorization_keeps_underscore_words_and_learns_from_train_only() -> None:
    from engine.labs.text_cnn.train import _vectorize_words

    parts = {"train": ["new_york times new_york", "space_station orbit"], "test": ["new_york unseen_word"]}
    encoded, vocab = _vectorize_words(parts, length=4, max_tokens=0)
    assert {"new_york", "space_station"} <= set(vocab) and "unseen_word" not in vocab
    assert encoded["test"].shape == (1, 4)
    assert encoded["test"][0].tolist() == [vocab.index("new_york"), 1, 0, 0]  # [UNK] = 1, padding = 0


@pytest.mark.slow
def test_best_epoch_callback_driven_by_hand() -> None:
    from engine.labs.text_cnn.train import BestEpoch

    class Model:
        def __init__(self) -> None:
            self.step = 0

        def get_weights(self) -> list[int]:
            return [self.step]

    events: list[Any] = []
    callback = BestEpoch(events.append)
    model = Model()
    callback.set_model(model)  # type: ignore[arg-type]
    callback.on_train_begin()
    for epoch, val in enumerate([0.2, 0.5, 0.5, 0.4, 0.6]):
        model.step = epoch
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {"val_accuracy": val})
    assert [m.epoch for m in callback.markers] == [1, 2, 5]  # equal is not better, as in ModelCheckpoint
    assert callback.best_epoch == 5 and callback.weights == [4]
    assert events == callback.markers and len(callback.epoch_seconds) == 5
