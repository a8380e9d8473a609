"""Backprop tab: the optimizer race on the worker thread (live curves, Stop, final weights, run store)."""

from __future__ import annotations

import time

import pytest

from engine.jobs import Cancelled, Finished
from engine.labs import LABS
from gui.labs.backprop import SCREENSHOT_EPOCHS, BackpropLabWidget


@pytest.fixture
def lab(qtbot, tmp_store):
    widget = BackpropLabWidget(LABS["backprop"], tmp_store)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    yield widget
    widget.runner.stop_and_wait(5000)


def test_race_plots_one_point_per_epoch_per_optimizer_in_one_plot(qtbot, lab, tmp_store):
    lab.form.set_value("epochs", 4)
    lab.form.set_value("optimizers", ("sgd", "momentum", "adam"))
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=30_000) as blocker:
        lab.run_button.click()
    assert isinstance(blocker.args[0], Finished)
    qtbot.waitUntil(lambda: not lab.runner.running, timeout=5000)
    assert lab.views.currentWidget() is lab.race_page
    assert set(lab.curves.curves) == {"loss_sgd", "loss_momentum", "loss_adam"}
    assert len(lab.curves.plots) == 1  # every optimizer in one comparison plot
    result = blocker.args[0].result
    for name, curve in lab.curves.curves.items():
        xs, ys = curve.getData()
        assert list(xs) == [1, 2, 3, 4]
        assert list(ys) == pytest.approx(result.history[name])
    table = lab.final_weights.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:4] == ["initial", "sgd", "momentum", "adam"]
    adam_w9 = result.extra["final_weights"]["adam"][8]
    assert table.item(8, 3).text() == f"{adam_w9:.5g}".replace("-", "−")
    assert tmp_store.runs()[0].status == "finished"
    # The trained weights can be looked at in the graph.
    lab.final_weights.choice.setCurrentText("adam")
    lab.final_weights.load_button.click()
    assert lab.session.weights["w9"] == adam_w9
    assert lab.views.currentWidget() is lab.explorer


def test_a_finishing_race_leaves_the_learner_on_the_graph(qtbot, lab):
    lab.form.set_value("epochs", 3)
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=30_000):
        lab.run_button.click()
        lab.show_graph()  # went back to stepping while the race runs
    qtbot.waitUntil(lambda: not lab.runner.running, timeout=5000)
    assert lab.views.currentWidget() is lab.explorer
    assert lab.final_weights.table.rowCount() == 10


def test_stop_ends_the_race_within_a_second(qtbot, lab):
    lab.form.set_value("epochs", 100_000)
    lab.run_button.click()
    qtbot.waitUntil(lambda: bool(lab.epoch_events), timeout=20_000)
    asked = time.monotonic()
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=5000) as blocker:
        lab.stop_button.click()
    assert time.monotonic() - asked < 1.0
    assert isinstance(blocker.args[0], Cancelled)
    qtbot.waitUntil(lambda: not lab.runner.running, timeout=5000)
    assert lab.message_bar.level == "warning"
    xs, _ = lab.curves.curves["loss_sgd"].getData()
    assert list(xs) == list(range(1, len(xs) + 1))


def test_log_scale_toggle_applies_to_the_race_plot(lab):
    lab.curves.add_point("loss_sgd", 1, 0.5)
    lab.log_y.setChecked(True)
    (plot,) = lab.curves.plots.values()
    assert plot.getViewBox().state["logMode"][1]


def test_settings_column_is_shown_only_for_the_race(lab):
    column = lab.settings_action.column
    assert column.isHidden()  # the graph opens first and gets the room; hidden, so Tab skips it
    lab.show_race()
    assert column.isVisible() and lab.settings_column.sizes()[0] > 0
    lab.views.setCurrentWidget(lab.check)
    assert column.isHidden()


def test_bad_data_file_is_reported_and_the_graph_keeps_its_data(lab, tmp_path):
    bad = tmp_path / "rows.csv"
    bad.write_text("f1,f2,f3,f4,f5,y\n1,2,3,4,five,6\n")
    rows_before = lab.session.data.rows
    lab.form.set_value("data_path", str(bad))
    assert lab.message_bar.level == "error" and "rows.csv" in lab.message_bar.text
    assert lab.session.data.rows == rows_before
    good = tmp_path / "good.csv"
    good.write_text("f1,f2,f3,f4,f5,y\n1,2,3,4,5,6\n0,0,0,0,0,1\n")
    lab.form.set_value("data_path", str(good))
    assert lab.session.data.rows == 2 and lab.explorer.inputs.table.rowCount() == 2
    assert lab.explorer.view.nodes["f5"].value_text == "= 5"


def test_screenshot_states(lab):
    lab.prepare_screenshot("")
    assert lab.views.currentWidget() is lab.explorer and lab.explorer.state.phase == "backward"
    lab.prepare_screenshot("race")
    assert lab.views.currentWidget() is lab.race_page
    xs, _ = lab.curves.curves["loss_adam"].getData()
    assert len(xs) == SCREENSHOT_EPOCHS and lab.final_weights.table.rowCount() == 10
