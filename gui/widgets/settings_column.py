"""A lab's left column: what the lab shows (foldable), the settings form, Run/Stop and the progress bar;
and the button and key (F9) that hide the whole column when the views need the room.

The column is built for a 1280 px screen: the explanation folds away (one choice remembered for every
lab), the form scrolls vertically and puts a field under its label rather than ever scrolling sideways.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.collapsible import CollapsibleSection

#: Hides and shows the settings column of the lab on screen.
SETTINGS_COLUMN_KEY = "F9"
#: QSettings key: whether the labs' explanations are folded away (one choice for every lab).
EXPLANATION_FOLDED = "labs/explanation_folded"
#: Width of the settings column: roomy enough for its fields, small enough for a 1280 px screen.
SETTINGS_WIDTH = 320


def markdown_label(markdown: str, object_name: str) -> QLabel:
    """A word-wrapped label that renders Markdown prose (the texts in ``resources/``)."""
    label = QLabel(markdown)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.MarkdownText)
    label.setWordWrap(True)
    return label


class SettingsColumn(QWidget):
    """Explanation, form, Run/Stop, progress; ``box`` is its layout (labs insert notes at index 1)."""

    def __init__(self, explanation: str, form: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsColumn")
        text = markdown_label(explanation, "labExplanation")
        folded = QSettings().value(EXPLANATION_FOLDED, False, bool)
        self.explanation = CollapsibleSection("What this lab shows", text, not folded)
        self.explanation.sig_expanded_changed.connect(self._on_explanation_toggled)
        self.form_scroll = QScrollArea()
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setWidget(form)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        # The fields take the focus, not the area: it scrolls itself to the focused field.
        self.form_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runButton")
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Train with these settings (Ctrl+R)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setEnabled(False)
        self.stop_button.setToolTip("Stop within one batch (Esc)")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setAccessibleName("Progress")
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(6, 6, 6, 6)
        self.box.addWidget(self.explanation)
        self.box.addWidget(self.form_scroll, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        self.box.addLayout(buttons)
        self.box.addWidget(self.progress)

    @Slot(bool)
    def _on_explanation_toggled(self, expanded: bool) -> None:
        QSettings().setValue(EXPLANATION_FOLDED, not expanded)


class SettingsToggle(QAction):
    """Checked while the column shows; its button sits in the views' top-left corner, its key is F9
    (while the lab is on screen). A hidden column leaves the Tab order too; Ctrl+R and Esc still run
    and stop the lab, and the status bar shows its progress."""

    def __init__(self, column: QWidget, splitter: QSplitter, views: QTabWidget, lab: QWidget) -> None:
        super().__init__("◀", lab)
        self.column, self.splitter = column, splitter
        self.setCheckable(True)
        self.setChecked(True)
        self.setShortcut(QKeySequence(SETTINGS_COLUMN_KEY))
        # The whole window: a hidden lab's toggle does not match, so F9 reaches the lab on screen.
        self.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        lab.addAction(self)
        self.button = QToolButton()
        self.button.setDefaultAction(self)
        self.button.setAutoRaise(True)
        self.button.setObjectName("settingsToggle")
        views.setCornerWidget(self.button, Qt.Corner.TopLeftCorner)
        self.toggled.connect(self._on_toggled)
        self._describe(True)

    @Slot(bool)
    def _on_toggled(self, visible: bool) -> None:
        self.column.setVisible(visible)
        if visible and self.splitter.sizes()[0] == 0:
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([SETTINGS_WIDTH, max(total - SETTINGS_WIDTH, 1)])
        self._describe(visible)

    def _describe(self, visible: bool) -> None:
        self.setText("◀" if visible else "▶ Settings")
        verb = "Hide" if visible else "Show"
        self.setToolTip(f"{verb} the settings column ({SETTINGS_COLUMN_KEY})")
        self.button.setToolTip(self.toolTip())
        self.button.setAccessibleName(f"{verb} the settings column")
