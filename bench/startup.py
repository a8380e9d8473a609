"""Startup: median wall time from launching the app to its first painted window, and, in the same run,
the time of ``python -c "import tensorflow"`` — the cost the app keeps off its first paint.

Prints both medians, their ratio, and PASS/FAIL against the 1.5 s target. Run: ``make bench``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TARGET_SECONDS = 1.5

FIRST_PAINT = """
import sys
from gui.app import make_application
app = make_application()
from gui.main_window import MainWindow
window = MainWindow(warm_tensorflow=False)
window.show()
while window.first_paint_time is None:
    app.processEvents()
print("painted", flush=True)
"""


def time_command(code: str, env: dict[str, str]) -> float:
    """Seconds from process launch until it exits (the snippet exits right after its milestone)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _list(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DLLAB_DATA_DIR=tmp, DLLAB_CACHE_DIR=tmp, TF_CPP_MIN_LOG_LEVEL="2")
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        paint, tf_import = [], []
        for _ in range(RUNS):  # interleaved, so machine noise hits both alike
            paint.append(time_command(FIRST_PAINT, env))
            tf_import.append(time_command("import tensorflow", env))
    paint_median, tf_median = statistics.median(paint), statistics.median(tf_import)
    print(f"first painted window: median {paint_median:.3f} s over {RUNS} runs ({_list(paint)})")
    print(f"import tensorflow:    median {tf_median:.3f} s over {RUNS} runs ({_list(tf_import)})")
    print(f"ratio first paint / import tensorflow: {paint_median / tf_median:.2f}")
    verdict = "PASS" if paint_median <= TARGET_SECONDS else "FAIL"
    print(f"{verdict}: first paint median {paint_median:.2f} s (target ≤ {TARGET_SECONDS} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
