"""The Practice tab every lab has: the exercises' task texts, the learner's own ``.py`` file in an
editor (or in theirs: the file is watched and re-graded on every save), "Grade" on the worker thread,
and the results as a checklist.

The learner's code never runs in the app's process: grading is the engine's
(:mod:`engine.practice`), which runs it in a separate process with a timeout per exercise. The
file starts as the lab's template, in the user data dir, so work survives a restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import Cancelled, Failed, Finished
from engine.paths import data_dir
from engine.practice import DEFAULT_TIMEOUT, Case, Report, lab_exercises, template
from engine.practice.job import GRADE_JOB, GradeParams
from engine.safe_files import atomic_write_text
from gui.widgets.message_bar import MessageBar
from gui.widgets.practice.code_editor import CodeEditor
from gui.widgets.practice.report_view import ReportView
from gui.workers import JobRunner

#: Files larger than this are graded but not opened in the editor.
EDITOR_LIMIT = 2_000_000
#: A save arrives as several file events: react once, this long after the last.
DEBOUNCE_MS = 300


def practice_file(lab: str) -> Path:
    """The lab's own practice file in the user data dir (created from the template when missing)."""
    path = data_dir() / "practice" / f"{lab}.py"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, template(lab))
    return path


class PracticeTab(QWidget):
    """A lab's Practice tab.

    Args:
        lab: The lab id.
    """

    sig_report_ready = Signal(object)
    """A grade finished: the :class:`~engine.practice.Report`."""

    def __init__(self, lab: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practiceTab")
        self.lab = lab
        self.exercises = lab_exercises(lab)
        #: Extra cases per exercise for the next grade (the backprop tab adds the row on screen).
        self.extra_cases: Callable[[], Mapping[str, Sequence[Case]]] = dict
        self.report: Report | None = None
        self.path: Path | None = None
        self.runner = JobRunner(None, self)
        self.watcher = QFileSystemWatcher(self)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.graded_at = 0.0
        self.timeout = DEFAULT_TIMEOUT
        self.saved_text = ""  # the file's text as last read or written

        self.message_bar = MessageBar()
        self.results = ReportView(self.exercises)
        self.editor = CodeEditor()
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open your own .py file; it is watched and graded on every save")
        self.new_button = QPushButton("New from template…")
        self.new_button.setToolTip("Start a new file from the starter skeleton")
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save the editor to the file (Ctrl+S)")
        self.grade_button = QPushButton("Grade")
        self.grade_button.setObjectName("gradeButton")
        self.grade_button.setToolTip("Save, then grade every exercise in a separate process (Ctrl+Return)")
        self.grade_on_save = QCheckBox("grade on save")
        self.grade_on_save.setChecked(True)
        self.grade_on_save.setToolTip("Grade whenever the file is saved, here or in your own editor")
        self.file_label = QLabel()
        self.file_label.setObjectName("practiceFile")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel("not graded yet")
        self.status_label.setObjectName("practiceStatus")

        buttons = QHBoxLayout()
        for widget in (self.open_button, self.new_button, self.save_button, self.grade_button):
            buttons.addWidget(widget)
        buttons.addWidget(self.grade_on_save)
        buttons.addStretch(1)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addLayout(buttons)
        right_box.addWidget(self.file_label)
        right_box.addWidget(self.editor, 1)
        right_box.addWidget(self.status_label)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.results)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([380, 700])
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.message_bar)
        box.addWidget(splitter, 1)

        self._shortcut("Ctrl+S", self.save)
        self._shortcut("Ctrl+Return", self.grade)
        self.open_button.clicked.connect(self.choose_file)
        self.new_button.clicked.connect(self.new_from_template)
        self.save_button.clicked.connect(self.save)
        self.grade_button.clicked.connect(self.grade)
        self.results.sig_line_requested.connect(self.editor.go_to_line)
        self.results.sig_exercise_selected.connect(self._on_exercise_selected)
        self.watcher.fileChanged.connect(self._on_file_event)
        self.debounce.timeout.connect(self._on_file_settled)
        self.runner.sig_event_received.connect(self._on_event)
        self.runner.sig_running_changed.connect(self._on_running_changed)
        self.open_file(practice_file(lab))

    def _shortcut(self, keys: str, slot: Any) -> None:
        action = QAction(self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)

    # --- the file ------------------------------------------------------------------------------------

    def open_file(self, path: Path) -> bool:
        """Load ``path`` into the editor and watch it; False (with a message) when it cannot be read."""
        try:
            size = path.stat().st_size
            if size > EDITOR_LIMIT:
                raise OSError(f"{size / 1e6:.1f} MB is too large for the editor (limit 2 MB)")
            raw = path.read_bytes()
        except OSError as exc:
            self.message_bar.show_message(f"Cannot open {_short(path)}: {exc}", "error")
            return False
        text = raw.decode("utf-8", errors="replace")
        if self.path is not None:
            self.watcher.removePath(str(self.path))
        self.path = path
        self.watcher.addPath(str(path))
        self.editor.setPlainText(text)
        self.saved_text = text
        self.file_label.setText(f"{_short(path)}  (watched: saving in any editor re-grades)")
        self.file_label.setToolTip(str(path))
        if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
            self.message_bar.show_message(
                f"{_short(path)} is not UTF-8; unreadable bytes are shown as �", "warning"
            )
        return True

    @property
    def unsaved(self) -> bool:
        """Whether the editor holds edits the file does not have."""
        return self.editor.toPlainText() != self.saved_text

    @Slot()
    def choose_file(self) -> None:
        """Ask for a .py file to open."""
        start = str(self.path.parent) if self.path else str(Path.home())
        name, _ = QFileDialog.getOpenFileName(self, "Open your practice file", start, "Python files (*.py)")
        if name and self.open_file(Path(name)):
            self.message_bar.clear()
            self.grade()

    @Slot()
    def new_from_template(self) -> None:
        """Write the lab's starter skeleton to a new file and open it."""
        start = str((self.path.parent if self.path else Path.home()) / f"{self.lab}_practice.py")
        name, _ = QFileDialog.getSaveFileName(self, "New practice file", start, "Python files (*.py)")
        if not name:
            return
        try:
            atomic_write_text(Path(name), template(self.lab))
        except OSError as exc:
            self.message_bar.show_message(f"Cannot write {_short(Path(name))}: {exc}", "error")
            return
        self.open_file(Path(name))

    @Slot()
    def save(self) -> bool:
        """Write the editor to the file (grading after it when "grade on save" is on)."""
        if self.path is None:
            return False
        try:
            atomic_write_text(self.path, self.editor.toPlainText())
        except OSError as exc:
            self.message_bar.show_message(f"Cannot save {_short(self.path)}: {exc}", "error")
            return False
        self.saved_text = self.editor.toPlainText()
        self.watcher.addPath(str(self.path))  # a replaced file drops out of the watch list
        if self.grade_on_save.isChecked():
            self.grade()
        return True

    @Slot(str)
    def _on_file_event(self, _path: str) -> None:
        self.debounce.start()

    @Slot()
    def _on_file_settled(self) -> None:
        """The file changed on disk (the learner saved it in their own editor)."""
        if self.path is None:
            return
        if not self.path.exists():
            self.message_bar.show_message(
                f"{_short(self.path)} was moved or deleted; Save writes it again", "warning"
            )
            return
        self.watcher.addPath(str(self.path))
        try:
            text = self.path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return
        if text == self.editor.toPlainText():
            return  # our own save
        if self.unsaved:
            self.message_bar.show_message(
                f"{_short(self.path)} changed on disk; your unsaved edits here are kept (Save overwrites the "
                "file, Open… reads it again)",
                "warning",
            )
            return
        cursor = self.editor.textCursor().position()
        self.editor.setPlainText(text)
        self.saved_text = text
        moved = self.editor.textCursor()
        moved.setPosition(min(cursor, len(text)))
        self.editor.setTextCursor(moved)
        if self.grade_on_save.isChecked():
            self.grade()

    # --- grading ---------------------------------------------------------------------------------------

    @Slot()
    def grade(self) -> None:
        """Save unsaved edits, then grade the file on the worker thread."""
        if self.path is None:
            return
        if self.unsaved and not self._save_quietly():
            return
        try:
            extra = dict(self.extra_cases())
        except Exception as exc:  # a lab's extra cases must never stop grading
            extra = {}
            self.message_bar.show_message(f"Grading without the screen's case: {exc}", "warning")
        self.graded_at = time.monotonic()
        self.runner.start(GRADE_JOB, GradeParams(self.lab, str(self.path), self.timeout, extra))

    def _save_quietly(self) -> bool:
        grade_on_save = self.grade_on_save.isChecked()
        self.grade_on_save.setChecked(False)
        try:
            return self.save()
        finally:
            self.grade_on_save.setChecked(grade_on_save)

    @Slot(object)
    def _on_event(self, event: object) -> None:
        if isinstance(event, Finished):
            report = event.result.extra["report"]
            self.show_report(report)
        elif isinstance(event, Failed):
            self.message_bar.show_message(f"Grading failed: {event.message}", "error")
        elif isinstance(event, Cancelled):
            self.status_label.setText("grading stopped")

    def show_report(self, report: Report) -> None:
        """Show a report: checklist, grade of the selected exercise, error lines in the editor."""
        self.report = report
        self.message_bar.clear()
        self.results.show_report(report)
        seconds = time.monotonic() - self.graded_at if self.graded_at else 0.0
        mistakes = (
            f" · known mistake: {', '.join(m.name for m in report.mistakes)}" if report.mistakes else ""
        )
        self.status_label.setText(
            f"{report.passed}/{report.total} passed · graded at {time.strftime('%H:%M:%S')} "
            f"in {seconds:.1f} s{mistakes}"
        )
        lines = {
            int(r.details["line"]): r.message
            for r in report.results
            if not r.passed and r.details.get("line")
        }
        self.editor.mark_lines(lines)
        self.sig_report_ready.emit(report)

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        self.grade_button.setEnabled(not running)
        self.grade_button.setText("Grading…" if running else "Grade")
        if running:
            self.status_label.setText("grading in a separate process…")

    @Slot(str)
    def _on_exercise_selected(self, name: str) -> None:
        line = self.editor.line_of(f"def {name}(")
        if line is not None:
            self.editor.go_to_line(line)
            self.results.checklist.setFocus()

    def prepare_screenshot(self) -> None:
        """Open and grade a sample learner file, synchronously (README screenshots only)."""
        import tempfile

        from engine.practice import grade_file

        sample = screenshot_sample(self.lab, Path(tempfile.mkdtemp(prefix="dllab-practice-")))
        if sample is None or not self.open_file(sample[0]):
            return
        path, select = sample
        self.graded_at = time.monotonic()
        self.show_report(grade_file(self.lab, path, extra_cases=dict(self.extra_cases())))
        if select in self.exercises.names:
            self.results.checklist.setCurrentRow(self.exercises.names.index(select))

    def stop(self) -> None:
        """Stop a running grade and wait for it (closing the window)."""
        self.runner.stop_and_wait(10_000)


def _short(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 120 else "…" + text[-119:]


#: Sample learner files for README screenshots (a repository checkout has them; an installed app not).
SAMPLES = Path(__file__).resolve().parents[3] / "tests" / "engine" / "practice_files"


def screenshot_sample(lab: str, folder: Path) -> tuple[Path, str] | None:
    """A sample learner file for ``lab`` in ``folder`` (the solution with the edits of ``demo.json``:
    known mistakes, an unfinished exercise) and the exercise to select; None without the samples."""
    import json
    import re

    solution = SAMPLES / f"{lab}_solution.py"
    if not solution.is_file():
        return None
    demo = json.loads((SAMPLES / "demo.json").read_text(encoding="utf-8")).get(lab, {})
    text = solution.read_text(encoding="utf-8")
    for old, new in demo.get("edits", []):
        text = text.replace(old, new)
    text = re.sub(r"  # (?:MISTAKE-[\w-]+|noqa[^\n]*)", "", text)  # the tests' markers, not the learner's
    text = re.sub(r'^""".*?"""', f'"""My practice file for the {lab} lab."""', text, count=1, flags=re.DOTALL)
    path = folder / f"{lab}_learner.py"
    path.write_text(text, encoding="utf-8")
    return path, str(demo.get("select", ""))
