"""TensorFlow runtime: lazy import, seeding/determinism, device description, distribution strategy.

``import tensorflow`` costs about 5 s and 550 MB, so nothing on the path to the first window imports
it; labs call :func:`tf` / :func:`keras` inside ``run``.
"""

from __future__ import annotations

import random
import threading
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

_import_lock = threading.Lock()


def tf() -> ModuleType:
    """The ``tensorflow`` module, imported on first use (thread-safe); its C++ log lines are off by
    default (engine.native_stderr, which every first import of TensorFlow passes through)."""
    with _import_lock:
        import tensorflow

        return tensorflow


def keras() -> ModuleType:
    """The Keras 3 module that TensorFlow 2.21 ships."""
    tf()
    import keras as keras_module

    return keras_module


def is_loaded() -> bool:
    """Whether TensorFlow has been imported in this process (never triggers the import)."""
    import sys

    return "tensorflow" in sys.modules


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, numpy and TensorFlow/Keras; with ``deterministic`` also make TF ops deterministic.

    Same params + seed then give the same numbers run after run.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    # Keras seeds numpy's legacy generator too, which takes only 32 bits: a seed the params accept
    # (up to 2**63 - 1) must not fail here; seeds below 2**32 are unchanged.
    keras().utils.set_random_seed(seed % 2**32)
    if deterministic:
        tf().config.experimental.enable_op_determinism()


@cache
def device_info() -> str:
    """A short description for the status bar: ``TensorFlow 2.21.0 · CPU`` or ``… · GPU: <name>``."""
    t = tf()
    gpus = t.config.list_physical_devices("GPU")
    if not gpus:
        return f"TensorFlow {t.__version__} · CPU"
    names = []
    for gpu in gpus:
        details: dict[str, Any] = t.config.experimental.get_device_details(gpu)
        names.append(str(details.get("device_name", gpu.name)))
    return f"TensorFlow {t.__version__} · GPU: {', '.join(names)}"


def strategy() -> Any:
    """The distribution strategy labs build their models in.

    MirroredStrategy over all visible GPUs when there are two or more, else the default strategy
    (one device: the GPU if any, otherwise the CPU).
    """
    t = tf()
    gpus = t.config.list_logical_devices("GPU")
    if len(gpus) >= 2:
        return t.distribute.MirroredStrategy([g.name for g in gpus])
    return t.distribute.get_strategy()
