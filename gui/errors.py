"""Unexpected errors: logged to a file in the user data dir and shown in one non-modal dialog.

``sys.excepthook`` and ``threading.excepthook`` both land here; errors from other threads are
marshalled to the GUI thread through a signal before any widget is touched.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from engine import paths

log = logging.getLogger(__name__)


def log_path() -> Path:
    """The error log file."""
    return paths.data_dir() / "errors.log"


class ErrorReporter(QObject):
    """Installs the hooks; shows the latest error in a single non-modal dialog."""

    sig_error_reported = Signal(str, str)
    """(summary, details) of an unexpected error, delivered in the GUI thread."""

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__()
        self.parent_widget = parent_widget
        self.dialog: QMessageBox | None = None
        self.count = 0
        self.sig_error_reported.connect(self._show)
        #: Where the details go, or why they cannot (a read-only data dir must not stop the app).
        self.log_note = f"Details were written to {log_path()}."
        try:
            self.handler: logging.Handler = logging.FileHandler(log_path(), encoding="utf-8")
        except OSError as exc:
            self.handler = logging.NullHandler()
            self.log_note = f"The details could not be written to {log_path()}: {exc.strerror or exc}."
        # Errors only: TensorFlow logs warnings (e.g. "triggered tf.function retracing") through Python
        # logging, and they are not errors.
        self.handler.setLevel(logging.ERROR)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(self.handler)
        self._previous_hooks = (sys.excepthook, threading.excepthook)

    def install(self) -> None:
        """Route uncaught exceptions (any thread) here."""
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        """Restore the previous hooks and stop writing the log."""
        sys.excepthook, threading.excepthook = self._previous_hooks
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()

    def _excepthook(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        self.report(kind, value, tb)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.report(args.exc_type, args.exc_value, args.exc_traceback)

    def report(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        """Log the error and ask the GUI thread to show it."""
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("unexpected error\n%s", details)
        self.sig_error_reported.emit(f"{kind.__name__}: {value}", details)

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        self.count += 1
        if self.dialog is None:
            self.dialog = QMessageBox(self.parent_widget)
            self.dialog.setIcon(QMessageBox.Icon.Critical)
            self.dialog.setWindowTitle("Unexpected error")
            self.dialog.setModal(False)
        text = f"Something went wrong: {summary}\n\n{self.log_note}"
        if self.count > 1:
            text += f"\n({self.count} errors so far; the latest is shown.)"
        self.dialog.setText(text)
        self.dialog.setDetailedText(details)
        self.dialog.show()
