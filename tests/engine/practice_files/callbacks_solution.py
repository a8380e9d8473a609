"""A learner's correct solution of the callbacks lab's exercises (numpy only)."""

import numpy as np


def next_learning_rate(lr, epoch, val_accuracy, previous_val_accuracy):
    if previous_val_accuracy is not None and val_accuracy < previous_val_accuracy:  # MISTAKE-equal
        lr = lr * 0.9
    if (epoch + 1) % 3 == 0:  # MISTAKE-period
        lr = lr * 0.95
    return lr


def micro_f1(y_true, y_prob):
    y_true = np.asarray(y_true)
    y_pred = (np.asarray(y_prob) > 0.5).astype(int)
    tp = fp = fn = 0
    for label in (0, 1):
        tp += np.sum((y_pred == label) & (y_true == label))
        fp += np.sum((y_pred == label) & (y_true != label))
        fn += np.sum((y_pred != label) & (y_true == label))
    return 2 * tp / (2 * tp + fp + fn)


def roc_auc(y_true, y_prob):
    y_true = np.asarray(y_true)
    scores = np.asarray(y_prob)  # MISTAKE-round
    positives = scores[y_true == 1]
    negatives = scores[y_true == 0]
    wins = 0.0
    for p in positives:
        wins += np.sum(p > negatives) + 0.5 * np.sum(p == negatives)
    return wins / (len(positives) * len(negatives))


def should_stop(loss, weights):
    if not np.isfinite(loss):
        return True
    return any(not np.all(np.isfinite(w)) for w in weights)  # MISTAKE-weights
