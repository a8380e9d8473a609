"""Reads TensorBoard event files back with TensorFlow's own TFRecord reader (no ``tensorboard`` package)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_events(folder: str | Path) -> dict[str, list[tuple[int, Any]]]:
    """``{tag: [(step, summary value), ...]}`` from every event file directly in ``folder``."""
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    tags: dict[str, list[tuple[int, Any]]] = {}
    for path in sorted(Path(folder).glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                tags.setdefault(value.tag, []).append((event.step, value))
    return tags


def scalar(value: Any) -> float:
    """The number a scalar summary value holds."""
    import tensorflow as tf

    return float(tf.make_ndarray(value.tensor))


def assert_default_logs(log_dir: str | Path, validation: bool = True) -> dict[str, list[tuple[int, Any]]]:
    """A run's log folder has ``epoch_loss`` and ``epoch_learning_rate`` for epoch 1 in ``train/``, weight
    histograms, and (when the lab validates) ``epoch_loss`` in ``validation/``; returns the train tags."""
    folder = Path(log_dir)
    train = read_events(folder / "train")
    assert "epoch_loss" in train and train["epoch_loss"][0][0] == 1, sorted(train)
    assert "epoch_learning_rate" in train and scalar(train["epoch_learning_rate"][0][1]) > 0
    weights = [tag for tag in train if tag.startswith("weights/")]
    assert weights and train[weights[0]][0][1].metadata.plugin_data.plugin_name == "histograms"
    if validation:
        assert "epoch_loss" in read_events(folder / "validation")
    return train
