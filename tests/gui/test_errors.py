"""errors.log holds errors, not the warnings TensorFlow logs through Python logging."""

from __future__ import annotations

import logging
import sys

from gui.errors import ErrorReporter, log_path


def test_errors_log_keeps_errors_and_drops_library_warnings(qtbot):
    reporter = ErrorReporter()
    reporter.install()
    try:
        logging.getLogger("tensorflow").warning(
            "5 out of the last 5 calls to <function f> triggered tf.function retracing."
        )
        try:
            raise ValueError("data.csv, row 3: not a number")
        except ValueError:
            reporter.report(*sys.exc_info())
        qtbot.waitUntil(lambda: reporter.count == 1, timeout=2000)
    finally:
        reporter.uninstall()
    text = log_path().read_text(encoding="utf-8")
    assert "not a number" in text and "retracing" not in text
    assert reporter.handler not in logging.getLogger().handlers
    if reporter.dialog is not None:
        reporter.dialog.close()
