"""Training overhead of the callbacks lab's job: samples/s of ``fit_with_events`` (event streaming +
cancellation only) against a plain ``model.fit`` on the same model and data, measured in one run, and
the cost of the NaN guard alone and of switching on every lab callback (F1/AUC, layer stats,
checkpoint, LR decay, NaN guard, early stopping with a patience that never fires, TensorBoard).

The variants are interleaved round by round on ONE compiled model (same traced train function) and the
best round of each is kept, so a burst of other work on the machine hurts all variants alike. Wall-clock
samples/s decide PASS/FAIL; samples per CPU-second of this process are printed beside them because
they barely move when other processes compete for the cores (the load average is printed too).
Prints samples/s per variant, the ratios and PASS/FAIL for events/plain ≥ 0.95. Run: ``make bench``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
EPOCHS = int(os.environ.get("BENCH_EPOCHS", "2"))
BATCH = 32
TARGET_RATIO = 0.95


def main() -> int:
    from engine import tfrt
    from engine.callbacks.terminate_on_non_finite import WEIGHT_CHECK_EVERY, TerminateOnNonFinite
    from engine.jobs import CancelToken
    from engine.keras_fit import fit_with_events
    from engine.labs.callbacks import Params
    from engine.labs.callbacks.data import generate_rings, stratified_split
    from engine.labs.callbacks.models import build_dense_model
    from engine.labs.callbacks.setup import LabCallbacks

    tfrt.seed_everything(0)
    x, y = generate_rings()
    x_train, y_train, x_val, y_val = stratified_split(x, y, 0.25, seed=0)
    params = Params(patience=1000)  # every callback on; early stopping watches but never stops
    model = build_dense_model(params.config(), seed=0)
    fit_args: dict[str, Any] = {"validation_data": (x_val, y_val), "batch_size": BATCH}
    steps = -(-len(y_train) // BATCH)
    folder = Path(tempfile.mkdtemp(prefix="dllab-bench-"))
    events = [0]

    def count(event: Any) -> None:
        events[0] += 1

    def plain() -> None:
        model.fit(x_train, y_train, epochs=EPOCHS, verbose=0, **fit_args)

    def streamed(callbacks: Callable[[], list[Any]] = list) -> Callable[[], None]:
        def fit() -> None:
            fit_with_events(
                model,
                x_train,
                y_train,
                token=CancelToken(),
                emit=count,
                epochs=EPOCHS,
                steps_per_epoch=steps,
                callbacks=callbacks(),  # fresh instances per fit, as a lab run makes them
                **fit_args,
            )

        return fit

    def every_lab_callback() -> list[Any]:
        return LabCallbacks(params, folder, x_train, y_train, x_val, y_val, count).callbacks

    variants = {
        "plain model.fit": plain,
        "fit_with_events": streamed(),
        "+ NaN guard only": streamed(lambda: [TerminateOnNonFinite()]),
        "every lab callback": streamed(every_lab_callback),
    }
    model.fit(x_train[: BATCH * 4], y_train[: BATCH * 4], epochs=1, verbose=0, **fit_args)  # trace once
    best = dict.fromkeys(variants, 0.0)
    best_cpu = dict.fromkeys(variants, 0.0)
    for _ in range(ROUNDS):
        for name, fit in variants.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fit()
            samples = EPOCHS * len(y_train)
            best[name] = max(best[name], samples / (time.perf_counter() - start))
            best_cpu[name] = max(best_cpu[name], samples / (time.process_time() - start_cpu))

    print(f"Model-3, {len(y_train)} rows, batch {BATCH}, {EPOCHS} epochs a fit, best of {ROUNDS} rounds")
    print(f"load average (1 min) during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, rate in best.items():
        print(f"{name:20} {rate:9.0f} samples/s   {best_cpu[name]:9.0f} samples per CPU-second")
    cpu_ratio = best_cpu["fit_with_events"] / best_cpu["plain model.fit"]
    print(f"fit_with_events / plain per CPU-second: {cpu_ratio:.3f}")
    ratio = best["fit_with_events"] / best["plain model.fit"]
    full = best["every lab callback"] / best["plain model.fit"]
    print(f"fit_with_events / plain: {ratio:.3f}")
    guard = best["+ NaN guard only"] / best["fit_with_events"]
    guard_cpu = best_cpu["+ NaN guard only"] / best_cpu["fit_with_events"]
    full_cpu = best_cpu["every lab callback"] / best_cpu["plain model.fit"]
    print(
        f"NaN guard (loss every batch, weights every {WEIGHT_CHECK_EVERY} batches and at epoch end) / "
        f"fit_with_events: {guard:.3f} ({guard_cpu:.3f} per CPU-second)"
    )
    print(
        f"every lab callback / plain: {full:.3f} ({full_cpu:.3f} per CPU-second; each epoch adds F1/AUC "
        "predictions, gradient stats, a checkpoint on improvement, TensorBoard writes)"
    )
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    kept = f"streaming + cancel keeps {ratio:.1%} of plain fit's samples/s"
    print(f"{verdict}: {kept} (target ≥ {TARGET_RATIO:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
