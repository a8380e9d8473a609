"""The callbacks lab's exercises: the decisions inside the assignment's callbacks, as pure functions.

Graded without training anything: the learner's rule gets the numbers a callback would see (epoch,
validation accuracy, probabilities, the loss and the weights) and must decide what ours decides
(:mod:`engine.callbacks.rules`, :mod:`engine.metrics`). Task texts:
``resources/labs/callbacks/exercises/<name>.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import metrics
from engine.callbacks.rules import non_finite_reason, two_rule_decision
from engine.practice import compare
from engine.practice.exercise import Array, Case, Exercise, KnownMistake, LabExercises

# --- the learning-rate rules ------------------------------------------------------------------------


def next_learning_rate(
    lr: float, epoch: int, val_accuracy: float, previous_val_accuracy: float | None
) -> float:
    """Our answer: the LR for the next epoch after Keras's ``on_epoch_end(epoch)`` (0-based)."""
    return lr * two_rule_decision(previous_val_accuracy, val_accuracy, epoch + 1).factor


def _lr_cases() -> list[Case]:
    settings = [
        (0.1, 0, 0.60, None, "the first epoch"),
        (0.1, 1, 0.58, 0.60, "epoch 2, accuracy fell"),
        (0.1, 2, 0.63, 0.62, "epoch 3, accuracy rose"),
        (0.1, 2, 0.61, 0.62, "epoch 3, accuracy fell"),
        (0.05, 3, 0.70, 0.60, "epoch 4, accuracy rose"),
        (0.05, 5, 0.61, 0.61, "epoch 6, accuracy unchanged"),
        (0.2, 8, 0.50, 0.70, "epoch 9, accuracy fell"),
        (0.01, 9, 0.64, 0.66, "epoch 10, accuracy fell"),
    ]
    return [Case((lr, epoch, acc, prev), label=label) for lr, epoch, acc, prev, label in settings]


def _lr_one_rule(lr: float, epoch: int, val_accuracy: float, previous: float | None) -> float:
    decision = two_rule_decision(previous, val_accuracy, epoch + 1)
    return lr * (0.9 if decision.fell else 0.95 if decision.periodic else 1.0)


def _lr_equal_is_worse(lr: float, epoch: int, val_accuracy: float, previous: float | None) -> float:
    fell = previous is not None and val_accuracy <= previous
    return lr * (0.9 if fell else 1.0) * (0.95 if (epoch + 1) % 3 == 0 else 1.0)


NEXT_LR = Exercise(
    name="next_learning_rate",
    title="The two-rule LR decay",
    signature="lr, epoch, val_accuracy, previous_val_accuracy",
    doc="""The learning rate for the next epoch, decided at the end of epoch `epoch`.

epoch: the index Keras passes to on_epoch_end (0 for the first epoch); val_accuracy: this
epoch's validation accuracy; previous_val_accuracy: the previous epoch's (None after the first).
(a) × 0.9 when the accuracy is lower than at the previous epoch; (b) × 0.95 on every 3rd epoch
(the 3rd, 6th, 9th … counting from 1). Both can apply. Returns the new learning rate.""",
    reference=next_learning_rate,
    cases=_lr_cases,
    check=compare.number(rel=1e-9),
    mistakes=(
        KnownMistake(
            "period_off_by_one",
            "epoch % 3 == 0 on Keras's 0-based epoch decays after epochs 1, 4, 7 instead of 3, 6, 9",
            lambda lr, epoch, acc, prev: (
                lr * (0.9 if prev is not None and acc < prev else 1.0) * (0.95 if epoch % 3 == 0 else 1.0)
            ),
        ),
        KnownMistake(
            "one_rule_per_epoch",
            "only one rule per epoch (elif): both together must give × 0.855",
            _lr_one_rule,
        ),
        KnownMistake(
            "equal_counts_as_worse",
            "an unchanged accuracy is not lower: only a fall decays",
            _lr_equal_is_worse,
        ),
    ),
)


# --- micro-F1 and AUC ----------------------------------------------------------------------------------


def _prediction_cases(seed: int, ties: bool) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for size, skill in ((20, 0.8), (101, 0.3), (400, 1.5), (60, 0.0)):
        y = rng.integers(0, 2, size)
        p = 1.0 / (1.0 + np.exp(-(skill * (2 * y - 1) + rng.normal(0, 1, size))))
        # AUC cases hold ties (rounded scores); F1 cases keep clear of the 0.5 threshold.
        p = np.round(p, 1) if ties else np.where(np.isclose(p, 0.5), 0.51, p)
        cases.append(Case((y.tolist(), Array(p)), label=f"{size} predictions"))
    return cases


def micro_f1(y_true: Any, y_prob: Any) -> float:
    """Our answer: micro-F1 with class 1 where the probability is above 0.5."""
    return metrics.micro_f1(np.asarray(y_true), np.asarray(y_prob) > 0.5, n_classes=2)


def _f1_positive_class(y_true: Any, y_prob: Any) -> float:
    return float(metrics.per_class_f1(np.asarray(y_true), np.asarray(y_prob) > 0.5, 2)[1])


MICRO_F1 = Exercise(
    name="micro_f1",
    title="Micro-F1 from probabilities",
    signature="y_true, y_prob",
    doc="""Micro-averaged F1 over both classes, without tf.keras.metrics.

y_true: labels 0/1; y_prob: the model's probabilities of class 1 (predict class 1 where
y_prob > 0.5). Count TP, FP and FN over BOTH classes, then F1 = 2·TP / (2·TP + FP + FN).""",
    reference=micro_f1,
    cases=lambda: _prediction_cases(21, ties=False),
    check=compare.number(rel=1e-9),
    mistakes=(
        KnownMistake(
            "f1_positive_class", "the F1 of class 1 alone, not micro-F1 over both classes", _f1_positive_class
        ),
    ),
)


def roc_auc(y_true: Any, y_prob: Any) -> float:
    """Our answer: the area under the ROC curve from the probabilities."""
    return metrics.roc_auc(np.asarray(y_true), np.asarray(y_prob))


ROC_AUC = Exercise(
    name="roc_auc",
    title="ROC AUC from probabilities",
    signature="y_true, y_prob",
    doc="""The area under the ROC curve, without tf.keras.metrics or scikit-learn.

y_true: labels 0/1; y_prob: probabilities of class 1 (use them as they are, not rounded).
The AUC is the chance that a random positive scores above a random negative; a tie counts 1/2.""",
    reference=roc_auc,
    cases=lambda: _prediction_cases(22, ties=True),
    check=compare.number(rel=1e-9),
    mistakes=(
        KnownMistake(
            "auc_of_rounded",
            "the AUC of rounded predictions: the ROC curve collapses to a single point",
            lambda y, p: metrics.roc_auc(np.asarray(y), np.round(np.asarray(p))),
        ),
    ),
)


# --- the NaN/inf stop ------------------------------------------------------------------------------------


def should_stop(loss: float, weights: Any) -> bool:
    """Our answer: stop when the loss or any entry of any weight is NaN or infinite."""
    return bool(non_finite_reason(loss, weights))


def _stop_cases() -> list[Case]:
    rng = np.random.default_rng(23)

    def layers(bad: float | None = None, where: int = 1) -> list[Array]:
        arrays = [rng.normal(0, 1, (2, 5)), rng.normal(0, 1, 5), rng.normal(0, 1, (5, 1))]
        if bad is not None:
            arrays[where].flat[2] = bad
        return [Array(a) for a in arrays]

    inf, nan = float("inf"), float("nan")
    settings = [
        (0.69, layers(), "everything finite"),
        (nan, layers(), "the loss is NaN"),
        (inf, layers(), "the loss is inf"),
        (0.71, layers(nan, 0), "a NaN weight, finite loss"),
        (0.71, layers(-inf, 2), "a −inf weight, finite loss"),
        (1.2e9, layers(inf, 1), "an inf bias, huge but finite loss"),
        (3.5e38, layers(), "a huge but finite loss"),
    ]
    return [Case((loss, weights), label=label) for loss, weights, label in settings]


SHOULD_STOP = Exercise(
    name="should_stop",
    title="Stop on NaN or inf",
    signature="loss, weights",
    doc="""Whether training must stop now: True when the loss OR any entry of any weight is NaN or
infinite (Keras's TerminateOnNaN looks only at the loss).

loss: the batch loss; weights: the model's weights, a list of numpy arrays.""",
    reference=should_stop,
    cases=_stop_cases,
    check=compare.equal(),
    mistakes=(
        KnownMistake(
            "loss_only",
            "only the loss is checked, like Keras's TerminateOnNaN",
            lambda loss, w: bool(non_finite_reason(loss)),
        ),
        KnownMistake(
            "nan_only",
            "np.isnan misses ±inf: use np.isfinite",
            lambda loss, w: bool(np.isnan(loss) or any(np.isnan(np.asarray(a)).any() for a in w)),
        ),
    ),
)

EXERCISES = LabExercises("callbacks", (NEXT_LR, MICRO_F1, ROC_AUC, SHOULD_STOP))
