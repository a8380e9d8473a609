"""The TensorBoard tab of every Keras lab: where a run's logs are and the command that opens them.

The training-lab base adds it to any lab whose Params have a ``tensorboard`` switch and hands it each
finished run's ``artifacts["tensorboard"]``; the folder layout and the command come from
:mod:`engine.tensorboard_logs`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.tensorboard_logs import (
    TENSORBOARD_INSTALL,
    TENSORBOARD_VERIFIED,
    lab_log_root,
    view_command,
    viewer_installed,
)

CONTENTS = (
    "Scalars: <code>epoch_loss</code> and every other metric as <code>epoch_&lt;metric&gt;</code> "
    "(training run <i>train</i>, validation run <i>validation</i>) and <code>epoch_learning_rate</code>. "
    "Histograms: <code>weights/&lt;layer&gt;</code> for every layer with weights; where the lab measures "
    "gradients (callbacks, transfer) also <code>gradients/&lt;layer&gt;</code> and the scalar "
    "<code>gradient_norm/&lt;layer&gt;</code>. Steps are epochs, counted from 1 as in the app."
)


class TensorBoardPanel(QWidget):
    """This run's log folder and the command to view it; before a run, where every run's logs go.

    Args:
        lab: The lab's id (its runs' logs live under ``<data dir>/<lab>``).
    """

    def __init__(self, lab: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.command = ""
        self.text = QLabel()
        self.text.setObjectName("tensorboardText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy command")
        self.copy_button.setToolTip("Put the command that opens this run's logs on the clipboard")
        self.copy_button.clicked.connect(self.copy_command)
        self.copy_all_button = QPushButton("Copy command for all runs")
        self.copy_all_button.setToolTip("Put the command that opens every run of this lab on the clipboard")
        self.copy_all_button.clicked.connect(self.copy_all_command)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.copy_all_button)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.text)
        box.addLayout(buttons)
        box.addStretch(1)
        self.copy_button.setEnabled(False)
        self.text.setText(
            "<p>This lab writes TensorBoard logs for every run (untick <b>TensorBoard</b> in the settings "
            "to skip them). The log folder and the command that opens it appear here after a run.</p>"
            + self._all_runs_html()
            + f"<p>{CONTENTS}</p>"
        )

    @property
    def all_runs_command(self) -> str:
        """The command that opens every run of this lab side by side."""
        return view_command(lab_log_root(self.lab))

    def show_running(self) -> None:
        """A new run started: the previous run's folder and command no longer apply."""
        self.command = ""
        self.copy_button.setEnabled(False)
        self.text.setText(
            "<p>A run is in progress: the folder of its TensorBoard logs and the command that opens them "
            "appear here when it ends.</p>" + self._all_runs_html()
        )

    def show_logs(self, log_dir: str) -> None:
        """Show a finished run's log folder (``artifacts["tensorboard"]``; '' when it wrote none)."""
        self.command = view_command(log_dir) if log_dir else ""
        self.copy_button.setEnabled(bool(self.command))
        if not log_dir:
            self.text.setText(
                "<p>This run wrote no TensorBoard logs (<b>TensorBoard</b> was off in the settings).</p>"
                + self._all_runs_html()
            )
            return
        install = (
            ""
            if viewer_installed()
            else "<p>The TensorBoard viewer is not installed with this app. Install it once, in the app's "
            f"folder:<br><code>&nbsp;&nbsp;{TENSORBOARD_INSTALL}</code></p>"
        )
        self.text.setText(
            f"<p><b>Logs of this run:</b> {html.escape(log_dir)}</p>{install}"
            f"<p>Open them with:<br><code>&nbsp;&nbsp;{html.escape(self.command)}</code><br>"
            "and browse to the address it prints.</p>"
            + self._all_runs_html()
            + f"<p>{CONTENTS} These logs were checked readable by TensorBoard {TENSORBOARD_VERIFIED}.</p>"
        )

    def _all_runs_html(self) -> str:
        return (
            "<p>Every run of this lab, side by side:<br>"
            f"<code>&nbsp;&nbsp;{html.escape(self.all_runs_command)}</code></p>"
        )

    @Slot()
    def copy_command(self) -> None:
        """Put this run's command on the clipboard."""
        QGuiApplication.clipboard().setText(self.command)

    @Slot()
    def copy_all_command(self) -> None:
        """Put the all-runs command on the clipboard."""
        QGuiApplication.clipboard().setText(self.all_runs_command)
