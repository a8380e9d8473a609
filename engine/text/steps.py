"""The assignment's preprocessing steps as plain string functions, numbered as on the lab sheet.

Each function does one step, so a test (or the pipeline explorer) can run it alone. The order
matters and is fixed by :mod:`engine.labs.text_cnn.pipeline`: tags and brackets (steps 6-7) go before any
punctuation stripping, or their contents would survive as words. Step 11 (named entities) lives in
:mod:`engine.labs.text_cnn.entities`; the lab sheet has no step 12.
"""

from __future__ import annotations

import re
import string

#: An e-mail address: a local part, "@", then two or more dot-separated domain labels.
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+!=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_SUBJECT_LINE_RE = re.compile(r"^Subject:(.*)$", re.MULTILINE)
_SUBJECT_LINE_FULL_RE = re.compile(r"^Subject:.*(?:\n|$)", re.MULTILINE)
_FROM_LINE_RE = re.compile(r"^(?:From|Write to):.*(?:\n|$)", re.MULTILINE)
_TAG_RE = re.compile(r"<[^<>]*>")
_BRACKET_RE = re.compile(r"\([^()]*\)")
_BREAKS_RE = re.compile(r"[\n\t\-\\]")
_COLON_WORD_RE = re.compile(r"(?<!\S)\S*:(?!\S)")
_DIGIT_RE = re.compile(r"\d")
_EDGE_UNDERSCORES_RE = re.compile(r"(?<!\S)_+|_+(?!\S)")
_JOINED_WORD_RE = re.compile(r"\S*_\S*")
_NOT_LETTER_RE = re.compile(r"[^A-Za-z_]+")
_PUNCTUATION = str.maketrans("", "", string.punctuation)

# Step 10, in the sheet's order: the whole-word forms first, so "won't" does not become "wo not".
_APOSTROPHE = "['\u2019]"
DECONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (rf"\bwon{_APOSTROPHE}t\b", "will not"),
        (rf"\bcan{_APOSTROPHE}t\b", "can not"),
        (rf"n{_APOSTROPHE}t\b", " not"),
        (rf"{_APOSTROPHE}re\b", " are"),
        (rf"{_APOSTROPHE}s\b", " is"),
        (rf"{_APOSTROPHE}d\b", " would"),
        (rf"{_APOSTROPHE}ll\b", " will"),
        (rf"{_APOSTROPHE}ve\b", " have"),
        (rf"{_APOSTROPHE}m\b", " am"),
    )
)


def extract_emails(text: str) -> str:
    """Step 1: the domains of all e-mail addresses, reduced to their informative pieces.

    For each address take the part after "@", split it on ".", drop pieces of length <= 2 and
    "com", and join with spaces; the addresses of one document are joined into one string.

    Example:
        ``jcopelan@nyx.cs.du.edu, 65882@mimsy.umd.edu`` -> ``nyx edu mimsy umd edu``.
    """
    pieces: list[str] = []
    for address in EMAIL_RE.findall(text):
        domain = address.split("@", 1)[1]
        pieces.extend(p for p in domain.split(".") if len(p) > 2 and p.lower() != "com")
    return " ".join(pieces)


def remove_emails(text: str) -> str:
    """Step 2: replace every e-mail address with a space."""
    return EMAIL_RE.sub(" ", text)


def extract_subject(text: str) -> str:
    """Step 3: the ``Subject:`` line without words ending in ":" (``Re:``) and without punctuation.

    Example:
        ``Subject: Re: Gospel Dating @`` -> ``Gospel Dating``.
    """
    match = _SUBJECT_LINE_RE.search(text)
    if match is None:
        return ""
    words = [w for w in match.group(1).split() if not w.endswith(":")]
    return " ".join(clean for w in words if (clean := w.translate(_PUNCTUATION)))


def remove_subject_line(text: str) -> str:
    """Step 4: delete the ``Subject:`` line from the text."""
    return _SUBJECT_LINE_FULL_RE.sub("", text)


def remove_from_lines(text: str) -> str:
    """Step 5: delete lines that start with ``From:`` or ``Write to:``."""
    return _FROM_LINE_RE.sub("", text)


def remove_tags(text: str) -> str:
    """Step 6: delete tags ``< ... >`` (with what is inside them)."""
    return _TAG_RE.sub(" ", text)


def remove_brackets(text: str) -> str:
    """Step 7: delete everything inside round brackets ``( ... )``, brackets included.

    Nested brackets are removed from the inside out; an unmatched bracket is left for step 17.
    """
    previous = None
    while previous != text:
        previous, text = text, _BRACKET_RE.sub(" ", text)
    return text


def remove_breaks(text: str) -> str:
    r"""Step 8: replace ``\n``, ``\t``, ``-`` and ``\`` with spaces (so the words around stay apart)."""
    return _BREAKS_RE.sub(" ", text)


def remove_colon_words(text: str) -> str:
    """Step 9: delete words that end with ":" (``writes:``, ``Organization:``)."""
    return _COLON_WORD_RE.sub("", text)


def decontract(text: str) -> str:
    """Step 10: expand contractions (won't -> will not, can't -> can not, n't -> not, 're -> are,
    's -> is, 'd -> would, 'll -> will, 've -> have, 'm -> am), in that order."""
    for pattern, replacement in DECONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def replace_digits(text: str) -> str:
    """Step 13: replace every digit with a space."""
    return _DIGIT_RE.sub(" ", text)


def strip_underscores(text: str) -> str:
    """Step 14: strip leading and trailing "_" from every word (``_foo_`` -> ``foo``)."""
    return _EDGE_UNDERSCORES_RE.sub("", text)


def drop_short_pieces(text: str) -> str:
    """Step 15: in words joined with "_", drop the pieces of length <= 2 (``d_berlin`` -> ``berlin``).

    A word left with no piece disappears; ``New_York`` is unchanged.
    """

    def shorten(match: re.Match[str]) -> str:
        return "_".join(p for p in match.group(0).split("_") if len(p) > 2)

    return _JOINED_WORD_RE.sub(shorten, text)


def lower_and_drop_lengths(text: str, shortest: int = 3, longest: int = 14) -> str:
    """Step 16: lower-case and keep only words of ``shortest``..``longest`` characters.

    The sheet drops words of length >= 15 or <= 2, hence the defaults 3 and 14.
    """
    return " ".join(w for w in text.lower().split() if shortest <= len(w) <= longest)


def keep_letters(text: str) -> str:
    """Step 17: replace everything except A-Z, a-z and "_" with a space (runs of spaces collapse)."""
    return _NOT_LETTER_RE.sub(" ", text).strip()
