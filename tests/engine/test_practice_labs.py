"""Every lab's exercises: a task text each, a correct solution that passes, each known mistake named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.labs import LAB_IDS
from engine.practice import grade_file, lab_exercises, task_text, template

FILES = Path(__file__).with_name("practice_files")
RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "labs"


@pytest.mark.parametrize("lab", LAB_IDS)
def test_each_lab_has_exercises_with_task_texts_and_nothing_else(lab):
    exercises = lab_exercises(lab)
    assert len(exercises.exercises) >= 2
    for exercise in exercises.exercises:
        text = task_text(lab, exercise.name)
        assert text.startswith(f"### {exercise.name}(") and len(text) > 150, exercise.name
    texts = {p.stem for p in (RESOURCES / lab / "exercises").glob("*.md")}
    assert texts == set(exercises.names), "a task text without an exercise, or the other way round"
    compile(template(lab), f"{lab}.py", "exec")


@pytest.mark.parametrize("lab", LAB_IDS)
def test_a_correct_solution_passes_every_exercise(lab):
    report = grade_file(lab, FILES / f"{lab}_solution.py")
    assert report.passed == report.total, [r.message for r in report.results if not r.passed]


def _variant(tmp_path: Path, lab: str, old: str, new: str) -> Path:
    source = (FILES / f"{lab}_solution.py").read_text(encoding="utf-8")
    assert old in source, old
    path = tmp_path / f"{lab}_variant.py"
    path.write_text(source.replace(old, new), encoding="utf-8")
    return path


MISTAKES = [
    (
        "callbacks",
        "val_accuracy < previous_val_accuracy:",
        "val_accuracy <= previous_val_accuracy:",
        "equal_counts_as_worse",
    ),
    ("callbacks", "if (epoch + 1) % 3 == 0:", "if epoch % 3 == 0:", "period_off_by_one"),
    ("callbacks", "scores = np.asarray(y_prob)", "scores = np.round(np.asarray(y_prob))", "auc_of_rounded"),
    ("callbacks", "return any(not np.all(np.isfinite(w)) for w in weights)", "return False", "loss_only"),
    ("text_cnn", 'p != "com"', 'p is not "co" + "m"', "com_kept"),
    (
        "lstm",
        'if text not in ("", "nan", "NaN", "NULL", "null", "None"):',
        "if column in row:",
        "nan_as_text",
    ),
    ("lstm", "low <= idf[w] <= high", "low < idf[w] < high", "band_ends_excluded"),
    (
        "transfer",
        "frozen = vgg if model in (1, 2) else vgg[:-6]",
        "frozen = vgg if model in (1, 2) else vgg[:-6] + [n for n in vgg[-6:] if 'conv' not in n]",
        None,
    ),
    ("transfer", "side = side // 2", "side = -(-side // 2)", "pool_rounds_up"),
    ("bert", "if score == 3:\n        return None\n", "", "three_is_negative"),
    ("bert", "[: max_len - 2]  # MISTAKE-sep", "", None),
]


@pytest.mark.parametrize(("lab", "old", "new", "mistake"), MISTAKES)
def test_known_mistakes_fail_and_are_named(tmp_path, lab, old, new, mistake):
    report = grade_file(lab, _variant(tmp_path, lab, old, new))
    failed = [r for r in report.results if not r.passed]
    assert len(failed) == 1, [r.message for r in report.results]
    assert [m.name for m in report.mistakes] == ([mistake] if mistake else [])


def test_tokenize_reports_the_graders_checks(tmp_path):
    path = _variant(tmp_path, "bert", "[: max_len - 2]  # MISTAKE-sep", "")
    result = grade_file("bert", path).result("tokenize")
    assert re.search(r'the graders\' check "length 20" fails', result.message)
    assert [c["name"] for c in result.details["grader_checks"]][:2] == ["three inputs", "length 20"]


def test_exercises_load_without_tensorflow():
    """The Practice tab reads them when a lab opens: importing TensorFlow there would cost seconds."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from engine.labs import LAB_IDS\n"
        "from engine.practice import template\n"
        "for lab in LAB_IDS: template(lab)\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
