"""``python main.py grade``: the JSON shape, exit codes, folder mode and the template."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from engine import cli

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = Path(__file__).with_name("practice_files") / "backprop_solution.py"


def _grade(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["grade", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def test_json_report_has_the_documented_shape_and_exit_code_1_for_a_failure(tmp_path):
    learner = tmp_path / "tanh.py"
    learner.write_text(
        SOLUTION.read_text(encoding="utf-8").replace('(1 - d["tanh"] ** 2)', '(1 - d["tanh"])'),
        encoding="utf-8",
    )
    code, out, err = _grade("backprop", str(learner), "--json")
    assert code == 1 and err == ""
    report = json.loads(out)
    assert set(report) == {"lab", "file", "exercises", "passed", "total", "mistakes"}
    assert (report["lab"], report["file"], report["passed"], report["total"]) == (
        "backprop",
        str(learner),
        7,
        8,
    )
    for exercise in report["exercises"]:
        assert set(exercise) == {"name", "passed", "attempted", "message", "details"}
        assert isinstance(exercise["passed"], bool) and isinstance(exercise["attempted"], bool)
    backward = next(e for e in report["exercises"] if e["name"] == "backward_propagation")
    assert backward["details"]["wrong"] == ["dw1", "dw2", "dw6", "dw7"]
    assert backward["details"]["suspects"] == ["tanh"]
    assert report["mistakes"] == []


def test_a_passing_file_exits_0_and_prints_one_line_per_exercise():
    code, out, _ = _grade("backprop", str(SOLUTION))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("8/8 passed") and len(lines) == 9 and all("✓" in line for line in lines[1:])


def test_usage_errors_exit_2_with_one_clear_line(tmp_path):
    for args, expected in (
        (("nolab", str(SOLUTION)), "unknown lab 'nolab'"),
        (("backprop", str(tmp_path / "missing.py")), "no such file or folder"),
        (("backprop",), "give a .py file or a folder"),
        (("backprop", str(tmp_path)), "no .py files in this folder"),
        (("backprop", str(SOLUTION), "--timeout", "0"), "--timeout must be a positive"),
    ):
        code, out, err = _grade(*args)
        assert code == 2 and out == "", args
        assert expected in err and len(err.strip().splitlines()) == 1, err


def test_template_prints_the_starter_skeleton():
    code, out, _ = _grade("callbacks", "--template")
    assert code == 0
    compile(out, "template.py", "exec")  # a valid Python file
    assert "raise NotImplementedError" in out and "def next_learning_rate(" in out


def test_a_folder_gets_one_summary_row_per_file(tmp_path):
    (tmp_path / "alice.py").write_text(SOLUTION.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bob.py").write_text("def sigmoid(z):\n    return 0.5\n", encoding="utf-8")
    (tmp_path / "carol.py").write_text("def sigmoid(z)\n    return 1\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not python", encoding="utf-8")
    code, out, _ = _grade("backprop", str(tmp_path))
    assert code == 1
    header, *rows = out.splitlines()
    assert header == "backprop: 3 files, 1 with every exercise passed"
    assert [row.split()[0] for row in rows] == ["alice.py", "bob.py", "carol.py"]
    assert rows[0].split()[1] == "8/8"
    assert "failed: sigmoid" in rows[1] and "not attempted: forward_propagation" in rows[1]
    assert "could not load: syntax error on line 1" in rows[2]
    code, out, _ = _grade("backprop", str(tmp_path), "--json")
    assert [r["file"] for r in json.loads(out)] == ["alice.py", "bob.py", "carol.py"]


def test_main_py_dispatches_grade(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = subprocess.run(
        [sys.executable, "main.py", "grade", "backprop", str(SOLUTION), "--json", "--timeout", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["passed"] == 8
