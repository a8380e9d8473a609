"""How much of the CPUs *other* processes used while a timed pass ran, to tell quiet rounds from busy.

On a shared machine a median alone hides that another job ran during some passes (and PyTorch's
spinning threads suffer far more from that than TensorFlow's, which flatters us). Linux's /proc gives
the machine's busy time and each of our processes' CPU time: what is left is the others'. Elsewhere
the share is unknown (None) and no round is called quiet or busy.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy() -> int | None:
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return user + nice + system + irq + softirq + steal


def _process_cpu(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (all threads)


class OthersShare:
    """``with OthersShare([pid, ...]) as watch: ...`` then ``watch.share``: the fraction of all CPUs
    that processes other than ``pids`` kept busy meanwhile (0.0–1.0), or None where unknown."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.share: float | None = None

    def __enter__(self) -> OthersShare:
        self._busy = _machine_busy()
        self._own = sum(_process_cpu(p) for p in self.pids)
        self._wall = os.times().elapsed
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        busy = _machine_busy()
        if busy is None or self._busy is None:
            return
        others = (busy - self._busy) - (sum(_process_cpu(p) for p in self.pids) - self._own)
        capacity = (os.times().elapsed - self._wall) * _TICKS * (os.cpu_count() or 1)
        self.share = max(0.0, others / capacity) if capacity > 0 else None
