"""Transfer lab benchmark: an epoch on cached features vs the same epoch through the frozen VGG-16.

Same data (the generated document set), same image size, same Model, same initial weights and the
same batch order, measured side by side in one run. Prints each epoch's time and validation accuracy,
the ratio, PASS/FAIL (cached ≥ 10× faster, validation accuracy equal within 1 point), and the peak
memory of a 224-px, batch-32 run (a caching batch and a training step through the frozen backbone,
measured in a fresh subprocess so earlier phases do not count).

Usage: python bench/transfer_cache.py [--size 64] [--epochs 3] [--model 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MIN_SPEEDUP = 10.0
MAX_ACCURACY_GAP = 0.01


def _epoch_timer(keras: Any) -> Any:
    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            self.times: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.times.append(time.perf_counter() - self._start)

    return EpochTimer()


def compare(size: int, epochs: int, number: int, seed: int = 0) -> bool:
    """Train the same head both ways and print times, accuracies and PASS/FAIL."""
    from engine import tfrt
    from engine.jobs import CancelToken
    from engine.labs.transfer import images as ip
    from engine.labs.transfer import models as vm
    from engine.labs.transfer.backbone import load_backbone
    from engine.labs.transfer.cache import cache_key, cached_features, feature_dataset
    from engine.labs.transfer.data import generate_documents

    tfrt.seed_everything(seed)
    keras = tfrt.keras()
    items = ip.read_label_file(generate_documents(seed))
    train, val, _ = ip.split_items(items, 0.2, 0.2, seed)
    base = vm.vgg16_base(size)
    backbone = load_backbone("hed", base, seed)
    model = vm.build_model(number, base)
    extractor, tail, cut = vm.split_at_first_trainable(model)
    initial = model.get_weights()
    prep, batch, log, token = backbone.preprocessing, 32, ip.SkipLog(), CancelToken()
    order = ip.EpochOrder(seed)  # both ways see the same batches, epoch by epoch
    print(f"data: {len(train)} train / {len(val)} validation pages, {size} px; Model-{number}, HED backbone")

    start = time.perf_counter()
    splits = {}
    for name, split in (("train", train), ("validation", val)):
        key = cache_key(split, size, backbone.fingerprint, f"vgg16:{cut}", prep)
        splits[name] = cached_features(name, split, extractor, key, prep, batch, log, token, lambda e: None)
    hits = [s.hit for s in splits.values()]
    print(f"caching pass: {time.perf_counter() - start:.1f} s (cache {'hit' if all(hits) else 'miss'})")

    def train_with(fit_model: Any, train_ds: Any, val_ds: Any) -> tuple[list[float], list[float]]:
        model.set_weights(initial)  # identical starting point for both ways
        adam = keras.optimizers.Adam(1e-4)
        fit_model.compile(optimizer=adam, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        timer = _epoch_timer(keras)
        callbacks = [order.callback(), timer]
        history = fit_model.fit(
            train_ds, validation_data=val_ds, epochs=epochs, verbose=0, callbacks=callbacks
        )
        return timer.times, history.history["val_accuracy"]

    cached_times, cached_acc = train_with(
        tail, feature_dataset(splits["train"], batch, order), feature_dataset(splits["validation"], batch)
    )
    streamed_times, streamed_acc = train_with(
        model,
        ip.make_dataset(train, size, prep, batch, log, order=order),
        ip.make_dataset(val, size, prep, batch, log),
    )
    print("epoch  cached s  backbone s  cached val_acc  backbone val_acc")
    for e in range(epochs):
        print(
            f"{e + 1:5d}  {cached_times[e]:8.3f}  {streamed_times[e]:10.2f}  "
            f"{cached_acc[e]:14.3f}  {streamed_acc[e]:16.3f}"
        )
    # Epoch 1 includes tracing and warm-up; later epochs are the steady state.
    steady = slice(1, None) if epochs > 1 else slice(None)
    t_cached = sum(cached_times[steady]) / len(cached_times[steady])
    t_streamed = sum(streamed_times[steady]) / len(streamed_times[steady])
    ratio = t_streamed / t_cached
    gap = abs(cached_acc[-1] - streamed_acc[-1])
    ok = ratio >= MIN_SPEEDUP and gap <= MAX_ACCURACY_GAP
    print(
        f"epoch time (steady): cached {t_cached:.3f} s vs through the frozen backbone {t_streamed:.2f} s "
        f"→ {ratio:.1f}× faster (need ≥ {MIN_SPEEDUP:g}×); final val accuracy {cached_acc[-1]:.3f} vs "
        f"{streamed_acc[-1]:.3f} (gap {gap * 100:.1f} points, need ≤ {MAX_ACCURACY_GAP * 100:g})"
    )
    print(f"{'PASS' if ok else 'FAIL'}: feature caching")
    return ok


def peak_memory(size: int = 224, batch: int = 32) -> dict[str, float]:
    """In this process: build Model-1 at ``size`` and run one caching batch and one training step."""
    import numpy as np

    from engine import tfrt
    from engine.labs.transfer import models as vm
    from engine.labs.transfer.backbone import load_backbone

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    tfrt.seed_everything(0)
    keras = tfrt.keras()
    base = vm.vgg16_base(size)
    load_backbone("hed", base, 0)
    model = vm.build_model(1, base)
    extractor, _, _ = vm.split_at_first_trainable(model)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).uniform(-120, 130, (batch, size, size, 3)).astype(np.float32)
    y = np.arange(batch) % 16
    out = {"after_build_mb": rss_mb()}
    start = time.perf_counter()
    extractor(x, training=False)
    out["caching_batch_s"] = time.perf_counter() - start
    out["after_caching_batch_mb"] = rss_mb()
    start = time.perf_counter()
    model.train_on_batch(x, y)
    out["train_step_s"] = time.perf_counter() - start
    out["after_train_step_mb"] = rss_mb()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--model", type=int, default=1, choices=(1, 2, 3))
    parser.add_argument("--peak-memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_memory_only:
        print(json.dumps(peak_memory()))
        return 0
    ok = compare(args.size, args.epochs, args.model)
    done = subprocess.run(
        [sys.executable, __file__, "--peak-memory-only"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"peak memory: FAILED to measure\n{done.stderr[-2000:]}")
        return 1
    mem = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"peak memory, 224 px, batch 32 (peak RSS of a fresh process): {mem['after_build_mb']:.0f} MB after "
        f"building Model-1, {mem['after_caching_batch_mb']:.0f} MB after a caching batch "
        f"({mem['caching_batch_s']:.1f} s), {mem['after_train_step_mb']:.0f} MB after a training step "
        f"through the frozen backbone ({mem['train_step_s']:.1f} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
