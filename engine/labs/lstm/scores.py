"""The LSTM lab's scores in numpy (no TensorFlow): test metrics, the ROC points, and the majority-class
rate with its warning, so the GUI can read them without importing Keras.

Approval is imbalanced (~85 % approved), so a model that approves everything already scores the
majority-class rate. Training therefore announces the validation majority rate once (a
``majority_rate`` marker at epoch 0) and marks every epoch whose validation accuracy comes within
one point of it (``majority_warning``); the test split gets the same check once at the end.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine import metrics
from engine.jobs import Marker

#: Most points of the test ROC curve sent to the GUI (the curve keeps its first and last point).
ROC_POINTS = 200
#: Marker kinds: the validation majority rate (epoch 0) and an epoch whose accuracy only matches it.
RATE_KIND, WARNING_KIND = "majority_rate", "majority_warning"
#: How close accuracy may come to the majority rate before it is flagged (one percentage point).
TOLERANCE = 0.01
_RATE_TEXT = re.compile(r"majority-class rate (\d+\.\d+)")


def majority_rate(y: NDArray[np.int64]) -> float:
    """Share of the most common class (0.85 when 85 % are approved)."""
    return float(max(y.mean(), 1.0 - y.mean()))


def majority_warning(accuracy: float, rate: float) -> str:
    """The warning shown when accuracy is within one point of the majority-class rate, else "".

    A NaN accuracy (a diverged model) gives no warning: there is nothing to compare.
    """
    if not abs(accuracy - rate) <= TOLERANCE + 1e-9:  # the 1e-9 absorbs float rounding of 0.01
        return ""
    return (
        f"accuracy {accuracy:.3f} is within 1 point of the majority-class rate {rate:.3f}: "
        "always predicting 'approved' would do as well; read the AUC"
    )


def rate_marker(rate: float, projects: int) -> Marker:
    """The epoch-0 marker announcing the validation majority-class rate (read back by :func:`marker_rate`)."""
    text = (
        f"validation majority-class rate {rate:.4f}: always predicting 'approved' is right for that "
        f"share of the {projects} validation projects; accuracy near it says little"
    )
    return Marker(0, RATE_KIND, text)


def marker_rate(marker: Marker) -> float | None:
    """The rate a :func:`rate_marker` states, or None for any other marker."""
    found = _RATE_TEXT.search(marker.text) if marker.kind == RATE_KIND else None
    return float(found.group(1)) if found else None


def epoch_warning(epoch: int, val_accuracy: float, rate: float) -> Marker | None:
    """A ``majority_warning`` marker when this epoch's validation accuracy is within a point of ``rate``.

    Args:
        epoch: 1-based epoch.
        val_accuracy: The epoch's validation accuracy.
        rate: The validation majority-class rate.
    """
    warning = majority_warning(val_accuracy, rate)
    return Marker(epoch, WARNING_KIND, f"validation {warning}") if warning else None


def cross_entropy(y: NDArray[np.int64], probabilities: NDArray[Any]) -> float:
    """Mean categorical cross-entropy of 0/1 labels under 2-unit softmax probabilities."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-7, 1.0)
    return float(-np.mean(np.log(p[np.arange(y.size), y])))


def roc_points(y: NDArray[np.int64], scores: NDArray[np.float64]) -> dict[str, list[float]]:
    """The test ROC curve, thinned to at most :data:`ROC_POINTS` points for plotting."""
    fpr, tpr, _ = metrics.roc_curve(y, scores)
    keep = np.unique(np.linspace(0, fpr.size - 1, min(ROC_POINTS, fpr.size)).round().astype(int))
    return {"fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist()}


def test_metrics(y: NDArray[np.int64], probabilities: NDArray[np.float32]) -> dict[str, float]:
    """AUC, loss, accuracy and the majority-class rate on the test split.

    Accuracy within one point of the majority rate means the model learnt "always approve".
    """
    return {
        "auc": metrics.roc_auc(y, probabilities[:, 1]),
        "loss": cross_entropy(y, probabilities),
        "accuracy": metrics.accuracy(y, probabilities.argmax(axis=1)),
        "majority_rate": majority_rate(y),
    }
