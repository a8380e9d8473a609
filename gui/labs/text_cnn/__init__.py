"""The Text CNN lab's tab: the preprocessing pipeline explorer, the length analysis, live training
curves, the test split's confusion matrix and per-class F1, the misclassified posts and the model.

Training is the inherited Run/Stop on the worker thread. The explorer's two jobs of its own
(preprocessing the corpus whenever a setting it depends on changes, measuring each step's effect on
demand) are :class:`gui.labs.text_cnn.jobs.ExplorerJobs`. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QWidget

from engine.jobs import LabResult, LabSpec, Started
from engine.labs.text_cnn import Params
from engine.labs.text_cnn.explore import ANALYSIS_FIELDS, analysis_key
from engine.labs.text_cnn.pipeline import STEP_NUMBERS
from engine.params import ParamError, build
from engine.prose import lab_text
from engine.runs import RunStore
from gui.labs.text_cnn.explorer import PipelineExplorer
from gui.labs.text_cnn.jobs import ExplorerJobs
from gui.labs.text_cnn.results import MistakesView, ModelView, TestResultsView
from gui.labs.text_cnn.table import CorpusTableView
from gui.labs.text_cnn.views import ClassesView, LengthsView
from gui.plots.live_curves import default_group
from gui.widgets.training_lab import TrainingLabWidget

#: What the model field chooses, shown under the lab's introduction.
MODEL_NOTES = {
    1: "Model-1 reads words: three parallel Conv1D (kernel sizes), twice, then Conv1D → Dense. "
    "Pretrained vectors: glove_path (frozen); without it, trainable embeddings.",
    2: "Model-2 reads characters: Conv1D ×2 → pool → Conv1D ×2 → pool → Dense. "
    "Pretrained vectors: char_vectors_path (frozen); without it, trainable embeddings.",
}
#: Epochs of the real run behind the README screenshots of the training views.
SCREENSHOT_EPOCHS = 10


def text_cnn_group(metric: str) -> str:
    """Plot titles: loss, accuracy and micro-F1 (train solid, validation dashed)."""
    group = default_group(metric)
    return "micro-F1" if group == "f1" else group


class TextCnnLabWidget(TrainingLabWidget):
    """Pipeline explorer and length analysis before training; curves, confusion matrix, per-class F1,
    mistakes and the model after it."""

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, store, parent)
        self.curves.group_of = text_cnn_group
        curves_page = self.views.widget(0)
        assert curves_page is not None  # the inherited Curves tab
        self.curves_page = curves_page
        self.explorer = PipelineExplorer()
        self.table = CorpusTableView()
        self.lengths = LengthsView()
        self.classes = ClassesView()
        self.test_view = TestResultsView()
        self.mistakes = MistakesView()
        self.model_view = ModelView()
        self.views.insertTab(0, self.explorer, "Pipeline")
        self.views.insertTab(1, self.table, "Table")
        self.views.insertTab(2, self.lengths, "Lengths")
        self.views.insertTab(3, self.classes, "Classes")
        self.views.insertTab(5, self.test_view, "Confusion && F1")
        self.views.insertTab(6, self.mistakes, "Mistakes")
        self.views.insertTab(7, self.model_view, "Model")
        self.model_note = QLabel(MODEL_NOTES[1])
        self.model_note.setWordWrap(True)
        self.model_note.setObjectName("modelNote")
        self.controls_box.insertWidget(1, self.model_note)
        self.views.setCurrentWidget(self.explorer)

        self.jobs = ExplorerJobs(
            self._explorer_params,
            self.explorer,
            self.lengths,
            self.classes,
            self.table,
            self.message_bar,
            spec.title,
            self,
        )
        self.jobs.sig_posts_loaded.connect(self._on_posts_loaded)
        self._watched_window: QObject | None = None
        self.run_params: Mapping[str, Any] = {}
        self._run_pending = False

        app = QCoreApplication.instance()
        if app is not None:  # a quit without a window close must not destroy a running thread
            app.aboutToQuit.connect(self.stop_explorer_jobs)
        self.form.sig_value_changed.connect(self._on_field_changed)
        self.explorer.sig_steps_changed.connect(self._on_steps_toggled)
        self.explorer.sig_measure_requested.connect(self.jobs.measure_step_effects)
        self.mistakes.sig_open_requested.connect(self.open_post)
        self.table.sig_open_requested.connect(self.open_post)
        self.table.sig_message.connect(self.message_bar.show_message)

    def about_markdown(self) -> str:
        """The lab's prose, then the real data's format (the dataset card)."""
        return f"{lab_text('text_cnn')}\n### Data format\n\n{lab_text('text_cnn', 'data_format')}"

    # --- explorer jobs --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """The first show starts preprocessing the corpus (never at construction: paint first)."""
        super().showEvent(event)
        window = self.window()
        if window is not self._watched_window:
            # The main window stops only each lab's training runner on close; the explorer's own
            # jobs must end too, before their threads are destroyed.
            window.installEventFilter(self)
            self._watched_window = window
        if self.explorer.corpus is None and not self.jobs.analysis_runner.running:
            QTimer.singleShot(0, self.jobs.refresh)  # after this paint, not 400 ms later

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Stop the explorer's jobs when the window closes."""
        if watched is self._watched_window and event.type() == QEvent.Type.Close:
            self.stop_explorer_jobs()
        return False

    @Slot()
    def stop_explorer_jobs(self) -> None:
        """Cancel the explorer's jobs and a CSV export, and wait for their threads (up to 10 s each)."""
        self.jobs.stop()
        self.table.stop()

    def _explorer_params(self) -> Params | None:
        try:
            return self.form.params()
        except ParamError as exc:
            self.message_bar.show_message(f"{self.spec.title}: {exc}", "error")
            return None

    @Slot(list)
    def _on_steps_toggled(self, skip: list[int]) -> None:
        self.form.set_value("skip_steps", tuple(str(n) for n in skip))

    @Slot(str)
    def _on_field_changed(self, name: str) -> None:
        if name == "model":
            self.model_note.setText(MODEL_NOTES.get(int(self.form.raw_values()["model"]), ""))
        if name in ("skip_steps", "chunker"):
            raw = self.form.raw_values()
            try:  # the engine validates the step list; a half-typed one is left alone
                chosen = build(Params, {"skip_steps": raw["skip_steps"], "chunker": raw["chunker"]})
            except ParamError:
                return
            self.explorer.set_options([int(s) for s in chosen.skip_steps], chosen.chunker)
        if name in ANALYSIS_FIELDS:
            self.jobs.schedule()

    @Slot(str)
    def open_post(self, file: str) -> None:
        """Show a post (e.g. a misclassified one) in the pipeline explorer."""
        if self.explorer.open_file(file):
            self.views.setCurrentWidget(self.explorer)
        else:
            self.message_bar.show_message(
                f"{self.spec.title}: {file} is not in the explorer's corpus (was data_dir changed?)",
                "warning",
            )

    # --- training -------------------------------------------------------------------------------

    @Slot()
    def start_job(self) -> None:
        """Run, or, while the explorer is still loading the posts, run as soon as they are loaded.

        The embedded corpus is generated on first use; two jobs generating it at once would clash.
        """
        if self.jobs.loading_posts:
            self._run_pending = True
            self.message_bar.show_message(
                f"{self.spec.title}: loading the posts (the embedded corpus is generated on first use); "
                "the run starts as soon as they are ready",
                "info",
            )
            return
        super().start_job()

    @Slot(bool)
    def _on_posts_loaded(self, loaded: bool) -> None:
        if self._run_pending:
            self._run_pending = False
            if loaded:
                super().start_job()

    def reset_views(self) -> None:
        """A new run: clear the inherited views and show the curves."""
        super().reset_views()
        self.views.setCurrentWidget(self.curves_page)
        for label in (self.test_view.summary, self.mistakes.summary):
            label.setText("Training… the views below show the previous run until this one finishes.")

    @Slot(object)
    def on_event(self, event: Any) -> None:
        """The inherited routing; also remembers the run's parameters."""
        if isinstance(event, Started):
            self.run_params = dict(event.params)
        super().on_event(event)

    def show_result(self, result: LabResult) -> None:
        """Results table, confusion matrix and per-class F1, mistakes, model and the lengths used."""
        super().show_result(result)
        extra = result.extra
        self.test_view.show_result(extra, result.test)
        self.mistakes.show_examples(extra.get("misclassified", []), extra.get("misclassified_total"))
        model = int(self.run_params.get("model", 1 if extra["length_report"]["unit"] == "words" else 2))
        self.model_view.show_model(extra, model)
        if list(self.classes.counts) == list(extra["class_names"]):  # same posts as the explorer's
            self.classes.show_counts(self.classes.counts, extra["class_counts"])
        unit = "words" if extra["length_report"]["unit"] == "words" else "chars"
        used = (unit, int(extra["sequence_length"]))
        self.lengths.show_reports(extra["word_lengths"], extra["char_lengths"], used)
        self._show_run_details(result)
        self.views.setCurrentWidget(self.test_view)

    def _show_run_details(self, result: LabResult) -> None:
        extra = result.extra
        emb = extra["embedding"]
        model = self.run_params.get("model", 1 if extra["length_report"]["unit"] == "words" else 2)
        seconds = ", ".join(f"{s:.1f}" for s in extra.get("epoch_seconds", []))
        rows = [
            ("model", f"Model-{model} ({'words' if model == 1 else 'characters'})"),
            ("corpus", str(extra["corpus_source"])),
            ("sequence length", f"{extra['sequence_length']} (proposed {extra['proposed_length']})"),
            ("why that length", str(extra["length_reason"])),
            ("vocabulary", f"{extra['vocabulary_size']:,}"),
            ("embeddings", str(emb["label"])),
            ("best epoch", str(extra["best_epoch"])),
            ("epoch seconds", seconds),
            ("step 11", str(extra["chunker"])),
            ("steps off", ", ".join(self.run_params.get("skip_steps", ())) or "none"),
            ("skipped files", str(len(extra.get("skipped_files", [])))),
        ]
        if emb.get("coverage") is not None:
            rows.insert(6, ("embedding coverage", f"{100 * emb['coverage']:.1f} %"))
        self.add_result_rows(rows)

    # --- screenshots ----------------------------------------------------------------------------

    def prepare_screenshot(self, view: str) -> None:
        """README pictures, computed for real in this thread (seconds; screenshots only).

        '' → the explorer on step 11 of a post; 'steps' → each step's measured effect on the
        vocabulary, step 11 switched off; 'lengths' → the length analysis; 'classes' → posts per
        class; 'table' → the assignment's table sorted by class; 'curves', 'confusion', 'mistakes',
        'model' → a short Model-1 run.
        """
        self.stop_explorer_jobs()
        self.form.set_value("skip_steps", ())  # every picture but 'steps' shows the full pipeline
        if self.explorer.corpus is None or analysis_key(self.form.params()) != self.jobs.analysed_key:
            self.jobs.analyse_now(self.form.params())
        pages = {
            "curves": self.curves_page,
            "confusion": self.test_view,
            "mistakes": self.mistakes,
            "model": self.model_view,
        }
        if view in pages:
            if self.result is None:
                self.run_in_this_thread({"epochs": SCREENSHOT_EPOCHS})
            self.views.setCurrentWidget(pages[view])
            return
        if view in ("lengths", "classes"):
            self.views.setCurrentWidget(self.lengths if view == "lengths" else self.classes)
            return
        if view == "table":
            self.views.setCurrentWidget(self.table)
            self.table.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by class
            self.table.view.selectRow(0)
            return
        self.views.setCurrentWidget(self.explorer)
        entities = self.explorer.step_items[STEP_NUMBERS.index(11)]
        self.explorer.steps.setCurrentItem(entities)
        if view == "steps":
            self.jobs.measure_now(self.form.params())
            entities.setCheckState(0, Qt.CheckState.Unchecked)
            self.jobs.analyse_now(self.form.params())


WIDGET = TextCnnLabWidget
