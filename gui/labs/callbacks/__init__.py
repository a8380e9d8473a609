"""The Keras callbacks lab's tab: model picker, callback toggles, live curves with the callbacks'
decisions, per-layer histograms and gradient norms, a compare-models overlay and the TensorBoard logs.

Nothing here imports TensorFlow; the training runs on the inherited worker thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QWidget

from engine.jobs import BatchProgress, EpochEnded, Finished, LabResult, LabSpec
from engine.labs.callbacks import LayerStatsRecorded
from engine.labs.callbacks.models import preset
from engine.runs import RunStore
from gui.labs.callbacks.views import CompareView, LayerStatsView, draw_as_steps
from gui.plots.live_curves import default_group
from gui.widgets.model_diagram import ModelDiagramView
from gui.widgets.training_lab import TrainingLabWidget

#: Plot titles: the per-batch loss shares the loss plot, micro-F1 and AUC share one plot.
GROUPS = {"batch_loss": "loss", "f1": "micro-F1 & AUC", "auc": "micro-F1 & AUC", "lr": "learning rate"}

#: Epochs of a README screenshot run (early stopping may end it sooner).
SCREENSHOT_EPOCHS = 4


def callbacks_group(metric: str) -> str:
    """The plot a live metric is drawn in."""
    return GROUPS.get(metric, default_group(metric))


class CallbacksLabWidget(TrainingLabWidget):
    """The inherited form, Run/Stop, curves and decisions plus layer, compare and TensorBoard views."""

    plot_groups = ("loss", "accuracy", "learning rate", "micro-F1 & AUC")

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, store, parent)
        self.curves.group_of = callbacks_group
        self.layers = LayerStatsView()
        self.compare = CompareView(store)
        self.views.insertTab(1, self.layers, "Layers")
        self.views.insertTab(2, self.compare, "Compare models")
        self.model_diagram = ModelDiagramView()
        self.views.insertTab(3, self.model_diagram, "Model")
        self.preset_note = QLabel("")
        self.preset_note.setWordWrap(True)
        self.controls_box.insertWidget(1, self.preset_note)
        self.form.sig_value_changed.connect(self._on_field_changed)
        self.apply_preset()

    @Slot(str)
    def _on_field_changed(self, name: str) -> None:
        if name == "model":
            self.apply_preset()

    def apply_preset(self) -> None:
        """Fill activation, initializer and optimizer with the chosen model's preset (still editable)."""
        model = int(self.form.raw_values()["model"])
        chosen = preset(model)
        self.form.set_value("activation", chosen.activation)
        self.form.set_value("initializer", chosen.initializer)
        self.form.set_value("optimizer", chosen.optimizer)
        self.preset_note.setText(f"Model-{model}: {chosen.note}")

    def reset_views(self) -> None:
        """Also clear the layer statistics of the previous run."""
        super().reset_views()
        self.layers.clear()

    @Slot(object)
    def on_event(self, event: Any) -> None:
        """The inherited routing, plus per-batch loss points, the LR as steps and the layer statistics."""
        if isinstance(event, LayerStatsRecorded):
            self.layers.add_record(event)
            return
        super().on_event(event)
        if isinstance(event, EpochEnded):
            draw_as_steps(self.curves, "lr")  # the rate is constant within an epoch
        elif isinstance(event, BatchProgress) and "loss" in event.metrics and event.total_batches:
            self.curves.add_point(
                "batch_loss", event.epoch - 1 + event.batch / event.total_batches, event.metrics["loss"]
            )
        elif isinstance(event, Finished):
            self.compare.load()

    def show_result(self, result: LabResult) -> None:
        """The inherited table (and TensorBoard panel) plus why training stopped, epochs run and the
        first-batch loss."""
        super().show_result(result)
        extra = dict(result.extra)
        stopped = extra.get("stopped") or {}
        rows = [
            (
                "stopped",
                f"epoch {stopped['epoch']}: {stopped['text']}" if stopped.get("kind") else "ran all epochs",
            ),
            ("epochs run", str(extra.get("epochs_run", ""))),
            ("first-batch loss", f"{float(extra.get('first_batch_loss', float('nan'))):.4g}"),
        ]
        self.add_result_rows(rows)
        model = dict(extra.get("model", {}))
        self.model_diagram.show_run(
            extra,
            f"Model-{model.get('number', '?')} of the last run: {model.get('activation', '?')}, "
            f"{model.get('initializer', '?')}, {model.get('optimizer', '?')}.",
        )

    def prepare_screenshot(self, view: str) -> None:
        """For README pictures: ``curves`` trains Model-3 and ``layers`` Model-1 for at most
        :data:`SCREENSHOT_EPOCHS` epochs, in this thread (seconds, screenshots only), then shows that view.

        The run takes its settings from the form (set to what runs), so the picture never shows a form
        that disagrees with the curves; only the output folder is a fresh temporary one.
        """
        pages = {"curves": (3, self.views.widget(0)), "layers": (1, self.layers)}
        if view not in pages:
            return
        model, page = pages[view]
        import dataclasses
        import tempfile

        self.form.set_value("model", model)
        self.form.set_value("epochs", SCREENSHOT_EPOCHS)
        params = dataclasses.replace(self.form.params(), output_dir=tempfile.mkdtemp())
        self.run_in_this_thread({}, params)
        if view == "layers":
            self.layers.slider.setValue(1)  # epoch 1: the vanishing layers stand out
        self.views.setCurrentWidget(page)


WIDGET = CallbacksLabWidget
