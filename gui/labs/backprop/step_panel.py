"""The side panel that explains the active step: the rule and its numbers.

Forward: the computation with the input values substituted, then the op's rule. Backward: the chain
rule with its numbers first, then for each path back from a consumer the upstream gradient, the
local derivative (rule and the value it takes at the consumer's inputs) and their product; the node's
gradient is their sum. The formula comes first so a short panel (a 720-pixel screen) still shows it.
Hooks for other views: :meth:`StepPanel.set_note` adds a line beside the step (e.g. the graders'
expected value), :meth:`StepPanel.set_selected` a note on a clicked node.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from engine.graph import BackwardStep, ForwardStep, Graph, Undefined, WalkState
from engine.graph.steps import fmt

_MONO = "font-family: 'DejaVu Sans Mono', 'Consolas', monospace;"
_KIND_WORDS = {"input": "an input", "weight": "a weight", "constant": "a constant"}


def _formula(text: str) -> str:
    shade = "background: rgba(127,127,127,0.12); padding: 4px;"
    return f'<p style="{_MONO} font-size: 105%; {shade}">{escape(text)}</p>'


_NOTE_STYLE = "background: rgba(106,27,154,0.10); padding: 4px;"


#: Text colours on the panel's background, per theme (dark: lighter shades, for contrast).
_COLOURS = {
    False: {"red": "#b71c1c", "green": "#1b5e20", "blue": "#1565c0", "input": "#1f6e2b", "weight": "#a84300",
            "muted": "#5f6368"},
    True: {"red": "#ff8a80", "green": "#81c784", "blue": "#90caf9", "input": "#a5d6a7", "weight": "#ffb74d",
           "muted": "#b0b6bc"},
}  # fmt: skip


def _undefined(problem: Undefined | None, colours: dict[str, str]) -> str:
    """Why the step's number is nan/inf, in red, or nothing."""
    if problem is None:
        return ""
    why = f"<b>⚠ {escape(problem.cause)}</b>: {escape(problem.why)}"
    return f"<p style='color:{colours['red']}'>{why}</p>"


def _product_colour(value: float, colours: dict[str, str]) -> str:
    return colours["red"] if value < 0 else colours["green"]


class StepPanel(QScrollArea):
    """Shows what the current step of a :class:`~engine.graph.Walkthrough` computes, and how."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Chain-rule step")
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
        self.note_html = ""
        #: Extra HTML for a state (the Practice tab puts the learner's numbers beside ours here).
        self.annotate: Callable[[WalkState], str] | None = None
        self._shown: tuple[Graph, WalkState, tuple[ForwardStep, ...]] | None = None

    @property
    def colours(self) -> dict[str, str]:
        """The text colours for the current theme (the panel's background decides)."""
        return _COLOURS[self.palette().base().color().lightness() < 128]

    def changeEvent(self, event: QEvent) -> None:
        """A theme switch redraws the explanation in that theme's colours."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._shown is not None:
            self.show_state(*self._shown)

    @property
    def text(self) -> str:
        """The panel's content as plain text (for tests and copy-paste)."""
        from PySide6.QtGui import QTextDocument

        document = QTextDocument()
        document.setHtml(self.label.text())
        return document.toPlainText()

    def set_note(self, text: str) -> None:
        """Lines shown under the step's formula, beside its numbers ('' for none); plain text."""
        lines = "<br>".join(escape(line) for line in text.splitlines())
        self.note_html = f"<p style='{_NOTE_STYLE}'>{lines}</p>" if text else ""

    def show_state(self, graph: Graph, state: WalkState, forward: tuple[ForwardStep, ...]) -> None:
        """Explain ``state.step`` (or how to start / what is done)."""
        self._shown = (graph, state, forward)
        colours = self.colours
        n_forward = len(forward)
        step = state.step
        if step is None:
            body = (
                "<h3>Ready</h3><p>Only the leaves are known: the "
                f"<span style='color:{colours['input']}'><b>inputs</b></span> "
                f"(this data row) and the <span style='color:{colours['weight']}'><b>weights</b></span>.</p>"
                "<p>Press <b>→</b> (or <b>F</b>, Forward step) to evaluate the first node, <b>B</b> for "
                "the next gradient, <b>Space</b> to play the whole pass, <b>←</b> to go back, <b>Home</b> "
                "to start over.</p>"
            )
        elif isinstance(step, ForwardStep):
            body = self._forward_html(graph, step, n_forward)
        else:
            body = self._backward_html(graph, step, state, forward)
        if state.phase == "done":
            out = escape(graph.output)
            body += (
                f"<p><b>Backward pass complete.</b> Every node now shows ∂{out}/∂node; the weights' "
                "gradients are what an optimizer uses (see <i>Gradient check</i> to verify them "
                "numerically).</p>"
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
            f"<h3>Forward step {step.index + 1} of {n_forward}: <span style='color:{self.colours['blue']}'>"
            f"{escape(step.node)}</span></h3>"
            f"{_formula(step.formula)}{_undefined(step.undefined, self.colours)}{self.note_html}"
            f"<p>Rule: <b>{escape(step.rule)}</b><br>Reads: {reads}</p>"
            f"<p>{escape(step.node)} = {escape(node.expression)}</p>"
        )

    def _backward_html(
        self, graph: Graph, step: BackwardStep, state: WalkState, forward: tuple[ForwardStep, ...]
    ) -> str:
        n_backward = state.total - len(forward)
        out = graph.output
        title = (
            f"<h3>Backward step {step.index + 1} of {n_backward}: <span style='color:{self.colours['red']}'>"
            f"∂{escape(out)}/∂{escape(step.node)}</span></h3>"
        )
        if not step.terms:
            return (
                title
                + "<p>The backward pass starts at the output with the seed</p>"
                + _formula(step.formula)
                + self.note_html
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
                f"<tr><td>local {escape(term.rule)}<br><span style='color:{self.colours['muted']}'>at {at}"
                "</span></td>"
                f"<td style=\"{_MONO}\" align='right'>{fmt(term.local)}</td></tr>"
                f"<tr><td>product {fmt(term.upstream)} · {fmt(term.local)}</td>"
                f"<td style=\"{_MONO} color:{_product_colour(term.product, self.colours)}\" align='right'>"
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
            + _formula(step.formula)
            + _undefined(step.undefined, self.colours)
            + self.note_html
            + "<p>Chain rule: upstream gradient × local derivative, one product per path.</p>"
            + f"<table width='100%' cellspacing='2'>{''.join(rows)}</table>"
            + summed
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
