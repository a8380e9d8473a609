"""Step 11: named-entity chunking. Multi-word names are joined with "_" and person names removed.

The assignment used NLTK's ``ne_chunk``. Its models are not on PyPI, so two chunkers exist:

- ``nltk``: NLTK's tokenizer, tagger and ``ne_chunk``, used when ``nltk`` and its data are installed.
- ``offline``: a documented heuristic. A run of capitalised words (``New York Times``) is an entity
  once leading function words (``The``, ``In``, ``Thanks``, ...) are peeled off; from its first
  given name in the shipped list (``resources/words/first_names.txt``) on, it is a person and is removed
  (``Peter Smith``, a lone ``Linda``); what is left, if two or more words, is joined with "_"
  (``New_York_Times``).

The heuristic misses lower-case entities and all-caps runs glued by punctuation, and it may join a
capitalised sentence start with the next name; the explorer shows which chunker ran.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from engine.prose import resource_text

OFFLINE = "offline"
NLTK = "nltk"
AUTO = "auto"

# Words that start sentences capitalised without being part of a name.
_FUNCTION_WORDS_TEXT = """
    a about after all also an and any are as at because best but by can cheers could dear did do does for from
    had has have he hello her here hey hi his how i if in is it its let many may maybe most my no
    not now of on once one or our please see she since so some still that the their then there these
    they this those though thus to too very was we well were what when where which while who why
    will with would yes yet you your thanks regards sincerely
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
_CAPITALISED_RUN_RE = re.compile(r"\b[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*\b")


@dataclass(frozen=True)
class EntityChunker:
    """A step-11 implementation.

    Args:
        name: ``offline`` or ``nltk``.
        label: What the explorer shows, e.g. "offline capitalised-phrase chunker".
        chunk: The function from text to chunked text.
    """

    name: str
    label: str
    chunk: Callable[[str], str]


@cache
def first_names() -> frozenset[str]:
    """The shipped given names (lower-case), read once from ``resources/words/first_names.txt``."""
    text = resource_text("words", "first_names.txt")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def offline_chunk(text: str) -> str:
    """Step 11 (offline): join capitalised multi-word names with "_" and remove person names.

    Example:
        ``"Peter Smith flew to New York"`` -> ``" flew to New_York"``.
    """
    names = first_names()

    def replace(match: re.Match[str]) -> str:
        words = match.group(0).split(" ")
        lead: list[str] = []
        while words and words[0].lower() in _FUNCTION_WORDS:
            lead.append(words.pop(0))
        # A person starts at the first given name ("Thanks Linda Smith"): drop it to the run's end.
        person = next((i for i, w in enumerate(words) if w.lower() in names), len(words))
        words = words[:person]
        kept = [*lead, "_".join(words)] if len(words) >= 2 else [*lead, *words]
        return " ".join(kept)

    return _CAPITALISED_RUN_RE.sub(replace, text)


def nltk_chunk(text: str) -> str:
    """NLTK's ``ne_chunk`` over its tokenizer and tagger; PERSON chunks are removed, others joined.

    Raises:
        ImportError: ``nltk`` is not installed.
        LookupError: Its data (punkt, tagger, ne_chunker, words) is missing.
    """
    import nltk  # optional dependency, absent in the default install

    tree = nltk.ne_chunk(nltk.pos_tag(nltk.word_tokenize(text)))
    out: list[str] = []
    for node in tree:
        if hasattr(node, "label"):
            if node.label() != "PERSON":
                out.append("_".join(word for word, _tag in node.leaves()))
        else:
            out.append(node[0])
    return " ".join(out)


@cache
def nltk_available() -> bool:
    """Whether NLTK and all the data ``ne_chunk`` needs are installed (probed once on a sentence)."""
    try:
        nltk_chunk("Peter Smith lives in New York.")
    except Exception:  # ImportError, LookupError, or a broken data install: use the offline chunker
        return False
    return True


OFFLINE_CHUNKER = EntityChunker(OFFLINE, "offline capitalised-phrase chunker", offline_chunk)
NLTK_CHUNKER = EntityChunker(NLTK, "NLTK ne_chunk", nltk_chunk)


def get_chunker(kind: str = AUTO) -> EntityChunker:
    """The chunker for ``kind``: ``auto`` (NLTK when available, else offline), ``offline`` or ``nltk``.

    Raises:
        ValueError: ``nltk`` was asked for but is not usable, or ``kind`` is unknown.
    """
    if kind == OFFLINE:
        return OFFLINE_CHUNKER
    if kind == AUTO:
        return NLTK_CHUNKER if nltk_available() else OFFLINE_CHUNKER
    if kind == NLTK:
        if not nltk_available():
            raise ValueError("the NLTK chunker needs nltk and its data (punkt, tagger, ne_chunker, words)")
        return NLTK_CHUNKER
    raise ValueError(f"unknown chunker {kind!r}; use auto, offline or nltk")
