"""Application start: QApplication, error hooks, the main window; screenshot mode for docs and tests."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize
from PySide6.QtWidgets import QApplication

from gui.errors import ErrorReporter
from gui.main_thread_gc import MainThreadGarbageCollector

#: How long a screenshot waits for the window to settle after a resize.
SETTLE_SECONDS = 0.4


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


def screenshots(
    targets: list[tuple[str, Path]],
    size: QSize,
    warm_tensorflow: bool = False,
    *,
    more_sizes: Sequence[tuple[QSize, Path]] = (),
    theme_key: str = "light",
) -> int:
    """Render tabs to PNG files and exit: ``[(tab, path), …]``; works with QT_QPA_PLATFORM=offscreen.

    A tab may be ``LAB:VIEW``; a lab widget that defines ``prepare_screenshot(view)`` puts itself in a
    telling state first (e.g. ``backprop`` shows the graph mid-backward-pass, ``backprop:race`` a
    finished optimizer race). ``view`` is '' for a plain lab id. Each ``(size, folder)`` of
    ``more_sizes`` also gets every picture, same name, rendered at that size (one run serves both).

    The pictures never depend on, nor change, the user's settings or runs: the window reads and writes
    a throw-away settings file and records its runs in a throw-away store, in the ``theme_key`` theme
    and the default font.
    """
    app = make_application(sys.argv)
    from PySide6.QtCore import QSettings, Qt

    from engine.runs import RunStore
    from gui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="dllab-screenshots-") as scratch, _data_dir(scratch):
        # Every QSettings() of this process (the window's, a lab's remembered choices) reads and writes
        # a file in the scratch dir, never the user's.
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, scratch)
        settings = QSettings()
        settings.setValue("theme", theme_key)
        store = RunStore(Path(scratch) / "runs.sqlite")
        window = MainWindow(store=store, warm_tensorflow=warm_tensorflow, settings=settings)
        window.show()
        try:
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
                for picture_size, picture in [(size, path), *((s, f / path.name) for s, f in more_sizes)]:
                    window.setWindowState(Qt.WindowState.WindowNoState)  # not fitted to the screen
                    window.resize(picture_size)
                    _settle(app)
                    picture.parent.mkdir(parents=True, exist_ok=True)
                    if not window.grab().save(str(picture)):
                        print(f"error: could not write {picture}", file=sys.stderr)
                        return 1
                    print(f"saved {picture}")
        finally:
            window.close()
            store.close()
    return 0


@contextlib.contextmanager
def _data_dir(scratch: str) -> Iterator[None]:
    """Runs, logs and checkpoints of screenshot runs go to ``scratch`` (generated data and converted
    models stay in the user cache dir, where a later run reuses them)."""
    before = os.environ.get("DLLAB_DATA_DIR")
    os.environ["DLLAB_DATA_DIR"] = str(Path(scratch) / "data")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DLLAB_DATA_DIR", None)
        else:
            os.environ["DLLAB_DATA_DIR"] = before


def _settle(app: QApplication, seconds: float = SETTLE_SECONDS) -> None:
    """Let layouts, debounced timers (legend placement) and paints run before a picture is taken."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
