"""The LSTM lab's three multi-input models (Keras functional API); their diagram data is
:func:`engine.model_diagram.describe_model`'s.

All three share the essay branch: Embedding → LSTM (all time steps) → Flatten. The embedding is
pretrained GloVe and FROZEN when a matrix is given, else trainable from scratch; its layer name says
which ("essay_glove_frozen" / "essay_embedding_trainable"), so the diagram and the log cannot lie.

- Model-1 and Model-2: one Input + trainable Embedding + Flatten per categorical, the numerics →
  Dense, everything concatenated → Dense → Dropout → Dense → Dropout → Dense → Dense(2, softmax).
  (Model-2 differs only in its data: essays filtered to an idf band.)
- Model-3: the categoricals one-hot and the numerics in one vector → Conv1D → Conv1D → Flatten,
  concatenated with the essay branch, same head.

Keras is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine import tfrt
from engine.model_diagram import describe_model as describe_model  # the LSTM diagram's data


@dataclass(frozen=True)
class ModelSizes:
    """The editable sizes of the models.

    Args:
        embedding_dim: Width of the trainable essay embedding (GloVe fixes its own). Defaults to 64.
        lstm_units: LSTM units. Defaults to 32.
        numeric_units: Dense units on the numeric features (Models 1/2). Defaults to 16.
        head_units: Units of the head's three Dense layers. Defaults to (64, 32, 16).
        dropout: Rate of the head's two Dropout layers. Defaults to 0.3.
        conv_filters: Filters of Model-3's two Conv1D layers. Defaults to 16.
        conv_kernel: Kernel size of Model-3's Conv1D layers. Defaults to 3.
    """

    embedding_dim: int = 64
    lstm_units: int = 32
    numeric_units: int = 16
    head_units: tuple[int, int, int] = (64, 32, 16)
    dropout: float = 0.3
    conv_filters: int = 16
    conv_kernel: int = 3


@dataclass(frozen=True)
class ModelInputs:
    """Shapes and vocabularies of the model inputs (from the prepared data).

    Args:
        text_length: Words per essay sequence.
        vocabulary: Rows of the essay embedding (vocabulary + padding + unknown).
        categorical: ``(input name, rows incl. the unseen index, embedding size)`` per categorical.
        numeric: Number of numeric features.
        other: Width of Model-3's one-hot + numeric vector (0 for Models 1/2).
    """

    text_length: int
    vocabulary: int
    categorical: tuple[tuple[str, int, int], ...]
    numeric: int
    other: int = 0


def build_model(
    model: int,
    inputs: ModelInputs,
    sizes: ModelSizes | None = None,
    embedding_matrix: NDArray[np.float32] | None = None,
    learning_rate: float = 1e-3,
) -> Any:
    """Build and compile Model-1, 2 or 3 (2-unit softmax, categorical cross-entropy, Adam).

    Args:
        model: 1, 2 or 3.
        inputs: Input shapes.
        sizes: Layer sizes. Defaults to ``ModelSizes()``.
        embedding_matrix: ``(inputs.vocabulary, dim)`` pretrained vectors: the embedding is then
            initialised with them and frozen. None: a trainable embedding. Defaults to None.
        learning_rate: Adam's learning rate. Defaults to 1e-3.

    Raises:
        ValueError: Unknown model number, or a matrix whose row count is not the vocabulary size.
    """
    if model not in (1, 2, 3):
        raise ValueError(f"model must be 1, 2 or 3, got {model!r}")
    sizes = sizes or ModelSizes()
    if model == 3 and inputs.other <= sizes.conv_kernel * 2:
        raise ValueError(f"Model-3 needs a one-hot vector longer than two kernels, got {inputs.other}")
    keras = tfrt.keras()
    layers = keras.layers
    essay = keras.Input((inputs.text_length,), dtype="int32", name="essay")
    if embedding_matrix is not None:
        if embedding_matrix.shape[0] != inputs.vocabulary:
            raise ValueError(
                f"embedding matrix has {embedding_matrix.shape[0]} rows, vocabulary has {inputs.vocabulary}"
            )
        embedding = layers.Embedding(
            inputs.vocabulary, embedding_matrix.shape[1], trainable=False, name="essay_glove_frozen"
        )
    else:
        embedding = layers.Embedding(inputs.vocabulary, sizes.embedding_dim, name="essay_embedding_trainable")
    text = layers.LSTM(sizes.lstm_units, return_sequences=True, name="essay_lstm")(embedding(essay))
    branches = [layers.Flatten(name="essay_flatten")(text)]
    model_inputs = [essay]
    if model in (1, 2):
        for name, rows, width in inputs.categorical:
            cat = keras.Input((1,), dtype="int32", name=name)
            vectors = layers.Embedding(rows, width, name=f"{name}_embedding")(cat)
            branches.append(layers.Flatten(name=f"{name}_flatten")(vectors))
            model_inputs.append(cat)
        numeric = keras.Input((inputs.numeric,), name="numeric")
        branches.append(layers.Dense(sizes.numeric_units, activation="relu", name="numeric_dense")(numeric))
        model_inputs.append(numeric)
    else:
        other = keras.Input((inputs.other,), name="other")
        x = layers.Reshape((inputs.other, 1), name="other_as_sequence")(other)
        for i in (1, 2):
            x = layers.Conv1D(
                sizes.conv_filters, sizes.conv_kernel, activation="relu", name=f"other_conv{i}"
            )(x)
        branches.append(layers.Flatten(name="other_flatten")(x))
        model_inputs.append(other)
    x = layers.Concatenate(name="concatenate")(branches)
    units = sizes.head_units
    x = layers.Dense(units[0], activation="relu", name="head_dense1")(x)
    x = layers.Dropout(sizes.dropout, name="head_dropout1")(x)
    x = layers.Dense(units[1], activation="relu", name="head_dense2")(x)
    x = layers.Dropout(sizes.dropout, name="head_dropout2")(x)
    x = layers.Dense(units[2], activation="relu", name="head_dense3")(x)
    output = layers.Dense(2, activation="softmax", name="approved")(x)
    net = keras.Model(model_inputs, output, name=f"model_{model}")
    if embedding_matrix is not None:
        embedding.set_weights([embedding_matrix])
    # Two softmax units need categorical cross-entropy on one-hot labels (binary loss was a pitfall).
    net.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy")
    return net
