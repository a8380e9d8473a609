"""Validation F1/AUC against keras.metrics and an independent computation; layer stats; TensorBoard files."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from engine.callbacks.layer_stats import LayerStats, histogram, norm_flag
from engine.callbacks.tensorboard_logger import TensorBoardLogger
from engine.callbacks.validation_f1_auc import ValidationF1Auc
from tests.tensorboard_events import read_events, scalar


def pairwise_auc(y: np.ndarray, p: np.ndarray) -> float:
    """AUC as the probability that a random positive outscores a random negative (ties count ½)."""
    pos, neg = p[y == 1], p[y == 0]
    wins = sum((a > b) + 0.5 * (a == b) for a, b in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def loop_micro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    """Micro-F1 by counting TP/FP/FN for each class separately and summing."""
    tp = fp = fn = 0
    for c in (0, 1):
        tp += int(np.sum((predicted == c) & (y == c)))
        fp += int(np.sum((predicted == c) & (y != c)))
        fn += int(np.sum((predicted != c) & (y == c)))
    return 2 * tp / (2 * tp + fp + fn)


@pytest.fixture
def scores() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = (rng.random(300) < 0.4).astype(np.int64)  # unbalanced on purpose
    p = np.clip(0.5 + 0.25 * (y - 0.5) + rng.normal(0, 0.2, 300), 0.001, 0.999)
    p[:20] = np.round(p[:20], 1)  # some ties
    p[p == 0.5] = 0.51  # keep the 0.5 threshold unambiguous for keras.metrics comparisons
    return y, p


def test_f1_and_auc_match_independent_computations(scores):
    y, p = scores
    callback = ValidationF1Auc(np.zeros((len(y), 2)), y)
    f1, auc = callback.scores(p)
    assert f1 == pytest.approx(loop_micro_f1(y, (p > 0.5).astype(int)), abs=1e-12)
    assert auc == pytest.approx(pairwise_auc(y, p), abs=1e-12)


def test_f1_and_auc_match_keras_metrics(scores):
    y, p = scores
    f1, auc = ValidationF1Auc(np.zeros((len(y), 2)), y).scores(p)
    keras_auc = keras.metrics.AUC(num_thresholds=20_001)
    keras_auc.update_state(y, p)
    assert auc == pytest.approx(float(keras_auc.result()), abs=2e-3)
    # Micro-F1 over both classes: one-hot truth against one-hot thresholded predictions.
    keras_f1 = keras.metrics.F1Score(average="micro")
    predicted = (p > 0.5).astype(int)
    keras_f1.update_state(np.eye(2)[y].astype("float32"), np.eye(2)[predicted].astype("float32"))
    assert f1 == pytest.approx(float(keras_f1.result()), abs=1e-6)
    accuracy = keras.metrics.BinaryAccuracy()
    accuracy.update_state(y, p)
    assert f1 == pytest.approx(float(accuracy.result()), abs=1e-6)  # micro-F1 == accuracy


def test_auc_uses_probabilities_not_rounded_predictions(scores):
    y, p = scores
    callback = ValidationF1Auc(np.zeros((len(y), 2)), y)
    _, auc = callback.scores(p)
    _, rounded_auc = callback.scores(np.round(p))
    assert abs(auc - rounded_auc) > 0.02


def test_non_finite_probabilities_give_nan_not_an_error(scores):
    y, p = scores
    p = p.copy()
    p[3] = np.nan
    f1, auc = ValidationF1Auc(np.zeros((len(y), 2)), y).scores(p)
    assert np.isnan(f1) and np.isnan(auc)


def small_model() -> keras.Model:
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(4, activation="relu", name="h"),
            keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("batch_size", [8192, 10])  # one chunk, or chunks with a short last one
def test_epoch_end_puts_f1_and_auc_of_model_predictions_in_the_logs(batch_size):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype("float32")
    y = (x[:, 0] > 0).astype(np.int64)
    model = small_model()
    callback = ValidationF1Auc(x, y, batch_size=batch_size)
    callback.set_model(model)
    logs: dict[str, float] = {}
    callback.on_epoch_end(0, logs)
    p = model.predict(x, verbose=0).ravel()
    assert logs["auc"] == pytest.approx(pairwise_auc(y, p))
    accuracy = model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"]
    assert logs["f1"] == pytest.approx(accuracy, abs=1e-6)


def test_f1_auc_rejects_empty_validation_data():
    with pytest.raises(ValueError, match="x_val is empty"):
        ValidationF1Auc(np.zeros((0, 2)), np.zeros(0))


def test_histogram_counts_and_flags():
    h = histogram([0.0, 1.0, 1.0, np.nan, np.inf, 2.0], bins=4)
    assert sum(h["counts"]) == 4 and h["non_finite"] == 2 and len(h["edges"]) == 5
    assert norm_flag(1e-8) == "vanishing" and norm_flag(1e4) == "exploding"
    assert norm_flag(0.5) == "ok" and norm_flag(float("nan")) == "non-finite"
    assert norm_flag(0.0) == "zero" and norm_flag(1e-300) == "vanishing"


def test_layer_stats_gradient_norms_match_a_direct_tape():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = small_model()
    stats = LayerStats(x, y, bins=8)
    stats.set_model(model)
    stats.on_train_begin({})
    stats.on_epoch_end(0, {})
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.binary_crossentropy(y.reshape(-1, 1), model(x)))
    grads = tape.gradient(loss, [w.value for w in model.layers[0].trainable_weights])
    expected = float(np.sqrt(sum(np.sum(np.square(g.numpy())) for g in grads)))
    (record,) = stats.records
    hidden = record["layers"][0]
    assert record["epoch"] == 1 and [layer["name"] for layer in record["layers"]] == ["h", "out"]
    assert hidden["grad_norm"] == pytest.approx(expected, rel=1e-5)
    assert sum(hidden["weights"]["counts"]) == 2 * 4 + 4  # kernel and bias
    assert len(hidden["gradients"]["edges"]) == 9


def test_tensorboard_logger_writes_standard_scalars_and_histograms(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = small_model()
    stats = LayerStats(x, y, bins=6)
    logger = TensorBoardLogger(tmp_path, stats)
    for cb in (stats, logger):
        cb.set_model(model)
        cb.on_train_begin({})
    for epoch in range(2):
        logs = {"loss": 0.7, "accuracy": 0.5, "val_loss": 0.8, "val_accuracy": 0.4, "f1": 0.4, "lr": 0.01}
        for cb in (stats, logger):
            cb.on_epoch_end(epoch, logs)
    logger.on_train_end({})
    train, validation = read_events(tmp_path / "train"), read_events(tmp_path / "validation")
    assert {
        "epoch_loss",
        "epoch_accuracy",
        "epoch_learning_rate",
        "weights/h",
        "gradients/h",
        "gradient_norm/h",
    } <= set(train)
    assert {"epoch_loss", "epoch_accuracy", "epoch_f1"} == set(validation)
    step, value = train["gradients/h"][-1]
    buckets = tf.make_ndarray(value.tensor)
    assert step == 2 and value.metadata.plugin_data.plugin_name == "histograms" and buckets.shape == (6, 3)
    assert buckets[:, 2].sum() == 12
    assert [s for s, _ in validation["epoch_loss"]] == [1, 2]
    assert tf.make_ndarray(validation["epoch_loss"][0][1].tensor) == pytest.approx(0.8)


def test_tensorboard_logger_reads_the_rate_from_the_optimizer_and_places_keys_as_told(tmp_path):
    model = small_model()
    model.compile(optimizer=keras.optimizers.Adam(0.0125), loss="binary_crossentropy")
    gradients = type("Measured", (), {})()
    gradients.records = [
        {"epoch": 1, "layers": [{"name": "h", "gradients": histogram([1.0, 2.0, 3.0], 3), "grad_norm": 2.5}]}
    ]
    logger = TensorBoardLogger(tmp_path, gradients, validation_keys=())
    logger.set_model(model)
    logger.on_train_begin({})
    logger.on_epoch_end(0, {"loss": 0.5, "auc": 0.7, "val_auc": 0.6})
    logger.on_train_end({})
    train, validation = read_events(tmp_path / "train"), read_events(tmp_path / "validation")
    assert scalar(train["epoch_learning_rate"][0][1]) == pytest.approx(0.0125)
    assert scalar(train["epoch_auc"][0][1]) == pytest.approx(0.7)  # a training AUC stays in train
    assert set(validation) == {"epoch_auc"} and scalar(validation["epoch_auc"][0][1]) == pytest.approx(0.6)
    # Weights computed here for every layer; gradients only where measured.
    assert {"weights/h", "weights/out", "gradients/h", "gradient_norm/h"} <= set(train)
    assert "gradients/out" not in train
    weights = tf.make_ndarray(train["weights/h"][0][1].tensor)
    assert weights[:, 2].sum() == sum(np.size(w) for w in model.get_layer("h").get_weights())
