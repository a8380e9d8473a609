"""Model-2's IDF explorer: the idf distribution of the training words, its box plot, and a draggable
low/high band showing the vocabulary kept and examples of the words dropped on each side.

The table comes from :func:`engine.labs.lstm.idf_table` (a background job); every drag calls
:meth:`engine.text.idf.IdfTable.band`, which is numpy over a sorted array (well under a millisecond
for the embedded table), so it runs here in the GUI thread.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.labs.lstm import idf_summary
from engine.text.idf import IdfTable
from gui import theme
from gui.plots.charts import GOOD, HistogramView

BOX_PEN = pg.mkPen("#37474f", width=1.5)
AXIS_WIDTH = 56


class IdfExplorer(QWidget):
    """Histogram + box plot of idf with a draggable band; reports the vocabulary the band keeps."""

    sig_band_chosen = Signal(float, float)
    """"Use for Model-2" was pressed: low and high (0, 0 means the engine's default, the IQR)."""
    sig_load_requested = Signal()
    """The person asked to (re)fit the table with the form's data settings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table: IdfTable | None = None
        self.summary: dict[str, Any] = {}
        self.band: dict[str, Any] = {}
        self._syncing = False
        self.status = QLabel("The idf table is fitted on the training essays when this tab is shown.")
        self.status.setWordWrap(True)
        self.reload_button = QPushButton("Refit")
        self.reload_button.setToolTip("Fit the idf table again with the form's data, projects and seed")
        self.reload_button.clicked.connect(self.sig_load_requested)
        self.histogram = HistogramView(
            "idf of the training words (drag the band's edges)",
            empty_text="The idf of every training word is drawn here once the table is fitted.",
        )
        plot = self.histogram.getPlotItem()
        plot.setLabel("left", "words")
        plot.showGrid(y=True, alpha=0.25)
        self.region = pg.LinearRegionItem(
            values=(0, 1), brush=pg.mkBrush(0, 158, 115, 45), pen=pg.mkPen(GOOD, width=3)
        )
        self.region.setZValue(10)
        self.region.setToolTip("Words inside the band are kept; drag either edge")
        self.region.hide()
        self.histogram.addItem(self.region)
        self.box_plot = pg.PlotWidget()
        self.box_plot.setAccessibleName("Box plot of the words' idf")
        self.box_plot.setMaximumHeight(110)
        box_item = self.box_plot.getPlotItem()
        box_item.setLabel("bottom", "idf = ln((1 + documents) / (1 + document frequency)) + 1")
        # Same left-axis width as the histogram, so the two x axes line up under each other.
        for axis in (plot.getAxis("left"), box_item.getAxis("left")):
            axis.setWidth(AXIS_WIDTH)
        box_item.getAxis("left").setStyle(showValues=False)
        box_item.getAxis("left").setPen(pg.mkPen(None))
        box_item.setMouseEnabled(x=False, y=False)
        box_item.setXLink(plot)
        self.box_curve = box_item.plot([], [], pen=BOX_PEN, connect="pairs")
        self.box_region = pg.LinearRegionItem(values=(0, 1), movable=False, brush=pg.mkBrush(0, 158, 115, 30))
        self.box_region.setZValue(-5)
        box_item.addItem(self.box_region)
        self.low_spin, self.high_spin = self._spin("low"), self._spin("high")
        self.reset_button = QPushButton("Reset to IQR")
        self.reset_button.setToolTip("Back to the interquartile range of the idf values (the lab's default)")
        self.reset_button.clicked.connect(self.reset_to_iqr)
        self.use_button = QPushButton("Use for Model-2")
        self.use_button.setToolTip("Put this band into the form's idf_low / idf_high and pick Model-2")
        self.use_button.clicked.connect(self._use_band)
        for button in (self.reset_button, self.use_button):
            button.setEnabled(False)
        self.kept_label = QLabel("")
        self.kept_label.setObjectName("idfKept")
        self.kept_label.setWordWrap(True)
        self.box_label = QLabel("")
        self.common_label, self.rare_label = QLabel(""), QLabel("")
        for label in (self.common_label, self.rare_label, self.box_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout()
        self.region.sigRegionChanged.connect(self._on_region_changed)
        self.low_spin.valueChanged.connect(self._on_spin_changed)
        self.high_spin.valueChanged.connect(self._on_spin_changed)

    def _spin(self, name: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setObjectName(f"idf_{name}")
        spin.setAccessibleName(f"idf {name}")
        spin.setToolTip(f"The band's {name} edge (0 with the other edge 0: the quartile)")
        spin.setDecimals(2)
        spin.setSingleStep(0.05)
        spin.setEnabled(False)
        return spin

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.reload_button)
        controls = QHBoxLayout()
        for text, widget in (("low idf", self.low_spin), ("high idf", self.high_spin)):
            controls.addWidget(QLabel(text))
            controls.addWidget(widget)
        controls.addWidget(self.reset_button)
        controls.addWidget(self.use_button)
        controls.addStretch(1)
        words = QGridLayout()
        words.addWidget(QLabel("<b>dropped: too common</b> (idf below low)"), 0, 0)
        words.addWidget(QLabel("<b>dropped: too rare</b> (idf above high)"), 0, 1)
        words.addWidget(self.common_label, 1, 0, Qt.AlignmentFlag.AlignTop)
        words.addWidget(self.rare_label, 1, 1, Qt.AlignmentFlag.AlignTop)
        words.setColumnStretch(0, 1)
        words.setColumnStretch(1, 1)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.histogram, 3)
        box.addWidget(self.box_plot, 0)
        box.addWidget(self.box_label)
        box.addLayout(controls)
        box.addWidget(self.kept_label)
        box.addLayout(words)

    def set_status(self, text: str, error: bool = False) -> None:
        """What the table was fitted on, that it is being fitted, or why it failed."""
        theme.set_text_colour(self.status, "bad" if error else "muted")
        self.status.setText(text)

    def set_table(self, table: IdfTable, low: float, high: float) -> None:
        """Show a fitted table with the band ``[low, high]`` (0 means the quartile)."""
        self.table = table
        self.summary = idf_summary(table, None)
        stats = self.summary["box"]
        edges, counts = self.summary["histogram"]["edges"], self.summary["histogram"]["counts"]
        self.histogram.set_histogram("words per idf bin", edges, counts)
        q1, q3 = stats["q1"], stats["q3"]
        self.box_curve.setData(
            [stats["whisker_low"], q1, q1, q1, q1, q3, q3, q3, q3, q1, stats["median"], stats["median"],
             q3, stats["whisker_high"], q1, q1, q3, q3],
            [0, 0, -0.4, 0.4, 0.4, 0.4, 0.4, -0.4, -0.4, -0.4, -0.4, 0.4, 0, 0, 0, 0, 0, 0],
        )  # fmt: skip
        self.box_plot.getPlotItem().setYRange(-0.8, 0.8)
        self.box_label.setText(
            f"box plot: min {stats['minimum']:.2f} · Q1 {q1:.2f} · median {stats['median']:.2f} · "
            f"Q3 {q3:.2f} · max {stats['maximum']:.2f} · outliers beyond 1.5 IQR: {stats['outliers']}"
        )
        self._syncing = True
        for spin in (self.low_spin, self.high_spin):
            spin.setRange(0.0, round(stats["maximum"] + 1.0, 2))
            spin.setEnabled(True)
        self.region.setBounds((stats["minimum"] - 0.05, stats["maximum"] + 0.05))
        self.region.show()
        self._syncing = False
        for button in (self.reset_button, self.use_button):
            button.setEnabled(True)
        self.set_band(low or q1, high or q3)
        self.histogram.autoRange()

    @Slot()
    def reset_to_iqr(self) -> None:
        """Put the band back on the quartiles (the assignment's suggestion)."""
        if self.summary:
            self.set_band(self.summary["box"]["q1"], self.summary["box"]["q3"])

    def set_band(self, low: float, high: float) -> None:
        """Move the band and report what it keeps."""
        if self.table is None:
            return
        self._syncing = True
        self.region.setRegion((low, high))
        self.low_spin.setValue(low)
        self.high_spin.setValue(high)
        self._syncing = False
        self._update_band(low, high)

    @Slot()
    def _on_region_changed(self) -> None:
        if self._syncing:
            return
        # Two decimals: the numbers shown are the ones a run with "Use for Model-2" trains with.
        low, high = (round(v, 2) for v in self.region.getRegion())
        self._syncing = True
        self.low_spin.setValue(low)
        self.high_spin.setValue(high)
        self._syncing = False
        self._update_band(low, high)

    @Slot()
    def _on_spin_changed(self) -> None:
        if self._syncing:
            return
        low, high = self.low_spin.value(), self.high_spin.value()
        self._syncing = True
        self.region.setRegion((min(low, high), max(low, high)))
        self._syncing = False
        self._update_band(low, high)

    def _update_band(self, low: float, high: float) -> None:
        assert self.table is not None
        try:
            self.band = self.table.band(low, high).as_dict()
        except ValueError as exc:
            self.band = {}
            theme.set_text_colour(self.kept_label, "bad")
            self.kept_label.setText(str(exc))
            self.use_button.setEnabled(False)
            return
        kept, before = self.band["vocabulary_after"], self.band["vocabulary_before"]
        self.box_region.setRegion((self.band["low"], self.band["high"]))
        theme.set_text_colour(self.kept_label, "bad" if kept == 0 else "info")
        self.kept_label.setText(
            f"<b>idf {self.band['low']:.2f} – {self.band['high']:.2f} keeps {kept:,} of {before:,} words</b>"
            f" ({100 * self.band['token_share_kept']:.0f} % of the training essays' text); "
            "Model-2 trains on these words only."
            + ("  No word is kept: Model-2 cannot train on this band." if kept == 0 else "")
        )
        self.use_button.setEnabled(kept > 0)
        self.common_label.setText(", ".join(self.band["dropped_common"]) or "none")
        self.rare_label.setText(", ".join(self.band["dropped_rare"]) or "none")

    @Slot()
    def _use_band(self) -> None:
        if not self.band:
            return
        stats = self.summary["box"]
        low, high = self.band["low"], self.band["high"]
        on_iqr = (low, high) == (stats["q1"], stats["q3"])
        self.sig_band_chosen.emit(0.0 if on_iqr else low, 0.0 if on_iqr else high)
