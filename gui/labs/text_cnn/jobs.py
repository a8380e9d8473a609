"""The pipeline explorer's background jobs in the Text CNN tab: preprocessing the corpus whenever a
setting it depends on changes, and measuring each step's effect on the vocabulary on demand.

The work is the engine's (:mod:`engine.labs.text_cnn.explore`); this module starts it on two
JobRunners of its own (not recorded as runs, never interrupting a training run), drops results that
a newer setting superseded and hands the numbers to the explorer, lengths and classes views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from engine.jobs import Cancelled, CancelToken, Failed, Finished, Progress
from engine.labs.text_cnn import Params
from engine.labs.text_cnn.explore import (
    CorpusReady,
    analysis_key,
    explore_corpus,
    explore_spec,
    step_effects,
    step_effects_spec,
)
from gui.labs.text_cnn.explorer import PipelineExplorer
from gui.labs.text_cnn.table import CorpusTableView
from gui.labs.text_cnn.views import ClassesView, LengthsView
from gui.widgets.message_bar import MessageBar
from gui.workers import JobRunner

_MEASURE = "Measure each step's effect on the vocabulary"


class ExplorerJobs(QObject):
    """Runs the explorer's two jobs and shows their results in the explorer, lengths and classes views."""

    sig_posts_loaded = Signal(bool)
    """The explorer's corpus load ended: True when the posts are listed, False when it failed."""

    def __init__(
        self,
        params: Callable[[], Params | None],
        explorer: PipelineExplorer,
        lengths: LengthsView,
        classes: ClassesView,
        table: CorpusTableView,
        message_bar: MessageBar,
        title: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._params, self.explorer, self.lengths, self.classes = params, explorer, lengths, classes
        self.table = table
        self.message_bar, self.title = message_bar, title
        self.analysis_runner = JobRunner(None, self)
        self.effects_runner = JobRunner(None, self)
        self.analysis_runner.sig_event_received.connect(self._on_analysis_event)
        self.effects_runner.sig_event_received.connect(self._on_effects_event)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(400)  # typing a folder or "11,16" starts one job, not one per key
        self.timer.timeout.connect(self.refresh)
        self.analysed_key: tuple[Any, ...] | None = None
        self.corpus_dir: str | None = None
        self._baselines: dict[tuple[str, str], int] = {}

    @property
    def loading_posts(self) -> bool:
        """Whether the posts are still being loaded (generated on first use) for the first time."""
        return self.analysis_runner.running and self.explorer.corpus is None

    @Slot()
    def stop(self) -> None:
        """Cancel both jobs and wait for their threads (up to 10 s each)."""
        self.timer.stop()
        for runner in (self.analysis_runner, self.effects_runner):
            runner.stop_and_wait(10_000)

    def schedule(self) -> None:
        """Refresh 400 ms after the last call: a setting is probably still being typed."""
        self.timer.start()

    @Slot()
    def refresh(self) -> None:
        """Preprocess the corpus with the form's settings (unless they did not change)."""
        params = self._params()
        if params is None:
            return
        key = analysis_key(params)
        if key == self.analysed_key and (self.analysis_runner.running or self.explorer.corpus is not None):
            return
        self.analysed_key = key
        baseline = (params.data_dir, params.chunker) not in self._baselines
        self.explorer.vocabulary_label.setText("Vocabulary: counting…")
        self.analysis_runner.start(explore_spec(baseline), params)

    def analyse_now(self, params: Params) -> None:
        """The analysis in this thread (screenshots only: the picture must be complete)."""
        self.timer.stop()
        self.analysed_key = analysis_key(params)
        result = explore_corpus(params, CancelToken(), self._on_analysis_event, baseline=True)
        self.show_analysis(result.extra)

    @Slot(object)
    def _on_analysis_event(self, event: Any) -> None:
        if isinstance(event, CorpusReady):
            if event.data_dir != self.corpus_dir or self.explorer.corpus is None:
                self.corpus_dir = event.data_dir
                self.explorer.set_corpus(event.corpus, event.source)
                self.classes.show_counts(event.corpus.counts())
            self.sig_posts_loaded.emit(True)
        elif isinstance(event, Progress):
            self.explorer.status.setText(f"{event.phase} {event.done:,}/{event.total:,} posts…")
        elif isinstance(event, Finished) and event.result.extra.get("key") == self.analysed_key:
            self.show_analysis(event.result.extra)  # (a superseded job's late result is dropped)
        elif isinstance(event, Failed):
            self.analysed_key = None
            self.sig_posts_loaded.emit(False)
            self.explorer.status.setText(f"Could not load the posts: {event.message}")
            self.message_bar.show_message(f"{self.title} · pipeline explorer: {event.message}", "error")

    def show_analysis(self, extra: Mapping[str, Any]) -> None:
        """Show a finished analysis: vocabulary size, length histograms, the table, source and chunker."""
        data_dir, _steps_off, chunker, *_ = extra["key"]
        if "baseline_vocabulary_size" in extra:
            self._baselines[(data_dir, chunker)] = int(extra["baseline_vocabulary_size"])
        baseline = self._baselines.get((data_dir, chunker))
        self.explorer.show_vocabulary(
            int(extra["vocabulary_size"]), baseline, int(extra["posts"]), extra["skip_steps"]
        )
        self.lengths.show_reports(extra["words"], extra["chars"])
        status = f"{extra['source']}: {extra['posts']:,} posts · step 11 uses the {extra['chunker']}"
        problems = list(extra.get("problems", []))
        if problems:
            status += f" · {len(problems)} files skipped (see the tooltip)"
            self.explorer.status.setToolTip("\n".join(problems[:40]))
        self.explorer.status.setText(status)
        steps_off = ", ".join(map(str, extra["skip_steps"])) or "none"
        self.table.set_table(
            extra["table"],
            f"The assignment's table of {extra['source']}: {extra['posts']:,} posts, preprocessed "
            f"exactly as the model reads them (steps switched off: {steps_off}; step 11 uses the "
            f"{extra['chunker']}). Click a column to sort; double-click a row to follow the post through "
            "the pipeline.",
        )

    @Slot()
    def measure_step_effects(self) -> None:
        """Start (or stop) measuring the vocabulary with each step switched off."""
        if self.effects_runner.running:
            self.effects_runner.stop()
            return
        params = self._params()
        if params is not None:
            self.explorer.measure_button.setText("Measuring… (click to stop)")
            self.effects_runner.start(step_effects_spec(), params)

    def measure_now(self, params: Params) -> None:
        """The measurement in this thread (screenshots only)."""
        self._on_effects_event(Finished(step_effects(params, CancelToken(), lambda _event: None)))

    @Slot(object)
    def _on_effects_event(self, event: Any) -> None:
        button = self.explorer.measure_button
        if isinstance(event, Progress):
            current = min(event.done + 1, event.total)
            button.setText(f"Measuring: pass {current} of {event.total}… (click to stop)")
            return
        if isinstance(event, Finished) and event.result.extra["data_dir"] == self.corpus_dir:
            self.explorer.show_effects(event.result.extra["sizes"])  # (not when the posts changed since)
        elif isinstance(event, Failed):
            self.message_bar.show_message(f"{self.title} · step effects: {event.message}", "error")
        if isinstance(event, (Finished, Failed, Cancelled)):
            button.setText(_MEASURE)
