"""Lab 1 — Backpropagation on a computational graph: the optimizer race.

Reads like the lab sheet: Params → data → graph and initial weights → race → result. The
step-through, gradient checking and expression graphs live in :mod:`engine.graph`; this module is the
training job the GUI, the CLI and the tests share. It needs no TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.jobs import CancelToken, Emit, EpochEnded, JobCancelled, LabResult, LabSpec, LogLine, Marker
from engine.params import param

if TYPE_CHECKING:  # the registry imports this module without networkx; run() imports it lazily
    from engine.graph.race import Race

# Kept in sync with engine.graph.optimizers.OPTIMIZER_NAMES and race.EPOCH_LOSSES (a test checks); not
# imported from there so that the registry can import this module without networkx.
OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
EPOCH_LOSSES: tuple[str, ...] = ("after", "during")
#: How each epoch-loss choice reads on a plot and in a log.
EPOCH_LOSS_TITLES: dict[str, str] = {
    "after": "loss over the data after each epoch",
    "during": "running mean of the per-row losses during each epoch",
}


@dataclass(frozen=True)
class Params:
    """The race's settings. Hyper-parameter fields are named ``<optimizer>_<hyper>``; ``eps`` is shared."""

    optimizers: tuple[str, ...] = param(
        ("sgd", "momentum", "adam"),
        "Optimizers to race on the same data and initial weights.",
        choices=OPTIMIZERS,
    )
    epochs: int = param(100, "Passes over the data.", minimum=1, maximum=100_000)
    batch_size: int = param(1, "Rows per update (1 = per-sample updates, as assigned).", minimum=1)
    epoch_loss: str = param(
        "after",
        "The loss each epoch reports: after = mean loss over all rows with the weights the epoch ends "
        "with (what the assignment's notebooks plot); during = running mean of the per-row losses while "
        "the epoch updates the weights.",
        choices=EPOCH_LOSSES,
        label="epoch loss",
    )
    seed: int = param(0, "Seed of the initial weights N(0, init_std²).", minimum=0)
    init_std: float = param(0.01, "Standard deviation of the initial weights.", minimum=0.0, label="init std")
    sgd_lr: float = param(0.001, "Vanilla SGD learning rate η.", minimum=1e-12, label="SGD η")
    momentum_lr: float = param(0.001, "Momentum learning rate η.", minimum=1e-12, label="momentum η")
    momentum_mu: float = param(
        0.9, "Momentum coefficient μ.", minimum=0.0, maximum=0.9999, label="momentum μ"
    )
    nesterov_lr: float = param(0.001, "Nesterov learning rate η.", minimum=1e-12, label="Nesterov η")
    nesterov_mu: float = param(0.9, "Nesterov momentum μ.", minimum=0.0, maximum=0.9999, label="Nesterov μ")
    adagrad_lr: float = param(0.01, "Adagrad learning rate η.", minimum=1e-12, label="Adagrad η")
    rmsprop_lr: float = param(0.001, "RMSProp learning rate η.", minimum=1e-12, label="RMSProp η")
    rmsprop_rho: float = param(0.9, "RMSProp decay ρ.", minimum=0.0, maximum=0.9999, label="RMSProp ρ")
    adam_lr: float = param(0.001, "Adam learning rate η.", minimum=1e-12, label="Adam η")
    adam_beta1: float = param(0.9, "Adam β₁.", minimum=0.0, maximum=0.9999, label="Adam β₁")
    adam_beta2: float = param(0.999, "Adam β₂.", minimum=0.0, maximum=0.999999, label="Adam β₂")
    eps: float = param(1e-8, "ε of Adagrad, RMSProp and Adam.", minimum=1e-15, maximum=1.0, label="ε")
    data_path: str = param(
        "", "CSV (f1..f5,y) or NPZ (X, y) file; empty = the embedded data.", label="data file"
    )

    def validate(self) -> None:
        """Reject an optimizer listed twice (the race compares distinct optimizers)."""
        if len(set(self.optimizers)) != len(self.optimizers):
            raise ValueError(f"optimizers: each may appear once, got {', '.join(self.optimizers)}")


def optimizer_hyper(params: Params, name: str, keys: tuple[str, ...]) -> dict[str, float]:
    """The hyper-parameters of optimizer ``name`` from ``params`` (``adam_lr`` → ``lr``; ``eps`` shared)."""
    return {key: float(getattr(params, "eps" if key == "eps" else f"{name}_{key}")) for key in keys}


def run(params: Params, token: CancelToken, emit: Emit) -> LabResult:
    """Race the chosen optimizers; one EpochEnded per epoch with ``loss_<optimizer>`` for each.

    Stopped part-way, it raises :class:`JobCancelled` carrying what the completed epochs give (weights,
    losses), so the final-weights table is not left empty.
    """
    from engine.graph import assignment_graph
    from engine.graph.optimizers import make_optimizer
    from engine.graph.race import EpochLoss, Race, initial_weights
    from engine.labs.backprop import data as backprop_data

    if params.data_path:
        data = backprop_data.load(params.data_path)
    else:
        data = backprop_data.embedded(lambda text: emit(LogLine(text, "warning")))
    emit(LogLine(f"Data: {data.source}"))
    graph = assignment_graph()
    initial = initial_weights(len(graph.weights), params.seed, params.init_std)
    emit(
        LogLine(
            "Initial weights: "
            + ", ".join(f"{w}={v:.5f}" for w, v in zip(graph.weights, initial, strict=True))
        )
    )
    optimizers = []
    for name in params.optimizers:
        keys = tuple(make_optimizer(name).hyper)
        optimizer = make_optimizer(name, **optimizer_hyper(params, name, keys))
        optimizers.append(optimizer)
        emit(LogLine(f"{optimizer.rule.title}: {optimizer.rule.formula} with {_show(optimizer.hyper)}"))
    columns = {name: data.column(name) for name in graph.inputs}
    epoch_loss: EpochLoss = "after" if params.epoch_loss == "after" else "during"
    race = Race(graph, columns, optimizers, initial, batch_size=params.batch_size, epoch_loss=epoch_loss)
    path = (
        "compiled per-sample loop" if params.batch_size == 1 else f"vectorised batches of {params.batch_size}"
    )
    emit(
        LogLine(
            f"Training {len(optimizers)} optimizer(s) × {params.epochs} epochs × {data.rows} rows ({path}); "
            f"each epoch reports the {EPOCH_LOSS_TITLES[epoch_loss].removesuffix(' each epoch')}"
        )
    )

    markers: list[Marker] = []
    history: dict[str, list[float]] = {f"loss_{o.name}": [] for o in optimizers}
    try:
        for epoch in range(1, params.epochs + 1):
            losses = race.run_epoch(token.raise_if_cancelled)
            metrics = {f"loss_{name}": loss for name, loss in losses.items()}
            for key, value in metrics.items():
                history[key].append(value)
            emit(EpochEnded(epoch, metrics, params.epochs))
            for name, lane in race.lanes.items():
                if lane.diverged_at == epoch:
                    marker = Marker(epoch, "diverged", f"{name} diverged (loss overflowed): try a smaller η")
                    markers.append(marker)
                    emit(marker)
        token.raise_if_cancelled()
    except JobCancelled:
        raise JobCancelled(_result(race, params, data, history, tuple(markers))) from None

    # Diverged markers went out live with their epoch; the summary is known only now. Both the
    # summary's emission and the result list run in epoch order (lane order is not epoch order).
    summary = _summary_markers(race, params.epochs)
    for marker in summary:
        emit(marker)
    markers = sorted([*markers, *summary], key=lambda marker: marker.epoch)  # stable: ties keep order
    return _result(race, params, data, history, tuple(markers))


def _result(
    race: Race, params: Params, data: Any, history: dict[str, list[float]], markers: tuple[Marker, ...]
) -> LabResult:
    """The race's result after ``race.epochs_done`` completed epochs (all of them, or up to a Stop)."""
    final = {name: lane.losses[-1] if lane.losses else math.nan for name, lane in race.lanes.items()}
    extra: dict[str, Any] = {
        "weight_names": list(race.graph.weights),
        "initial_weights": race.initial_weights,
        "final_weights": race.weights(),
        "optimizers": {
            name: {
                "title": lane.optimizer.rule.title,
                "formula": lane.optimizer.rule.formula,
                **lane.optimizer.hyper,
            }
            for name, lane in race.lanes.items()
        },
        "diverged_at": {name: lane.diverged_at for name, lane in race.lanes.items()},
        "data": {"source": data.source, "rows": data.rows},
        "epochs_done": race.epochs_done,
        "epochs": params.epochs,
        "epoch_loss": race.epoch_loss,
    }
    done = race.epochs_done
    return LabResult(
        history={key: values[:done] for key, values in history.items()},
        markers=markers,
        test={f"loss_{name}": loss for name, loss in final.items()},
        extra=extra,
    )


def _summary_markers(race: Race, epochs: int) -> list[Marker]:
    """Where each optimizer first came within 1.5× of the best final loss, and who ends lowest.

    Returns:
        The markers in epoch order ("faster" made visible: the earlier, the faster).
    """
    finals = {name: lane.losses[-1] for name, lane in race.lanes.items()}
    finite = {name: loss for name, loss in finals.items() if math.isfinite(loss)}
    if not finite:
        return []
    best = min(finite, key=finite.__getitem__)
    target = 1.5 * finite[best]
    markers = []
    for name, lane in race.lanes.items():
        reached = next((e for e, loss in enumerate(lane.losses, start=1) if loss <= target), None)
        if reached is not None:
            markers.append(Marker(reached, "reached", f"{name} reaches loss {target:.4g} (1.5× best)"))
    markers.append(Marker(epochs, "best", f"{best} ends lowest: loss {finite[best]:.4g}"))
    return sorted(markers, key=lambda marker: marker.epoch)


def _show(hyper: Any) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in hyper.items())


LAB = LabSpec(
    id="backprop",
    title="Backprop",
    summary="Step through forward and backward passes on the assignment's computational graph, check "
    "gradients numerically, and race SGD, momentum, Nesterov, Adagrad, RMSProp and Adam.",
    assignment="Backpropagation: forward/backward propagation, gradient checking, optimizers",
    params_type=Params,
    run=run,
    test_scope="Final training loss per optimizer",
    needs_tensorflow=False,
)
