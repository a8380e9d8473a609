"""The Backprop lab's tab: the interactive computational graph (step through forward and backward
passes, edit inputs, type your own graph), gradient checking, the rules card and the optimizer race.

The race is the lab's ``run`` on the worker thread (inherited Run/Stop, recorded in the run store);
everything else is interactive and instant on the GUI thread (a row's graph is a few dozen numbers).
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import Cancelled, CancelToken, EpochEnded, Finished, LabResult, LabSpec
from engine.labs.backprop import EPOCH_LOSS_TITLES, OPTIMIZERS
from engine.labs.backprop import data as backprop_data
from engine.labs.backprop.data import DataFileError
from engine.runs import RunStore
from gui.labs.backprop.check import CheckPanel
from gui.labs.backprop.explorer import GraphExplorer
from gui.labs.backprop.memory import ExplorerMemory
from gui.labs.backprop.practice_hooks import PracticeOnGraph
from gui.labs.backprop.quiz import QuizBar
from gui.labs.backprop.race import FinalWeightsTable
from gui.labs.backprop.race_page import RacePage
from gui.labs.backprop.race_plots import OptimizerPlots
from gui.labs.backprop.rules import RulesPanel
from gui.labs.backprop.session import GraphSession
from gui.widgets.training_lab import TrainingLabWidget

#: Epochs of the race the screenshot runs (synchronously, so the picture is a real race).
SCREENSHOT_EPOCHS = 30
#: Optimizer check boxes per row in the settings column (six in one row need ~560 px).
CHOICES_PER_ROW = 2
#: How often the race's epochs are drawn (ms): a race finishes hundreds of epochs a second, and
#: redrawing every curve for each one would leave the window behind, unresponsive.
DRAW_EVERY_MS = 200


class BackpropLabWidget(TrainingLabWidget):
    """Graph explorer, gradient check, the race (settings, curves, final weights) and the rules."""

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, store, parent)
        self.session = GraphSession(backprop_data.embedded(), self)
        self.explorer = GraphExplorer(self.session)
        self.check = CheckPanel(self.session)
        self.rules = RulesPanel()
        self.final_weights = FinalWeightsTable(self.session)
        self.optimizer_plots = OptimizerPlots()
        self.epoch_loss = "after"
        self.curves.group_of = self._plot_title
        self._pending_epochs: list[EpochEnded] = []
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(DRAW_EVERY_MS)
        self._draw_timer.timeout.connect(self._draw_pending_epochs)
        self.log_y.toggled.connect(self.optimizer_plots.set_log_y)
        # Remembered across restarts and saved in session files, beside the race's settings.
        self.session_extras = ExplorerMemory(self.explorer, self.session)

        # The inherited curves page and settings column become the race page.
        curves_page = self.views.widget(0)
        assert curves_page is not None
        self.views.removeTab(0)
        self.race_page = RacePage(self.settings_column, curves_page, self.optimizer_plots, self.final_weights)
        curves_page.show()  # removeTab left it hidden
        self.views.insertTab(0, self.explorer, "Graph")
        self.views.insertTab(1, self.check, "Gradient check")
        self.views.insertTab(2, self.race_page, "Optimizer race")
        self.views.addTab(self.rules, "Rules")
        self.views.setCurrentWidget(self.explorer)
        self._label_form()
        self._fit_form_to_its_column()
        # Ctrl+Tab / Ctrl+Shift+Tab (and Ctrl+PgDown / Ctrl+PgUp) come from the training-lab base.
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

    def _fit_form_to_its_column(self) -> None:
        # Two optimizer check boxes per row, and no sideways scrolling: the column is ~300 px wide.
        editor = self.form.editors.get("optimizers")
        boxes = list(getattr(editor, "boxes", {}).values())
        row_layout = editor.layout() if editor is not None else None
        if boxes and isinstance(row_layout, QHBoxLayout):
            grid = QGridLayout()
            for index, box in enumerate(boxes):
                row_layout.removeWidget(box)
                grid.addWidget(box, index // CHOICES_PER_ROW, index % CHOICES_PER_ROW)
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
        if self.views.widget(index) is self.explorer:
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

    def _plot_title(self, metric: str) -> str:
        """Every optimizer's ``loss_<name>`` shares one plot, titled with the loss it shows."""
        return EPOCH_LOSS_TITLES[self.epoch_loss] if metric.startswith("loss") else metric

    def reset_views(self) -> None:
        """A new race: clear the plots and the final weights, title them with the chosen epoch loss,
        show the race."""
        try:
            params = self.form.params()
        except ValueError:  # a screenshot or test resetting with a half-typed form
            params = None
        # getattr: the shell's tests run a stand-in lab through this widget.
        names = tuple(getattr(params, "optimizers", OPTIMIZERS[:0]))
        epoch_loss = str(getattr(params, "epoch_loss", self.epoch_loss))
        if epoch_loss != self.epoch_loss:
            self.curves.clear()  # the plot's title names the loss: build it anew
            self.epoch_loss = epoch_loss
        self._pending_epochs.clear()  # a previous race's epochs not drawn yet
        self._draw_timer.stop()
        super().reset_views()
        self.final_weights.clear()
        self.optimizer_plots.start(names, EPOCH_LOSS_TITLES[self.epoch_loss])
        self.show_race()

    @Slot(object)
    def on_event(self, event: object) -> None:
        """The inherited handling, with epochs drawn together every DRAW_EVERY_MS; plus the
        per-optimizer plots and, after a Stop, the final weights of the completed epochs."""
        if isinstance(event, EpochEnded):
            self._pending_epochs.append(event)
            if not self._draw_timer.isActive():
                self._draw_timer.start()
            return
        self._draw_pending_epochs()  # every other event comes after the epochs before it
        super().on_event(event)
        if isinstance(event, Cancelled) and event.partial is not None:
            self.final_weights.show_result(event.partial)

    @Slot()
    def _draw_pending_epochs(self) -> None:
        pending, self._pending_epochs = self._pending_epochs, []
        if not pending:
            return
        with self.curves.deferred():
            for event in pending:
                super().on_event(event)
        self.optimizer_plots.add_points(
            [(m.removeprefix("loss_"), e.epoch, v) for e in pending for m, v in e.metrics.items()]
        )

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
        'optimizers' → the same race's per-optimizer plots beside the comparison plot; 'graders' → the
        graders' row with their numbers beside this app's, stepped to the exp node; 'check' → the
        gradient check on the first row with w = 0.1; 'expression' → a typed expression with a missing
        ')' (the caret message); 'undefined' → x1 / (w1 − 0.1) at w1 = 0.1, explained on its node."""
        explorer = self.explorer
        if view in ("race", "optimizers"):
            self.form.set_value("epochs", SCREENSHOT_EPOCHS)
            self.reset_views()
            result = self.spec.run(self.form.params(), CancelToken(), self.on_event)
            self.on_event(Finished(result))
            self.show_race()
            if view == "optimizers":  # the plots get the room; the weights table is below them
                self.race_page.results.setSizes([10_000, 1])
            return
        self.views.setCurrentWidget(self.check if view == "check" else explorer)
        explorer.show_assignment_graph()
        self.session.set_row(0)
        explorer.inputs.use_grader_weights()
        if view == "expression":
            explorer.expression.setText("tanh(w1*x1 + w2 * (x2 - w3)")
            explorer.build_from_text()
        elif view == "undefined":
            explorer.expression.setText("x1 / (w1 - 0.1)")
            explorer.build_from_text()
            explorer.seek(len(explorer.walk.forward_steps))
        elif view == "graders":
            explorer.inputs.use_graders_row()
            explorer.seek(next(s.index + 1 for s in explorer.walk.forward_steps if s.node == "exp"))
        elif view != "check":
            # Stop mid-backward-pass on the first node whose gradient sums two paths (w2f2 feeds
            # both `+` nodes of the square): the most telling chain-rule step of the figure.
            backward = explorer.walk.backward_steps
            stop = next((s.index for s in backward if len(s.terms) > 1), len(backward) // 2)
            explorer.seek(len(explorer.walk.forward_steps) + stop + 1)


def _is_file(path: str) -> bool:
    from pathlib import Path

    return Path(path).is_file()


WIDGET = BackpropLabWidget
