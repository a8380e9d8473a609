"""The Graph view of the backprop lab: draw the graph, step through one row's forward and backward
pass, edit the inputs, and build a graph from a typed expression.

Stepping walks an :class:`engine.graph.Walkthrough`; this module only formats its states. Keys:
→ next step, ← back, F forward step, B backward step, Space play/pause, Home reset (also + / − / 0
to zoom and fit). A value or gradient that is nan/inf (x/0, log of a negative number, overflow) is
explained on its node and in a line above the drawing, from the engine's :class:`~engine.graph.Undefined`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
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
    Graph,
    Undefined,
    WalkState,
    Walkthrough,
    assignment_graph,
    parse_expression,
)
from engine.graph.steps import fmt
from gui.graph_view.legend import KindLegend
from gui.graph_view.view import GraphView
from gui.labs.backprop.graders import GradersPanel, step_notes
from gui.labs.backprop.inputs import InputsPanel
from gui.labs.backprop.session import GraphSession
from gui.labs.backprop.step_panel import StepPanel

EXAMPLE_EXPRESSION = "tanh(w1*x1 + w2) * w3"
#: The most nodes the explorer draws and steps (a sum of ~200 terms); the engine itself takes more.
MAX_DRAWN_NODES = 400
#: How many places where a value first becomes nan/inf the line above the drawing names.
_PROBLEMS_NAMED = 2


class ButtonKeys(QObject):
    """Space and Enter press a focused tool button, as on any button, although Space is also the
    explorer's Play shortcut (a shortcut would otherwise win over the focused button)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Claim Space before the shortcut sees it; press the button on Enter."""
        if not isinstance(watched, QAbstractButton) or not isinstance(event, QKeyEvent):
            return False
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space:
            event.accept()  # delivered to the button as a key press instead
            return True
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            watched.click()
            return True
        return False


class GraphExplorer(QWidget):
    """Graph drawing, step controls, step explanation, inputs and the expression box."""

    def __init__(self, session: GraphSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.walk = Walkthrough(session.graph, session.feeds())
        self.state: WalkState = self.walk.state()
        self.selected = ""
        #: Extra lines beside a step, by (phase, node id), set by other views (an exercise, say).
        self.step_notes: dict[tuple[str, str], str] = {}
        #: The graders' expected values beside their steps, while the graders' row is loaded.
        self.graders_notes: dict[tuple[str, str], str] = {}
        #: Asked before a step is revealed (the prediction quiz): False keeps the walk where it is.
        self.may_reveal: Callable[[int], bool] = lambda _position: True

        self.view = GraphView()
        self.step_panel = StepPanel()
        self.inputs = InputsPanel(session)
        self.graders = GradersPanel(session)
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.back_action = self._action("← Back", "Left", "Undo the last step (←)", self.step_back)
        self.forward_action = self._action(
            "Forward step →",
            "F",
            "Evaluate the next node (F; → also steps on through the backward pass)",
            self.forward_step,
        )
        self.backward_action = self._action(
            "Backward step ∂",
            "B",
            "Compute the next gradient (B; finishes the forward pass first)",
            self.backward_step,
        )
        self.play_action = self._action("▶ Play", "Space", "Play / pause the steps (Space)", self.toggle_play)
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(1, 10)
        self.speed.setValue(3)
        self.speed.setFixedWidth(90)
        self.speed.setToolTip("Play speed: steps per second")
        self.speed.setAccessibleName("Play speed")
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
        self._button_keys = ButtonKeys(self)
        for action in self.toolbar.actions():  # tool buttons take no focus by default: Tab must reach them
            button = self.toolbar.widgetForAction(action)
            if button is not None and action.isVisible() and not action.isSeparator():
                button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
                button.setAccessibleName(action.text())
                button.installEventFilter(self._button_keys)
        self.position_label = QLabel()
        self.position_label.setObjectName("stepPosition")
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.position_label)

        self.expression = QLineEdit()
        self.expression.setObjectName("expressionEdit")
        self.expression.setPlaceholderText(f"Type an expression, e.g. {EXAMPLE_EXPRESSION}")
        self.expression.setClearButtonEnabled(True)
        self.expression.setAccessibleName("Expression")
        self.build_button = QPushButton("Build graph")
        self.build_button.setToolTip("Draw the typed expression as a graph (Enter)")
        self.build_button.setAccessibleName("Build graph")
        self.assignment_button = QPushButton("Assignment graph")
        self.assignment_button.setToolTip("Back to the assignment's graph")
        self.assignment_button.setAccessibleName("Assignment graph")
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
        # Why some value is nan/inf at this row: shown as soon as the graph or the inputs make it so.
        self.undefined_label = QLabel()
        self.undefined_label.setObjectName("undefinedNote")
        self.undefined_label.setWordWrap(True)
        self.undefined_label.setTextFormat(Qt.TextFormat.PlainText)
        self.undefined_label.setStyleSheet(
            "color: #8a1c1c; background: #fde8e8; padding: 4px; border-radius: 4px;"
        )
        self.undefined_label.hide()
        expression_line = QHBoxLayout()
        expression_line.addWidget(QLabel("Expression"))
        expression_line.addWidget(self.expression, 1)
        expression_line.addWidget(self.build_button)
        expression_line.addWidget(self.assignment_button)

        graph_side = QWidget()
        graph_box = QVBoxLayout(graph_side)
        graph_box.setContentsMargins(0, 0, 0, 0)
        graph_box.addWidget(self.undefined_label)
        graph_box.addWidget(self.view, 1)
        # Under the drawing, which is limited by its width on a laptop screen: the height is spare.
        graph_box.addWidget(self.graders)
        self.legend = KindLegend()
        graph_box.addWidget(self.legend)
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
        if len(graph.nodes) > MAX_DRAWN_NODES:
            self.show_error(
                f"This expression makes a graph of {len(graph.nodes):,} nodes; the explorer draws and steps "
                f"graphs of up to {MAX_DRAWN_NODES} nodes (a sum of about {MAX_DRAWN_NODES // 2} terms)."
            )
            return
        self.error_label.hide()
        self.session.set_graph(graph)

    @Slot()
    def show_assignment_graph(self) -> None:
        """Back to the assignment's graph (the expression box is emptied: it no longer describes it)."""
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
        self.legend.set_output(self.session.graph.output)
        if self.session.is_assignment:
            self.expression.clear()  # it described the previous graph (issue: stale text stayed)
        self.graders_notes = step_notes(self.session)
        self.refresh()

    @Slot()
    def _on_feeds_changed(self) -> None:
        # Same graph, new numbers: keep the learner's place in the walk.
        position = self.walk.position
        self.walk = Walkthrough(self.session.graph, self.session.feeds())
        self.walk.seek(position)
        self.graders_notes = step_notes(self.session)
        self.refresh()

    def set_step_notes(self, notes: dict[tuple[str, str], str]) -> None:
        """Extra lines shown beside a step, by (``forward``/``backward``, node id); {} clears them."""
        self.step_notes = dict(notes)
        self.refresh()

    @Slot(str)
    def _on_node_selected(self, node_id: str) -> None:
        self.selected = node_id
        self.refresh()

    # --- drawing --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw for the walk's current state."""
        self._show(self.walk.state())

    def _show_undefined(self, graph: Graph) -> None:
        text = undefined_summary(graph, self.walk.undefined_values, self.walk.undefined_grads)
        self.undefined_label.setText(text)
        self.undefined_label.setVisible(bool(text))

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
        problems = {n: (u.cause, u.reason) for n, u in state.undefined_grads.items()}
        problems.update({n: (u.cause, u.reason) for n, u in state.undefined_values.items()})
        self.view.show_state(texts, state.active_node, state.active_edges, mode, labels, problems)
        self._show_undefined(graph)
        self.step_panel.set_selected(graph, self.selected, state)
        key = (mode, state.active_node or "")
        notes = [n for n in (self.graders_notes.get(key), self.step_notes.get(key)) if n]
        self.step_panel.set_note("\n".join(notes) if state.step is not None else "")
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


def undefined_summary(graph: Graph, values: dict[str, Undefined], grads: dict[str, Undefined]) -> str:
    """One paragraph on where a row makes the graph's numbers nan/inf ('' when they are all finite)."""
    if values:
        origins = [u for u in values.values() if u.arises_here]
        named = "; ".join(f"{u.cause} — {u.reason}" for u in origins[:_PROBLEMS_NAMED])
        more = f" (and {len(origins) - _PROBLEMS_NAMED} more)" if len(origins) > _PROBLEMS_NAMED else ""
        downstream = len(values) - len(origins)
        spread = f" {downstream} node(s) that read it are nan/inf too." if downstream else ""
        return f"⚠ Undefined at this row: {named}{more}.{spread} Change a weight or the row to move off it."
    if grads:
        origins = [u for u in grads.values() if u.arises_here]
        first = origins[0] if origins else next(iter(grads.values()))
        return (
            f"⚠ Every value is a number, but {len(grads)} gradient(s) of {graph.output} are not: "
            f"{first.cause} — {first.reason}."
        )
    return ""
