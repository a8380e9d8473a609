"""The explorer's inputs: the data row (spin box and table), the weights and their presets.

Every edit goes to the :class:`~gui.labs.backprop.session.GraphSession`, which re-evaluates the
graph at once; the boxes are refreshed from the session (never the other way round).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Slot
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.graph import FEATURES, TARGET, assignment_graph, initial_weights
from gui.labs.backprop.graders import GRADERS_ROW, load_graders_row
from gui.labs.backprop.session import GraphSession

#: The assignment's initialisation: N(0, σ²) with σ = 0.01 (the race's ``init_std`` default).
RANDOM_STD = 0.01


class ValueBox(QDoubleSpinBox):
    """A number box that keeps full precision and shows up to 6 significant digits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(10)  # Qt rounds stored values to `decimals`; 10 keeps N(0, 0.01) draws exact enough
        self.setRange(-1e6, 1e6)
        self.setSingleStep(0.01)
        self.setKeyboardTracking(False)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)

    def textFromValue(self, value: float) -> str:
        """Compact text: 0.1, −0.00345, 1.2e+03."""
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        """Parse what the learner typed (plain or scientific notation)."""
        try:
            return float(text.replace("−", "-"))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        """Accept anything that is, or may become, a number."""
        try:
            float(text.replace("−", "-").strip())
            return QValidator.State.Acceptable, text, pos
        except ValueError:
            return QValidator.State.Intermediate, text, pos


class InputsPanel(QWidget):
    """Weights (with the grader and random presets), free inputs and the data row."""

    def __init__(self, session: GraphSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.weight_boxes: dict[str, ValueBox] = {}
        self.input_boxes: dict[str, ValueBox] = {}

        self.weights_group = QGroupBox("Weights")
        self.weights_grid = QGridLayout()
        self.weights_grid.setHorizontalSpacing(6)
        self.grader_button = QPushButton("All 0.1")
        self.grader_button.setToolTip(
            "Every weight 0.1, the graders' setting (with their numbers: Data row ▸ Graders' row)"
        )
        self.grader_button.setAccessibleName("All weights 0.1")
        self.random_button = QPushButton("Random N(0, 0.01)")
        self.random_button.setAccessibleName("Random weights")
        self.random_button.setToolTip("Draw the weights from N(0, 0.01²) with this seed (as the race does)")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 99_999)
        self.seed_box.setPrefix("seed ")
        self.seed_box.setAccessibleName("Seed of the random weights")
        self.seed_box.setToolTip("Seed of the random weights (the race's seed gives its starting point)")
        presets = QHBoxLayout()
        presets.addWidget(self.grader_button)
        presets.addWidget(self.random_button)
        presets.addWidget(self.seed_box)
        weights_box = QVBoxLayout(self.weights_group)
        weights_box.addLayout(self.weights_grid)
        weights_box.addLayout(presets)

        self.inputs_group = QGroupBox("Inputs not in the data")
        self.inputs_grid = QGridLayout(self.inputs_group)

        self.data_group = QGroupBox("Data row")
        self.row_box = QSpinBox()
        self.row_box.setObjectName("rowBox")
        self.row_box.setPrefix("row ")
        self.row_box.setToolTip("0-based, like X[i] in the assignment's notebook")
        self.row_box.setAccessibleName("Data row")
        self.graders_row_button = QPushButton("Graders' row")
        self.graders_row_button.setObjectName("gradersRowButton")
        self.graders_row_button.setAccessibleName("Graders' row")
        self.graders_row_button.setToolTip(
            "A constructed row on which w = 0.1 gives the assignment graders' expected values; "
            "shows theirs beside this app's"
        )
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.table = QTableWidget(0, len(FEATURES) + 1)
        self.table.setHorizontalHeaderLabels([*FEATURES, TARGET])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setDefaultSectionSize(50)
        self.table.setMinimumHeight(90)
        # Tab leaves the table (arrows move between rows): 506 rows must not trap the keyboard.
        self.table.setTabKeyNavigation(False)
        self.table.setAccessibleName("Data rows")
        data_box = QVBoxLayout(self.data_group)
        row_line = QHBoxLayout()
        row_line.addWidget(self.row_box)
        row_line.addWidget(self.graders_row_button)
        row_line.addWidget(self.source_label, 1)
        data_box.addLayout(row_line)
        data_box.addWidget(self.table, 1)

        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.weights_group)
        box.addWidget(self.inputs_group)
        box.addWidget(self.data_group, 1)

        self.grader_button.clicked.connect(self.use_grader_weights)
        self.random_button.clicked.connect(self.use_random_weights)
        self.graders_row_button.clicked.connect(self.use_graders_row)
        self.row_box.valueChanged.connect(self._on_row_box)
        self.table.itemSelectionChanged.connect(self._on_table_selection)
        session.sig_graph_changed.connect(self.rebuild)
        session.sig_feeds_changed.connect(self.refresh)
        self.fill_table()
        self.rebuild()

    # --- building -------------------------------------------------------------------------------

    def fill_table(self) -> None:
        """Show every data row (features and target)."""
        data = self.session.data
        self.table.setRowCount(data.rows)
        columns = [data.column(name) for name in (*FEATURES, TARGET)]
        for row in range(data.rows):
            for col, values in enumerate(columns):
                item = QTableWidgetItem(f"{float(values[row]):.3g}".replace("-", "−"))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.setVerticalHeaderLabels([str(i) for i in range(data.rows)])
        self.table.resizeColumnsToContents()
        self.row_box.setRange(0, data.rows - 1)
        self._show_source()

    def _show_source(self) -> None:
        data = self.session.data
        if self.session.custom_row_name == GRADERS_ROW:
            self.source_label.setText("the graders' row (constructed; not in the data)")
        else:
            self.source_label.setText(f"of {data.rows} · {data.source}")

    @Slot()
    def rebuild(self) -> None:
        """New graph: one box per weight and per free input."""
        for grid, boxes in ((self.weights_grid, self.weight_boxes), (self.inputs_grid, self.input_boxes)):
            while grid.count():
                item = grid.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.hide()  # deleteLater waits for the event loop; do not draw it meanwhile
                    widget.deleteLater()
            boxes.clear()
        for index, name in enumerate(self.session.graph.weights):
            self.weight_boxes[name] = self._add_box(self.weights_grid, index, name, self._on_weight_edited)
        for index, name in enumerate(self.session.free_input_names()):
            self.input_boxes[name] = self._add_box(self.inputs_grid, index, name, self._on_input_edited)
        self.inputs_group.setVisible(bool(self.input_boxes))
        self.refresh()

    def _add_box(self, grid: QGridLayout, index: int, name: str, slot: object) -> ValueBox:
        row, col = divmod(index, 3)
        label = QLabel(name)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        box = ValueBox()
        box.setObjectName(f"value_{name}")
        box.setAccessibleName(name)
        box.setToolTip(f"{name}: type a number (1e-3 works); Enter applies")
        box.setProperty("leaf", name)
        box.valueChanged.connect(slot)
        grid.addWidget(label, row, col * 2)
        grid.addWidget(box, row, col * 2 + 1)
        return box

    @Slot()
    def refresh(self) -> None:
        """Show the session's current values (without echoing edits back)."""
        for name, box in self.weight_boxes.items():
            with QSignalBlocker(box):
                box.setValue(self.session.weights[name])
        for name, box in self.input_boxes.items():
            with QSignalBlocker(box):
                box.setValue(self.session.input_value(name))
        with QSignalBlocker(self.row_box):
            self.row_box.setValue(self.session.row)
        with QSignalBlocker(self.table):
            if self.session.custom_row is None:
                self.table.selectRow(self.session.row)
            else:  # a row that is not in the data: no table row is it
                self.table.clearSelection()
        self._show_source()

    # --- edits ----------------------------------------------------------------------------------

    @Slot()
    def use_grader_weights(self) -> None:
        """Every weight 0.1 (the assignment's grader setting)."""
        self.session.set_weights(dict.fromkeys(self.session.graph.weights, 0.1))

    @Slot()
    def use_graders_row(self) -> None:
        """The graders' constructed row with w = 0.1, on the assignment's graph."""
        if not self.session.is_assignment:
            self.session.set_graph(assignment_graph(), is_assignment=True)
        load_graders_row(self.session)

    @Slot()
    def use_random_weights(self) -> None:
        """Weights from N(0, 0.01²) with the chosen seed: the race's initial weights for that seed."""
        names = self.session.graph.weights
        # The race's own draw, so seed S here shows the race's starting point.
        values = initial_weights(len(names), self.seed_box.value(), RANDOM_STD)
        self.session.set_weights(dict(zip(names, values, strict=True)))

    @Slot(float)
    def _on_weight_edited(self, value: float) -> None:
        box = self.sender()
        self.session.set_weight(str(box.property("leaf")), value)

    @Slot(float)
    def _on_input_edited(self, value: float) -> None:
        box = self.sender()
        self.session.set_free_input(str(box.property("leaf")), value)

    @Slot(int)
    def _on_row_box(self, row: int) -> None:
        self.session.set_row(row)

    @Slot()
    def _on_table_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.session.set_row(rows[0].row())
