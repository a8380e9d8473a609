"""Application start: QApplication, error hooks, the main window; screenshot mode for docs and tests."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize
from PySide6.QtWidgets import QApplication

from gui.errors import ErrorReporter
from gui.main_thread_gc import MainThreadGarbageCollector


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once) with the app's names set, so QSettings has a home."""
    QCoreApplication.setOrganizationName("DeepLearningLab")
    QCoreApplication.setApplicationName("Deep Learning Lab")
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or sys.argv[:1])
        app.setStyle("Fusion")
        set_app_identity(app)
        collector = MainThreadGarbageCollector(parent=app)
        collector.start()
        app.aboutToQuit.connect(collector.stop)
    return app


def set_app_identity(app: QApplication) -> None:
    """The icon of every window, and the desktop entry's id so that docks and Wayland compositors show
    the running app as the launcher the user clicked (``install-desktop``)."""
    from engine.desktop import APP_ID
    from gui.app_icon import app_icon

    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)


def parse_size(text: str) -> QSize:
    """``1400x900`` → QSize; ValueError with the expected form otherwise."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise ValueError(f"--size expects WIDTHxHEIGHT such as 1400x900, got {text!r}")
    return QSize(int(width), int(height))


def launch() -> int:
    """Open the main window and run the event loop."""
    app = make_application(sys.argv)
    from gui.main_window import MainWindow

    window = MainWindow()
    reporter = ErrorReporter(window)
    reporter.install()
    window.show()
    code = app.exec()
    reporter.uninstall()
    return int(code)


def screenshots(targets: list[tuple[str, Path]], size: QSize, warm_tensorflow: bool = False) -> int:
    """Render tabs to PNG files and exit: ``[(tab, path), …]``; works with QT_QPA_PLATFORM=offscreen.

    A tab may be ``LAB:VIEW``; a lab widget that defines ``prepare_screenshot(view)`` puts itself in a
    telling state first (e.g. ``backprop`` shows the graph mid-backward-pass, ``backprop:race`` a
    finished optimizer race). ``view`` is '' for a plain lab id.
    """
    app = make_application(sys.argv)
    from gui.main_window import MainWindow

    window = MainWindow(warm_tensorflow=warm_tensorflow)
    window.resize(size)
    window.show()
    for target, path in targets:
        tab, _, view = target.partition(":")
        widget = window.show_tab(tab)
        # Every lab has a Practice tab (the training-lab base adds it): one hook serves them all.
        hook = "prepare_practice_screenshot" if view == "practice" else "prepare_screenshot"
        prepare = getattr(widget, hook, None)
        if callable(prepare):
            prepare(view)
        window.report_tensorflow_if_loaded()
        window.warmup.wait(60)
        for _ in range(5):
            app.processEvents()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(path)):
            print(f"error: could not write {path}", file=sys.stderr)
            return 1
        print(f"saved {path}")
    window.close()
    return 0
