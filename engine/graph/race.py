"""The optimizer race: several optimizers trained side by side, same data, same initial weights.

Batch size 1 (as the assignment asks) runs the compiled per-sample loop on plain floats; larger
batches run the vectorised gradient on numpy slices and the vectorised update. Rows are visited in
file order every epoch, so a race is a pure function of its inputs (bit-for-bit reproducible).

An epoch's loss is either the mean of the per-row losses seen *during* the epoch, while the weights
change (free: the updates compute them anyway), or the mean loss over all rows *after* the epoch, with
its final weights (what the assignment's notebooks commonly plot; one vectorised pass per epoch).
An epoch is all-or-nothing: stopped part-way, every lane is put back to the last completed epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from engine.graph.codegen import CompiledGradient, EpochFunction, compile_epoch
from engine.graph.graph import Graph
from engine.graph.optimizers import Optimizer

#: Which loss an epoch reports: the running mean ``during`` it, or the data's loss ``after`` it.
EpochLoss = Literal["during", "after"]
EPOCH_LOSSES: tuple[EpochLoss, ...] = ("during", "after")


def initial_weights(count: int, seed: int, std: float = 0.01) -> list[float]:
    """The race's starting weights: ``count`` draws from N(0, std²) with numpy's default generator.

    One source of truth for the lab's ``run`` and any view that previews "seed S's starting point".
    """
    return np.random.default_rng(seed).normal(0.0, std, count).tolist()


@dataclass
class Lane:
    """One optimizer's state in the race."""

    optimizer: Optimizer
    weights: list[float]
    slots: dict[str, list[float]]
    steps: int = 0
    diverged_at: int | None = None  # the epoch whose updates overflowed
    losses: list[float] = field(default_factory=list)
    epoch_fn: EpochFunction | None = None


class Race:
    """Train several optimizers on one graph, one epoch at a time.

    Args:
        graph: A graph whose output is a per-row loss (e.g. :func:`engine.graph.assignment_graph`).
        columns: One array per graph input (features and target), all of the same length.
        optimizers: The contestants; names must be distinct.
        initial_weights: One value per ``graph.weights``, shared by every contestant.
        batch_size: Rows per update. Defaults to 1 (per-sample updates).
        epoch_loss: ``during`` (the running mean of the losses seen while the epoch updates the
            weights) or ``after`` (the mean loss over all rows with the weights the epoch ends with).
            Defaults to ``during``.
    """

    def __init__(
        self,
        graph: Graph,
        columns: Mapping[str, np.ndarray],
        optimizers: Sequence[Optimizer],
        initial_weights: Sequence[float],
        batch_size: int = 1,
        epoch_loss: EpochLoss = "during",
    ) -> None:
        names = [o.name for o in optimizers]
        if len(set(names)) != len(names):
            raise ValueError(f"each optimizer may race once; got {', '.join(names)}")
        if len(initial_weights) != len(graph.weights):
            raise ValueError(f"expected {len(graph.weights)} initial weights, got {len(initial_weights)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if epoch_loss not in EPOCH_LOSSES:
            raise ValueError(f"epoch_loss must be one of {', '.join(EPOCH_LOSSES)}, got {epoch_loss!r}")
        if not graph.weights:
            raise ValueError("the graph has no weights to train")
        self.graph = graph
        self.batch_size = batch_size
        self.epoch_loss = epoch_loss
        self.columns = {name: np.asarray(columns[name], dtype=np.float64) for name in graph.inputs}
        self.rows = len(next(iter(self.columns.values())))
        self.epochs_done = 0
        self.initial_weights = [float(w) for w in initial_weights]
        self.lanes = {
            o.name: Lane(o, list(self.initial_weights), {s: [0.0] * len(graph.weights) for s in o.rule.slots})
            for o in optimizers
        }
        if batch_size == 1:
            self._row_tuples = list(zip(*(self.columns[n].tolist() for n in graph.inputs), strict=True))
            for lane in self.lanes.values():
                lane.epoch_fn = compile_epoch(graph, lane.optimizer)
        else:
            self._gradient = CompiledGradient(graph, graph.weights)
        self._loss_only = CompiledGradient(graph, wrt=()) if epoch_loss == "after" else None

    def run_epoch(self, check: Callable[[], None] = lambda: None) -> dict[str, float]:
        """Run one epoch for every optimizer; returns each one's epoch loss (NaN once diverged).

        Args:
            check: Called once per update; raise from it to stop (e.g. ``token.raise_if_cancelled``).
                Whatever it raises leaves every lane as it was after the last completed epoch.
        """
        saved, done = {name: _save(lane) for name, lane in self.lanes.items()}, self.epochs_done
        try:
            return self._run_epoch(check)
        except BaseException:
            for name, lane in self.lanes.items():
                _restore(lane, saved[name])
            self.epochs_done = done
            raise

    def _run_epoch(self, check: Callable[[], None]) -> dict[str, float]:
        self.epochs_done += 1
        result = {}
        for name, lane in self.lanes.items():
            if lane.diverged_at is None:
                try:
                    loss = self._epoch(lane, check)
                except (ArithmeticError, ValueError):  # math overflow / domain error: the lane diverged
                    loss = math.nan
                if not math.isfinite(loss):
                    lane.diverged_at = self.epochs_done
                    loss = math.nan
            else:
                loss = math.nan
            lane.losses.append(loss)
            result[name] = loss
        return result

    def _epoch(self, lane: Lane, check: Callable[[], None]) -> float:
        if lane.epoch_fn is not None:
            total, weights, slots, steps = lane.epoch_fn(
                self._row_tuples, lane.weights, lane.slots, lane.steps, check
            )
        else:
            total, weights, slots, steps = self._batched_epoch(lane, check)
        if not all(math.isfinite(w) for w in weights):
            return math.nan  # keep the last finite weights for the table
        lane.weights, lane.slots, lane.steps = weights, slots, steps
        if self._loss_only is not None:
            return self.data_loss(weights)
        return float(total) / self.rows

    def data_loss(self, weights: Sequence[float]) -> float:
        """The mean loss over every row with ``weights`` (one vectorised pass)."""
        evaluate = self._loss_only or CompiledGradient(self.graph, wrt=())
        feeds = {**self.columns, **dict(zip(self.graph.weights, weights, strict=True))}
        return float(evaluate(feeds)[0])

    def _batched_epoch(
        self, lane: Lane, check: Callable[[], None]
    ) -> tuple[float, list[float], dict[str, list[float]], int]:
        weights = np.array(lane.weights)
        state = {s: np.array(v) for s, v in lane.slots.items()}
        steps, total = lane.steps, 0.0
        for start in range(0, self.rows, self.batch_size):
            check()
            stop = min(start + self.batch_size, self.rows)
            feeds = {n: c[start:stop] for n, c in self.columns.items()}
            feeds.update(zip(self.graph.weights, weights.tolist(), strict=True))
            loss, grads = self._gradient(feeds)
            steps += 1
            grad_vector = np.array([grads[w] for w in self.graph.weights])
            with np.errstate(all="ignore"):
                weights = lane.optimizer.step(weights, grad_vector, state, steps)
            total += float(loss) * (stop - start)
        return total, weights.tolist(), {s: v.tolist() for s, v in state.items()}, steps

    def weights(self) -> dict[str, list[float]]:
        """Current weights per optimizer (the last finite ones for a diverged lane)."""
        return {name: list(lane.weights) for name, lane in self.lanes.items()}


_Saved = tuple[list[float], dict[str, list[float]], int, "int | None", int]


def _save(lane: Lane) -> _Saved:
    """What an epoch may change in a lane (the loss history by its length: it only grows)."""
    slots = {name: list(values) for name, values in lane.slots.items()}
    return list(lane.weights), slots, lane.steps, lane.diverged_at, len(lane.losses)


def _restore(lane: Lane, saved: _Saved) -> None:
    lane.weights, lane.slots, lane.steps, lane.diverged_at, length = saved
    del lane.losses[length:]
