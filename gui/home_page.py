"""The Home page: a card per lab saying what it teaches and which assignment it covers."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import LabSpec


class LabCard(QFrame):
    """One lab: title, what it teaches, the assignment, an Open button."""

    sig_open_requested = Signal(str)
    """The lab id whose tab should open."""

    def __init__(self, spec: LabSpec, number: int) -> None:
        super().__init__()
        self.setObjectName("labCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self)
        title = QLabel(f"<h3>{number}. {spec.title}</h3>")
        summary = QLabel(spec.summary)
        summary.setWordWrap(True)
        assignment = QLabel(f"<i>Assignment:</i> {spec.assignment}")
        assignment.setWordWrap(True)
        needs = "TensorFlow/Keras" if spec.needs_tensorflow else "pure numpy — no TensorFlow needed"
        runtime = QLabel(f"<small>Runs on: {needs}</small>")
        button = QPushButton("Open")
        button.setObjectName(f"open_{spec.id}")
        button.setToolTip(f"Open the {spec.title} lab")
        button.setAccessibleName(f"Open {spec.title}")
        button.clicked.connect(lambda: self.sig_open_requested.emit(spec.id))
        for widget in (title, summary, assignment, runtime):
            box.addWidget(widget)
        box.addStretch(1)
        box.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)


class HomePage(QScrollArea):
    """Cards for every registered lab, two per row."""

    sig_open_requested = Signal(str)
    """The lab id whose tab should open."""

    def __init__(self, labs: dict[str, LabSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        inner = QWidget()
        outer = QVBoxLayout(inner)
        heading = QLabel(
            "<h2>Deep Learning Lab</h2><p>Six labs that show what happens inside a network: step through "
            "backpropagation node by node, then train Keras models on your CPU and watch every epoch, "
            "callback decision and gradient. Everything runs offline on embedded data; open your own "
            "data with File ▸ Open data….</p>"
        )
        heading.setWordWrap(True)
        outer.addWidget(heading)
        grid = QGridLayout()
        for index, spec in enumerate(labs.values()):
            card = LabCard(spec, index + 1)
            card.sig_open_requested.connect(self.sig_open_requested)
            grid.addWidget(card, index // 2, index % 2)
        outer.addLayout(grid)
        outer.addStretch(1)
        self.setWidget(inner)
