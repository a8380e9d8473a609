"""The teaching prose in the top-level ``resources/`` package: read by lab and name, never copied.

Texts are Markdown files (``resources/labs/<lab>/<name>.md``) an instructor can edit without touching
Python. A text may hold ``{placeholders}`` for numbers the engine owns (e.g. a threshold), filled by
:func:`lab_text`'s keyword arguments so that prose and code cannot disagree.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any


def _resource(*parts: str) -> Traversable:
    path = resources.files("resources")
    for part in parts:  # one part per call: Python 3.10's joinpath takes a single name
        path = path.joinpath(part)
    return path


@cache
def resource_text(*parts: str) -> str:
    """The UTF-8 text of ``resources/<parts...>``.

    Raises:
        FileNotFoundError: If the app was installed without that file.
    """
    return _resource(*parts).read_text(encoding="utf-8")


def has_lab_text(lab_id: str, name: str = "about") -> bool:
    """Whether ``resources/labs/<lab_id>/<name>.md`` exists."""
    return _resource("labs", lab_id, f"{name}.md").is_file()


def lab_text(lab_id: str, name: str = "about", **values: Any) -> str:
    """The Markdown text ``resources/labs/<lab_id>/<name>.md``, with ``values`` filled in when given."""
    text = resource_text("labs", lab_id, f"{name}.md")
    return text.format(**values) if values else text


def first_paragraph(markdown: str) -> str:
    """The text's first paragraph on one line (for a narrow column that rewraps it)."""
    return " ".join(markdown.strip().split("\n\n", 1)[0].split())
