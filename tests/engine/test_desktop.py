"""The desktop launcher: the packaged entry, ``install-desktop`` into a temporary XDG_DATA_HOME (as a
real process), its validation by desktop-file-validate when installed and by the in-repo check always,
and an uninstall that removes exactly what the install wrote."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from engine import desktop
from engine.cli.desktop_cmd import validate_with_tool
from engine.desktop_entry_check import entry_problems

ROOT = Path(__file__).resolve().parents[2]
TOOL = shutil.which("desktop-file-validate")
needs_tool = pytest.mark.skipif(
    TOOL is None,
    reason="desktop-file-validate is not installed (apt-get install desktop-file-utils; .ci/run tries); "
    "the entry is checked by engine/desktop_entry_check.py only",
)


def isolated_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    env["DLLAB_DATA_DIR"] = str(tmp_path / "dllab-data")
    env["DLLAB_CACHE_DIR"] = str(tmp_path / "dllab-cache")
    return env


def main_py(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(folder.rglob("*"))
    }


def test_the_packaged_entry_is_valid():
    text = desktop.packaged_entry()
    assert entry_problems(text) == []
    assert "Exec=deep-learning-lab-gui" in text.splitlines()  # the gui-scripts entry point
    assert "Icon=deep-learning-lab" in text.splitlines()


@needs_tool
def test_the_packaged_entry_passes_desktop_file_validate():
    assert validate_with_tool(ROOT / "resources" / "deep-learning-lab.desktop") == ""


def test_every_icon_size_is_there_and_square():
    assert desktop.icon_svg().read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in desktop.ICON_SIZES:
        assert png_size(desktop.icon_png(size)) == (size, size)


def test_install_and_uninstall_as_a_process(tmp_path):
    env = isolated_env(tmp_path)
    home = Path(env["XDG_DATA_HOME"])
    # Someone else's entry and icon folder were there before: the uninstall must leave them.
    other = home / "applications" / "other.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=other\n")
    (home / "icons" / "hicolor" / "48x48" / "apps").mkdir(parents=True)
    before = tree(home)

    done = main_py(env, "install-desktop")
    assert done.returncode == 0, done.stderr
    entry = home / "applications" / "deep-learning-lab.desktop"
    text = entry.read_text(encoding="utf-8")
    assert f"Exec={sys.executable} {ROOT / 'main.py'}" in text.splitlines()
    assert f"TryExec={sys.executable}" in text.splitlines()
    assert "Terminal=false" in text.splitlines()
    assert entry_problems(text) == []
    checked = "desktop-file-validate" if TOOL else "the built-in check"
    assert f"the entry passes {checked}" in done.stdout
    for size in desktop.ICON_SIZES:
        icon = home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "deep-learning-lab.png"
        assert icon.read_bytes() == desktop.icon_png(size).read_bytes()
    assert (home / "icons" / "hicolor" / "scalable" / "apps" / "deep-learning-lab.svg").is_file()
    # Nothing outside the data home: HOME's own folder stays empty.
    assert not any(Path(env["HOME"]).rglob("*.desktop"))

    again = main_py(env, "install-desktop")  # installing twice is harmless
    assert again.returncode == 0, again.stderr

    done = main_py(env, "install-desktop", "--uninstall")
    assert done.returncode == 0, done.stderr
    assert tree(home) == before  # exactly what the install wrote is gone, nothing else
    done = main_py(env, "install-desktop", "--uninstall")
    assert done.returncode == 0 and "nothing to remove" in done.stdout


@needs_tool
def test_the_installed_entry_passes_desktop_file_validate(tmp_path):
    report = desktop.install(tmp_path, Path("/opt/my venv/bin/python"), Path("/home/a b/dl lab$/main.py"))
    assert validate_with_tool(report.written[0]) == ""


def test_uninstall_keeps_a_file_changed_since_the_install(tmp_path):
    report = desktop.install(tmp_path)
    icon = tmp_path / "icons" / "hicolor" / "64x64" / "apps" / "deep-learning-lab.png"
    assert icon in report.written
    icon.write_bytes(b"the user's own icon")
    report = desktop.uninstall(tmp_path)
    assert icon.read_bytes() == b"the user's own icon"
    assert any(str(icon) in line for line in report.kept)
    assert not (tmp_path / "applications" / "deep-learning-lab.desktop").exists()


def test_exec_quotes_what_the_specification_reserves():
    assert desktop.exec_value(["/usr/bin/python3", "/opt/lab/main.py"]) == "/usr/bin/python3 /opt/lab/main.py"
    # Quoted: spaces, $, ", `, \ (escaped inside the quotes, then \ doubled by the string rule); % doubled.
    assert desktop.exec_value(["/a b/python"]) == '"/a b/python"'
    assert desktop.exec_value(["/x/$HOME"]) == '"/x/\\\\$HOME"'
    assert desktop.exec_value(['/x/"q"']) == '"/x/\\\\"q\\\\""'
    assert desktop.exec_value(["/x/100%"]) == "/x/100%%"
    with pytest.raises(desktop.DesktopError, match="control character"):
        desktop.exec_value(["/x/\nnewline"])


def test_a_relative_xdg_data_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    assert desktop.data_home() == tmp_path / ".local" / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert desktop.data_home() == tmp_path / "data"


BROKEN_ENTRIES = {
    "no Type": ("[Desktop Entry]\nName=X\nExec=x\n", "required key Type"),
    "not a boolean": (
        "[Desktop Entry]\nType=Application\nName=X\nExec=x\nTerminal=yes\n",
        "'true' or 'false'",
    ),
    "unknown category": (
        "[Desktop Entry]\nType=Application\nName=X\nExec=x\nCategories=Education;Teaching;\n",
        "'Teaching' is not a registered category",
    ),
    "bad field code": ("[Desktop Entry]\nType=Application\nName=X\nExec=x %z\n", "'%z' is not a field code"),
    "key twice": ("[Desktop Entry]\nType=Application\nName=X\nName=Y\nExec=x\n", "Name is set twice"),
    "unclosed quote": ('[Desktop Entry]\nType=Application\nName=X\nExec="/a b/x\n', "not closed"),
    "unknown key": ("[Desktop Entry]\nType=Application\nName=X\nExec=x\nColour=red\n", "Colour is not a key"),
    "wrong first group": ("[Other]\nA=b\n[Desktop Entry]\nType=Application\nName=X\nExec=x\n", "first group"),
}


@pytest.mark.parametrize("name", list(BROKEN_ENTRIES))
def test_the_in_repo_check_names_each_error(name):
    text, message = BROKEN_ENTRIES[name]
    problems = entry_problems(text)
    assert any(message in problem for problem in problems), problems


@needs_tool
@pytest.mark.parametrize("name", list(BROKEN_ENTRIES))
def test_desktop_file_validate_rejects_what_the_in_repo_check_rejects(tmp_path, name):
    path = tmp_path / "broken.desktop"
    path.write_text(BROKEN_ENTRIES[name][0], encoding="utf-8")
    assert validate_with_tool(path), f"desktop-file-validate accepted the entry with {name}"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG dirs are the Linux/BSD layout")
def test_the_apps_own_dirs_ignore_a_relative_xdg_home_too(monkeypatch, tmp_path):
    """One rule (engine.paths.xdg_home) for the desktop entry and the app's data and cache dirs."""
    from engine import paths

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DLLAB_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    assert paths.cache_dir() == tmp_path / "home" / ".cache" / "deep-learning-lab"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "abs-cache"))
    assert paths.cache_dir() == tmp_path / "abs-cache" / "deep-learning-lab"
