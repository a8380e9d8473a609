"""The BERT lab's tab: the token view (any review as WordPieces, ids, mask and segment ids, with the
graders' checks live), the data preparation, live loss/AUC of the head, the PCA of the embeddings and
the prediction pipeline on a CSV or pasted reviews.

Training is the inherited job; the token view and later predictions are side jobs on their own worker
thread (:mod:`gui.labs.bert.jobs`). Nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Slot
from PySide6.QtWidgets import QWidget

from engine.jobs import LabResult, LabSpec, Progress
from engine.runs import RunStore
from gui.labs.bert.jobs import (
    PREDICT,
    TOKENS,
    PredictRequest,
    SideJobs,
    TokenRequest,
    encoder_ready,
)
from gui.labs.bert.predict import PredictionsView
from gui.labs.bert.store_bar import StoreBar
from gui.labs.bert.tokens import TokenView
from gui.labs.bert.views import DataView, EmbeddingView
from gui.widgets.model_diagram import ModelDiagramView
from gui.widgets.training_lab import TrainingLabWidget

#: A run small enough for README pictures (seconds once the encoder is converted), big enough to learn.
SCREENSHOT_SETTINGS = {"sample_size": 800, "epochs": 25}
SCREENSHOT_PASTED = (
    "The best coffee I have ever had, rich and smooth.\nStale, bland and overpriced. Never again."
)


class BertLabWidget(TrainingLabWidget):
    """The inherited form, Run/Stop, curves and decisions plus tokens, data, embeddings and predictions."""

    #: Pasted reviews are typed in the Predictions view (a one-line form field cannot hold them).
    hidden_params = ("pasted_reviews",)

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, store, parent)
        curves_page = self.views.widget(0)
        assert curves_page is not None
        self.curves_page: QWidget = curves_page
        self.side = SideJobs(self._side_jobs_must_wait, self)
        self.tokens = TokenView()
        self.data_view = DataView()
        self.embeddings = EmbeddingView()
        self.predictions = PredictionsView()
        self.views.insertTab(0, self.tokens, "Tokens")
        self.views.insertTab(1, self.data_view, "Data")
        self.views.insertTab(3, self.embeddings, "Embeddings")
        self.views.insertTab(4, self.predictions, "Predictions")
        self.model_diagram = ModelDiagramView()
        self.views.insertTab(5, self.model_diagram, "Model")
        self.views.setCurrentWidget(self.tokens)
        self.store_bar = StoreBar()
        self.controls_box.addWidget(self.store_bar)
        self.run_params: Any = None  # the settings of the run being shown (its head predicts)
        self.head_path = ""
        self.pending_run: Any = None  # a Run pressed while the token view converts the encoder

        self.tokens.sig_review_changed.connect(self._request_tokens)
        self.predictions.sig_predict_requested.connect(self._request_predictions)
        self.predictions.sig_review_picked.connect(self._show_review_tokens)
        self.side.sig_job_finished.connect(self._on_side_finished)
        self.side.sig_job_failed.connect(self._on_side_failed)
        self.side.sig_progress_changed.connect(self._on_side_progress)
        self.side.sig_log_line.connect(self.log_view.appendPlainText)
        self.side.runner.sig_running_changed.connect(self._on_side_running_changed)
        self.runner.sig_running_changed.connect(self._on_main_running_changed)
        self.form.sig_value_changed.connect(self._on_field_changed)
        self.store_bar.sig_cleared.connect(self._on_store_cleared)
        self._label_encoder_field()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.side.stop)

    def _label_encoder_field(self) -> None:
        # The encoder is a SavedModel *folder*; the generic form browses for files unless a name ends
        # in "_dir", and its "default" placeholder does not say which encoder that is.
        self.form.set_picks_folder("encoder_path", True)
        editor: Any = self.form.editors["encoder_path"]
        editor.edit.setPlaceholderText("all-MiniLM-L6-v2 (offline)")

    # --- the training run ---------------------------------------------------------------------

    @Slot()
    def start_job(self) -> None:
        """Validate the form, add the pasted reviews and run (after an encoder conversion in progress)."""
        params = self.validated_params()
        if params is None:
            return
        params = dataclasses.replace(params, pasted_reviews=self.predictions.pasted_text())
        if self.side.runner.running and not encoder_ready(params.encoder_path):
            # The engine converts once, under a lock: meanwhile the run would sit blocked on it, deaf
            # to Stop and showing no progress. Start it when the token view's conversion is done.
            self.pending_run = params
            self.run_button.setEnabled(False)
            self.stop_button.setEnabled(True)
            self.message_bar.show_message(
                f"{self.spec.title}: the run starts as soon as the encoder conversion finishes", "info"
            )
            return
        self._start(params)

    def _start(self, params: Any) -> None:
        self.pending_run = None
        self.message_bar.clear()
        self.reset_views()
        self.run_params = params
        self.runner.start(self.spec, params)

    @Slot()
    def stop_job(self) -> None:
        """Stop the run, or forget a run still waiting for the encoder."""
        if self.pending_run is not None and not self.runner.running:
            self.pending_run = None
            self.run_button.setEnabled(True)
            self.stop_button.setEnabled(False)
            self.message_bar.clear()
            return
        super().stop_job()

    def reset_views(self) -> None:
        """Also clear the data, embedding and prediction views of the previous run."""
        super().reset_views()
        self.data_view.clear()
        self.embeddings.clear()
        self.predictions.clear()
        self.predictions.set_head_ready(False)
        self.head_path = ""

    def show_result(self, result: LabResult) -> None:
        """The inherited table plus the lab's facts, the data and embedding views and the predictions."""
        super().show_result(result)
        extra = dict(result.extra)
        encoder = extra.get("encoder", {})
        new = dict(extra.get("new_reviews", {}))
        rows = [
            ("encoder", f"{encoder.get('label', '?')} ({encoder.get('path', '?')})"),
            ("pooling · max length", f"{encoder.get('pooling', '?')} · {encoder.get('max_len', '?')}"),
            ("embeddings", " × ".join(str(n) for n in extra.get("embedding_shape", []))),
            ("embedded now · from the store", _extraction(extra.get("extraction", {}))),
            ("best epoch (val AUC)", str(extra.get("best_epoch", "?"))),
            ("test set per class", _counts(extra.get("test_class_counts", {}))),
            (
                f"predicted: {Path(str(new.get('file', ''))).name}",
                _counts(extra.get("predicted_class_counts", {})),
            ),
        ]
        self.add_result_rows(rows)
        source = f"The head of the last run, as saved at its best epoch ({extra.get('best_epoch', '?')})."
        self.model_diagram.show_run(extra, source)
        self.data_view.show_extra(extra)
        self.embeddings.show_extra(extra)
        sections = [(str(new.get("file", "new reviews")), new)]
        if extra.get("pasted"):
            sections.append(("pasted", dict(extra["pasted"])))
        self.predictions.show_predictions(sections)
        self.head_path = str(result.artifacts.get("head", ""))
        self.predictions.set_head_ready(bool(self.head_path))
        self.predictions.status.setText(
            "Predicted at the end of the run. Choose another CSV or paste reviews, then Predict."
        )

    @Slot(object)
    def on_event(self, event: Any) -> None:
        """The inherited routing; a token view held back while the run converts starts once it is done."""
        super().on_event(event)
        if isinstance(event, Progress) and self.side.pending:
            self.side.start_next()

    @Slot(bool)
    def _on_main_running_changed(self, running: bool) -> None:
        self._update_store_bar()
        if not running:
            self.side.start_next()  # side jobs held back while the run converted the encoder

    def _update_store_bar(self) -> None:
        self.store_bar.set_busy(self.runner.running or self.side.runner.running)

    @Slot(str)
    def _on_store_cleared(self, message: str) -> None:
        self.message_bar.show_message(message, "info")

    # --- side jobs ------------------------------------------------------------------------------

    def _side_jobs_must_wait(self) -> bool:
        params = self.run_params
        return self.runner.running and not encoder_ready(params.encoder_path if params else "")

    @Slot(bool)
    def _on_side_running_changed(self, running: bool) -> None:
        self._update_store_bar()
        if not running and self.pending_run is not None and not self.runner.running:
            self._start(self.pending_run)

    @Slot(str)
    def _request_tokens(self, review: str) -> None:
        values = self.form.raw_values()
        self.side.request(TOKENS, TokenRequest(review, int(values["max_len"]), str(values["encoder_path"])))

    @Slot(str)
    def _show_review_tokens(self, review: str) -> None:
        self.views.setCurrentWidget(self.tokens)
        self.tokens.set_review(review)

    @Slot(str, str)
    def _request_predictions(self, csv_path: str, pasted: str) -> None:
        params = self.run_params
        if not self.head_path or params is None:
            return
        self.predictions.status.setText("Predicting…")
        self.side.request(
            PREDICT,
            PredictRequest(self.head_path, params, csv_path, pasted),
        )

    @Slot(str, object)
    def _on_side_finished(self, kind: str, extra: dict[str, Any]) -> None:
        if kind == TOKENS:
            self.tokens.set_status("")
            self.tokens.show_tokens(extra)
        elif kind == PREDICT:
            sections = [(str(extra["file"]["file"]), extra["file"])] if "file" in extra else []
            if "pasted" in extra:
                sections.append(("pasted", extra["pasted"]))
            self.predictions.show_predictions(sections)
            threshold = self.run_params.threshold if self.run_params is not None else 0.5
            self.predictions.status.setText(
                f"Predicted with the last run's head, encoder and settings (positive from {threshold:g})."
            )

    @Slot(str, str)
    def _on_side_failed(self, kind: str, message: str) -> None:
        if kind == TOKENS:
            self.tokens.set_status(f"Cannot tokenize: {message}")
            return
        self.predictions.status.setText(f"Prediction failed: {message}")
        self.message_bar.show_message(f"{self.spec.title}: {message}", "error")

    @Slot(str)
    def _on_side_progress(self, text: str) -> None:
        if self.side.current == TOKENS and text:
            self.tokens.set_status(text)
        elif self.side.current == PREDICT and text:
            self.predictions.status.setText(text)

    @Slot(str)
    def _on_field_changed(self, name: str) -> None:
        if name in ("max_len", "encoder_path") and self.tokens.data:
            self.tokens.request_soon()

    # --- screenshots ----------------------------------------------------------------------------

    def prepare_screenshot(self, view: str) -> None:
        """For README pictures, computed here for real (this thread, screenshots only): '' or 'tokens' →
        the example review tokenized; 'curves', 'data', 'embeddings', 'predictions' → a small run."""
        if view in ("", "tokens"):
            from engine.labs.bert import token_view

            values = self.form.raw_values()
            self.tokens.show_tokens(
                token_view(self.tokens.review(), int(values["max_len"]), values["encoder_path"])
            )
            self.tokens.set_status("")
            self.views.setCurrentWidget(self.tokens)
            return
        pages: dict[str, QWidget] = {
            "curves": self.curves_page,
            "data": self.data_view,
            "embeddings": self.embeddings,
            "predictions": self.predictions,
            "results": self.results_table,
        }
        if view not in pages:
            return
        if self.result is None:
            for name, value in SCREENSHOT_SETTINGS.items():
                self.form.set_value(name, value)
            self.predictions.pasted.setPlainText(SCREENSHOT_PASTED)
            params = dataclasses.replace(self.form.params(), pasted_reviews=SCREENSHOT_PASTED)
            self.run_params = params
            self.run_in_this_thread({}, params)
            self.store_bar.refresh()  # no runner ran, so nothing else tells the bar the store grew
        self.views.setCurrentWidget(pages[view])


def _extraction(extraction: dict[str, Any]) -> str:
    computed, reused = extraction.get("computed", 0), extraction.get("reused", 0)
    speed = f" ({extraction['reviews_per_second']:,.0f} reviews/s)" if computed else ""
    return f"{computed:,}{speed} · {reused:,}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in counts.items())


WIDGET = BertLabWidget
