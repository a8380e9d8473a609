"""The side panel that explains the active step: the rule and its numbers.

Forward: the op's rule and the computation with the input values substituted. Backward: for each
path back from a consumer, the upstream gradient, the local derivative (rule and the value it takes
at the consumer's inputs) and their product; the node's gradient is their sum. The chain rule, with
the engine's numbers in it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from engine.graph import BackwardStep, ForwardStep, Graph, WalkState
from engine.graph.steps import fmt

_MONO = "font-family: 'DejaVu Sans Mono', 'Consolas', monospace;"
_KIND_WORDS = {"input": "an input", "weight": "a weight", "constant": "a constant"}


def _formula(text: str) -> str:
    shade = "background: rgba(127,127,127,0.12); padding: 4px;"
    return f'<p style="{_MONO} font-size: 105%; {shade}">{escape(text)}</p>'


def _product_colour(value: float) -> str:
    return "#b71c1c" if value < 0 else "#1b5e20"


class StepPanel(QScrollArea):
    """Shows what the current step of a :class:`~engine.graph.Walkthrough` computes, and how."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.label = QLabel()
        self.label.setObjectName("stepExplanation")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setMargin(8)
        self.setWidget(self.label)
        self.selected_html = ""
        #: Extra HTML for a state (the Practice tab puts the learner's numbers beside ours here).
        self.annotate: Callable[[WalkState], str] | None = None

    @property
    def text(self) -> str:
        """The panel's content as plain text (for tests and copy-paste)."""
        from PySide6.QtGui import QTextDocument

        document = QTextDocument()
        document.setHtml(self.label.text())
        return document.toPlainText()

    def show_state(self, graph: Graph, state: WalkState, forward: tuple[ForwardStep, ...]) -> None:
        """Explain ``state.step`` (or how to start / what is done)."""
        n_forward = len(forward)
        step = state.step
        if step is None:
            body = (
                "<h3>Ready</h3><p>Only the leaves are known: the "
                "<span style='color:#2e7d32'><b>inputs</b></span> "
                "(this data row) and the <span style='color:#e65100'><b>weights</b></span>.</p>"
                "<p>Press <b>→</b> (Forward step) to evaluate the first node, <b>Space</b> to play the "
                "whole pass, <b>←</b> to go back, <b>Home</b> to start over.</p>"
            )
        elif isinstance(step, ForwardStep):
            body = self._forward_html(graph, step, n_forward)
        else:
            body = self._backward_html(graph, step, state, forward)
        if state.phase == "done":
            body += (
                "<p><b>Backward pass complete.</b> Every node now shows ∂L/∂node; the weights' gradients "
                "are what an optimizer uses (see <i>Gradient check</i> to verify them numerically).</p>"
            )
        extra = self.annotate(state) if self.annotate is not None else ""
        self.label.setText(body + extra + self.selected_html)

    def _forward_html(self, graph: Graph, step: ForwardStep, n_forward: int) -> str:
        node = graph.nodes[step.node]
        reads = ", ".join(
            f"{escape(name)} = {fmt(value)}"
            for name, value in zip(step.inputs, step.input_values, strict=True)
        )
        return (
            f"<h3>Forward step {step.index + 1} of {n_forward}: <span style='color:#1565c0'>"
            f"{escape(step.node)}</span></h3>"
            f"<p>Rule: <b>{escape(step.rule)}</b><br>Reads: {reads}</p>"
            f"{_formula(step.formula)}"
            f"<p style='color:gray'>{escape(step.node)} = {escape(node.expression)}</p>"
        )

    def _backward_html(
        self, graph: Graph, step: BackwardStep, state: WalkState, forward: tuple[ForwardStep, ...]
    ) -> str:
        n_backward = state.total - len(forward)
        out = graph.output
        title = (
            f"<h3>Backward step {step.index + 1} of {n_backward}: <span style='color:#c62828'>"
            f"∂{escape(out)}/∂{escape(step.node)}</span></h3>"
        )
        if not step.terms:
            return (
                title + "<p>The backward pass starts at the output with the seed</p>" + _formula(step.formula)
            )
        by_node = {s.node: s for s in forward}
        rows = []
        for term in step.terms:
            consumer = by_node.get(term.consumer)
            at = ""
            if consumer is not None:
                at = ", ".join(
                    f"{escape(n)} = {fmt(v)}"
                    for n, v in zip(consumer.inputs, consumer.input_values, strict=True)
                )
            rows.append(
                "<tr><td colspan='2' style='padding-top:6px'>via <b>"
                f"{escape(term.consumer)}</b> ({escape(graph.nodes[term.consumer].label)})</td></tr>"
                f"<tr><td>upstream ∂{escape(out)}/∂{escape(term.consumer)}</td>"
                f"<td style=\"{_MONO}\" align='right'>{fmt(term.upstream)}</td></tr>"
                f"<tr><td>local {escape(term.rule)}<br><span style='color:gray'>at {at}</span></td>"
                f"<td style=\"{_MONO}\" align='right'>{fmt(term.local)}</td></tr>"
                f"<tr><td>product {fmt(term.upstream)} · {fmt(term.local)}</td>"
                f"<td style=\"{_MONO} color:{_product_colour(term.product)}\" align='right'>"
                f"<b>{fmt(term.product)}</b></td></tr>"
            )
        summed = ""
        if len(step.terms) > 1:
            summed = (
                f"<p>{escape(step.node)} feeds {len(step.terms)} paths, so its gradient is the "
                f"<b>sum</b> of their products: <b>{fmt(step.grad)}</b>.</p>"
            )
        return (
            title
            + "<p>Chain rule: upstream gradient × local derivative.</p>"
            + f"<table width='100%' cellspacing='2'>{''.join(rows)}</table>"
            + summed
            + _formula(step.formula)
        )

    def set_selected(self, graph: Graph, node_id: str, state: WalkState) -> None:
        """Add a note on a clicked node: what it computes and what is known about it."""
        if not node_id or node_id not in graph.nodes:
            self.selected_html = ""
            return
        node = graph.nodes[node_id]
        what = _KIND_WORDS.get(node.kind, f"computes {escape(node.expression)}")
        value = state.values.get(node_id)
        grad = state.grads.get(node_id)
        known = [f"value {fmt(value)}" if value is not None else "value not computed yet"]
        known.append(
            f"∂{escape(graph.output)}/∂{escape(node_id)} = {fmt(grad)}"
            if grad is not None
            else "gradient not computed yet"
        )
        self.selected_html = f"<hr><p><b>Selected {escape(node_id)}</b>: {what}<br>{'; '.join(known)}</p>"
