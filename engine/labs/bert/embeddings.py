"""The one encoder code path: ``hub.load`` of a SavedModel directory, batched and cached embeddings.

Whatever the user picks (our converted all-MiniLM-L6-v2, a TF Hub ``bert_en_uncased_L-12_H-768_A-12``
directory, or an entry of ``TFHUB_CACHE_DIR``), it is a SavedModel loaded with ``hub.load`` and called
with the standard BERT encoder inputs. (``hub.KerasLayer`` is a tf_keras layer and cannot go into a
Keras 3 model, so the frozen encoder stays outside the classifier head.)

Embeddings are computed in tf.data batches, with the batch trimmed to its longest real row (padding is
masked out of attention, so trailing all-padding columns change nothing but cost time) and reviews sorted
by length so batches are tight. They are cached as ``.npy`` keyed by (encoder, max length, pooling,
text hash): a re-run only reads a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_hub as hub

from engine.assets import resolve, sha256_of
from engine.jobs import CancelToken, Emit, Progress
from engine.labs.bert import POOLINGS, convert
from engine.labs.bert.checks import INPUT_NAMES
from engine.labs.bert.tokenizer import TOKENIZE_BATCH, WordPieceTokenizer, tokenizer_for
from engine.paths import cache_dir

PHASE = "Extracting embeddings"


class EncoderError(ValueError):
    """The chosen encoder path is not a usable BERT SavedModel; the message says which and why."""


@dataclass(frozen=True)
class Encoder:
    """A loaded encoder and what identifies it.

    Attributes:
        path: The SavedModel directory.
        label: What to tell the learner (``all-MiniLM-L6-v2 (ours)`` or the directory name).
        model: The restored object (call it with a dict of the three inputs).
        tokenizer: WordPiece tokenizer on the encoder's own vocab and casing.
        cache_key: Identity of the weights for the embedding cache.
        takes_training: Whether the model's call takes ``training=`` (TF Hub's Keras-saved encoders
            do; ours has a fixed input signature).
    """

    path: Path
    label: str
    model: Any
    tokenizer: WordPieceTokenizer
    cache_key: str
    takes_training: bool = False


def encoder_dir(encoder_path: str, emit: Emit) -> Path:
    """The SavedModel directory for ``encoder_path``: "" = ours (converted on first use), a directory,
    or a TF Hub handle already present in ``TFHUB_CACHE_DIR``.

    Raises:
        EncoderError: Nothing usable is found offline.
    """
    if not encoder_path.strip():
        return resolve(convert.ASSET_NAME, emit)
    path = Path(encoder_path).expanduser()
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise EncoderError(f"{path} is not a SavedModel directory (it has no saved_model.pb)")
        return path
    if path.exists():
        raise EncoderError(f"{path} is a file; choose the SavedModel directory that contains it")
    # TF Hub caches a handle under sha1(handle) inside TFHUB_CACHE_DIR.
    hub_cache = os.environ.get("TFHUB_CACHE_DIR", "")
    cached = Path(hub_cache) / hashlib.sha1(encoder_path.encode("utf-8")).hexdigest()
    if hub_cache and (cached / "saved_model.pb").is_file():
        return cached
    raise EncoderError(
        f"encoder {encoder_path!r} was not found: give a SavedModel directory, or a TF Hub handle "
        "already in TFHUB_CACHE_DIR (nothing is downloaded)"
    )


def _lower_case_of(model: Any, path: Path) -> bool:
    flag = getattr(model, "do_lower_case", None)
    if flag is not None:
        return bool(flag.numpy())
    return "uncased" in str(path).lower()  # TF Hub names say it when the object does not


def _vocab_of(model: Any, path: Path) -> Path:
    asset = getattr(model, "vocab_file", None)
    if asset is not None and hasattr(asset, "asset_path"):
        return Path(asset.asset_path.numpy().decode("utf-8"))
    fallback = path / "assets" / "vocab.txt"
    if fallback.is_file():
        return fallback
    raise EncoderError(f"{path}: the SavedModel carries no vocab file; it is not a BERT encoder")


@cache
def _load(path: Path) -> Encoder:
    model = hub.load(str(path))
    ours = (path / convert.INFO_FILE).is_file()
    label = "all-MiniLM-L6-v2 (ours, converted)" if ours else path.name
    pb = sha256_of(path / "saved_model.pb")
    index = path / "variables" / "variables.index"
    weights = sha256_of(index) if index.is_file() else ""
    tokenizer = tokenizer_for(_vocab_of(model, path), _lower_case_of(model, path))
    encoder = Encoder(path, label, model, tokenizer, f"{path.resolve()}|{pb}|{weights}")
    encoder = replace(encoder, takes_training=_takes_training(model))
    # One [CLS] [SEP] call checks the outputs (and warms the encoder up).
    probe = {name: np.array([[tokenizer.cls_id, tokenizer.sep_id]], np.int32) for name in INPUT_NAMES}
    probe["input_mask"], probe["input_type_ids"] = np.ones((1, 2), np.int32), np.zeros((1, 2), np.int32)
    try:
        outputs = call_encoder(encoder, probe)
    except (TypeError, ValueError):
        raise EncoderError(
            f"{path}: cannot be called with input_word_ids, input_mask and input_type_ids"
        ) from None
    if not {"pooled_output", "sequence_output"} <= set(outputs):
        raise EncoderError(f"{path}: outputs {sorted(outputs)}, not pooled_output/sequence_output")
    return encoder


def _takes_training(model: Any) -> bool:
    """Whether the restored ``__call__`` has a ``training`` argument (TF Hub's Keras-saved encoders).

    Read from the signature, never found by trial: a restored tf.function that rejects its arguments
    keeps its internal lock (TF 2.21), and every later call from another thread then blocks forever.
    """
    call = model.__call__ if callable(model) else None
    return "training" in getattr(getattr(call, "function_type", None), "parameters", {})


def load_encoder(encoder_path: str, emit: Emit) -> Encoder:
    """Resolve and ``hub.load`` an encoder (once per process and directory)."""
    return _load(encoder_dir(encoder_path, emit).resolve())


def call_encoder(encoder: Encoder, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Call the encoder with the TF Hub convention: a dict of the three int32 inputs."""
    feed = {name: tf.convert_to_tensor(inputs[name], tf.int32) for name in INPUT_NAMES}
    if encoder.takes_training:
        return dict(encoder.model(feed, training=False))
    return dict(encoder.model(feed))


def pool(outputs: Mapping[str, Any], mask: np.ndarray, pooling: str) -> np.ndarray:
    """``pooled``: the encoder's pooled_output; ``mean``: sequence_output averaged over real tokens."""
    if pooling == "pooled":
        return np.asarray(outputs["pooled_output"], dtype=np.float32)
    if pooling != "mean":
        raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}; got {pooling!r}")
    seq = np.asarray(outputs["sequence_output"], dtype=np.float32)
    weights = mask[:, : seq.shape[1], None].astype(np.float32)
    return (seq * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)


def embed_inputs(
    encoder: Encoder,
    inputs: Mapping[str, np.ndarray],
    pooling: str,
    batch_size: int,
    token: CancelToken,
    emit: Emit,
) -> np.ndarray:
    """Embeddings ``[n, hidden]`` of tokenized inputs, batch by batch, in the inputs' order."""
    n = len(inputs["input_word_ids"])
    lengths = np.asarray(inputs["input_mask"]).sum(axis=1)
    order = np.argsort(lengths, kind="stable")  # similar lengths share a batch → less padding
    dataset = tf.data.Dataset.from_tensor_slices({k: np.asarray(inputs[k])[order] for k in INPUT_NAMES})
    chunks: list[np.ndarray] = []
    done = 0
    emit(Progress(PHASE, 0, n))
    for batch in dataset.batch(max(1, batch_size)).as_numpy_iterator():
        token.raise_if_cancelled()
        width = max(2, int(batch["input_mask"].sum(axis=1).max()))
        trimmed = {k: v[:, :width] for k, v in batch.items()}
        chunks.append(pool(call_encoder(encoder, trimmed), trimmed["input_mask"], pooling))
        done += len(batch["input_mask"])
        emit(Progress(PHASE, done, n))
    if not chunks:
        return np.zeros((0, 0), np.float32)
    out = np.empty((n, chunks[0].shape[1]), np.float32)
    out[order] = np.concatenate(chunks)
    return out


def text_hash(texts: Sequence[str]) -> str:
    """SHA-256 of the texts in order (the embedding cache's data key)."""
    digest = hashlib.sha256(str(len(texts)).encode())
    for t in texts:
        digest.update(b"\x00" + t.encode("utf-8"))
    return digest.hexdigest()


def cache_path(encoder: Encoder, max_len: int, pooling: str, texts: Sequence[str]) -> Path:
    """Where the embeddings of ``texts`` are cached for this encoder, max length and pooling."""
    key = f"{encoder.cache_key}|{max_len}|{pooling}|{text_hash(texts)}"
    return cache_dir("bert", "embeddings") / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npy"


def embed_texts(
    encoder: Encoder,
    texts: Sequence[str],
    max_len: int,
    pooling: str,
    batch_size: int,
    token: CancelToken,
    emit: Emit,
    use_cache: bool = True,
) -> tuple[np.ndarray, bool]:
    """Tokenize and embed ``texts``, reading or filling the on-disk cache.

    Returns:
        The embeddings ``[n, hidden]`` and whether they came from the cache.
    """
    path = cache_path(encoder, max_len, pooling, texts)
    if use_cache and path.is_file():
        cached = np.load(path, allow_pickle=False)
        emit(Progress(PHASE, len(texts), len(texts)))
        return cached, True
    # Large inputs tokenize in big batches; batch_size 1 keeps the one-review-at-a-time path honest.
    # Identical texts are embedded once (Reviews.csv repeats many reviews across product variants).
    unique = list(dict.fromkeys(texts))
    where = {text: i for i, text in enumerate(unique)}
    tokenize_batch = 1 if batch_size == 1 else max(batch_size, TOKENIZE_BATCH)
    inputs = encoder.tokenizer.encode(unique, max_len, tokenize_batch, token, emit)
    vectors = embed_inputs(encoder, inputs, pooling, batch_size, token, emit)
    vectors = vectors[[where[text] for text in texts]] if len(unique) < len(texts) else vectors
    if use_cache:
        # Write then rename, so a cancelled or crashed run never leaves a truncated cache file.
        fd, tmp = tempfile.mkstemp(suffix=".npy", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        os.replace(tmp, path)
    return vectors, False
