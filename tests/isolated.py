"""Run a snippet in a fresh interpreter and see which heavy modules it loaded: the one helper behind
every "this import/tab must not pull in TensorFlow" test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "keras")


def loaded_after(code: str, modules: Sequence[str] = HEAVY, *, timeout: float = 180) -> list[str]:
    """Run ``code`` (at the repo root, Qt offscreen) in a new process; return which of ``modules`` it
    imported. A failing snippet fails the test with its stderr."""
    probe = f"\nimport sys, json\nprint(json.dumps([m for m in {list(modules)!r} if m in sys.modules]))\n"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code + probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))
