"""Classification metrics in plain numpy: one source of truth for callbacks, labs and the GUI.

Tested against keras.metrics and an independent (pairwise) computation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of equal labels."""
    t, p = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if t.size == 0:
        raise ValueError("accuracy of an empty set is undefined")
    return float(np.mean(t == p))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> NDArray[np.int64]:
    """``m[i, j]`` = how many samples of true class ``i`` were predicted as ``j``."""
    t = np.asarray(y_true, dtype=np.int64).ravel()
    p = np.asarray(y_pred, dtype=np.int64).ravel()
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (t, p), 1)
    return m


def per_class_f1(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> NDArray[np.float64]:
    """F1 of each class (0 where a class has neither true nor predicted samples)."""
    m = confusion_matrix(y_true, y_pred, n_classes).astype(np.float64)
    tp = np.diag(m)
    denom = m.sum(axis=0) + m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / denom, 0.0)


def micro_f1(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None = None) -> float:
    """Micro-averaged F1 over all classes of a single-label problem.

    Summing TP, FP and FN over every class (both classes for a binary problem) makes micro-F1 equal
    to accuracy: every wrong prediction is one FP and one FN. Computed from the counts, not assumed.
    """
    t = np.asarray(y_true, dtype=np.int64).ravel()
    p = np.asarray(y_pred, dtype=np.int64).ravel()
    k = n_classes if n_classes is not None else int(max(t.max(initial=0), p.max(initial=0))) + 1
    m = confusion_matrix(t, p, k)
    tp = float(np.trace(m))
    fp = float(m.sum() - tp)  # column sums minus diagonal, over all classes
    fn = float(m.sum() - tp)  # row sums minus diagonal, over all classes
    if tp + fp + fn == 0:
        return 0.0
    return 2 * tp / (2 * tp + fp + fn)


def roc_curve(
    y_true: ArrayLike, scores: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """False-positive rates, true-positive rates and thresholds, one point per distinct score.

    Raises:
        ValueError: When only one class is present (the curve is undefined).
    """
    t = np.asarray(y_true).ravel().astype(bool)
    s = np.asarray(scores, dtype=np.float64).ravel()
    if t.all() or not t.any():
        raise ValueError("ROC needs both classes in y_true")
    order = np.argsort(-s, kind="mergesort")
    s, t = s[order], t[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tps = np.cumsum(t)[last_of_tie]
    fps = (last_of_tie + 1) - tps
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    thresholds = np.r_[np.inf, s[last_of_tie]]
    return fpr, tpr, thresholds


def roc_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve from probabilities (trapezoids; ties count one half)."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
