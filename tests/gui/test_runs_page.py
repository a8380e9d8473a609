"""The Runs page through real clicks and keys: name and note a run, compare runs (their differing
settings side by side, one colour per run in every plot, a legend that wraps), the model column,
and Delete with confirmation and undo until the window closes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QPushButton

from engine.jobs import CancelToken
from engine.runner import execute
from tests.fake_lab import FAKE_LAB, CounterParams


@pytest.fixture
def page(window, tmp_store):
    for seed, mode in ((1, "up"), (2, "up"), (1, "down")):
        execute(
            FAKE_LAB, CounterParams(epochs=3, seed=seed, mode=mode), CancelToken(), lambda e: None, tmp_store
        )
    return window.show_tab("runs")


def click_row(page, run_id, modifier=Qt.KeyboardModifier.NoModifier):
    row = next(r for r, s in enumerate(page.summaries) if s.id == run_id)
    rect = page.table.visualItemRect(page.table.item(row, 2))
    QTest.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_name_and_note_a_run(qtbot, page, tmp_store):
    click_row(page, 2)
    assert page.details.run.id == 2 and page.details.name_edit.isEnabled()
    page.details.name_edit.setFocus()
    QTest.keyClicks(page.details.name_edit, "seed 2   baseline")
    QTest.keyClick(page.details.name_edit, Qt.Key.Key_Return)
    assert tmp_store.run(2).name == "seed 2 baseline"
    # The field still holds the spaces typed; Return again stores nothing (the store already has it).
    saves: list[object] = []
    original = tmp_store.set_label
    tmp_store.set_label = lambda *a, **k: (saves.append(a), original(*a, **k))
    QTest.keyClick(page.details.name_edit, Qt.Key.Key_Return)
    assert saves == []
    tmp_store.set_label = original
    row = next(r for r, s in enumerate(page.summaries) if s.id == 2)
    assert page.table.item(row, 1).text() == "seed 2 baseline"
    QTest.keyClicks(page.details.note_edit, "loss falls as 1/epoch")
    qtbot.waitUntil(lambda: tmp_store.run(2).note == "loss falls as 1/epoch", timeout=3000)
    assert page.table.item(row, 1).toolTip() == "loss falls as 1/epoch"
    # A note typed and the run left at once (before the save delay) is saved, not lost.
    QTest.keyClicks(page.details.note_edit, "; try seed 3")
    click_row(page, 1)
    assert tmp_store.run(2).note == "loss falls as 1/epoch; try seed 3"
    assert page.details.name_edit.text() == ""  # run #1 has no name


def test_selected_runs_are_compared_side_by_side(page):
    click_row(page, 1)
    click_row(page, 3, Qt.KeyboardModifier.ControlModifier)
    assert page.selected_ids() == [3, 1]
    rows = dict(page.params_diff.rows)
    assert rows == {"mode": ["down", "up"]}  # seed, epochs… are the same: not listed
    header = [page.params_diff.table.horizontalHeaderItem(c).text() for c in range(2)]
    assert header == ["#3", "#1"]
    click_row(page, 2, Qt.KeyboardModifier.ControlModifier)
    rows = dict(page.params_diff.rows)
    assert rows == {"seed": ["1", "2", "1"], "mode": ["down", "up", "up"]}
    assert not page.details.name_edit.isEnabled()  # several runs: compared, not edited


def test_one_colour_per_run_in_every_plot_and_it_stays(page):
    click_row(page, 1)
    click_row(page, 2, Qt.KeyboardModifier.ControlModifier)
    colours = dict(page.colours.colours)
    assert len(set(colours.values())) == 2
    plots_with_run = {}
    for name, curve in page.curves.curves.items():
        run_id = int(name.split()[0][1:])
        assert curve.opts["pen"].color() == QColor(colours[run_id]), name
        plots_with_run.setdefault(run_id, set()).add(page.curves.group_of(name))
    assert plots_with_run[1] == plots_with_run[2] == {"loss"}  # loss and val_loss of both in one plot
    dashed = [n for n, c in page.curves.curves.items() if c.opts["pen"].style() == Qt.PenStyle.DashLine]
    assert sorted(dashed) == ["#1 val_loss", "#2 val_loss"]
    click_row(page, 3, Qt.KeyboardModifier.ControlModifier)  # a third run keeps the others' colours
    assert {k: page.colours.colours[k] for k in colours} == colours
    icon = page.table.item(0, 0).icon()  # the table shows the same colour beside the id
    assert icon.pixmap(8, 8).toImage().pixelColor(4, 4) == QColor(page.colours.colours[page.summaries[0].id])


def test_the_legend_wraps_instead_of_clipping(qtbot, window, tmp_store):
    for seed in range(8):
        run_id = tmp_store.start_run("counter", {"seed": seed}, seed, name=f"a rather long run name {seed}")
        tmp_store.add_epoch(run_id, 1, {"loss": 1.0 / (seed + 1)})
        tmp_store.finish_run(run_id, "finished")
    page = window.show_tab("runs")
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    window.resize(900, 700)
    qtbot.waitUntil(lambda: page.legend.isVisible())
    for _ in range(3):
        qtbot.wait(20)
    text = page.legend.text()
    assert all(f"run&nbsp;name&nbsp;{seed}" in text for seed in range(8))
    assert page.legend.height() >= page.legend.heightForWidth(page.legend.width())  # all lines shown
    assert page.curves.plots["loss"].legend is None  # no legend inside a plot to clip


def test_the_model_column(window, tmp_store):
    run_id = tmp_store.start_run("callbacks", {"model": 3, "epochs": 2}, 0)
    tmp_store.finish_run(run_id, "finished")
    other = tmp_store.start_run("transfer", {"model": 2, "backbone": "hed"}, 0)
    tmp_store.finish_run(other, "finished")
    page = window.show_tab("runs")
    models = {page.table.item(r, 0).text(): page.table.item(r, 3).text() for r in range(2)}
    assert models == {str(run_id): "Model-3", str(other): "Model-2 · hed"}


def test_delete_asks_then_can_be_undone_until_the_window_closes(qtbot, page, window, tmp_store):
    click_row(page, 1)
    click_row(page, 2, Qt.KeyboardModifier.ControlModifier)
    QTest.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    box = page.confirm_box
    assert isinstance(box, QMessageBox) and box.isVisible() and "Delete 2 run(s)" in box.text()
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert {r.id for r in tmp_store.runs()} == {1, 2, 3}  # cancelled: nothing happened

    QTest.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    QTest.mouseClick(page.confirm_delete_button, Qt.MouseButton.LeftButton)
    assert [s.id for s in page.summaries] == [3] and {r.id for r in tmp_store.runs()} == {3}
    assert page.undo_button.isEnabled() and "Undo delete" in page.message_bar.text

    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [s.id for s in page.summaries] == [3, 2, 1] and page.selected_ids() == [2, 1]
    assert not page.undo_button.isEnabled() and "Restored 2 run(s)" in page.message_bar.text

    click_row(page, 3)
    QTest.keyClick(page.table, Qt.Key.Key_Delete)  # Del asks too
    QTest.mouseClick(page.confirm_delete_button, Qt.MouseButton.LeftButton)
    assert {r.id for r in tmp_store.runs()} == {1, 2}
    window.close()  # the trash is emptied: #3 is gone for good
    assert tmp_store.restore_runs([3]) == []
    assert tmp_store._db.execute("SELECT COUNT(*) FROM runs WHERE id=3").fetchone()[0] == 0


def test_a_running_run_is_not_deleted(page, tmp_store):
    running = tmp_store.start_run("counter", {}, 0)
    QTest.mouseClick(page.findChild(QPushButton, "refreshButton"), Qt.MouseButton.LeftButton)
    click_row(page, running)
    QTest.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert page.confirm_box is None
    assert "still running" in page.message_bar.text
    assert tmp_store.run(running).status == "running"
