"""The Rules view: the assignment's derivative rules, every op's local derivatives and the optimizers'
update rules, all read from the engine's own tables (the same text the steps show)."""

from __future__ import annotations

from functools import partial
from html import escape as _escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from engine.graph import DERIVATIVE_RULES, OPS
from engine.graph.optimizers import RULES

escape = partial(_escape, quote=False)  # text content only: keep quotes readable (σ'(x))


def rules_html() -> str:
    """The three reference tables as HTML."""
    assignment = "".join(
        f"<tr><td>{escape(name)}</td><td><b>{escape(rule)}</b></td></tr>" for name, rule in DERIVATIVE_RULES
    )
    ops = "".join(
        f"<tr><td><b>{escape(op.symbol)}</b> {escape(op.name)}</td><td>{escape(op.rule)}</td>"
        f"<td>{'<br>'.join(escape(r) for r in op.derivative_rules)}</td></tr>"
        for op in OPS.values()
    )
    optimizers = "".join(
        f"<tr><td>{escape(rule.title)}</td><td>{escape(rule.formula)}</td>"
        f"<td>{escape(', '.join(f'{k} = {v:g}' for k, v in rule.defaults.items()))}</td></tr>"
        for rule in RULES.values()
    )
    table = "<table cellspacing='0' cellpadding='5' border='1' style='border-collapse: collapse'>"
    return (
        "<h3>Derivative rules (the assignment's panel)</h3>"
        f"{table}{assignment}</table>"
        "<p>Backpropagation applies the chain rule node by node, from the loss back to the weights: "
        "∂L/∂u = ∂L/∂f · ∂f/∂u (upstream gradient × local derivative). A node read by several "
        "consumers sums the products of all its paths.</p>"
        "<h3>Every operation: forward rule and local derivatives</h3>"
        f"{table}<tr><th>op</th><th>forward</th><th>local derivative(s)</th></tr>{ops}</table>"
        "<h3>Optimizer update rules (η = learning rate, g = gradient, t = step count)</h3>"
        f"{table}<tr><th>optimizer</th><th>update</th><th>defaults</th></tr>{optimizers}</table>"
    )


class RulesPanel(QScrollArea):
    """A scrollable reference card."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.label = QLabel(rules_html())
        self.label.setObjectName("rulesText")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setMargin(10)
        self.setWidget(self.label)
