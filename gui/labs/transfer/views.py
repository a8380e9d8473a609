"""The transfer lab's result views: misclassified test pages as thumbnails, per-layer gradient norms,
and the frozen/trainable map of every layer.

Every number comes from the run's ``LabResult.extra``; these widgets only lay it out. Thumbnails are
decoded a few at a time from a timer (a real RVL-CDIP scan takes milliseconds to decode), so the GUI
never stalls on a page of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QBrush, QColor, QImageReader, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.plots.charts import BarChart
from gui.plots.live_curves import PALETTE, LiveCurves

THUMB = QSize(124, 160)  # a portrait page, like a scan


def _reserve_height(caption: QLabel) -> None:
    """A wrapped caption asks for the height of all its lines: a grid row gives a word-wrapped label
    only its one-line height otherwise, and the next row's thumbnail is drawn over the rest."""
    caption.setMinimumHeight(caption.heightForWidth(THUMB.width()))


SPACING = 14


class MisclassifiedGrid(QWidget):
    """A grid of the test pages the model got wrong: thumbnail, true and predicted class, confidence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel("The test pages the model gets wrong appear here after a run.")
        self.header.setWordWrap(True)
        self.cells = QWidget()
        self.grid = QGridLayout(self.cells)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.grid.setHorizontalSpacing(SPACING)
        self.grid.setVerticalSpacing(10)
        self.scroll_area = QScrollArea()
        self.scroll_area.setAccessibleName("Misclassified pages")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.cells)
        box = QVBoxLayout(self)
        box.addWidget(self.header)
        box.addWidget(self.scroll_area, 1)
        self.items: list[dict[str, Any]] = []
        self.holders: list[QWidget] = []
        self.columns = 1
        self.images: list[QLabel] = []
        self.captions: list[QLabel] = []
        self._pending: list[int] = []
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._load_next)

    def clear(self) -> None:
        """Remove every thumbnail."""
        self._timer.stop()
        self._pending.clear()
        while self.grid.count():
            item = self.grid.takeAt(0)
            holder = item.widget() if item is not None else None
            if holder is not None:
                holder.deleteLater()
        self.items, self.images, self.captions, self.holders = [], [], [], []
        self.header.setText("The test pages the model gets wrong appear here after a run.")

    def set_items(self, items: Sequence[dict[str, Any]], class_names: Sequence[str], total: int) -> None:
        """Show ``items`` (the result's ``misclassified``: path, true, predicted, confidence).

        Args:
            items: One dict per wrong test page, as the engine lists them (the first few).
            class_names: Names of the label numbers.
            total: How many test pages were wrong (the result's ``misclassified_total``).
        """
        self.clear()
        self.items = list(items)
        if not self.items:
            self.header.setText("Every test page was classified correctly.")
            return
        shown = f" (the first {len(self.items)} shown)" if total > len(self.items) else ""
        self.header.setText(
            f"{total} misclassified test pages{shown}. Caption: true class → predicted class "
            "(the model's confidence in its wrong answer). Hover for the file."
        )
        for item in self.items:
            image = QLabel("…")
            image.setFixedSize(THUMB)
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            image.setStyleSheet("background: #f4f4f4; border: 1px solid #d0d0d0;")
            image.setToolTip(str(item["path"]))
            true, predicted = class_names[int(item["true"])], class_names[int(item["predicted"])]
            # Meaning in words and an arrow, not colour: readable in both themes and without colour.
            # The arrow stays with the predicted class when a long name wraps.
            caption = QLabel(f"{true}<br>→\u00a0<b>{predicted}</b> ({float(item['confidence']):.0%})")
            caption.setToolTip(f"true class: {true}; predicted: {predicted}")
            caption.setWordWrap(True)
            caption.setFixedWidth(THUMB.width())
            caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            _reserve_height(caption)
            cell = QVBoxLayout()
            cell.setSpacing(2)
            cell.addWidget(image)
            cell.addWidget(caption)
            holder = QWidget()
            holder.setLayout(cell)
            self.holders.append(holder)
            self.images.append(image)
            self.captions.append(caption)
        self._place(self._fitting_columns())
        self._pending = list(range(len(self.items)))
        self._timer.start()

    def _fitting_columns(self) -> int:
        # The widget's own width: the scroll area's viewport lags one layout pass behind a resize.
        width = self.width() - self.scroll_area.verticalScrollBar().sizeHint().width() - 4 * SPACING
        return max(1, width // (THUMB.width() + 2 * SPACING))

    def _place(self, columns: int) -> None:
        self.columns = columns
        for n, holder in enumerate(self.holders):
            self.grid.addWidget(holder, n // columns, n % columns)

    def changeEvent(self, event: QEvent) -> None:
        """A new font size: each caption reserves the height its wrapped lines now need."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            for caption in self.captions:
                _reserve_height(caption)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Reflow the thumbnails into as many columns as fit."""
        super().resizeEvent(event)
        columns = self._fitting_columns()
        if self.holders and columns != self.columns:
            self._place(columns)

    @Slot()
    def _load_next(self) -> None:
        if not self._pending:
            self._timer.stop()
            return
        n = self._pending.pop(0)
        self.load_thumbnail(n)

    def load_thumbnail(self, n: int) -> bool:
        """Decode item ``n``'s image scaled into the thumbnail box; False (and a note) when unreadable."""
        reader = QImageReader(str(self.items[n]["path"]))
        size = reader.size()
        if size.isValid():
            reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            self.images[n].setText(f"cannot show:\n{reader.errorString()}")
            self.images[n].setWordWrap(True)
            return False
        self.images[n].setPixmap(QPixmap.fromImage(image))
        return True

    def finish_loading(self) -> None:
        """Decode every pending thumbnail now (screenshots and tests)."""
        while self._pending:
            self._load_next()
        self._timer.stop()


def _norm_group(_metric: str) -> str:
    return "gradient norm per layer (log scale)"


class GradientNormsView(QWidget):
    """Each trainable layer's gradient norm on a fixed probe batch: over the epochs, and at one epoch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layers: list[str] = []
        self.per_epoch: list[list[float]] = []
        self.curves = LiveCurves(group_of=_norm_group, columns=1)
        self.bars = BarChart(
            "gradient norm at the chosen epoch (log10)", empty_text="Drawn from the first epoch of a run on."
        )
        # log10 values below 1 would otherwise be drawn as "log10 (x0.001)" with ticks in the hundreds.
        self.bars.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, 1)
        self.slider.setEnabled(False)
        self.epoch_label = QLabel("no epochs yet")
        self.note = QLabel(
            "Norms of the loss gradient over each trainable layer's weights, on the same probe batch after "
            "every epoch. Frozen layers have none. A norm falling towards 0 means the layer stopped "
            "learning; one growing by orders of magnitude is how fine-tuning diverges."
        )
        self.note.setWordWrap(True)
        controls = QHBoxLayout()
        epoch_caption = QLabel("&epoch")
        epoch_caption.setBuddy(self.slider)
        self.slider.setToolTip("The epoch whose gradient norms the bars show")
        controls.addWidget(epoch_caption)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.epoch_label)
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.curves)
        plots.addWidget(self.bars)
        box = QVBoxLayout(self)
        box.addWidget(self.note)
        box.addLayout(controls)
        box.addWidget(plots, 1)
        self.slider.valueChanged.connect(self.show_epoch)

    def clear(self) -> None:
        """Forget the previous run."""
        self.layers, self.per_epoch = [], []
        self.curves.clear()
        self.bars.set_bars([], [])
        self.slider.setRange(1, 1)
        self.slider.setEnabled(False)
        self.epoch_label.setText("no epochs yet")

    def add_epoch(self, epoch: int, layers: Sequence[str], norms: Sequence[float]) -> None:
        """Add one epoch's norms as the run measures them (the engine's ``GradientNormsMeasured``)."""
        if epoch != len(self.per_epoch) + 1 or (self.layers and list(layers) != self.layers):
            return  # not the next epoch of this run (a late event from an earlier one)
        self.layers = [str(name) for name in layers]
        self.per_epoch.append([float(v) for v in norms])
        for name, value in zip(self.layers, self.per_epoch[-1], strict=True):
            self.curves.add_point(name, epoch, value)
        for plot in self.curves.plots.values():
            plot.setLogMode(y=True)
        self.slider.setRange(1, epoch)
        self.slider.setEnabled(epoch > 1)
        if self.slider.value() != epoch:
            self.slider.setValue(epoch)  # follows the newest epoch (shows it through valueChanged)
        else:
            self.show_epoch(epoch)

    def set_norms(self, norms: dict[str, Any]) -> None:
        """Show the result's ``gradient_norms`` (``layers`` and ``per_epoch`` rows, one norm per layer).

        The same numbers arrived live through :meth:`add_epoch`; this redraws them from the result.
        """
        self.clear()
        layers = [str(name) for name in norms.get("layers", [])]
        for epoch, row in enumerate(norms.get("per_epoch", []), start=1):
            self.add_epoch(epoch, layers, row)

    @Slot(int)
    def show_epoch(self, epoch: int) -> None:
        """Bars for one epoch (1-based)."""
        if not self.per_epoch:
            return
        self.epoch_label.setText(f"{epoch} of {len(self.per_epoch)}")
        colours = [PALETTE[n % len(PALETTE)] for n in range(len(self.layers))]  # as the curves above
        self.bars.set_bars(self.layers, self.per_epoch[epoch - 1], colours, log_y=True)


#: Row colours of the layer map: frozen VGG-16, trainable VGG-16 (fine-tuned), the new head.
ROW_COLOURS = {"frozen": "#e8eef6", "fine-tuned": "#fff1d6", "new, trainable": "#e6f6ea"}
ROW_TEXT = "#1b1b1b"
COLUMNS_MAP = ("layer", "type", "state", "parameters", "trainable", "output shape")


class LayerMapView(QWidget):
    """Every layer: frozen or trainable, parameter counts, output shape; the cached cut is marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("The frozen/trainable map of the model appears here after a run.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, len(COLUMNS_MAP))
        self.table.setAccessibleName("Layers: frozen or trainable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS_MAP))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)

    def clear(self) -> None:
        """Forget the previous run."""
        self.table.setRowCount(0)
        self.summary.setText("The frozen/trainable map of the model appears here after a run.")

    def set_layers(self, extra: dict[str, Any]) -> None:
        """Fill from the result's ``layers``, ``param_counts``, ``cache`` and ``trained_from``."""
        rows = list(extra.get("layers", []))
        counts = dict(extra.get("param_counts", {}))
        cut = str(dict(extra.get("cache", {})).get("cut", ""))
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            state = _state(row)
            shape = "×".join("?" if d is None else str(d) for d in row["output_shape"][1:])
            params, trainable = f"{row['params']:,}", f"{row['trainable_params']:,}"
            values = (row["name"], row["kind"], state, params, trainable, shape)
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                item.setBackground(QBrush(QColor(ROW_COLOURS[state])))
                item.setForeground(QBrush(QColor(ROW_TEXT)))  # dark on the light row colours, any theme
                if c in (3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row["name"] == cut:
                    item.setToolTip("the features cached on disk are this layer's output")
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        cut_text = f"; cached features = output of <b>{cut}</b> (bold row)" if cut else ""
        self.summary.setText(
            f"<b>{counts.get('trainable', 0):,}</b> trainable of {counts.get('total', 0):,} parameters · "
            f"{counts.get('frozen_vgg', 0):,} VGG-16 parameters frozen (checked: 0 of them trainable) · "
            f"trained from {extra.get('trained_from', '?')}{cut_text}."
        )


def _state(row: dict[str, Any]) -> str:
    if row["part"] != "VGG-16":
        return "new, trainable"
    return "fine-tuned" if row["trainable_params"] else "frozen"
