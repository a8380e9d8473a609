"""The LSTM lab's numpy scores: the majority-class rate, its warning and markers, the test metrics;
the GUI reads them without TensorFlow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import metrics
from engine.jobs import Marker
from engine.labs.lstm import scores as lstm_scores
from tests.isolated import loaded_after

ROOT = Path(__file__).resolve().parents[2]


def test_majority_warning_is_within_one_point() -> None:
    assert lstm_scores.majority_warning(0.86, 0.85) != ""  # exactly one point, despite float rounding
    assert lstm_scores.majority_warning(0.84, 0.85) != ""  # below the rate counts too
    assert lstm_scores.majority_warning(0.8501, 0.85) != ""
    assert lstm_scores.majority_warning(0.8611, 0.85) == ""
    assert lstm_scores.majority_warning(0.8389, 0.85) == ""
    assert lstm_scores.majority_warning(float("nan"), 0.85) == ""  # a diverged epoch is not "majority"
    assert "0.853" in lstm_scores.majority_warning(0.853, 0.85)


def test_rate_marker_states_the_rate_the_gui_reads_back() -> None:
    y = np.array([1] * 17 + [0] * 3)
    rate = lstm_scores.majority_rate(y)
    marker = lstm_scores.rate_marker(rate, y.size)
    assert (marker.epoch, marker.kind) == (0, "majority_rate") and "0.8500" in marker.text
    assert lstm_scores.marker_rate(marker) == rate == 0.85
    third = lstm_scores.rate_marker(2 / 3, 3)
    assert lstm_scores.marker_rate(third) == pytest.approx(2 / 3, abs=5e-5)
    assert lstm_scores.marker_rate(Marker(0, "idf_filter", "majority-class rate 0.5")) is None
    assert lstm_scores.majority_rate(np.array([0, 0, 0, 1])) == 0.75  # the majority may be "rejected"


def test_epoch_warning_marks_only_epochs_near_the_rate() -> None:
    near = lstm_scores.epoch_warning(3, 0.855, 0.85)
    assert near is not None and (near.epoch, near.kind) == (3, "majority_warning")
    assert near.text.startswith("validation accuracy 0.855")
    assert lstm_scores.epoch_warning(4, 0.87, 0.85) is None


def test_test_metrics() -> None:
    y = np.array([1, 1, 1, 0])
    p = np.array([[0.2, 0.8], [0.6, 0.4], [0.1, 0.9], [0.5, 0.5]], dtype=np.float32)
    test = lstm_scores.test_metrics(y, p)
    assert test["majority_rate"] == 0.75 and test["accuracy"] == 0.75
    assert test["auc"] == metrics.roc_auc(y, p[:, 1]) == pytest.approx(2 / 3)
    assert test["loss"] == pytest.approx(-np.mean(np.log([0.8, 0.4, 0.9, 0.5])), rel=1e-6)


def test_roc_points_are_thinned_but_keep_both_ends() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    roc = lstm_scores.roc_points(y, rng.random(2000))
    assert len(roc["fpr"]) <= lstm_scores.ROC_POINTS < 2000
    assert (roc["fpr"][0], roc["tpr"][0], roc["fpr"][-1], roc["tpr"][-1]) == (0, 0, 1, 1)


def test_scores_glove_and_the_lab_module_import_no_tensorflow() -> None:
    assert loaded_after("import engine.labs.lstm, engine.labs.lstm.scores, engine.labs.lstm.glove") == []
