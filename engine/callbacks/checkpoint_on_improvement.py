"""CheckpointOnImprovement: save the model at every epoch whose validation accuracy improved."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engine.callbacks.monitor_callback import MonitorCallback
from engine.jobs import ArtifactSaved, Emit


class CheckpointOnImprovement(MonitorCallback):
    """Saves a ``.keras`` file named with the epoch and the monitored value when it improved.

    Keras's ``ModelCheckpoint(save_best_only=True)`` follows the same rule, but it writes in place
    (a crash mid-write leaves a corrupt "best" file) and tells nobody; this one writes to a
    temporary name in the same folder and renames it (atomic on one file system), and reports each
    save as a ``checkpoint`` marker and an :class:`~engine.jobs.ArtifactSaved` event.

    Args:
        directory: Folder for the checkpoints (created if missing).
        monitor: Epoch log key to watch. Defaults to ``"val_accuracy"``.
        mode: ``"max"`` or ``"min"``. Defaults to ``"max"``.
        min_delta: Smallest change that counts as an improvement. Defaults to 0.0.
        emit: Event sink. Defaults to discarding events.

    Example:
        ``CheckpointOnImprovement("runs/ckpt")`` writes ``epoch003-val_accuracy0.6512.keras``.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        monitor: str = "val_accuracy",
        mode: str = "max",
        min_delta: float = 0.0,
        emit: Emit | None = None,
    ) -> None:
        super().__init__(monitor, mode, min_delta, emit)
        self.directory = Path(directory)
        self.saved: list[Path] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.saved = []

    @property
    def best_path(self) -> Path | None:
        """The last file saved (the best so far), or None."""
        return self.saved[-1] if self.saved else None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = self.current(logs)
        previous = self.best
        if not self.update_best(current, epoch + 1):
            return
        path = self.directory / f"epoch{epoch + 1:03d}-{self.monitor}{current:.4f}.keras"
        self.save_atomically(path)
        self.saved.append(path)
        before = "first epoch" if previous is None else f"{previous:.4f}→{current:.4f}"
        self.mark(epoch + 1, "checkpoint", f"{self.monitor} improved ({before}); saved {path.name}")
        self.emit(ArtifactSaved(f"checkpoint epoch {epoch + 1}", str(path)))

    def save_atomically(self, path: Path) -> None:
        """Save the model to ``path`` through a temporary file in the same folder."""
        self.directory.mkdir(parents=True, exist_ok=True)
        # Keras picks the format from the extension, so the temporary name must end in .keras too.
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        try:
            self.model.save(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
