"""Pretrained vectors in the GloVe text format, and the character vocabulary of Model-2.

A GloVe-format file has one ``token v1 v2 ... vd`` line per word (or per character for char
vectors). Parsing a large file takes a while, so it is parsed once and cached as ``vectors.npy`` +
``tokens.txt`` in the cache dir, keyed by the file's path, size and modification time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from engine import manifest
from engine.jobs import CancelToken, Emit, Progress, warning_note
from engine.paths import cache_dir
from engine.safe_files import bounded_lines, check_regular_file, clip, clip_repr, open_regular, open_text

PAD, UNKNOWN = "", "[UNK]"
#: Widest vector accepted: published word and character vectors have 25–300 numbers per line; a
#: file whose first line holds millions (no line breaks) would otherwise size the embedding matrix.
MAX_WIDTH = 4096
#: Largest magnitude accepted in a vector: GloVe, word2vec and fastText values stay within about ±10;
#: far beyond that, the file is damaged (or not vectors at all).
MAX_MAGNITUDE = 1e4


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


def _vector_lines(handle: TextIO, name: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, space-separated parts) of every vector line: blank lines and a word2vec-style
    "count dim" first line are skipped; a line longer than the reader's limit is refused."""
    for line_no, raw in enumerate(bounded_lines(handle, name, EmbeddingFileError), 1):
        # A byte-order mark inside the file (two files joined with cat) must not glue to a word either.
        line = raw.lstrip("\ufeff")
        parts = line.rstrip("\r\n").rstrip(" ").split(" ")
        if line_no == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
            continue
        if line.strip():
            yield line_no, parts


def _open(path: Path) -> TextIO:
    # errors="replace": a few published vector files hold stray bytes in rare tokens; utf-8-sig drops
    # a byte-order mark that would otherwise be glued to the first word.
    return open_text(path, EmbeddingFileError, "vectors file", errors="replace")


def _width(path: Path, line_no: int, parts: list[str]) -> int:
    width = len(parts) - 1
    if width < 1:
        raise EmbeddingFileError(f"{path}: line {line_no} has a token but no numbers")
    if width > MAX_WIDTH:
        raise EmbeddingFileError(
            f"{path}: line {line_no} has {width:,} numbers; vectors of at most {MAX_WIDTH:,} are accepted"
        )
    return width


def vector_width(path: Path) -> int:
    """The vector width of a GloVe-format file, read from its first vector line only.

    Raises:
        EmbeddingFileError: The file is missing, not a regular file or empty, or its first vector
            line holds no number or too many.
    """
    with _open(path) as handle:
        for line_no, parts in _vector_lines(handle, str(path)):
            width = _width(path, line_no, parts)
            if not _is_float(parts[-1]):
                raise EmbeddingFileError(
                    f"{path}: line {line_no}, column {len(parts)}: {clip_repr(parts[-1])} is not a number"
                )
            return width
    raise EmbeddingFileError(f"{path}: no vectors found")


def _row(path: Path, line_no: int, numbers: list[str]) -> NDArray[np.float32]:
    """One vector, refusing text, NaN/inf and absurd magnitudes with the line and column."""
    try:
        row = np.array(numbers, dtype=np.float64)
    except ValueError:
        bad = next(i for i, n in enumerate(numbers) if not _is_float(n))
        raise EmbeddingFileError(
            f"{path}: line {line_no}, column {bad + 2}: {clip_repr(numbers[bad])} is not a number"
        ) from None
    bad_at = np.flatnonzero(~(np.abs(row) <= MAX_MAGNITUDE))  # also catches NaN
    if bad_at.size:
        column = int(bad_at[0])
        problem = (
            "is not a finite number" if not np.isfinite(row[column]) else f"is beyond ±{MAX_MAGNITUDE:g}"
        )
        raise EmbeddingFileError(
            f"{path}: line {line_no}, column {column + 2}: {clip(numbers[column], 40)} {problem} "
            "(a damaged vectors file? one such row would spoil every unknown word's vector)"
        )
    return row.astype(np.float32)


def _parse(path: Path, emit: Emit | None, token: CancelToken | None) -> tuple[list[str], NDArray[np.float32]]:
    tokens: list[str] = []
    rows: list[NDArray[np.float32]] = []
    seen: set[str] = set()
    dim = 0
    total = _count_lines(path) if emit is not None else 0
    with _open(path) as handle:
        for line_no, parts in _vector_lines(handle, str(path)):
            if dim == 0:
                dim = _width(path, line_no, parts)
            if len(parts) <= dim:
                raise EmbeddingFileError(
                    f"{path}: line {line_no} has {len(parts) - 1} numbers, expected {dim}"
                )
            # The token itself may contain spaces (a few GloVe files have them): numbers are the tail.
            word, numbers = " ".join(parts[:-dim]), parts[-dim:]
            row = _row(path, line_no, numbers)
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
    with open_regular(path, EmbeddingFileError, "vectors file") as handle:
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

    The cache entry (``vectors.npy`` + ``tokens.txt``) is keyed by the file's path, size and
    modification time and carries a manifest (:mod:`engine.manifest`): a damaged entry is parsed
    again and the log says so.

    Raises:
        EmbeddingFileError: The file is missing, not a regular file, or a line is malformed (the
            message says which line and column).
    """
    source = Path(path).expanduser()
    size = check_regular_file(source, EmbeddingFileError, "vectors file")
    stat = source.stat()
    key = hashlib.sha1(f"{source.resolve()}|{size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    folder = cache_dir("text_cnn", "vectors-v2") / key

    def build(partial: Path) -> dict[str, Any]:
        tokens, matrix = _parse(source, emit, token)
        np.save(partial / "vectors.npy", matrix, allow_pickle=False)
        (partial / "tokens.txt").write_text("\n".join(tokens), encoding="utf-8")  # tokens hold no "\n"
        return {"rows": len(tokens), "width": int(matrix.shape[1])}

    hit = manifest.ensure(
        folder,
        build,
        label=f"the parsed vectors of {source.name}",
        expect={"source_bytes": size},
        note=warning_note(emit),
    )
    tokens = (folder / "tokens.txt").read_text(encoding="utf-8").split("\n")
    vectors = np.load(folder / "vectors.npy", allow_pickle=False)
    return Vectors(tuple(tokens), vectors, str(source), hit)


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
