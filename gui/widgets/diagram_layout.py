"""Where a model diagram's boxes go: plain geometry, no Qt (the view in ``model_diagram`` draws them).

Layers sit in rows by depth (the longest path from an input), each box under the mean of its parents
and pushed apart where boxes would overlap, so several inputs, parallel convolutions and merges read
top to bottom. The rows may wrap into side-by-side columns, only after a row of one box with one arrow
leaving it and none passing by (so a single arrow crosses over to the next column).
"""

from __future__ import annotations

from typing import Any

BOX_WIDTH, COLUMN_GAP, ROW_GAP, SEGMENT_GAP = 150.0, 16.0, 24.0, 48.0


class Layout:
    """Where each box goes: rows by depth, x under the parents, rows wrapped into columns.

    Args:
        layers: The diagram's layers (inputs first, then in model order).
        heights: Each box's height, by layer name.
    """

    def __init__(self, layers: list[dict[str, Any]], heights: dict[str, float]) -> None:
        names = {layer["name"] for layer in layers}
        self.parents = {x["name"]: [p for p in x["inputs"] if p in names] for x in layers}
        self.rank: dict[str, int] = {}
        for layer in layers:
            parents = self.parents[layer["name"]]
            self.rank[layer["name"]] = 1 + max((self.rank[p] for p in parents), default=-1)
        self.rows: list[list[str]] = [[] for _ in range(1 + max(self.rank.values(), default=-1))]
        for layer in layers:
            self.rows[self.rank[layer["name"]]].append(layer["name"])
        self.row_heights = [max(heights[n] for n in row) for row in self.rows]
        self.x = self._columns()
        self.cuts = self._clean_cuts()

    def _columns(self) -> dict[str, float]:
        """x of each box: under the mean of its parents, pushed apart where boxes would overlap."""
        step = BOX_WIDTH + COLUMN_GAP
        x: dict[str, float] = {}
        for number, row in enumerate(self.rows):
            wanted = sorted((self._wanted_x(x, n, i * step), i, n) for i, n in enumerate(row))
            placed: list[float] = []
            for want, _i, _n in wanted:
                placed.append(want if not placed else max(want, placed[-1] + step))
            shift = 0.0 if number == 0 else (sum(w for w, *_ in wanted) - sum(placed)) / len(placed)
            for (_want, _i, name), position in zip(wanted, placed, strict=True):
                x[name] = position + shift
        return x

    def _wanted_x(self, x: dict[str, float], name: str, without_parents: float) -> float:
        parents = self.parents[name]
        return sum(x[p] for p in parents) / len(parents) if parents else without_parents

    def _clean_cuts(self) -> list[int]:
        """Rows after which the diagram may wrap: one box, one arrow leaving it, none passing by."""
        cuts = []
        for r in range(len(self.rows) - 1):
            crossing = [
                (p, n) for n, ps in self.parents.items() for p in ps if self.rank[p] <= r < self.rank[n]
            ]
            if len(self.rows[r]) == 1 and len(crossing) == 1 and self.rank[crossing[0][0]] == r:
                cuts.append(r + 1)
        return cuts

    def segments(self, count: int) -> list[range]:
        """The rows split into at most ``count`` runs of about equal height, at clean cuts only."""
        total = sum(self.row_heights) + ROW_GAP * len(self.rows)
        target = total / count
        starts, height = [0], 0.0
        for r, row_height in enumerate(self.row_heights):
            height += row_height + ROW_GAP
            if r + 1 in self.cuts and height >= target and len(starts) < count:
                starts.append(r + 1)
                height = 0.0
        ends = [*starts[1:], len(self.rows)]
        return [range(a, b) for a, b in zip(starts, ends, strict=True)]

    def size(self, segments: list[range]) -> tuple[float, float]:
        """Width and height of the diagram laid out in these segments."""
        widths = [self._span(s)[1] - self._span(s)[0] + BOX_WIDTH for s in segments]
        heights = [sum(self.row_heights[r] + ROW_GAP for r in s) - ROW_GAP for s in segments]
        return sum(widths) + SEGMENT_GAP * (len(segments) - 1), max(heights)

    def _span(self, segment: range) -> tuple[float, float]:
        xs = [self.x[n] for r in segment for n in self.rows[r]]
        return min(xs), max(xs)

    def positions(self, segments: list[range]) -> dict[str, tuple[float, float, int]]:
        """``(x, y, segment index)`` of every box's top-left corner."""
        placed: dict[str, tuple[float, float, int]] = {}
        left = 0.0
        for index, segment in enumerate(segments):
            low, high = self._span(segment)
            y = 0.0
            for r in segment:
                for name in self.rows[r]:
                    placed[name] = (left + self.x[name] - low, y, index)
                y += self.row_heights[r] + ROW_GAP
            left += high - low + BOX_WIDTH + SEGMENT_GAP
        return placed
