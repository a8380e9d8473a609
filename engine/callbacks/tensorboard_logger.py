"""TensorBoardLogger: epoch scalars, weight histograms and gradient histograms/norms for TensorBoard."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

from engine.callbacks.layer_stats import LayerStats, histogram

#: Metrics measured on the validation data although their names lack the ``val_`` prefix.
VALIDATION_METRICS = ("f1", "auc")


class TensorBoardLogger(keras.callbacks.Callback):
    """Writes TensorBoard event files in the layout of Keras's ``TensorBoard`` callback.

    ``<log_dir>/train`` gets ``epoch_loss``, ``epoch_accuracy``, ``epoch_learning_rate``, per-layer
    ``weights/<layer>`` and ``gradients/<layer>`` histograms and ``gradient_norm/<layer>`` scalars;
    ``<log_dir>/validation`` gets the ``val_*`` metrics and F1/AUC as ``epoch_<name>``.

    Keras's own callback needs the ``tensorboard`` package for its summary ops and has not written
    gradients since TF2; this one writes the standard summary protos with TensorFlow's low-level
    ``tf.summary.write``, so ``tensorboard --logdir <log_dir>`` reads them without extra packages.
    Place it after the callbacks that add to the epoch logs (LR, F1/AUC, :class:`LayerStats`).

    Args:
        log_dir: Folder of this run's logs (created if missing).
        layer_stats: Source of the histograms and gradient norms. Defaults to None: weight
            histograms only, computed here.
        bins: Bins of the weight histograms computed here. Defaults to 30.
    """

    def __init__(
        self, log_dir: str | os.PathLike[str], layer_stats: LayerStats | None = None, bins: int = 30
    ):
        super().__init__()
        self.log_dir = Path(log_dir)
        self.layer_stats = layer_stats
        self.bins = bins
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
        for key, value in (logs or {}).items():
            run, name = self._place(key)
            self._write(run, f"epoch_{name}", np.float32(float(value)), step, "scalars")
        for layer in self._layer_records(step):
            self._write("train", f"weights/{layer['name']}", _buckets(layer["weights"]), step, "histograms")
            if "gradients" in layer:
                self._write(
                    "train", f"gradients/{layer['name']}", _buckets(layer["gradients"]), step, "histograms"
                )
                self._write(
                    "train", f"gradient_norm/{layer['name']}", np.float32(layer["grad_norm"]), step, "scalars"
                )
        for writer in self._writers.values():
            writer.flush()

    @staticmethod
    def _place(key: str) -> tuple[str, str]:
        if key.startswith("val_"):
            return "validation", key[4:]
        if key in VALIDATION_METRICS:
            return "validation", key
        return "train", "learning_rate" if key == "lr" else key

    def _layer_records(self, step: int) -> list[dict[str, Any]]:
        records = self.layer_stats.records if self.layer_stats is not None else []
        if records and records[-1]["epoch"] == step:
            return list(records[-1]["layers"])
        return [
            {
                "name": layer.name,
                "weights": histogram(np.concatenate([np.ravel(w) for w in layer.get_weights()]), self.bins),
            }
            for layer in self.model.layers
            if layer.weights
        ]

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
