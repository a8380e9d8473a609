"""What safety costs: verifying a cache entry's manifest, and ``quick_check`` when the run store opens.

1. The largest cache entry the labs write: parsed GloVe 6B.300d vectors, a 400,000 × 300 float32
   ``vectors.npy`` (480 MB) plus its tokens, written as a cache entry (:func:`engine.manifest.ensure`).
   Timed side by side, in one process: ``np.load`` of the matrix (what a cache hit costs anyway),
   :func:`engine.manifest.check` the first time in a process (SHA-256 of every byte), and again
   (the per-process memo: a stat per file). The page cache is warm for all three (the file was just
   written); a cold disk adds its read time to the first two alike.
2. The run store: ``RunStore()`` open time on stores of 100, 300 and ``BENCH_STORE_RUNS`` runs of
   100 epochs × 6 metrics, beside a bare open and ``PRAGMA quick_check`` alone; the app runs the
   check at open up to ``QUICK_CHECK_MAX_BYTES`` (8 MB) and after damage was seen.

Run: ``make bench`` (or ``python bench/manifest_verify.py``); ``BENCH_GLOVE_ROWS`` and
``BENCH_STORE_RUNS`` shrink it.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROWS = int(os.environ.get("BENCH_GLOVE_ROWS", "400000"))
WIDTH = 300
STORE_RUNS = int(os.environ.get("BENCH_STORE_RUNS", "1000"))
ROUNDS = 5


def _median(action, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_manifest(folder: Path) -> None:
    from engine import manifest

    entry = folder / "glove-entry"
    matrix = np.random.default_rng(0).normal(size=(ROWS, WIDTH)).astype(np.float32)

    def build(partial: Path) -> dict[str, int]:
        np.save(partial / "vectors.npy", matrix)
        (partial / "tokens.txt").write_text("\n".join(f"w{i}" for i in range(ROWS)), encoding="utf-8")
        return {"rows": ROWS}

    started = time.perf_counter()
    manifest.ensure(entry, build, label="bench vectors")
    written = time.perf_counter() - started
    size = sum(p.stat().st_size for p in entry.iterdir()) / 1e6

    load = _median(lambda: np.load(entry / "vectors.npy"))
    first = []
    for _ in range(ROUNDS):
        manifest._verified.clear()  # forget the memo: every byte is hashed again
        started = time.perf_counter()
        assert manifest.check(entry) is None
        first.append(time.perf_counter() - started)
    cold = statistics.median(first)
    warm = _median(lambda: manifest.check(entry))
    print(
        f"cache entry: {ROWS:,} × {WIDTH} float32 vectors + tokens = {size:.0f} MB "
        f"(written with its manifest in {written:.2f} s)"
    )
    print(f"  np.load of vectors.npy (a hit's own cost)   {load * 1e3:8.1f} ms")
    print(
        f"  manifest check, first in the process (SHA) {cold * 1e3:8.1f} ms   = {cold / load:.2f}× the load, "
        f"{size / cold:.0f} MB/s"
    )
    print(
        f"  manifest check, again (memo: stat only)    {warm * 1e3:8.3f} ms   = {warm / load:.5f}× the load"
    )


def _fill_store(path: Path, runs: int) -> float:
    """A store of ``runs`` runs × 100 epochs × 6 metrics, written in one transaction (fast)."""
    from engine.runs import RunStore

    RunStore(path).close()  # the schema
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO runs (id, lab, params, seed, status, started, ended) VALUES (?, 'bench', '{}', ?, "
            "'finished', 0, 1)",
            [(run, run) for run in range(1, runs + 1)],
        )
        db.executemany(
            "INSERT INTO metrics (run_id, epoch, name, value) VALUES (?, ?, ?, ?)",
            [
                (run, epoch, f"m{k}", 1.0 / (epoch + k))
                for run in range(1, runs + 1)
                for epoch in range(1, 101)
                for k in range(6)
            ],
        )
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path.stat().st_size / 1e6


def bench_store(folder: Path, runs: int) -> None:
    from engine import run_store_open
    from engine.runs import RunStore

    path = folder / f"runs-{runs}.sqlite"
    size = _fill_store(path, runs)

    def open_app() -> None:
        RunStore(path).close()

    def open_bare() -> None:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("SELECT count(*) FROM runs").fetchone()
        db.close()

    def quick_check_alone() -> None:
        db = sqlite3.connect(path)
        db.execute("PRAGMA quick_check").fetchall()
        db.close()

    app, bare, check = _median(open_app), _median(open_bare), _median(quick_check_alone)
    checked = size * 1e6 <= run_store_open.QUICK_CHECK_MAX_BYTES
    print(f"run store: {runs:,} runs × 100 epochs × 6 metrics = {runs * 600:,} rows, {size:.1f} MB")
    print(f"  bare open (no check)                       {bare * 1e3:8.1f} ms")
    print(
        f"  PRAGMA quick_check alone                   {check * 1e3:8.1f} ms   "
        f"= {check * 1e3 / size:.1f} ms per MB"
    )
    print(
        f"  RunStore() open (the app: quick_check {'on' if checked else 'off, above the limit'})"
        f" {app * 1e3:6.1f} ms   = {app / bare:.0f}× the bare open"
    )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="dllab-bench-") as tmp:
        os.environ["DLLAB_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ["DLLAB_DATA_DIR"] = str(Path(tmp) / "data")
        bench_manifest(Path(tmp))
        for runs in (100, 300, STORE_RUNS):
            bench_store(Path(tmp), runs)
    one, five, fifteen = os.getloadavg()
    print(f"(medians of {ROUNDS}; load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
