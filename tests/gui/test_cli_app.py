"""The app's side of ``python main.py``: no command opens the window, ``--screenshot`` renders one
tab, ``screenshots DIR`` renders them all (gui.app's functions replaced by recorders)."""

from __future__ import annotations

from pathlib import Path

import pytest

import main
from engine.labs import LABS
from gui import app
from gui.commands import SCREENSHOT_VIEWS


@pytest.fixture
def calls(monkeypatch):
    class Recorded(list):
        options: dict

    recorded = Recorded()
    monkeypatch.setattr(app, "launch", lambda: recorded.append(("launch",)) or 0)

    def screenshots(targets, size, *, more_sizes=(), theme_key="light"):
        recorded.append((targets, size))
        options.update(more_sizes=list(more_sizes), theme_key=theme_key)
        return 0

    options: dict = {}
    monkeypatch.setattr(app, "screenshots", screenshots)
    recorded.options = options  # type: ignore[attr-defined]
    return recorded


def test_no_arguments_opens_the_app(calls):
    assert main.main([]) == 0 and calls == [("launch",)]


def test_screenshot_options_render_one_tab(calls, tmp_path):
    out = tmp_path / "race.png"
    assert main.main(["--screenshot", str(out), "--tab", "backprop:race", "--size", "800x600"]) == 0
    [(targets, size)] = calls
    assert targets == [("backprop:race", out)] and (size.width(), size.height()) == (800, 600)


def test_screenshots_command_renders_every_tab_and_view(calls, tmp_path):
    assert main.main(["screenshots", str(tmp_path), "--size", "1280x720"]) == 0
    [(targets, size)] = calls
    tabs = [tab for tab, _ in targets]
    assert tabs == ["home", *LABS, *SCREENSHOT_VIEWS, "runs"] and (size.width(), size.height()) == (1280, 720)
    assert targets[-2] == (
        SCREENSHOT_VIEWS[-1],
        Path(tmp_path) / f"{SCREENSHOT_VIEWS[-1].replace(':', '-')}.png",
    )
    # The same pictures at 1280x720 into DIR/laptop/, in the light theme unless asked.
    [(laptop_size, laptop_folder)] = calls.options["more_sizes"]
    assert (laptop_size.width(), laptop_size.height(), laptop_folder) == (
        1280,
        720,
        Path(tmp_path) / "laptop",
    )
    assert calls.options["theme_key"] == "light"


def test_screenshots_in_the_dark_theme(calls, tmp_path):
    assert main.main(["screenshots", str(tmp_path), "--theme", "dark"]) == 0
    assert calls.options["theme_key"] == "dark"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--screenshot", "x.png", "--size", "big"],
            "--size expects WIDTHxHEIGHT such as 1400x900, got 'big'",
        ),
        (["--screenshot", "x.png", "--tab", "nope"], "unknown tab 'nope'"),
        (["screenshots", "docs", "--size", "1x"], "--size expects WIDTHxHEIGHT"),
    ],
)
def test_bad_app_options_exit_2_in_one_line(calls, capsys, argv, message):
    assert main.main(argv) == 2 and calls == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
