"""GUI test setup: offscreen Qt, QSettings in a temporary dir, a fresh run store per test, and a
failure for any test that leaves a job thread running."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QSettings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    QCoreApplication.setOrganizationName("DeepLearningLabTests")
    QCoreApplication.setApplicationName("Deep Learning Lab Tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QSettings().clear()
    yield
    QSettings().clear()


@pytest.fixture(autouse=True)
def same_font_and_palette_after_each_test(qapp):
    """A test that enlarges the font or switches the theme (View menu) leaves the next one as it was."""
    from PySide6.QtWidgets import QApplication

    font, palette = QApplication.font(), QApplication.palette()
    yield
    if QApplication.font() != font:
        QApplication.setFont(font)
    if QApplication.palette() != palette:
        QApplication.setPalette(palette)


@pytest.fixture(autouse=True)
def garbage_collected_in_the_gui_thread(qapp):
    """As in the app (gui/app.py): a collection in a worker thread that destroys Qt wrappers
    deadlocks against the GUI thread, so GUI tests collect only from a GUI-thread timer."""
    from gui.main_thread_gc import MainThreadGarbageCollector

    collector = MainThreadGarbageCollector()
    collector.start()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def no_thread_left_running(qapp):
    yield
    from gui.workers import LIVE_RUNNERS

    running = [runner for runner in list(LIVE_RUNNERS) if runner.running]
    for runner in running:
        runner.stop_and_wait(10_000)
    assert not running, f"{len(running)} job thread(s) were left running by this test"


@pytest.fixture
def window(qtbot, tmp_store):
    from gui.main_window import MainWindow

    win = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
