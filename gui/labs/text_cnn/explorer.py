"""The text-CNN lab's pipeline explorer: pick a post, see what each preprocessing step did to it
(a highlighted word diff), switch steps off and watch the corpus vocabulary change.

One post's trace is the engine's ``run_steps`` (milliseconds, GUI thread); anything over the whole
corpus (vocabulary size, per-step effects) arrives from the explorer's jobs (text_cnn_jobs).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.labs.text_cnn import STEPS, run_steps, word_diff
from engine.labs.text_cnn.data import enabled_steps
from engine.labs.text_cnn.pipeline import StepOutput, Trace
from engine.text.corpus import Corpus
from gui import theme
from gui.plots.charts import BAD, GOOD, NEUTRAL, BarChart

#: Highlight styles of the diff (red struck-through: removed; green: added).
_STYLES = {
    "removed": "background:#fbdcd7; color:#9b1c1c; text-decoration:line-through;",
    "added": "background:#d3f0de; color:#0f5b33;",
}
#: "This post" column: what the selected document went through at each step.
CHANGED, WHITESPACE, UNCHANGED, OFF = "changed", "whitespace only", "no change", "switched off"


def diff_html(spans: Sequence[tuple[str, str]]) -> str:
    """HTML for the engine's word diff: removed words struck through in red, added ones in green."""
    parts = []
    for kind, text in spans:
        escaped = html.escape(text)
        style = _STYLES.get(kind)
        parts.append(f'<span style="{style}">{escaped}</span>' if style else escaped)
    return " ".join(parts)


def step_effect(output: StepOutput) -> str:
    """How one step touched the post: changed, whitespace only, no change or switched off."""
    if output.skipped:
        return OFF
    if not output.changed:
        return UNCHANGED
    return CHANGED if output.words_changed else WHITESPACE


class PipelineExplorer(QWidget):
    """Post picker, the steps (checkable) with their effect on the post, and the selected step's diff."""

    sig_steps_changed = Signal(list)
    """The steps switched off changed (a sorted list of step numbers)."""
    sig_measure_requested = Signal()
    """The learner asked to measure every step's effect on the vocabulary."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.corpus: Corpus | None = None
        self.source = ""
        self.chunker = "auto"
        self.skip: list[int] = []
        self.trace: Trace | None = None

        self.posts = QComboBox()
        self.posts.setEditable(True)
        self.posts.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.posts.setMinimumContentsLength(28)
        self.posts.setToolTip("Type part of a file name to find a post")
        self.previous_button = QToolButton()
        self.next_button = QToolButton()
        self.previous_button.setText("◀")
        self.next_button.setText("▶")
        self.previous_button.setToolTip("Previous post")
        self.next_button.setToolTip("Next post")
        self.class_label = QLabel("")
        self.status = QLabel("Loading the posts…")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Post"))
        top.addWidget(self.posts, 2)
        top.addWidget(self.previous_button)
        top.addWidget(self.next_button)
        top.addWidget(self.class_label, 1)

        self.steps = QTreeWidget()
        self.steps.setAccessibleName("Preprocessing steps (untick to switch off)")
        self.steps.setHeaderLabels(["step (untick to switch off)", "this post"])
        self.steps.setRootIsDecorated(False)
        self.step_items: list[QTreeWidgetItem] = []  # one per step, in STEPS order
        for step in STEPS:
            item = QTreeWidgetItem([f"{step.number:>2}  {step.title}", ""])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked)
            item.setToolTip(0, step.description)
            item.setData(0, Qt.ItemDataRole.UserRole, step.number)
            self.steps.addTopLevelItem(item)
            self.step_items.append(item)
        self.vocabulary_label = QLabel("Vocabulary: counting…")
        self.vocabulary_label.setWordWrap(True)
        self.vocabulary_label.setObjectName("vocabularyLabel")
        self.measure_button = QPushButton("Measure each step's effect on the vocabulary")
        self.measure_button.setToolTip(
            "Preprocesses every post 17 times (all steps on, then each step off): about 8 s for the "
            "1,500 embedded posts on a 2-core CPU (longer when it is busy)"
        )
        self.measure_button.setEnabled(False)  # until the posts are loaded
        self.effects = BarChart(
            "vocabulary with one step switched off",
            empty_text="Press “Measure each step's effect on the vocabulary” to draw this.",
        )
        self.effects.getPlotItem().setLabel("bottom", "step switched off (all = every step on)")
        left = QSplitter(Qt.Orientation.Vertical)
        steps_box = QWidget()
        steps_layout = QVBoxLayout(steps_box)
        steps_layout.setContentsMargins(0, 0, 0, 0)
        self._fit_steps_to_font()
        steps_layout.addWidget(self.steps)
        steps_layout.addWidget(self.vocabulary_label)
        steps_layout.addWidget(self.measure_button)
        hint = QLabel(
            "Select a step to see what it did to this post. Untick one to switch it off: the vocabulary "
            "is recounted, skip_steps in the settings follows, and the next Run trains without it, so "
            "Runs can compare the accuracy."
        )
        hint.setWordWrap(True)
        theme.set_text_colour(hint, "muted")
        steps_layout.addWidget(hint)
        steps_layout.addStretch(1)
        left.addWidget(steps_box)

        self.effects_note = QLabel(
            "<span style='color:#D55E00'>■</span> more tokens without the step (it merges or drops words) · "
            "<span style='color:#009E73'>■</span> fewer · <span style='color:#9e9e9e'>■</span> same"
        )
        self.effects_note.setWordWrap(True)
        effects_box = QWidget()
        effects_layout = QVBoxLayout(effects_box)
        effects_layout.setContentsMargins(0, 0, 0, 0)
        effects_layout.addWidget(self.effects, 1)
        effects_layout.addWidget(self.effects_note)
        self.effects_box = effects_box
        left.addWidget(effects_box)
        effects_box.hide()  # until measured: an empty chart says nothing
        left.setCollapsible(0, False)
        left.setStretchFactor(0, 0)
        left.setStretchFactor(1, 1)

        self.step_title = QLabel("")
        self.step_title.setWordWrap(True)
        self.step_title.setTextFormat(Qt.TextFormat.RichText)
        self.diff = QTextBrowser()
        self.diff.setAccessibleName("What the step changed in this post")
        self.extracted = QLabel("")
        self.extracted.setWordWrap(True)
        self.extracted.setTextFormat(Qt.TextFormat.RichText)
        self.extracted.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.merged = QTextBrowser()
        self.merged.setAccessibleName("Model input")
        self.merged.setMaximumHeight(130)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.step_title)
        right_box.addWidget(self.diff, 1)
        right_box.addWidget(self.extracted)
        right_box.addWidget(QLabel("<b>Model input</b>: text + subject + e-mail domains, ticked steps"))
        right_box.addWidget(self.merged)

        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(right)
        body.setSizes([420, 580])
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.status)
        box.addWidget(body, 1)

        self.posts.currentIndexChanged.connect(self.show_post)
        self.previous_button.clicked.connect(lambda: self._step_post(-1))
        self.next_button.clicked.connect(lambda: self._step_post(1))
        self.steps.itemChanged.connect(self._on_item_changed)
        self.steps.currentItemChanged.connect(self.show_step)
        self.measure_button.clicked.connect(self.sig_measure_requested)
        theme.notifier.sig_theme_changed.connect(self.show_post)  # its colours follow the theme

    def _fit_steps_to_font(self) -> None:
        # The list is as tall as its 16 rows, so the vocabulary sits right under it; the titles take
        # the width left by "this post" (a title too long is elided, in full in its tooltip). Both
        # follow the font size (View ▸ Larger font).
        header = self.steps.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows = self.steps.sizeHintForRow(0) * len(STEPS) + self.steps.header().sizeHint().height()
        self.steps.setFixedHeight(rows + 2 * self.steps.frameWidth() + 8)

    def changeEvent(self, event: QEvent) -> None:
        """A new font size: the steps list is measured again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_steps_to_font()

    # --- data -----------------------------------------------------------------------------------

    def set_corpus(self, corpus: Corpus, source: str) -> None:
        """List the posts of a newly loaded corpus, keeping the chosen post when its file is still there."""
        current = self.posts.currentText()
        if source != self.source:
            self.effects_box.hide()  # measured on other posts
        self.corpus, self.source = corpus, source
        self.measure_button.setEnabled(True)
        self.posts.blockSignals(True)
        self.posts.clear()
        self.posts.addItems(list(corpus.files))
        completer = QCompleter(list(corpus.files), self.posts)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.posts.setCompleter(completer)
        index = self.posts.findText(current) if current else -1
        self.posts.setCurrentIndex(max(index, 0))
        self.posts.blockSignals(False)
        self.status.setText(f"{source}: {len(corpus.texts):,} posts in {len(corpus.class_names)} classes")
        self.show_post()

    def set_options(self, skip: Sequence[int], chunker: str) -> None:
        """Follow the form: the steps switched off and the step-11 chunker."""
        skip, changed = sorted(skip), chunker != self.chunker
        if skip != self.skip:
            self.skip = skip
            self.steps.blockSignals(True)
            for item in self.step_items:
                number = item.data(0, Qt.ItemDataRole.UserRole)
                state = Qt.CheckState.Unchecked if number in skip else Qt.CheckState.Checked
                item.setCheckState(0, state)
            self.steps.blockSignals(False)
            changed = True
        self.chunker = chunker
        if changed:
            self.show_post()

    def open_file(self, file: str) -> bool:
        """Show the post stored as ``file`` (a corpus-relative path); False when it is not listed."""
        index = self.posts.findText(file)
        if index >= 0:
            self.posts.setCurrentIndex(index)
        return index >= 0

    def show_vocabulary(self, size: int, baseline: int | None, posts: int, skip: Sequence[int]) -> None:
        """The engine's vocabulary count with the steps ``skip`` off (and with every step on)."""
        text = f"<b>Vocabulary: {size:,}</b> distinct tokens in the model input of all {posts:,} posts"
        if skip:
            steps = ", ".join(map(str, skip))
            text += f" with step {steps} off" + (f"; {baseline:,} with every step on" if baseline else "")
        self.vocabulary_label.setText(text)

    def show_effects(self, sizes: dict[str, int]) -> None:
        """Bars of the vocabulary with each step off; taller than 'all' = the step shrinks the vocabulary."""
        everything = sizes.get("0", 0)
        keys = ["0", *(str(s.number) for s in STEPS)]
        values = [sizes.get(k, 0) for k in keys]
        colours = [NEUTRAL] + [
            BAD if v > everything else GOOD if v < everything else "#9e9e9e" for v in values[1:]
        ]
        self.effects_box.show()
        self.effects.set_bars(["all", *keys[1:]], values, colours)
        self.effects.getPlotItem().setYRange(0, max(values) * 1.05)

    # --- views ----------------------------------------------------------------------------------

    @Slot()
    def show_post(self) -> None:
        """Run the steps on the chosen post and refresh the step list and the diff."""
        if self.corpus is None or not self.corpus.texts:
            return
        index = max(self.posts.currentIndex(), 0)
        label = self.corpus.class_names[self.corpus.labels[index]]
        self.class_label.setText(f"class: <b>{html.escape(label)}</b>")
        try:
            self.trace = run_steps(self.corpus.texts[index], enabled_steps(self.skip), self.chunker)
        except ValueError as exc:  # e.g. the NLTK chunker chosen without NLTK installed
            self.trace = None
            self.diff.setPlainText(str(exc))
            return
        for item, output in zip(self.step_items, self.trace.outputs, strict=True):
            effect = step_effect(output)
            item.setText(1, effect)
            item.setForeground(1, _brush(theme.colour({CHANGED: "good", OFF: "bad"}.get(effect, "muted"))))
        self.merged.setPlainText(self.trace.merged)
        if self.steps.currentItem() is None:
            self.steps.setCurrentItem(self.step_items[0])
        else:
            self.show_step()

    @Slot()
    def show_step(self) -> None:
        """Show the selected step's title, description, word diff and what it extracted."""
        item = self.steps.currentItem()
        if self.trace is None or item is None:
            return
        row = self.steps.indexOfTopLevelItem(item)
        output, step = self.trace.outputs[row], STEPS[row]
        spans = word_diff(output.before.text, output.after.text)
        effect = step_effect(output)
        chunker = f" · ran the <i>{html.escape(self.trace.chunker)}</i>" if step.number == 11 else ""
        self.step_title.setText(
            f"<b>Step {step.number} · {html.escape(step.title)}</b> — {effect}{chunker}<br>"
            f"<span style='color:{theme.colour('muted')}'>{html.escape(step.description)}</span> &nbsp; "
            f'<span style="{_STYLES["removed"]}">removed</span> '
            f'<span style="{_STYLES["added"]}">added</span>'
        )
        if output.skipped:
            note = "<p><i>Switched off: the post passes through unchanged.</i></p>"
        elif effect == WHITESPACE:
            note = "<p><i>Only line breaks, tabs or spacing changed.</i></p>"
        else:
            note = ""
        self.diff.setHtml(note + diff_html(spans))
        self.extracted.setText(
            f"<b>Subject:</b> {_field_html(output.before.subject, output.after.subject)}<br>"
            f"<b>E-mail domains:</b> {_field_html(output.before.emails, output.after.emails)}"
        )

    @Slot(QTreeWidgetItem, int)
    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0:
            return
        skip = sorted(
            int(item.data(0, Qt.ItemDataRole.UserRole))
            for item in self.step_items
            if item.checkState(0) == Qt.CheckState.Unchecked
        )
        if skip != self.skip:
            self.skip = skip
            self.show_post()
            self.sig_steps_changed.emit(skip)

    def _step_post(self, delta: int) -> None:
        count = self.posts.count()
        if count:
            self.posts.setCurrentIndex((self.posts.currentIndex() + delta) % count)


def _field_html(before: str, after: str) -> str:
    if before == after:
        return html.escape(after) if after else "<i>(none)</i>"
    return diff_html(word_diff(before, after)) or "<i>(none)</i>"


def _brush(colour: str) -> QBrush:
    return QBrush(QColor(colour))
