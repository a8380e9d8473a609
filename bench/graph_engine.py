"""Graph engine speed: the optimizer race and batch gradients, each beside its yardsticks in one run.

1. The race as assigned (SGD, momentum, Adam × 100 epochs × 506 rows, batch size 1, same data and
   initial weights) three ways: the engine (``engine.graph.Race``: graph compiled to straight-line
   float code), a hand-written straight-line scalar Python loop (the yardstick), and a micrograd-style
   object graph rebuilt for every sample. All three must end at the same weights.
   Targets: engine ≤ yardstick; micrograd / engine ≥ 5.
2. Mean loss and gradients over 1,000,000 rows: the engine's compiled numpy code against a hand-fused
   numpy expression of the same graph (target: ≤ 1.5×), plus tf.GradientTape eager and tf.function.

Times are the best of ``BENCH_RUNS`` (default 3; at least 5 for the batch) alternating runs; the
micrograd race runs once. ``--quick`` races
10 epochs instead of 100. Exit status is 0 unless ``--strict`` and a target fails. Run: ``make bench``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.graph import CompiledGradient, Race, assignment_graph, make_optimizer
from engine.labs.backprop.data import embedded

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
OPTIMIZERS = ("sgd", "momentum", "adam")
LR, MU, B1, B2, EPS = 0.001, 0.9, 0.9, 0.999, 1e-8


def best_of(*fns: Callable[[], Any], runs: int = RUNS) -> list[tuple[float, Any]]:
    """Fastest wall time of ``runs`` calls of each function, and its last result.

    Calls alternate between the functions, so a busy moment on the machine hits all of them alike.
    """
    best = [math.inf] * len(fns)
    results: list[Any] = [None] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            results[i] = fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return list(zip(best, results, strict=True))


# --- 1. the race --------------------------------------------------------------------------------


def engine_race(rows: np.ndarray, w0: list[float], epochs: int) -> dict[str, list[float]]:
    graph = assignment_graph()
    columns = {**{f"f{i + 1}": rows[:, i] for i in range(5)}, "y": rows[:, 5]}
    race = Race(graph, columns, [make_optimizer(name) for name in OPTIMIZERS], w0)
    for _ in range(epochs):
        race.run_epoch()
    return race.weights()


def yardstick_race(rows: np.ndarray, w0: list[float], epochs: int) -> dict[str, list[float]]:
    """What a careful learner writes by hand: scalar math, a weight list, one update loop per optimizer."""
    data = rows.tolist()
    final = {}
    for opt in OPTIMIZERS:
        w, m, v, t = list(w0), [0.0] * 9, [0.0] * 9, 0
        for _ in range(epochs):
            for f1, f2, f3, f4, f5, y in data:
                s = w[0] * f1 + w[1] * f2
                e = math.exp(s * s + w[5])
                th = math.tanh(e + w[6])
                a3 = w[2] * f3
                sn = math.sin(a3)
                q = w[3] * f4 + w[4] * f5
                sg = 1.0 / (1.0 + math.exp(-(sn * q + w[7])))
                dl = -2.0 * (y - (th + w[8] * sg))
                dth = dl * (1.0 - th * th)
                de = dth * e
                ds = 2.0 * de * s
                dz = dl * w[8] * sg * (1.0 - sg)
                dq = dz * sn
                g = [ds * f1, ds * f2, dz * q * math.cos(a3) * f3, dq * f4, dq * f5, de, dth, dz, dl * sg]
                t += 1
                if opt == "sgd":
                    for i in range(9):
                        w[i] -= LR * g[i]
                elif opt == "momentum":
                    for i in range(9):
                        v[i] = MU * v[i] - LR * g[i]
                        w[i] += v[i]
                else:
                    c1, c2 = 1.0 - B1**t, 1.0 - B2**t
                    for i in range(9):
                        m[i] = B1 * m[i] + (1.0 - B1) * g[i]
                        v[i] = B2 * v[i] + (1.0 - B2) * g[i] * g[i]
                        w[i] -= LR * (m[i] / c1) / (math.sqrt(v[i] / c2) + EPS)
        final[opt] = w
    return final


class Value:
    """A micrograd-style scalar node: every op builds a new object with a backward closure."""

    __slots__ = ("_backward", "_children", "data", "grad")

    def __init__(self, data: float, children: tuple[Value, ...] = ()) -> None:
        self.data, self.grad, self._children = data, 0.0, children
        self._backward: Callable[[], None] = lambda: None

    def __add__(self, other: Value) -> Value:
        out = Value(self.data + other.data, (self, other))

        def backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other: Value) -> Value:
        out = Value(self.data * other.data, (self, other))

        def backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def unary(self, value: float, derivative: float) -> Value:
        out = Value(value, (self,))

        def backward() -> None:
            self.grad += derivative * out.grad

        out._backward = backward
        return out

    def exp(self) -> Value:
        e = math.exp(self.data)
        return self.unary(e, e)

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return self.unary(t, 1.0 - t * t)

    def sin(self) -> Value:
        return self.unary(math.sin(self.data), math.cos(self.data))

    def sigmoid(self) -> Value:
        s = 1.0 / (1.0 + math.exp(-self.data))
        return self.unary(s, s * (1.0 - s))

    def backward(self) -> None:
        order: list[Value] = []
        seen: set[int] = set()

        def visit(node: Value) -> None:
            if id(node) not in seen:
                seen.add(id(node))
                for child in node._children:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def micrograd_race(rows: np.ndarray, w0: list[float], epochs: int) -> dict[str, list[float]]:
    data = rows.tolist()
    final = {}
    minus_one = Value(-1.0)
    for opt in OPTIMIZERS:
        w, m, v, t = list(w0), [0.0] * 9, [0.0] * 9, 0
        for _ in range(epochs):
            for row in data:
                f = [Value(x) for x in row[:5]]
                p = [Value(x) for x in w]
                top = p[0] * f[0] + p[1] * f[1]
                top2 = p[0] * f[0] + p[1] * f[1]  # the figure's second "+" node
                tanh = ((top * top2 + p[5]).exp() + p[6]).tanh()
                bottom = p[8] * ((p[2] * f[2]).sin() * (p[3] * f[3] + p[4] * f[4]) + p[7]).sigmoid()
                diff = Value(row[5]) + (tanh + bottom) * minus_one
                (diff * diff).backward()
                g = [pi.grad for pi in p]
                t += 1
                for i in range(9):
                    if opt == "sgd":
                        w[i] -= LR * g[i]
                    elif opt == "momentum":
                        v[i] = MU * v[i] - LR * g[i]
                        w[i] += v[i]
                    else:
                        m[i] = B1 * m[i] + (1.0 - B1) * g[i]
                        v[i] = B2 * v[i] + (1.0 - B2) * g[i] * g[i]
                        w[i] -= LR * (m[i] / (1.0 - B1**t)) / (math.sqrt(v[i] / (1.0 - B2**t)) + EPS)
        final[opt] = w
    return final


def max_weight_gap(a: dict[str, list[float]], b: dict[str, list[float]]) -> float:
    return max(float(np.max(np.abs(np.subtract(a[k], b[k])))) for k in a)


# --- 2. batch gradients -------------------------------------------------------------------------


def hand_fused(cols: list[np.ndarray], y: np.ndarray, w: list[float]) -> tuple[float, list[float]]:
    """The same graph's mean loss and gradients, written by hand in numpy with shared subexpressions."""
    f1, f2, f3, f4, f5 = cols
    s = w[0] * f1 + w[1] * f2
    e = np.exp(s * s + w[5])
    th = np.tanh(e + w[6])
    a3 = w[2] * f3
    sn = np.sin(a3)
    q = w[3] * f4 + w[4] * f5
    sg = 1.0 / (1.0 + np.exp(-(sn * q + w[7])))
    r = y - (th + w[8] * sg)
    dl = -2.0 * r
    dth = dl * (1.0 - th * th)
    de = dth * e
    ds = 2.0 * de * s
    dz = dl * w[8] * (sg * (1.0 - sg))
    da3 = dz * q * np.cos(a3)
    dq = dz * sn
    grads = [ds * f1, ds * f2, da3 * f3, dq * f4, dq * f5, de, dth, dz, dl * sg]
    return float(np.mean(r * r)), [float(np.mean(g)) for g in grads]


def tensorflow_fns(
    cols: list[np.ndarray], y: np.ndarray, w: list[float]
) -> tuple[Callable[[], Any], ...] | None:
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
    except ImportError:
        return None
    xs = [tf.constant(c) for c in cols]
    yt = tf.constant(y)
    wv = tf.Variable(np.array(w), dtype=tf.float64)

    def step() -> Any:
        with tf.GradientTape() as tape:
            s = wv[0] * xs[0] + wv[1] * xs[1]
            top = tf.tanh(tf.exp(s * s + wv[5]) + wv[6])
            bottom = wv[8] * tf.sigmoid(tf.sin(wv[2] * xs[2]) * (wv[3] * xs[3] + wv[4] * xs[4]) + wv[7])
            loss = tf.reduce_mean((yt - (top + bottom)) ** 2)
        return loss, tape.gradient(loss, wv)

    graph_step = tf.function(step)
    graph_step()  # trace once, outside the timing
    return step, graph_step


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str]) -> int:
    epochs = 10 if "--quick" in argv else 100
    data = embedded()
    rows = np.column_stack([data.X, data.y])
    w0 = np.random.default_rng(0).normal(0.0, 0.01, 9).tolist()
    steps = len(OPTIMIZERS) * epochs * data.rows
    print(
        f"== race: {', '.join(OPTIMIZERS)} × {epochs} epochs × {data.rows} rows = {steps:,} updates, batch 1"
    )
    results: list[bool] = []
    (t_engine, w_engine), (t_yard, w_yard) = best_of(
        lambda: engine_race(rows, w0, epochs), lambda: yardstick_race(rows, w0, epochs)
    )
    [(t_micro, w_micro)] = best_of(lambda: micrograd_race(rows, w0, epochs), runs=1)
    print(f"engine (compiled graph):          {t_engine:7.3f} s  ({1e6 * t_engine / steps:.2f} µs/update)")
    print(f"hand-written scalar loop:         {t_yard:7.3f} s  ({1e6 * t_yard / steps:.2f} µs/update)")
    print(f"micrograd-style object graph:     {t_micro:7.3f} s  ({1e6 * t_micro / steps:.2f} µs/update)")
    gaps = max_weight_gap(w_engine, w_yard), max_weight_gap(w_engine, w_micro)
    print(f"same final weights: max |Δw| vs hand loop {gaps[0]:.1e}, vs micrograd {gaps[1]:.1e}")
    results.append(t_engine <= t_yard and max(gaps) < 1e-9)
    print(f"{verdict(results[-1])}: engine / hand loop = {t_engine / t_yard:.2f} (target ≤ 1.00)")
    results.append(t_micro / t_engine >= 5)
    print(f"{verdict(results[-1])}: micrograd / engine = {t_micro / t_engine:.1f} (target ≥ 5)")

    n = 1_000_000
    rng = np.random.default_rng(1)
    cols = [np.ascontiguousarray(c) for c in rng.normal(size=(5, n))]
    y = rng.normal(size=n)
    w = rng.normal(scale=0.3, size=9).tolist()
    graph = assignment_graph()
    compiled = CompiledGradient(graph)
    feeds = {**{f"f{i + 1}": cols[i] for i in range(5)}, "y": y, **dict(zip(graph.weights, w, strict=True))}
    print(f"\n== mean loss and ∂/∂w1..w9 over {n:,} rows (float64)")
    (t_ours, (loss, grads)), (t_hand, (hand_loss, hand_grads)) = best_of(
        lambda: compiled(feeds), lambda: hand_fused(cols, y, w), runs=max(RUNS, 5)
    )
    gap = max(abs(grads[k] - g) / (abs(g) + 1e-300) for k, g in zip(graph.weights, hand_grads, strict=True))
    print(f"engine (compiled numpy):          {t_ours:7.3f} s   loss {loss:.6f}")
    print(
        f"hand-fused numpy:                 {t_hand:7.3f} s   loss {hand_loss:.6f}  max rel Δgrad {gap:.1e}"
    )
    tf_fns = tensorflow_fns(cols, y, w)
    if tf_fns is None:
        print("tensorflow not installed: GradientTape comparison skipped")
    else:
        (t_eager, (eager_loss, _)), (t_function, (function_loss, function_grads)) = best_of(*tf_fns)
        tf_gap = float(np.max(np.abs(function_grads.numpy() - hand_grads) / np.abs(hand_grads)))
        print(f"tf.GradientTape eager:            {t_eager:7.3f} s   loss {float(eager_loss):.6f}")
        print(f"tf.GradientTape in tf.function:   {t_function:7.3f} s   loss {float(function_loss):.6f}  "
              f"max rel Δgrad {tf_gap:.1e}")  # fmt: skip
        ratios = f"engine / eager = {t_ours / t_eager:.2f}, engine / tf.function = {t_ours / t_function:.2f}"
        print(f"ratios: {ratios}")
    results.append(t_ours <= 1.5 * t_hand and gap < 1e-9)
    print(f"{verdict(results[-1])}: engine / hand-fused = {t_ours / t_hand:.2f} (target ≤ 1.50)")
    return 1 if "--strict" in argv and not all(results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
