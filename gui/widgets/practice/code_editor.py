"""The practice editor: a plain-text Python editor with line numbers, syntax highlighting, the
current line shaded, marked error lines, four-space indentation and auto-indent after a colon."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from gui import theme
from gui.widgets.practice.highlighter import PythonHighlighter

INDENT = "    "


class _LineNumbers(QWidget):
    """The gutter: paints the editor's line numbers."""

    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.editor.paint_line_numbers(event)


class CodeEditor(QPlainTextEdit):
    """Edits Python source. :meth:`mark_lines` shades lines a grade pointed at (1-based)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeEditor")
        self.setAccessibleName("Your solution (Python)")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.gutter = _LineNumbers(self)
        self.highlighter = PythonHighlighter(self.document(), dark=self._dark())
        self.marked: dict[int, str] = {}
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._scroll_gutter)
        self.cursorPositionChanged.connect(self._refresh_selections)
        self._update_margin()
        self._refresh_selections()

    def _dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def changeEvent(self, event: QEvent) -> None:
        """Follow a theme switch: colours for the new palette."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.highlighter.set_dark(self._dark())
            self._refresh_selections()

    # --- the gutter ---------------------------------------------------------------------------------

    def gutter_width(self) -> int:
        """Pixels for the line numbers (at least three digits)."""
        digits = max(3, len(str(self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margin(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the gutter beside the text."""
        super().resizeEvent(event)
        area = self.contentsRect()
        self.gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_line_numbers(self, event: QPaintEvent) -> None:
        """Paint the numbers of the visible lines (marked lines in the error colour)."""
        painter = QPainter(self.gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        normal = palette.color(QPalette.ColorRole.PlaceholderText)
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                number = block.blockNumber() + 1
                painter.setPen(QColor(theme.colour("bad")) if number in self.marked else normal)
                painter.drawText(
                    0, top, self.gutter.width() - 5, height, Qt.AlignmentFlag.AlignRight, str(number)
                )
            block, top = block.next(), bottom
        painter.end()

    # --- marks and the current line ----------------------------------------------------------------

    def mark_lines(self, lines: dict[int, str]) -> None:
        """Shade these 1-based lines (tooltips: the reasons); an empty dict clears the marks."""
        self.marked = {n: text for n, text in lines.items() if 1 <= n <= self.blockCount()}
        self._refresh_selections()
        self.gutter.update()

    def _refresh_selections(self) -> None:
        selections = []
        current = QTextEdit.ExtraSelection()
        shade = QColor(127, 127, 127, 28)
        current.format.setBackground(shade)
        current.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        current.cursor = self.textCursor()
        current.cursor.clearSelection()
        selections.append(current)
        for number in self.marked:
            mark = QTextEdit.ExtraSelection()
            mark.format.setBackground(QColor(229, 57, 53, 60))
            mark.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            mark.cursor = QTextCursor(self.document().findBlockByNumber(number - 1))
            selections.append(mark)
        self.setExtraSelections(selections)

    def go_to_line(self, number: int) -> None:
        """Put the cursor at the start of 1-based line ``number`` and show it."""
        block = self.document().findBlockByNumber(max(0, number - 1))
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus()

    def line_of(self, text: str) -> int | None:
        """The 1-based number of the first line that starts with ``text`` (e.g. ``def sigmoid(``)."""
        block = self.document().firstBlock()
        while block.isValid():
            if block.text().startswith(text):
                return block.blockNumber() + 1
            block = block.next()
        return None

    # --- typing -------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Tab inserts four spaces; Enter keeps the indentation (one level more after ':')."""
        if event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.textCursor().insertText(INDENT)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            line = self.textCursor().block().text()[: self.textCursor().positionInBlock()]
            indent = line[: len(line) - len(line.lstrip(" "))]
            if line.rstrip().endswith(":"):
                indent += INDENT
            self.textCursor().insertText("\n" + indent)
            self.ensureCursorVisible()
            return
        super().keyPressEvent(event)
