"""The LSTM lab's tab: Models 1–3 on DonorsChoose approval with a live model diagram, Model-2's IDF
explorer, live loss/AUC curves, the test ROC and a warning when accuracy only matches the majority.

Nothing here imports TensorFlow: training runs on the inherited worker thread, the diagram and the idf
table on a second, store-less runner (:mod:`gui.labs.lstm.preview`), started when their tab is shown.
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QBoxLayout, QLabel, QWidget

from engine.jobs import Finished, LabResult, LabSpec
from engine.labs.lstm import Params
from engine.params import ParamError, as_dict
from engine.runs import RunStore
from gui.labs.lstm.idf import IdfExplorer
from gui.labs.lstm.majority import MajorityWarning
from gui.labs.lstm.preview import PreviewJobs, idf_key
from gui.labs.lstm.results import RocPanel, model_name, result_rows
from gui.plots.live_curves import default_group
from gui.widgets.model_diagram import ModelDiagramView
from gui.widgets.training_lab import TrainingLabWidget

#: Accuracy shares AUC's plot: the two side by side show accuracy stuck at the majority rate while
#: AUC still improves, which is the lab's point.
ACCURACY_PLOT = "AUC and validation accuracy"
GROUPS = {"loss": "loss (categorical cross-entropy)", "auc": ACCURACY_PLOT, "accuracy": ACCURACY_PLOT}
MODEL_NOTES = {
    1: "Model-1: essay → Embedding → LSTM → Flatten; each categorical → its own Embedding; the numbers "
    "→ Dense; all concatenated → Dense, Dropout, Dense, Dropout, Dense → 2-unit softmax.",
    2: "Model-2: Model-1's network on essays that keep only the words whose idf lies in the band "
    "(see the IDF explorer tab).",
    3: "Model-3: the essay branch of Model-1; every categorical one-hot plus the numbers in one vector "
    "→ Conv1D → Conv1D → Flatten; concatenated → the same head.",
}
#: Params that change neither the model's shapes nor its data (editing them needs no new diagram).
TRAINING_ONLY = ("epochs", "batch_size", "learning_rate", "tensorboard")
DEBOUNCE_MS = 400


def lstm_group(metric: str) -> str:
    """Plot of a metric: train and validation loss together; AUC with validation accuracy."""
    group = default_group(metric)
    return GROUPS.get(group, group)


def data_source(params: Params) -> str:
    """Which projects the form points at, in words."""
    if params.data_dir:
        sample = f", a stratified sample of {params.max_projects:,}" if params.max_projects else ""
        return f"the CSVs in {params.data_dir}{sample} (split seed {params.seed})"
    return f"the embedded table ({params.projects:,} projects, seed {params.seed})"


def diagram_summary(diagram: dict[str, Any]) -> str:
    """One line: the model, its parameter counts split trainable/frozen, and the essay embedding."""
    essay = [x for x in diagram["layers"] if x["branch"] == "essay"]
    embedding = next((x for x in essay if x["type"] == "Embedding"), None)
    if embedding is None:
        kind = ""
    elif embedding["frozen_params"]:
        kind = " · essay embedding: pretrained GloVe, FROZEN"
    else:
        kind = " · essay embedding: trainable, not pretrained"
    total = diagram["trainable_params"] + diagram["frozen_params"]
    return (
        f"{diagram['name'].replace('_', '-').capitalize()}: {total:,} parameters = "
        f"{diagram['trainable_params']:,} trainable + {diagram['frozen_params']:,} frozen{kind}"
    )


def diagram_key(params: Params) -> tuple[Any, ...]:
    """Everything the model diagram depends on."""
    return tuple(v for k, v in sorted(as_dict(params).items()) if k not in TRAINING_ONLY)


class LstmLabWidget(TrainingLabWidget):
    """The inherited form, Run/Stop and curves, plus Model diagram, IDF explorer and Test ROC views."""

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, store, parent)
        self.curves.group_of = lstm_group
        self.diagram = ModelDiagramView(
            diagram_summary, "The diagram appears when this tab is shown (building it loads TensorFlow)."
        )
        self.explorer = IdfExplorer()
        self.roc_panel = RocPanel()
        self.views.insertTab(1, self.diagram, "Model")
        self.views.insertTab(2, self.explorer, "IDF explorer")
        self.views.insertTab(3, self.roc_panel, "Test ROC")
        self.model_note = QLabel("")
        self.model_note.setWordWrap(True)
        self.model_note.setObjectName("modelNote")
        self.controls_box.insertWidget(1, self.model_note)
        self.majority = MajorityWarning(self.curves, ACCURACY_PLOT)
        outer = self.layout()
        assert isinstance(outer, QBoxLayout)
        outer.insertWidget(1, self.majority)  # under the message bar: seen on whichever tab is open

        self.previews = PreviewJobs(self)
        self.previews.sig_diagram_ready.connect(self._on_diagram_ready)
        self.previews.sig_idf_ready.connect(self._on_idf_ready)
        self.previews.sig_failed.connect(self._on_preview_failed)
        self.previews.sig_idle.connect(self._on_previews_idle)
        self.previews.sig_progress.connect(self._on_preview_progress)
        self.runner.sig_running_changed.connect(self._on_training_running_changed)
        self.shown_diagram: tuple[Any, ...] | None = None
        self.shown_idf: tuple[Any, ...] | None = None
        self.run_params: Params | None = None
        self._start_waiting = False
        self._watched_window: QObject | None = None
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(DEBOUNCE_MS)
        self._refresh_timer.timeout.connect(self.refresh_previews)
        self.views.currentChanged.connect(self._on_view_changed)
        self.form.sig_value_changed.connect(self._on_field_changed)
        self.explorer.sig_band_chosen.connect(self._on_band_chosen)
        self.explorer.sig_load_requested.connect(self._reload_idf)
        glove = self.form.editors.get("glove_path")
        if glove is not None and hasattr(glove, "edit"):
            glove.edit.setPlaceholderText("none: trainable embedding")
        self._show_model_note()

    # --- previews: the diagram and the idf table ---------------------------------------------------

    @Slot(str)
    def _on_field_changed(self, name: str) -> None:
        if name == "model":
            self._show_model_note()
        if name in ("idf_low", "idf_high") and self.explorer.table is not None:
            values = self.form.raw_values()
            # A half-typed number raises ValueError: the form marks it when Run is pressed.
            with contextlib.suppress(ValueError):
                self.explorer.set_band(float(values["idf_low"] or 0), float(values["idf_high"] or 0))
        self._refresh_timer.start()

    @Slot(int)
    def _on_view_changed(self, _index: int) -> None:
        # Not connected to the timer's start directly: currentChanged(int) would pick QTimer.start(msec)
        # and turn the tab's index into the debounce interval.
        self._refresh_timer.start()

    def _show_model_note(self) -> None:
        self.model_note.setText(MODEL_NOTES.get(int(self.form.raw_values()["model"]), ""))

    @Slot()
    def refresh_previews(self) -> None:
        """Ask for the diagram or idf table the visible tab needs, unless it already shows them."""
        current = self.views.currentWidget()
        if current not in (self.diagram, self.explorer):
            return
        try:
            params = self.form.params()
        except ParamError as exc:
            target = self.diagram if current is self.diagram else self.explorer
            target.set_status(f"Cannot build it from the form: {exc}", error=True)
            return
        later = " once the training run ends" if self.runner.running else ""
        if current is self.diagram and diagram_key(params) != self.shown_diagram:
            self.diagram.set_status(f"Building the model from the form{later}… (loads TensorFlow once)")
            self.previews.request("diagram", params)
        elif current is self.explorer and idf_key(params) != self.shown_idf:
            self.explorer.set_status(f"Fitting the idf table on the training essays{later}…")
            self.previews.request("idf", params)

    @Slot()
    def _reload_idf(self) -> None:
        self.shown_idf = None
        self.refresh_previews()

    @Slot(object, object)
    def _on_diagram_ready(self, diagram: dict[str, Any], params: Params) -> None:
        self.shown_diagram = diagram_key(params)
        self.diagram.set_diagram(diagram, "Built from the form's settings (untrained).")
        self._refresh_timer.start()  # the form may have changed while it was building

    @Slot(object, object)
    def _on_idf_ready(self, table: Any, params: Params) -> None:
        self.shown_idf = idf_key(params)
        self.explorer.set_table(table, params.idf_low, params.idf_high)
        self.explorer.set_status(
            f"Fitted on the {table.documents:,} training essays of {data_source(params)}: "
            f"{len(table.words):,} distinct words after cleaning."
        )
        self._refresh_timer.start()

    @Slot(str, str)
    def _on_preview_progress(self, kind: str, text: str) -> None:
        target = self.diagram if kind == "diagram" else self.explorer
        target.set_status(text)

    @Slot(str, str)
    def _on_preview_failed(self, kind: str, message: str) -> None:
        target = self.diagram if kind == "diagram" else self.explorer
        target.set_status(f"Could not build it: {message}", error=True)
        self.message_bar.show_message(f"{self.spec.title}: {message}", "error")

    @Slot(float, float)
    def _on_band_chosen(self, low: float, high: float) -> None:
        self.form.set_value("model", 2)
        self.form.set_value("idf_low", low)
        self.form.set_value("idf_high", high)
        band = "the IQR (idf_low = idf_high = 0)" if low == high == 0 else f"idf {low:.2f} – {high:.2f}"
        self.message_bar.show_message(f"Model-2 will train on the words in {band}; press Run.", "info")

    # --- training -----------------------------------------------------------------------------------

    @Slot()
    def start_job(self) -> None:
        """Start a run once no preview is building a model (that would change the seeded weights)."""
        self.previews.pause()
        if self.previews.running:
            self._start_waiting = True
            self.run_button.setEnabled(False)
            self.progress.setFormat("finishing a preview…")
            return
        try:
            self.run_params = self.form.params()
        except ParamError:
            self.run_params = None
        super().start_job()
        if not self.runner.running:  # the form was invalid: nothing started
            self.previews.resume()
            self._refresh_timer.start()

    def reset_views(self) -> None:
        """Also hide the previous run's accuracy warning (the ROC keeps each model's latest curve)."""
        super().reset_views()
        self.majority.reset()

    @Slot()
    def _on_previews_idle(self) -> None:
        if self._start_waiting:
            self._start_waiting = False
            self.run_button.setEnabled(True)
            self.start_job()

    @Slot(bool)
    def _on_training_running_changed(self, running: bool) -> None:
        if not running:
            self.previews.resume()
            self._refresh_timer.start()

    def show_result(self, result: LabResult) -> None:
        """The test table and ROC, the trained model's diagram, and the majority-class line."""
        super().show_result(result)
        rows = result_rows(result)
        self.add_result_rows(rows)
        extra = dict(result.extra)
        self.roc_panel.show_result(result)
        self.diagram.set_diagram(extra["model_diagram"], f"The trained {model_name(result)} of the last run.")
        self.shown_diagram = diagram_key(self.run_params) if self.run_params is not None else None
        self.majority.show_result(result)
        self.views.setCurrentWidget(self.roc_panel)

    @Slot(object)
    def on_event(self, event: Any) -> None:
        """The inherited routing; the majority-class banner and line follow the run as it trains.

        The banner above every view is the one place the warning is shown (the message bar says the
        run finished, the Results table lists the warning among the run's facts).
        """
        super().on_event(event)
        self.majority.on_event(event)

    # --- shutdown -----------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Watch the window, so closing it also stops a preview job."""
        super().showEvent(event)
        window = self.window()
        if window is not self and window is not self._watched_window:
            window.installEventFilter(self)
            self._watched_window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Stop the previews when the window closes (the window stops the training job itself)."""
        if watched is self._watched_window and event.type() == QEvent.Type.Close:
            self.previews.stop_and_wait(10_000)
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the previews and the training job (the tab shown as a window of its own)."""
        self.previews.stop_and_wait(10_000)
        self.runner.stop_and_wait(10_000)
        super().closeEvent(event)

    # --- README pictures ----------------------------------------------------------------------------

    def prepare_screenshot(self, view: str) -> None:
        """Real runs in this thread (seconds; screenshots only): '' the curves of Model-1, ``roc`` the
        ROC of Model-1 and Model-2, ``model`` the Model-1 diagram, ``idf`` the explorer."""
        from engine.jobs import CancelToken
        from engine.labs import lstm

        if view in ("", "roc"):
            for model in (1, 2) if view == "roc" else (1,):
                self.form.set_value("model", model)
                self.form.set_value("epochs", 4)
                self.run_params = self.form.params()
                self.reset_views()
                result = self.spec.run(self.run_params, CancelToken(), self.on_event)
                self.on_event(Finished(result))
            self.progress.setFormat("done")
            self.views.setCurrentIndex(self.views.indexOf(self.roc_panel) if view == "roc" else 0)
        elif view == "model":
            params = self.form.params()
            self._on_diagram_ready(lstm.diagram(params), params)
            self.views.setCurrentWidget(self.diagram)
        elif view == "idf":
            self.form.set_value("model", 2)
            params = self.form.params()
            self._on_idf_ready(lstm.idf_table(params), params)
            self.views.setCurrentWidget(self.explorer)
        self._refresh_timer.stop()


WIDGET = LstmLabWidget
