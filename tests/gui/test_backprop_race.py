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


def test_the_settings_live_on_the_race_page(lab):
    """The race's settings, Run and Stop sit on the race page: other views keep the full width, and
    the tab bar does not move when the learner switches (test_backprop_keyboard checks the bar)."""
    assert lab.race_page.settings.isAncestorOf(lab.form) and lab.race_page.settings.isAncestorOf(
        lab.run_button
    )
    assert lab.views.parentWidget().count() == 1  # nothing beside the views any more
    assert lab.explorer.isVisible() and not lab.form.isVisible()
    lab.show_race()
    assert lab.form.isVisible() and lab.run_button.isVisible()


def test_stopping_the_race_shows_the_weights_its_completed_epochs_give(qtbot, lab):
    """Issue: after Stop the final-weights table stayed empty."""
    lab.form.set_value("epochs", 5000)
    lab.run_button.click()
    qtbot.waitUntil(lambda: len(lab.epoch_events) >= 2, timeout=20_000)
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=5000) as blocker:
        lab.stop_button.click()
    cancelled = blocker.args[0]
    assert isinstance(cancelled, Cancelled) and cancelled.partial is not None
    qtbot.waitUntil(lambda: not lab.runner.running, timeout=5000)
    partial, table = cancelled.partial, lab.final_weights.table
    done = partial.extra["epochs_done"]
    assert done >= 2 and lab.final_weights.title.text().endswith(f"after {done} of 5000 epochs (stopped)")
    assert table.rowCount() == 10 and table.columnCount() >= 4
    adam_w1 = partial.extra["final_weights"]["adam"][0]
    assert table.item(0, 3).text() == f"{adam_w1:.5g}".replace("-", "−")
    assert table.item(9, 3).text() == f"{partial.test['loss_adam']:.5g}".replace("-", "−")
    assert lab.final_weights.load_button.isEnabled()


def test_each_optimizer_gets_its_own_plot_on_shared_axes(qtbot, lab):
    lab.form.set_value("epochs", 3)
    lab.form.set_value("optimizers", ("sgd", "momentum", "adam"))
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=30_000) as blocker:
        lab.run_button.click()
    qtbot.waitUntil(lambda: not lab.runner.running, timeout=5000)
    result = blocker.args[0].result
    plots = lab.optimizer_plots
    assert list(plots.plots) == ["sgd", "momentum", "adam"] and plots.isVisible()
    first = plots.plots["sgd"].getViewBox()
    for name, plot in plots.plots.items():
        xs, ys = plots.curves[name].getData()
        assert list(xs) == [1, 2, 3] and list(ys) == pytest.approx(result.history[f"loss_{name}"])
        # Shared axes: one range for all, covering every optimizer's points.
        for axis in (0, 1):
            assert plot.getViewBox().viewRange()[axis] == pytest.approx(first.viewRange()[axis])
    low, high = first.viewRange()[1]
    every = [v for losses in result.history.values() for v in losses]
    assert low <= min(every) and high >= max(every)
    # The same colour per optimizer as in the comparison plot.
    for name in plots.plots:
        assert plots.curves[name].opts["pen"].color() == lab.curves.curves[f"loss_{name}"].opts["pen"].color()
    lab.log_y.setChecked(True)
    assert all(p.getViewBox().state["logMode"][1] for p in plots.plots.values())


def test_the_plots_say_which_epoch_loss_they_show(qtbot, lab):
    lab.form.set_value("epochs", 2)
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=30_000):
        lab.run_button.click()
    qtbot.waitUntil(lambda: not lab.runner.running, timeout=5000)
    assert list(lab.curves.plots) == ["loss over the data after each epoch"]  # the default
    assert "after each epoch" in lab.optimizer_plots.title.text()
    lab.form.set_value("epoch_loss", "during")
    with qtbot.waitSignal(lab.runner.sig_job_ended, timeout=30_000):
        lab.run_button.click()
    qtbot.waitUntil(lambda: not lab.runner.running, timeout=5000)
    assert list(lab.curves.plots) == ["running mean of the per-row losses during each epoch"]
    assert "during each epoch" in lab.optimizer_plots.title.text()


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
    lab.prepare_screenshot("optimizers")
    xs, _ = lab.optimizer_plots.curves["adam"].getData()
    assert lab.views.currentWidget() is lab.race_page and len(xs) == SCREENSHOT_EPOCHS
    lab.prepare_screenshot("graders")
    assert not lab.explorer.graders.isHidden() and lab.explorer.state.active_node == "exp"
    lab.prepare_screenshot("undefined")
    assert not lab.explorer.undefined_label.isHidden()
    lab.prepare_screenshot("check")
    assert lab.views.currentWidget() is lab.check and lab.session.custom_row is None
