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


def _has_default(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return bool(function.args.defaults) or any(d is not None for d in function.args.kw_defaults)


def _classes(trees: dict[Path, ast.Module]) -> dict[str, list[ast.ClassDef]]:
    """Class name → the classes of that name."""
    found: dict[str, list[ast.ClassDef]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, []).append(node)
    return found


def _resolve(cls: ast.ClassDef, name: str, classes: dict[str, list[ast.ClassDef]], seen: set[str]) -> list:
    """``(class, method)`` for the method ``name`` of ``cls``, else of its bases defined here."""
    for item in cls.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == name:
            return [(cls, item)]
    hits = []
    for base in cls.bases:
        base_name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
        if base_name and base_name not in seen:
            seen.add(base_name)
            for base_cls in classes.get(base_name, []):
                hits += _resolve(base_cls, name, classes, seen)
    return hits


def _connected(cls: ast.ClassDef) -> list[tuple[str, int]]:
    """(``self.<name>``, line) handed to ``.connect`` or an action helper inside ``cls``."""
    connected = []
    for node in ast.walk(cls):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "connect":
            targets = node.args[:1]
        elif node.func.attr in ACTION_HELPERS:
            targets = list(node.args)
        else:
            continue
        for target in targets:
            is_self = isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
            if is_self and target.value.id == "self":
                connected.append((target.attr, node.lineno))
    return connected


def _offenders(paths: list[Path]) -> list[str]:
    """Connected ``self.<method>`` whose method (in its class, or a base class defined in ``paths``)
    takes a parameter with a default."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in paths}
    classes = _classes(trees)
    offenders = []
    for path, tree in trees.items():
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
            for name, line in _connected(cls):
                for owner, method in _resolve(cls, name, classes, set()):
                    if _has_default(method):
                        offenders.append(
                            f"{_where(path)}:{line} connects self.{name}, defined with a default in "
                            f"{owner.name} (line {method.lineno})"
                        )
    return offenders


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
