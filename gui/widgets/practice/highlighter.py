"""Python syntax highlighting for the practice editor: keywords, builtins, strings, numbers, comments,
decorators and the names being defined; colours that read on light and dark palettes."""

from __future__ import annotations

import builtins
import keyword
import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument


def _format(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


#: (light, dark) colours per token kind.
COLOURS = {
    "keyword": ("#7b1fa2", "#ce93d8"),
    "builtin": ("#00796b", "#80cbc4"),
    "string": ("#2e7d32", "#a5d6a7"),
    "number": ("#c62828", "#ef9a9a"),
    "comment": ("#757575", "#9e9e9e"),
    "definition": ("#1565c0", "#90caf9"),
    "decorator": ("#ef6c00", "#ffcc80"),
}
_BUILTINS = sorted(n for n in dir(builtins) if not n.startswith("_"))
_RULES: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("keyword", re.compile(r"\b(?:" + "|".join(keyword.kwlist) + r")\b"), 0),
    ("builtin", re.compile(r"\b(?:" + "|".join(_BUILTINS) + r")\b(?=\s*\()"), 0),
    ("number", re.compile(r"\b(?:0[xob][0-9a-fA-F_]+|\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?j?)\b"), 0),
    ("definition", re.compile(r"\b(?:def|class)\s+(\w+)"), 1),
    ("decorator", re.compile(r"^\s*@[\w.]+"), 0),
)
_STRING = re.compile(r"""[rRbBfFuU]{0,2}("[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')""")
_TRIPLE = ('"""', "'''")
_IN_TRIPLE = {'"""': 1, "'''": 2}


class PythonHighlighter(QSyntaxHighlighter):
    """Highlights a QTextDocument as Python (triple-quoted strings may span lines)."""

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        self.formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        """Pick the colours for a dark (or light) background and re-highlight."""
        self.formats = {
            kind: _format(colours[dark], bold=kind in ("keyword", "definition"), italic=kind == "comment")
            for kind, colours in COLOURS.items()
        }
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        """Colour one line (Qt calls this per block)."""
        for kind, pattern, group in _RULES:
            for match in pattern.finditer(text):
                start, end = match.span(group)
                self.setFormat(start, end - start, self.formats[kind])
        covered = self._triple_quotes(text)
        for match in _STRING.finditer(text):
            if not any(a <= match.start() < b for a, b in covered):
                self.setFormat(match.start(), match.end() - match.start(), self.formats["string"])
                covered.append(match.span())
        self._comment(text, covered)

    def _comment(self, text: str, strings: list[tuple[int, int]]) -> None:
        for index, char in enumerate(text):
            if char == "#" and not any(a <= index < b for a, b in strings):
                self.setFormat(index, len(text) - index, self.formats["comment"])
                return

    def _triple_quotes(self, text: str) -> list[tuple[int, int]]:
        """Colour triple-quoted strings (carrying an open one over to the next line); their spans."""
        spans: list[tuple[int, int]] = []
        self.setCurrentBlockState(0)
        start, position = 0, 0
        delimiter = next((d for d, state in _IN_TRIPLE.items() if self.previousBlockState() == state), None)
        if delimiter is None:
            start = -1
        while True:
            if delimiter is None:
                found = [(text.find(d, position), d) for d in _TRIPLE if text.find(d, position) >= 0]
                if not found:
                    return spans
                start, delimiter = min(found)
                position = start + 3
            end = text.find(delimiter, position)
            if end < 0:
                self.setFormat(start, len(text) - start, self.formats["string"])
                self.setCurrentBlockState(_IN_TRIPLE[delimiter])
                spans.append((start, len(text)))
                return spans
            self.setFormat(start, end + 3 - start, self.formats["string"])
            spans.append((start, end + 3))
            position, delimiter = end + 3, None
