"""A tiny numpy "lab" for testing the foundation (runner, store, CLI, GUI) without TensorFlow."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from engine.jobs import CancelToken, Emit, EpochEnded, LabResult, LabSpec, Marker
from engine.params import param


@dataclass(frozen=True)
class CounterParams:
    epochs: int = param(3, "epochs", minimum=1, maximum=1000)
    seed: int = param(0, "seed")
    step_seconds: float = param(0.0, "sleep per step", minimum=0.0)
    steps_per_epoch: int = param(5, "steps per epoch", minimum=1)
    fail_at_epoch: int = param(0, "raise ValueError at this epoch (0 = never)", minimum=0)
    kill_at_epoch: int = param(0, "os._exit at this epoch (0 = never), simulating a crash", minimum=0)
    mode: str = param("up", "direction", choices=("up", "down"))


def run_counter(params: CounterParams, token: CancelToken, emit: Emit) -> LabResult:
    losses: list[float] = []
    for epoch in range(1, params.epochs + 1):
        if params.kill_at_epoch == epoch:
            os._exit(9)
        for _ in range(params.steps_per_epoch):
            token.raise_if_cancelled()
            time.sleep(params.step_seconds)
        if params.fail_at_epoch == epoch:
            raise ValueError(f"data.csv, row {epoch}: not a number")
        loss = 1.0 / (epoch + params.seed) if params.mode == "up" else float(epoch)
        losses.append(loss)
        emit(EpochEnded(epoch, {"loss": loss, "val_loss": loss * 1.1}, params.epochs))
        if epoch == 2:
            emit(Marker(epoch, "checkpoint", "val_loss improved"))
    return LabResult(
        history={"loss": losses},
        markers=(Marker(2, "checkpoint", "val_loss improved"),),
        test={"loss": losses[-1]},
        extra={"note": "fake"},
    )


FAKE_LAB = LabSpec(
    id="counter",
    title="Counter",
    summary="Counts epochs for tests.",
    assignment="none",
    params_type=CounterParams,
    run=run_counter,
    needs_tensorflow=False,
)
