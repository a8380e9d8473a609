"""The main window's menus, shortcuts, first size and settings, driven through the real signals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from engine.jobs import CancelToken
from engine.labs import LABS
from engine.runner import execute
from gui.main_window import MainWindow, first_window_size
from tests.fake_lab import FAKE_LAB, CounterParams

ROOT = Path(__file__).resolve().parents[2]


def _menu_action(window: MainWindow, *path: str):
    """The QAction reached by menu titles, e.g. ``("File", "Open data…")`` (ampersands ignored)."""
    actions = window.menuBar().actions()
    for title in path:
        action = next(a for a in actions if a.text().replace("&", "") == title)
        menu = action.menu()
        actions = menu.actions() if menu is not None else []
    return action


def test_runs_export_button_writes_the_csv_through_its_click(qtbot, window, tmp_store, tmp_path, monkeypatch):
    for seed in (1, 2):
        execute(FAKE_LAB, CounterParams(epochs=3, seed=seed), CancelToken(), lambda e: None, tmp_store)
    target = tmp_path / "exported.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV (*.csv)"))
    page = window.show_tab("runs")
    QTest.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert target.read_text().count("\n") == 1 + 2 * 3 * 2
    assert "exported 2 run(s)" in page.message_bar.text


def test_runs_export_cancelled_dialog_writes_nothing(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    page = window.show_tab("runs")
    QTest.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert page.message_bar.text == "" and not list(tmp_path.glob("*.csv"))


@pytest.mark.parametrize("how", ["menu", "shortcut"])
def test_open_data_fills_the_labs_data_field(qtbot, window, tmp_path, monkeypatch, how):
    data = tmp_path / "data.csv"
    data.write_text("x,y,label\n")
    starts: list[str] = []

    def choose(parent, title, start="", *rest):
        starts.append(start)
        return str(data), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    lab = window.show_tab("callbacks")
    if how == "menu":
        _menu_action(window, "File", "Open data…").trigger()
    else:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        QTest.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert lab.form.raw_values()["data_path"] == str(data)
    assert "press Run" in lab.message_bar.text
    assert starts == [str(Path.home())]  # the first time: the home folder, never the app's own
    _menu_action(window, "File", "Open data…").trigger()
    assert starts[-1] == str(tmp_path)  # then the folder of the last file


def test_open_data_on_every_lab_reaches_a_dialog_or_says_why(qtbot, window, monkeypatch):
    asked: list[str] = []

    def ask_file(*args, **kwargs):
        asked.append("file")
        return "", ""

    def ask_folder(*args, **kwargs):
        asked.append("folder")
        return ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", ask_file)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", ask_folder)
    action = _menu_action(window, "File", "Open data…")
    for lab_id in LABS:
        lab = window.show_tab(lab_id)
        before = len(asked)
        action.trigger()
        assert len(asked) == before + 1 or "embedded data" in lab.message_bar.text, lab_id


def test_go_to_menu_names_every_tab_and_switches_to_it(window):
    actions = _menu_action(window, "View", "Go to").menu().actions()
    names = [a.text() for a in actions]
    assert names == [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert not any(name.startswith("Tab ") for name in names)
    actions[-1].trigger()
    assert window.tab_names()[window.tabs.currentIndex()] == "runs"
    assert actions[2].shortcut().toString() == "Ctrl+3"


@pytest.mark.parametrize(
    ("available", "maximized"),
    [(QSize(1366, 741), True), (QSize(1280, 690), True), (QSize(1920, 1050), False), (QSize(800, 600), True)],
)
def test_first_window_size_never_exceeds_the_screen(available, maximized):
    size, is_maximized = first_window_size(available)
    assert is_maximized is maximized
    assert size.width() <= available.width() and size.height() <= available.height()
    assert size.width() >= 0.85 * available.width() and size.height() >= 0.85 * available.height()


def test_first_launch_fits_the_available_screen(qtbot, tmp_store):
    window = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)
    window.close()


def test_saved_geometry_larger_than_the_screen_is_not_restored(qtbot, tmp_store):
    big = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(big)
    big.setWindowState(Qt.WindowState.WindowNoState)
    big.setGeometry(QRect(0, 0, 3000, 2000))
    QSettings().setValue("geometry", big.saveGeometry())
    assert isinstance(QSettings().value("geometry"), QByteArray)
    window = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry())


def test_screenshot_mode_leaves_the_users_settings_and_runs_alone(tmp_path):
    home = tmp_path / "home"
    config = home / ".config"
    settings_file = config / "DeepLearningLab" / "Deep Learning Lab.conf"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text("[General]\ntheme=dark\nlast_tab=runs\n")
    before = settings_file.read_bytes()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "DLLAB_CACHE_DIR": str(tmp_path / "cache"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    out = tmp_path / "backprop.png"
    proc = subprocess.run(
        [sys.executable, "main.py", "--screenshot", str(out), "--tab", "backprop", "--size", "1280x720"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    picture = QImage(str(out))
    assert picture.width() == 1280 and QColor(picture.pixel(640, 715)).lightness() > 128  # light, as asked
    assert settings_file.read_bytes() == before
    assert sorted(p.name for p in config.rglob("*")) == ["Deep Learning Lab.conf", "DeepLearningLab"]
    assert not (home / "data").exists(), "screenshot runs must not reach the user's run store"


def test_f9_and_ctrl_tab_reach_the_lab_on_screen_only(qtbot, window):
    callbacks = window.show_tab("callbacks")
    lstm = window.show_tab("lstm")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.tabs.tabBar().setFocus()  # focus outside the lab: the keys still reach it
    start = lstm.views.currentIndex()
    QTest.keyClick(window, Qt.Key.Key_F9)
    QTest.keyClick(window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    # Two labs built, one key each: an ambiguous shortcut would have triggered neither.
    assert not lstm.settings_column.isVisible() and callbacks.settings_action.isChecked()
    assert lstm.views.currentIndex() == (start + 1) % lstm.views.count()


def test_no_two_entries_of_a_menu_share_an_alt_key(window):
    for top in window.menuBar().actions():
        keys = [
            a.text().split("&", 1)[1][0].lower() for a in top.menu().actions() if "&" in a.text() and a.text()
        ]
        assert len(keys) == len(set(keys)), (top.text(), keys)
