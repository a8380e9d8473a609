"""The backprop assignment's exact function contracts, backed by the graph engine.

An exercise mode grades a learner's own functions against these. ``x`` is one data row
``[f1, f2, f3, f4, f5]``, ``y`` its target and ``w`` the nine weights (``w[0]`` is ``w1``).

Example:
    >>> import numpy as np
    >>> d = forward_propagation([1.0, 0.5, 0.2, -1.0, 2.0], 1.5, np.full(9, 0.1))
    >>> round(d["tanh"], 4), round(d["loss"], 4)
    (0.8427, 0.3658)
    >>> round(backward_propagation([1.0, 0.5, 0.2, -1.0, 2.0], np.full(9, 0.1), d)["dw9"], 4)
    -0.6356
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from engine.graph.checking import GradientCheck, check_nodes, check_weights
from engine.graph.graph import Graph
from engine.graph.library import FEATURES, TARGET, WEIGHTS, assignment_graph
from engine.graph.ops import NUMPY_FUNCTIONS

GradFunction = Callable[[Any, float, Any], Any]


@cache
def _graph() -> Graph:
    return assignment_graph()  # immutable, so one shared instance is safe across threads


def sigmoid(z: Any) -> Any:
    """σ(z) = 1 / (1 + e⁻ᶻ) (the graph's own op); ``sigmoid(2) == 0.8807970779778823``."""
    value = NUMPY_FUNCTIONS["sigmoid"][0](z)
    return float(value) if np.ndim(value) == 0 else value


def feeds_for(x: ArrayLike, y: float, w: ArrayLike) -> dict[str, float]:
    """The graph's feeds for one row: ``f1``…``f5``, ``y`` and ``w1``…``w9``.

    Raises:
        ValueError: ``x`` does not have 5 values or ``w`` does not have 9.
    """
    x_values, w_values = np.asarray(x, dtype=np.float64).ravel(), np.asarray(w, dtype=np.float64).ravel()
    if x_values.size != len(FEATURES):
        raise ValueError(f"x must hold {len(FEATURES)} features f1..f5, got {x_values.size} values")
    if w_values.size != len(WEIGHTS):
        raise ValueError(f"w must hold {len(WEIGHTS)} weights w1..w9, got {w_values.size} values")
    feeds = dict(zip(FEATURES, x_values.tolist(), strict=True))
    feeds.update(zip(WEIGHTS, w_values.tolist(), strict=True))
    feeds[TARGET] = float(y)
    return feeds


def forward_propagation(x: ArrayLike, y: float, w: ArrayLike) -> dict[str, float]:
    """The forward pass of one row.

    Returns:
        ``exp``, ``tanh``, ``sigmoid`` (the node values), ``y_pred`` (Y'), ``loss`` ((y − Y')²) and
        ``dl`` (∂L/∂Y' = −2(y − Y')).
    """
    graph = _graph()
    values = graph.values(feeds_for(x, y, w))
    dl = graph.backward(values)[graph.prediction or "Y'"]
    return {
        "exp": values["exp"],
        "tanh": values["tanh"],
        "sigmoid": values["sigmoid"],
        "y_pred": values["Y'"],
        "loss": values["L"],
        "dl": float(dl),
    }


def backward_propagation(x: ArrayLike, w: ArrayLike, d: Mapping[str, float]) -> dict[str, float]:
    """∂L/∂w for every weight, by the chain rule from ``d["dl"]`` (∂L/∂Y') back through the graph.

    Returns:
        ``dw1``…``dw9``.
    """
    graph = _graph()
    values = graph.values(feeds_for(x, 0.0, w))  # y only enters through dl, which d supplies
    grads = graph.backward(values, seed_node="Y'", seed=float(d["dl"]))
    return {f"d{name}": float(grads.get(name, 0.0)) for name in WEIGHTS}


def _engine_gradients(x: Any, y: float, w: Any) -> dict[str, float]:
    return backward_propagation(x, w, forward_propagation(x, y, w))


def _as_vector(grads: Any) -> list[float]:
    if isinstance(grads, Mapping):
        return [float(grads[f"d{name}"]) for name in WEIGHTS]
    return [float(v) for v in np.asarray(grads, dtype=np.float64).ravel()]


def gradient_checking(
    x: ArrayLike, y: float, w: ArrayLike, eps: float = 1e-7, grad_fn: GradFunction | None = None
) -> float:
    """The assignment's gradient check: ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂) over the nine weights.

    Args:
        x: One row of features.
        y: Its target.
        w: The weights (never modified: every perturbation is made on a copy).
        eps: ε of the central difference. Defaults to 1e-7.
        grad_fn: ``(x, y, w) -> {"dw1": …}`` (or a 9-vector) to check instead of the engine's
            gradients, e.g. a learner's. Defaults to ``backward_propagation(forward_propagation(…))``.

    Returns:
        Below 1e-7: correct; above 1e-3: a bug.
    """
    result = weight_check(x, y, w, eps, grad_fn)
    return result.difference


def weight_check(
    x: ArrayLike, y: float, w: ArrayLike, eps: float = 1e-7, grad_fn: GradFunction | None = None
) -> GradientCheck:
    """The per-weight table for the GUI (analytic, numeric, relative error, verdict) and the overall
    difference; the learner's ``grad_fn`` gets a copy of ``w`` so it cannot disturb the check."""
    graph = _graph()
    feeds = feeds_for(x, y, w)
    fn = grad_fn or _engine_gradients
    given = dict(zip(WEIGHTS, _as_vector(fn(x, y, np.array(w, dtype=np.float64))), strict=True))
    return check_weights(graph, feeds, eps, WEIGHTS, analytic=lambda _feeds: given)


def node_check(x: ArrayLike, y: float, w: ArrayLike, eps: float = 1e-7) -> GradientCheck:
    """Per-node table: ∂L/∂node from backprop against nudging the node's value by ±ε."""
    return check_nodes(_graph(), feeds_for(x, y, w), eps)
