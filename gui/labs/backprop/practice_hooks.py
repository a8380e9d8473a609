"""The Practice tab's grade on the backprop graph: suspect nodes ringed in red, the learner's numbers
beside ours in the chain-rule panel, and the row on screen graded as an extra case.

Nothing here computes a number: the localisation is the engine's
(:mod:`engine.labs.backprop.localise`); this module draws it on the existing views.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QObject, QRectF, Qt, Slot
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QTabWidget

from engine.graph import FEATURES, TARGET, BackwardStep, WalkState
from engine.graph.steps import fmt
from engine.labs.backprop.exercises import shown_cases
from engine.practice import Case, Report
from gui.labs.backprop.explorer import GraphExplorer
from gui.labs.backprop.session import GraphSession
from gui.widgets.practice import PracticeTab

_RING = QColor("#d32f2f")


class PracticeOnGraph(QObject):
    """Connects a backprop lab's Practice tab to its graph explorer."""

    def __init__(self, practice: PracticeTab, explorer: GraphExplorer, views: QTabWidget) -> None:
        super().__init__(practice)
        self.practice, self.explorer, self.views = practice, explorer, views
        self.session: GraphSession = explorer.session
        self.suspects: list[str] = []
        self.numbers: dict[str, dict[str, Any]] = {}
        self.step: dict[str, Any] = {}
        self.graded_feeds: dict[str, float] = {}
        self.rings: list[QGraphicsPathItem] = []
        practice.extra_cases = self.screen_cases
        practice.results.graph_link = True
        practice.sig_report_ready.connect(self._on_report)
        practice.results.sig_graph_requested.connect(self.show_on_graph)
        explorer.step_panel.annotate = self.annotation
        self.session.sig_graph_changed.connect(self._on_graph_changed)
        self.session.sig_feeds_changed.connect(self._redraw)

    def screen_cases(self) -> dict[str, list[Case]]:
        """The row and weights on screen as an extra ``backward_propagation`` case (assignment graph only)."""
        if not self.session.is_assignment:
            return {}
        feeds = self.session.feeds()
        x = [feeds[name] for name in FEATURES]
        return shown_cases(x, feeds[TARGET], [feeds[w] for w in self.session.graph.weights])

    @Slot(object)
    def _on_report(self, report: Report) -> None:
        result = next((r for r in report.results if r.name == "backward_propagation"), None)
        details = result.details if result is not None and not result.passed else {}
        self.suspects = list(details.get("suspects", []))
        shown = bool(details.get("shown"))
        self.numbers = dict(details.get("numbers", {})) if shown else {}
        self.step = dict(details.get("step", {})) if shown else {}
        self.graded_feeds = self.session.feeds() if shown else {}
        self._redraw()

    @property
    def numbers_current(self) -> bool:
        """Whether the learner's numbers belong to the row and weights on screen."""
        return bool(self.numbers) and self.session.is_assignment and self.session.feeds() == self.graded_feeds

    @Slot(str)
    def show_on_graph(self, _name: str) -> None:
        """Switch to the graph at the first wrong chain-rule step (or at the end of the backward pass)."""
        self.views.setCurrentWidget(self.explorer)
        walk = self.explorer.walk
        node = self.step.get("node") if self.numbers_current else None
        target = walk.total
        for index, step in enumerate(walk.backward_steps):
            if step.node == node:
                target = len(walk.forward_steps) + index + 1
        self.explorer.seek(target)

    # --- drawing -----------------------------------------------------------------------------------------

    @Slot()
    def _on_graph_changed(self) -> None:
        self.rings = []  # the view made new node items; the old rings went with the old scene
        self._redraw()

    @Slot()
    def _redraw(self) -> None:
        for ring in self.rings:
            if ring.scene() is not None:
                ring.scene().removeItem(ring)
        self.rings = []
        if self.session.is_assignment:
            for node in self.suspects:
                item = self.explorer.view.nodes.get(node)
                if item is not None:
                    self.rings.append(_ring(item, node))
        self.explorer.refresh()

    def annotation(self, state: WalkState) -> str:
        """HTML for the step panel: at a backward step of a node the grade measured, both numbers."""
        step = state.step
        if not isinstance(step, BackwardStep) or not self.session.is_assignment:
            return ""
        lines = []
        if step.node in self.suspects:
            lines.append(
                f"Your backward pass goes wrong in {escape(step.node)}'s local derivative (a suspect)."
            )
        if step.node in self.numbers:
            if self.numbers_current:
                numbers = self.numbers[step.node]
                yours = numbers.get("yours")
                shown = fmt(float(yours)) if isinstance(yours, (int, float)) else "missing"
                lines.append(f"Your backward_propagation: {shown} · ours {fmt(float(numbers['ours']))}")
                if self.step.get("node") == step.node and self.step.get("local_yours") is not None:
                    lines.append(
                        f"as if ∂{escape(str(self.step['consumer']))}/∂{escape(step.node)} were "
                        f"{fmt(float(self.step['local_yours']))}, not {fmt(float(self.step['local_ours']))}"
                    )
            else:
                lines.append("Grade again to see your numbers for this row and these weights.")
        if not lines:
            return ""
        body = "<br>".join(lines)
        style = f"border-left: 4px solid {_RING.name()}; padding-left: 6px;"
        return f"<p style='{style}'><b>Practice:</b> {body}</p>"


def _ring(item: Any, node: str) -> QGraphicsPathItem:
    """A dashed red ring around a node item (a child item: it moves and scales with the node)."""
    rect: QRectF = item.boundingRect().adjusted(-7, -7, 7, 7)
    path = QPainterPath()
    path.addRoundedRect(rect, 12, 12)
    ring = QGraphicsPathItem(path, item)
    pen = QPen(_RING, 3, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    ring.setPen(pen)
    ring.setToolTip(f"Suspect: the grade traced your wrong gradients to {node}'s local derivative")
    ring.setData(0, "practiceSuspect")
    return ring
