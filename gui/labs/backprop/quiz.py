"""The graph explorer's "predict the next step" quiz: with it switched on, every step asks first.

Before a forward step the learner types the node's value, before a backward step the gradient; the
engine checks it (relative tolerance 1e-3, :mod:`engine.practice.quiz`), the step is revealed with
its rule and numbers, and the score counts the pass. Skip reveals a step without a prediction.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from engine.practice.quiz import Question, Score, check, question_for
from gui import theme
from gui.labs.backprop.explorer import GraphExplorer


class QuizBar(QWidget):
    """The quiz under the explorer's toolbar; it gates the explorer's steps while switched on."""

    def __init__(self, explorer: GraphExplorer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quizBar")
        self.explorer = explorer
        self.score = Score()
        self.question: Question | None = None
        self.enabled_box = QCheckBox("Predict each step")
        self.enabled_box.setObjectName("quizToggle")
        self.enabled_box.setToolTip(
            "Before a step is shown, type the node's value or gradient; then it is revealed"
        )
        self.prompt = QLabel()
        self.prompt.setObjectName("quizPrompt")
        self.answer = QLineEdit()
        self.answer.setObjectName("quizAnswer")
        self.answer.setPlaceholderText("your prediction, e.g. 1.13")
        self.answer.setMaximumWidth(180)
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("quizCheck")
        self.skip_button = QPushButton("Skip")
        self.skip_button.setToolTip("Reveal this step without a prediction")
        self.feedback = QLabel()
        self.feedback.setObjectName("quizFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.score_label = QLabel()
        self.score_label.setObjectName("quizScore")
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.enabled_box)
        line.addWidget(self.prompt, 1)
        line.addWidget(self.answer)
        line.addWidget(self.check_button)
        line.addWidget(self.skip_button)
        line.addWidget(self.score_label)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(line)
        box.addWidget(self.feedback)

        self.enabled_box.toggled.connect(self._on_toggled)
        self.check_button.clicked.connect(self.check_answer)
        self.answer.returnPressed.connect(self.check_answer)
        self.skip_button.clicked.connect(self.skip)
        explorer.session.sig_graph_changed.connect(self.new_pass)
        explorer.session.sig_feeds_changed.connect(self.new_pass)
        explorer.reset_action.triggered.connect(self.new_pass)
        explorer.may_reveal = self.may_reveal
        self._on_toggled(False)

    @property
    def active(self) -> bool:
        """Whether steps ask first."""
        return self.enabled_box.isChecked()

    def may_reveal(self, position: int) -> bool:
        """The explorer's gate: a step is shown at once when the quiz is off, else it is asked first."""
        if not self.active or position > self.explorer.walk.total:
            return True
        self.ask(self.explorer.walk.position + 1)
        return False

    def ask(self, position: int) -> None:
        """Ask about the step that ``position`` reveals."""
        walk = self.explorer.walk
        if position > walk.total:
            self.question = None
            self.prompt.setText("The backward pass is complete.")
            return
        self.question = question_for(walk.steps[position - 1], position, walk.graph.output)
        kind = "Value" if self.question.kind == "value" else "Gradient"
        self.prompt.setText(f"{kind}: {self.question.prompt}")
        self.answer.clear()
        self.answer.setEnabled(True)
        self.check_button.setEnabled(True)
        self.skip_button.setEnabled(True)
        self.answer.setFocus()

    @Slot()
    def check_answer(self) -> None:
        """Check the typed prediction, then reveal the step."""
        if self.question is None:
            return
        answer = check(self.question, self.answer.text())
        if answer.correct is None:
            self._say(answer.feedback, "")
            return
        self.score.add(answer)
        self._say(("✓ " if answer.correct else "✗ ") + answer.feedback, "good" if answer.correct else "bad")
        self._reveal()

    @Slot()
    def skip(self) -> None:
        """Reveal the step without scoring it."""
        if self.question is not None:
            self._say(f"Skipped. {self.question.formula}", "")
            self._reveal()

    def _reveal(self) -> None:
        assert self.question is not None
        position = self.question.position
        self.question = None
        self.explorer.seek(position)
        self.score_label.setText(self.score.text())
        self.ask(position + 1)

    def _say(self, text: str, colour: str) -> None:
        """``colour``: a theme text colour name (``good``, ``bad``) or ``""`` for plain text."""
        theme.set_text_colour(self.feedback, colour)
        self.feedback.setText(text)
        self.feedback.show()

    @Slot()
    def new_pass(self) -> None:
        """A new pass (reset, other row, weights or graph): the score starts again."""
        self.score = Score()
        self.score_label.setText(self.score.text() if self.active else "")
        self.feedback.hide()
        if self.active:
            self.ask(self.explorer.walk.position + 1)

    @Slot(bool)
    def _on_toggled(self, on: bool) -> None:
        for widget in (self.prompt, self.answer, self.check_button, self.skip_button, self.score_label):
            widget.setVisible(on)
        self.feedback.hide()
        if on:
            self.explorer.pause()
            self.new_pass()
        else:
            self.question = None
