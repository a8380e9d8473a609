"""The Optimizer race page: the race's settings (with Run/Stop and progress), the comparison plot
and the per-optimizer plots beside it, and the final weights below.

The settings live on this page, not in a column beside the lab's tab bar: a column that appeared only
for the race moved the tab bar ~390 px whenever the learner switched views (the next click landed on
the wrong tab), and its hidden fields sat first in the Tab order of the Graph view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget

from gui.labs.backprop.race import FinalWeightsTable
from gui.labs.backprop.race_plots import OptimizerPlots

#: Starting width of the settings column; the splitter lets the learner change it.
SETTINGS_WIDTH = 300


class RacePage(QSplitter):
    """Settings | (comparison plot | per-optimizer plots) over the final weights.

    Args:
        settings: The lab's settings column (form, Run/Stop, progress), moved here.
        curves: The comparison plot (the inherited live curves page).
        plots: The per-optimizer small multiples.
        weights: The final-weights table.
    """

    def __init__(
        self, settings: QWidget, curves: QWidget, plots: OptimizerPlots, weights: FinalWeightsTable
    ) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setObjectName("racePage")
        self.settings = settings
        self.plots_row = QSplitter(Qt.Orientation.Horizontal)
        self.plots_row.addWidget(curves)
        self.plots_row.addWidget(plots)
        self.plots_row.setStretchFactor(0, 3)
        self.plots_row.setStretchFactor(1, 2)
        self.results = QSplitter(Qt.Orientation.Vertical)
        self.results.addWidget(self.plots_row)
        self.results.addWidget(weights)
        self.results.setStretchFactor(0, 3)
        self.results.setStretchFactor(1, 2)
        self.results.setSizes([360, 280])  # the table's eleven rows, where the screen allows
        self.addWidget(settings)
        self.addWidget(self.results)
        self.setStretchFactor(1, 1)
        self.setCollapsible(1, False)
        self.setSizes([SETTINGS_WIDTH, 1000])
