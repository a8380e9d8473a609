"""Where the Keras labs write their TensorBoard logs and how a learner opens them (no TensorFlow here).

Every Keras lab logs each run by default into a folder of its own (a later run never adds events to an
earlier run's files) under ``<data dir>/<lab>/``; ``tensorboard --logdir`` on that lab folder lists
all of its runs side by side. The events themselves are written by
:class:`engine.callbacks.tensorboard_logger.TensorBoardLogger`.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import time
from pathlib import Path

from engine.paths import data_dir

#: The TensorBoard viewer is not a dependency (it is only needed to browse the logs): how to get it,
#: from the app's folder, and the version our logs were opened in (scalars and histograms all listed).
TENSORBOARD_INSTALL = ".venv/bin/pip install tensorboard"
TENSORBOARD_VERIFIED = "2.21.0"


def lab_log_root(lab: str) -> Path:
    """The folder holding every run's logs of ``lab`` (``tensorboard --logdir`` on it compares them)."""
    return data_dir() / lab


def run_log_dir(lab: str, label: str) -> Path:
    """A new, empty folder for one run's logs: ``<data dir>/<lab>/tensorboard/<time>-<label>-<id>``.

    The time stamp sorts runs in TensorBoard's run list; the random suffix keeps two runs started in
    the same second apart.

    Args:
        lab: The lab's id.
        label: What the run is, e.g. ``model1-seed0`` (letters, digits, ``-`` and ``_``).
    """
    base = lab_log_root(lab) / "tensorboard"
    base.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path(tempfile.mkdtemp(prefix=f"{stamp}-{label}-", dir=base))


def view_command(log_dir: str | os.PathLike[str]) -> str:
    """The command, run in the app's folder, that serves ``log_dir`` in TensorBoard."""
    return f'.venv/bin/tensorboard --logdir "{log_dir}"'


def viewer_installed() -> bool:
    """Whether the ``tensorboard`` viewer is installed beside the app (looked up, not imported)."""
    return importlib.util.find_spec("tensorboard") is not None
