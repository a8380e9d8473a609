"""The Runs page's README pictures, from real runs: three Keras-callbacks models trained for a few
epochs into a throw-away run store (never the user's), named and compared, one of them annotated
with a note written from its own numbers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from engine import params as params_module
from engine.jobs import CancelToken
from engine.runner import execute
from engine.runs import RunStore

if TYPE_CHECKING:
    from gui.runs_page import RunsPage

#: (settings, name) of the compared runs; few epochs keep ``make screenshots`` short.
RUNS = (
    ({"model": 1}, "Model-1 baseline"),
    ({"model": 3}, "Model-3 he_uniform"),
    ({"model": 4, "learning_rate": 0.003}, "Model-4 Adam, lr 0.003"),
)
EPOCHS = 8


def demo_store() -> RunStore:
    """A run store in a new temporary folder holding the three runs, named."""
    from engine.labs import LABS

    spec = LABS["callbacks"]
    store = RunStore(Path(tempfile.mkdtemp(prefix="dllab-runs-screenshot-")) / "runs.sqlite")
    for settings, name in RUNS:
        params = params_module.build(spec.params_type, {**settings, "epochs": EPOCHS})
        execute(spec, params, CancelToken(), lambda event: None, store, name=name)
    return store


def annotate(store: RunStore, run_id: int) -> None:
    """A note such as a learner writes, with the run's own numbers."""
    history = store.history(run_id)
    accuracy = [value for _, value in history.get("val_accuracy", [])]
    best = max(accuracy) if accuracy else float("nan")
    epochs = len(accuracy)
    store.set_label(
        run_id,
        note=f"Best val accuracy {best:.3f} in {epochs} epochs: no better than guessing on two rings. "
        "Vanishing gradients with tanh and RandomUniform(0, 1)? Compare the Layers tab with Model-3's.",
    )


def prepare(page: RunsPage, view: str) -> None:
    """'compare' (or ''): the three runs selected; 'annotated': the baseline run with its note."""
    store = demo_store()
    runs = sorted(store.runs(), key=lambda s: s.id)
    annotate(store, runs[0].id)
    page.use_store(store)
    page.select_runs([runs[0].id] if view == "annotated" else [s.id for s in runs])
