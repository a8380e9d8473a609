"""A lab's About text, with its measured outcomes hidden in answer-free mode until revealed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from engine.answers import has_answers, visible
from gui.answer_free import mode


class AboutView(QScrollArea):
    """Renders Markdown prose; sections marked as answers (engine.answers) follow answer-free mode.

    Args:
        markdown: The text, markers included.
    """

    def __init__(self, markdown: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.markdown = markdown
        self.revealed = False
        self.label = QLabel()
        self.label.setObjectName("labAbout")
        self.label.setTextFormat(Qt.TextFormat.MarkdownText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setMargin(12)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reveal_button = QPushButton("Reveal what we measured")
        self.reveal_button.setObjectName("revealAnswers")
        self.reveal_button.setToolTip("Answer-free mode hides these until you ask (View ▸ Answer-free mode)")
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(self.label)
        box.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addStretch(1)
        self.setWidgetResizable(True)
        self.setWidget(page)
        self.reveal_button.clicked.connect(self.reveal)
        mode().sig_changed.connect(self._on_mode_changed)
        self.refresh()

    @property
    def hiding(self) -> bool:
        """Whether answers are hidden right now."""
        return mode().enabled and not self.revealed and has_answers(self.markdown)

    def refresh(self) -> None:
        """Render for the current mode."""
        self.label.setText(visible(self.markdown, self.hiding))
        self.reveal_button.setVisible(self.hiding)

    @Slot()
    def reveal(self) -> None:
        """Show the hidden sections (until the mode is switched again)."""
        self.revealed = True
        self.refresh()

    @Slot(bool)
    def _on_mode_changed(self, _enabled: bool) -> None:
        self.revealed = False
        self.refresh()
