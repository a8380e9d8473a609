"""The Backprop lab's tab: the interactive computational graph (step through forward and backward
passes, edit inputs, type your own graph), gradient checking, the rules card and the optimizer race.

The race is the lab's ``run`` on the worker thread (inherited Run/Stop, recorded in the run store);
everything else is interactive and instant on the GUI thread (a row's graph is a few dozen numbers).
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFormLayout, QGridLayout, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from engine.jobs import CancelToken, Finished, LabResult, LabSpec
from engine.labs.backprop import data as backprop_data
from engine.labs.backprop.data import DataFileError
from engine.runs import RunStore
from gui.labs.backprop.check import CheckPanel
from gui.labs.backprop.explorer import GraphExplorer
from gui.labs.backprop.memory import ExplorerMemory
from gui.labs.backprop.practice_hooks import PracticeOnGraph
from gui.labs.backprop.quiz import QuizBar
from gui.labs.backprop.race import FinalWeightsTable, race_group
from gui.labs.backprop.rules import RulesPanel
from gui.labs.backprop.session import GraphSession
from gui.widgets.training_lab import TrainingLabWidget

#: Width of the race's settings column when it is shown.
SETTINGS_WIDTH = 396
#: Epochs of the race the screenshot runs (synchronously, so the picture is a real race).
SCREENSHOT_EPOCHS = 30


class BackpropLabWidget(TrainingLabWidget):
    """Graph explorer, gradient check and rules beside the inherited race (form, Run/Stop, curves)."""

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, store, parent)
        self.session = GraphSession(backprop_data.embedded(), self)
        self.explorer = GraphExplorer(self.session)
        self.check = CheckPanel(self.session)
        self.rules = RulesPanel()
        self.final_weights = FinalWeightsTable(self.session)
        self.curves.group_of = race_group
        # Remembered across restarts and saved in session files, beside the race's settings.
        self.session_extras = ExplorerMemory(self.explorer, self.session)

        # The inherited curves page becomes the race page: curves on top, final weights below.
        curves_page = self.views.widget(0)
        assert curves_page is not None
        self.views.removeTab(0)
        self.race_page = QSplitter(Qt.Orientation.Vertical)
        self.race_page.addWidget(curves_page)
        curves_page.show()  # removeTab left it hidden
        self.race_page.addWidget(self.final_weights)
        self.race_page.setSizes([450, 330])
        self.views.insertTab(0, self.explorer, "Graph")
        self.views.insertTab(1, self.check, "Gradient check")
        self.views.insertTab(2, self.race_page, "Optimizer race")
        self.views.addTab(self.rules, "Rules")
        self.views.setCurrentWidget(self.explorer)
        # The left column holds the race's settings: hidden while the graph views need the room.
        self.settings_column = self.views.parentWidget()
        assert isinstance(self.settings_column, QSplitter)
        self._label_form()
        self._wrap_optimizer_choices()
        self.views.currentChanged.connect(self._on_view_changed)
        self.form.sig_value_changed.connect(self._on_form_changed)
        self.final_weights.load_button.clicked.connect(self.show_graph)
        # Practice: the prediction quiz under the explorer's toolbar, grades drawn on the graph.
        self.quiz = QuizBar(self.explorer)
        explorer_box = self.explorer.layout()
        assert isinstance(explorer_box, QVBoxLayout)
        explorer_box.insertWidget(1, self.quiz)
        assert self.practice is not None  # every registered lab has exercises
        self.practice_on_graph = PracticeOnGraph(self.practice, self.explorer, self.views)
        self._on_view_changed(self.views.currentIndex())

    def _wrap_optimizer_choices(self) -> None:
        # Six optimizer check boxes in one row need ~560 px; three per row fit the settings column.
        editor = self.form.editors.get("optimizers")
        boxes = list(getattr(editor, "boxes", {}).values())
        row_layout = editor.layout() if editor is not None else None
        if not boxes or not isinstance(row_layout, QHBoxLayout):
            return
        grid = QGridLayout()
        for index, box in enumerate(boxes):
            row_layout.removeWidget(box)
            grid.addWidget(box, index // 3, index % 3)
        row_layout.insertLayout(0, grid)

    def _label_form(self) -> None:
        # The generic form capitalises labels, which turns "ε" into "Ε" and "SGD η" into "Sgd η";
        # the race's labels are already written as they should read.
        layout = self.form.layout()
        assert isinstance(layout, QFormLayout)
        for name, editor in self.form.editors.items():
            label = layout.labelForField(editor)
            text = self.form.infos[name].label
            if isinstance(label, QLabel) and text:
                label.setText(text[0].upper() + text[1:] if text[0].isascii() else text)

    # --- views ----------------------------------------------------------------------------------

    @Slot(int)
    def _on_view_changed(self, index: int) -> None:
        widget = self.views.widget(index)
        race_side = widget not in (self.explorer, self.check, self.rules, self.practice)
        splitter = self.settings_column
        assert isinstance(splitter, QSplitter)
        total = sum(splitter.sizes())
        if race_side and splitter.sizes()[0] == 0:
            splitter.setSizes([SETTINGS_WIDTH, max(total - SETTINGS_WIDTH, 1)])
        elif not race_side:
            splitter.setSizes([0, total])
        if widget is self.explorer:
            self.explorer.view.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        """Opening the tab puts focus on the graph, so → ← Space Home step right away."""
        super().showEvent(event)
        if self.views.currentWidget() is self.explorer:
            view = self.explorer.view
            QTimer.singleShot(0, view, view.setFocus)  # with the view as context: dropped once it is gone

    @Slot()
    def show_graph(self) -> None:
        """Switch to the graph explorer."""
        self.views.setCurrentWidget(self.explorer)

    def show_race(self) -> None:
        """Switch to the optimizer race."""
        self.views.setCurrentWidget(self.race_page)

    @Slot(str)
    def _on_form_changed(self, name: str) -> None:
        if name != "data_path":
            return
        path = self.form.raw_values().get("data_path", "")
        if path and not _is_file(path):
            return  # still typing
        try:
            data = backprop_data.load(path) if path else backprop_data.embedded()
        except DataFileError as exc:
            self.message_bar.show_message(f"{self.spec.title}: {exc}", "error")
            return
        self.message_bar.clear()
        self.session.set_data(data)
        self.explorer.inputs.fill_table()
        self.explorer.inputs.refresh()

    # --- race -----------------------------------------------------------------------------------

    def reset_views(self) -> None:
        """A new race: clear the inherited views and the final weights; show the race."""
        super().reset_views()
        self.final_weights.clear()
        self.show_race()

    def show_result(self, result: LabResult) -> None:
        """Results table (inherited) and the final weights, without pulling the learner off the page
        they are on (the race page when they pressed Run, the graph if they went back to it)."""
        current = self.views.currentWidget()
        super().show_result(result)
        self.final_weights.show_result(result)
        self.views.setCurrentWidget(current)

    # --- screenshots ----------------------------------------------------------------------------

    def prepare_screenshot(self, view: str) -> None:
        """'' → the assignment graph mid-backward-pass; 'race' → a finished race (run here, for real);
        'check' → the gradient check on the first row with w = 0.1; 'expression' → a typed expression
        with a missing ')' (the caret message)."""
        if view in ("check", "expression"):
            self.explorer.show_assignment_graph()
            self.explorer.inputs.use_grader_weights()
            if view == "check":
                self.views.setCurrentWidget(self.check)
                return
            self.views.setCurrentWidget(self.explorer)
            self.explorer.expression.setText("tanh(w1*x1 + w2 * (x2 - w3)")
            self.explorer.build_from_text()
            return
        if view == "race":
            self.form.set_value("epochs", SCREENSHOT_EPOCHS)
            params = self.form.params()
            self.reset_views()
            result = self.spec.run(params, CancelToken(), self.on_event)
            self.on_event(Finished(result))
            self.show_race()
            return
        self.views.setCurrentWidget(self.explorer)
        explorer = self.explorer
        explorer.show_assignment_graph()
        explorer.inputs.use_grader_weights()
        # Stop mid-backward-pass on the first node whose gradient sums two paths (w2f2 feeds both
        # `+` nodes of the square): the most telling chain-rule step of the figure.
        backward = explorer.walk.backward_steps
        stop = next((s.index for s in backward if len(s.terms) > 1), len(backward) // 2)
        explorer.seek(len(explorer.walk.forward_steps) + stop + 1)


def _is_file(path: str) -> bool:
    from pathlib import Path

    return Path(path).is_file()


WIDGET = BackpropLabWidget
