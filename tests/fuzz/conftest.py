"""Fuzz settings: a few hundred derandomized examples per loader in ``make test``, thousands of fresh
ones under ``make fuzz`` (``DLLAB_FUZZ_EXAMPLES``)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: Examples per loader: ``make fuzz`` sets 2000; ``make test`` runs the default.
EXAMPLES = int(os.environ.get("DLLAB_FUZZ_EXAMPLES", "150"))
_FULL = "DLLAB_FUZZ_EXAMPLES" in os.environ

settings.register_profile(
    "dllab-fuzz",
    max_examples=EXAMPLES,
    deadline=None,  # the first example of a loader pays for imports; time is bounded per test instead
    derandomize=not _FULL,  # `make test` is reproducible; `make fuzz` explores new inputs every time
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.load_profile("dllab-fuzz")
