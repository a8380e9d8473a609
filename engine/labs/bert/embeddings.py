"""The one encoder code path: ``hub.load`` of a SavedModel directory, called on a batch of token ids.

Whatever the user picks (our converted all-MiniLM-L6-v2, a TF Hub ``bert_en_uncased_L-12_H-768_A-12``
directory, or an entry of ``TFHUB_CACHE_DIR``), it is a SavedModel loaded with ``hub.load`` and called
with the standard BERT encoder inputs. (``hub.KerasLayer`` is a tf_keras layer and cannot go into a
Keras 3 model, so the frozen encoder stays outside the classifier head.)

How batches are formed, and where the vectors are kept, is :mod:`engine.labs.bert.extract`'s business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
import tensorflow_hub as hub

from engine.assets import sha256_of
from engine.jobs import Emit
from engine.labs.bert import POOLINGS, convert
from engine.labs.bert.checks import INPUT_NAMES
from engine.labs.bert.inputs import EncoderError, user_encoder_dir
from engine.labs.bert.tokenizer import WordPieceTokenizer, tokenizer_for


@dataclass(frozen=True)
class Encoder:
    """A loaded encoder and what identifies it.

    Attributes:
        path: The SavedModel directory.
        label: What to tell the learner (``all-MiniLM-L6-v2 (ours)`` or the directory name).
        model: The restored object (call it with a dict of the three inputs).
        tokenizer: WordPiece tokenizer on the encoder's own vocab and casing.
        cache_key: Identity of the graph and weights, not of the folder's path (see ``_identity``):
            the embedding store's space depends on it.
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
    user = user_encoder_dir(encoder_path)
    # Ours goes through its preparation every time: it checks the export against its manifest
    # (once per process) and converts again when a file was damaged.
    return user if user is not None else convert.prepare_export(emit)


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
    tokenizer = tokenizer_for(_vocab_of(model, path), _lower_case_of(model, path))
    encoder = Encoder(path, label, model, tokenizer, _identity(path, ours))
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


def _identity(path: Path, ours: bool) -> str:
    """What the numbers depend on. Ours: the weights' SHA-256 and the export format (a conversion
    writes a new ``saved_model.pb`` each time, with other function names, but computes the same
    numbers, so a re-conversion keeps the stored embeddings). Others: their graph's and index's hashes.
    """
    if ours:
        return f"{convert.ASSET_NAME}|{convert.WEIGHTS_SHA256}|v{convert.EXPORT_FORMAT}"
    index = path / "variables" / "variables.index"
    weights = sha256_of(index) if index.is_file() else ""
    return f"{sha256_of(path / 'saved_model.pb')}|{weights}"


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
    weights = np.asarray(mask)[:, : seq.shape[1]].astype(np.float32)
    # Position by position, in order: numpy's sum(axis=1) picks its order by the array's shape, which
    # would make a review's mean depend (in the last bit) on how many reviews share its batch.
    total = np.zeros((seq.shape[0], seq.shape[2]), np.float32)
    for position in range(seq.shape[1]):
        total += seq[:, position] * weights[:, position, None]
    return total / np.maximum(weights.sum(axis=1, keepdims=True), 1.0)


def embed_batch(encoder: Encoder, word_ids: np.ndarray, pooling: str) -> np.ndarray:
    """Embeddings ``[rows, hidden]`` of one batch of unpadded rows (all tokens real, one segment).

    The pooled output comes from the encoder's ``pooled_embedding`` when it has one (ours does: it
    skips the last block's work on positions other than [CLS]); otherwise from the standard call.
    """
    inputs = {
        "input_word_ids": word_ids,
        "input_mask": np.ones_like(word_ids),
        "input_type_ids": np.zeros_like(word_ids),
    }
    fast = getattr(encoder.model, "pooled_embedding", None) if pooling == "pooled" else None
    if fast is not None:
        feed = {name: tf.convert_to_tensor(inputs[name], tf.int32) for name in INPUT_NAMES}
        return np.asarray(fast(feed), dtype=np.float32)
    return pool(call_encoder(encoder, inputs), inputs["input_mask"], pooling)
