"""Pretrained vectors in the GloVe text format, and the character vocabulary of Model-2.

A GloVe-format file has one ``token v1 v2 ... vd`` line per word (or per character for char
vectors). Parsing a large file takes a while, so it is parsed once and cached as ``vectors.npy`` +
``tokens.txt`` in the cache dir, keyed by the file's path, size and modification time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from engine.jobs import CancelToken, Emit, Progress
from engine.paths import cache_dir

PAD, UNKNOWN = "", "[UNK]"


class EmbeddingFileError(ValueError):
    """A vectors file is missing or malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Vectors:
    """Pretrained vectors: ``vectors[i]`` belongs to ``tokens[i]``."""

    tokens: tuple[str, ...]
    vectors: NDArray[np.float32]
    source: str
    from_cache: bool = False

    @property
    def dim(self) -> int:
        """Vector length."""
        return int(self.vectors.shape[1])


def _vector_lines(handle: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, space-separated parts) of every vector line: blank lines and a word2vec-style
    "count dim" first line are skipped."""
    for line_no, line in enumerate(handle, 1):
        parts = line.rstrip("\n").rstrip(" ").split(" ")
        if line_no == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
            continue
        if line.strip():
            yield line_no, parts


def vector_width(path: Path) -> int:
    """The vector width of a GloVe-format file, read from its first vector line only.

    Raises:
        EmbeddingFileError: The file is missing or empty, or its first vector line holds no number.
    """
    if not path.is_file():
        raise EmbeddingFileError(f"{path}: no such file")
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line_no, parts in _vector_lines(handle):
            if len(parts) < 2:
                raise EmbeddingFileError(f"{path}: line {line_no} has a token but no numbers")
            if not _is_float(parts[-1]):
                raise EmbeddingFileError(
                    f"{path}: line {line_no}, column {len(parts)}: {parts[-1]!r} is not a number"
                )
            return len(parts) - 1
    raise EmbeddingFileError(f"{path}: no vectors found")


def _parse(path: Path, emit: Emit | None, token: CancelToken | None) -> tuple[list[str], NDArray[np.float32]]:
    tokens: list[str] = []
    rows: list[NDArray[np.float32]] = []
    seen: set[str] = set()
    dim = 0
    total = _count_lines(path) if emit is not None else 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line_no, parts in _vector_lines(handle):
            if dim == 0:
                dim = len(parts) - 1
                if dim < 1:
                    raise EmbeddingFileError(f"{path}: line {line_no} has a token but no numbers")
            if len(parts) <= dim:
                raise EmbeddingFileError(
                    f"{path}: line {line_no} has {len(parts) - 1} numbers, expected {dim}"
                )
            # The token itself may contain spaces (a few GloVe files have them): numbers are the tail.
            word, numbers = " ".join(parts[:-dim]), parts[-dim:]
            try:
                row = np.array(numbers, dtype=np.float32)
            except ValueError:
                bad = next(i for i, n in enumerate(numbers) if not _is_float(n))
                raise EmbeddingFileError(
                    f"{path}: line {line_no}, column {bad + 2}: {numbers[bad]!r} is not a number"
                ) from None
            if word not in seen:
                seen.add(word)
                tokens.append(word)
                rows.append(row)
            if line_no % 20000 == 0:
                if token is not None:
                    token.raise_if_cancelled()
                if emit is not None:
                    emit(Progress("parsing vectors", line_no, total))
    if not tokens:
        raise EmbeddingFileError(f"{path}: no vectors found")
    return tokens, np.stack(rows)


def _count_lines(path: Path) -> int:
    # About a second for a 1 GB GloVe file: worth it for a progress bar that knows its end.
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_vectors(path: str | Path, emit: Emit | None = None, token: CancelToken | None = None) -> Vectors:
    """Vectors from a GloVe-format text file, parsed on first use and then read from the .npy cache.

    Raises:
        EmbeddingFileError: The file is missing or a line is malformed (the message says which).
    """
    source = Path(path).expanduser()
    if not source.is_file():
        raise EmbeddingFileError(f"{source}: no such file")
    stat = source.stat()
    key = hashlib.sha1(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    folder = cache_dir("text_cnn", "vectors", key)
    vectors_file, tokens_file = folder / "vectors.npy", folder / "tokens.txt"
    if vectors_file.exists() and tokens_file.exists():
        tokens = tokens_file.read_text(encoding="utf-8").split("\n")
        return Vectors(tuple(tokens), np.load(vectors_file, allow_pickle=False), str(source), True)
    tokens, matrix = _parse(source, emit, token)
    np.save(vectors_file, matrix, allow_pickle=False)
    tokens_file.write_text("\n".join(tokens), encoding="utf-8")  # tokens never contain "\n"
    return Vectors(tuple(tokens), matrix, str(source), False)


def embedding_matrix(
    vocabulary: Sequence[str], vectors: Vectors, seed: int
) -> tuple[NDArray[np.float32], float]:
    """Rows for the vocabulary (index 0 padding = zeros) and the coverage of real tokens.

    Tokens without a pretrained vector get small random rows (same scale as the file's vectors)
    so that frozen embeddings still tell them apart. Coverage counts tokens other than padding and
    ``[UNK]`` found in the file.
    """
    lookup = {t: i for i, t in enumerate(vectors.tokens)}
    rng = np.random.default_rng(seed)
    scale = float(vectors.vectors.std()) or 0.1
    matrix = rng.normal(0.0, scale, (len(vocabulary), vectors.dim)).astype(np.float32)
    real = [i for i, t in enumerate(vocabulary) if t not in (PAD, UNKNOWN)]
    found = 0
    for i in real:
        row = lookup.get(vocabulary[i])
        if row is not None:
            matrix[i] = vectors.vectors[row]
            found += 1
    if vocabulary and vocabulary[0] == PAD:
        matrix[0] = 0.0
    return matrix, found / len(real) if real else 0.0


def char_vocabulary(texts: Sequence[str]) -> list[str]:
    """Padding, ``[UNK]``, then every character of the (lower-cased) training texts, sorted."""
    return [PAD, UNKNOWN, *sorted({c for text in texts for c in text.lower()})]


def encode_chars(texts: Sequence[str], vocabulary: Sequence[str], length: int) -> NDArray[np.int32]:
    """Character ids, cut or zero-padded at the end to ``length``; unknown characters map to 1."""
    index = {c: i for i, c in enumerate(vocabulary) if c not in (PAD, UNKNOWN)}
    out = np.zeros((len(texts), length), dtype=np.int32)
    for row, text in enumerate(texts):
        ids = [index.get(c, 1) for c in text.lower()[:length]]
        out[row, : len(ids)] = ids
    return out
