"""The command line as a product surface: every command and option explained, per-lab parameters in
``run LAB --help``, one-line usage errors with the close match, exit codes, and README kept equal to
the real help."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import main
from engine import cli
from engine.cli import core
from engine.cli.lab_text import kind_text, value_text
from engine.jobs import CancelToken, Emit, EpochEnded, LabResult, LabSpec
from engine.labs import LABS
from engine.params import describe
from tests import cli_docs
from tests.fake_lab import FAKE_LAB, CounterParams
from tests.isolated import loaded_after

ROOT = Path(__file__).resolve().parents[2]


def run_main(*argv: str) -> tuple[int, str, str]:
    """``python main.py ARGV`` in-process: every command, the app's included."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out, err, commands=main.COMMANDS, app=main.APP)
    return code, out.getvalue(), err.getvalue()


def test_help_lists_every_command_with_its_summary_examples_and_exit_codes():
    code, out, err = run_main("--help")
    assert code == 0 and err == ""
    commands = out.split("\ncommands:\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in commands] == [c.name for c in main.COMMANDS]
    for command, line in zip(main.COMMANDS, commands, strict=True):
        assert line.split(None, 1)[1] == command.summary
    assert {"list", "run", "assets", "screenshots"} <= {c.name for c in main.COMMANDS}
    assert "--screenshot PNG" in out and "--tab TAB" in out and "--size WxH" in out
    assert "examples:\n  python main.py\n" in out
    for exit_code, meaning in cli.EXIT_CODES:
        assert re.search(rf"^  {exit_code}\s+{re.escape(meaning.split()[0])}", out, re.M), exit_code


def test_version_comes_from_the_package_metadata():
    code, out, _ = run_main("--version")
    assert code == 0 and out == f"deep-learning-lab {metadata.version('deep-learning-lab')}\n"


@pytest.mark.parametrize("command", [c.name for c in main.COMMANDS])
def test_every_option_of_every_command_has_help(command):
    parser = core.command_parser(next(c for c in main.COMMANDS if c.name == command))
    for action in parser._actions:
        assert action.help and action.help.strip(), f"{command}: {action.option_strings or action.dest}"
    code, out, _ = run_main(command, "--help")
    assert code == 0 and out.startswith(f"usage: python main.py {command} ")


def test_run_help_offers_the_lab_ids_as_choices():
    code, out, _ = run_main("run", "--help")
    assert code == 0
    assert "{" + ",".join(LABS) + "}" in out
    for option in ("--set NAME=VALUE", "--epochs N", "--seed N", "--json", "--no-record"):
        assert re.search(rf"^  {re.escape(option)}\s+\S", out, re.M), option
    assert "parameters (" not in out  # no lab named: no lab's parameters


@pytest.mark.parametrize("lab", list(LABS))
def test_run_lab_help_ends_with_the_same_text_as_list(lab):
    _, listed, _ = run_main("list", lab)
    code, out, err = run_main("run", lab, "--help")
    assert code == 0 and err == ""
    assert out.startswith("usage: python main.py run ") and out.endswith("\n" + listed)
    for info in describe(LABS[lab].params_type):
        line = next(line for line in listed.splitlines() if line.startswith(f"    {info.name} = "))
        assert value_text(info.default) in line
        assert kind_text(info) in listed.replace("\n        ", " ")
        if info.help:
            assert info.help.split()[0] in listed


def test_parameter_types_defaults_and_allowed_values_read_as_typed(monkeypatch):
    monkeypatch.setitem(LABS, "counter", FAKE_LAB)
    _, out, _ = run_main("list", "counter")
    assert "    epochs = 3  (int, 1..1000)\n        epochs\n" in out
    assert "    step_seconds = 0.0  (float, ≥ 0)\n" in out
    assert "    mode = up  (one of: up|down)\n        direction\n" in out
    backprop = run_main("list", "backprop")[1]
    assert "optimizers = sgd,momentum,adam" in backprop and "list of sgd|momentum|" in backprop
    assert 'data_path = ""  (str)' in backprop


def test_list_json_is_the_registry():
    code, out, _ = run_main("list", "--json")
    assert code == 0
    document = json.loads(out)
    assert [lab["id"] for lab in document["labs"]] == list(LABS)
    for lab in document["labs"]:
        spec = LABS[lab["id"]]
        assert lab["title"] == spec.title and lab["needs_tensorflow"] == spec.needs_tensorflow
        infos = describe(spec.params_type)
        assert [p["name"] for p in lab["params"]] == [info.name for info in infos]
        for entry, info in zip(lab["params"], infos, strict=True):
            assert entry["type"] in ("int", "float", "bool", "str", "list")
            default = list(info.default) if isinstance(info.default, tuple) else info.default
            assert entry["default"] == default and entry["help"] == info.help
            assert entry["choices"] == (list(info.choices) if info.choices else None)
            assert ("item_type" in entry) == (entry["type"] == "list")
    assert json.loads(run_main("list", "bert", "--json")[1])["labs"][0]["id"] == "bert"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rnu"], "unknown command 'rnu' — did you mean 'run'?"),
        (["scr", "docs"], "unknown command 'scr' — did you mean 'screenshots'?"),
        (
            ["zzz"],
            "unknown command 'zzz'; the commands are list, run, runs, assets, grade, install-desktop, screenshots",
        ),
        (["run", "bakprop"], "unknown lab 'bakprop' — did you mean 'backprop'?"),
        (["run", "nosuchlab"], "unknown lab 'nosuchlab'; the labs are backprop,"),
        (["list", "lsmt"], "unknown lab 'lsmt' — did you mean 'lstm'?"),
        (["run"], "the following arguments are required: lab"),
        (["run", "backprop", "--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
        (["run", "backprop", "--colour"], "unrecognized arguments: --colour"),
        (["run", "backprop", "--set", "epochs=0"], "backprop: epochs: 0 is below the minimum 1"),
        (["run", "backprop", "--set", "optimisers=sgd"], "unknown parameter 'optimisers'"),
        (["assets", "--prepare", "minilm"], "unknown asset 'minilm' — did you mean 'minilm-l6-v2'?"),
        (["screenshots"], "the following arguments are required: DIR"),
        (["--tab", "backprop", "list"], "--tab applies only when no command is given"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_answer_in_one_line_and_exit_2(argv, message):
    code, out, err = run_main(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err


def test_a_failed_run_exits_1_and_ctrl_c_exits_130(monkeypatch):
    monkeypatch.setitem(LABS, "counter", FAKE_LAB)
    assert run_main("run", "counter", "--set", "fail_at_epoch=1", "--no-record")[0] == 1

    def interrupted(params: CounterParams, token: CancelToken, emit: Emit) -> LabResult:
        emit(EpochEnded(1, {"loss": 1.0}, params.epochs))
        signal.raise_signal(signal.SIGINT)  # what Ctrl+C sends; the CLI turns it into a cancel
        token.raise_if_cancelled()
        raise AssertionError("the run was not cancelled")

    monkeypatch.setitem(LABS, "counter", LabSpec("counter", "C", "", "", CounterParams, interrupted, False))
    code, out, err = run_main("run", "counter", "--no-record")
    assert code == 130 and "epoch 1/3" in out and "cancelled after 1 epoch(s)" in err


def test_ctrl_c_in_any_command_exits_130():
    def handle(*_: object) -> int:
        raise KeyboardInterrupt

    command = cli.Command("wait", "waits", lambda parser: None, handle)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["wait"], out, err, commands=(command,)) == 130 and err.getvalue() == "interrupted\n"


def test_help_and_listing_load_neither_tensorflow_nor_qt():
    heavy = ("tensorflow", "keras", "PySide6", "pyqtgraph")
    for argv in (["--help"], ["run", "--help"], ["run", "bert", "--help"], ["list", "--json"], ["bogus"]):
        code = f"import io, main\nmain.main({argv!r})\n"
        assert loaded_after(code, heavy) == [], argv


def test_readme_command_line_reference_is_the_real_help():
    readme = cli_docs.README.read_text(encoding="utf-8")
    assert cli_docs.current(readme) == cli_docs.reference(), "README is stale: run python -m tests.cli_docs"


def test_every_example_parses():
    """The examples in README's command-line block and in every command's help name real commands,
    labs and options: each parses up to a trailing --help."""
    readme = cli_docs.README.read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [line.split("#")[0].split()[2:] for line in section.splitlines() if line.strip()]
    lines += [example.line.split() for c in (*main.COMMANDS, main.APP) for example in c.examples]
    assert len(lines) > 10
    for argv in lines:
        code, out, err = run_main(*argv, "--help")
        assert code == 0 and out.startswith("usage: "), (argv, err)


def test_main_py_as_a_process():
    done = subprocess.run(
        [sys.executable, "main.py", "rnu"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "error: unknown command 'rnu' — did you mean 'run'?\n"
    done = subprocess.run(
        [sys.executable, "main.py", "run", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.startswith("usage: python main.py run ")
