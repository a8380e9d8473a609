"""The Gradient check view: analytic against numeric gradients, per weight and per node.

The numbers and verdicts come from :mod:`engine.graph.checking` (the assignment's formula
‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂), central differences with an editable ε); this view colours and explains them.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.graph.checking import (
    BUG_ABOVE,
    CORRECT_BELOW,
    NOISE_FORMULA,
    CheckRow,
    GradientCheck,
    check_nodes,
    check_weights,
)
from engine.prose import lab_text
from gui.labs.backprop.session import GraphSession

#: Background and text colour per verdict.
VERDICT_COLOURS = {
    "correct": ("#c8e6c9", "#1b5e20"),
    "suspicious": ("#fff3c4", "#6b4e00"),
    "bug": ("#ffcdd2", "#8a1c1c"),
}


def _threshold(value: float) -> str:
    return f"{value:.0e}".replace("e-0", "e-")  # 1e-7, not 1e-07


NOT_FINITE_COLOURS = ("#e0e0e0", "#8a1c1c")
#: A paler green: passes, but only because the numeric side's rounding explains the difference.
WITHIN_NOISE_COLOURS = ("#e6f4d7", "#33691e")


def _number(value: float) -> str:
    return f"{value:.10g}".replace("-", "−")


class CheckPanel(QWidget):
    """ε box, the overall verdicts and one table for weights, one for nodes."""

    def __init__(self, session: GraphSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.eps = 1e-7
        self.weight_check: GradientCheck | None = None
        self.node_check: GradientCheck | None = None
        self.eps_edit = QLineEdit("1e-7")
        self.eps_edit.setObjectName("epsEdit")
        self.eps_edit.setMaximumWidth(110)
        self.eps_edit.setToolTip("ε of the central difference (e.g. 1e-7, 1e-4); Enter applies")
        self.eps_edit.setAccessibleName("Epsilon of the central difference")
        self.eps_error = QLabel()
        self.eps_error.setStyleSheet("color: #b71c1c;")
        top = QHBoxLayout()
        top.addWidget(QLabel("ε ="))
        top.addWidget(self.eps_edit)
        top.addWidget(self.eps_error, 1)
        self.weights_summary = QLabel()
        self.nodes_summary = QLabel()
        for summary in (self.weights_summary, self.nodes_summary):
            summary.setTextFormat(Qt.TextFormat.RichText)
            summary.setWordWrap(True)
        explanation = QLabel(
            lab_text(
                "backprop",
                "gradient_check",
                correct_below=_threshold(CORRECT_BELOW),
                bug_above=_threshold(BUG_ABOVE),
                noise_formula=NOISE_FORMULA,
            )
        )
        explanation.setTextFormat(Qt.TextFormat.MarkdownText)
        explanation.setObjectName("checkExplanation")
        explanation.setWordWrap(True)

        self.weights_table = _table("weight")
        self.nodes_table = _table("node")
        weights_page, nodes_page = QWidget(), QWidget()
        for page, summary, table in (
            (weights_page, self.weights_summary, self.weights_table),
            (nodes_page, self.nodes_summary, self.nodes_table),
        ):
            page_box = QVBoxLayout(page)
            page_box.setContentsMargins(0, 0, 0, 0)
            page_box.addWidget(summary)
            page_box.addWidget(table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(weights_page)
        split.addWidget(nodes_page)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(explanation)
        box.addWidget(split, 1)
        self.eps_edit.editingFinished.connect(self._on_eps_edited)
        session.sig_graph_changed.connect(self.recheck)
        session.sig_feeds_changed.connect(self.recheck)
        self.recheck()

    @Slot()
    def _on_eps_edited(self) -> None:
        text = self.eps_edit.text().strip().replace("−", "-")
        try:
            eps = float(text)
            if not 0 < eps < 1:
                raise ValueError
        except ValueError:
            self.eps_error.setText(f"ε must be a number between 0 and 1 (e.g. 1e-7), got {text!r}")
            self.eps_edit.setStyleSheet("border: 1px solid #c62828;")
            return
        self.eps_error.clear()
        self.eps_edit.setStyleSheet("")
        self.set_eps(eps)

    def set_eps(self, eps: float) -> None:
        """Check again with another ε."""
        self.eps = eps
        self.eps_edit.setText(f"{eps:g}")
        self.recheck()

    @Slot()
    def recheck(self) -> None:
        """Run both checks on the session's graph and row (cheap: two evaluations per leaf/node)."""
        graph, feeds = self.session.graph, self.session.feeds()
        self.weight_check = check_weights(graph, feeds, self.eps)
        self.node_check = check_nodes(graph, feeds, self.eps)
        _fill(self.weights_table, self.weight_check)
        _fill(self.nodes_table, self.node_check)
        self.weights_summary.setText(_summary("Weights", self.weight_check))
        self.nodes_summary.setText(_summary("Nodes", self.node_check))


def _table(what: str) -> QTableWidget:
    table = QTableWidget(0, 5)
    table.setAccessibleName(f"Gradient check per {what}")
    table.setTabKeyNavigation(False)  # Tab moves on; arrows move between cells
    table.setHorizontalHeaderLabels([what, "analytic g", "numeric g̃", "relative error", "check"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, check: GradientCheck) -> None:
    table.setRowCount(len(check.rows))
    for row, result in enumerate(check.rows):
        background, foreground = VERDICT_COLOURS[result.verdict]
        if result.within_noise or result.within_truncation:
            background, foreground = WITHIN_NOISE_COLOURS
        if not _finite(result):
            background, foreground = NOT_FINITE_COLOURS
        cells = (
            result.name,
            _number(result.analytic),
            _number(result.numeric),
            f"{result.rel_error:.2e}",
            result.label,  # the engine's verdict in words: one source of truth
        )
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if col:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if col == 4:
                item.setBackground(QColor(background))
                item.setForeground(QColor(foreground))
            item.setToolTip(
                f"|g − g̃| = {abs(result.analytic - result.numeric):.3g}; float64 rounding alone can put "
                f"≈ {result.noise:.3g} into g̃ (relative ≈ {result.rel_noise:.2g}), ε's truncation "
                f"≈ {result.truncation:.3g} (relative ≈ {result.rel_truncation:.2g})"
            )
            table.setItem(row, col, item)


def _finite(row: CheckRow) -> bool:
    return math.isfinite(row.analytic) and math.isfinite(row.numeric)


#: The overall verdict in words (the worst row's, so it always agrees with the table).
VERDICT_TITLES = {"correct": "correct", "suspicious": "worth a closer look", "bug": "a gradient is wrong"}
_ROWS_SAY = {
    "correct": "every row passes",
    "suspicious": "no row fails, but some deserve a closer look",
    "bug": "at least one row fails",
}


def _summary(what: str, check: GradientCheck) -> str:
    background, foreground = VERDICT_COLOURS[check.verdict]
    formula = {
        "correct": f"below {_threshold(CORRECT_BELOW)}",
        "suspicious": f"between {_threshold(CORRECT_BELOW)} and {_threshold(BUG_ABOVE)}",
        "bug": f"above {_threshold(BUG_ABOVE)}",
    }[check.formula_verdict]
    return (
        f"<p><b>{what}</b> ({len(check.rows)}): "
        f"<span style='background:{background}; color:{foreground}; padding:2px'>"
        f"<b>{VERDICT_TITLES[check.verdict]}</b></span> — {_ROWS_SAY[check.verdict]}. "
        f"The assignment's ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂) = <b>{check.difference:.3e}</b> ({formula}, "
        f"ε = {check.eps:g})."
        + _disagreement(check)
        + _noise_note(check)
        + _epsilon_note(check)
        + (
            ""
            if all(_finite(row) for row in check.rows)
            else "<br><b>Some gradients are not finite (nan/inf): the graph is undefined at this row "
            "(e.g. log of a negative number), so the check cannot judge them.</b>"
        )
        + "</p>"
    )


def _disagreement(check: GradientCheck) -> str:
    """Why the verdict differs from what the norm alone would say, when it does."""
    if check.agrees_with_formula:
        return ""
    if check.verdict == "correct":
        return (
            " The norm alone would call that a problem, but every row's difference is within what the "
            "central difference itself gets wrong at this ε: backprop is right; g̃ is inexact."
        )
    names = [row.name for row in check.rows if row.verdict != "correct"]
    shown = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
    return (
        f" The norm is dominated by the large gradients; {shown} differ(s) by more than the central "
        "difference's own error, so the rows decide."
    )


def _epsilon_note(check: GradientCheck) -> str:
    """Why ε matters: how far its two errors reach at this ε, relative to the gradients."""
    truncation, rounding = check.max_rel_truncation, check.max_rel_noise
    advice = (
        " That is above 1e-3: with an ε this large the check cannot confirm a gradient; try 1e-7."
        if truncation > BUG_ABOVE
        else " Around ε = 1e-7 both stay small in float64."
    )
    truncated = f"≈ {truncation:.1e}" if truncation > 0 else "too little to measure next to rounding"
    return (
        f"<br><i>Why ε matters:</i> at ε = {check.eps:g} the central difference is off by up to "
        f"≈ {rounding:.1e} from rounding (grows as ε shrinks) and {truncated} from truncation (the "
        f"ε²·f‴/6 it leaves out: grows with ε), relative to the gradients.{advice}"
    )


def _noise_note(check: GradientCheck) -> str:
    noisy = [row.name for row in check.rows if row.within_noise]
    coarse = [row.name for row in check.rows if row.within_truncation]
    notes = []
    if noisy:
        notes.append(
            f"<br>{len(noisy)} row(s) ({', '.join(noisy)}) pass only within rounding noise: their relative "
            f"error is above {_threshold(CORRECT_BELOW)}, but no larger than what rounding puts into g̃."
        )
    if coarse:
        notes.append(
            f"<br>{len(coarse)} row(s) ({', '.join(coarse)}) pass within truncation error: their difference "
            "is what ε's size alone puts into g̃ (estimated from g̃ at ε and 2ε)."
        )
    return "".join(notes)
