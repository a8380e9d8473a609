"""Sessions through real widgets: every lab's form comes back after a restart as it was left, the
backprop lab's graph, weights, row and race settings too, Reset to defaults, and session files saved
and opened from the File menu (what is valid applied, the rest listed)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QLineEdit, QSpinBox

from engine.labs import LABS
from engine.labs.text_cnn.explore import ANALYSIS_FIELDS
from engine.params import describe
from gui.main_window import MainWindow
from gui.workers import LIVE_RUNNERS


def menu_action(window, text):
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if action.text() == text:
                return action
    raise LookupError(text)


def new_window(qtbot, store):
    window = MainWindow(store=store, warm_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def wait_idle(qtbot):
    qtbot.wait(600)  # debounced previews (the text CNN's corpus analysis) start after 400 ms
    qtbot.waitUntil(lambda: not any(r.running for r in list(LIVE_RUNNERS)), timeout=60_000)


def change_like_a_user(form):
    """Change every field a learner can change without starting work (no paths, no corpus analysis),
    through the widgets' own input: arrow keys, clicks, typing."""
    changed = []
    for name, editor in form.editors.items():
        info = form.infos[name]
        if name in ANALYSIS_FIELDS or name.endswith(("_path", "_dir", "_file")):
            continue
        if isinstance(editor, QSpinBox):
            editor.setFocus()
            key = Qt.Key.Key_Up if editor.value() < editor.maximum() else Qt.Key.Key_Down
            QTest.keyClick(editor, key)
        elif isinstance(editor, QCheckBox):
            QTest.mouseClick(editor, Qt.MouseButton.LeftButton, pos=editor.rect().center())
        elif isinstance(editor, QComboBox) and editor.count() > 1:
            editor.setFocus()
            QTest.keyClick(
                editor, Qt.Key.Key_Down if editor.currentIndex() < editor.count() - 1 else Qt.Key.Key_Up
            )
        elif isinstance(editor, QLineEdit) and info.kind is float and info.default:
            editor.selectAll()
            QTest.keyClicks(
                editor,
                repr(
                    info.default / 2
                    if info.minimum is None or info.default / 2 >= info.minimum
                    else info.default
                ),
            )
        else:
            continue
        changed.append(name)
    return changed


def test_every_lab_form_comes_back_after_a_restart(qtbot, window, tmp_store):
    left = {}
    for lab, spec in LABS.items():
        widget = window.show_tab(lab)
        defaults = {i.name: i.default for i in describe(spec.params_type)}
        changed = change_like_a_user(widget.form)
        values = widget.form.session_values()
        assert len(changed) >= 3, (lab, changed)
        assert any(
            values[name] != (list(d) if isinstance(d, tuple) else d)
            for name, d in defaults.items()
            if name in changed
        ), lab
        left[lab] = values
    wait_idle(qtbot)
    window.close()

    restarted = new_window(qtbot, tmp_store)
    for lab in LABS:
        assert restarted.lab_widget(lab).form.session_values() == left[lab], lab
    wait_idle(qtbot)
    restarted.close()


def test_backprop_remembers_its_graph_weights_row_and_race(qtbot, window, tmp_store):
    lab = window.show_tab("backprop")
    explorer = lab.explorer
    explorer.expression.setFocus()
    QTest.keyClicks(explorer.expression, "tanh(w1*x1 + w2) * w3")
    QTest.keyClick(explorer.expression, Qt.Key.Key_Return)
    box = explorer.inputs.weight_boxes["w2"]
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), "-0.375")
    QTest.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    explorer.inputs.row_box.setFocus()
    for _ in range(3):
        QTest.keyClick(explorer.inputs.row_box, Qt.Key.Key_Up)
    lab.show_race()  # the race's settings are on its page
    race = lab.form.editors["optimizers"].boxes["nesterov"]
    QTest.mouseClick(race, Qt.MouseButton.LeftButton, pos=race.rect().center())
    lab.form.editors["epochs"].setFocus()
    QTest.keyClick(lab.form.editors["epochs"], Qt.Key.Key_Down)
    assert lab.session.weights["w2"] == -0.375 and lab.session.row == 3
    window.close()

    again = new_window(qtbot, tmp_store).lab_widget("backprop")
    assert again.explorer.expression.text() == "tanh(w1*x1 + w2) * w3"
    assert not again.session.is_assignment and set(again.session.graph.weights) == {"w1", "w2", "w3"}
    assert again.session.weights["w2"] == -0.375 and again.session.row == 3
    assert again.explorer.inputs.row_box.value() == 3  # the view shows it, not only the model
    assert again.form.session_values()["optimizers"] == ["sgd", "momentum", "nesterov", "adam"]
    assert again.form.session_values()["epochs"] == 99


def test_reset_to_defaults(qtbot, window, tmp_store):
    lab = window.show_tab("callbacks")
    change_like_a_user(lab.form)
    QTest.mouseClick(lab.form.reset_button, Qt.MouseButton.LeftButton)
    defaults = {
        i.name: list(i.default) if isinstance(i.default, tuple) else i.default
        for i in describe(lab.spec.params_type)
    }
    assert lab.form.session_values() == defaults
    window.close()  # the reset is what is remembered
    assert new_window(qtbot, tmp_store).lab_widget("callbacks").form.session_values() == defaults


@pytest.fixture
def two_runs(tmp_store):
    ids = []
    for seed in (1, 2):
        run_id = tmp_store.start_run("callbacks", {"model": 1, "seed": seed}, seed, name=f"seed {seed}")
        tmp_store.finish_run(run_id, "finished")
        ids.append(run_id)
    return ids


def test_save_and_open_a_session_from_the_file_menu(
    qtbot, window, tmp_store, tmp_path, monkeypatch, two_runs
):
    path = tmp_path / "class-3.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    lab = window.show_tab("lstm")
    lab.form.set_value("epochs", 11)
    page = window.show_tab("runs")
    page.select_runs([two_runs[1]])
    menu_action(window, "&Save session…").trigger()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "deep-learning-lab session" and set(doc["labs"]) == set(LABS)
    assert doc["labs"]["lstm"]["params"]["epochs"] == 11
    assert doc["labs"]["bert"]["params"]["epochs"] == 30  # a lab not opened: its defaults
    assert doc["runs"]["compare"] == [{"id": two_runs[1], "lab": "callbacks", "name": "seed 2"}]
    assert path.read_text(encoding="utf-8").startswith("{\n  ")  # indented: readable, diffable

    lab.form.set_value("epochs", 2)
    page.select_runs([])
    menu_action(window, "Op&en session…").trigger()
    assert lab.form.session_values()["epochs"] == 11 and page.selected_ids() == [two_runs[1]]
    assert window.session_files.last_skipped == [] and window.session_files.report_box is None


def test_opening_a_session_applies_what_is_valid_and_lists_the_rest(
    qtbot, window, tmp_path, monkeypatch, two_runs
):
    path = tmp_path / "from-another-version.json"
    path.write_text(
        json.dumps(
            {
                "format": "deep-learning-lab session",
                "version": 1,
                "theme": "dark",
                "labs": {
                    "callbacks": {"params": {"epochs": 9, "patience": 0, "model": [1], "colour": "red"}},
                    "backprop": {
                        "params": {"optimizers": ["adam", "lbfgs"], "sgd_lr": 0.05},
                        "graph": {
                            "expression": "w1 * x1 + w2",
                            "weights": {"w1": 2.5, "w2": "big", "w9": 1},
                            "row": 10_000,
                        },
                    },
                    "nosuchlab": {"params": {}},
                },
                "runs": {"compare": [two_runs[0], 999, "first"]},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    menu_action(window, "Op&en session…").trigger()
    callbacks = window.lab_widget("callbacks").form.session_values()
    backprop = window.lab_widget("backprop")
    defaults = {i.name: i.default for i in describe(LABS["callbacks"].params_type)}
    assert callbacks["epochs"] == 9  # valid: applied; the invalid ones keep their defaults
    assert callbacks["patience"] == defaults["patience"] and callbacks["model"] == defaults["model"]
    assert backprop.form.session_values()["sgd_lr"] == 0.05
    assert backprop.form.session_values()["optimizers"] == ["sgd", "momentum", "adam"]  # invalid: kept
    assert backprop.explorer.expression.text() == "w1 * x1 + w2" and backprop.session.weights["w1"] == 2.5
    assert window.runs_page.selected_ids() == [two_runs[0]]
    skipped = window.session_files.last_skipped
    expected = [
        "theme: not part of a session",
        "labs.nosuchlab: no such lab",
        "labs.callbacks.params.patience: 0 is below the minimum 1",
        "labs.callbacks.params.model: expected",
        "labs.callbacks.params.colour: no such setting",
        "labs.backprop.params.optimizers: 'lbfgs' is not one of",
        "labs.backprop.graph.weights.w2: expected a finite number",
        "labs.backprop.graph.weights.w9: the graph has no such weight",
        "labs.backprop.graph.row: expected a row from 0 to",
        "runs.compare: 'first' is not a run id",
        "runs.compare: run #999 is not in this computer's run store",
    ]
    for line in expected:
        assert any(s.startswith(line) for s in skipped), (line, skipped)
    assert len(skipped) == len(expected), skipped
    box = window.session_files.report_box
    assert box.isVisible() and not box.isModal() and "11 part(s) skipped" in box.text()
    assert "labs.nosuchlab" in box.informativeText()


def test_a_file_that_is_not_a_session_changes_nothing(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "notes.json"
    path.write_text('{"labs": {"callbacks": {"params": {"epochs": 3}}},\n oops', encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    lab = window.show_tab("callbacks")
    before = lab.form.session_values()
    menu_action(window, "Op&en session…").trigger()
    assert lab.form.session_values() == before
    assert "line 2 column 2" in window.session_files.last_skipped[0]
    assert window.session_files.report_box.isVisible()
