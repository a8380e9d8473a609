"""Embedding extraction at scale: only the texts the store lacks, in exact-length batches, kept per batch.

1. Distinct texts are looked up in the content-addressed store (:mod:`engine.labs.bert.store`); the
   train, validation, test and new-review sets, and every earlier run, share it.
2. The missing ones are tokenized in chunks and kept as their real WordPieces only (no padding), so
   memory grows with the tokens, not with ``max_len``.
3. Batches hold texts of *exactly* the same token length: no padding to compute. A batch's rows are
   topped up (repeating its last row) until rows × length is a multiple of :data:`ROW_MULTIPLE`: the
   encoder's matrix multiplies then give each text bit-identical numbers whatever its batch-mates
   (measured: with other multiples they differ in the 7th digit), so a vector does not depend on
   which run computed it.
4. Batches run in a seeded, shuffled order, so every stretch of the run mixes short and long reviews
   and the reviews/s and the remaining time shown are steady from the start; two are in flight at once.
5. Every batch is appended to the store as it is done: a Stop or a crash loses at most the batches
   being computed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np

from engine.jobs import CancelToken, Emit, LogLine, Progress
from engine.labs.bert import store as store_module
from engine.labs.bert.embeddings import Encoder, embed_batch
from engine.labs.bert.store import EmbeddingStore, text_key
from engine.labs.bert.store_writer import StoreWriter

PHASE = "Extracting embeddings"
TOKENIZE_PHASE = "Tokenizing"
#: Rows × length of every encoder call is a multiple of this (see the module docstring).
ROW_MULTIPLE = 8
#: Texts tokenized at a time (their padded arrays are ~5 MB at max_len 55).
TOKENIZE_CHUNK = 8192
#: Batches encoded at once (see :func:`encode_batches`).
IN_FLIGHT = 2


@dataclass(frozen=True)
class Embedded:
    """Embeddings of a list of texts and where they came from.

    Attributes:
        vectors: ``[len(texts), hidden]`` float32, in the texts' order.
        distinct: Distinct texts among them.
        reused: Distinct texts read from the store.
        computed: Distinct texts embedded now.
        seconds: Time spent tokenizing and encoding the computed ones.
    """

    vectors: np.ndarray
    distinct: int
    reused: int
    computed: int
    seconds: float

    @property
    def rate(self) -> float:
        """Reviews embedded per second (0 when none were)."""
        return self.computed / self.seconds if self.computed and self.seconds > 0 else 0.0


def store_for(encoder: Encoder, max_len: int, pooling: str) -> EmbeddingStore:
    """The store space of this encoder, length and pooling."""
    folder = store_module.store_root() / store_module.space_id(encoder.cache_key, max_len, pooling)
    description = {"encoder": encoder.label, "encoder_path": str(encoder.path), "max_len": max_len}
    return EmbeddingStore(folder, {**description, "pooling": pooling})


@dataclass(frozen=True)
class Tokens:
    """Texts as their real token ids only: text ``i`` is ``flat[starts[i] : starts[i] + lengths[i]]``."""

    flat: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray

    def rows(self, which: np.ndarray, width: int) -> np.ndarray:
        """``[len(which), width]`` ids of texts that all have ``width`` tokens."""
        offsets = self.starts[which][:, None] + np.arange(width)
        return self.flat[offsets]


def tokenize_ragged(
    encoder: Encoder, texts: Sequence[str], max_len: int, token: CancelToken, emit: Emit
) -> Tokens:
    """Tokenize in chunks and keep only the real tokens ([CLS] … [SEP]) of each text."""
    flats, lengths = [], []
    emit(Progress(TOKENIZE_PHASE, 0, len(texts), "reviews"))
    for start in range(0, len(texts), TOKENIZE_CHUNK):
        token.raise_if_cancelled()
        part = list(texts[start : start + TOKENIZE_CHUNK])
        # One call per chunk: a tf.data pipeline over small batches costs more than the work here.
        chunk = encoder.tokenizer.encode(part, max_len, batch_size=len(part), token=token)
        mask = chunk["input_mask"].astype(bool)
        flats.append(chunk["input_word_ids"][mask])  # row-major: each row's real tokens stay together
        lengths.append(mask.sum(axis=1))
        emit(Progress(TOKENIZE_PHASE, min(len(texts), start + TOKENIZE_CHUNK), len(texts), "reviews"))
    if not flats:
        return Tokens(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64))
    all_lengths = np.concatenate(lengths).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(all_lengths)[:-1]]).astype(np.int64)
    return Tokens(np.concatenate(flats).astype(np.int32), starts, all_lengths)


def padded_rows(rows: int, width: int) -> int:
    """The fewest rows ≥ ``rows`` whose positions (rows × width) are a multiple of ROW_MULTIPLE."""
    while (rows * width) % ROW_MULTIPLE:
        rows += 1
    return rows


def plan_batches(lengths: np.ndarray, batch_size: int, seed: int = 0) -> list[np.ndarray]:
    """Index arrays of texts of one exact length, at most ``batch_size`` each, in a shuffled order."""
    batch_size = max(1, batch_size)
    batches: list[np.ndarray] = []
    for width in np.unique(lengths):
        same = np.flatnonzero(lengths == width)
        batches.extend(same[i : i + batch_size] for i in range(0, len(same), batch_size))
    order = np.random.default_rng(seed).permutation(len(batches))
    return [batches[i] for i in order]


def _batch_ids(tokens: Tokens, which: np.ndarray) -> np.ndarray:
    """The rows of one planned batch, topped up to a multiple of ROW_MULTIPLE positions."""
    width = int(tokens.lengths[which[0]])
    ids = tokens.rows(which, width)
    rows = padded_rows(len(which), width)
    if rows > len(which):
        ids = np.concatenate([ids, np.repeat(ids[-1:], rows - len(which), axis=0)])
    return ids


def encode_batches(
    encoder: Encoder, tokens: Tokens, pooling: str, batch_size: int, token: CancelToken
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(indices, vectors)`` per planned batch of ``tokens``, in plan order (see the module docstring).

    :data:`IN_FLIGHT` batches are encoded at once on worker threads: a lone call leaves the cores idle
    between its many small operations, two calls fill those gaps (measured ~1.2x on 2 cores). The
    token is checked before each batch starts; after a Stop the batches already running are still
    handed over (and stored), then :class:`JobCancelled` is raised.
    """
    plan = iter(plan_batches(tokens.lengths, batch_size))
    with ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="embed") as pool:
        running: deque[tuple[np.ndarray, Future[np.ndarray]]] = deque()
        try:
            while True:
                while len(running) < IN_FLIGHT and not token.cancelled:
                    which = next(plan, None)
                    if which is None:
                        break
                    ids = _batch_ids(tokens, which)
                    running.append((which, pool.submit(embed_batch, encoder, ids, pooling)))
                if not running:
                    token.raise_if_cancelled()  # after the batches that were running are handed over
                    return
                which, future = running.popleft()
                yield which, future.result()[: len(which)]
        finally:
            for _, future in running:  # the consumer stopped early: start nothing new
                future.cancel()


def embed_texts(
    encoder: Encoder,
    texts: Sequence[str],
    max_len: int,
    pooling: str,
    batch_size: int,
    token: CancelToken,
    emit: Emit,
    use_cache: bool = True,
) -> Embedded:
    """Embeddings of ``texts``: read from the store, the rest computed and added to it batch by batch.

    Args:
        encoder: The loaded encoder.
        texts: Cleaned texts (repeats are embedded once).
        max_len: Tokens per text at most, [CLS] and [SEP] included.
        pooling: ``pooled`` or ``mean``.
        batch_size: Texts per encoder call at most.
        token: Checked before every batch.
        emit: Receives :class:`Progress` (in reviews) and log lines (reused, damaged files).
        use_cache: Read and fill the store. Defaults to True.
    """
    unique = list(dict.fromkeys(texts))
    keys = [text_key(t) for t in unique]
    space = store_for(encoder, max_len, pooling) if use_cache else None
    found = space.read(keys) if space is not None else None
    for message in found.damaged if found is not None else ():
        emit(LogLine(f"Embedding store: damaged, embedded again: {message}", "warning"))
    have = found.found if found is not None else np.zeros(len(unique), bool)
    out = found.vectors if found is not None else None
    missing = np.flatnonzero(~have)
    reused = len(unique) - len(missing)
    if reused and len(missing):
        emit(
            LogLine(f"{reused} of {len(unique)} distinct reviews were in the store; embedding {len(missing)}")
        )
    start = time.perf_counter()
    if len(missing):
        tokens = tokenize_ragged(encoder, [unique[i] for i in missing], max_len, token, emit)
        emit(Progress(PHASE, 0, len(missing), "reviews"))
        done = 0
        with _writer(space) as writer:
            for which, vectors in encode_batches(encoder, tokens, pooling, batch_size, token):
                if out is None:
                    out = np.zeros((len(unique), vectors.shape[1]), np.float32)
                rows = missing[which]
                out[rows] = vectors
                if writer is not None:
                    writer.append([keys[i] for i in rows], vectors)
                done += len(which)
                emit(Progress(PHASE, done, len(missing), "reviews"))
            if writer is not None and writer.problem:
                emit(LogLine(f"Embedding store: {writer.problem}", "warning"))
    else:
        emit(Progress(PHASE, len(unique), len(unique), "reviews"))
    seconds = time.perf_counter() - start
    if out is None:
        out = np.zeros((0, 0), np.float32)
    if len(unique) < len(texts):
        where = {text: i for i, text in enumerate(unique)}
        out = out[[where[t] for t in texts]]
    return Embedded(out, len(unique), reused, len(missing), seconds)


def _writer(space: EmbeddingStore | None) -> AbstractContextManager[StoreWriter | None]:
    return space.writer() if space is not None else nullcontext(None)
