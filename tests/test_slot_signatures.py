"""No slot with an optional parameter is connected to a signal.

PySide passes a signal's arguments to a connected Python method as far as its signature takes them:
``clicked(bool)`` and ``triggered(bool)`` arrive in a slot's first optional parameter as ``False``
(Runs ▸ Export CSV… and File ▸ Open data… once returned silently this way), ``currentChanged(int)``
in ``QTimer.start`` becomes the timer's interval. This test reads every module of gui/ and fails on a
method with a defaulted parameter that is connected to a signal or handed to a menu-action helper,
and on a signal connected straight to a QTimer's ``start``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Helpers that connect the method they are given to ``QAction.triggered``.
ACTION_HELPERS = ("_action",)


GUI_FILES = sorted((ROOT / "gui").rglob("*.py"))


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _methods_with_defaults(paths: list[Path]) -> dict[str, list[str]]:
    """Method name → where a method of that name takes a parameter with a default."""
    found: dict[str, list[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        item.args.defaults or any(d is not None for d in item.args.kw_defaults)
                    ):
                        where = f"{_where(path)}:{item.lineno} {node.name}.{item.name}"
                        found.setdefault(item.name, []).append(where)
    return found


def _connected_methods(paths: list[Path]) -> list[tuple[str, str]]:
    """(``self.<name>`` handed to ``.connect`` or an action helper, where)."""
    connected: list[tuple[str, str]] = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr == "connect":
                targets = node.args[:1]
            elif node.func.attr in ACTION_HELPERS:
                targets = list(node.args)
            else:
                continue
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    connected.append((target.attr, f"{_where(path)}:{node.lineno}"))
    return connected


def _offenders(paths: list[Path]) -> list[str]:
    defaults = _methods_with_defaults(paths)
    return [
        f"{where} connects self.{name}, defined with a default at {', '.join(defaults[name])}"
        for name, where in _connected_methods(paths)
        if name in defaults
    ]


def _timer_starts(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "connect"
                and node.args
                and isinstance(node.args[0], ast.Attribute)
                and node.args[0].attr == "start"
                and "timer" in ast.unparse(node.args[0].value).lower()
            ):
                found.append(f"{_where(path)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_connected_slot_has_an_optional_parameter():
    offenders = _offenders([*GUI_FILES, ROOT / "main.py"])
    assert not offenders, "\n".join(offenders)


def test_no_signal_is_connected_straight_to_a_timer_start():
    offenders = _timer_starts(GUI_FILES)
    assert not offenders, "\n".join(offenders)


def test_the_audit_finds_the_patterns_it_looks_for(tmp_path):
    """Both checks recognise what they look for (the guard is guarded)."""
    page = tmp_path / "page.py"
    page.write_text(
        "class Page:\n"
        "    def __init__(self):\n"
        "        self.button.clicked.connect(self.export)\n"
        "        self._action(menu, 'Open…', self.open_data, 'Ctrl+O')\n"
        "        self.tabs.currentChanged.connect(self._refresh_timer.start)\n"
        "        self.other.clicked.connect(self.fine)\n"
        "    def export(self, path=None):\n"
        "        pass\n"
        "    def open_data(self, *, path=''):\n"
        "        pass\n"
        "    def fine(self):\n"
        "        pass\n"
    )
    offenders = _offenders([page])
    assert len(offenders) == 2 and "self.export" in offenders[0] and "self.open_data" in offenders[1]
    assert len(_timer_starts([page])) == 1
