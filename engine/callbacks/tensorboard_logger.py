"""TensorBoardLogger: epoch scalars, the learning rate, weight and gradient histograms for TensorBoard."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import keras
import numpy as np

from engine.callbacks.layer_stats import histogram

#: Metrics measured on the validation data although their names lack the ``val_`` prefix (the
#: callbacks lab's validation micro-F1 and AUC).
VALIDATION_METRICS = ("f1", "auc")


class GradientRecords(Protocol):
    """A callback that measures gradients each epoch, before the logger runs (e.g. ``LayerStats``).

    ``records[-1]`` is the latest epoch's ``{"epoch": n, "layers": [{"name", "gradients",
    "grad_norm"}, ...]}`` (1-based ``n``; ``gradients`` as :func:`~engine.callbacks.layer_stats.histogram`
    returns it); a layer record may also carry its ``weights`` histogram, used instead of computing it.
    """

    records: list[dict[str, Any]]


class TensorBoardLogger(keras.callbacks.Callback):
    """Writes TensorBoard event files in the layout of Keras's ``TensorBoard`` callback.

    ``<log_dir>/train`` gets ``epoch_<metric>`` for the training metrics, ``epoch_learning_rate``
    (from the logs' ``lr``/``learning_rate``, else read from the optimizer), a ``weights/<layer>``
    histogram per layer with weights and, when a gradient source is given, ``gradients/<layer>``
    histograms and ``gradient_norm/<layer>`` scalars; ``<log_dir>/validation`` gets the ``val_*``
    metrics (and ``validation_keys``) as ``epoch_<name>``. Steps are 1-based epochs, as in the app.

    Keras's own callback needs the ``tensorboard`` package for its summary ops and has not written
    gradients since TF2; this one writes the standard summary protos with TensorFlow's low-level
    ``tf.summary.write``, so ``tensorboard --logdir <log_dir>`` reads them without extra packages.
    Place it after the callbacks that add to the epoch logs (LR, F1/AUC) or measure gradients.

    Args:
        log_dir: Folder of this run's logs (created if missing).
        gradients: Source of gradient histograms and norms (and of weight histograms where it has
            them). Defaults to None: weight histograms only, computed here.
        bins: Bins of the weight histograms computed here. Defaults to 30.
        validation_keys: Unprefixed metric names that belong to the validation run. Defaults to
            ``("f1", "auc")`` (the callbacks lab's); a lab whose ``auc`` is the training AUC passes ``()``.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        gradients: GradientRecords | None = None,
        bins: int = 30,
        validation_keys: Sequence[str] = VALIDATION_METRICS,
    ):
        super().__init__()
        self.log_dir = Path(log_dir)
        self.gradients = gradients
        self.bins = bins
        self.validation_keys = tuple(validation_keys)
        self._writers: dict[str, Any] = {}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        from engine import tfrt

        tf = tfrt.tf()
        self._writers = {
            run: tf.summary.create_file_writer(str(self.log_dir / run)) for run in ("train", "validation")
        }

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        step = epoch + 1
        scalars = dict(logs or {})
        if "lr" not in scalars and "learning_rate" not in scalars:
            rate = self._optimizer_rate()
            if rate is not None:
                scalars["learning_rate"] = rate
        for key, value in scalars.items():
            run, name = self._place(key)
            self._write(run, f"epoch_{name}", np.float32(float(value)), step, "scalars")
        for name, weights, layer in self._layer_records(step):
            self._write("train", f"weights/{name}", _buckets(weights), step, "histograms")
            if "gradients" in layer:
                self._write("train", f"gradients/{name}", _buckets(layer["gradients"]), step, "histograms")
            if "grad_norm" in layer:
                self._write("train", f"gradient_norm/{name}", np.float32(layer["grad_norm"]), step, "scalars")
        for writer in self._writers.values():
            writer.flush()

    def _place(self, key: str) -> tuple[str, str]:
        if key.startswith("val_"):
            return "validation", key[4:]
        if key in self.validation_keys:
            return "validation", key
        return "train", "learning_rate" if key == "lr" else key

    def _optimizer_rate(self) -> float | None:
        optimizer = getattr(self.model, "optimizer", None)
        rate = getattr(optimizer, "learning_rate", None)
        try:
            return float(keras.ops.convert_to_numpy(rate)) if rate is not None else None
        except (TypeError, ValueError):  # a schedule object that is not a number
            return None

    def _layer_records(self, step: int) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        """``(layer name, weight histogram, gradient record)`` for every layer with weights."""
        records = self.gradients.records if self.gradients is not None else []
        measured = {
            layer["name"]: layer
            for layer in (records[-1]["layers"] if records and records[-1]["epoch"] == step else [])
        }
        for layer in self.model.layers:
            if not layer.weights:
                continue
            record = measured.get(layer.name, {})
            weights = record.get("weights") or histogram(
                np.concatenate([np.ravel(w) for w in layer.get_weights()]), self.bins
            )
            yield layer.name, weights, record

    def _write(self, run: str, tag: str, tensor: Any, step: int, plugin: str) -> None:
        from tensorflow.core.framework import summary_pb2

        from engine import tfrt

        metadata = summary_pb2.SummaryMetadata()
        metadata.plugin_data.plugin_name = plugin
        with self._writers[run].as_default():
            tfrt.tf().summary.write(tag, tensor, step=step, metadata=metadata)


def _buckets(hist: dict[str, Any]) -> np.ndarray:
    """A histogram as TensorBoard stores it: one ``(left edge, right edge, count)`` row per bin."""
    edges = np.asarray(hist["edges"], dtype=np.float64)
    return np.column_stack([edges[:-1], edges[1:], np.asarray(hist["counts"], dtype=np.float64)])
