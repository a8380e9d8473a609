"""Imports TensorFlow on a background thread after the first paint and reports its state."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot


class TensorFlowWarmup(QObject):
    """Starts the ~5 s TensorFlow import off the GUI thread; tells the status bar when it is ready."""

    sig_state_changed = Signal(str)
    """Human-readable state: "TensorFlow: loading…", "TensorFlow 2.21.0 · CPU", or an error."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = "TensorFlow: not loaded"
        self._thread: threading.Thread | None = None
        self.sig_state_changed.connect(self._remember)

    def start(self) -> None:
        """Begin the import (once)."""
        if self._thread is not None:
            return
        self.sig_state_changed.emit("TensorFlow: loading…")
        self._thread = threading.Thread(target=self._load, name="tf-warmup", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            from engine import tfrt

            text = tfrt.device_info()
        except Exception as exc:  # a broken install must not take the app down
            text = f"TensorFlow unavailable: {type(exc).__name__}: {exc}"
        # Emitted from a Python thread: delivered queued to the receivers in the GUI thread.
        self.sig_state_changed.emit(text)

    @Slot(str)
    def _remember(self, text: str) -> None:
        self.state = text

    def wait(self, timeout: float | None = None) -> None:
        """Block until the import finished (tests and shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)
