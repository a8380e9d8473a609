"""GraphView: the computational graph drawn in a zoomable, pannable QGraphicsView.

Wheel zooms around the pointer, dragging the background pans, clicking a node selects it. The view
fits the whole graph until the learner zooms; :meth:`fit_all` fits again. Everything is vector
drawing with antialiasing, so it stays crisp at any zoom and on HiDPI screens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QRectF, QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from engine.graph import Graph
from gui.graph_view.items import EdgeItem, NodeItem
from gui.graph_view.layout import scene_positions

#: Keys the lab uses for stepping; the view must not eat them for scrolling.
_STEP_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_Home)
_MIN_SCALE, _MAX_SCALE, _MAX_FIT_SCALE = 0.15, 6.0, 1.6


class GraphView(QGraphicsView):
    """Draws one :class:`~engine.graph.Graph`; the lab tells it what each node shows."""

    sig_node_selected = Signal(str)
    """A node was clicked (its id); '' when the selection was cleared."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphView")
        self.setAccessibleName("Computational graph")
        self.setToolTip("Click a node to describe it; wheel zooms, drag pans, + − 0 zoom and fit")
        self.graph_scene = QGraphicsScene(self)
        self.setScene(self.graph_scene)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[tuple[str, str], EdgeItem] = {}
        self.auto_fit = True
        self.graph_scene.selectionChanged.connect(self._on_selection_changed)

    def set_graph(self, graph: Graph) -> None:
        """Replace the drawing with ``graph`` and fit it into the view (a selection is cleared)."""
        had_selection = bool(self.graph_scene.selectedItems())
        # clear() deletes the items and only then reports the selection change: a slot reading the
        # selected items would touch deleted C++ objects ("Internal C++ object already deleted").
        with QSignalBlocker(self.graph_scene):
            self.graph_scene.clearSelection()
            self.graph_scene.clear()
        self.nodes.clear()
        self.edges.clear()
        for node_id, (x, y) in scene_positions(graph).items():
            item = NodeItem(graph.nodes[node_id])
            item.setPos(x, y)
            self.graph_scene.addItem(item)
            self.nodes[node_id] = item
        for node_id in graph.order:
            sources = list(dict.fromkeys(graph.nodes[node_id].inputs))
            for position, source in enumerate(sources):
                edge = EdgeItem(self.nodes[source], self.nodes[node_id], position, len(sources))
                self.graph_scene.addItem(edge)
                self.edges[(source, node_id)] = edge
        rect = self.graph_scene.itemsBoundingRect().adjusted(-16, -16, 16, 16)
        self.graph_scene.setSceneRect(rect)
        self.auto_fit = True
        self.fit_all()
        if had_selection:
            self.sig_node_selected.emit("")

    def show_state(
        self,
        texts: Mapping[str, tuple[str, str]],
        active: str | None = None,
        edges: Iterable[tuple[str, str]] = (),
        mode: str = "",
        edge_labels: Mapping[tuple[str, str], str] | None = None,
        problems: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        """What every node shows and which node/edges are highlighted.

        Args:
            texts: node id → (value text, gradient text); missing ids show neither.
            active: The node the current step computes.
            edges: The edges that step reads.
            mode: ``forward`` or ``backward`` (the highlight colour).
            edge_labels: Text on highlighted edges (the gradient each carries back).
            problems: node id → (cause in a few words, full reason) for a value or gradient that is
                nan or ±inf: drawn in red under the node, the reason in its tooltip.
        """
        for node_id, item in self.nodes.items():
            item.set_texts(*texts.get(node_id, ("", "")))
            item.set_active(node_id == active)
            item.set_problem(*(problems or {}).get(node_id, ("", "")))
        lit = set(edges)
        labels = edge_labels or {}
        for key, edge in self.edges.items():
            edge.set_state(mode if key in lit else "", labels.get(key, "") if key in lit else "")

    def set_highlighted(self, node_ids: Iterable[str]) -> None:
        """Mark these nodes (and only these) with a second outline, independent of the active step:
        e.g. the nodes an exercise asks about."""
        marked = set(node_ids)
        for node_id, item in self.nodes.items():
            item.set_highlighted(node_id in marked)

    # --- zoom and pan ------------------------------------------------------------------------------

    @Slot()
    def fit_all(self) -> None:
        """Fit the whole graph (not larger than a comfortable reading size)."""
        rect: QRectF = self.graph_scene.sceneRect()
        if rect.isEmpty():
            return
        self.resetTransform()
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > _MAX_FIT_SCALE:
            self.resetTransform()
            self.scale(_MAX_FIT_SCALE, _MAX_FIT_SCALE)
            self.centerOn(rect.center())
        self.auto_fit = True

    def zoom(self, factor: float) -> None:
        """Zoom by ``factor`` around the pointer, within sensible bounds; stops auto-fitting."""
        current = self.transform().m11()
        target = min(max(current * factor, _MIN_SCALE), _MAX_SCALE)
        self.scale(target / current, target / current)
        self.auto_fit = False

    @property
    def zoom_level(self) -> float:
        """The current scale (1.0 = one scene unit per pixel)."""
        return float(self.transform().m11())

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Wheel zooms (1.15× per notch) instead of scrolling."""
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.15**steps)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the graph fitted until the learner zooms."""
        super().resizeEvent(event)
        if self.auto_fit:
            self.fit_all()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Leave the stepping keys to the lab; +/- zoom, 0 fits."""
        if event.key() in _STEP_KEYS:
            event.ignore()
            return
        if event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.25)
        elif event.key() == Qt.Key.Key_Minus:
            self.zoom(0.8)
        elif event.key() == Qt.Key.Key_0:
            self.fit_all()
        else:
            super().keyPressEvent(event)

    @Slot()
    def _on_selection_changed(self) -> None:
        selected = [i for i in self.graph_scene.selectedItems() if isinstance(i, NodeItem)]
        self.sig_node_selected.emit(selected[0].node.id if selected else "")
