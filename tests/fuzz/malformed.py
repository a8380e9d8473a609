"""Hypothesis strategies for malformed files: a valid file damaged by a few random edits, or noise.

The edits are the ways real files go wrong: cut short (a full disk, a killed copy), bytes flipped
(a bad sector), lines dropped or doubled, a foreign encoding, a byte-order mark, NUL bytes, cells
replaced by values parsers choke on (``nan``, ``1e999``, a quote, a 200,000-character field), and
lines joined or split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hypothesis import strategies as st

#: How long a message may be: a capped echo (~200 characters) plus the sentence around it.
MAX_MESSAGE = 1200
_PYTHON_NAME = re.compile(r"^\w+(Error|Exception)\b|Traceback")


def assert_clean_message(text: str) -> None:
    """A message for people: short, and no Python exception name or traceback in it."""
    assert len(text) <= MAX_MESSAGE, f"{len(text)} characters: {text[:300]}"
    assert not _PYTHON_NAME.search(text), text[:300]


#: Cells and fragments that break parsers.
NASTY: tuple[bytes, ...] = (
    b"nan",
    b"NaN",
    b"inf",
    b"-inf",
    b"1e999",
    b"-1e999",
    b"1e-400",
    b"",
    b" ",
    b'"',
    b'""',
    b"'",
    b",",
    b";",
    b"\t",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xe9",
    b"\xc3",
    b"caf\xc3\xa9",
    b"\xf0\x9f\x98\x80",
    b"-0",
    b"0x1F",
    b"1_000",
    b"9" * 400,
    b"x" * 140_000,
    b"1," * 5000,
    b"../../etc/passwd",
    b"/dev/zero",
    b"CON",
)


@st.composite
def _edit(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(
        st.sampled_from(("cut", "flip", "insert", "replace", "drop_line", "double_line", "join", "latin1"))
    )
    if not data and kind not in ("insert",):
        kind = "insert"
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    if kind == "cut":
        return data[:at]
    if kind == "flip":
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if kind == "insert":
        piece = draw(st.one_of(st.sampled_from(NASTY), st.binary(max_size=12)))
        return data[:at] + piece + data[at:]
    if kind == "replace":
        end = min(len(data), at + draw(st.integers(1, 12)))
        return data[:at] + draw(st.sampled_from(NASTY)) + data[end:]
    lines = data.split(b"\n")
    row = draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "drop_line":
        return b"\n".join(lines[:row] + lines[row + 1 :])
    if kind == "double_line":
        return b"\n".join(lines[: row + 1] + lines[row:])
    if kind == "join":
        return data.replace(b"\n", b" ", 1) if draw(st.booleans()) else data.replace(b"\n", b"", 3)
    return data.decode("utf-8", "replace").encode("latin-1", "replace")


@st.composite
def damaged(draw: st.DrawFn, valid: bytes, max_edits: int = 4) -> bytes:
    """``valid`` after 1 to ``max_edits`` random edits."""
    data = valid
    for _ in range(draw(st.integers(1, max_edits))):
        data = draw(_edit(data))
    return data


def malformed(valid: bytes | Sequence[bytes], max_noise: int = 512) -> st.SearchStrategy[bytes]:
    """Mostly damaged copies of the valid file(s), sometimes plain noise."""
    seeds = [valid] if isinstance(valid, bytes) else list(valid)
    return st.one_of(
        st.sampled_from(seeds).flatmap(damaged),
        st.sampled_from(seeds).flatmap(damaged),
        st.sampled_from(seeds).flatmap(damaged),
        st.binary(max_size=max_noise),
    )
