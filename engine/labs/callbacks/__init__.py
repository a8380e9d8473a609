"""Lab 2 — Keras callbacks: Model-1…4 on the noisy-rings data with the assignment's six callbacks.

Reads like the lab sheet: Params (model preset + every field editable + callback toggles) → data
(embedded rings or the user's CSV, stratified split) → model → callbacks → fit → results. TensorFlow
is imported only inside :func:`run`.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.jobs import BatchProgress, CancelToken, Emit, LabResult, LabSpec, LogLine
from engine.labs.callbacks.models import (
    ACTIVATIONS,
    DEFAULT_WIDTHS,
    INITIALIZERS,
    OPTIMIZERS,
    DenseConfig,
    preset,
)
from engine.params import check_memory, param
from engine.safe_files import clip

AUTO = "auto"
MAX_LAYERS = 10
#: Widest hidden layer: the rings are two numbers per sample; 4096 units is far past useful.
MAX_WIDTH = 4096


@dataclass(frozen=True)
class LayerStatsRecorded:
    """An epoch's per-layer weight/gradient histograms and gradient norms, as plain data.

    Emitted after each epoch (before its :class:`~engine.jobs.EpochEnded`) so the histogram and
    gradient-norm views update live; ``layers`` holds one :class:`~engine.callbacks.layer_stats.LayerStats`
    layer record each (``name``, ``weights``/``gradients`` ``{"edges", "counts", "non_finite"}``,
    ``weight_norm``, ``grad_norm``, ``flag``). Defined here, not beside the callback, because the GUI
    imports it and must not import Keras.
    """

    epoch: int
    layers: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Params:
    """The callbacks lab's settings ("auto" takes the chosen model's preset)."""

    model: int = param(
        3, "Assignment model 1–4; fills activation, initializer and optimizer", minimum=1, maximum=4
    )
    activation: str = param(AUTO, "Hidden-layer activation", choices=(AUTO, *ACTIVATIONS))
    initializer: str = param(AUTO, "Kernel initializer of every layer", choices=(AUTO, *INITIALIZERS))
    optimizer: str = param(AUTO, "Optimizer", choices=(AUTO, *OPTIMIZERS))
    widths: tuple[int, ...] = param(DEFAULT_WIDTHS, "Units of each hidden layer, comma-separated")
    learning_rate: float = param(0.01, "Initial learning rate", minimum=1e-6, maximum=10.0)
    momentum: float = param(0.9, "Momentum of SGD with momentum", minimum=0.0, maximum=0.999)
    epochs: int = param(20, "Most epochs to train (early stopping may end sooner)", minimum=1, maximum=1000)
    batch_size: int = param(32, "Samples per gradient step", minimum=1, maximum=8192)
    seed: int = param(0, "Seed of the data split, the initial weights and the shuffling", minimum=0)
    data_path: str = param("", "CSV with columns f1, f2, label; empty uses the embedded rings data")
    val_fraction: float = param(
        0.25, "Share of each class held out for validation", minimum=0.05, maximum=0.5
    )
    f1_auc: bool = param(True, "Compute validation micro-F1 and AUC after each epoch", label="F1 + AUC")
    checkpoint: bool = param(True, "Save the model when validation accuracy improved")
    lr_decay: bool = param(True, "×0.9 when val accuracy fell, ×0.95 every 3rd epoch", label="LR decay")
    nan_guard: bool = param(
        True,
        "Stop when the loss (checked every batch) or any weight (every 16th batch and each epoch end) "
        "becomes NaN/inf",
        label="NaN guard",
    )
    early_stopping: bool = param(True, "Stop when val accuracy has not improved for `patience` epochs")
    patience: int = param(2, "Epochs without improvement before early stopping", minimum=1, maximum=100)
    tensorboard: bool = param(
        True, "Write TensorBoard logs (scalars, weight and gradient histograms)", label="TensorBoard"
    )
    layer_stats: bool = param(True, "Per-layer weight/gradient histograms and gradient norms each epoch")
    output_dir: str = param("", "Folder for checkpoints and logs; empty makes a new one per run")

    def __post_init__(self) -> None:
        # The params system hands list fields over as strings ("32", "16", ...); keep the numbers, so
        # the run's params (store, CLI JSON) say widths [32, 32, 16, 16, 8]. A bad entry is left as
        # given for validate() to name.
        with contextlib.suppress(TypeError, ValueError):
            object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))

    def validate(self) -> None:
        """Check the widths (the only field whose type cannot say it all)."""
        self.layer_widths()

    def layer_widths(self) -> tuple[int, ...]:
        """``widths`` as numbers.

        Raises:
            ValueError: Not 1–10 positive whole numbers.
        """
        given = ",".join(map(str, self.widths))
        try:
            widths = tuple(int(w) for w in self.widths)
        except (TypeError, ValueError):
            raise ValueError(f"widths: expected whole numbers like 32,32,16,16,8, got {given}") from None
        if not 1 <= len(widths) <= MAX_LAYERS or min(widths) < 1:
            raise ValueError(
                f"widths: expected 1 to {MAX_LAYERS} positive layer sizes, got {clip(given, 80)}"
            )
        if max(widths) > MAX_WIDTH:
            raise ValueError(f"widths: {max(widths):,} units is more than {MAX_WIDTH:,} in one layer")
        sizes = (2, *widths, 1)
        weights = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
        # Weights, gradients and two optimizer slots (Adam), in float32.
        check_memory(f"a model with widths {clip(given, 80)}", 16 * weights, "Use narrower layers.")
        return widths

    def config(self) -> DenseConfig:
        """The model these settings describe, with "auto" fields taken from the model's preset."""
        chosen = preset(self.model)
        return DenseConfig(
            widths=self.layer_widths(),
            activation=chosen.activation if self.activation == AUTO else self.activation,
            initializer=chosen.initializer if self.initializer == AUTO else self.initializer,
            optimizer=chosen.optimizer if self.optimizer == AUTO else self.optimizer,
            learning_rate=self.learning_rate,
            momentum=self.momentum,
        )


def load_data(params: Params, emit: Emit) -> tuple[Any, Any, str]:
    """The rings data ``(x, y, description)``: the user's CSV or the embedded default."""
    from engine.labs.callbacks import data as rings

    path = (
        Path(params.data_path)
        if params.data_path
        else rings.default_csv(note=lambda text: emit(LogLine(text, "warning")))
    )
    x, y = rings.load_csv(path)
    source = str(path) if params.data_path else f"embedded rings data ({path.name})"
    emit(LogLine(f"data: {source}: {len(y)} rows, {int(y.sum())} of class 1"))
    return x, y, source


def output_folder(params: Params) -> Path:
    """Where this run writes checkpoints and TensorBoard logs."""
    from engine.paths import data_dir

    if params.output_dir:
        folder = Path(params.output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    base = data_dir() / "callbacks"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"model{params.model}-seed{params.seed}-", dir=base))


def run(params: Params, token: CancelToken, emit: Emit) -> LabResult:
    """Train the chosen model with the chosen callbacks; see ``resources/labs/callbacks/about.md``."""
    from engine.labs.callbacks.data import stratified_split

    # The data first: a bad CSV is reported at once, not after the ~5 s TensorFlow import below.
    x, y, source = load_data(params, emit)
    x_train, y_train, x_val, y_val = stratified_split(x, y, params.val_fraction, params.seed)
    config = params.config()

    from engine import tfrt
    from engine.keras_fit import fit_with_events
    from engine.labs.callbacks.models import build_dense_model
    from engine.labs.callbacks.setup import LabCallbacks  # imports Keras
    from engine.model_diagram import describe_model

    tfrt.seed_everything(params.seed)
    emit(LogLine(f"Model-{params.model}: {config.activation}, {config.initializer}, {config.optimizer}"))
    model = build_dense_model(config, params.seed)
    folder = output_folder(params)
    first_batch: dict[str, float] = {}

    def watch(event: Any) -> None:
        # The first batch event always passes the throttle; its loss is that of batch 1 alone.
        if isinstance(event, BatchProgress) and not first_batch and "loss" in event.metrics:
            first_batch["loss"] = event.metrics["loss"]
        emit(event)

    parts = LabCallbacks(params, folder, x_train, y_train, x_val, y_val, watch)
    history = fit_with_events(
        model,
        x_train,
        y_train,
        token=token,
        emit=watch,
        epochs=params.epochs,
        steps_per_epoch=math.ceil(len(y_train) / params.batch_size),
        callbacks=parts.callbacks,
        validation_data=(x_val, y_val),
        batch_size=params.batch_size,
    )
    hist = {k: [float(v) for v in values] for k, values in history.history.items()}
    return LabResult(
        history=hist,
        markers=tuple(parts.markers()),
        test=final_numbers(hist),
        artifacts=parts.artifacts(),
        extra={
            "model": {"number": params.model, "note": preset(params.model).note, **config.__dict__},
            "data": {"source": source, "rows": len(y), "train": len(y_train), "validation": len(y_val)},
            "epochs_run": len(hist.get("loss", [])),
            "first_batch_loss": first_batch.get("loss", float("nan")),
            "stopped": parts.stopped(),
            "layer_stats": parts.layer_records(),
            "model_diagram": describe_model(model),
            "output_dir": str(folder),
        },
    )


def final_numbers(history: dict[str, list[float]]) -> dict[str, float]:
    """The last epoch's validation numbers and the best validation accuracy (metrics only)."""
    numbers = {
        k: values[-1]
        for k, values in history.items()
        if values and (k.startswith("val_") or k in ("f1", "auc"))
    }
    val_acc = history.get("val_accuracy", [])
    if val_acc:
        numbers["best_val_accuracy"] = max(val_acc)
    if "f1" in history and val_acc:
        numbers["max_abs_f1_minus_val_accuracy"] = max(
            abs(f - a) for f, a in zip(history["f1"], val_acc, strict=True)
        )
    return numbers


def latest_run_per_model(runs: Any) -> dict[int, int]:
    """For the "compare models" view: the newest finished run id of each model number.

    Args:
        runs: Run summaries of this lab, newest first (``RunStore.runs("callbacks")``); each has
            ``id``, ``status`` and ``params``.
    """
    chosen: dict[int, int] = {}
    for summary in runs:
        model = summary.params.get("model")
        if summary.status == "finished" and isinstance(model, int) and model not in chosen:
            chosen[model] = summary.id
    return dict(sorted(chosen.items()))


LAB = LabSpec(
    id="callbacks",
    title="Keras callbacks",
    summary="Model-1…4 on two noisy rings with checkpoints, two-rule LR decay, NaN guard, early stopping, "
    "F1/AUC and TensorBoard, with weight and gradient histograms per layer.",
    assignment="Lab 2 — Keras callbacks (data.csv, Model-1…4)",
    params_type=Params,
    run=run,
    test_scope="Validation split, end of training",
)
