"""A form built from a lab's Params dataclass: one widget per field, validated by the engine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QToolButton,
    QWidget,
)

from engine import params as params_module
from engine.params import ParamError, ParamInfo
from engine.session_file import check_params

_PATH_SUFFIXES = ("_path", "_dir", "_file")


class _PathEdit(QWidget):
    """A line edit with a browse button (a folder icon: file or folder, by the field's name); the
    button is an icon so that the field fits a narrow settings column at any font size."""

    def __init__(self, info: ParamInfo) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(str(info.default))
        if info.name.startswith(("data", "label", "new_reviews")):
            self.edit.setPlaceholderText("embedded default data")
        else:
            self.edit.setPlaceholderText("default")
        browse = QToolButton()
        browse.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon))
        browse.setText("Browse…")
        browse.setObjectName("browseButton")
        kind = "folder" if info.name.endswith("_dir") else "file"
        browse.setToolTip(f"Browse… for the {kind} of {info.label}")
        browse.setAccessibleName(f"Browse for {info.label}")
        self.edit.setAccessibleName(info.label)
        browse.clicked.connect(self._browse)
        # The path scrolls inside a narrow field rather than widening the settings column.
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("/path"))
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)
        self.picks_folder = info.name.endswith("_dir")
        self._title = info.label

    def _browse(self) -> None:
        # Start where the field points, else in the home folder (never the app's own folder).
        text = self.edit.text().strip()
        current = Path(text).expanduser() if text else Path.home()
        folder = current if current.is_dir() else current.parent
        start = str(folder if folder.is_dir() else Path.home())
        if self.picks_folder:
            chosen = QFileDialog.getExistingDirectory(self, self._title, start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, self._title, start)
        if chosen:
            self.edit.setText(chosen)


class _MultiChoice(QWidget):
    """One check box per choice of a tuple field."""

    def __init__(self, info: ParamInfo) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for choice in info.choices or ():
            box = QCheckBox(choice)
            box.setChecked(choice in info.default)
            layout.addWidget(box)
            self.boxes[choice] = box
        layout.addStretch(1)

    def value(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.boxes.items() if box.isChecked())

    def set_value(self, value: Any) -> None:
        for name, box in self.boxes.items():
            box.setChecked(name in value)


class ParamsForm(QWidget):
    """Edits a Params dataclass. :meth:`params` returns a validated instance or raises ParamError,
    after marking the offending field."""

    sig_value_changed = Signal(str)
    """A field was edited (its name)."""

    def __init__(self, params_type: type, hidden: tuple[str, ...] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.params_type = params_type
        self.infos = {i.name: i for i in params_module.describe(params_type) if i.name not in hidden}
        self.editors: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A narrow column (a small screen, a large font) puts a field under its label, never cuts it.
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for info in self.infos.values():
            editor = self._make_editor(info)
            editor.setToolTip(info.help)
            editor.setObjectName(f"param_{info.name}")
            self.editors[info.name] = editor
            layout.addRow(_sentence_case(info.label), editor)
        self.reset_button = QPushButton("Reset to defaults")
        self.reset_button.setObjectName("resetParams")
        self.reset_button.setToolTip("Put every setting of this form back to its default")
        self.reset_button.clicked.connect(self.reset_to_defaults)
        self.reset_button.setFlat(True)  # above the fields, where it is seen without scrolling
        reset_row = QHBoxLayout()
        reset_row.addStretch(1)
        reset_row.addWidget(self.reset_button)
        layout.insertRow(0, reset_row)

    def _make_editor(self, info: ParamInfo) -> QWidget:
        changed = lambda *_: self._changed(info.name)  # noqa: E731 - runs in the GUI thread
        if info.kind is bool:
            box = QCheckBox()
            box.setChecked(bool(info.default))
            box.toggled.connect(changed)
            return box
        if info.kind is int and info.choices is None:
            spin = QSpinBox()
            spin.setRange(
                int(info.minimum if info.minimum is not None else -(2**31)),
                int(info.maximum if info.maximum is not None else 2**31 - 1),
            )
            spin.setValue(int(info.default))
            spin.valueChanged.connect(changed)
            return spin
        if info.kind is tuple and info.choices:
            multi = _MultiChoice(info)
            for box in multi.boxes.values():
                box.toggled.connect(changed)
            return multi
        if info.choices:
            combo = QComboBox()
            combo.addItems(list(info.choices))
            combo.setCurrentText(str(info.default))
            combo.currentTextChanged.connect(changed)
            return combo
        if info.kind is str and info.name.endswith(_PATH_SUFFIXES):
            path = _PathEdit(info)
            path.edit.textChanged.connect(changed)
            return path
        edit = QLineEdit(_text_of(info.default))
        edit.textChanged.connect(changed)
        return edit

    def _changed(self, name: str) -> None:
        self._mark(name, "")
        self.sig_value_changed.emit(name)

    def set_picks_folder(self, name: str, folder: bool = True) -> None:
        """Make a path field's Browse… button choose a folder (by default only ``*_dir`` fields do)."""
        editor = self.editors[name]
        if not isinstance(editor, _PathEdit):
            raise TypeError(f"{name} is not a path field")
        editor.picks_folder = folder

    def raw_values(self) -> dict[str, Any]:
        """Each field's current value as the widget holds it (not yet validated)."""
        values: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, (QSpinBox, _MultiChoice)):
                values[name] = editor.value()
            elif isinstance(editor, QComboBox):
                values[name] = editor.currentText()
            elif isinstance(editor, _PathEdit):
                values[name] = editor.edit.text().strip()
            elif isinstance(editor, QLineEdit):
                values[name] = editor.text()
        return values

    def set_value(self, name: str, value: Any) -> None:
        """Put a value into a field's widget (e.g. a path chosen with File ▸ Open data…)."""
        editor = self.editors[name]
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, _MultiChoice):
            editor.set_value(value)
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, _PathEdit):
            editor.edit.setText(str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(_text_of(value))

    @Slot()
    def reset_to_defaults(self) -> None:
        """Every field back to its default (each change is announced, so it is remembered too)."""
        for name, info in self.infos.items():
            self.set_value(name, info.default)

    def session_values(self) -> dict[str, Any]:
        """The fields' values for a session file or the lab's memory, typed as JSON (numbers as numbers,
        lists as lists); text that is not a valid value (yet) is kept as typed."""
        values: dict[str, Any] = {}
        for name, raw in self.raw_values().items():
            try:
                value = params_module.convert(self.infos[name], raw)
            except ParamError:
                value = raw
            values[name] = list(value) if isinstance(value, tuple) else value
        return values

    def apply_session_values(self, values: Mapping[str, Any], where: str = "params") -> list[str]:
        """Put remembered or loaded values into the fields; returns one line per value skipped (an
        unknown field or a bad value), each starting with ``where``."""
        valid, skipped = check_params(values, self.params_type, where)
        for name, value in valid.items():
            if name in self.editors:  # a hidden field is the lab's own (its controls, its session part)
                self.set_value(name, value)
        return skipped

    def params(self) -> Any:
        """A validated Params instance.

        Raises:
            ParamError: The message names the field; the field is marked red with the message.
        """
        values = self.raw_values()
        for name, value in values.items():
            try:
                params_module.convert(self.infos[name], value)
            except ParamError as exc:
                self._mark(name, str(exc))
                raise
        return params_module.build(self.params_type, values)

    def _mark(self, name: str, error: str) -> None:
        editor = self.editors.get(name)
        if editor is None:
            return
        editor.setStyleSheet("border: 1px solid #c62828;" if error else "")
        editor.setToolTip(error or self.infos[name].help)


def _sentence_case(label: str) -> str:
    """Capitalise a Latin first letter only: acronyms (SGD, F1) and symbols (ε, η) stay as written."""
    return label[:1].upper() + label[1:] if label[:1].isascii() else label


def _text_of(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)
