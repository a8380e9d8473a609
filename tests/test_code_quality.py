"""House rules that a machine can check: ruff clean, engine/ mypy clean, modules under 500 lines."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is not installed: `make test` installs it with the dev extra")
        return found
    return str(path)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_check_and_format():
    check = _run(_tool("ruff"), "check", ".")
    assert check.returncode == 0, check.stdout[-4000:]
    fmt = _run(_tool("ruff"), "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout[-4000:]


def test_engine_is_mypy_clean():
    result = _run(_tool("mypy"))
    assert result.returncode == 0, result.stdout[-4000:]


def test_no_module_is_near_500_lines():
    tracked = _run("git", "ls-files", "*.py").stdout.split()
    files = tracked or [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py") if ".venv" not in p.parts]
    long = {f: n for f in files if (n := len((ROOT / f).read_text(encoding="utf-8").splitlines())) > 500}
    assert not long, f"split these by responsibility: {long}"


LAB_IDS = ("backprop", "callbacks", "text_cnn", "lstm", "transfer", "bert")


def test_one_package_per_lab_on_both_sides():
    for side in ("engine/labs", "gui/labs"):
        for lab in LAB_IDS:
            assert (ROOT / side / lab / "__init__.py").is_file(), f"{side}/{lab}/ is not a package"
        flat = [p.name for p in (ROOT / side).glob("*.py") if p.stem.startswith(LAB_IDS)]
        assert not flat, f"lab modules flat in {side}/: {flat} (move them into the lab's package)"
    for grab_bag in ("engine/data", "engine/models", "engine/bert"):
        assert not list((ROOT / grab_bag).glob("*.py")), f"{grab_bag}/ should not exist: one package per lab"
    assert (ROOT / "resources" / "labs").is_dir()
