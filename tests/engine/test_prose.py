"""The teaching prose lives in resources/ as Markdown, ships in the wheel and is what the app shows."""

import fnmatch
import re
from pathlib import Path

import pytest

from engine.labs import LABS
from engine.prose import first_paragraph, has_lab_text, lab_text

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"


@pytest.mark.parametrize("lab_id", ["callbacks", "text_cnn", "lstm", "transfer", "bert"])
def test_every_keras_lab_has_its_about_text_in_resources(lab_id: str) -> None:
    assert has_lab_text(lab_id)
    text = lab_text(lab_id)
    assert text == (RESOURCES / "labs" / lab_id / "about.md").read_text(encoding="utf-8")
    assert "\n\n" in text.strip()  # a first paragraph for the side column, the rest for About
    assert len(first_paragraph(text)) > 80 and "\n" not in first_paragraph(text)


def test_lab_ids_without_a_text_are_reported_as_missing() -> None:
    assert has_lab_text("backprop") and not has_lab_text("backprop", "no-such-text")
    assert not has_lab_text("callbacks", "no-such-text")
    with pytest.raises(FileNotFoundError):
        lab_text("callbacks", "no-such-text")


def test_placeholders_are_filled_from_the_engine_numbers() -> None:
    from engine.graph.checking import BUG_ABOVE, CORRECT_BELOW

    text = lab_text(
        "backprop",
        "gradient_check",
        correct_below=f"{CORRECT_BELOW:g}",
        bug_above=f"{BUG_ABOVE:g}",
        noise_formula="N",
    )
    assert "{" not in text and f"{CORRECT_BELOW:g}" in text and f"{BUG_ABOVE:g}" in text
    with pytest.raises(KeyError):
        lab_text("backprop", "gradient_check", correct_below="x")  # a forgotten number is an error


def test_no_text_is_interpreted_as_html_or_a_quote_by_markdown() -> None:
    # `<class>` outside backticks would vanish as an HTML tag; a line starting with ">" becomes a quote.
    for path in RESOURCES.rglob("*.md"):
        text = re.sub(r"`[^`]*`", "", path.read_text(encoding="utf-8"))
        assert not re.search(r"<[a-z]+>", text), path
        assert not re.search(r"^\s*>", text, re.M), path


def test_the_wheel_ships_every_resource_file() -> None:
    # pyproject.toml read as text: tomllib is not in Python 3.10, which the project supports.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^include = \[.*"resources\*".*\]$', pyproject, re.M)
    patterns = re.findall(r'"([^"]+)"', re.search(r"^resources = \[(.*)\]$", pyproject, re.M).group(1))
    for path in RESOURCES.rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            relative = path.relative_to(RESOURCES).as_posix()
            assert any(fnmatch.fnmatch(relative, p) for p in patterns), relative


def test_labs_are_registered_in_menu_order() -> None:
    assert list(LABS) == ["backprop", "callbacks", "text_cnn", "lstm", "transfer", "bert"]
