"""BERT embeddings: batched extraction vs one review at a time, and a cached re-run vs a cold run.

The same generated reviews go through every measurement, in one process, with the encoder (our
converted all-MiniLM-L6-v2) loaded and traced first, so only extraction is timed:

- one at a time, as the assignment fed its encoder: tokenize one review, pad it to 55, call the encoder;
- one at a time through the lab's pipeline (batch of 1, padding trimmed): what batching alone buys;
- batched through the lab's pipeline (tf.data, 32 per call, length-sorted, padding trimmed);
- a cold run that fills the on-disk cache, then the cached re-run of the same call.

Each timed pass runs ``ROUNDS`` times, interleaved, so machine noise hits all alike. Prints the
throughputs, the ratios and PASS/FAIL (batched ≥ 5× one at a time; cached ≥ 50× cold). Run: ``make bench``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = int(os.environ.get("BENCH_REVIEWS", "192"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
MAX_LEN, POOLING, BATCH = 55, "pooled", 32
TARGET_BATCHED, TARGET_CACHED = 5.0, 50.0


def main() -> int:
    tmp = tempfile.TemporaryDirectory()
    os.environ.update(DLLAB_CACHE_DIR=tmp.name, DLLAB_DATA_DIR=tmp.name, TF_CPP_MIN_LOG_LEVEL="2")
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from engine.bert.embeddings import cache_path, call_encoder, embed_texts, load_encoder, pool
    from engine.data.reviews import load_reviews
    from engine.data.reviews_corpus import default_reviews
    from engine.jobs import CancelToken

    split = load_reviews(default_reviews(), REVIEWS, seed=0)
    # Distinct texts only: the pipeline embeds a repeated text once, which is not what is measured here.
    texts = list(dict.fromkeys(split.train_texts + split.val_texts + split.test_texts))
    token, quiet = CancelToken(), (lambda _event: None)
    start = time.perf_counter()
    encoder = load_encoder("", quiet)
    print(f"encoder: {encoder.label}; first-use conversion + load {time.perf_counter() - start:.1f} s")
    lengths = encoder.tokenizer.encode(texts, MAX_LEN)["input_mask"].sum(axis=1)
    print(f"{len(texts)} reviews, {lengths.mean():.1f} tokens on average of max_len {MAX_LEN}")

    def naive() -> np.ndarray:
        rows = []
        for text in texts:
            inputs = encoder.tokenizer.encode([text], MAX_LEN)
            rows.append(pool(call_encoder(encoder, inputs), inputs["input_mask"], POOLING))
        return np.concatenate(rows)

    def pipeline(batch: int) -> np.ndarray:
        return embed_texts(encoder, texts, MAX_LEN, POOLING, batch, token, quiet, use_cache=False)[0]

    passes = {
        "one at a time, padded to 55 (as assigned)": naive,
        "one at a time, lab pipeline (batch 1)": lambda: pipeline(1),
        f"batched, lab pipeline (batch {BATCH})": lambda: pipeline(BATCH),
    }
    # Trace every path once before timing (encoder shapes, tokenizer, tf.data start-up).
    embed_texts(encoder, texts[:8], MAX_LEN, POOLING, 4, token, quiet, use_cache=False)
    embed_texts(encoder, texts[:2], MAX_LEN, POOLING, 1, token, quiet, use_cache=False)
    for text in texts[:4]:
        call_encoder(encoder, encoder.tokenizer.encode([text], MAX_LEN))
    seconds = dict.fromkeys(passes, 0.0)
    outputs: dict[str, np.ndarray] = {}
    for _ in range(ROUNDS):
        for name, run in passes.items():
            start = time.perf_counter()
            outputs[name] = run()
            seconds[name] += time.perf_counter() - start
    reference = outputs[next(iter(passes))]
    for name, out in outputs.items():
        np.testing.assert_allclose(out, reference, atol=1e-4, err_msg=f"{name} gave different embeddings")
    rates = {name: ROUNDS * len(texts) / s for name, s in seconds.items()}
    for name, rate in rates.items():
        print(f"{name:45s} {rate:8.1f} reviews/s  ({seconds[name] / ROUNDS:.2f} s per pass)")
    naive_rate, single_rate, batched_rate = rates.values()
    ratio = batched_rate / naive_rate
    print(f"batched / one at a time (as assigned): {ratio:.1f}x; of which batching alone "
          f"(vs batch 1 trimmed): {batched_rate / single_rate:.1f}x")  # fmt: skip
    verdict = "PASS" if ratio >= TARGET_BATCHED else "FAIL"
    print(f"{verdict}: batched extraction {ratio:.1f}x one review at a time (target ≥ {TARGET_BATCHED:g}x)")

    cold = cached = 0.0
    for _ in range(ROUNDS):
        cache_path(encoder, MAX_LEN, POOLING, texts).unlink(missing_ok=True)
        start = time.perf_counter()
        first, hit_first = embed_texts(encoder, texts, MAX_LEN, POOLING, BATCH, token, quiet)
        cold += time.perf_counter() - start
        start = time.perf_counter()
        again, hit_again = embed_texts(encoder, texts, MAX_LEN, POOLING, BATCH, token, quiet)
        cached += time.perf_counter() - start
        assert (hit_first, hit_again) == (False, True) and np.array_equal(first, again)
    speedup = cold / cached
    per_cold, per_cached = cold / ROUNDS, cached / ROUNDS * 1e3
    print(f"cold run (tokenize + encode + save): {per_cold:.3f} s; cached re-run: {per_cached:.1f} ms")
    verdict = "PASS" if speedup >= TARGET_CACHED else "FAIL"
    print(f"{verdict}: cached re-run {speedup:.0f}x faster than the cold run (target ≥ {TARGET_CACHED:g}x)")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
