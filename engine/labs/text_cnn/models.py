"""Model-1 (word CNN) and Model-2 (character CNN) of the text-CNN lab, as the assignment specifies.

Model-1: Input(L) → Embedding → [Conv1D ‖ Conv1D ‖ Conv1D] (three kernel sizes) → Concatenate →
MaxPool1D → [Conv1D ‖ Conv1D ‖ Conv1D] → Concatenate → MaxPool1D → Conv1D → Flatten → Dropout →
Dense → Dense(classes, softmax).

Model-2: Input(chars) → Embedding → Conv1D → Conv1D → MaxPool1D → Conv1D → Conv1D → MaxPool1D →
Flatten → Dropout → Dense → Dense(classes, softmax).

The parallel convolutions use ``padding="same"`` so their outputs have equal lengths and can be
concatenated. With a pretrained matrix the embedding is frozen (the assignment's setting);
without one it is trainable and randomly initialised. Import this module only inside a job: it
imports Keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine import tfrt

EMBEDDING_LAYER = "embedding"


def _embedding(
    seq_len: int, vocab_size: int, dim: int, matrix: NDArray[np.float32] | None
) -> tuple[Any, Any, Any]:
    keras = tfrt.keras()
    inputs = keras.Input(shape=(seq_len,), dtype="int32", name="tokens")
    layer = keras.layers.Embedding(vocab_size, dim, trainable=matrix is None, name=EMBEDDING_LAYER)
    return inputs, layer, layer(inputs)


def _load_matrix(model: Any, matrix: NDArray[np.float32] | None) -> None:
    # set_weights after building keeps the matrix out of the saved config (a Constant
    # initializer would write the whole GloVe matrix into the model's JSON).
    if matrix is not None:
        model.get_layer(EMBEDDING_LAYER).set_weights([matrix])


def build_word_cnn(
    seq_len: int,
    vocab_size: int,
    n_classes: int,
    *,
    embedding_dim: int = 300,
    embedding_matrix: NDArray[np.float32] | None = None,
    filters: int = 16,
    kernel_sizes: Sequence[int] = (3, 4, 5),
    pool_size: int = 3,
    dropout: float = 0.5,
    dense_units: int = 64,
) -> Any:
    """Model-1, the word-level CNN.

    Args:
        seq_len: Tokens per document (the proposed or chosen sequence length).
        vocab_size: Rows of the embedding (including padding and ``[UNK]``).
        n_classes: Output classes.
        embedding_dim: Vector length when no matrix is given. Defaults to 300.
        embedding_matrix: Pretrained ``(vocab_size, dim)`` rows; frozen when given. Defaults to None.
        filters: Filters per convolution (the sheet recommends ≤ 16). Defaults to 16.
        kernel_sizes: Kernel sizes of the three parallel convolutions. Defaults to (3, 4, 5).
        pool_size: Max-pooling window. Defaults to 3.
        dropout: Dropout rate before the dense layers. Defaults to 0.5.
        dense_units: Units of the hidden dense layer. Defaults to 64.
    """
    keras = tfrt.keras()
    layers = keras.layers
    dim = embedding_matrix.shape[1] if embedding_matrix is not None else embedding_dim
    inputs, _layer, x = _embedding(seq_len, vocab_size, dim, embedding_matrix)
    for block in (1, 2):
        branches = [
            layers.Conv1D(filters, k, padding="same", activation="relu", name=f"conv{block}_k{k}")(x)
            for k in kernel_sizes
        ]
        x = layers.Concatenate(name=f"concat{block}")(branches)
        x = layers.MaxPool1D(pool_size, padding="same", name=f"pool{block}")(x)
    x = layers.Conv1D(filters, min(kernel_sizes), padding="same", activation="relu", name="conv3")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="classes")(x)
    model = keras.Model(inputs, outputs, name="model1_word_cnn")
    _load_matrix(model, embedding_matrix)
    return model


def build_char_cnn(
    seq_len: int,
    vocab_size: int,
    n_classes: int,
    *,
    embedding_dim: int = 32,
    embedding_matrix: NDArray[np.float32] | None = None,
    filters: int = 32,
    kernel_size: int = 5,
    pool_size: int = 3,
    final_pool: int = 0,
    dropout: float = 0.5,
    dense_units: int = 64,
) -> Any:
    """Model-2, the character-level CNN.

    Args:
        seq_len: Characters per document.
        vocab_size: Rows of the embedding (characters plus padding and ``[UNK]``).
        n_classes: Output classes.
        embedding_dim: Vector length when no matrix is given. Defaults to 32.
        embedding_matrix: Pretrained character vectors; frozen when given. Defaults to None.
        filters: Filters per convolution. Defaults to 32.
        kernel_size: Kernel size of every convolution. Defaults to 5.
        pool_size: Window of the first max-pooling. Defaults to 3.
        final_pool: Window of the second max-pooling; 0 = all that is left of the sequence, so
            Flatten sees one position and the features do not depend on where a word occurs
            (with a few hundred documents a position-dependent Flatten only memorises).
            Defaults to 0.
        dropout: Dropout rate before the dense layers. Defaults to 0.5.
        dense_units: Units of the hidden dense layer. Defaults to 64.
    """
    keras = tfrt.keras()
    layers = keras.layers
    dim = embedding_matrix.shape[1] if embedding_matrix is not None else embedding_dim
    inputs, _layer, x = _embedding(seq_len, vocab_size, dim, embedding_matrix)
    for block, pool in ((1, pool_size), (2, final_pool or -(-seq_len // pool_size))):
        for i in (1, 2):
            x = layers.Conv1D(
                filters, kernel_size, padding="same", activation="relu", name=f"conv{block}_{i}"
            )(x)
        x = layers.MaxPool1D(pool, padding="same", name=f"pool{block}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="classes")(x)
    model = keras.Model(inputs, outputs, name="model2_char_cnn")
    _load_matrix(model, embedding_matrix)
    return model


def compile_classifier(model: Any, learning_rate: float = 1e-3) -> Any:
    """Categorical cross-entropy with accuracy and micro-F1.

    ``F1Score(threshold=None)`` takes the argmax of the softmax, as the sheet requires: rounding
    the probabilities instead (a real submission) leaves most rows all-zero and F1 near 0.
    """
    keras = tfrt.keras()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy", keras.metrics.F1Score(average="micro", threshold=None, name="f1")],
    )
    return model
