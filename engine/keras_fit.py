"""One way to call ``model.fit`` from a lab: events streamed, Stop honoured, cancellation reported."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from engine.jobs import CancelToken, Emit


def fit_with_events(
    model: Any,
    x: Any,
    y: Any = None,
    *,
    token: CancelToken,
    emit: Emit,
    epochs: int,
    steps_per_epoch: int = 0,
    callbacks: Sequence[Any] = (),
    extra_metrics: Callable[[], dict[str, float]] | None = None,
    **fit_kwargs: Any,
) -> Any:
    """Run ``model.fit`` with the lab's callbacks plus event streaming and cancellation.

    Keras validates the partial epoch and runs ``on_train_end`` even after a stop, so the token is
    checked again afterwards: a cancelled job raises :class:`~engine.jobs.JobCancelled`.

    Returns:
        The Keras ``History``.
    """
    from engine.callbacks.cancel_on_request import CancelOnRequest
    from engine.callbacks.event_stream import EventStream

    # A tf.data pipeline that filters (undecodable images are dropped) has no known length, and Keras 3
    # then warns "Your input ran out of data" at the end of every first epoch although nothing is wrong:
    # Keras never gets steps_per_epoch from here (ours only sizes the progress), so an epoch is, by
    # definition, one pass over the data.
    warnings.filterwarnings("ignore", message="Your input ran out of data", category=UserWarning)
    token.raise_if_cancelled()
    stream = EventStream(emit, epochs, steps_per_epoch, extra_metrics=extra_metrics)
    all_callbacks = [CancelOnRequest(token), *callbacks, stream]
    history = model.fit(x, y, epochs=epochs, callbacks=all_callbacks, verbose=0, **fit_kwargs)
    token.raise_if_cancelled()
    return history
