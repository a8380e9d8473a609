"""DecisionCallback: a Keras callback that reports each decision it takes as a Marker event."""

from __future__ import annotations

from typing import Any

import keras

from engine.jobs import Emit, Marker


def _ignore(event: Any) -> None:
    """The default event sink of a callback used outside a job."""


class DecisionCallback(keras.callbacks.Callback):
    """Base class of the lab's deciding callbacks (checkpoint, LR decay, early stop, NaN stop).

    Every decision becomes a :class:`~engine.jobs.Marker` sent to ``emit`` (the GUI draws it on the
    plots) and is kept in :attr:`markers`, which ``on_train_begin`` clears so an instance can be
    reused across ``fit`` calls.

    Args:
        emit: Event sink for the markers. Defaults to discarding them.
    """

    def __init__(self, emit: Emit | None = None) -> None:
        super().__init__()
        self.emit: Emit = emit or _ignore
        self.markers: list[Marker] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.markers = []

    def mark(self, epoch: int, kind: str, text: str) -> None:
        """Report a decision taken at 1-based ``epoch``."""
        marker = Marker(epoch, kind, text)
        self.markers.append(marker)
        self.emit(marker)
