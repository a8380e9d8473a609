"""The Practice tab, driven through real clicks and keys: open it, grade the editor, grade on an
external save, read a task, follow answer-free mode; the learner's code runs in a separate process."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.labs import LABS
from engine.practice import lab_exercises, template

FILES = Path(__file__).resolve().parents[1] / "engine" / "practice_files"
GRADE_MS = 60_000


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path, monkeypatch):
    """Each test gets its own practice files (the tab keeps them in the user data dir)."""
    monkeypatch.setenv("DLLAB_DATA_DIR", str(tmp_path / "data"))
    import gui.answer_free

    monkeypatch.setattr(gui.answer_free, "_MODE", None)  # the switch reads this test's settings


def _click_tab(qtbot, tabs, title: str) -> None:
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == title)
    bar = tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    qtbot.waitUntil(lambda: tabs.currentIndex() == index)


def _stop_every_job(_widget) -> None:
    """A lab starts jobs of its own when shown (the text CNN's corpus): stop them before it closes."""
    from gui.workers import LIVE_RUNNERS

    for runner in list(LIVE_RUNNERS):
        runner.stop_and_wait(10_000)


def _lab(qtbot, tmp_store, lab_id: str):
    from gui.labs import make_lab_widget

    widget = make_lab_widget(LABS[lab_id], tmp_store)
    qtbot.addWidget(widget, before_close_func=_stop_every_job)
    widget.resize(1366, 768)
    jobs = getattr(widget, "jobs", None)  # the text CNN lists its corpus as soon as it is shown
    if jobs is not None:
        with qtbot.waitSignal(jobs.analysis_runner.sig_job_ended, timeout=120_000):
            widget.show()
    else:
        widget.show()
    qtbot.waitExposed(widget)
    return widget


def _statuses(practice) -> list[str]:
    checklist = practice.results.checklist
    return [checklist.item(i).text()[0] for i in range(checklist.count())]


@pytest.mark.parametrize("lab_id", list(LABS))
def test_every_lab_has_a_practice_tab_with_its_exercises_and_the_template(qtbot, tmp_store, lab_id):
    widget = _lab(qtbot, tmp_store, lab_id)
    _click_tab(qtbot, widget.views, "Practice")
    practice = widget.practice
    assert practice.results.checklist.count() == len(lab_exercises(lab_id).exercises)
    assert practice.editor.toPlainText() == template(lab_id)
    assert practice.path is not None and practice.path.read_text(encoding="utf-8") == template(lab_id)
    first = lab_exercises(lab_id).exercises[0]
    assert f"{first.name}(" in practice.results.task.toPlainText()
    # The run settings make room for the editor (hidden, so out of the Tab order too), and come back
    # with any other view (backprop keeps them on its race page, never beside the views).
    column = widget.settings_action.column
    assert not column.isVisible() and practice.isVisible()
    _click_tab(qtbot, widget.views, "Results")
    assert column.isVisible() or widget.splitter.indexOf(column) < 0


def test_grade_button_grades_the_editor_and_marks_the_checklist(qtbot, tmp_store):
    widget = _lab(qtbot, tmp_store, "callbacks")
    _click_tab(qtbot, widget.views, "Practice")
    practice = widget.practice
    practice.editor.setPlainText((FILES / "callbacks_solution.py").read_text(encoding="utf-8"))
    with qtbot.waitSignal(practice.sig_report_ready, timeout=GRADE_MS) as signal:
        QTest.mouseClick(practice.grade_button, Qt.MouseButton.LeftButton)
    report = signal.args[0]
    assert report.passed == report.total == 4
    assert _statuses(practice) == ["✓"] * 4
    assert practice.path.read_text(encoding="utf-8") == practice.editor.toPlainText()  # saved first
    assert practice.status_label.text().startswith("4/4 passed")
    _click_tab(qtbot, widget.views, "Curves")
    assert widget.views.parentWidget().sizes()[0] > 0


def test_a_syntax_error_typed_in_the_editor_is_reported_with_its_line(qtbot, tmp_store):
    widget = _lab(qtbot, tmp_store, "transfer")
    _click_tab(qtbot, widget.views, "Practice")
    practice = widget.practice
    editor = practice.editor
    with qtbot.waitActive(widget):  # shortcuts (Ctrl+S) reach only the active window's focused widget
        widget.activateWindow()
    line = editor.toPlainText().splitlines().index("    raise NotImplementedError") + 1
    editor.go_to_line(line)  # the first exercise's body
    QTest.keyClicks(editor, "    side = (1 + ")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    with qtbot.waitSignal(practice.sig_report_ready, timeout=GRADE_MS):
        QTest.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # save grades too
    result = practice.report.results[0]
    assert result.message.startswith(f"syntax error on line {line}"), result.message
    assert line in editor.marked
    assert _statuses(practice) == ["✗", "✗"]


def test_saving_in_another_editor_reloads_and_regrades(qtbot, tmp_store):
    widget = _lab(qtbot, tmp_store, "lstm")
    _click_tab(qtbot, widget.views, "Practice")
    practice = widget.practice
    solution = (FILES / "lstm_solution.py").read_text(encoding="utf-8")
    with qtbot.waitSignal(practice.sig_report_ready, timeout=GRADE_MS) as signal:
        practice.path.write_text(solution, encoding="utf-8")  # the learner's own editor saves the file
    assert signal.args[0].passed == 3
    assert practice.editor.toPlainText() == solution
    assert not practice.unsaved


def test_clicking_an_exercise_shows_its_task_and_jumps_to_its_function(qtbot, tmp_store):
    widget = _lab(qtbot, tmp_store, "bert")
    _click_tab(qtbot, widget.views, "Practice")
    practice = widget.practice
    checklist = practice.results.checklist
    item = checklist.item(2)
    QTest.mouseClick(
        checklist.viewport(), Qt.MouseButton.LeftButton, pos=checklist.visualItemRect(item).center()
    )
    assert practice.results.selected_name() == "tokenize"
    assert "tokenize(text, vocab, max_len)" in practice.results.task.toPlainText()
    assert practice.editor.textCursor().blockNumber() + 1 == practice.editor.line_of("def tokenize(")


def test_an_endless_loop_fails_only_its_exercise_and_the_gui_stays_responsive(qtbot, tmp_store):
    widget = _lab(qtbot, tmp_store, "bert")
    practice = widget.practice
    source = (FILES / "bert_solution.py").read_text(encoding="utf-8")
    practice.editor.setPlainText(
        source.replace("    if score == 3:", "    while True:\n        pass\n    if score == 3:")
    )
    practice.timeout = 2.0
    with qtbot.waitSignal(practice.sig_report_ready, timeout=GRADE_MS) as signal:
        QTest.mouseClick(practice.grade_button, Qt.MouseButton.LeftButton)
        qtbot.wait(300)
        assert practice.grade_button.text() == "Grading…"  # the event loop keeps running meanwhile
    report = signal.args[0]
    assert "did not finish within 2 s" in report.results[0].message
    assert [r.passed for r in report.results] == [False, True, True]


def test_answer_free_mode_hides_the_measured_outcomes_until_revealed(qtbot, window):
    lab = window.lab_widget("callbacks")
    window.show_tab("callbacks")
    _click_tab(qtbot, lab.views, "About")
    about = lab.views.currentWidget()
    assert "Model-1 (tanh" in about.label.text() and not about.reveal_button.isVisible()
    window.answer_free_action.trigger()
    assert "Model-1 (tanh" not in about.label.text() and "answer-free" in about.label.text()
    assert about.reveal_button.isVisible()
    QTest.mouseClick(about.reveal_button, Qt.MouseButton.LeftButton)
    assert "Model-1 (tanh" in about.label.text()
    window.answer_free_action.trigger()
    assert not window.answer_free_action.isChecked() and "Model-1 (tanh" in about.label.text()


def test_answer_free_mode_starts_on_with_the_environment_variable(qtbot, tmp_store, monkeypatch):
    monkeypatch.setenv("DLLAB_ANSWER_FREE", "1")
    from gui.main_window import MainWindow

    win = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(win)
    assert win.answer_free_action.isChecked()
    lab = win.lab_widget("lstm")
    about = next(lab.views.widget(i) for i in range(lab.views.count()) if lab.views.tabText(i) == "About")
    assert "Model-1 (essay LSTM" not in about.label.text()
    win.close()


def test_answer_free_mode_masks_our_numbers_in_a_grade(qtbot, tmp_store, monkeypatch):
    monkeypatch.setenv("DLLAB_ANSWER_FREE", "1")
    widget = _lab(qtbot, tmp_store, "callbacks")
    practice = widget.practice
    solution = (FILES / "callbacks_solution.py").read_text(encoding="utf-8")
    practice.editor.setPlainText(solution.replace("lr = lr * 0.95", "lr = lr * 0.5"))
    with qtbot.waitSignal(practice.sig_report_ready, timeout=GRADE_MS):
        QTest.mouseClick(practice.grade_button, Qt.MouseButton.LeftButton)
    details = practice.results.details.toPlainText()
    assert "ours ▒▒▒" in details and "Reveal our numbers" in details
    practice.results.details.anchorClicked.emit(_url("reveal:"))
    assert (
        "ours 0.0" in practice.results.details.toPlainText()
        or "ours 0.1" in practice.results.details.toPlainText()
    )


def _url(text: str):
    from PySide6.QtCore import QUrl

    return QUrl(text)


def test_keyboard_reaches_the_checklist(qtbot, tmp_store):
    widget = _lab(qtbot, tmp_store, "transfer")
    _click_tab(qtbot, widget.views, "Practice")
    checklist = widget.practice.results.checklist
    checklist.setFocus()
    QTest.keyClick(checklist, Qt.Key.Key_Down)
    assert widget.practice.results.selected_name() == "head_shapes"
    assert checklist.item(0).data(Qt.ItemDataRole.AccessibleTextRole).startswith("What trains")
