"""The callbacks lab's extra views: per-layer histograms and gradient norms, compare models.

Every number shown comes from the engine (``LayerStatsRecorded`` events, the run store, the result's
``extra``); these widgets only choose what to draw and format it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.labs.callbacks import LayerStatsRecorded, latest_run_per_model
from engine.runs import RunStore
from gui.labs.callbacks.norms import OFF_SCALE_TEXT, GradientNormChart
from gui.plots.charts import HistogramView
from gui.plots.live_curves import LiveCurves


class LayerStatsView(QWidget):
    """Weight and gradient histograms of one layer at one epoch (slider), and every layer's gradient norm."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records: list[LayerStatsRecorded] = []
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, 1)
        self.slider.setEnabled(False)
        self.epoch_label = QLabel("no epochs yet")
        self.layer_combo = QComboBox()
        self.weights = HistogramView("weights", empty_text="Drawn from the first epoch of a run on.")
        self.gradients = HistogramView("gradients", empty_text="Drawn from the first epoch of a run on.")
        self.norms = GradientNormChart()
        self.flags_label = QLabel("")
        self.flags_label.setWordWrap(True)
        controls = QHBoxLayout()
        epoch_caption, layer_caption = QLabel("&epoch"), QLabel("l&ayer")
        epoch_caption.setBuddy(self.slider)
        layer_caption.setBuddy(self.layer_combo)
        self.slider.setToolTip("The epoch whose histograms and norms are shown")
        self.layer_combo.setToolTip("The layer whose weight and gradient histograms are shown")
        controls.addWidget(epoch_caption)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.epoch_label)
        controls.addWidget(layer_caption)
        controls.addWidget(self.layer_combo)
        histograms = QSplitter(Qt.Orientation.Horizontal)
        histograms.addWidget(self.weights)
        histograms.addWidget(self.gradients)
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(histograms)
        plots.addWidget(self.norms)
        box = QVBoxLayout(self)
        box.addLayout(controls)
        box.addWidget(plots, 1)
        box.addWidget(self.flags_label)
        self.slider.valueChanged.connect(self.refresh)
        self.layer_combo.currentIndexChanged.connect(self.refresh)

    def clear(self) -> None:
        """Forget the previous run."""
        self.records.clear()
        self.layer_combo.clear()
        self.slider.setRange(1, 1)
        self.slider.setEnabled(False)
        self.weights.clear_series()
        self.gradients.clear_series()
        self.epoch_label.setText("no epochs yet")
        self.flags_label.setText("")

    def add_record(self, record: LayerStatsRecorded) -> None:
        """Append an epoch; the view follows the newest epoch unless the slider was moved back."""
        following = not self.records or self.slider.value() == len(self.records)
        self.records.append(record)
        if self.layer_combo.count() == 0:
            self.layer_combo.addItems([str(layer["name"]) for layer in record.layers])
        self.slider.setEnabled(True)
        self.slider.setRange(1, len(self.records))
        if following:
            self.slider.setValue(len(self.records))
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Redraw for the slider's epoch and the chosen layer."""
        if not self.records:
            return
        record = self.records[self.slider.value() - 1]
        self.epoch_label.setText(f"{record.epoch} of {self.records[-1].epoch}")
        layers = list(record.layers)
        index = min(max(self.layer_combo.currentIndex(), 0), len(layers) - 1)
        layer = layers[index]
        self.weights.set_histogram("weights", layer["weights"]["edges"], layer["weights"]["counts"])
        self.gradients.set_histogram("gradients", layer["gradients"]["edges"], layer["gradients"]["counts"])
        self.norms.set_norms(
            [str(item["name"]) for item in layers],
            [float(item["grad_norm"]) for item in layers],
            [str(item["flag"]) for item in layers],
        )
        flagged = [
            f"{item['name']}: {OFF_SCALE_TEXT['zero']}"
            if item["flag"] == "zero"
            else f"{item['name']}: {item['flag']} ({item['grad_norm']:.2g})"
            for item in layers
            if item["flag"] != "ok"
        ]
        self.flags_label.setText(
            f"epoch {record.epoch}: "
            + ("; ".join(flagged) if flagged else "every layer's gradient norm is in range")
            + " · vanishing < 1e-7, exploding > 1e3"
        )


def held_steps(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    """Points that draw each value as a flat step over the epoch it was used in.

    The learning rate is constant within an epoch and changes only at an epoch's end, so the value
    logged for epoch ``x`` is held from the previous point's epoch (``x − 1`` for the first) to ``x``;
    joined by lines, the steps meet in vertical jumps exactly where the LR-decay markers stand.
    """
    step_x: list[float] = []
    step_y: list[float] = []
    previous = xs[0] - 1 if xs else 0.0
    for x, y in zip(xs, ys, strict=True):
        step_x += [previous, x]
        step_y += [y, y]
        previous = x
    return step_x, step_y


def draw_as_steps(curves: LiveCurves, metric: str) -> None:
    """Redraw ``metric``'s curve as held steps from its per-epoch points (which stay the source)."""
    curve = curves.curves.get(metric)
    if curve is None:
        return
    curve.setSymbol(None)  # a symbol at both ends of each step would read as two values per epoch
    curve.setData(*held_steps(*curves.points[metric]))


def _compare_group(name: str) -> str:
    """``"Model-3 val_accuracy"`` is drawn in the ``val_accuracy`` plot."""
    return name.split(" ", 1)[1]


class CompareView(QWidget):
    """Overlays the newest finished run of each of Model-1…4 from the run store."""

    #: Metrics overlaid (the rest stay in Runs).
    METRICS = ("val_accuracy", "val_loss", "auc", "lr")

    def __init__(self, store: RunStore | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.curves = LiveCurves(
            group_of=_compare_group,
            empty_hint="Run Model-1…4, then press “Load latest run of each model” to overlay them here.",
        )
        self.status = QLabel("Run Model-1…4, then load them here to compare.")
        self.load_button = QPushButton("Load latest run of each model")
        self.load_button.setToolTip("Overlay the newest finished run of Model-1…4 from the run store")
        self.load_button.clicked.connect(self.load)
        top = QHBoxLayout()
        top.addWidget(self.load_button)
        top.addWidget(self.status, 1)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.curves, 1)
        self.shown: dict[int, int] = {}

    @Slot()
    def load(self) -> None:
        """Read the runs and redraw the overlay."""
        self.curves.clear()
        self.shown = latest_run_per_model(self.store.runs("callbacks")) if self.store is not None else {}
        for model, run_id in self.shown.items():
            history = self.store.history(run_id) if self.store is not None else {}
            for metric in self.METRICS:
                for epoch, value in history.get(metric, []):
                    self.curves.add_point(f"Model-{model} {metric}", epoch, value)
            draw_as_steps(self.curves, f"Model-{model} lr")
        if self.shown:
            runs = ", ".join(f"Model-{m} (run {r})" for m, r in self.shown.items())
            self.status.setText(f"newest finished run of each model: {runs}")
        else:
            self.status.setText("no finished callbacks runs yet")
