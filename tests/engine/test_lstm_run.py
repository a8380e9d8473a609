"""The LSTM lab's run: one tiny epoch of each model, GloVe, determinism, cancellation, JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.jobs import CancelToken, EpochEnded, JobCancelled, LogLine, Marker
from engine.labs import lstm
from engine.labs.lstm import scores as lstm_scores
from engine.params import ParamError, build
from tests.tensorboard_events import assert_default_logs, read_events

pytestmark = pytest.mark.slow
TINY = {
    "projects": 300,
    "epochs": 1,
    "text_length": 16,
    "embedding_dim": 8,
    "lstm_units": 4,
    "head_units": 16,
    "conv_filters": 4,
    "batch_size": 64,
}


def _run(**overrides):
    events: list[object] = []
    params = build(lstm.Params, {**TINY, **overrides})
    return lstm.run(params, CancelToken(), events.append), events


def _glove(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    words = ["students", "school", "learn", "creative", "books", "math", "reading", "engaging"]
    path = folder / "glove.tiny.5d.txt"
    path.write_text("".join(f"{w} {' '.join(f'{v:.4f}' for v in rng.normal(size=5))}\n" for w in words))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Any, list[object]]]:
    """One run per model, shared by the tests: Model-1 with a GloVe file, Model-2 for two epochs."""
    glove = _glove(tmp_path_factory.mktemp("glove"))
    return {
        1: _run(model=1, glove_path=str(glove)),
        2: _run(model=2, epochs=2),
        3: _run(model=3),  # TensorBoard logs by default
    }


@pytest.mark.parametrize("model", [1, 2, 3])
def test_one_run_of_each_model(runs, model: int) -> None:
    from engine.cli import to_jsonable

    result, events = runs[model]
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    assert set(result.history) == {"loss", "val_loss", "auc", "val_auc", "val_accuracy"}
    assert all(len(values) == len(epochs) for values in result.history.values())
    assert {"auc", "val_auc", "loss", "val_loss"} <= set(epochs[-1].metrics)
    assert epochs[-1].metrics["val_auc"] == result.history["val_auc"][-1]
    assert 0.0 <= result.test["auc"] <= 1.0 and 0.0 <= result.test["accuracy"] <= 1.0
    assert result.test["majority_rate"] == pytest.approx(0.85, abs=0.02)
    assert result.extra["majority_rate"] == result.test["majority_rate"]
    assert (result.extra["accuracy_warning"] != "") == (
        abs(result.test["accuracy"] - result.test["majority_rate"]) <= 0.01
    )
    assert Path(result.artifacts["best_weights"]).is_file()
    roc = result.extra["roc"]
    assert roc["fpr"][0] == 0 and roc["tpr"][-1] == 1 and np.all(np.diff(roc["fpr"]) >= 0)
    assert result.extra["model_diagram"]["name"] == f"model_{model}"
    assert ("band" in result.extra["idf"]) == (model == 2)
    assert any(m.kind == "checkpoint" for m in result.markers)
    assert tuple(e for e in events if isinstance(e, Marker)) == result.markers
    assert 1 <= result.extra["best_epoch"] <= len(epochs)
    json.dumps(to_jsonable(dict(result.extra)))  # everything the GUI gets is plain data


@pytest.mark.parametrize("model", [1, 2, 3])
def test_majority_rate_first_then_a_warning_in_each_epoch_near_it(runs, model: int) -> None:
    result, events = runs[model]
    rate = result.extra["val_majority_rate"]
    assert rate == pytest.approx(0.85, abs=0.02)
    (first,) = [m for m in result.markers if m.kind == "majority_rate"]
    assert first.epoch == 0 and lstm_scores.marker_rate(first) == pytest.approx(rate, abs=5e-5)
    assert result.markers.index(first) == (1 if model == 2 else 0)  # after Model-2's idf band only
    assert any(isinstance(e, LogLine) and f"majority-class rate {rate:.3f}" in e.text for e in events)
    # One warning for exactly the epochs whose validation accuracy is within a point of the rate,
    # each sent before that epoch's metrics so the GUI can show it while the model trains.
    near = [e for e, acc in enumerate(result.history["val_accuracy"], 1) if abs(acc - rate) <= 0.01 + 1e-9]
    warnings = [m for m in result.markers if m.kind == "majority_warning"]
    assert [m.epoch for m in warnings] == near
    for marker in warnings:
        ended = next(i for i, e in enumerate(events) if isinstance(e, EpochEnded) and e.epoch == marker.epoch)
        assert events.index(marker) < ended
        assert f"{result.history['val_accuracy'][marker.epoch - 1]:.3f}" in marker.text


def test_model_2_marks_its_idf_band(runs) -> None:
    result, _ = runs[2]
    band = result.extra["idf"]["band"]
    assert result.markers[0].kind == "idf_filter" and str(band["vocabulary_after"]) in result.markers[0].text
    assert band["vocabulary_after"] < band["vocabulary_before"]
    assert len(result.history["loss"]) == 2


def test_glove_file_gives_a_frozen_embedding(runs) -> None:
    result, events = runs[1]
    embedding = result.extra["embedding"]
    assert embedding["kind"] == "glove" and 0 < embedding["coverage"] <= 1
    assert "FROZEN" in embedding["label"]
    layers = {e["name"]: e for e in result.extra["model_diagram"]["layers"]}
    frozen = layers["essay_glove_frozen"]
    assert frozen["trainable_params"] == 0 and frozen["frozen_params"] > 0 and frozen["shape"][-1] == 5
    assert any(isinstance(e, LogLine) and "FROZEN" in e.text for e in events)
    assert runs[3][0].extra["embedding"]["kind"] == "trainable"


def test_tensorboard_logs_by_default_without_the_tensorboard_package(runs) -> None:
    first, third = runs[1][0].artifacts["tensorboard"], runs[3][0].artifacts["tensorboard"]
    train = assert_default_logs(third)
    assert "epoch_auc" in train  # the training AUC stays in train/, the validation AUC goes to validation/
    assert "epoch_auc" in read_events(Path(third) / "validation")
    assert first != third and Path(first).parent == Path(third).parent  # one folder per run
    assert "tensorboard" not in _run(model=3, tensorboard=False)[0].artifacts


def test_same_seed_same_numbers(runs) -> None:
    first, _ = runs[3]
    second, _ = _run(model=3)
    assert first.history == second.history and first.test == second.test


def test_cancel_after_the_first_event() -> None:
    token = CancelToken()

    def emit(event: object) -> None:
        token.cancel()

    params = build(lstm.Params, TINY)
    with pytest.raises(JobCancelled):
        lstm.run(params, token, emit)


def test_bad_inputs_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match="idf_low 5 is above idf_high 2"):
        build(lstm.Params, {"idf_low": "5", "idf_high": "2"})
    with pytest.raises(ParamError, match="model"):
        build(lstm.Params, {"model": "4"})
    (tmp_path / "train.csv").write_text("id,teacher_prefix\np1,Mrs.\n")
    (tmp_path / "resources.csv").write_text("id,description,quantity,price\np1,x,1,2\n")
    with pytest.raises(ValueError, match=r"train\.csv: line 1 \(header\): missing column\(s\) school_state"):
        _run(data_dir=str(tmp_path))
    with pytest.raises(ValueError, match="GloVe file not found"):
        _run(glove_path=str(tmp_path / "missing.txt"))
