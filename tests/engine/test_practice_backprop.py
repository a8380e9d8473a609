"""The backprop exercises graded on learner files: a correct one, each known mistake, and code that
loops, crashes, prints without end, changes its input or does not parse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.practice import grade_file, lab_exercises, template

SOLUTION = Path(__file__).with_name("practice_files") / "backprop_solution.py"
CORRECT = SOLUTION.read_text(encoding="utf-8")


def _learner(tmp_path: Path, old: str, new: str, name: str = "learner.py") -> Path:
    assert old in CORRECT, old
    path = tmp_path / name
    path.write_text(CORRECT.replace(old, new), encoding="utf-8")
    return path


def test_the_correct_solution_passes_every_exercise():
    report = grade_file("backprop", SOLUTION)
    assert [r.name for r in report.results] == list(lab_exercises("backprop").names)
    assert report.passed == report.total == 8, [r.message for r in report.results if not r.passed]
    assert report.mistakes == [] and report.exit_code == 0


def test_the_template_is_not_attempted_and_lists_the_contracts(tmp_path):
    text = template("backprop")
    for name in ("sigmoid(z)", "forward_propagation(x, y, w)", "backward_propagation(x, w, d)"):
        assert f"def {name}:" in text
    path = tmp_path / "starter.py"
    path.write_text(text, encoding="utf-8")
    report = grade_file("backprop", path)
    assert report.passed == 0 and not any(r.attempted for r in report.results)
    assert "NotImplementedError" in report.results[0].message


@pytest.mark.parametrize(
    ("exercise", "old", "new", "mistake"),
    [
        ("forward_propagation", "w[1] * x[1]  # MISTAKE-plus", "(w[1] + x[1])", "plus_for_times"),
        ("forward_propagation", "dl = -2 * (y - y_pred)", "dl = 2 * (y - y_pred)", "dl_sign"),
        (
            "backward_propagation",
            'dl = d["dl"]  # MISTAKE-loss-upstream',
            'dl = d["loss"]',
            "loss_as_upstream",
        ),
        ("gradient_checking", "w_plus = w.copy()  # MISTAKE-alias", "w_plus = w", "aliased_weights"),
        (
            "gradient_checking",
            "return np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))",
            "return np.max(np.abs(grad - approx) / (np.abs(grad) + np.abs(approx)))",
            "ratio_per_weight",
        ),
        ("train_adam", "m, v, step, lr)  # MISTAKE-epoch", "m, v, epoch, lr)", "adam_epoch_correction"),
    ],
)
def test_each_known_mistake_fails_its_exercise_and_is_named(tmp_path, exercise, old, new, mistake):
    report = grade_file("backprop", _learner(tmp_path, old, new))
    failed = [r.name for r in report.results if not r.passed]
    assert failed == [exercise]
    assert [m.name for m in report.mistakes] == [mistake]
    assert report.to_json()["mistakes"][0]["name"] == mistake
    assert report.exit_code == 1


def test_a_wrong_tanh_derivative_is_localised_to_the_tanh_node(tmp_path):
    path = _learner(tmp_path, '(1 - d["tanh"] ** 2)  # MISTAKE-tanh', '(1 - d["tanh"])')
    result = grade_file("backprop", path).result("backward_propagation")
    assert not result.passed
    assert result.details["wrong"] == ["dw1", "dw2", "dw6", "dw7"]
    assert result.details["suspects"] == ["tanh"]
    step = result.details["step"]
    assert (step["node"], step["consumer"]) == ("tanh_in", "tanh")
    # Their implied local derivative is 1 − tanh, ours 1 − tanh², at the same upstream gradient.
    assert step["local_yours"] == pytest.approx(1 - np.sqrt(1 - step["local_ours"]), rel=1e-9)
    assert "1 − tanh²(u)" in step["text"] and "yours" in step["text"]


def test_a_single_wrong_weight_gradient_points_at_its_multiplication(tmp_path):
    path = _learner(tmp_path, '"dw9": dl * d["sigmoid"],', '"dw9": dl * d["sigmoid"] * w[8],')
    details = grade_file("backprop", path).result("backward_propagation").details
    assert details["wrong"] == ["dw9"] and details["suspects"] == ["w9sigmoid"]
    assert details["numbers"]["w9"]["yours"] != pytest.approx(details["numbers"]["w9"]["ours"])


def test_endless_loop_crash_print_flood_and_input_changes_fail_only_their_exercise(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(
        CORRECT
        + "\n\ndef sgd_update(w, g, lr):\n    while True:\n        pass\n"
        + "\n\ndef momentum_update(w, g, v, lr, mu=0.9):\n    v *= mu\n    v -= lr * g\n    return w + v, v\n"
        + "\n\ndef adam_update(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        + "    import os\n    os._exit(3)\n"
        + "\n\ndef sigmoid(z):\n    for i in range(10**9):\n        print('debug', i)\n",
        encoding="utf-8",
    )
    report = grade_file("backprop", path, timeout=2.0)
    by_name = {r.name: r for r in report.results}
    assert "did not finish within 2 s" in by_name["sgd_update"].message
    assert "changes its input v in place" in by_name["momentum_update"].message
    lines = path.read_text(encoding="utf-8").splitlines()
    assert by_name["momentum_update"].details["line"] == lines.index("    v *= mu") + 1
    assert "process ended (exit code 3)" in by_name["adam_update"].message
    assert "did not finish" in by_name["sigmoid"].message
    # The functions around them still ran, in fresh processes (forward_propagation calls the looping
    # sigmoid, so it runs out of time too).
    assert "did not finish" in by_name["forward_propagation"].message
    for name in ("backward_propagation", "gradient_checking", "train_adam"):
        assert by_name[name].passed, by_name[name].message


def test_printed_output_is_captured_and_capped(tmp_path):
    path = _learner(
        tmp_path, "def sgd_update(w, g, lr):\n", "def sgd_update(w, g, lr):\n    print('x' * 100000)\n"
    )
    result = grade_file("backprop", path).result("sgd_update")
    assert result.passed
    assert (
        2000 <= len(result.details["output"]) < 2100
        and "more characters not shown" in result.details["output"]
    )


def test_a_syntax_error_is_reported_with_its_line(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text(
        "import numpy as np\n\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z)\n", encoding="utf-8"
    )
    report = grade_file("backprop", path)
    assert report.passed == 0
    first = report.results[0]
    assert first.message.startswith("syntax error on line 5") and first.details["line"] == 5
    assert all(r.attempted and not r.passed for r in report.results)


def test_top_level_code_that_raises_or_loops_fails_every_exercise(tmp_path):
    raising = tmp_path / "raising.py"
    raising.write_text("x = 1\nraise RuntimeError('setup went wrong')\n", encoding="utf-8")
    result = grade_file("backprop", raising).results[0]
    assert "raised RuntimeError on line 2: setup went wrong" in result.message
    looping = tmp_path / "looping.py"
    looping.write_text("while True:\n    pass\n", encoding="utf-8")
    report = grade_file("backprop", looping, timeout=1.5)
    assert all("loading the file did not finish within 1.5 s" in r.message for r in report.results)


def test_a_missing_function_is_not_attempted(tmp_path):
    path = tmp_path / "partial.py"
    path.write_text("def sigmoid(z):\n    import math\n    return 1 / (1 + math.exp(-z))\n", encoding="utf-8")
    report = grade_file("backprop", path)
    assert report.results[0].passed
    assert report.results[1].message == "not attempted: the file defines no forward_propagation()"
    assert not report.results[1].attempted


def test_the_screen_case_is_graded_and_its_numbers_reported(tmp_path):
    from engine.labs.backprop.exercises import shown_cases

    path = _learner(tmp_path, '(1 - d["tanh"] ** 2)  # MISTAKE-tanh', '(1 - d["tanh"])')
    x, w = np.array([0.3, -1.2, 0.5, 0.8, 2.0]), np.linspace(-0.4, 0.4, 9)
    report = grade_file("backprop", path, extra_cases=shown_cases(x, 1.5, w))
    details = report.result("backward_propagation").details
    assert details["cases"] == 6 and details["case"] == 6  # the numbers are those of the screen's case
    from engine.graph.assignment import backward_propagation, forward_propagation

    ours = backward_propagation(x, w, forward_propagation(x, 1.5, w))
    assert details["numbers"]["w7"]["ours"] == pytest.approx(ours["dw7"])


def test_output_written_below_python_is_drained_and_never_mixes_into_the_results(tmp_path):
    path = _learner(
        tmp_path,
        "def sigmoid(z):\n",
        "def sigmoid(z):\n    import os\n    for _ in range(50):\n"
        '        os.write(1, b\'{"event": "done"}\\n\' * 20000)\n',
    )
    result = grade_file("backprop", path).result("sigmoid")
    assert result.passed, result.message  # 20 MB of fake protocol lines on fd 1 changed nothing
