"""The window tells the user, once, when the run store was set aside, is read-only or fills up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton, QToolButton

from engine.jobs import Finished
from engine.runs import RunStore
from gui.main_window import MainWindow
from gui.widgets.training_lab import TrainingLabWidget
from tests.fake_lab import FAKE_LAB


def _window(qtbot, store):
    win = MainWindow(store=store, warm_tensorflow=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_a_store_moved_aside_is_said_once_in_the_window_bar(qtbot, tmp_path):
    (tmp_path / "runs.sqlite").write_bytes(b"garbage" * 500)
    store = RunStore(tmp_path / "runs.sqlite")
    win = _window(qtbot, store)
    try:
        assert win.store_bar.isVisible() and win.store_bar.level == "warning"
        assert "moved aside as runs.sqlite.corrupt-" in win.store_bar.text
        QTest.mouseClick(win.store_bar.findChild(QToolButton), Qt.MouseButton.LeftButton)  # dismiss
        assert not win.store_bar.isVisible()
        win.show_store_problem()  # the same problem is not shown again after the user dismissed it
        assert not win.store_bar.isVisible()
        page = win.show_tab("runs")
        assert page.table.rowCount() == 0
    finally:
        win.close()
        store.close()


def test_a_sound_store_shows_no_bar(window):
    assert not window.store_bar.isVisible()


def test_a_write_failure_during_a_run_reaches_the_window_bar(qtbot, tmp_path):
    from tests.engine.test_run_store_faults import _FullDisk

    store = RunStore(tmp_path / "runs.sqlite")
    win = _window(qtbot, store)
    try:
        widget = TrainingLabWidget(FAKE_LAB, store)
        qtbot.addWidget(widget)
        widget.runner.sig_running_changed.connect(win._on_job_running_changed)
        store._db = _FullDisk(store._db, fail_from=4)
        widget.form.set_value("epochs", 5)
        with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=10_000) as blocker:
            QTest.mouseClick(widget.run_button, Qt.MouseButton.LeftButton)
        assert isinstance(blocker.args[0], Finished)
        qtbot.waitUntil(lambda: win.store_bar.isVisible(), timeout=5000)
        assert "database or disk is full" in win.store_bar.text
        assert "[warning]" in widget.log_view.toPlainText()
        store._db = store._db.db
    finally:
        win.close()
        store.close()


def test_the_runs_page_reports_an_unreadable_store_in_its_bar(qtbot, window, tmp_store):
    page = window.show_tab("runs")
    tmp_store._db.execute("DROP TABLE runs")
    refresh = next(b for b in page.findChildren(QPushButton) if b.text() == "Refresh")
    QTest.mouseClick(refresh, Qt.MouseButton.LeftButton)
    assert page.message_bar.level == "error" and "could not read the runs" in page.message_bar.text
    assert page.table.rowCount() == 0
