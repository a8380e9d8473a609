"""The Runs page's names, notes, Delete and Undo on a store that is read-only or fails: the store's own
one-line problem in the page's message bar, through real keys and clicks, and nothing half-done."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.jobs import CancelToken
from engine.runner import execute
from engine.runs import RunStore
from gui.main_window import MainWindow
from tests import capabilities
from tests.engine.test_run_store_faults import _FullDisk
from tests.fake_lab import FAKE_LAB, CounterParams
from tests.gui.test_runs_page import click_row

needs_capabilities = pytest.mark.skipif(not capabilities.AVAILABLE, reason="capabilities are Linux-only")


def _record(store, *names):
    for name in names:
        execute(FAKE_LAB, CounterParams(epochs=2), CancelToken(), lambda e: None, store, name=name)


def _rename(page, text):
    page.details.name_edit.setFocus()
    page.details.name_edit.selectAll()
    QTest.keyClicks(page.details.name_edit, text)
    QTest.keyClick(page.details.name_edit, Qt.Key.Key_Return)


def _confirm_delete(page):
    QTest.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    QTest.mouseClick(page.confirm_delete_button, Qt.MouseButton.LeftButton)


@pytest.fixture
def read_only_store(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    store = RunStore(folder / "runs.sqlite")
    _record(store, "first", "second")
    store.close()
    for path in folder.iterdir():
        os.chmod(path, 0o444)
    os.chmod(folder, 0o555)
    try:
        with capabilities.without_dac_override():  # opened read-only; later reads need no writes
            store = RunStore(folder / "runs.sqlite")
        yield store
        store.close()
    finally:
        os.chmod(folder, 0o755)


@needs_capabilities
def test_naming_or_deleting_in_a_read_only_store_shows_the_store_problem(qtbot, read_only_store):
    assert not read_only_store.writable
    window = MainWindow(store=read_only_store, warm_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    page = window.show_tab("runs")
    assert [s.name for s in page.summaries] == ["second", "first"]  # names are read as they are

    click_row(page, 1)
    _rename(page, "renamed")
    assert page.message_bar.level == "error"
    assert page.message_bar.text == read_only_store.problem  # "runs are not being saved: … read-only"
    assert "runs are not being saved" in page.message_bar.text
    row = next(r for r, s in enumerate(page.summaries) if s.id == 1)
    assert page.table.item(row, 1).text() == "first" and read_only_store.run(1).name == "first"

    page.message_bar.hide()
    _confirm_delete(page)
    assert page.message_bar.isVisible() and "runs are not being saved" in page.message_bar.text
    assert [s.id for s in page.summaries] == [2, 1] and not page.undo_button.isEnabled()
    window.close()  # emptying the trash of a read-only store is nothing, not an error


def test_delete_and_undo_on_a_failing_store_say_so_and_change_nothing(qtbot, window, tmp_store):
    _record(tmp_store, "a", "b")
    page = window.show_tab("runs")
    click_row(page, 1)
    tmp_store._db = _FullDisk(tmp_store._db, fail_from=1)
    _confirm_delete(page)
    assert page.message_bar.level == "error"
    assert "could not move runs to the trash" in page.message_bar.text
    assert "database or disk is full" in page.message_bar.text
    assert not page.undo_button.isEnabled()
    tmp_store._db = tmp_store._db.db
    assert [r.id for r in tmp_store.runs()] == [2, 1]

    _confirm_delete(page)  # room again: deleted, then Undo fails on a full disk and can be retried
    assert [s.id for s in page.summaries] == [2]
    tmp_store._db = _FullDisk(tmp_store._db, fail_from=1)
    QTest.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert "could not bring runs back from the trash" in page.message_bar.text
    assert page.undo_button.isEnabled()  # the batch is kept for another try
    tmp_store._db = tmp_store._db.db
    QTest.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert [s.id for s in page.summaries] == [2, 1] and "Restored 1 run(s)" in page.message_bar.text


def test_a_name_that_cannot_be_saved_keeps_the_table_as_the_store_has_it(qtbot, window, tmp_store):
    _record(tmp_store, "kept")
    page = window.show_tab("runs")
    click_row(page, 1)
    tmp_store._db = _FullDisk(tmp_store._db, fail_from=1)
    _rename(page, "lost")
    assert "could not save the run's name and note" in page.message_bar.text
    tmp_store._db = tmp_store._db.db
    assert tmp_store.run(1).name == "kept" and page.table.item(0, 1).text() == "kept"
