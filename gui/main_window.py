"""The main window: Home, one tab per registered lab (built when first opened), Runs; status bar with
TensorFlow's state and the current job's progress; File / View / Help menus; persistent settings."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QRect, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.jobs import LabSpec
from engine.labs import LABS
from engine.runs import RunStore, StoreError
from gui import answer_free, theme
from gui.app_icon import app_icon
from gui.home_page import HomePage
from gui.sessions import LabSessions, SessionFiles
from gui.tf_warmup import TensorFlowWarmup
from gui.widgets.accessibility import apply_policies
from gui.widgets.message_bar import MessageBar
from gui.workers import LIVE_RUNNERS

if TYPE_CHECKING:  # lab widgets and the Runs page pull in pyqtgraph: built when first opened
    from gui.runs_page import RunsPage
    from gui.widgets.training_lab import TrainingLabWidget

log = logging.getLogger(__name__)

SHORTCUTS = (
    ("Ctrl+R", "Run the current lab"),
    ("Esc", "Stop the current lab's job"),
    ("Ctrl+O", "Open data for the current lab"),
    ("Ctrl+Shift+S / Ctrl+Shift+O", "Save / open a session (every lab's settings, the runs compared)"),
    ("Ctrl+Shift+E", "Export the plot or drawing you clicked as PNG/SVG (also its corner button)"),
    ("Runs page: Del, Ctrl+Z", "Delete the selected runs (asks first); undo the delete"),
    ("Ctrl+1 … Ctrl+8", "Go to Home, a lab (in menu order), Runs"),
    ("Ctrl+Tab / Ctrl+Shift+Tab", "Next / previous view inside a lab (also Ctrl+PgDown / Ctrl+PgUp)"),
    ("F9", "Hide / show the lab's settings column"),
    ("Tab / Shift+Tab", "Next / previous control (out of tables and text boxes too)"),
    ("Ctrl++ (Ctrl+=) / Ctrl+- / Ctrl+0", "Larger / smaller / default font"),
    ("Ctrl+Q", "Quit (running jobs are stopped first)"),
    ("Backprop lab: → ← Space Home", "Forward/backward step, step back, play/pause, reset"),
    ("Practice tab: Ctrl+S / Ctrl+Return", "Save (and grade) / grade the file in the editor"),
)


class _LazyLabTab(QWidget):
    """Holds a lab's tab until it is first shown, so startup builds no lab widget."""

    def __init__(self, spec: LabSpec) -> None:
        super().__init__()
        self.spec = spec
        self.lab_widget: TrainingLabWidget | None = None
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)


class MainWindow(QMainWindow):
    """The application window.

    Args:
        store: The run store. Defaults to the one in the user data dir.
        warm_tensorflow: Import TensorFlow in the background after the first paint. Defaults to True.
        settings: Where the theme, font, geometry and last tab are kept. Defaults to the user's
            settings (screenshot mode passes a throw-away file, so it never changes them).
    """

    def __init__(
        self,
        store: RunStore | None = None,
        warm_tensorflow: bool = True,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Deep Learning Lab")
        self.setWindowIcon(app_icon())
        self.store = store if store is not None else RunStore()
        self.settings = settings if settings is not None else QSettings()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.home = HomePage(LABS)
        self.home.sig_open_requested.connect(self.open_lab)
        self.tabs.addTab(self.home, "Home")
        apply_policies(self.home)
        self.lab_tabs: dict[str, _LazyLabTab] = {}
        for spec in LABS.values():
            holder = _LazyLabTab(spec)
            self.lab_tabs[spec.id] = holder
            self.tabs.addTab(holder, spec.title)
        self.runs_page: RunsPage | None = None
        self.runs_holder = QWidget()
        QVBoxLayout(self.runs_holder).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.runs_holder, "Runs")
        # Problems with the run store (moved aside, read-only, full disk) are said here, once each.
        self.store_bar = MessageBar()
        self._store_problem_shown: str | None = None
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.store_bar)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.show_store_problem()

        self.tf_label = QLabel("TensorFlow: not loaded")
        self.job_label = QLabel("")
        self.statusBar().addPermanentWidget(self.job_label)
        self.statusBar().addPermanentWidget(self.tf_label)
        self.warmup = TensorFlowWarmup(self)
        self.warmup.sig_state_changed.connect(self.tf_label.setText)
        self._warm_tensorflow = warm_tensorflow
        self.first_paint_time: float | None = None
        self.tensorflow_loaded_at_first_paint: bool | None = None

        self._checked_fit = False
        self.sessions = LabSessions(self.settings, self.lab_widget, self)
        self.session_files = SessionFiles(self, self.sessions)
        self._build_menus()
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._restore_settings()

    # --- tabs ------------------------------------------------------------------------------------

    def tab_names(self) -> list[str]:
        """Tab keys in order: home, the lab ids, runs."""
        return ["home", *self.lab_tabs, "runs"]

    def show_tab(self, name: str) -> QWidget:
        """Switch to a tab by key (home, a lab id, runs) and return its (built) content."""
        names = self.tab_names()
        if name not in names:
            raise KeyError(f"unknown tab {name!r}; known: {', '.join(names)}")
        self.tabs.setCurrentIndex(names.index(name))
        self._on_tab_changed(self.tabs.currentIndex())
        if name == "home":
            return self.home
        if name == "runs":
            assert self.runs_page is not None
            return self.runs_page
        lab_widget = self.lab_tabs[name].lab_widget
        assert lab_widget is not None
        return lab_widget

    @Slot(str)
    def open_lab(self, lab_id: str) -> None:
        """Go to a lab's tab."""
        self.show_tab(lab_id)

    def lab_widget(self, lab_id: str) -> TrainingLabWidget:
        """A lab's widget, building it if needed."""
        holder = self.lab_tabs[lab_id]
        if holder.lab_widget is None:
            from gui.labs import make_lab_widget

            widget = make_lab_widget(holder.spec, self.store)
            widget.sig_status_changed.connect(self.job_label.setText)
            widget.runner.sig_running_changed.connect(self._on_job_running_changed)
            holder.box.addWidget(widget)
            widget.show()  # a layout shows a new child only on the next event-loop pass
            holder.lab_widget = widget
            self.sessions.attach(widget)
        return holder.lab_widget

    def current_lab_widget(self) -> TrainingLabWidget | None:
        """The lab widget of the current tab, if the current tab is a lab."""
        current = self.tabs.currentWidget()
        return current.lab_widget if isinstance(current, _LazyLabTab) else None

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        current = self.tabs.widget(index)
        if isinstance(current, _LazyLabTab):
            self.lab_widget(current.spec.id)
        elif current is self.runs_holder:
            if self.runs_page is None:
                self.ensure_runs_page()
            else:
                self.runs_page.refresh()

    def ensure_runs_page(self) -> RunsPage:
        """The Runs page, built if it was not yet (without switching to its tab)."""
        if self.runs_page is None:
            from gui.runs_page import RunsPage

            self.runs_page = RunsPage(self.store)
            self.runs_holder.layout().addWidget(self.runs_page)
            self.runs_page.show()
            apply_policies(self.runs_page)
        return self.runs_page

    @Slot(bool)
    def _on_job_running_changed(self, running: bool) -> None:
        if not running and self.runs_page is not None:
            self.runs_page.refresh()
        if not running:
            self.show_store_problem()
        self.report_tensorflow_if_loaded()

    def show_store_problem(self) -> None:
        """Show the run store's latest problem in the window's message bar, once."""
        problem = self.store.problem
        if problem and problem != self._store_problem_shown:
            self._store_problem_shown = problem
            level = "warning" if self.store.writable else "error"
            self.store_bar.show_message(problem, level)

    def report_tensorflow_if_loaded(self) -> None:
        """If a job already imported TensorFlow, let the status bar say so (the warm-up is idempotent
        and returns at once when TF is in memory)."""
        if "tensorflow" in sys.modules:
            self.warmup.start()

    # --- menus -----------------------------------------------------------------------------------

    def _action(
        self, menu: Any, text: str, slot: Any, shortcut: str | QKeySequence | list[QKeySequence] | None = None
    ) -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open data…", self.open_data, QKeySequence.StandardKey.Open)
        file_menu.addSeparator()
        self._action(file_menu, "Op&en session…", self.session_files.open_session, "Ctrl+Shift+O")
        self._action(file_menu, "&Save session…", self.session_files.save_session, "Ctrl+Shift+S")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        run_menu = self.menuBar().addMenu("&Run")
        self._action(run_menu, "&Run current lab", self._run_current, "Ctrl+R")
        self._action(run_menu, "&Stop", self._stop_current, "Esc")
        view = self.menuBar().addMenu("&View")
        self.theme_actions: dict[str, QAction] = {}
        for key, label in (("system", "Follow s&ystem theme"), ("light", "&Light"), ("dark", "&Dark")):
            action = self._action(view, label, lambda _=False, k=key: self.set_theme(k))
            action.setCheckable(True)
            self.theme_actions[key] = action
        view.addSeparator()
        self.answer_free_action = self._action(view, "&Answer-free mode", self.set_answer_free)
        self.answer_free_action.setCheckable(True)
        self.answer_free_action.setChecked(answer_free.mode().enabled)
        self.answer_free_action.setToolTip(
            "For lab sessions: hide the measured outcomes in About texts and our numbers in grades "
            "until a learner reveals them (DLLAB_ANSWER_FREE=1 turns it on at start)"
        )
        view.addSeparator()
        # Ctrl+= too: on most keyboards "+" needs Shift, and Ctrl+= is what a user presses.
        larger = [QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")]
        self._action(view, "La&rger font", lambda: self.set_font_size(self.font_size + 1), larger)
        self._action(view, "S&maller font", lambda: self.set_font_size(self.font_size - 1), "Ctrl+-")
        self._action(view, "De&fault font", lambda: self.set_font_size(theme.default_font_size()), "Ctrl+0")
        go_to = view.addMenu("&Go to")
        for index in range(min(self.tabs.count(), 9)):
            name = self.tabs.tabText(index)
            action = self._action(go_to, name, lambda _=False, n=index: self._go_to(n), f"Ctrl+{index + 1}")
            action.setStatusTip(f"Show the {name} tab")
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts)
        self._action(help_menu, "&About", self.show_about)

    @Slot()
    def open_data(self) -> None:
        """Ask for a file/folder and put it into the current lab's data field.

        No optional argument: ``QAction.triggered(bool)`` would arrive in it as ``False``.
        """
        lab = self.current_lab_widget()
        if lab is None:
            self.statusBar().showMessage("Open a lab's tab first, then File ▸ Open data…", 5000)
            return
        name = data_field(lab)
        if name is None:
            lab.message_bar.show_message(f"{lab.spec.title} uses only its embedded data", "info")
            return
        start = str(self.settings.value(LAST_DATA_FOLDER, "") or Path.home())
        if name.endswith("_dir"):
            path = QFileDialog.getExistingDirectory(self, f"{lab.spec.title}: data folder", start)
        else:
            path, _ = QFileDialog.getOpenFileName(self, f"{lab.spec.title}: data file", start)
        if path:
            self.settings.setValue(LAST_DATA_FOLDER, str(Path(path).parent if Path(path).is_file() else path))
            self.use_data(lab, name, path)

    @staticmethod
    def use_data(lab: TrainingLabWidget, name: str, path: str) -> None:
        """Put ``path`` into the lab's field ``name`` and say so."""
        lab.form.set_value(name, path)
        lab.message_bar.show_message(f"{name} set to {path}; press Run to use it", "info")

    def _go_to(self, index: int) -> None:
        if index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    def _run_current(self) -> None:
        lab = self.current_lab_widget()
        if lab is not None and not lab.runner.running:
            lab.start_job()

    def _stop_current(self) -> None:
        lab = self.current_lab_widget()
        if lab is not None and lab.runner.running:
            lab.stop_job()

    def show_shortcuts(self) -> None:
        """A non-modal list of the keyboard shortcuts."""
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        box = QMessageBox(
            QMessageBox.Icon.Information, "Keyboard shortcuts", f"<table>{rows}</table>", parent=self
        )
        box.setModal(False)
        box.show()

    def show_about(self) -> None:
        """Versions of the app and its libraries (TensorFlow only if already loaded)."""
        box = QMessageBox(
            QMessageBox.Icon.Information, "About Deep Learning Lab", theme.about_text(), parent=self
        )
        box.setModal(False)
        box.show()

    @Slot(bool)
    def set_answer_free(self, enabled: bool) -> None:
        """Switch answer-free mode (remembered); every About text and Practice tab follows."""
        answer_free.mode().set_enabled(enabled)

    # --- theme, font, settings -----------------------------------------------------------------

    def set_theme(self, key: str) -> None:
        """Apply and remember a theme: system, light or dark."""
        theme.apply_theme(key)
        for name, action in self.theme_actions.items():
            action.setChecked(name == key)
        self.settings.setValue("theme", key)

    @property
    def font_size(self) -> int:
        """The application font's point size."""
        return QApplication.font().pointSize()

    def set_font_size(self, size: int) -> None:
        """Apply and remember the font size (6–28 pt)."""
        size = max(6, min(28, size))
        theme.apply_font_size(size)
        self.settings.setValue("font_size", size)

    def _available_geometry(self) -> QRect:
        screen = self.screen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1400, 900)

    def _restore_geometry(self) -> None:
        """The saved geometry if it still fits this screen; otherwise most of the available screen.

        Qt clamps a restored geometry to the screen but not its frame, which is known only once the
        window is shown: the first show checks again (:meth:`showEvent`).
        """
        saved = self.settings.value("geometry")
        restored = isinstance(saved, QByteArray) and self.restoreGeometry(saved)
        fits = self.isMaximized() or self._available_geometry().contains(self.frameGeometry())
        if not (restored and fits):
            self.use_first_window_size()

    def use_first_window_size(self) -> None:
        """Size and place the window as on a first launch (:func:`first_window_size`)."""
        available = self._available_geometry()
        size, maximized = first_window_size(available.size())
        self.setWindowState(Qt.WindowState.WindowNoState)
        self.resize(size)
        self.move(available.center() - self.rect().center())
        if maximized:
            self.setWindowState(Qt.WindowState.WindowMaximized)

    def showEvent(self, event: QShowEvent) -> None:
        """On the first show the frame is known: a window that does not fit its screen is resized."""
        super().showEvent(event)
        if self._checked_fit:
            return
        self._checked_fit = True
        full = self.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)
        if not full and not self._available_geometry().contains(self.frameGeometry()):
            self.use_first_window_size()

    def _restore_settings(self) -> None:
        self._restore_geometry()
        self.set_theme(str(self.settings.value("theme", "system")))
        size = self.settings.value("font_size")
        if size is not None:
            self.set_font_size(int(size))
        last = str(self.settings.value("last_tab", "home"))
        if last in self.tab_names() and last != "home":
            self.show_tab(last)

    def event(self, event: QEvent) -> bool:
        """Notices the first complete paint (UpdateRequest flushes the whole window) and only then
        starts the TensorFlow warm-up; records when it happened for tests and bench/startup.py."""
        handled = super().event(event)
        if event.type() == QEvent.Type.UpdateRequest and self.first_paint_time is None:
            self.first_paint_time = time.perf_counter()
            self.tensorflow_loaded_at_first_paint = "tensorflow" in sys.modules
            if self._warm_tensorflow:
                QTimer.singleShot(0, self.warmup.start)
        return bool(handled)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop every running job (waiting up to 10 s in all), save settings, close the store."""
        # Every runner, not only the labs' main jobs (e.g. a download a lab started on its own runner).
        runners = [runner for runner in list(LIVE_RUNNERS) if runner.running]
        for runner in runners:
            runner.stop()
        for runner in runners:
            runner.stop_and_wait(10_000)
        self.sessions.remember_all()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("last_tab", self.tab_names()[self.tabs.currentIndex()])
        self._empty_run_trash()
        event.accept()

    def _empty_run_trash(self) -> None:
        """Runs deleted on the Runs page could be undone until now: delete them for good."""
        try:
            self.store.empty_trash()
        except StoreError as exc:  # the runs stay hidden in the trash; the next close tries again
            log.warning("could not empty the run trash: %s", exc)


#: QSettings key: the folder File ▸ Open data… starts in (the last one used; the home folder at first).
LAST_DATA_FOLDER = "last_data_folder"
#: The window's size when the screen has room for it; smaller screens get the window maximized.
ROOMY_SCREEN = QSize(1600, 960)


def first_window_size(available: QSize) -> tuple[QSize, bool]:
    """The first window's size on a screen with ``available`` room, and whether to maximize it.

    A laptop screen (1366×768, 1280×720, anything under :data:`ROOMY_SCREEN`) is used whole: the window
    is maximized (its un-maximized size still fits). A larger screen gets 90 % of each side, so
    1920×1080 shows more of every view while the desktop stays reachable.
    """
    small = available.width() < ROOMY_SCREEN.width() or available.height() < ROOMY_SCREEN.height()
    fraction = 0.94 if small else 0.9
    size = QSize(round(available.width() * fraction), round(available.height() * fraction))
    return size, small


def data_field(lab: TrainingLabWidget) -> str | None:
    """The lab's field File ▸ Open data… fills: its first data/label path field, else its first path."""
    fields = [n for n in lab.form.editors if n.endswith(("_path", "_dir", "_file"))]
    data_fields = [n for n in fields if n.startswith(("data", "label"))] or fields
    return data_fields[0] if data_fields else None
