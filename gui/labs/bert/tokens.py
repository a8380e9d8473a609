"""The token view: a review as BERT receives it. One chip per position shows the WordPiece, its id, mask
and segment id, with [CLS]/[SEP], ``##`` continuations and padding coloured; below them the three int32
arrays as the graders saw them and the graders' checks, live.

Everything shown comes from :func:`engine.labs.bert.token_view` (run on a worker thread); this module
only lays it out.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFontDatabase, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui import theme

#: A review with the HTML remnants Reviews.csv has, shown until the learner types their own.
EXAMPLE_REVIEW = (
    "Yummy, <i>flavorful</i> and crunchy granola!<br /><br />My toddler loves it. "
    'See <a href="http://www.amazon.com/gp/product/B000EXAMPLE">here</a>.'
)
#: (background, border, text) per kind of position.
CHIP_STYLES = {
    "special": ("#d6e9f8", "#0072B2", "#0b3a5c"),
    "piece": ("#ffffff", "#9e9e9e", "#222222"),
    "continuation": ("#fff1cc", "#E69F00", "#4d3600"),
    "unknown": ("#fde0d6", "#D55E00", "#5c1f00"),
    "padding": ("#f2f2f2", "#d0d0d0", "#9a9a9a"),
}
CHIP_WIDTH = 92
#: A chip's widest line (position, piece and id are shorter), measured in the current font.
WIDEST_CHIP_LINE = "mask 0 · seg 0"
DEBOUNCE_MS = 350


def chip_kind(piece: str, mask: int) -> str:
    """Which style a position gets: special tokens, ``##`` continuations, unknown, padding or a piece."""
    if mask == 0:
        return "padding"
    if piece in ("[CLS]", "[SEP]"):
        return "special"
    if piece == "[UNK]":
        return "unknown"
    return "continuation" if piece.startswith("##") else "piece"


class _ChipGrid(QWidget):
    """Chips laid out in as many columns as the width allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setSpacing(4)
        self.grid.setContentsMargins(4, 4, 4, 4)
        self.chips: list[QLabel] = []
        self.columns = 0
        self.shown = 0

    def chip_width(self) -> int:
        """Wide enough for a chip's widest line at the current font size (at least CHIP_WIDTH)."""
        return max(CHIP_WIDTH, self.fontMetrics().horizontalAdvance(WIDEST_CHIP_LINE) + 14)

    def changeEvent(self, event: QEvent) -> None:
        """A new font size: chips widen (or narrow) and the rows are laid out again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            for label in self.chips:
                label.setFixedWidth(self.chip_width())
            self.columns = 0
            self.relayout()

    def set_chips(self, chips: list[tuple[str, str, str]]) -> None:
        """``[(kind, html, tooltip)]``, one per position."""
        while len(self.chips) < len(chips):
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setFixedWidth(self.chip_width())
            self.chips.append(label)
        for label, (kind, text, tip) in zip(self.chips, chips, strict=False):
            background, border, colour = CHIP_STYLES[kind]
            label.setStyleSheet(
                f"QLabel {{ background: {background}; border: 1px solid {border}; border-radius: 4px;"
                f" color: {colour}; padding: 2px; }}"
            )
            label.setText(text)
            label.setToolTip(tip)
        for label in self.chips[len(chips) :]:
            label.hide()
        self.shown = len(chips)
        self.columns = 0
        self.relayout()

    def relayout(self) -> None:
        """Put the chips into rows that fit the current width."""
        columns = max(1, (self.width() - 8) // (self.chip_width() + self.grid.spacing()))
        if columns == self.columns:
            return
        self.columns = columns
        for label in self.chips:
            self.grid.removeWidget(label)
        # Stretches of an earlier layout (other widths, other lengths) would pull rows apart.
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        for column in range(self.grid.columnCount()):
            self.grid.setColumnStretch(column, 0)
        for index, label in enumerate(self.chips[: self.shown]):
            self.grid.addWidget(label, index // columns, index % columns)
            label.show()
        self.grid.setColumnStretch(columns, 1)
        self.grid.setRowStretch((self.shown + columns - 1) // columns, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-flow the chips for the new width."""
        super().resizeEvent(event)
        self.relayout()


class ChecksList(QListWidget):
    """The graders' checks, one line each: ✓ or ✗, the rule, what was found."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checks: list[dict[str, Any]] = []
        theme.notifier.sig_theme_changed.connect(self._restyle)

    def set_checks(self, checks: list[dict[str, Any]]) -> None:
        """Show ``[{"name", "passed", "detail"}]`` (from the engine)."""
        self.checks = list(checks)
        self.clear()
        for check in checks:
            mark = "✓" if check["passed"] else "✗"
            item = QListWidgetItem(f"{mark}  {check['name']}  —  {check['detail']}")
            item.setForeground(QColor(theme.colour("good" if check["passed"] else "bad")))
            self.addItem(item)

    @Slot()
    def _restyle(self) -> None:
        self.set_checks(self.checks)

    @property
    def all_passed(self) -> bool:
        """Whether every listed check passed (False when none is listed)."""
        texts = [self.item(i).text() for i in range(self.count())]
        return bool(texts) and all(t.startswith("✓") for t in texts)


class TokenView(QWidget):
    """Type or paste a review; see its WordPieces, ids, mask and segment ids, and the checks."""

    sig_review_changed = Signal(str)
    """The review to tokenize (debounced while typing)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: dict[str, Any] = {}
        self.editor = QPlainTextEdit(EXAMPLE_REVIEW)
        self.editor.setPlaceholderText("Type or paste a review (HTML is stripped as in the lab)")
        self.editor.setMaximumHeight(70)
        self.editor.setAccessibleName("Review to tokenize")
        self.tokenize_button = QPushButton("Show tokens")
        self.tokenize_button.setToolTip(
            "Tokenize with the encoder's own vocab (the first time loads it, and converts our "
            "all-MiniLM-L6-v2 once); afterwards the view follows your edits"
        )
        self.tokenize_button.clicked.connect(self.request)
        self.status = QLabel("Press Show tokens to see this review as BERT receives it, or edit it first.")
        self.status.setWordWrap(True)
        self.cleaned = QLabel("")
        self.cleaned.setWordWrap(True)
        self.cleaned.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.legend = QLabel(_legend())
        self.chips = _ChipGrid()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.chips)
        scroll.setAccessibleName("WordPiece chips: position, piece, id, mask and segment id")
        self.arrays = QPlainTextEdit()
        self.arrays.setReadOnly(True)
        self.arrays.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.checks = ChecksList()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(titled("The three model inputs (int32)", self.arrays))
        lower.addWidget(titled("Graders' checks on this review", self.checks))
        lower.setSizes([560, 440])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(scroll)
        body.addWidget(lower)
        body.setSizes([430, 190])
        input_row = QHBoxLayout()
        input_row.addWidget(self.editor, 1)
        input_row.addWidget(self.tokenize_button, 0, Qt.AlignmentFlag.AlignTop)
        box = QVBoxLayout(self)
        box.addLayout(input_row)
        box.addWidget(self.status)
        box.addWidget(self.cleaned)
        box.addWidget(self.legend)
        box.addWidget(body, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.request)
        self.editor.textChanged.connect(self._on_text_changed)

    @Slot()
    def _on_text_changed(self) -> None:
        # Edits re-tokenize by themselves once the learner asked for tokens (the tokenizer is loaded).
        if self.data:
            self._debounce.start()

    def review(self) -> str:
        """The review in the editor."""
        return self.editor.toPlainText()

    def set_review(self, text: str) -> None:
        """Show another review (e.g. one picked in the predictions table) and tokenize it."""
        self.editor.setPlainText(text)
        self.request()

    def request_soon(self) -> None:
        """Tokenize again after a short pause (a form field is being edited)."""
        self._debounce.start()

    @Slot()
    def request(self) -> None:
        """Ask for the current review to be tokenized."""
        self._debounce.stop()
        self.sig_review_changed.emit(self.review())

    def set_status(self, text: str) -> None:
        """A line on what is happening (loading the encoder, a bad path)."""
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def show_tokens(self, data: dict[str, Any]) -> None:
        """Draw :func:`engine.labs.bert.token_view`'s result."""
        self.data = data
        pieces, ids = data["pieces"], data["input_word_ids"]
        mask, types = data["input_mask"], data["input_type_ids"]
        chips = []
        for position, (piece, word_id, m, t) in enumerate(zip(pieces, ids, mask, types, strict=True)):
            html = (
                f"<span style='font-size:small'>{position}</span><br><b>{_escape(piece)}</b><br>"
                f"{word_id}<br><span style='font-size:small'>mask {m} · seg {t}</span>"
            )
            tip = f"position {position}: {piece!r}, id {word_id}, input_mask {m}, input_type_ids {t}"
            chips.append((chip_kind(piece, m), html, tip))
        self.chips.set_chips(chips)
        self.arrays.setPlainText(
            "\n".join(f"{name} = {data[name]}" for name in ("input_word_ids", "input_mask", "input_type_ids"))
        )
        self.checks.set_checks(data["checks"])
        note = f"{data['n_wordpieces']} WordPieces between [CLS] and [SEP]"
        if data["truncated"]:
            note = (
                f"{data['n_wordpieces']} WordPieces, truncated: only the first ones fit between [CLS] and "
                f"[SEP] in {len(ids)} positions"
            )
        self.cleaned.setText(f"<b>After HTML stripping:</b> {_escape(data['cleaned'])}<br>{note}")


def _legend() -> str:
    names = {
        "special": "[CLS] / [SEP]",
        "piece": "WordPiece",
        "continuation": "##continuation",
        "unknown": "[UNK]",
        "padding": "padding (mask 0)",
    }
    parts = [
        f"<span style='background:{CHIP_STYLES[k][0]}; color:{CHIP_STYLES[k][2]};"
        f" border:1px solid {CHIP_STYLES[k][1]}'>&nbsp;{v}&nbsp;</span>"
        for k, v in names.items()
    ]
    return "&nbsp;&nbsp;".join(parts) + "&nbsp;&nbsp; each chip: position, piece, id, mask · segment id"


def titled(title: str, widget: QWidget) -> QWidget:
    """``widget`` under a bold caption."""
    page = QWidget()
    box = QVBoxLayout(page)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(QLabel(f"<b>{title}</b>"))
    box.addWidget(widget, 1)
    if not widget.accessibleName():
        widget.setAccessibleName(title)
    return page


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
