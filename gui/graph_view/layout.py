"""Scene positions for a graph: columns from ``Graph.layout()`` (topological generations, computed
with networkx in the engine), rows placed so each computation sits level with what it reads.

``Graph.layout()`` numbers rows in insertion order; drawn as is, a ``sin`` fed from rows 4–5 would sit
in row 2 with its edges sloping across the figure. Here each computation is put at the mean height of
its inputs (a leaf right under the node before it), then nodes in a column are pushed apart, keeping
the engine's order, so nothing overlaps.
"""

from __future__ import annotations

from engine.graph import Graph
from gui.graph_view.style import COLUMN_STEP, LEAF_ROW_STEP, ROW_STEP


def scene_positions(graph: Graph) -> dict[str, tuple[float, float]]:
    """The centre of every node in scene units, columns left→right."""
    grid = graph.layout()
    columns: dict[int, list[str]] = {}
    for node_id, (column, _row) in grid.items():
        columns.setdefault(column, []).append(node_id)
    y: dict[str, float] = {}
    for column in sorted(columns):
        ordered = sorted(columns[column], key=lambda n: grid[n][1])
        previous: float | None = None
        previous_is_leaf = False
        for node_id in ordered:
            node = graph.nodes[node_id]
            placed = [y[i] for i in dict.fromkeys(node.inputs) if i in y]
            wanted = sum(placed) / len(placed) if placed else 0.0
            # Keep the engine's order within the column and one row step between neighbours.
            if previous is not None:
                # Leaves without a caption above them (a constant has one: its id) pack tighter.
                packed = node.is_leaf and previous_is_leaf and node.id == node.label
                step = LEAF_ROW_STEP if packed else ROW_STEP
                wanted = max(wanted, previous + step) if placed else previous + step
            y[node_id] = wanted
            previous, previous_is_leaf = wanted, node.is_leaf
    return {n: (grid[n][0] * COLUMN_STEP, y[n]) for n in graph.order}
