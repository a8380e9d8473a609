"""The callbacks lab's callback list, built from the Params toggles (imports Keras: load lazily).

Order matters: Keras hands one logs dict to each callback in turn, so the callbacks that ADD to the
epoch logs (the learning rate, F1/AUC) come first and those that read them (checkpoint, LR decay,
early stopping, TensorBoard) after. The LR logger also must read the rate before the decay changes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.callbacks.checkpoint_on_improvement import CheckpointOnImprovement
from engine.callbacks.decision_callback import DecisionCallback
from engine.callbacks.early_stop_on_plateau import EarlyStopOnPlateau
from engine.callbacks.layer_stats import LayerStats
from engine.callbacks.learning_rate_logger import LearningRateLogger
from engine.callbacks.tensorboard_logger import TensorBoardLogger
from engine.callbacks.terminate_on_non_finite import TerminateOnNonFinite
from engine.callbacks.two_rule_lr_decay import TwoRuleLrDecay
from engine.callbacks.validation_f1_auc import ValidationF1Auc
from engine.jobs import Emit, LogLine, Marker

#: Training rows used for the per-epoch gradient statistics (enough for stable histograms).
GRADIENT_SAMPLE = 1024


class LabCallbacks:
    """The lab's callbacks for one run, and what they decided and wrote.

    Args:
        params: The lab's Params (toggles, patience).
        folder: The run's folder: ``checkpoints/`` and ``tensorboard/`` go inside.
        x_train: Training features (a sample feeds the gradient statistics).
        y_train: Training labels.
        x_val: Validation features (for F1/AUC).
        y_val: Validation labels.
        emit: The job's event sink.
    """

    def __init__(
        self,
        params: Any,
        folder: Path,
        x_train: np.ndarray,
        y_train: np.ndarray,
        x_val: np.ndarray,
        y_val: np.ndarray,
        emit: Emit,
    ) -> None:
        self.checkpoint_dir = folder / "checkpoints"
        self.log_dir = folder / "tensorboard"
        self.callbacks: list[Any] = [LearningRateLogger()]
        if params.f1_auc:
            self.callbacks.append(ValidationF1Auc(x_val, y_val, emit=emit))
        self.stats: LayerStats | None = None
        if params.layer_stats or params.tensorboard:
            n = min(GRADIENT_SAMPLE, len(y_train))
            reporter = _stats_reporter(emit) if params.layer_stats else None  # else only for TensorBoard
            self.stats = LayerStats(x_train[:n], y_train[:n], on_record=reporter)
            self.callbacks.append(self.stats)
        self.checkpoint = (
            CheckpointOnImprovement(self.checkpoint_dir, emit=emit) if params.checkpoint else None
        )
        self.deciders: list[DecisionCallback] = [
            callback
            for callback in (
                self.checkpoint,
                TwoRuleLrDecay(emit=emit) if params.lr_decay else None,
                TerminateOnNonFinite(emit=emit) if params.nan_guard else None,
                EarlyStopOnPlateau(params.patience, emit=emit) if params.early_stopping else None,
            )
            if callback is not None
        ]
        self.callbacks.extend(self.deciders)
        if params.tensorboard:
            self.callbacks.append(TensorBoardLogger(self.log_dir, self.stats))
        self.keep_layer_stats = bool(params.layer_stats)

    def markers(self) -> list[Marker]:
        """Every decision of the run, by epoch (stable within an epoch: callback order)."""
        return sorted((m for c in self.deciders for m in c.markers), key=lambda m: m.epoch)

    def stopped(self) -> dict[str, Any]:
        """Why training ended early: ``{"kind": "nan_stop"|"early_stop"|"", "epoch": n, "text": ...}``."""
        for marker in self.markers():
            if marker.kind in ("nan_stop", "early_stop"):
                return {"kind": marker.kind, "epoch": marker.epoch, "text": marker.text}
        return {"kind": "", "epoch": 0, "text": ""}

    def artifacts(self) -> dict[str, str]:
        """Files written: the best checkpoint and the TensorBoard log dir."""
        found: dict[str, str] = {}
        if self.checkpoint is not None and self.checkpoint.best_path is not None:
            found["best_checkpoint"] = str(self.checkpoint.best_path)
        if any(isinstance(c, TensorBoardLogger) for c in self.callbacks):
            found["tensorboard"] = str(self.log_dir)
        return found

    def layer_records(self) -> list[dict[str, Any]]:
        """Per-epoch per-layer histograms and gradient norms (empty when that toggle is off)."""
        return list(self.stats.records) if self.stats is not None and self.keep_layer_stats else []


def _stats_reporter(emit: Emit) -> Any:
    """Emits each epoch's layer statistics and logs the layers whose gradient norm is flagged."""
    from engine.labs.callbacks import LayerStatsRecorded

    def report(record: dict[str, Any]) -> None:
        emit(LayerStatsRecorded(record["epoch"], tuple(record["layers"])))
        flagged = [
            f"{layer['name']} no gradient (exactly 0)"
            if layer["flag"] == "zero"
            else f"{layer['name']} {layer['flag']} ({layer['grad_norm']:.3g})"
            for layer in record["layers"]
            if layer["flag"] != "ok"
        ]
        if flagged:
            emit(LogLine(f"epoch {record['epoch']}: gradient norms flagged: {', '.join(flagged)}", "warning"))

    return report
