"""The Practice tab's results: the exercises as a checklist, and the selected one's task and grade.

Everything shown comes from the engine's report (:mod:`engine.practice.report`); this module only
formats it. In answer-free mode our numbers in the grade are masked until the learner reveals them.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QSplitter, QTextBrowser, QWidget

from engine.answers import mask_numbers
from engine.practice import ExerciseResult, LabExercises, Report, task_text
from engine.practice.report import detail_lines
from gui import theme
from gui.answer_free import mode

#: Mark and gui.theme text colour of each status (AA contrast in the light and the dark theme).
_STATUS = {
    "passed": ("✓", "good"),
    "failed": ("✗", "bad"),
    "not attempted": ("·", "muted"),
    "": ("○", "muted"),
}


class ReportView(QSplitter):
    """Checklist on top, the selected exercise's task text and grade below."""

    sig_line_requested = Signal(int)
    """The learner clicked a line number in a grade (1-based)."""
    sig_exercise_selected = Signal(str)
    """An exercise was selected in the checklist (its function name)."""
    sig_graph_requested = Signal(str)
    """The learner asked to see an exercise's grade on the lab's graph (backprop)."""

    def __init__(self, exercises: LabExercises, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.exercises = exercises
        self.report: Report | None = None
        self.revealed = False
        self.graph_link = False  # the backprop tab offers "show on the graph"
        self.checklist = QListWidget()
        self.checklist.setObjectName("practiceChecklist")
        self.checklist.setAccessibleName("Checks of the graded file")
        self.task = QTextBrowser()
        self.task.setObjectName("practiceTask")
        self.task.setAccessibleName("The exercise's task")
        self.task.setOpenExternalLinks(False)
        self.details = QTextBrowser()
        self.details.setObjectName("practiceDetails")
        self.details.setAccessibleName("Details of the selected check")
        self.details.setOpenLinks(False)
        self.details.anchorClicked.connect(self._on_link)
        for exercise in exercises.exercises:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, exercise.name)
            self.checklist.addItem(item)
        self.addWidget(self.checklist)
        self.addWidget(self.task)
        self.addWidget(self.details)
        self.setSizes([150, 300, 250])
        self.checklist.currentRowChanged.connect(self._on_row_changed)
        mode().sig_changed.connect(self._on_mode_changed)
        self._fill_items()
        self.checklist.setCurrentRow(0)

    def selected_name(self) -> str:
        """The selected exercise's function name."""
        item = self.checklist.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else self.exercises.names[0]

    def result(self, name: str) -> ExerciseResult | None:
        """The latest grade of exercise ``name``, if any."""
        if self.report is None:
            return None
        return next((r for r in self.report.results if r.name == name), None)

    def show_report(self, report: Report | None) -> None:
        """Show a new report (None: not graded yet)."""
        self.report = report
        self._fill_items()
        self.show_selected()

    def _fill_items(self) -> None:
        for row, exercise in enumerate(self.exercises.exercises):
            item = self.checklist.item(row)
            result = self.result(exercise.name)
            status = result.status if result is not None else ""
            mark, colour = _STATUS[status]
            item.setText(f"{mark}  {exercise.title}   ({exercise.name})")
            if status:
                item.setForeground(QColor(theme.colour(colour)))
            tip = self._masked(result.message) if result is not None else "not graded yet"
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{exercise.title}: {status or 'not graded'}")

    def _masked(self, text: str) -> str:
        return mask_numbers(text) if mode().enabled and not self.revealed else text

    @Slot(int)
    def _on_row_changed(self, _row: int) -> None:
        self.show_selected()
        self.sig_exercise_selected.emit(self.selected_name())

    def show_selected(self) -> None:
        """Render the selected exercise's task text and grade."""
        name = self.selected_name()
        result = self.result(name)
        self.task.setMarkdown(task_text(self.exercises.lab, name))
        grade = (
            self._grade_html(result) if result is not None else "<p><i>Not graded yet: press Grade.</i></p>"
        )
        self.details.setHtml(grade)

    def _grade_html(self, result: ExerciseResult) -> str:
        mark, role = _STATUS[result.status]
        verdict = escape(self._masked(result.message))
        colour = theme.colour(role)
        parts = [f"<p><b style='color:{colour}'>{mark} {escape(result.status)}</b> — {verdict}</p>"]
        details = result.details
        lines = [self._masked(line) for line in detail_lines(result, mistake=False)]
        if lines:
            parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")
        if details.get("line"):
            parts.append(
                f"<p><a href='line:{int(details['line'])}'>Go to line {int(details['line'])}</a></p>"
            )
        checks = details.get("grader_checks")
        if checks:
            rows = "".join(
                f"<li>{'✓' if c['passed'] else '✗'} {escape(c['name'])}: {escape(str(c['detail']))}</li>"
                for c in checks
            )
            parts.append(f"<p>The graders' checks:</p><ul>{rows}</ul>")
        if result.mistake is not None:
            parts.append(f"<p><b>Known mistake:</b> {escape(result.mistake.text)}</p>")
        if self.graph_link and details.get("suspects"):
            parts.append(
                f"<p><a href='graph:{escape(result.name)}'>Show the suspect node(s) on the graph</a></p>"
            )
        if details.get("output"):
            parts.append(f"<p>What your code printed:</p><pre>{escape(str(details['output']))}</pre>")
        if mode().enabled and not self.revealed and not result.passed:
            parts.append("<p><a href='reveal:'>Reveal our numbers</a> (hidden in answer-free mode)</p>")
        return "".join(parts)

    def _on_link(self, url: object) -> None:
        text = url.toString()  # type: ignore[attr-defined]
        kind, _, value = text.partition(":")
        if kind == "line" and value.isdigit():
            self.sig_line_requested.emit(int(value))
        elif kind == "graph":
            self.sig_graph_requested.emit(value)
        elif kind == "reveal":
            self.revealed = True
            self._fill_items()
            self.show_selected()

    @Slot(bool)
    def _on_mode_changed(self, _enabled: bool) -> None:
        self.revealed = False
        self._fill_items()
        self.show_selected()
