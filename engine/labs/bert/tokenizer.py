"""WordPiece tokenization to BERT's three int32 inputs with tensorflow-text, batched in tf.data.

Each row is ``[CLS]`` + up to ``max_len - 2`` WordPieces + ``[SEP]``, zero-padded to ``max_len``;
``input_mask`` is 1 on real tokens, ``input_type_ids`` is all 0 (one segment). The tokenizer uses the
encoder's own vocab file and lower-case flag. Tokenizing in batches matters: tensorflow-text handles
~27,000 short sentences/s batched but ~60/s one at a time (measured, DESIGN.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_text as text

from engine.jobs import CancelToken, Emit, Progress
from engine.labs.bert.checks import INPUT_NAMES

#: Texts per tf.data batch when tokenizing.
TOKENIZE_BATCH = 512
PHASE = "Tokenizing"


@dataclass(frozen=True)
class TokenView:
    """One review as the model sees it (for the token view): a row per position, padding included."""

    pieces: tuple[str, ...]
    input_word_ids: tuple[int, ...]
    input_mask: tuple[int, ...]
    input_type_ids: tuple[int, ...]
    n_wordpieces: int  # before truncation, without [CLS]/[SEP]
    truncated: bool


class WordPieceTokenizer:
    """tensorflow-text ``BertTokenizer`` on a vocab file, producing the three model inputs.

    Args:
        vocab_path: The encoder's ``vocab.txt`` (one WordPiece per line; the line number is the id).
        lower_case: The encoder's lower-case flag (uncased models fold case and strip accents).
    """

    def __init__(self, vocab_path: Path, lower_case: bool) -> None:
        self.vocab_path = Path(vocab_path)
        self.lower_case = lower_case
        self.vocab: tuple[str, ...] = tuple(self.vocab_path.read_text(encoding="utf-8").splitlines())
        index = {piece: i for i, piece in enumerate(self.vocab)}
        try:
            self.cls_id, self.sep_id = index["[CLS]"], index["[SEP]"]
        except KeyError:
            raise ValueError(f"{self.vocab_path}: no [CLS]/[SEP] entries; is this a BERT vocab?") from None
        self._bert = text.BertTokenizer(
            str(self.vocab_path), lower_case=lower_case, token_out_type=tf.int64, unknown_token="[UNK]"
        )
        # Traced once (max_len is a tensor) and shared by tf.data and by single-review calls.
        self._encode_fn = tf.function(
            self._encode,
            input_signature=[tf.TensorSpec([None], tf.string), tf.TensorSpec([], tf.int32)],
        )

    def _wordpieces(self, texts: tf.Tensor) -> tf.RaggedTensor:
        # [batch, words, pieces] → [batch, pieces]
        return self._bert.tokenize(texts).merge_dims(-2, -1)

    def _encode(self, texts: tf.Tensor, max_len: tf.Tensor) -> dict[str, tf.Tensor]:
        pieces = self._wordpieces(texts)[:, : max_len - 2]
        ids, type_ids = text.combine_segments(
            [pieces], start_of_sequence_id=self.cls_id, end_of_segment_id=self.sep_id
        )
        word_ids, mask = text.pad_model_inputs(ids, max_seq_length=max_len)
        type_ids, _ = text.pad_model_inputs(type_ids, max_seq_length=max_len)
        return {
            "input_word_ids": tf.cast(word_ids, tf.int32),
            "input_mask": tf.cast(mask, tf.int32),
            "input_type_ids": tf.cast(type_ids, tf.int32),
        }

    def encode(
        self,
        texts: Sequence[str],
        max_len: int = 55,
        batch_size: int = TOKENIZE_BATCH,
        token: CancelToken | None = None,
        emit: Emit | None = None,
    ) -> dict[str, np.ndarray]:
        """Tokenize ``texts`` in tf.data batches into three int32 arrays of shape ``[n, max_len]``.

        Args:
            texts: Cleaned review texts.
            max_len: Row length including [CLS] and [SEP]. Defaults to 55.
            batch_size: Texts per tf.data batch. Defaults to :data:`TOKENIZE_BATCH`.
            token: Checked once per batch. Defaults to None.
            emit: Receives a :class:`Progress` per batch when given. Defaults to None.
        """
        if max_len < 3:
            raise ValueError(f"max_len must leave room for [CLS], a token and [SEP]; got {max_len}")
        if len(texts) == 0:
            return {name: np.zeros((0, max_len), np.int32) for name in INPUT_NAMES}
        if len(texts) <= batch_size:
            # One batch: building a tf.data pipeline would cost ~0.3 s more than the work itself.
            out = self._encode_fn(tf.constant(list(texts), tf.string), tf.constant(max_len, tf.int32))
            return {name: out[name].numpy() for name in INPUT_NAMES}
        dataset = (
            tf.data.Dataset.from_tensor_slices(tf.constant(list(texts), tf.string))
            .batch(max(1, batch_size))
            .map(lambda t: self._encode_fn(t, tf.constant(max_len, tf.int32)))
        )
        parts: dict[str, list[np.ndarray]] = {name: [] for name in INPUT_NAMES}
        done = 0
        for batch in dataset.as_numpy_iterator():
            if token is not None:
                token.raise_if_cancelled()
            for name in INPUT_NAMES:
                parts[name].append(batch[name])
            done += len(batch["input_mask"])
            if emit is not None:
                emit(Progress(PHASE, done, len(texts)))
        return {name: np.concatenate(parts[name]) for name in INPUT_NAMES}

    def view(self, review: str, max_len: int = 55) -> TokenView:
        """How one review is tokenized: WordPieces, ids, mask and segment ids per position."""
        encoded = self.encode([review], max_len)
        ids = encoded["input_word_ids"][0]
        n_pieces = int(self._wordpieces(tf.constant([review])).row_lengths()[0])
        return TokenView(
            pieces=tuple(self.vocab[i] if 0 <= i < len(self.vocab) else "?" for i in ids),
            input_word_ids=tuple(int(i) for i in ids),
            input_mask=tuple(int(m) for m in encoded["input_mask"][0]),
            input_type_ids=tuple(int(t) for t in encoded["input_type_ids"][0]),
            n_wordpieces=n_pieces,
            truncated=n_pieces > max_len - 2,
        )


_TOKENIZERS: dict[tuple[str, bool], WordPieceTokenizer] = {}


def tokenizer_for(vocab_path: Path, lower_case: bool) -> WordPieceTokenizer:
    """A shared tokenizer per (vocab content, casing).

    Keyed by the file's content, not its path: our export carries a copy of the packaged vocab, and
    building plus tracing a tokenizer costs seconds, so both paths share one.
    """
    key = (hashlib.sha256(Path(vocab_path).read_bytes()).hexdigest(), lower_case)
    if key not in _TOKENIZERS:
        _TOKENIZERS[key] = WordPieceTokenizer(vocab_path, lower_case)
    return _TOKENIZERS[key]
