"""KindLegend: a line of coloured chips naming the node kinds, with how to read and drive the view."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from gui.graph_view import style

#: How to read and drive the view; ``{out}`` is the graph's output (``L`` for the assignment's loss).
HINT = (
    "= value · ∂ = ∂{out}/∂node · wheel zooms, drag pans · → step, ← back, F forward, B backward, "
    "Space play, Home reset"
)


class KindLegend(QWidget):
    """Input, weight, operation, prediction and loss chips in the drawing's colours, then the hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        line = QHBoxLayout(self)
        line.setContentsMargins(4, 0, 4, 0)
        for kind in ("input", "weight", "op", "output", "loss"):
            spec = style.kind_style(kind)
            chip = QLabel(f" {spec.title} ")
            chip.setStyleSheet(
                f"background: {spec.fill}; border: 1px solid {spec.border}; border-radius: 6px;"
                " color: #1b1b1b;"
            )
            line.addWidget(chip)
        self.hint = QLabel()
        self.hint.setObjectName("legendHint")
        self.hint.setWordWrap(True)
        line.addWidget(self.hint, 1)
        self.set_output("L")

    def set_output(self, output: str) -> None:
        """Name the graph's output in the hint: a typed expression without a loss differentiates
        ``out``, not L."""
        self.hint.setText(HINT.format(out=output))
