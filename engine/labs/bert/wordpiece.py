"""BERT's tokenization in plain Python: the practice exercises' answer, without TensorFlow.

The lab tokenizes with tensorflow-text's ``BertTokenizer`` (:mod:`engine.labs.bert.tokenizer`),
which is fast but needs TensorFlow. The exercises grade a learner's tokenizer in a second, so this
module does the same job in a few lines of Python, exactly as BERT's reference tokenizer does it:
clean and lower-case the text (accents stripped), split on whitespace and punctuation, then split
each word greedily into the longest WordPieces of the vocabulary (``##`` marks a continuation),
``[UNK]`` for a word that cannot be split. A test holds it to tensorflow-text on the same vocab.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

#: Words longer than this become ``[UNK]`` (BERT's and tensorflow-text's limit).
MAX_WORD_CHARS = 100


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # BERT counts every non-alphanumeric ASCII character as punctuation, "$" and "^" included.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def basic_tokens(text: str, lower_case: bool = True) -> list[str]:
    """The words and punctuation marks of ``text`` (lower-cased and accent-free when uncased)."""
    cleaned = "".join(
        " " if char.isspace() else char
        for char in text
        if not (
            ord(char) in (0, 0xFFFD) or (unicodedata.category(char).startswith("C") and not char.isspace())
        )
    )
    tokens: list[str] = []
    for word in cleaned.split():
        if lower_case:
            word = "".join(
                c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn"
            )
        current = ""
        for char in word:
            if _is_punctuation(char):
                if current:
                    tokens.append(current)
                tokens.append(char)
                current = ""
            else:
                current += char
        if current:
            tokens.append(current)
    return tokens


def wordpieces(word: str, vocab: Mapping[str, int], unknown: str = "[UNK]") -> list[str]:
    """``word`` split greedily, longest piece first, into pieces of ``vocab`` (``["play", "##ing"]``);
    ``[unknown]`` when some part of it matches no piece (or it is longer than 100 characters)."""
    if len(word) > MAX_WORD_CHARS:
        return [unknown]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else f"##{word[start:end]}"
            if piece in vocab:
                break
            end -= 1
        if end == start:
            return [unknown]
        pieces.append(piece)
        start = end
    return pieces


def tokenize(text: str, vocab: Mapping[str, int], max_len: int) -> dict[str, list[int]]:
    """The three model inputs of one review: ``[CLS]`` + at most ``max_len − 2`` WordPieces + ``[SEP]``,
    zero-padded to ``max_len``; the mask is 1 on real tokens, the segment ids all 0."""
    ids = [vocab[piece] for word in basic_tokens(text) for piece in wordpieces(word, vocab)]
    ids = [vocab["[CLS]"], *ids[: max_len - 2], vocab["[SEP]"]]
    padding = [0] * (max_len - len(ids))
    return {
        "input_word_ids": ids + padding,
        "input_mask": [1] * len(ids) + padding,
        "input_type_ids": [0] * max_len,
    }
