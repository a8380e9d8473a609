"""The selected run's name and note, edited in place on the Runs page and saved in the run store.

The name is saved when editing finishes (Enter or leaving the field), the note shortly after typing
pauses and when the field is left, so nothing typed is lost by selecting another run or closing.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from engine.run_compare import variant
from engine.run_labels import MAX_NAME_CHARS, label_values
from engine.runs import RunStore, RunSummary, StoreError

#: How long typing in the note must pause before it is saved.
NOTE_SAVE_DELAY_MS = 600


class _NoteEdit(QPlainTextEdit):
    """A note field that says when the user leaves it (QPlainTextEdit has no editingFinished)."""

    sig_left = Signal()
    """Focus left the field."""

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """Leaving the field saves the note at once."""
        super().focusOutEvent(event)
        self.sig_left.emit()


class RunDetails(QWidget):
    """Name and note of one run; with no run or several runs selected it says what to do instead."""

    sig_label_saved = Signal(int)
    """A run's name or note was saved (its id)."""
    sig_save_failed = Signal(str)
    """Saving failed (the message, for the page's message bar)."""

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.run: RunSummary | None = None
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("runName")
        self.name_edit.setMaxLength(MAX_NAME_CHARS)
        self.name_edit.setPlaceholderText("a short name, e.g. lr 0.1 without decay")
        self.name_edit.setClearButtonEnabled(True)
        self.note_edit = _NoteEdit()
        self.note_edit.setObjectName("runNote")
        self.note_edit.setPlaceholderText("a note: what you tried, what you saw, what to try next")
        self.note_edit.setTabChangesFocus(True)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Name", self.name_edit)
        form.addRow("Note", self.note_edit)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 0, 0, 0)
        box.addWidget(self.header)
        box.addLayout(form, 1)
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(NOTE_SAVE_DELAY_MS)
        self._note_timer.timeout.connect(self.save_note)
        self.name_edit.editingFinished.connect(self.save_name)
        self.note_edit.textChanged.connect(self._on_note_edited)
        self.note_edit.sig_left.connect(self.save_note)
        self.show_runs([])

    @Slot()
    def _on_note_edited(self) -> None:
        # Through a slot, not textChanged → QTimer.start: a signal argument would pick start(msec).
        self._note_timer.start()

    def show_runs(self, runs: list[RunSummary]) -> None:
        """Edit the one selected run, or explain why there is nothing to edit."""
        self.save_note()  # a pending edit belongs to the run shown until now
        self.run = runs[0] if len(runs) == 1 else None
        run = self.run
        for editor in (self.name_edit, self.note_edit):
            editor.blockSignals(True)
        self.name_edit.setText(run.name if run else "")
        self.note_edit.setPlainText(run.note if run else "")
        for editor in (self.name_edit, self.note_edit):
            editor.blockSignals(False)
            editor.setEnabled(run is not None)
        if run is not None:
            model = variant(run.params)
            parts = [f"<b>Run #{run.id}</b>", run.lab, *([model] if model else []), run.status]
            self.header.setText(" · ".join(parts))
        elif runs:
            self.header.setText(f"{len(runs)} runs selected: the curves and settings below compare them.")
        else:
            self.header.setText("Select a run to name it and write a note; select several to compare them.")

    @Slot()
    def save_name(self) -> None:
        """Store the name field's text as the run's name."""
        # Compared as the store keeps it (spaces collapsed, cut): a field that changes nothing saves nothing.
        if self.run is not None and label_values(name=self.name_edit.text())["name"] != self.run.name:
            self._save(name=self.name_edit.text())

    @Slot()
    def save_note(self) -> None:
        """Store the note field's text as the run's note."""
        self._note_timer.stop()
        text = self.note_edit.toPlainText()
        if self.run is not None and label_values(note=text)["note"] != self.run.note:
            self._save(note=text)

    def _save(self, name: str | None = None, note: str | None = None) -> None:
        assert self.run is not None
        run_id = self.run.id
        try:
            self.store.set_label(run_id, name=name, note=note)
            self.run = self.store.run(run_id)
        except KeyError:
            self.sig_save_failed.emit(
                f"run #{run_id} is no longer in the run store: its name and note were not saved"
            )
            return
        except StoreError as exc:  # read-only, full or damaged: the store's own one-line reason
            self.sig_save_failed.emit(str(exc))
            return
        self.sig_label_saved.emit(run_id)
