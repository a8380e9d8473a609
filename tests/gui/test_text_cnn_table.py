"""The Text CNN tab's Table view: the analysis's rows in the assignment's columns, sorting by a header
click, searching as typed, the post in full, double-click to the pipeline, and the CSV export job."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from engine.labs.text_cnn.table import COLUMNS, CorpusTable
from gui.labs.text_cnn.table import PREVIEW_CHARS, CorpusTableView
from tests.gui.test_text_cnn_widget import make_widget, tiny_corpus  # noqa: F401 (fixture)

ROWS = (
    ("From: b\n\nSecond post, about orbits.", "sci.space", "second post orbits", "orbits", "nasa gov"),
    ("From: a\n\nFirst post " + "long " * 60, "rec.autos", "first post", "clutch", ""),
    ("From: c\n\nThird post", "comp.graphics", "third post", "jpeg", "cmu edu"),
)
TABLE = CorpusTable(ROWS, ("sci.space_1.txt", "rec.autos_2.txt", "comp.graphics_3.txt"))


@pytest.fixture
def view(qtbot):
    widget = CorpusTableView()
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    widget.set_table(TABLE, "three posts")
    return widget


def shown(view: CorpusTableView, column: int) -> list[str]:
    model = view.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def click_header(view: CorpusTableView, column: int) -> None:
    header = view.view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def test_columns_corpus_order_and_one_line_previews(view):
    model = view.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == list(COLUMNS) and view.count.text() == "3 posts"
    assert shown(view, 1) == ["sci.space", "rec.autos", "comp.graphics"]  # the corpus order until sorted
    first_text = shown(view, 0)[1]
    assert "\n" not in first_text and len(first_text) == PREVIEW_CHARS and first_text.endswith("…")


def test_a_header_click_sorts_and_a_second_reverses(view):
    click_header(view, 1)
    assert shown(view, 1) == ["comp.graphics", "rec.autos", "sci.space"]
    click_header(view, 1)
    assert shown(view, 1) == ["sci.space", "rec.autos", "comp.graphics"]
    click_header(view, 3)
    assert shown(view, 3) == ["clutch", "jpeg", "orbits"]


def test_search_filters_every_column_and_file_names(view, qtbot):
    QTest.keyClicks(view.search, "EDU")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)  # after the typing pause
    assert shown(view, 1) == ["comp.graphics"] and view.count.text() == "1 of 3 posts"
    view.search.clear()
    QTest.keyClicks(view.search, "autos_2")
    qtbot.waitUntil(lambda: shown(view, 1) == ["rec.autos"])
    view.search.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)


def test_the_selected_post_in_full_and_double_click_opens_it(view, qtbot):
    click_header(view, 1)
    rect = view.view.visualRect(view.model.index(1, 0))
    QTest.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    detail = view.detail.toPlainText()
    assert "rec.autos_2.txt" in detail and ("long " * 60).strip() in detail and "clutch" in detail
    with qtbot.waitSignal(view.sig_open_requested) as opened:
        QTest.mouseDClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == ["rec.autos_2.txt"]


def test_export_writes_every_row_on_a_worker_and_reports(view, qtbot, monkeypatch, tmp_path):
    target = tmp_path / "out"  # no suffix: ".csv" is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV files (*.csv)"))
    QTest.keyClicks(view.search, "edu")  # the export writes all rows, not only those shown
    with qtbot.waitSignal(view.sig_message, timeout=10_000) as message:
        QTest.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.exporter.running)
    assert message.args[1] == "success" and "3 posts" in message.args[0]
    with open(f"{target}.csv", encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [list(COLUMNS), *map(list, ROWS)]
    assert view.export_button.isEnabled() and view.export_button.text() == "Export CSV…"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "nope" / "x.csv"), "")
    )
    with qtbot.waitSignal(view.sig_message, timeout=10_000) as failed:
        QTest.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.exporter.running)
    assert failed.args[1] == "error" and "nope/x.csv: could not write the CSV" in failed.args[0]


def test_the_tab_shows_the_explorers_table(qtbot, tmp_store, tiny_corpus: Path):  # noqa: F811
    widget = make_widget(qtbot, tmp_store, tiny_corpus)
    try:
        table = widget.table
        posts = sum(1 for _ in tiny_corpus.rglob("*.txt"))
        assert table.model.rowCount() == posts and table.export_button.isEnabled()
        assert "steps switched off: none" in table.status.text()
        widget.views.setCurrentWidget(table)
        first = table.model.index(0, 0)
        qtbot.waitUntil(lambda: table.view.viewport().rect().contains(table.view.visualRect(first).center()))
        rect = table.view.visualRect(first)
        QTest.mouseClick(table.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(table.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert widget.views.currentWidget() is widget.explorer, widget.message_bar.label.text()
        assert widget.explorer.posts.currentText() == table.model.table.files[0]
    finally:
        widget.stop_explorer_jobs()
