"""BERT embeddings at the assignment's scale: the lab's extraction against the PyTorch peer, how its
speed scales, and what the embedding store saves (a resumed run, a grown sample, a re-run).

Everything runs in one process on generated reviews (distinct texts, cleaned as the lab cleans them),
with our converted all-MiniLM-L6-v2 loaded and traced first, and a fresh embedding store (a temporary
cache dir). Sections (``BENCH_PARTS``, default all: ``peer,scale,resume,growth,cached``):

- **peer**: the lab's extraction (``embed_texts``, store off) against Hugging Face ``transformers``
  (PyTorch) on the same weights, the same reviews, batches of 32 and per-batch padding: the peer gets
  the reviews sorted by length in batches of 32, each padded to its longest review (its best case). A
  third pass runs our encoder with the peer's batching (the lab's pipeline before this issue), to show
  what the batching and the [CLS]-only last block buy. The peer runs in its own Python
  (``BENCH_PEER_PYTHON``: a throwaway venv with torch and transformers, never a project dependency),
  kept alive so that rounds interleave; its vectors are checked against ours. Target: ≥ 1.25×.
- **scale**: reviews/s at 2,000 and at 20,000 reviews (``BENCH_SCALE``); target: within 15 %.
- **resume**: a run stopped at ~50 % and run again embeds only the rest; target: ≤ 0.6× a cold run.
- **growth**: 2,000 reviews, then the 3,000-review sample of the same seed embeds only the new ones.
- **cached**: a re-run that finds every review in the store, against a cold run (≥ 50×).

Rounds are interleaved and medians reported with the spread (min–max). This 2-core machine is shared,
so the peer comparison also measures how much of the CPUs other processes used during each pass
(``bench/bert/contention.py``) and judges only on quiet rounds (it runs rounds until it has
``BENCH_ROUNDS`` quiet ones, at most ``BENCH_MAX_ROUNDS``); the load average is printed too.
Run: ``make bench`` or ``BENCH_PEER_PYTHON=/path/to/venv/bin/python .venv/bin/python bench/bert_embed.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bert.contention import OthersShare  # noqa: E402  (bench/bert/, beside this script)

PEER = Path(__file__).resolve().parent / "bert" / "peer_transformers.py"
PARTS = os.environ.get("BENCH_PARTS", "peer,scale,resume,growth,cached").split(",")
PEER_REVIEWS = int(os.environ.get("BENCH_PEER_REVIEWS", "2000"))
SCALE = tuple(int(n) for n in os.environ.get("BENCH_SCALE", "2000,20000").split(","))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
#: The peer comparison runs rounds until ROUNDS of them were quiet (or MAX_ROUNDS were run): a round is
#: quiet when other processes used at most QUIET of the CPUs during each of its passes.
MAX_ROUNDS = int(os.environ.get("BENCH_MAX_ROUNDS", "15"))
QUIET = 0.10
SCALE_ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "2"))
MAX_LEN, POOLING, BATCH = 55, "pooled", 32
TARGET_PEER, TARGET_SCALE, TARGET_RESUME, TARGET_CACHED = 1.25, 0.15, 0.6, 50.0


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def _spread(values: list[float]) -> str:
    return f"{min(values):.0f}–{max(values):.0f}"


class Bench:
    """The encoder, the generated reviews and the helpers every section uses."""

    def __init__(self) -> None:
        from engine.jobs import CancelToken
        from engine.labs.bert.corpus import default_reviews
        from engine.labs.bert.embeddings import load_encoder

        start = time.perf_counter()
        self.reviews = default_reviews()
        self.encoder = load_encoder("", lambda _e: None)
        self.token = CancelToken()
        print(
            f"encoder: {self.encoder.label}; reviews file, conversion and load "
            f"{time.perf_counter() - start:.1f} s"
        )

    def texts(self, n: int, seed: int = 0) -> list[str]:
        """The lab's sample of ``n`` reviews (distinct texts, in the sample's order)."""
        from engine.labs.bert.data import load_reviews

        split = load_reviews(self.reviews, n, seed)
        return list(dict.fromkeys(split.train_texts + split.val_texts + split.test_texts))

    def embed(
        self, texts: list[str], use_cache: bool = True, emit: Callable[[object], None] | None = None
    ) -> Any:
        from engine.labs.bert.extract import embed_texts

        sink = emit or (lambda _e: None)
        return embed_texts(self.encoder, texts, MAX_LEN, POOLING, BATCH, self.token, sink, use_cache)

    def timed(self, texts: list[str], use_cache: bool = True) -> tuple[float, Any]:
        start = time.perf_counter()
        embedded = self.embed(texts, use_cache)
        return time.perf_counter() - start, embedded

    @staticmethod
    def clear_store() -> None:
        from engine import caches

        caches.clear("bert-embeddings")


def _sorted_batches(bench: Bench, texts: list[str]) -> tuple[list[list[str]], list[int]]:
    """The peer's batching: reviews sorted by token length, 32 per batch (each padded to its longest)."""
    import numpy as np

    lengths = bench.encoder.tokenizer.encode(texts, MAX_LEN)["input_mask"].sum(axis=1)
    order = [int(i) for i in np.argsort(lengths, kind="stable")]
    return [[texts[i] for i in order[j : j + BATCH]] for j in range(0, len(order), BATCH)], order


def _ours_with_sorted_batches(bench: Bench, batches: list[list[str]]) -> None:
    """Our encoder's standard call with the peer's batching: the lab's pipeline before the store."""
    from engine.labs.bert.embeddings import call_encoder, pool

    for batch in batches:
        inputs = bench.encoder.tokenizer.encode(batch, MAX_LEN)
        width = int(inputs["input_mask"].sum(axis=1).max())
        trimmed = {k: v[:, :width] for k, v in inputs.items()}
        pool(call_encoder(bench.encoder, trimmed), trimmed["input_mask"], POOLING)


def peer_section(bench: Bench) -> None:
    import numpy as np

    python = os.environ.get("BENCH_PEER_PYTHON", "")
    if not python:
        print(
            "peer: SKIPPED: set BENCH_PEER_PYTHON to a Python with torch and transformers "
            "(a throwaway venv: python3 -m venv /tmp/peer && /tmp/peer/bin/pip install torch transformers)"
        )
        return
    from engine.labs.bert import convert

    texts = bench.texts(PEER_REVIEWS)
    batches, order = _sorted_batches(bench, texts)
    peer = subprocess.Popen(
        [python, str(PEER), str(convert.package_model_dir())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert peer.stdin is not None and peer.stdout is not None
    info = json.loads(peer.stdout.readline())
    print(
        f"peer: transformers {info['transformers']}, torch {info['torch']}, {info['threads']} threads, "
        f"attention {info['attention']}; {len(texts)} distinct reviews, batches of {BATCH}"
    )

    def run_peer() -> tuple[float, list[list[float]]]:
        assert peer.stdin is not None and peer.stdout is not None
        peer.stdin.write(json.dumps({"batches": batches, "max_len": MAX_LEN}) + "\n")
        peer.stdin.flush()
        answer = json.loads(peer.stdout.readline())
        return float(answer["seconds"]), answer["head"]

    def run_ours() -> float:
        return bench.timed(texts, use_cache=False)[0]

    def run_old() -> float:
        start = time.perf_counter()
        _ours_with_sorted_batches(bench, batches)
        return time.perf_counter() - start

    ours_vectors = bench.embed(texts, use_cache=False).vectors  # warms every shape up
    _, head = run_peer()
    run_old()
    agreement = float(np.abs(np.asarray(head) - ours_vectors[order[: len(head)]]).max())
    print(f"peer's pooled outputs vs ours, same reviews: max abs difference {agreement:.1e}")
    print(f"before: {_load()}")
    passes: list[tuple[str, Callable[[], float]]] = [
        ("lab", run_ours),
        ("old", run_old),
        ("peer", lambda: run_peer()[0]),
    ]
    rounds: list[dict[str, float]] = []  # each round: reviews/s per pass, and "busy": others' CPU share
    while len([r for r in rounds if r["busy"] <= QUIET]) < ROUNDS and len(rounds) < MAX_ROUNDS:
        round_: dict[str, float] = {"busy": 0.0}
        for name, run in passes[len(rounds) % 3 :] + passes[: len(rounds) % 3]:  # rotate who goes first
            with OthersShare([os.getpid(), peer.pid]) as watch:
                round_[name] = len(texts) / run()
            round_["busy"] = max(round_["busy"], watch.share if watch.share is not None else 0.0)
        rounds.append(round_)
    peer.stdin.close()
    peer.wait(timeout=60)
    quiet = [r for r in rounds if r["busy"] <= QUIET]
    print(
        f"{len(rounds)} rounds; {len(quiet)} quiet (other processes used ≤ {QUIET:.0%} of the CPUs during "
        f"each pass; busiest round {max(r['busy'] for r in rounds):.0%})"
    )
    counted = quiet if len(quiet) >= 3 else rounds
    labels = {
        "lab": "lab extraction (exact-length batches, [CLS]-only last block)",
        "old": "our encoder, the peer's batching (the pipeline before)",
        "peer": "transformers (PyTorch), sorted batches padded per batch",
    }
    for name, label in labels.items():
        values = [r[name] for r in counted]
        print(f"  {label:62s} {statistics.median(values):6.0f} reviews/s ({_spread(values)})")
    ratio = statistics.median(r["lab"] for r in counted) / statistics.median(r["peer"] for r in counted)
    over_old = statistics.median(r["lab"] for r in counted) / statistics.median(r["old"] for r in counted)
    per_round = [r["lab"] / r["peer"] for r in counted]
    verdict = _verdict(ratio >= TARGET_PEER) if counted is quiet else "NOT JUDGED (machine busy)"
    print(
        f"{verdict}: lab / peer {ratio:.2f}x (medians of {len(counted)} "
        f"{'quiet' if counted is quiet else 'busy'} rounds; per round {min(per_round):.2f}–"
        f"{max(per_round):.2f}x; target ≥ {TARGET_PEER:g}x); the lab against our encoder with the "
        f"peer's batching {over_old:.2f}x"
    )
    print(f"after: {_load()}")


def scale_section(bench: Bench) -> None:
    samples = {n: bench.texts(n) for n in SCALE}
    for texts in samples.values():
        bench.embed(texts[: BATCH * 8], use_cache=False)  # trace the shapes they share
    rates: dict[int, list[float]] = {n: [] for n in SCALE}
    for _ in range(SCALE_ROUNDS):
        for n, texts in samples.items():
            seconds, _ = bench.timed(texts, use_cache=False)
            rates[n].append(len(texts) / seconds)
    medians = {n: statistics.median(v) for n, v in rates.items()}
    for n, values in rates.items():
        print(f"  {len(samples[n]):6d} distinct reviews: {medians[n]:6.0f} reviews/s ({_spread(values)})")
    low, high = min(medians.values()), max(medians.values())
    gap = (high - low) / high
    print(f"{_verdict(gap <= TARGET_SCALE)}: throughput differs by {gap:.0%} across sizes (target ≤ 15 %)")


def resume_section(bench: Bench) -> None:
    from engine.jobs import JobCancelled, Progress

    texts = bench.texts(SCALE[0])
    bench.clear_store()
    cold, _ = bench.timed(texts)
    bench.clear_store()

    def stop_halfway(event: object) -> None:
        if (
            isinstance(event, Progress)
            and event.phase == "Extracting embeddings"
            and event.done >= len(texts) // 2
        ):
            bench.token.cancel()

    with contextlib.suppress(JobCancelled):
        bench.embed(texts, emit=stop_halfway)
    bench.token = type(bench.token)()
    resumed, embedded = bench.timed(texts)
    ratio = resumed / cold
    print(
        f"  stopped at ~50 %: the rerun read {embedded.reused} reviews from the store and embedded "
        f"{embedded.computed} in {resumed:.1f} s; a cold run of all {len(texts)} takes {cold:.1f} s"
    )
    target = f"target ≤ {TARGET_RESUME:g}x"
    print(f"{_verdict(ratio <= TARGET_RESUME)}: resumed run {ratio:.2f}x a cold run ({target})")


def growth_section(bench: Bench) -> None:
    small, large = bench.texts(2000), bench.texts(3000)
    new = len(set(large) - set(small))
    bench.clear_store()
    cold_large, _ = bench.timed(large)
    bench.clear_store()
    bench.timed(small)
    grown, embedded = bench.timed(large)
    passed = embedded.computed == new and embedded.reused == len(large) - new
    print(
        f"  2,000 → 3,000 reviews: {embedded.computed} embedded ({new} are new), {embedded.reused} read "
        f"from the store, {grown:.1f} s against {cold_large:.1f} s for all 3,000 cold "
        f"({grown / cold_large:.2f}x)"
    )
    print(f"{_verdict(passed)}: a larger sample embeds only its new reviews")


def cached_section(bench: Bench) -> None:
    texts = bench.texts(SCALE[0])
    bench.clear_store()
    cold, _ = bench.timed(texts)
    cached = [bench.timed(texts)[0] for _ in range(ROUNDS)]
    speedup = cold / statistics.median(cached)
    print(f"  cold run {cold:.2f} s; re-run from the store {statistics.median(cached) * 1e3:.0f} ms")
    target = f"target ≥ {TARGET_CACHED:g}x"
    print(f"{_verdict(speedup >= TARGET_CACHED)}: re-run {speedup:.0f}x faster than cold ({target})")


def main() -> int:
    tmp = tempfile.TemporaryDirectory()
    os.environ.update(DLLAB_CACHE_DIR=tmp.name, DLLAB_DATA_DIR=tmp.name, TF_CPP_MIN_LOG_LEVEL="2")
    sys.path.insert(0, str(ROOT))
    bench = Bench()
    sections = {
        "peer": peer_section,
        "scale": scale_section,
        "resume": resume_section,
        "growth": growth_section,
        "cached": cached_section,
    }
    for name in PARTS:
        print(f"-- {name}")
        sections[name](bench)
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
