"""The pure-Python answers of the practice exercises agree with the real thing (Keras, tensorflow-text)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.labs.bert import wordpiece
from engine.labs.bert.exercises import REVIEWS, vocabulary
from engine.labs.transfer.exercises import VGG_LAYERS, head_shapes, keras_head_shapes


@pytest.mark.slow
def test_wordpiece_tokenize_matches_tensorflow_text(tmp_path):
    from engine.labs.bert.tokenizer import WordPieceTokenizer

    vocab = vocabulary()
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(sorted(vocab, key=vocab.get)) + "\n", encoding="utf-8")
    texts = [*REVIEWS, "Ünïcödé ÀCCENTS, tabs\tand\nnewlines; $5 #1 «quotes» — dashes", "xylophones!!!", ""]
    for max_len in (8, 20, 64):
        ours = [wordpiece.tokenize(text, vocab, max_len) for text in texts]
        theirs = WordPieceTokenizer(path, lower_case=True).encode(texts, max_len)
        for name in ("input_word_ids", "input_mask", "input_type_ids"):
            assert np.array_equal(np.array([o[name] for o in ours]), theirs[name]), (name, max_len)


@pytest.mark.slow
def test_head_shapes_and_layer_names_match_keras():
    from engine.labs.transfer.models import build_model, vgg16_base

    for size, units in ((64, 32), (100, 16)):
        assert keras_head_shapes(size, units) == head_shapes(size, units)
    names = [layer.name for layer in build_model(3, vgg16_base(64)).layers]
    # Keras numbers a second input layer in one session ("input_layer_2"); the rest are fixed names.
    assert names[0].startswith("input_layer") and tuple(names[1 : len(VGG_LAYERS)]) == VGG_LAYERS[1:]
