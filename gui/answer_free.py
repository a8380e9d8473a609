"""Answer-free mode for lab sessions, app-wide: one switch (View menu, ``DLLAB_ANSWER_FREE=1``) that
the About texts and the Practice tab follow; each view keeps its own "reveal" until the mode changes.
What counts as an answer is the engine's business (:mod:`engine.answers`)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from engine.answers import enabled_by_environment

SETTING = "answer_free"


class AnswerFreeMode(QObject):
    """The switch. Use :func:`mode` for the application's one instance."""

    sig_changed = Signal(bool)
    """The mode was switched on (True) or off."""

    def __init__(self) -> None:
        super().__init__()
        self.forced = enabled_by_environment()
        stored = QSettings().value(SETTING, False)
        self.enabled = self.forced or stored in (True, "true", "1", 1)

    def set_enabled(self, enabled: bool) -> None:
        """Switch the mode and remember the choice."""
        QSettings().setValue(SETTING, bool(enabled))
        if bool(enabled) != self.enabled:
            self.enabled = bool(enabled)
            self.sig_changed.emit(self.enabled)


_MODE: AnswerFreeMode | None = None


def mode() -> AnswerFreeMode:
    """The application's answer-free switch (created on first use, after QApplication)."""
    global _MODE
    if _MODE is None:
        _MODE = AnswerFreeMode()
    return _MODE
