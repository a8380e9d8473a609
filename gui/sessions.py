"""Sessions: each lab's settings remembered across restarts, and session files (File ▸ Save session… /
Open session…) holding every lab's settings and the runs selected for comparison.

A lab's state is ``{"params": {…its form…}}`` plus what the lab keeps itself: a lab widget may have a
``session_extras`` object (:class:`SessionPart`: a ``key``, ``state()``, ``apply(state) -> skipped`` and
a ``sig_changed`` signal), e.g. the backprop lab's graph, weights and data row. The state is kept per lab
in the app's settings (``labs/<id>/state``, JSON) a moment after each change and when the window closes,
and put back when the lab's tab is first built.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QSettings, QTimer, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine import session_file

if TYPE_CHECKING:
    from gui.main_window import MainWindow
    from gui.widgets.training_lab import TrainingLabWidget

log = logging.getLogger(__name__)

#: How long after the last change a lab's state is written to the settings.
REMEMBER_DELAY_MS = 400


class SessionPart(Protocol):
    """What a lab keeps in a session beside its form (see the module docstring)."""

    key: str

    def state(self) -> dict[str, Any]: ...

    def apply(self, state: Any) -> list[str]: ...


def lab_state(widget: TrainingLabWidget) -> dict[str, Any]:
    """A built lab's state: its form's values and its own part, if it has one."""
    state: dict[str, Any] = {"params": widget.form.session_values()}
    part: SessionPart | None = getattr(widget, "session_extras", None)
    if part is not None:
        state[part.key] = part.state()
    return state


def apply_lab_state(widget: TrainingLabWidget, state: dict[str, Any], where: str) -> list[str]:
    """Put a (remembered or loaded) state into a built lab; returns what was skipped, each line
    starting with ``where``."""
    skipped: list[str] = []
    params = state.get("params", {})
    if isinstance(params, dict):
        skipped += widget.form.apply_session_values(params, f"{where}.params")
    part: SessionPart | None = getattr(widget, "session_extras", None)
    for key, value in state.items():
        if key == "params":
            continue
        if part is not None and key == part.key:
            skipped += [f"{where}.{key}.{line}" for line in part.apply(value)]
        else:
            skipped.append(f"{where}.{key}: not part of this lab's session")
    return skipped


class LabSessions(QObject):
    """Remembers every lab's state in ``settings`` and reads/writes session files.

    Args:
        settings: Where the states are remembered (the window's settings).
        build_lab: Returns a lab's widget, building its tab if needed.
    """

    def __init__(
        self,
        settings: QSettings,
        build_lab: Callable[[str], TrainingLabWidget],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.build_lab = build_lab
        self.widgets: dict[str, TrainingLabWidget] = {}
        self._pending: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REMEMBER_DELAY_MS)
        self._timer.timeout.connect(self.remember_pending)

    # --- remembering across restarts ----------------------------------------------------------

    def attach(self, widget: TrainingLabWidget) -> list[str]:
        """A lab's tab was built: put its remembered state back and remember its changes from now on;
        returns what of the remembered state no longer applies (logged, not shown)."""
        lab = widget.spec.id
        skipped = apply_lab_state(widget, self.remembered(lab), f"labs.{lab}") if self.remembered(lab) else []
        for line in skipped:
            log.info("remembered setting not restored: %s", line)
        self.widgets[lab] = widget
        widget.form.sig_value_changed.connect(self._on_lab_changed)
        part = getattr(widget, "session_extras", None)
        if part is not None:
            part.sig_changed.connect(self._on_lab_changed)
        return skipped

    def remembered(self, lab: str) -> dict[str, Any]:
        """The state remembered for a lab ({} if none, or if what is stored is not a state)."""
        text = self.settings.value(f"labs/{lab}/state", "")
        try:
            state = json.loads(str(text)) if text else {}
        except ValueError:
            return {}
        return state if isinstance(state, dict) else {}

    @Slot()
    def _on_lab_changed(self) -> None:
        for lab, widget in self.widgets.items():  # a signal from a form or a lab's own part
            if self.sender() in (widget.form, getattr(widget, "session_extras", None)):
                self._pending.add(lab)
        self._timer.start()

    @Slot()
    def remember_pending(self) -> None:
        """Write the states of the labs changed since the last write."""
        for lab in sorted(self._pending):
            self.remember(lab)
        self._pending.clear()

    def remember(self, lab: str) -> None:
        """Write one built lab's current state."""
        self.settings.setValue(f"labs/{lab}/state", json.dumps(lab_state(self.widgets[lab])))

    def remember_all(self) -> None:
        """Write every built lab's state now (the window is closing)."""
        self._timer.stop()
        for lab in self.widgets:
            self.remember(lab)
        self._pending.clear()
        self.settings.sync()

    # --- session files --------------------------------------------------------------------------

    def document(self, labs: dict[str, type], compare: list[dict[str, Any]]) -> dict[str, Any]:
        """A session file's content: every lab's state (a lab not opened yet: its remembered state, or
        its defaults) and the runs to compare. ``labs``: each lab's Params type by id."""
        states = {}
        for lab, params_type in labs.items():
            if lab in self.widgets:
                states[lab] = lab_state(self.widgets[lab])
            else:
                states[lab] = self.remembered(lab) or session_file.default_state(params_type)
        return session_file.document(states, compare)

    def apply(self, session: session_file.Session) -> list[str]:
        """Put a checked session into the labs (building the tabs it names); returns what was skipped."""
        skipped = list(session.skipped)
        for lab, state in session.labs.items():
            widget = self.build_lab(lab)
            skipped += apply_lab_state(widget, state, f"labs.{lab}")
            self.remember(lab)
        return skipped


class SessionFiles(QObject):
    """File ▸ Save session… and Open session…: the dialogs, the file, and the report of what was
    skipped (a non-modal box listing it; the status bar says how it went).

    Args:
        window: The main window (``lab_widget``, ``ensure_runs_page``, ``statusBar``).
        sessions: The labs' states.
    """

    def __init__(self, window: MainWindow, sessions: LabSessions) -> None:
        super().__init__(window)
        self.window = window
        self.sessions = sessions
        self.report_box: QMessageBox | None = None
        #: What the last Open session skipped (one line each).
        self.last_skipped: list[str] = []

    @Slot()
    def save_session(self) -> None:
        """Ask for a file name, then save the session there."""
        path, _ = QFileDialog.getSaveFileName(self.window, "Save session", "session.json", _FILTER)
        if path:
            self.save_to(path)

    @Slot()
    def open_session(self) -> None:
        """Ask for a session file, then open it."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open session", "", _FILTER)
        if path:
            self.open_from(path)

    def save_to(self, path: str) -> bool:
        """Write every lab's settings and the runs selected on the Runs page to ``path``."""
        from engine.labs import LABS

        page = self.window.runs_page
        runs = {s.id: s for s in page.summaries} if page is not None else {}
        ids = page.selected_ids() if page is not None else []
        compare = [{"id": i, "lab": runs[i].lab, "name": runs[i].name} for i in ids]
        doc = self.sessions.document({lab: spec.params_type for lab, spec in LABS.items()}, compare)
        try:
            session_file.write(path, doc)
        except OSError as exc:
            self._report(f"Could not save the session to {path}: {exc.strerror or exc}", [], error=True)
            return False
        self.window.statusBar().showMessage(f"Session saved to {path}", 8000)
        return True

    def open_from(self, path: str) -> list[str]:
        """Apply the session in ``path``: what is valid is used, the rest is listed; returns that list."""
        from engine.labs import LABS

        try:
            session = session_file.read(path, {lab: spec.params_type for lab, spec in LABS.items()})
        except session_file.SessionError as exc:
            self.last_skipped = [str(exc)]
            self._report(f"Could not open the session: {exc}", [], error=True)
            return self.last_skipped
        skipped = self.sessions.apply(session)
        if session.compare or self.window.runs_page is not None:
            page = self.window.ensure_runs_page()
            page.refresh()
            missing = page.select_runs(session.compare)
            skipped += [f"runs.compare: run #{i} is not in this computer's run store" for i in missing]
        self.last_skipped = skipped
        applied = f"Session opened from {path}: settings of {len(session.labs)} lab(s)"
        if session.compare:
            applied += f", {len(session.compare) - len(missing)} run(s) selected on the Runs page"
        if skipped:
            self._report(applied + f"; {len(skipped)} part(s) skipped:", skipped)
        self.window.statusBar().showMessage(applied, 8000)
        return skipped

    def _report(self, text: str, lines: list[str], error: bool = False) -> None:
        shown = "\n".join(f"• {line}" for line in lines[:15])
        if len(lines) > 15:
            shown += f"\n… and {len(lines) - 15} more"
        icon = QMessageBox.Icon.Critical if error else QMessageBox.Icon.Warning
        box = QMessageBox(icon, "Session", text, parent=self.window)
        box.setInformativeText(shown)
        box.setModal(False)
        box.show()
        self.report_box = box


_FILTER = "Deep Learning Lab session (*.json);;All files (*)"
