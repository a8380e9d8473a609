"""The Text CNN tab: no TensorFlow at construction, the pipeline explorer against the engine's own
numbers, a real 1-epoch run filling every result view, Stop, and bad input named in the message."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.jobs import Cancelled, Finished
from engine.labs import LABS
from engine.labs.text_cnn import STEPS, run_steps, vocabulary_by_step, vocabulary_size
from engine.labs.text_cnn.entities import get_chunker, nltk_available
from engine.labs.text_cnn.newsgroups import generate_corpus
from engine.labs.text_cnn.pipeline import STEP_NUMBERS
from engine.text.corpus import load_folder
from gui.labs.text_cnn import TextCnnLabWidget
from gui.labs.text_cnn.explorer import CHANGED, OFF, UNCHANGED, WHITESPACE, diff_html, step_effect
from gui.labs.text_cnn.results import MistakesView

ROOT = Path(__file__).resolve().parents[2]
ALL = list(STEP_NUMBERS)


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six posts per class: a stratified three-way split works and an epoch takes a second or two."""
    return generate_corpus(tmp_path_factory.mktemp("tiny_news"), seed=5, per_class=6)


def make_widget(qtbot, store, data_dir: Path | str) -> TextCnnLabWidget:
    """The tab pointed at ``data_dir``, shown, with its first corpus analysis finished."""
    lab = TextCnnLabWidget(LABS["text_cnn"], store)
    qtbot.addWidget(lab)
    lab.form.set_value("data_dir", str(data_dir))
    with qtbot.waitSignal(lab.jobs.analysis_runner.sig_job_ended, timeout=30_000) as blocker:
        lab.show()
    lab.analysis_result = blocker.args[0]
    return lab


@pytest.fixture
def widget(qtbot, tmp_store, tiny_corpus):
    lab = make_widget(qtbot, tmp_store, tiny_corpus)
    yield lab
    lab.runner.stop_and_wait(10_000)
    lab.stop_explorer_jobs()


def test_the_tab_builds_and_explores_without_tensorflow(tmp_path, tiny_corpus):
    code = (
        "import sys\n"
        "from gui.app import make_application\n"
        "app = make_application()\n"
        "from engine.labs import LABS\n"
        "from gui.labs.text_cnn import WIDGET\n"
        "w = WIDGET(LABS['text_cnn'], None)\n"
        "print('tf_after_build', 'tensorflow' in sys.modules)\n"
        f"w.form.set_value('data_dir', {str(tiny_corpus)!r})\n"
        "w.show()\n"
        "import time; deadline = time.time() + 60\n"
        "while w.explorer.trace is None or 'counting' in w.explorer.vocabulary_label.text():\n"
        "    app.processEvents(); time.sleep(0.01)\n"
        "    assert time.time() < deadline, 'explorer did not finish'\n"
        "w.stop_explorer_jobs()\n"
        "print('tf_after_explore', 'tensorflow' in sys.modules)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DLLAB_DATA_DIR": str(tmp_path)}
    env["DLLAB_CACHE_DIR"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "tf_after_build False" in proc.stdout and "tf_after_explore False" in proc.stdout


def test_diff_html_marks_and_escapes_the_engines_spans():
    html = diff_html([("same", "In article"), ("removed", "<642231@athena>"), ("added", "New_York")])
    assert html.startswith("In article ") and "&lt;642231@athena&gt;" in html and "<642231" not in html
    assert 'line-through;">&lt;642231' in html and 'color:#0f5b33;">New_York</span>' in html


def test_explorer_shows_each_step_and_the_engines_vocabulary(qtbot, widget, tiny_corpus):
    corpus = load_folder(tiny_corpus)
    explorer = widget.explorer
    assert isinstance(widget.analysis_result, Finished)
    assert explorer.posts.count() == len(corpus.files) and explorer.steps.topLevelItemCount() == len(STEPS)
    assert f"{vocabulary_size(corpus.texts, ALL, 'auto'):,}</b>" in explorer.vocabulary_label.text()
    assert widget.classes.bars.values == list(corpus.counts().values())

    # A post with an e-mail address: step 2 strikes it out, step 1 lists its domain.
    index = next(i for i, text in enumerate(corpus.texts) if "@" in text)
    explorer.posts.setCurrentIndex(index)
    explorer.steps.setCurrentItem(explorer.step_items[1])
    assert explorer.step_items[1].text(1) == CHANGED
    assert "line-through" in explorer.diff.toHtml() and "@" in explorer.diff.toPlainText()
    assert explorer.trace is not None and explorer.trace.result.emails in explorer.extracted.text()

    # Step 11 names the chunker that ran.
    explorer.steps.setCurrentItem(explorer.step_items[STEP_NUMBERS.index(11)])
    assert get_chunker("auto").label in explorer.step_title.text()
    assert get_chunker("auto").label in explorer.status.text()

    # Switching step 16 off from the explorer edits the form and recounts the vocabulary.
    with qtbot.waitSignal(widget.jobs.analysis_runner.sig_job_ended, timeout=30_000):
        explorer.step_items[STEP_NUMBERS.index(16)].setCheckState(0, Qt.CheckState.Unchecked)
    assert widget.form.raw_values()["skip_steps"] == "16"
    assert explorer.step_items[STEP_NUMBERS.index(16)].text(1) == OFF
    without_16 = vocabulary_size(corpus.texts, [n for n in ALL if n != 16], "auto")
    label = explorer.vocabulary_label.text()
    assert f"{without_16:,}</b>" in label and "step 16 off" in label
    assert f"{vocabulary_size(corpus.texts, ALL, 'auto'):,} with every step on" in label

    # And the form's field drives the check boxes.
    widget.form.set_value("skip_steps", "7,11")
    unchecked = [
        STEPS[i].number
        for i in range(len(STEPS))
        if explorer.step_items[i].checkState(0) == Qt.CheckState.Unchecked
    ]
    assert unchecked == [7, 11]
    qtbot.waitUntil(lambda: "step 7, 11 off" in explorer.vocabulary_label.text(), timeout=30_000)


def test_step_effects_are_the_engines(qtbot, widget, tiny_corpus):
    with qtbot.waitSignal(widget.jobs.effects_runner.sig_job_ended, timeout=60_000) as blocker:
        widget.explorer.measure_button.click()
    assert isinstance(blocker.args[0], Finished)
    expected = vocabulary_by_step(load_folder(tiny_corpus).texts, "auto")
    assert widget.explorer.effects.values == [float(expected[k]) for k in (0, *STEP_NUMBERS)]
    assert widget.explorer.effects.isVisible()


@pytest.mark.slow
def test_a_one_epoch_run_fills_every_view(qtbot, widget):
    widget.form.set_value("epochs", 1)
    widget.form.set_value("batch_size", 8)
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=120_000) as blocker:
        widget.run_button.click()
    event = blocker.args[0]
    assert isinstance(event, Finished), getattr(event, "details", event)
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)
    result = event.result
    extra = result.extra

    assert widget.views.currentWidget() is widget.test_view
    assert np.array_equal(widget.test_view.matrix.matrix, np.array(extra["confusion_matrix"]))
    assert widget.test_view.f1_bars.values == extra["per_class_f1"]
    assert widget.test_view.f1_table.rowCount() == len(extra["class_names"])
    assert f"{result.test['accuracy']:.3f}" in widget.test_view.summary.text()
    assert list(widget.curves.points["val_f1"][0]) == [1]
    assert widget.curves.points["accuracy"][1] == result.history["accuracy"]

    split = [widget.classes.table.item(0, c).text() for c in (3, 4, 5)]
    assert split == [str(extra["class_counts"][k][0]) for k in ("train", "val", "test")]

    mistakes = widget.mistakes
    assert mistakes.table.rowCount() == len(extra["misclassified"])
    shown = f"{len(extra['misclassified'])} of {extra['misclassified_total']} misclassified"
    assert extra["misclassified_total"] == 0 or shown in mistakes.summary.text()
    diagram = extra["model_diagram"]
    assert widget.model_view.table.rowCount() == len(diagram["layers"])
    assert set(widget.model_view.diagram.boxes) == {layer["name"] for layer in diagram["layers"]}
    assert f"{diagram['trainable_params']:,} trainable" in widget.model_view.diagram.summary.text()
    assert extra["embedding"]["label"] in widget.model_view.embedding.text()
    assert widget.lengths.reports["words"] == extra["word_lengths"]
    rows = widget.results_table.values()
    assert rows["embeddings"] == extra["embedding"]["label"]
    assert rows["sequence length"].startswith(str(extra["sequence_length"]))

    if extra["misclassified"]:  # a mistake opens in the pipeline explorer
        mistakes.table.selectRow(0)
        first = extra["misclassified"][0]
        assert mistakes.original.toPlainText().startswith(first["original"][:40])
        assert mistakes.snippet.toPlainText().startswith(first["snippet"][:40])
        mistakes.open_button.click()
        assert widget.views.currentWidget() is widget.explorer
        assert widget.explorer.posts.currentText() == extra["misclassified"][0]["file"]


def test_run_waits_for_the_posts_and_stop_ends_it_while_it_preprocesses(qtbot, tmp_store, tmp_path):
    folder = generate_corpus(tmp_path / "news", seed=3, per_class=60)
    lab = TextCnnLabWidget(LABS["text_cnn"], tmp_store)
    qtbot.addWidget(lab)
    lab.form.set_value("data_dir", str(folder))
    try:
        lab.jobs.refresh()  # the explorer starts loading; Run must not load the posts a second time
        lab.run_button.click()
        assert not lab.runner.running and "run starts as soon as" in lab.message_bar.text
        qtbot.waitUntil(lambda: lab.runner.running, timeout=30_000)
        qtbot.waitUntil(lambda: lab.progress.format().startswith("preprocessing"), timeout=30_000)
        asked = time.monotonic()
        with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=10_000) as blocker:
            lab.stop_button.click()
        assert time.monotonic() - asked < 2.0
        assert isinstance(blocker.args[0], Cancelled)
        assert "stopped" in lab.message_bar.text
        qtbot.waitUntil(lambda: not lab.runner.running, timeout=10_000)
    finally:
        lab.runner.stop_and_wait(10_000)
        lab.stop_explorer_jobs()


def test_bad_input_is_named_in_the_message(qtbot, widget, tmp_path, tiny_corpus):
    widget.form.set_value("kernel_sizes", "3,4")
    widget.run_button.click()
    assert not widget.runner.running and "kernel_sizes" in widget.message_bar.text

    widget.form.set_value("kernel_sizes", "3,4,5")
    missing = tmp_path / "no_such_folder"
    with qtbot.waitSignal(widget.jobs.analysis_runner.sig_job_ended, timeout=30_000) as blocker:
        widget.form.set_value("data_dir", str(missing))
    assert "not a folder" in blocker.args[0].message
    assert str(missing) in widget.message_bar.text and widget.message_bar.level == "error"

    widget.form.set_value("data_dir", str(tiny_corpus))
    widget.form.set_value("glove_path", str(tmp_path / "glove.6B.300d.txt"))
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=30_000):
        widget.run_button.click()
    assert "glove.6B.300d.txt: vectors file not found" in widget.message_bar.text
    qtbot.waitUntil(widget.run_button.isEnabled, timeout=10_000)  # the thread's end was handled
    widget.form.set_value("glove_path", "")

    if not nltk_available():  # choosing NLTK's chunker without NLTK: the explorer says why
        widget.form.set_value("chunker", "nltk")
        assert "NLTK chunker needs nltk" in widget.explorer.diff.toPlainText()
        widget.form.set_value("chunker", "auto")

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("")
    widget.form.set_value("data_dir", str(empty))
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=30_000) as blocker:
        widget.run_button.click()
    assert str(empty) in blocker.args[0].message and str(empty) in widget.message_bar.text
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)


def test_closing_the_window_ends_the_explorer_jobs(qtbot, window, tiny_corpus):
    lab = window.lab_widget("text_cnn")  # built, not yet on screen: nothing loads before it shows
    lab.form.set_value("data_dir", str(tiny_corpus))
    window.show_tab("text_cnn")
    qtbot.waitUntil(lambda: lab.explorer.measure_button.isEnabled(), timeout=30_000)  # posts loaded
    lab.explorer.measure_button.click()
    assert lab.jobs.effects_runner.running
    window.close()
    assert not lab.jobs.analysis_runner.running and not lab.jobs.effects_runner.running


def test_mistakes_say_how_many_of_all_mistakes_are_listed(qtbot):
    view = MistakesView()
    qtbot.addWidget(view)
    example = {"true": "sci.med", "predicted": "sci.space", "confidence": 0.9, "file": "sci.med_1.txt"}
    example |= {"snippet": "clinic", "original": "From: a"}
    view.show_examples([example, {**example, "file": "sci.med_2.txt"}], 7)
    assert view.summary.text().startswith("2 of 7 misclassified") and view.table.rowCount() == 2
    view.show_examples([], 0)
    assert view.summary.text() == "No test post was misclassified."


def test_step_list_tells_whitespace_only_changes_apart():
    outputs = {o.number: o for o in run_steps("plain words\nand a (note)", chunker="offline").outputs}
    assert step_effect(outputs[8]) == WHITESPACE and step_effect(outputs[7]) == CHANGED
    assert step_effect(outputs[1]) == UNCHANGED
