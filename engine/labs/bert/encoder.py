"""Our own BERT encoder in plain TensorFlow, shaped like the TF Hub BERT encoders.

A ``tf.Module`` (not a Keras model) so that it exports to a SavedModel that ``hub.load`` restores with
the same call convention as TF Hub's ``bert_en_uncased_L-12_H-768_A-12``: a dict of ``input_word_ids``,
``input_mask`` and ``input_type_ids`` (int32, ``[batch, seq]``) in, a dict with ``pooled_output``
(``[batch, hidden]``, tanh of the [CLS] vector through the pooler) and ``sequence_output``
(``[batch, seq, hidden]``) out. Post-LayerNorm transformer blocks with exact (erf) GELU, as in BERT.

Weights come in as a flat mapping of numpy arrays named like the Hugging Face checkpoint
(``encoder.layer.0.attention.self.query.weight`` ...). PyTorch stores linear layers as ``[out, in]``;
we keep TensorFlow's ``[in, out]`` kernels, so every linear weight is transposed once here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf


@dataclass(frozen=True)
class BertConfig:
    """The encoder's shape (defaults: all-MiniLM-L6-v2)."""

    vocab_size: int = 30522
    hidden_size: int = 384
    num_layers: int = 6
    num_heads: int = 12
    intermediate_size: int = 1536
    max_positions: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12


_INPUT_SPEC = {
    name: tf.TensorSpec([None, None], tf.int32, name=name)
    for name in ("input_word_ids", "input_mask", "input_type_ids")
}


def _attention_bias(mask: tf.Tensor) -> tf.Tensor:
    """``[batch, 1, 1, seq]``: 0 for real tokens, a large negative logit for padding (never attended)."""
    return (1.0 - tf.cast(mask, tf.float32))[:, tf.newaxis, tf.newaxis, :] * -1e9


class BertEncoder(tf.Module):
    """A BERT encoder whose variables are initialised from a checkpoint's arrays.

    Args:
        weights: Hugging Face ``BertModel`` tensor names → arrays (``bert.`` prefix optional).
        config: The architecture. Defaults to all-MiniLM-L6-v2's.
        on_layer: Called with the number of blocks built so far (for progress). Defaults to None.
    """

    def __init__(
        self,
        weights: Mapping[str, np.ndarray],
        config: BertConfig | None = None,
        on_layer: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(name="bert_encoder")
        self.config = cfg = config or BertConfig()
        w = {k.removeprefix("bert."): v for k, v in weights.items()}

        def var(name: str, transpose: bool = False) -> tf.Variable:
            try:
                array = np.asarray(w[name], dtype=np.float32)
            except KeyError:
                raise KeyError(f"the checkpoint has no tensor {name!r}") from None
            return tf.Variable(array.T if transpose else array, trainable=False, name=name)

        self.word_embeddings = var("embeddings.word_embeddings.weight")
        self.position_embeddings = var("embeddings.position_embeddings.weight")
        self.type_embeddings = var("embeddings.token_type_embeddings.weight")
        self.embedding_norm = (var("embeddings.LayerNorm.weight"), var("embeddings.LayerNorm.bias"))
        self.layers: list[dict[str, tf.Variable]] = []
        for i in range(cfg.num_layers):
            p = f"encoder.layer.{i}."
            names = {
                "q": "attention.self.query",
                "k": "attention.self.key",
                "v": "attention.self.value",
                "o": "attention.output.dense",
                "up": "intermediate.dense",
                "down": "output.dense",
            }
            layer = {}
            for short, long in names.items():
                layer[short + "_w"] = var(p + long + ".weight", transpose=True)
                layer[short + "_b"] = var(p + long + ".bias")
            for short, long in (("ln1", "attention.output.LayerNorm"), ("ln2", "output.LayerNorm")):
                layer[short + "_g"] = var(p + long + ".weight")
                layer[short + "_b"] = var(p + long + ".bias")
            self.layers.append(layer)
            if on_layer is not None:
                on_layer(i + 1)
        self.pooler = (var("pooler.dense.weight", transpose=True), var("pooler.dense.bias"))

    def _norm(self, x: tf.Tensor, gamma: tf.Variable, beta: tf.Variable) -> tf.Tensor:
        mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
        return (x - mean) * tf.math.rsqrt(variance + self.config.layer_norm_eps) * gamma + beta

    def _block(
        self, x: tf.Tensor, bias: tf.Tensor, p: dict[str, tf.Variable], cls_only: bool = False
    ) -> tf.Tensor:
        """One transformer block on ``x`` of shape ``[batch * seq, hidden]`` (see :meth:`encode`).

        With ``cls_only`` every position is attended to, but only [CLS] attends: the block returns
        ``[batch, hidden]``, the [CLS] rows, which is all the pooled output needs from the last block.
        """
        cfg = self.config
        head_dim = cfg.hidden_size // cfg.num_heads
        batch, seq = tf.shape(bias)[0], tf.shape(bias)[-1]

        def dense(t: tf.Tensor, name: str) -> tf.Tensor:
            # MatMul + BiasAdd (not "+"): oneDNN fuses them, and the GELU after the first FFN layer.
            return tf.nn.bias_add(tf.matmul(t, p[name + "_w"]), p[name + "_b"])

        def heads(t: tf.Tensor, length: tf.Tensor) -> tf.Tensor:  # [b*s, h*d] -> [b, h, s, d]
            return tf.transpose(tf.reshape(t, [batch, length, cfg.num_heads, head_dim]), [0, 2, 1, 3])

        k, v = heads(dense(x, "k"), seq), heads(dense(x, "v"), seq)
        rows, queries = (1, tf.reshape(x, [batch, seq, cfg.hidden_size])[:, 0]) if cls_only else (seq, x)
        q = heads(dense(queries, "q"), rows)
        scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(head_dim) + bias
        context = tf.matmul(tf.nn.softmax(scores, axis=-1), v)
        context = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * rows, cfg.hidden_size])
        x = self._norm(queries + dense(context, "o"), p["ln1_g"], p["ln1_b"])
        hidden = tf.nn.gelu(dense(x, "up"), approximate=False)
        return self._norm(x + dense(hidden, "down"), p["ln2_g"], p["ln2_b"])

    def _embed(self, word_ids: tf.Tensor, type_ids: tf.Tensor) -> tf.Tensor:
        seq = tf.shape(word_ids)[1]
        x = (
            tf.gather(self.word_embeddings, word_ids)
            + tf.gather(self.type_embeddings, type_ids)
            + self.position_embeddings[tf.newaxis, :seq]
        )
        return self._norm(x, *self.embedding_norm)

    def encode(self, word_ids: tf.Tensor, mask: tf.Tensor, type_ids: tf.Tensor) -> dict[str, tf.Tensor]:
        """The encoder's forward pass (see the module docstring for shapes)."""
        x = self._embed(word_ids, type_ids)
        bias = _attention_bias(mask)
        # The blocks work on [batch * seq, hidden]: a rank-3 by rank-2 tf.matmul runs as a broadcast
        # BatchMatMul, about half as fast on CPU as one plain MatMul over all positions (measured).
        shape = tf.shape(x)
        x = tf.reshape(x, [-1, self.config.hidden_size])
        for layer in self.layers:
            x = self._block(x, bias, layer)
        x = tf.reshape(x, shape)
        return {"pooled_output": self._pool(x[:, 0]), "sequence_output": x}

    def _pool(self, cls: tf.Tensor) -> tf.Tensor:
        return tf.tanh(tf.nn.bias_add(tf.matmul(cls, self.pooler[0]), self.pooler[1]))

    @tf.function(input_signature=[_INPUT_SPEC])
    def pooled_embedding(self, inputs: dict[str, tf.Tensor]) -> tf.Tensor:
        """``pooled_output`` alone, for extraction: the last block computes only the [CLS] position
        (its keys and values still come from every position), about 1/7 less work. Same inputs as
        :meth:`__call__`; the numbers equal its ``pooled_output`` to float rounding.

        The last block runs on a batch padded to a multiple of 8 reviews (the padding rows are cut
        from the result): its kernels then see the same shapes whether a review shares its batch
        with 1 or 7 others, so a review's numbers do not depend on its batch-mates.
        """
        x = self._embed(inputs["input_word_ids"], inputs["input_type_ids"])
        mask = inputs["input_mask"]
        batch, hidden = tf.shape(x)[0], self.config.hidden_size
        x = tf.reshape(x, [-1, hidden])
        bias = _attention_bias(mask)
        for layer in self.layers[:-1]:
            x = self._block(x, bias, layer)
        extra = (-batch) % 8
        x = tf.reshape(tf.pad(tf.reshape(x, [batch, -1, hidden]), [[0, extra], [0, 0], [0, 0]]), [-1, hidden])
        mask = tf.pad(mask, [[0, extra], [0, 0]], constant_values=1)
        cls = self._block(x, _attention_bias(mask), self.layers[-1], cls_only=True)
        return self._pool(cls)[:batch]

    @tf.function(input_signature=[_INPUT_SPEC])
    def __call__(self, inputs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        """TF Hub call convention: ``encoder(dict(input_word_ids=..., ...))``."""
        return self.encode(inputs["input_word_ids"], inputs["input_mask"], inputs["input_type_ids"])

    @tf.function(input_signature=list(_INPUT_SPEC.values()))
    def serve(self, input_word_ids: tf.Tensor, input_mask: tf.Tensor, input_type_ids: tf.Tensor) -> Any:
        """The ``serving_default`` signature (keyword inputs, as TF Hub BERT encoders expose)."""
        return self.encode(input_word_ids, input_mask, input_type_ids)
