"""The Graph view of the backprop lab: draw the graph, step through one row's forward and backward
pass, edit the inputs, and build a graph from a typed expression.

Stepping walks an :class:`engine.graph.Walkthrough`; this module only formats its states. Keys:
→ next step, ← back, Space play/pause, Home reset (also + / − / 0 to zoom and fit).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from engine.graph import (
    BackwardStep,
    ExpressionError,
    ForwardStep,
    WalkState,
    Walkthrough,
    assignment_graph,
    parse_expression,
)
from engine.graph.steps import fmt
from gui.graph_view.legend import KindLegend
from gui.graph_view.view import GraphView
from gui.labs.backprop.inputs import InputsPanel
from gui.labs.backprop.session import GraphSession
from gui.labs.backprop.step_panel import StepPanel

EXAMPLE_EXPRESSION = "tanh(w1*x1 + w2) * w3"


class GraphExplorer(QWidget):
    """Graph drawing, step controls, step explanation, inputs and the expression box."""

    def __init__(self, session: GraphSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.walk = Walkthrough(session.graph, session.feeds())
        self.state: WalkState = self.walk.state()
        self.selected = ""
        #: Asked before a step is revealed (the prediction quiz): False keeps the walk where it is.
        self.may_reveal: Callable[[int], bool] = lambda _position: True

        self.view = GraphView()
        self.step_panel = StepPanel()
        self.inputs = InputsPanel(session)
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.back_action = self._action("← Back", "Left", "Undo the last step (←)", self.step_back)
        self.forward_action = self._action(
            "Forward step →",
            None,
            "Evaluate the next node (→ steps on through the backward pass)",
            self.forward_step,
        )
        self.backward_action = self._action(
            "Backward step ∂",
            None,
            "Compute the next gradient (finishes the forward pass first)",
            self.backward_step,
        )
        self.play_action = self._action("▶ Play", "Space", "Play / pause the steps (Space)", self.toggle_play)
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(1, 10)
        self.speed.setValue(3)
        self.speed.setFixedWidth(90)
        self.speed.setToolTip("Play speed: steps per second")
        self.speed_label = QLabel()
        self.toolbar.addWidget(QLabel(" speed "))
        self.toolbar.addWidget(self.speed)
        self.toolbar.addWidget(self.speed_label)
        self.reset_action = self._action("Reset", "Home", "Back to the start (Home)", self.reset)
        # → is "next step": forward until every node is known, then on through the backward pass.
        self.next_action = QAction("Next step", self)
        self.next_action.setShortcut(QKeySequence("Right"))
        self.next_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.next_action.triggered.connect(self.step)
        self.addAction(self.next_action)
        self.toolbar.addSeparator()
        self.fit_action = self._action("Fit", None, "Fit the graph into the view (0)", self.view.fit_all)
        self.position_label = QLabel()
        self.position_label.setObjectName("stepPosition")
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.position_label)

        self.expression = QLineEdit()
        self.expression.setObjectName("expressionEdit")
        self.expression.setPlaceholderText(f"Type an expression, e.g. {EXAMPLE_EXPRESSION}")
        self.expression.setClearButtonEnabled(True)
        self.build_button = QPushButton("Build graph")
        self.assignment_button = QPushButton("Assignment graph")
        self.assignment_button.setToolTip("Back to the assignment's graph")
        self.error_label = QLabel()
        self.error_label.setObjectName("expressionError")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.error_label.setFont(mono)
        # Plain text: rich text would collapse the caret line's spaces (and '<' could trigger it).
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet(
            "color: #b71c1c; background: #fde8e8; padding: 4px; border-radius: 4px;"
        )
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        expression_line = QHBoxLayout()
        expression_line.addWidget(QLabel("Expression"))
        expression_line.addWidget(self.expression, 1)
        expression_line.addWidget(self.build_button)
        expression_line.addWidget(self.assignment_button)

        graph_side = QWidget()
        graph_box = QVBoxLayout(graph_side)
        graph_box.setContentsMargins(0, 0, 0, 0)
        graph_box.addWidget(self.view, 1)
        graph_box.addWidget(KindLegend())
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.step_panel)
        right.addWidget(self.inputs)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setSizes([360, 340])
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(graph_side)
        body.addWidget(right)
        body.setStretchFactor(0, 1)
        body.setSizes([1040, 340])
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.toolbar)
        box.addLayout(expression_line)
        box.addWidget(self.error_label)
        box.addWidget(body, 1)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.speed.valueChanged.connect(self._on_speed)
        self.build_button.clicked.connect(self.build_from_text)
        self.expression.returnPressed.connect(self.build_from_text)
        self.assignment_button.clicked.connect(self.show_assignment_graph)
        self.view.sig_node_selected.connect(self._on_node_selected)
        session.sig_graph_changed.connect(self._on_graph_changed)
        session.sig_feeds_changed.connect(self._on_feeds_changed)
        self.view.set_graph(session.graph)
        self._on_speed(self.speed.value())
        self.refresh()

    def _action(self, text: str, key: str | None, tip: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        if key is not None:
            action.setShortcut(QKeySequence(key))
            # Only while the lab is on screen and focus is inside it (spin boxes keep their arrows).
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self.toolbar.addAction(action)
        return action

    # --- stepping -------------------------------------------------------------------------------

    @Slot()
    def step(self) -> None:
        """The next step: forward until every node is known, then backward."""
        if not self.may_reveal(self.walk.position + 1):
            self.pause()
            return
        self._show(self.walk.step_forward())

    @Slot()
    def forward_step(self) -> None:
        """The next forward step (none once every node is known)."""
        if self.walk.position < len(self.walk.forward_steps) and self.may_reveal(self.walk.position + 1):
            self._show(self.walk.step_forward())

    @Slot()
    def backward_step(self) -> None:
        """The next gradient; finishes the forward pass first if needed."""
        start = max(self.walk.position, len(self.walk.forward_steps))
        if self.may_reveal(start + 1):
            self._show(self.walk.seek(start + 1))

    @Slot()
    def step_back(self) -> None:
        """Undo the last step."""
        self._show(self.walk.step_back())

    @Slot()
    def reset(self) -> None:
        """Back to the start (stops playing)."""
        self.pause()
        self._show(self.walk.reset())

    def seek(self, position: int) -> None:
        """Jump to ``position`` steps."""
        self._show(self.walk.seek(position))

    @Slot()
    def toggle_play(self) -> None:
        """Play the remaining steps at the chosen speed, or pause."""
        if self.timer.isActive():
            self.pause()
            return
        if self.walk.position >= self.walk.total:
            self._show(self.walk.reset())
        self.timer.start()
        self.play_action.setText("⏸ Pause")

    def pause(self) -> None:
        """Stop playing."""
        self.timer.stop()
        self.play_action.setText("▶ Play")

    @Slot()
    def _tick(self) -> None:
        self.step()
        if self.walk.position >= self.walk.total:
            self.pause()

    @Slot(int)
    def _on_speed(self, steps_per_second: int) -> None:
        self.timer.setInterval(int(1000 / steps_per_second))
        self.speed_label.setText(f" {steps_per_second}/s ")

    # --- graph and inputs -----------------------------------------------------------------------

    @Slot()
    def build_from_text(self) -> None:
        """Parse the expression box; a bad expression shows the caret message and keeps the graph."""
        text = self.expression.text().strip()
        if not text:
            self.show_error("Type an expression first, e.g. " + EXAMPLE_EXPRESSION)
            return
        try:
            graph = parse_expression(text)
        except ExpressionError as exc:
            self.show_error(str(exc))
            return
        self.error_label.hide()
        self.session.set_graph(graph)

    @Slot()
    def show_assignment_graph(self) -> None:
        """Back to the assignment's graph."""
        self.error_label.hide()
        self.session.set_graph(assignment_graph(), is_assignment=True)

    def show_error(self, message: str) -> None:
        """Show a message under the expression box (monospace, so the caret lines up)."""
        self.error_label.setText(message)
        self.error_label.show()

    @Slot()
    def _on_graph_changed(self) -> None:
        self.pause()
        self.walk = Walkthrough(self.session.graph, self.session.feeds())
        self.selected = ""
        self.view.set_graph(self.session.graph)
        self.refresh()

    @Slot()
    def _on_feeds_changed(self) -> None:
        # Same graph, new numbers: keep the learner's place in the walk.
        position = self.walk.position
        self.walk = Walkthrough(self.session.graph, self.session.feeds())
        self.walk.seek(position)
        self.refresh()

    @Slot(str)
    def _on_node_selected(self, node_id: str) -> None:
        self.selected = node_id
        self.refresh()

    # --- drawing --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw for the walk's current state."""
        self._show(self.walk.state())

    def _show(self, state: WalkState) -> None:
        self.state = state
        graph = self.session.graph
        texts = {
            node_id: (
                f"= {fmt(state.values[node_id])}" if node_id in state.values else "",
                f"∂ {fmt(state.grads[node_id])}" if node_id in state.grads else "",
            )
            for node_id in graph.order
        }
        mode = "forward" if isinstance(state.step, ForwardStep) else "backward"
        labels: dict[tuple[str, str], str] = {}
        step = state.step
        # A node read by several consumers sums one product per path: label each path's share on
        # its edge. (A single path's product is the node's own gradient, already in the box.)
        if isinstance(step, BackwardStep) and len(step.terms) > 1:
            shares: dict[tuple[str, str], float] = {}
            for term in step.terms:  # x·x reads x twice through one edge: that edge carries both
                key = (step.node, term.consumer)
                shares[key] = shares.get(key, 0.0) + term.product
            labels = {key: fmt(share) for key, share in shares.items()}
        self.view.show_state(texts, state.active_node, state.active_edges, mode, labels)
        self.step_panel.set_selected(graph, self.selected, state)
        self.step_panel.show_state(graph, state, self.walk.forward_steps)
        n_forward = len(self.walk.forward_steps)
        done_forward = min(state.position, n_forward)
        done_backward = max(0, state.position - n_forward)
        self.position_label.setText(
            f"  forward {done_forward}/{n_forward} · backward {done_backward}/{state.total - n_forward}"
        )
        self.back_action.setEnabled(state.position > 0)
        self.forward_action.setEnabled(state.position < n_forward)
        self.backward_action.setEnabled(state.position < state.total)
