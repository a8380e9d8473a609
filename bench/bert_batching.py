"""BERT embeddings: why batching helps as much as it does, and no more (the analysis behind the lab's
extraction; ``bench/bert_embed.py`` measures the lab against the PyTorch peer and the store's savings).

The same generated reviews go through every measurement, in one process, with the encoder (our
converted all-MiniLM-L6-v2) loaded and traced first, so only extraction is timed. The passes:

- one at a time, as the assignment fed its encoder: tokenize one review, pad it to 55, call the
  encoder (the same ``call_encoder`` the lab uses), pool;
- one at a time, trimmed to its own length: what removing padding alone buys;
- batched, padded to 55 in file order: what batching alone buys;
- batched through the lab's extraction (batches of one exact token length, no padding, the pooled
  output from the encoder's [CLS]-only last block) at the lab's default batch size and at larger ones.

Padding positions are masked out of attention, so trimming must not change the outputs for real tokens:
the bench checks it (max abs difference of pooled and per-token outputs, trimmed vs padded to 55).
Each pass runs ``ROUNDS`` times, interleaved, so machine noise hits all alike; the median is reported.
From the two one-at-a-time passes it derives the encoder's fixed cost per call and its cost per token
position, and from them the speed-up batching could reach at best; it also times the encoder's dense
layers as bare MatMuls of a batch's shape, to show how much of a batched position is matrix multiply,
and one batch shape compiled with XLA. The retired target "batched ≥ 5× one at a time" is not judged:
on 2 cores it is bounded near 4.8× by per-position arithmetic (this analysis shows why); the lab's
speed is judged against the PyTorch peer instead. Run: ``make bench``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = int(os.environ.get("BENCH_REVIEWS", "192"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
MAX_LEN, POOLING, LARGER = 55, "pooled", (64, 128)
MINIMAL = "a minimal call ([CLS] only), once per review"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def _dense_matmuls_alone(config: dict[str, int], rows: int) -> float:
    """Seconds for one encoder pass's dense layers as bare ``tf.matmul`` calls on ``rows`` positions
    (fastest of several): what the machine's matrix multiply gives when nothing else runs."""
    import tensorflow as tf

    hidden, inner = config["hidden_size"], config["intermediate_size"]
    shapes = [(hidden, hidden)] * 4 + [(hidden, inner), (inner, hidden)]
    weights = [tf.random.normal(shape) for shape in shapes]
    inputs = [tf.random.normal([rows, shape[0]]) for shape in shapes]

    @tf.function
    def layer() -> list[tf.Tensor]:
        return [tf.matmul(x, w) for x, w in zip(inputs, weights, strict=True)]

    layer()
    best = float("inf")
    for _ in range(ROUNDS * 4):
        start = time.perf_counter()
        for _ in range(config["num_layers"]):
            layer()[-1].numpy()
        best = min(best, time.perf_counter() - start)
    return best


def _xla_one_shape(encoder: Any, padded: dict[str, Any], order: Any, batch: int) -> None:
    """One batch shape through XLA (``jit_compile``) against the plain graph: compile time and speed."""
    import numpy as np
    import tensorflow as tf

    from engine.labs.bert.checks import INPUT_NAMES

    rows = order[len(order) // 2 : len(order) // 2 + batch]
    width = int(padded["input_mask"][rows].sum(axis=1).max())
    feed = {k: tf.constant(v[rows, :width]) for k, v in padded.items() if k in INPUT_NAMES}
    model = encoder.model

    def plain() -> Any:
        return model.pooled_embedding(feed)

    xla = tf.function(lambda: model.pooled_embedding(feed), jit_compile=True)
    start = time.perf_counter()
    try:
        xla()
    except Exception as exc:  # XLA may not handle the restored graph: say so and go on
        print(f"XLA: could not compile the restored encoder ({type(exc).__name__}); not measured")
        return
    compile_s = time.perf_counter() - start
    plain()
    times: dict[str, list[float]] = {"plain": [], "xla": []}
    for _ in range(ROUNDS * 2):
        for name, call in (("plain", plain), ("xla", xla)):
            start = time.perf_counter()
            np.asarray(call())
            times[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    print(
        f"XLA on one batch shape ({len(rows)}x{width}): compiles in {compile_s:.1f} s, then "
        f"{med['xla']:.1f} ms per call vs {med['plain']:.1f} ms plain ({med['plain'] / med['xla']:.2f}x); "
        "extraction meets one shape per token length (up to 53 at max_len 55), so XLA would compile for "
        "minutes before it could pay off: not used"
    )


def main() -> int:
    tmp = tempfile.TemporaryDirectory()
    os.environ.update(DLLAB_CACHE_DIR=tmp.name, DLLAB_DATA_DIR=tmp.name, TF_CPP_MIN_LOG_LEVEL="2")
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from engine.jobs import CancelToken
    from engine.labs.bert import Params, convert
    from engine.labs.bert.corpus import default_reviews
    from engine.labs.bert.data import load_reviews
    from engine.labs.bert.embeddings import call_encoder, load_encoder, pool
    from engine.labs.bert.extract import embed_texts, padded_rows, plan_batches

    batch = Params().embed_batch_size  # the lab's default: the verdict is on what the lab does
    split = load_reviews(default_reviews(), REVIEWS, seed=0)
    # Distinct texts only: the pipeline embeds a repeated text once, which is not what is measured here.
    texts = list(dict.fromkeys(split.train_texts + split.val_texts + split.test_texts))
    token, quiet = CancelToken(), (lambda _event: None)
    start = time.perf_counter()
    encoder = load_encoder("", quiet)
    print(f"encoder: {encoder.label}; first-use conversion + load {time.perf_counter() - start:.1f} s")
    print(f"before: {_load()}")
    padded = encoder.tokenizer.encode(texts, MAX_LEN)
    lengths = padded["input_mask"].sum(axis=1)
    order = np.argsort(lengths, kind="stable")
    plan = plan_batches(lengths, batch)
    calls = len(plan)
    computed = sum(padded_rows(len(b), int(lengths[b[0]])) * int(lengths[b[0]]) for b in plan)
    mean_width = computed / len(texts)
    print(
        f"{len(texts)} reviews, {lengths.mean():.1f} real tokens on average of max_len {MAX_LEN}; the lab's "
        f"exact-length batches of up to {batch} take {calls} calls and compute {mean_width:.1f} positions "
        "per review (rows topped up to a multiple of 8 positions included)"
    )

    # Trimming must not change what the encoder says about real tokens.
    worst_pooled = worst_tokens = 0.0
    for i in range(0, len(texts), batch):
        rows = order[i : i + batch]
        full = call_encoder(encoder, {k: v[rows] for k, v in padded.items()})
        width = int(lengths[rows].max())
        cut = call_encoder(encoder, {k: v[rows, :width] for k, v in padded.items()})
        worst_pooled = max(worst_pooled, float(np.abs(full["pooled_output"] - cut["pooled_output"]).max()))
        real = padded["input_mask"][rows, :width, None].astype(bool)
        diff = np.abs(np.asarray(full["sequence_output"])[:, :width] - np.asarray(cut["sequence_output"]))
        worst_tokens = max(worst_tokens, float(np.where(real, diff, 0.0).max()))
    print(
        f"trimmed vs padded to {MAX_LEN}: max abs diff pooled {worst_pooled:.2e}, "
        f"real tokens {worst_tokens:.2e}"
    )

    def one_at_a_time(trim: bool) -> np.ndarray:
        rows = []
        for text in texts:
            inputs = encoder.tokenizer.encode([text], MAX_LEN)
            if trim:
                inputs = {k: v[:, : int(inputs["input_mask"].sum())] for k, v in inputs.items()}
            rows.append(pool(call_encoder(encoder, inputs), inputs["input_mask"], POOLING))
        return np.concatenate(rows)

    def batched_padded() -> np.ndarray:
        inputs = encoder.tokenizer.encode(texts, MAX_LEN)
        chunks = []
        for i in range(0, len(texts), batch):
            rows = {k: v[i : i + batch] for k, v in inputs.items()}
            chunks.append(pool(call_encoder(encoder, rows), rows["input_mask"], POOLING))
        return np.concatenate(chunks)

    def pipeline(size: int) -> np.ndarray:
        return embed_texts(encoder, texts, MAX_LEN, POOLING, size, token, quiet, use_cache=False).vectors

    minimal = {k: v[:1, :1] for k, v in padded.items()}  # [CLS] alone: what a call costs besides its work
    minimal["input_word_ids"] = np.array([[encoder.tokenizer.cls_id]], np.int32)

    def minimal_calls() -> np.ndarray:
        for _ in texts:
            call_encoder(encoder, minimal)
        return np.empty(0)  # timing only

    baseline = f"one at a time, padded to {MAX_LEN} (as assigned)"

    def piped(size: int) -> str:
        return f"batched {size}, lab extraction (exact lengths)"

    lab = piped(batch)
    passes: dict[str, Callable[[], np.ndarray]] = {
        baseline: lambda: one_at_a_time(trim=False),
        "one at a time, trimmed to its length": lambda: one_at_a_time(trim=True),
        f"batched {batch}, padded to {MAX_LEN}, file order": batched_padded,
        lab: lambda: pipeline(batch),
        **{piped(size): (lambda s=size: pipeline(s)) for size in LARGER},
        MINIMAL: minimal_calls,
    }
    outputs: dict[str, np.ndarray] = {}
    for name, run in passes.items():  # trace every path and meet every shape once before timing
        outputs[name] = run()
    seconds: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(ROUNDS):
        for name, run in passes.items():
            start = time.perf_counter()
            outputs[name] = run()
            seconds[name].append(time.perf_counter() - start)
    for name, out in outputs.items():
        if name == MINIMAL:
            continue
        np.testing.assert_allclose(out, outputs[baseline], atol=1e-4, err_msg=f"{name} gave other embeddings")
    per_review = {name: statistics.median(s) / len(texts) for name, s in seconds.items()}
    for name, s in per_review.items():
        spread = f"{min(seconds[name]):.2f}–{max(seconds[name]):.2f} s per pass"
        print(f"{name:48s} {1 / s:7.1f} reviews/s  {s * 1e3:6.2f} ms/review  ({spread})")

    # What batching can save: the fixed cost of a call (measured with a minimal call) and the padding.
    naive, fixed = per_review[baseline], per_review[MINIMAL]
    single_position = (naive - fixed) / MAX_LEN  # includes tokenizing one review (well under 1 ms)
    batch_position = (per_review[lab] - fixed * calls / len(texts)) / mean_width
    # Even with no padding and no call cost, a review's real positions need this much arithmetic.
    ceiling = naive / (float(lengths.mean()) * batch_position)
    ratio = naive / per_review[lab]
    best_name = min((n for n in per_review if n != MINIMAL), key=per_review.__getitem__)
    print(
        f"a call costs {fixed * 1e3:.1f} ms fixed; a position {single_position * 1e3:.3f} ms alone, "
        f"{batch_position * 1e3:.3f} ms in the lab's batches ({batch_position / single_position:.2f}x; "
        "its pooled output skips the last block's work beyond [CLS], so a position there costs less)"
    )
    # Multiply-adds per position in the dense layers (attention scores are < 3 % of it at 55 positions).
    config = json.loads((encoder.path / convert.INFO_FILE).read_text(encoding="utf-8"))["config"]
    hidden, inner = config["hidden_size"], config["intermediate_size"]
    flop = 2 * config["num_layers"] * (4 * hidden * hidden + 2 * hidden * inner)
    rows = round(batch * mean_width)
    gemm_position = _dense_matmuls_alone(config, rows) / rows
    print(
        f"dense layers: {flop / 1e6:.1f} MFLOP per position ({config['num_layers']} layers, hidden "
        f"{hidden}, intermediate {inner}); as bare MatMuls of a batch's shape ({rows} rows) they run "
        f"at {flop / gemm_position / 1e9:.0f} GFLOP/s here, the whole encoder at "
        f"{flop / single_position / 1e9:.0f} GFLOP/s in single calls and "
        f"{flop / batch_position / 1e9:.0f} GFLOP/s in batches of {batch}"
    )
    share = mean_width * batch_position / per_review[lab]
    gemm_ceiling = naive / (float(lengths.mean()) * gemm_position)
    print(
        f"a batched review: {share:.0%} per-position work, of which the dense MatMuls are "
        f"{gemm_position / batch_position:.0%} (the rest: attention, layer norms, GELU, softmax, "
        f"separate TF kernels); with no padding and no call cost its {lengths.mean():.1f} real positions "
        f"would allow at most {ceiling:.1f}x at this rate, {gemm_ceiling:.1f}x if only the bare MatMuls "
        "were left"
    )
    best_rounds = min(seconds[baseline]) / min(seconds[lab])
    print(
        f"batched / one at a time (as assigned): {ratio:.1f}x at batch {batch} (medians; "
        f"{best_rounds:.1f}x from each pass's fastest round); fastest pass: {best_name} "
        f"({naive / per_review[best_name]:.1f}x)"
    )
    larger = {size: per_review[piped(size)] for size in LARGER}
    faster = [f"{size} ({1e3 * t:.2f} ms/review)" for size, t in larger.items() if t < per_review[lab]]
    print(
        f"why: one at a time pays a fixed {fixed * 1e3:.1f} ms per call (of {naive * 1e3:.1f} ms per review) "
        f"and {MAX_LEN} positions for {lengths.mean():.1f} real ones; batching cuts both (to "
        f"{fixed * calls / len(texts) * 1e3:.2f} ms and {mean_width:.1f} positions), after which "
        f"{share:.0%} of a "
        f"batched review is per-position work at {flop / batch_position / 1e9:.0f} GFLOP/s on these "
        f"{os.cpu_count()} CPUs ({_load()}), so not even a batch without padding or call cost could "
        f"pass {ceiling:.1f}x; "
        + (f"larger batches are faster: {', '.join(faster)}." if faster else "larger batches are no faster.")
    )
    print(
        "(the retired target of 5x is not judged: the bound above is arithmetic on these CPUs; the lab is "
        "judged against the PyTorch peer in bench/bert_embed.py)"
    )
    _xla_one_shape(encoder, padded, order, batch)
    print(f"after: {_load()}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
