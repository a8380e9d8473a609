"""The Keras glue: event streaming, cancellation within one batch, seeding, distribution strategy."""

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine import tfrt
from engine.jobs import BatchProgress, CancelToken, EpochEnded, JobCancelled
from engine.keras_fit import fit_with_events

ROOT = Path(__file__).resolve().parents[2]


def _tiny_model(seed=0):
    keras = tfrt.keras()
    tfrt.seed_everything(seed)
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    return model


def _data(n=256):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2)).astype("float32")
    return x, (x[:, :1] * 2 - x[:, 1:]).astype("float32")


def test_one_epoch_event_per_epoch_with_metrics():
    x, y = _data()
    events = []
    fit_with_events(
        _tiny_model(),
        x,
        y,
        token=CancelToken(),
        emit=events.append,
        epochs=3,
        batch_size=32,
        validation_split=0.25,
    )
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    assert [e.epoch for e in epochs] == [1, 2, 3]
    assert set(epochs[0].metrics) >= {"loss", "val_loss"} and epochs[0].total_epochs == 3


def test_cancel_stops_within_one_batch_and_raises():
    x, y = _data(4096)
    token = CancelToken()
    batches = []

    def emit(event):
        if isinstance(event, BatchProgress):
            batches.append(time.monotonic())
            token.cancel()

    start = time.monotonic()
    with pytest.raises(JobCancelled):
        fit_with_events(_tiny_model(), x, y, token=token, emit=emit, epochs=50, batch_size=8)
    assert time.monotonic() - start < 10  # 50 full epochs would take far longer
    assert time.monotonic() - batches[0] < 1.0


def test_same_seed_same_weights_after_training():
    x, y = _data()
    weights = []
    for _ in range(2):
        model = _tiny_model(seed=7)
        fit_with_events(
            model, x, y, token=CancelToken(), emit=lambda e: None, epochs=2, batch_size=32, shuffle=True
        )
        weights.append(np.concatenate([w.ravel() for w in model.get_weights()]))
    np.testing.assert_array_equal(weights[0], weights[1])


def test_mirrored_strategy_over_two_logical_cpus_trains():
    code = (
        "import tensorflow as tf, numpy as np\n"
        "cpu = tf.config.list_physical_devices('CPU')[0]\n"
        "tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)\n"
        "import keras\n"
        "strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])\n"
        "with strategy.scope():\n"
        "    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]); m.compile('sgd', 'mse')\n"
        "h = m.fit(np.ones((64, 2), 'float32'), np.ones((64, 1), 'float32'), epochs=2, batch_size=16, verbose=0)\n"
        "print('replicas', strategy.num_replicas_in_sync, 'epochs', len(h.history['loss']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "replicas 2 epochs 2" in proc.stdout


def test_device_info_names_tensorflow_and_device():
    info = tfrt.device_info()
    assert info.startswith("TensorFlow 2.21") and ("CPU" in info or "GPU" in info)
    assert tfrt.strategy().num_replicas_in_sync >= 1


def test_a_dataset_of_unknown_length_trains_without_a_false_ran_out_of_data_warning(recwarn) -> None:
    tf = tfrt.tf()
    x, y = _data(64)
    # Filtering (as the image pipeline does with undecodable files) makes the length unknown.
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).filter(lambda a, b: a[0] > -10.0).batch(16)
    assert int(dataset.cardinality()) == int(tf.data.UNKNOWN_CARDINALITY)
    events = []
    fit_with_events(_tiny_model(), dataset, token=CancelToken(), emit=events.append, epochs=2)
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [1, 2]
    assert not [w for w in recwarn if "ran out of data" in str(w.message)]
