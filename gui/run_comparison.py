"""Comparing runs on the Runs page: one colour per run (the same in every plot, the legend, the table
and the parameter diff), a legend outside the plots that wraps instead of clipping, and the settings
that differ between the selected runs, side by side."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.run_compare import param_diff
from engine.runs import RunSummary

#: One colour per compared run, distinct for colour-blind readers (Okabe–Ito) and readable on the light
#: and the dark plot background alike (no black, no pale yellow).
RUN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#9A8C7A", "#7F3C8D")


def run_title(summary: RunSummary) -> str:
    """``#12`` or ``#12 lr 0.1`` (its name when it has one)."""
    return f"#{summary.id} {summary.name}".rstrip()


class RunColours:
    """Keeps each selected run's colour while the selection changes: a run keeps its colour as long as
    it stays selected, and a newly selected run takes the first colour no selected run uses."""

    def __init__(self) -> None:
        self.colours: dict[int, str] = {}

    def assign(self, run_ids: Iterable[int]) -> dict[int, str]:
        """The colours of ``run_ids`` (the runs now selected)."""
        wanted = list(run_ids)
        self.colours = {run_id: c for run_id, c in self.colours.items() if run_id in wanted}
        for run_id in wanted:
            if run_id not in self.colours:
                used = set(self.colours.values())
                free = [c for c in RUN_COLOURS if c not in used]
                self.colours[run_id] = free[0] if free else RUN_COLOURS[len(self.colours) % len(RUN_COLOURS)]
        return dict(self.colours)

    def of_curve(self, curve: str) -> str:
        """The colour of a comparison curve named ``#12 val_loss``."""
        run_id = int(curve.split(" ", 1)[0].lstrip("#"))
        return self.colours.get(run_id, RUN_COLOURS[0])


def swatch(colour: str, size: int = 12) -> QIcon:
    """A small square of ``colour`` (table headers and cells)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)  # the same colour on a selected row, not tinted
    return icon


class RunLegend(QLabel):
    """Which colour is which run, and which line style is training or validation: one legend for all
    the comparison's plots, below them, wrapping onto more lines as runs are added (never clipped)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runLegend")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.entries: list[tuple[str, str]] = []
        self.hide()

    def set_runs(self, runs: Sequence[tuple[str, str]]) -> None:
        """``[(title, colour), …]`` in the order the runs are listed."""
        self.entries = list(runs)
        items = [
            f"<span style='color:{colour}'><b>━━</b></span>&nbsp;{html.escape(title).replace(' ', '&nbsp;')}"
            for title, colour in runs
        ]
        key = "<b>━━</b>&nbsp;training &nbsp; <b>╍╍</b>&nbsp;validation"
        self.setText("&nbsp;&nbsp; ".join(items) + f" &nbsp;&nbsp;·&nbsp;&nbsp; {key}")
        self.setVisible(bool(runs))


class ParamDiffTable(QWidget):
    """The selected runs' settings side by side: one column per run (headed by its colour and title),
    one row per setting that differs; all of a single run's settings when only one is selected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("paramDiff")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        # The runs share the width: every run stays in view, long titles elide (tooltips have them).
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.caption)
        box.addWidget(self.table, 1)
        self.rows: list[tuple[str, list[str]]] = []
        self.show_runs([], {})

    def show_runs(self, runs: Sequence[RunSummary], colours: dict[int, str]) -> None:
        """Show the settings of ``runs`` (in this column order)."""
        settings = [{"lab": r.lab, "model": r.params.get("model"), **r.params, "seed": r.seed} for r in runs]
        for entry in settings:  # "model" first when a lab has one, else not at all
            if entry["model"] is None:
                del entry["model"]
        self.rows = param_diff(settings)
        if not runs:
            self.caption.setText("Select runs above to compare their settings.")
        elif len(runs) == 1:
            self.caption.setText(f"Settings of {run_title(runs[0])}:")
        elif self.rows:
            self.caption.setText(f"The {len(self.rows)} setting(s) that differ between the {len(runs)} runs:")
        else:
            self.caption.setText(f"The {len(runs)} runs have the same settings.")
        self.table.clear()
        self.table.setColumnCount(len(runs))
        self.table.setRowCount(len(self.rows))
        for column, summary in enumerate(runs):
            header = QTableWidgetItem(swatch(colours.get(summary.id, "#888888")), run_title(summary))
            header.setToolTip(run_title(summary))
            self.table.setHorizontalHeaderItem(column, header)
        self.table.setVerticalHeaderLabels([name for name, _ in self.rows])
        for row, (name, values) in enumerate(self.rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(f"{name} = {value}")
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(runs))
