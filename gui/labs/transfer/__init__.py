"""The transfer lab's tab: backbone picker with honest labels and a note of what is cached, the input
size, live curves, the 16×16 confusion matrix, misclassified thumbnails, per-layer gradient norms and
the frozen/trainable map.

The form keeps every Params field (so ``set_value`` and validation work as for any lab); the backbone
and image-size rows are hidden and edited through the picker and the size selector instead. Nothing
here imports TensorFlow; the run (feature caching included) happens on the inherited worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from PySide6.QtCore import Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from engine.jobs import Finished, LabResult, LabSpec
from engine.labs.transfer import GradientNormsMeasured
from engine.runs import RunStore
from gui.labs.transfer.backbone import BackbonePicker, SizePicker
from gui.labs.transfer.cache_note import CacheNote
from gui.labs.transfer.views import GradientNormsView, LayerMapView, MisclassifiedGrid
from gui.plots.charts import ConfusionMatrixView
from gui.widgets.model_diagram import ModelDiagramView
from gui.widgets.training_lab import TrainingLabWidget

#: The real run behind README screenshots: Model-2 with the defaults (HED, 64 px, 30 pages per class).
SCREENSHOT_RUN = {"model": 2}


class TransferLabWidget(TrainingLabWidget):
    """The inherited form, Run/Stop, curves and decisions plus the transfer lab's pickers and views."""

    # The picker's honest labels need a wider settings column than a plain form.
    settings_share = 0.26
    settings_bounds = (320, 420)

    def __init__(self, spec: LabSpec, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(spec, store, parent)
        self.backbone = BackbonePicker()
        self.cache_note = CacheNote()
        self.size_picker = SizePicker()
        self._replace_rows()
        self.confusion = ConfusionMatrixView()
        self.confusion_note = QLabel("The test split's confusion matrix appears here after a run.")
        self.confusion_note.setWordWrap(True)
        confusion_page = QWidget()
        confusion_box = QVBoxLayout(confusion_page)
        confusion_box.addWidget(self.confusion_note)
        confusion_box.addWidget(self.confusion, 1)
        self.confusion_page = confusion_page
        self.misclassified = MisclassifiedGrid()
        self.gradients = GradientNormsView()
        self.layer_map = LayerMapView()
        self.views.insertTab(1, confusion_page, "Confusion matrix")
        self.views.insertTab(2, self.misclassified, "Misclassified")
        self.views.insertTab(3, self.gradients, "Gradient norms")
        self.views.insertTab(4, self.layer_map, "Layers")
        self.model_diagram = ModelDiagramView()
        self.views.insertTab(5, self.model_diagram, "Model")
        self.backbone.sig_choice_changed.connect(self._on_backbone_chosen)
        self.backbone.sig_message.connect(self.message_bar.show_message)
        self.size_picker.sig_size_changed.connect(self._on_size_chosen)
        self.form.sig_value_changed.connect(self._on_field_changed)
        self._sync_from_form()

    def _replace_rows(self) -> None:
        # The form's own backbone/image_size rows stay (values, validation) but are hidden; the picker
        # takes the backbone's place at full width, the size selector the image size's.
        layout = self.form.layout()
        assert isinstance(layout, QFormLayout)
        size_row = _row_of(layout, self.form.editors["image_size"])
        layout.setRowVisible(size_row, False)
        layout.insertRow(size_row, "Input size", self.size_picker)
        backbone_row = _row_of(layout, self.form.editors["backbone"])
        layout.setRowVisible(backbone_row, False)
        layout.insertRow(backbone_row, self.cache_note)
        layout.insertRow(backbone_row, self.backbone)

    # --- picker ⇄ form ---------------------------------------------------------------------------

    def _sync_from_form(self) -> None:
        values = self.form.raw_values()
        self.backbone.set_choice(str(values["backbone"]))
        self.size_picker.set_size(int(values["image_size"]))
        self.refresh_cache_note()

    @Slot(str)
    def _on_backbone_chosen(self, choice: str) -> None:
        self.form.set_value("backbone", choice)

    @Slot(int)
    def _on_size_chosen(self, size: int) -> None:
        self.form.set_value("image_size", size)

    @Slot(str)
    def _on_field_changed(self, name: str) -> None:
        if name in ("backbone", "image_size"):
            self._sync_from_form()
        elif name == "seed" and self.form.raw_values()["backbone"] == "random":
            self.refresh_cache_note()  # random weights are cached per seed

    def refresh_cache_note(self) -> None:
        """Re-read what is cached for the current backbone, size and seed."""
        values = self.form.raw_values()
        self.cache_note.refresh(str(values["backbone"]), int(values["image_size"]), int(values["seed"]))

    def showEvent(self, event: QShowEvent) -> None:
        """Pick up weights or caches that appeared while the tab was hidden (e.g. from the CLI)."""
        super().showEvent(event)
        self.backbone.refresh_status()
        self.refresh_cache_note()

    # --- a run -----------------------------------------------------------------------------------

    def reset_views(self) -> None:
        """Also clear the confusion matrix, thumbnails, gradient norms and layer map."""
        super().reset_views()
        self.confusion.clear_matrix()
        self.confusion_note.setText("The test split's confusion matrix appears here after a run.")
        self.misclassified.clear()
        self.gradients.clear()
        self.layer_map.clear()

    @Slot(object)
    def on_event(self, event: Any) -> None:
        """The inherited routing plus live gradient norms; a finished run also refreshes the cache note
        and the weights status."""
        if isinstance(event, GradientNormsMeasured):
            self.gradients.add_epoch(event.epoch, event.layers, event.norms)
            return
        super().on_event(event)
        if isinstance(event, Finished):
            self.refresh_cache_note()
            self.backbone.refresh_status()

    def show_result(self, result: LabResult) -> None:
        """The inherited table plus the backbone used, the cache, splits, and the lab's views."""
        super().show_result(result)
        extra = dict(result.extra)
        names = list(extra.get("class_names", []))
        self.confusion.set_matrix(extra.get("confusion_matrix", []), names)
        self.confusion_note.setText(confusion_note(result.test, extra))
        wrong = list(extra.get("misclassified", []))
        self.misclassified.set_items(wrong, names, int(extra.get("misclassified_total", len(wrong))))
        self.gradients.set_norms(dict(extra.get("gradient_norms", {})))
        self.layer_map.set_layers(extra)
        backbone = str(dict(extra.get("backbone", {})).get("title", "?"))
        self.model_diagram.show_run(extra, f"The last run's model on the {backbone} backbone.")
        self.add_result_rows(result_rows(extra))

    # --- README pictures -------------------------------------------------------------------------

    def prepare_screenshot(self, view: str) -> None:
        """'' → the curves of a real small Model-2 run (run here, in this thread: screenshots only);
        ``confusion``, ``misclassified``, ``gradients``, ``layers``, ``model``, ``results``,
        ``decisions`` → that view of the same run."""
        curves_page = self.curves.parentWidget()
        assert curves_page is not None
        pages: dict[str, QWidget] = {
            "": curves_page,
            "confusion": self.confusion_page,
            "misclassified": self.misclassified,
            "gradients": self.gradients,
            "layers": self.layer_map,
            "model": self.model_diagram,
            "results": self.results_table,
            "decisions": self.timeline,
        }
        if view not in pages:
            return
        if self.result is None:  # one run serves every view of a screenshot session
            self.run_in_this_thread(SCREENSHOT_RUN)
        self.misclassified.finish_loading()
        self.views.setCurrentWidget(pages[view])


def _row_of(layout: QFormLayout, widget: QWidget) -> int:
    row, _role = cast(tuple[int, Any], layout.getWidgetPosition(widget))
    return row


def confusion_note(test: Mapping[str, float], extra: dict[str, Any]) -> str:
    """The line above the matrix: test accuracy and size, and the class numbers of the columns."""
    pages = dict(extra.get("split_sizes", {})).get("test", "?")
    # Non-breaking spaces keep "5 scientific report" on one line when the note wraps.
    names = " · ".join(
        f"{n}\u00a0{name}".replace(" ", "\u00a0") for n, name in enumerate(extra.get("class_names", []))
    )
    return (
        f"Test split: accuracy {float(test.get('accuracy', float('nan'))):.1%} on {pages} pages. Rows: true "
        f"class; columns: predicted class ({names})."
    )


def result_rows(extra: dict[str, Any]) -> list[tuple[str, str]]:
    """The Results table's transfer rows: backbone, preprocessing, splits, cache, skipped images."""
    backbone = dict(extra.get("backbone", {}))
    splits = dict(extra.get("split_sizes", {}))
    cache = dict(extra.get("cache", {}))
    rows = [
        ("backbone", str(backbone.get("title", ""))),
        ("weights from", str(backbone.get("source", ""))),
        ("preprocessing", str(backbone.get("preprocessing", ""))),
        ("label file", str(extra.get("label_file", ""))),
        ("images", ", ".join(f"{name} {count}" for name, count in splits.items())),
        ("trained from", str(extra.get("trained_from", ""))),
    ]
    if cache.get("enabled"):
        for name, split in dict(cache.get("splits", {})).items():
            status = f"{split['status']} · {split['bytes']:,} bytes"  # the folder is in the file rows
            rows.append((f"feature cache: {name}", status))
    else:
        rows.append(("feature cache", f"not used: {cache.get('reason', '')}"))
    skipped = list(extra.get("skipped_images", []))
    rows.append(("skipped images", f"{len(skipped)}" if not skipped else f"{len(skipped)} (see the Log)"))
    return rows


WIDGET = TransferLabWidget
