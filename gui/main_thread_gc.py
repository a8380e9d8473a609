"""Python's cyclic garbage collector, run only in the GUI thread.

Left automatic, the collector runs in whichever thread happens to allocate, e.g. a worker thread
tracing a Keras model. If the garbage holds Qt wrappers, that thread then destroys QObjects while the GUI
thread holds the GIL and waits for Qt's object lock: both wait forever (seen here: a live training job
froze the window). Collecting from a timer in the GUI thread makes every such destruction happen there.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot


class MainThreadGarbageCollector(QObject):
    """Disables automatic collection and collects from a GUI-thread timer instead.

    Args:
        interval_ms: How often to check the collector's thresholds. Defaults to 500.
        parent: Qt parent (the application).
    """

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        """Turn automatic collection off and start the timer."""
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        """Stop the timer, collect once here, and turn automatic collection back on."""
        self.timer.stop()
        gc.collect()
        gc.enable()

    @Slot()
    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds (as gc would)."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                break
