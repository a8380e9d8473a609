import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import cli
from engine.labs import LABS
from tests.fake_lab import FAKE_LAB

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def counter_lab(monkeypatch):
    monkeypatch.setitem(LABS, "counter", FAKE_LAB)


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def test_run_json_has_the_documented_keys(counter_lab):
    code, out, err = run_cli("run", "counter", "--epochs", "3", "--seed", "1", "--json", "--set", "mode=up")
    assert code == 0, err
    document = json.loads(out)
    assert list(document)[:7] == ["lab", "params", "seed", "history", "markers", "test", "artifacts"]
    assert document["lab"] == "counter" and document["seed"] == 1 and document["params"]["epochs"] == 3
    assert document["history"]["loss"] == [0.5, 1 / 3, 0.25]
    assert document["markers"] == [{"epoch": 2, "kind": "checkpoint", "text": "val_loss improved"}]
    assert document["note"] == "fake"
    assert "epoch 1/3" in err  # progress goes to stderr with --json


def test_run_prints_one_line_per_epoch(counter_lab):
    code, out, _ = run_cli("run", "counter", "--epochs", "2", "--no-record")
    assert code == 0
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("epoch")] == [
        "epoch 1/2",
        "epoch 2/2",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "nosuchlab"), "unknown lab 'nosuchlab'"),
        (("run", "counter", "--set", "epochs=zero"), "epochs: expected a whole number"),
        (("run", "counter", "--set", "nosuch=1"), "unknown parameter 'nosuch'"),
        (("run", "counter", "--set", "novalue"), "--set expects NAME=VALUE"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(counter_lab, args, message):
    code, out, err = run_cli(*args)
    assert code == 2 and message in err and out == ""


def test_failing_lab_exits_1_with_its_message(counter_lab):
    code, _, err = run_cli("run", "counter", "--set", "fail_at_epoch=1", "--no-record")
    assert code == 1 and "data.csv, row 1: not a number" in err


def test_json_turns_nan_into_null():
    assert cli.to_jsonable({"a": [1.0, float("nan"), float("inf")]}) == {"a": [1.0, None, None]}


def test_list_and_assets_run_as_a_process():
    for command in (["list"], ["assets"]):
        proc = subprocess.run(
            [sys.executable, "main.py", *command], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip()
