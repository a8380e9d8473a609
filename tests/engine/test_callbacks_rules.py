"""The callbacks' rules, driven by hand with synthetic epoch logs and a 10-line dummy model."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from engine.callbacks.checkpoint_on_improvement import CheckpointOnImprovement
from engine.callbacks.early_stop_on_plateau import EarlyStopOnPlateau
from engine.callbacks.learning_rate_logger import LearningRateLogger
from engine.callbacks.monitor_callback import MonitorCallback
from engine.callbacks.terminate_on_non_finite import TerminateOnNonFinite
from engine.callbacks.two_rule_lr_decay import TwoRuleLrDecay
from engine.jobs import ArtifactSaved, Marker


def tiny_model(lr: float = 0.01) -> keras.Model:
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(3), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(
        keras.optimizers.SGD(learning_rate=lr, momentum=0.9), "binary_crossentropy", metrics=["accuracy"]
    )
    return model


def drive(callback: keras.callbacks.Callback, model: keras.Model, val_accuracies: list[float]) -> list[int]:
    """Run the epoch hooks over the sequence like a fit; returns ``[epoch]`` if training stopped there."""
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin({})
    stops = []
    for epoch, value in enumerate(val_accuracies):
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, {"loss": 0.6, "val_accuracy": value})
        if model.stop_training:  # Keras ends the fit here
            stops.append(epoch + 1)
            break
    callback.on_train_end({})
    return stops


def lr_of(model: keras.Model) -> float:
    return float(model.optimizer.learning_rate)


# --- two-rule LR decay ------------------------------------------------------------------------


def test_lr_decay_both_rules_in_one_epoch_multiply_to_0_855():
    model, events = tiny_model(0.1), []
    decay = TwoRuleLrDecay(emit=events.append)
    drive(decay, model, [0.60, 0.62, 0.61])  # epoch 3: fell AND a multiple of 3
    assert lr_of(model) == pytest.approx(0.1 * 0.855, rel=1e-6)
    assert [(m.epoch, m.kind) for m in events] == [(3, "lr_decay")]
    assert "fell" in events[0].text and "multiple of 3" in events[0].text


def test_lr_decay_compares_with_previous_epoch_not_best():
    model = tiny_model(1.0)
    decay = TwoRuleLrDecay()
    # Epoch 2 falls (×0.9); epoch 4 rises vs epoch 3 although below the best: no fall rule.
    drive(decay, model, [0.70, 0.60, 0.62, 0.65])
    assert lr_of(model) == pytest.approx(0.9 * 0.95, rel=1e-6)  # epoch 2 fall, epoch 3 period
    assert [m.epoch for m in decay.markers] == [2, 3]


def test_lr_decay_every_third_epoch_counting_from_one():
    model = tiny_model(1.0)
    decay = TwoRuleLrDecay()
    drive(decay, model, [0.5, 0.6, 0.7, 0.8, 0.9, 0.91, 0.92])  # never falls
    assert [m.epoch for m in decay.markers] == [3, 6]
    assert lr_of(model) == pytest.approx(0.95**2, rel=1e-6)


def test_lr_decay_reused_across_two_fits_forgets_previous_value():
    model = tiny_model(1.0)
    decay = TwoRuleLrDecay()
    drive(decay, model, [0.9])
    drive(decay, model, [0.5])  # lower than the last fit's value, but a new fit has no previous epoch
    assert lr_of(model) == pytest.approx(1.0)
    assert decay.markers == []


def test_learning_rate_logger_reports_the_rate_used_during_the_epoch():
    model = tiny_model(1.0)
    logger, decay = LearningRateLogger(), TwoRuleLrDecay()
    logged = []
    for cb in (logger, decay):
        cb.set_model(model)
        cb.on_train_begin({})
    for epoch, value in enumerate([0.5, 0.6, 0.7, 0.8]):
        logs = {"val_accuracy": value}
        for cb in (logger, decay):
            cb.on_epoch_begin(epoch, {})
        for cb in (logger, decay):
            cb.on_epoch_end(epoch, logs)
        logged.append(logs["lr"])
    # The decay after epoch 3 shows in epoch 4, not in epoch 3.
    assert logged == pytest.approx([1.0, 1.0, 1.0, 0.95])


# --- early stopping ---------------------------------------------------------------------------


def test_early_stop_counts_patience_from_the_last_improvement():
    model, events = tiny_model(), []
    stop = EarlyStopOnPlateau(patience=2, emit=events.append)
    # 0.62 at epoch 4 equals the best (no improvement); the wait restarts only at epoch 2.
    assert drive(stop, model, [0.60, 0.62, 0.61, 0.62, 0.63]) == [4]
    assert stop.stopped_epoch == 4 and stop.best == 0.62 and stop.best_epoch == 2
    assert events == [Marker(4, "early_stop", events[0].text)]
    assert "best 0.6200 at epoch 2" in events[0].text


def test_early_stop_wait_resets_on_improvement_and_instance_is_reusable():
    model = tiny_model()
    stop = EarlyStopOnPlateau(patience=2)
    assert drive(stop, model, [0.5, 0.4, 0.6, 0.5, 0.7, 0.6, 0.8]) == []
    assert drive(stop, model, [0.1, 0.1, 0.1]) == [3]  # the first fit's best (0.8) is forgotten
    assert stop.best == 0.1 and [m.epoch for m in stop.markers] == [3]


def test_monitor_missing_from_logs_names_what_is_there():
    model = tiny_model()
    stop = EarlyStopOnPlateau()
    stop.set_model(model)
    stop.on_train_begin({})
    with pytest.raises(ValueError, match=r"'val_accuracy'.*accuracy, loss.*validation_data"):
        stop.on_epoch_end(0, {"loss": 0.6, "accuracy": 0.5})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"mode": "up"}, "mode must be 'max' or 'min', got 'up'"), ({"min_delta": -1}, "min_delta")],
)
def test_monitor_constructor_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MonitorCallback(**kwargs)


def test_min_mode_and_nan_never_improve():
    base = MonitorCallback(monitor="val_loss", mode="min", min_delta=0.01)
    assert base.is_improvement(0.5, None) and base.is_improvement(0.48, 0.5)
    assert not base.is_improvement(0.495, 0.5) and not base.is_improvement(math.nan, 0.5)


def test_constructors_validate_early():
    with pytest.raises(ValueError, match="patience must be at least 1, got 0"):
        EarlyStopOnPlateau(patience=0)
    with pytest.raises(ValueError, match="period_factor must be in"):
        TwoRuleLrDecay(period_factor=1.5)


# --- checkpoint -------------------------------------------------------------------------------


def test_checkpoint_saves_only_improvements_atomically_with_epoch_and_value(tmp_path):
    model, events = tiny_model(), []
    ckpt = CheckpointOnImprovement(tmp_path, emit=events.append)
    drive(ckpt, model, [0.60, 0.65, 0.64, 0.70])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "epoch001-val_accuracy0.6000.keras",
        "epoch002-val_accuracy0.6500.keras",
        "epoch004-val_accuracy0.7000.keras",
    ]  # no temporary files left behind
    assert [m.epoch for m in events if isinstance(m, Marker)] == [1, 2, 4]
    assert [e.path for e in events if isinstance(e, ArtifactSaved)] == [str(tmp_path / n) for n in names]
    loaded = keras.models.load_model(ckpt.best_path, compile=False, safe_mode=True)
    np.testing.assert_allclose(loaded.get_weights()[0], model.get_weights()[0])


def test_checkpoint_reused_across_fits_starts_a_new_best(tmp_path):
    model = tiny_model()
    ckpt = CheckpointOnImprovement(tmp_path)
    drive(ckpt, model, [0.9])
    drive(ckpt, model, [0.5])  # worse than the first fit, but the first epoch of a new fit
    assert ckpt.best_path is not None and ckpt.best_path.name == "epoch001-val_accuracy0.5000.keras"


# --- NaN / inf guard --------------------------------------------------------------------------


def start_guard(model: keras.Model, **kwargs) -> tuple[TerminateOnNonFinite, list[Marker]]:
    events: list[Marker] = []
    guard = TerminateOnNonFinite(emit=events.append, **kwargs)
    guard.set_model(model)
    model.stop_training = False
    guard.on_train_begin({})
    guard.on_epoch_begin(1, {})  # the second epoch
    return guard, events


def nan_guard_after_batch(model: keras.Model, loss: float) -> tuple[bool, list[Marker]]:
    guard, events = start_guard(model, weight_check_every=1)
    guard.on_train_batch_end(4, {"loss": loss})
    return bool(model.stop_training), events


def poison_a_kernel(model: keras.Model) -> keras.Variable:
    kernel = model.layers[1].kernel
    values = kernel.numpy()
    values[0, 0] = np.nan
    kernel.assign(values)
    return kernel


def test_nan_guard_stops_on_nan_in_a_weight_while_the_loss_is_finite():
    model = tiny_model()
    kernel = poison_a_kernel(model)
    stopped, events = nan_guard_after_batch(model, 0.69)
    assert stopped
    assert [(m.epoch, m.kind) for m in events] == [(2, "nan_stop")]
    assert (
        "batch 5" in events[0].text
        and kernel.path in events[0].text
        and "loss is still finite" in events[0].text
        and "checked every" not in events[0].text  # checked after every batch: no delay to explain
    )


def test_nan_guard_checks_weights_every_k_batches_and_says_it_may_be_late():
    model = tiny_model()
    poison_a_kernel(model)
    guard, events = start_guard(model, weight_check_every=4)
    stopped_at = []
    for batch in range(8):
        guard.on_train_batch_end(batch, {"loss": 0.69})  # the loss never shows it
        if model.stop_training:
            stopped_at.append(batch + 1)
            break
    assert stopped_at == [4]  # the first checked batch, not batch 1
    assert "batch 4" in events[0].text
    assert "checked every 4 batches" in events[0].text and "up to 3 batches earlier" in events[0].text


def test_nan_guard_checks_weights_at_every_epoch_end():
    model = tiny_model()
    guard, events = start_guard(model)  # the default: every 16 batches
    assert guard.weight_check_every == 16
    for batch in range(10):  # an epoch shorter than 16 batches: no batch check happens
        guard.on_train_batch_end(batch, {"loss": 0.69})
    poison_a_kernel(model)
    guard.on_train_batch_end(10, {"loss": 0.69})
    assert not model.stop_training
    guard.on_epoch_end(1, {"loss": 0.69})
    assert model.stop_training and guard.stopped_epoch == 2
    assert [(m.epoch, m.kind) for m in events] == [(2, "nan_stop")]
    assert events[0].text.startswith("training terminated at the end of the epoch: weight")


def test_nan_guard_reports_one_stop_per_epoch():
    model = tiny_model()
    guard, events = start_guard(model)
    guard.on_train_batch_end(0, {"loss": math.nan})
    poison_a_kernel(model)
    guard.on_epoch_end(1, {})  # the weight is bad too, but the stop was already reported
    assert len(events) == 1 and "loss is nan" in events[0].text


def test_nan_guard_rejects_a_zero_check_interval():
    with pytest.raises(ValueError, match="weight_check_every must be at least 1, got 0"):
        TerminateOnNonFinite(weight_check_every=0)


def test_nan_guard_reused_on_another_model_checks_the_new_weights():
    first, second = tiny_model(), tiny_model()
    guard, _ = start_guard(first, weight_check_every=1)
    guard.on_train_batch_end(0, {"loss": 0.69})
    assert not first.stop_training
    kernel = poison_a_kernel(second)
    guard.set_model(second)
    second.stop_training = False
    guard.on_train_begin({})
    guard.on_epoch_begin(0, {})
    guard.on_train_batch_end(0, {"loss": 0.69})
    assert second.stop_training and kernel.path in guard.reason


@pytest.mark.parametrize("loss", [math.nan, math.inf])
def test_nan_guard_stops_on_non_finite_loss(loss):
    stopped, events = nan_guard_after_batch(tiny_model(), loss)
    assert stopped and "loss is" in events[0].text


def test_nan_guard_checks_the_loss_after_every_batch():
    model = tiny_model()
    guard, events = start_guard(model)  # weights only every 16 batches; the loss always
    guard.on_train_batch_end(2, {"loss": math.inf})
    assert model.stop_training and "batch 3: loss is inf" in events[0].text


def test_nan_guard_lets_finite_training_continue_and_sees_inf_weights():
    model = tiny_model()
    assert nan_guard_after_batch(model, 0.69) == (False, [])
    model.layers[0].bias.assign(np.array([0.0, np.inf, 0.0], dtype=np.float32))
    stopped, events = nan_guard_after_batch(model, 0.69)
    assert stopped and model.layers[0].bias.path in events[0].text


@pytest.mark.slow
def test_nan_guard_is_called_by_a_real_fit():
    """The hook name is one Keras calls (a mistake seen in submissions): a diverging fit stops in epoch 1."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(learning_rate=1e38), "binary_crossentropy")
    x = np.random.default_rng(0).normal(size=(256, 2)).astype("float32") * 1e3
    y = (x[:, 0] > 0).astype("float32")
    guard = TerminateOnNonFinite()
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[guard])
    assert guard.stopped_epoch == 1 and len(history.history["loss"]) == 1
    assert guard.markers[0].kind == "nan_stop"
