"""The TensorFlow half of the text-CNN lab: vectorize, build Model-1 or Model-2, fit, evaluate once.

Imported lazily by :func:`engine.labs.text_cnn.run` (it imports Keras at module level).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

from engine import tfrt
from engine.callbacks.tensorboard_logger import TensorBoardLogger
from engine.jobs import ArtifactSaved, CancelToken, Emit, LabResult, LogLine, Marker
from engine.keras_fit import fit_with_events
from engine.labs.text_cnn.data import PreparedCorpus, evaluation, one_hot
from engine.labs.text_cnn.lengths import LengthReport
from engine.labs.text_cnn.models import build_char_cnn, build_word_cnn, compile_classifier
from engine.labs.text_cnn.table import corpus_table, save_preprocessed_csv
from engine.model_diagram import describe_model
from engine.paths import data_dir
from engine.tensorboard_logs import run_log_dir
from engine.text.embeddings import char_vocabulary, embedding_matrix, encode_chars, load_vectors

WORD_DIM, CHAR_DIM = 300, 32


class BestEpoch(keras.callbacks.Callback):
    """Keeps the weights of the epoch with the best validation accuracy and marks each new best.

    Uses the same strict "greater than" rule as ``ModelCheckpoint(save_best_only=True)``, so the
    marker appears exactly when the checkpoint file is rewritten.
    """

    def __init__(self, emit: Emit) -> None:
        super().__init__()
        self.emit = emit
        self.markers: list[Marker] = []
        self.epoch_seconds: list[float] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.best, self.best_epoch, self.weights = -np.inf, 0, None
        self.markers, self.epoch_seconds = [], []

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch_seconds.append(time.perf_counter() - self._start)
        current = float((logs or {}).get("val_accuracy", -np.inf))
        if current > self.best:
            text = f"val accuracy {current:.3f} (best so far): best model saved"
            self.best, self.best_epoch, self.weights = current, epoch + 1, self.model.get_weights()
            self.mark(Marker(epoch + 1, "checkpoint", text))

    def mark(self, marker: Marker) -> None:
        """Record and emit a marker."""
        self.markers.append(marker)
        self.emit(marker)


def _vectorize_words(
    parts: dict[str, list[str]], length: int, max_tokens: int
) -> tuple[dict[str, NDArray[Any]], list[str]]:
    # standardize="lower" keeps "_" (the default strips it with the punctuation), so New_York
    # stays one token; the vocabulary is learnt from the training part only.
    tf = tfrt.tf()
    layer = keras.layers.TextVectorization(
        max_tokens=max_tokens or None, standardize="lower", split="whitespace", output_sequence_length=length
    )
    layer.adapt(tf.constant(parts["train"]))
    encoded = {name: np.asarray(layer(tf.constant(texts))) for name, texts in parts.items()}
    return encoded, [str(t) for t in layer.get_vocabulary()]


def _embeddings(
    path: str, vocab: list[str], unit: str, seed: int, emit: Emit, token: CancelToken
) -> dict[str, Any]:
    if not path:
        label = f"trainable {unit} embeddings, randomly initialised (no pretrained vectors file given)"
        emit(LogLine(f"Embeddings: {label}"))
        return {"kind": "trainable", "label": label, "source": "", "coverage": None, "matrix": None}
    vectors = load_vectors(path, emit, token)
    matrix, coverage = embedding_matrix(vocab, vectors, seed)
    label = f"pretrained {vectors.dim}-d {unit} vectors from {Path(path).name}, frozen"
    cached = " (read from the .npy cache)" if vectors.from_cache else " (parsed and cached as .npy)"
    emit(LogLine(f"Embeddings: {label}{cached}; coverage {100 * coverage:.1f} % of the vocabulary"))
    return {"kind": "pretrained", "label": label, "source": str(path), "coverage": coverage, "matrix": matrix}


@dataclass(frozen=True)
class Encoded:
    """The model inputs of every split part, the vocabulary and the embedding choice."""

    x: dict[str, NDArray[Any]]
    vocab: list[str]
    embedding: dict[str, Any]
    length: int
    report: LengthReport


def _encode(params: Any, prepared: PreparedCorpus, emit: Emit, token: CancelToken) -> Encoded:
    parts = _parts(prepared)
    words = params.model == 1
    report = prepared.words if words else prepared.chars
    length = params.seq_length or report.proposed
    emit(LogLine(f"Sequence length {length} {report.unit}: {report.reason}"))
    if words:
        x, vocab = _vectorize_words(parts, length, params.max_words)
        emb = _embeddings(params.glove_path, vocab, "word", params.seed, emit, token)
    else:
        vocab = char_vocabulary(parts["train"])
        x = {name: encode_chars(texts, vocab, length) for name, texts in parts.items()}
        emb = _embeddings(params.char_vectors_path, vocab, "character", params.seed, emit, token)
    return Encoded(x, vocab, emb, length, report)


def _parts(prepared: PreparedCorpus) -> dict[str, list[str]]:
    return {name: [prepared.merged[i] for i in idx] for name, idx in vars(prepared.split).items()}


def _build(params: Any, encoded: Encoded, n_classes: int) -> Any:
    words = params.model == 1
    common = {
        "embedding_dim": params.embedding_dim or (WORD_DIM if words else CHAR_DIM),
        "embedding_matrix": encoded.embedding["matrix"],
        "filters": params.filters if words else params.char_filters,
        "pool_size": params.pool_size,
        "dropout": params.dropout,
        "dense_units": params.dense_units,
    }
    with tfrt.strategy().scope():
        if words:
            kernels = [int(k) for k in params.kernel_sizes]
            model = build_word_cnn(
                encoded.length, len(encoded.vocab), n_classes, kernel_sizes=kernels, **common
            )
        else:
            model = build_char_cnn(
                encoded.length,
                len(encoded.vocab),
                n_classes,
                kernel_size=params.char_kernel_size,
                final_pool=params.char_final_pool,
                **common,
            )
        return compile_classifier(model, params.learning_rate)


def _callbacks(params: Any, best: BestEpoch) -> tuple[list[Any], Any, dict[str, str]]:
    """Best-epoch tracking, the best-model checkpoint, early stopping and TensorBoard (default on)."""
    folder = data_dir() / "text_cnn"
    folder.mkdir(parents=True, exist_ok=True)
    artifacts = {"best_model": str(folder / f"best_model{params.model}_seed{params.seed}.keras")}
    callbacks: list[Any] = [
        best,
        keras.callbacks.ModelCheckpoint(
            artifacts["best_model"], monitor="val_accuracy", mode="max", save_best_only=True
        ),
    ]
    stopper = None
    if params.patience:
        stopper = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=params.patience)
        callbacks.append(stopper)
    if params.tensorboard:
        log_dir = run_log_dir("text_cnn", f"model{params.model}-seed{params.seed}")
        artifacts["tensorboard"] = str(log_dir)
        callbacks.append(TensorBoardLogger(log_dir, validation_keys=()))
    return callbacks, stopper, artifacts


def train(params: Any, prepared: PreparedCorpus, token: CancelToken, emit: Emit) -> LabResult:
    """Fit the chosen model on the prepared corpus, restore its best epoch and test it once."""
    tfrt.seed_everything(params.seed)
    corpus, split = prepared.corpus, prepared.split
    n_classes = len(corpus.class_names)
    encoded = _encode(params, prepared, emit, token)
    # Decisions taken before training, shown at epoch 0 on the plots.
    setup_markers = [
        Marker(0, "sequence_length", f"sequence length {encoded.length} {encoded.report.unit}"),
        Marker(0, "embedding", encoded.embedding["label"]),
    ]
    for marker in setup_markers:
        emit(marker)
    model = _build(params, encoded, n_classes)
    # The assignment's table of the preprocessed corpus, as a CSV beside the run (before training: a
    # stopped run still has it).
    table_csv = str(save_preprocessed_csv(corpus_table(prepared), token))
    emit(ArtifactSaved("preprocessed_csv", table_csv))
    y = {name: one_hot(corpus.labels[idx], n_classes) for name, idx in vars(split).items()}
    best = BestEpoch(emit)
    callbacks, stopper, artifacts = _callbacks(params, best)
    artifacts["preprocessed_csv"] = table_csv
    history = fit_with_events(
        model,
        encoded.x["train"],
        y["train"],
        token=token,
        emit=emit,
        epochs=params.epochs,
        steps_per_epoch=-(-len(split.train) // params.batch_size),
        callbacks=callbacks,
        validation_data=(encoded.x["val"], y["val"]),
        batch_size=params.batch_size,
        shuffle=True,
    )
    if stopper is not None and stopper.stopped_epoch > 0:
        text = f"no better val accuracy for {params.patience} epochs: stopped"
        best.mark(Marker(stopper.stopped_epoch + 1, "early_stop", text))
    if best.weights is not None:
        model.set_weights(best.weights)  # test the best epoch, the one saved to disk
    for name, path in artifacts.items():
        if name != "preprocessed_csv":  # announced when it was written
            emit(ArtifactSaved(name, path))

    # The test split is used once, here, after all choices were made on validation data.
    probabilities = np.asarray(model.predict(encoded.x["test"], batch_size=256, verbose=0))
    result = evaluation(
        corpus.labels[split.test],
        probabilities,
        corpus.class_names,
        [prepared.merged[i] for i in split.test],
        [corpus.files[i] for i in split.test],
        [corpus.texts[i] for i in split.test],
    )
    test = {"accuracy": result.pop("accuracy"), "micro_f1": result.pop("micro_f1")}
    emit(LogLine(f"Test (once, best epoch {best.best_epoch}): accuracy {test['accuracy']:.3f}"))
    hist = {k: [float(v) for v in values] for k, values in history.history.items()}
    report = encoded.report
    extra = {
        **result,
        "class_names": list(corpus.class_names),
        "class_counts": {
            n: np.bincount(corpus.labels[i], minlength=n_classes).tolist() for n, i in vars(split).items()
        },
        "length_report": report.as_dict(),
        "word_lengths": prepared.words.as_dict(),
        "char_lengths": prepared.chars.as_dict(),
        "proposed_length": report.proposed,
        "length_reason": report.reason,
        "sequence_length": encoded.length,
        "chunker": prepared.chunker,
        "embedding": {k: v for k, v in encoded.embedding.items() if k != "matrix"}
        | {"dim": int(model.get_layer("embedding").output_dim)},
        "vocabulary_size": len(encoded.vocab),
        "model_diagram": describe_model(model),
        "best_epoch": best.best_epoch,
        "epoch_seconds": best.epoch_seconds,
        "corpus_source": prepared.source,
        "skipped_files": list(corpus.problems),
        "invalid_utf8_files": corpus.invalid_utf8_files,
    }
    markers = (*setup_markers, *best.markers)
    return LabResult(history=hist, markers=markers, test=test, artifacts=artifacts, extra=extra)
