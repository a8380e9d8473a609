"""The LSTM lab's essay embedding from a GloVe text file (numpy only, no TensorFlow).

A real GloVe file is large (glove.6B.300d: 400,000 words, ~1 GB of text, ~480 MB as a matrix), so:

- the model diagram, which only needs the matrix's shape, reads just the vector width from the
  file's first line (:func:`glove_width`) and never parses the file;
- a run's matrix for the essay vocabulary is kept in memory, keyed by the file's path, size and
  modification time, the vocabulary and the seed, so running again with the same data neither
  parses the file nor reloads its on-disk cache (the file is parsed once, by
  :func:`engine.text.embeddings.load_vectors`, which also caches it on disk).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.jobs import CancelToken, Emit, LogLine
from engine.labs.lstm.inputs import Prepared
from engine.safe_files import check_regular_file
from engine.text import embeddings
from engine.text.embeddings import PAD, UNKNOWN, EmbeddingFileError

#: How many (file, vocabulary) matrices stay in memory (each is vocabulary × width floats, ~24 MB
#: for 20,000 words of 300-d GloVe).
CACHED_MATRICES = 2
_matrices: dict[tuple[Any, ...], tuple[NDArray[np.float32], float, int]] = {}


def _source(path: str) -> Path:
    source = Path(path).expanduser()
    check_regular_file(source, EmbeddingFileError, "GloVe file")
    return source


def glove_width(path: str) -> int:
    """The vector width of a GloVe-format file, read from its first vector line only (see
    :func:`engine.text.embeddings.vector_width`)."""
    return embeddings.vector_width(_source(path))


def diagram_matrix(path: str, prepared: Prepared) -> NDArray[np.float32] | None:
    """A zero matrix of the GloVe embedding's shape (the diagram needs shapes, not values), or None."""
    if not path:
        return None
    return np.zeros((prepared.text_index.input_dim, glove_width(path)), dtype=np.float32)


def glove_matrix(
    path: str, prepared: Prepared, seed: int, emit: Emit, token: CancelToken | None
) -> tuple[NDArray[np.float32] | None, dict[str, Any]]:
    """The frozen GloVe matrix for the essay vocabulary, or None (trainable) when no file is given.

    Returns:
        The matrix (read-only: it may be shared with a later run) and a description of the
        embedding for the log and the GUI (kind, label, source, coverage).

    Raises:
        EmbeddingFileError: The file is missing or malformed (the message names the line).
    """
    if not path:
        label = "trainable essay embedding, randomly initialised (no GloVe file given): NOT pretrained"
        emit(LogLine(f"Embedding: {label}"))
        return None, {"kind": "trainable", "label": label, "source": "", "coverage": None}
    source = _source(path)
    stat = source.stat()
    # Row order of the model's Embedding: 0 padding, 1 out-of-vocabulary, then the words.
    vocabulary = (PAD, UNKNOWN, *prepared.text_index.words)
    key = (str(source.resolve()), stat.st_size, stat.st_mtime_ns, vocabulary, seed)
    cached = _matrices.get(key)
    if cached is None:
        vectors = embeddings.load_vectors(source, emit, token)
        matrix, coverage = embeddings.embedding_matrix(vocabulary, vectors, seed)
        matrix.setflags(write=False)
        cached = (matrix, coverage, vectors.dim)
        while len(_matrices) >= CACHED_MATRICES:
            _matrices.pop(next(iter(_matrices)))  # the oldest entry
        _matrices[key] = cached
    matrix, coverage, dim = cached
    label = f"pretrained {dim}-d GloVe vectors from {source.name}, FROZEN"
    emit(LogLine(f"Embedding: {label}; {100 * coverage:.1f} % of the vocabulary has a vector"))
    return matrix, {"kind": "glove", "label": label, "source": str(path), "coverage": coverage}
