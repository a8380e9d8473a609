"""Ready-made graphs: the backprop assignment's graph, with the topology of its figure."""

from __future__ import annotations

from engine.graph.builder import GraphBuilder
from engine.graph.graph import Graph

#: Feature names, in data-column order.
FEATURES: tuple[str, ...] = ("f1", "f2", "f3", "f4", "f5")
#: Weight names; ``w[0]`` of the assignment is ``w1``.
WEIGHTS: tuple[str, ...] = tuple(f"w{i}" for i in range(1, 10))
TARGET = "y"


def assignment_graph() -> Graph:
    """The assignment's graph: Y' = tanh(exp((w1f1+w2f2)² + w6) + w7) + w9·σ(sin(w3f3)·(w4f4+w5f5) + w8).

    Exactly the figure's topology: ``w1·f1`` and ``w2·f2`` feed two separate ``+`` nodes whose
    product is the square; the loss node ``L = (y − Y')²`` is the output and ``Y'`` the prediction.
    Named nodes for labels: ``exp``, ``tanh``, ``sigmoid``, ``Y'``, ``L``.

    Example:
        >>> g = assignment_graph()
        >>> feeds = {**dict(zip(WEIGHTS, [0.1] * 9)), "f1": 1.0, "f2": 0.5, "f3": 0.2, "f4": -1.0,
        ...          "f5": 2.0, "y": 1.5}
        >>> round(g.values(feeds)["tanh"], 4)
        0.8427
    """
    b = GraphBuilder()
    # Leaves in the figure's top-to-bottom order (the layout keeps insertion order within a column).
    f1, w1, f2, w2 = b.input("f1"), b.weight("w1"), b.input("f2"), b.weight("w2")
    top1 = b.op("mul", w1, f1, node_id="w1f1")
    top2 = b.op("mul", w2, f2, node_id="w2f2")
    sum1 = b.op("add", top1, top2, node_id="sum1")
    sum2 = b.op("add", top1, top2, node_id="sum2")
    square = b.op("mul", sum1, sum2, node_id="square")
    w6 = b.weight("w6")
    exp_in = b.op("add", square, w6, node_id="exp_in")
    exp = b.op("exp", exp_in, node_id="exp")
    w7 = b.weight("w7")
    tanh_in = b.op("add", exp, w7, node_id="tanh_in")
    tanh = b.op("tanh", tanh_in, node_id="tanh")

    f3, w3 = b.input("f3"), b.weight("w3")
    f4, w4, f5, w5 = b.input("f4"), b.weight("w4"), b.input("f5"), b.weight("w5")
    sin = b.op("sin", b.op("mul", w3, f3, node_id="w3f3"), node_id="sin")
    sum45 = b.op(
        "add", b.op("mul", w4, f4, node_id="w4f4"), b.op("mul", w5, f5, node_id="w5f5"), node_id="sum45"
    )
    prod = b.op("mul", sin, sum45, node_id="sin_x_sum")
    w8 = b.weight("w8")
    sigmoid = b.op("sigmoid", b.op("add", prod, w8, node_id="sigmoid_in"), node_id="sigmoid")
    w9 = b.weight("w9")
    scaled = b.op("mul", w9, sigmoid, node_id="w9sigmoid")

    y_pred = b.op("add", tanh, scaled, node_id="Y'", label="Y'", kind="output")
    y = b.input(TARGET)
    loss = b.op("sqerr", y, y_pred, node_id="L", label="L", kind="loss")
    return b.build(loss, prediction=y_pred)
