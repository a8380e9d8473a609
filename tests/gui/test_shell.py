import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from engine.jobs import Cancelled, Finished
from engine.labs import LABS
from gui.widgets.training_lab import TrainingLabWidget
from tests.fake_lab import FAKE_LAB

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def counter_widget(qtbot, tmp_store):
    widget = TrainingLabWidget(FAKE_LAB, tmp_store)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.runner.stop_and_wait(5000)


def test_every_tab_builds_and_shows(window):
    for name in window.tab_names():
        widget = window.show_tab(name)
        assert widget.isVisible(), name
    assert window.tab_names() == ["home", *LABS, "runs"]


def test_training_widget_plots_one_point_per_epoch_and_records_the_run(qtbot, counter_widget, tmp_store):
    counter_widget.form.set_value("epochs", 4)
    with qtbot.waitSignal(counter_widget.runner.sig_job_ended, timeout=10_000) as blocker:
        counter_widget.start_job()
    assert isinstance(blocker.args[0], Finished)
    qtbot.waitUntil(lambda: not counter_widget.runner.running, timeout=5000)
    xs, ys = counter_widget.curves.curves["loss"].getData()
    assert list(xs) == [1, 2, 3, 4] and ys[-1] == pytest.approx(0.25)
    assert counter_widget.curves.marker_count == 1 and counter_widget.timeline.count() == 1
    assert tmp_store.runs()[0].status == "finished"
    assert counter_widget.results_table.names()[:2] == ["Test split", "loss"]
    assert counter_widget.results_table.item(1, 0).toolTip() == "key: loss"


def test_stop_cancels_within_a_second(qtbot, counter_widget):
    counter_widget.form.set_value("epochs", 1000)
    counter_widget.form.set_value("step_seconds", 0.01)
    counter_widget.start_job()
    qtbot.waitUntil(lambda: bool(counter_widget.epoch_events), timeout=5000)
    asked = time.monotonic()
    with qtbot.waitSignal(counter_widget.runner.sig_job_ended, timeout=5000) as blocker:
        counter_widget.stop_button.click()
    assert time.monotonic() - asked < 1.0
    assert isinstance(blocker.args[0], Cancelled)
    qtbot.waitUntil(lambda: not counter_widget.runner.running, timeout=5000)
    assert counter_widget.message_bar.level == "warning"


def test_bad_field_shows_message_and_does_not_start(counter_widget):
    counter_widget.form.set_value("step_seconds", "fast")
    counter_widget.start_job()
    assert not counter_widget.runner.running
    assert "step_seconds: expected a number" in counter_widget.message_bar.label.text()


def test_closing_the_window_during_a_job_leaves_no_running_thread(qtbot, window, monkeypatch):
    from gui.workers import LIVE_RUNNERS

    lab_id = next(iter(LABS), None)
    if lab_id is None:
        pytest.skip("no lab registered")
    widget = window.lab_widget(lab_id)
    monkeypatch.setattr(widget, "spec", FAKE_LAB)
    monkeypatch.setattr(widget.form, "params", lambda: FAKE_LAB.params_type(epochs=1000, step_seconds=0.01))
    widget.start_job()
    qtbot.waitUntil(lambda: widget.runner.running, timeout=5000)
    window.close()
    assert not any(runner.running for runner in LIVE_RUNNERS)


def test_settings_persist_theme_and_last_tab(qtbot, tmp_store):
    from gui.main_window import MainWindow

    first = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(first)
    first.set_theme("dark")
    first.show_tab("runs")
    first.close()
    assert QSettings().value("theme") == "dark"
    second = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(second)
    assert second.tab_names()[second.tabs.currentIndex()] == "runs"
    assert second.theme_actions["dark"].isChecked()
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
    second.set_theme("light")
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 128
    second.close()


def test_runs_page_overlays_selected_runs_and_exports(qtbot, window, tmp_store, tmp_path):
    from engine.jobs import CancelToken
    from engine.runner import execute
    from tests.fake_lab import CounterParams

    for seed in (1, 2):
        execute(FAKE_LAB, CounterParams(epochs=3, seed=seed), CancelToken(), lambda e: None, tmp_store)
    page = window.show_tab("runs")
    assert page.table.rowCount() == 2
    page.table.selectAll()
    assert {"#1 loss", "#2 loss"} <= set(page.curves.curves)
    page.export_to(str(tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").read_text().count("\n") == 1 + 2 * 3 * 2
    page.delete_selected()
    page.confirm_delete_button.click()  # the confirmation (tests/gui/test_runs_page.py clicks it for real)
    assert page.table.rowCount() == 0


def test_first_window_is_painted_before_tensorflow_is_imported(tmp_path):
    code = (
        "import sys, os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QTimer\n"
        "from gui.app import make_application\n"
        "app = make_application()\n"
        "from gui.main_window import MainWindow\n"
        "w = MainWindow()\n"
        "w.show()\n"
        "while w.first_paint_time is None: app.processEvents()\n"
        "print('tf_at_first_paint', w.tensorflow_loaded_at_first_paint)\n"
        "import time; deadline = time.time() + 120\n"
        "while ('loading' in w.warmup.state or 'not loaded' in w.warmup.state) and time.time() < deadline:\n"
        "    app.processEvents(); time.sleep(0.01)\n"
        "print('state', w.warmup.state)\n"
    )
    env = {
        "DLLAB_DATA_DIR": str(tmp_path),
        "DLLAB_CACHE_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "tf_at_first_paint False" in proc.stdout
    assert "state TensorFlow 2.21" in proc.stdout


def test_screenshot_command_writes_a_png(tmp_path):
    out = tmp_path / "home.png"
    proc = subprocess.run(
        [sys.executable, "main.py", "--screenshot", str(out), "--size", "800x600"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = subprocess.run(
        [sys.executable, "main.py", "--screenshot", str(out), "--tab", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "unknown tab 'nope'" in bad.stderr
