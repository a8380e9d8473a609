"""The BERT lab's exercises: the review label rule, WordPiece splitting, and ``tokenize`` graded with
the assignment's grader checks (length, int arrays, all-zero segment ids, mask zero exactly where
the ids are, one [CLS] and one [SEP] per row), all without TensorFlow.

Our answers: the data rule of :mod:`engine.labs.bert.data` and :mod:`engine.labs.bert.wordpiece`
(held to tensorflow-text by a test); the checks are :func:`engine.labs.bert.checks.check_model_inputs`.
Task texts: ``resources/labs/bert/exercises/<name>.md``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from engine.labs.bert import wordpiece
from engine.labs.bert.checks import INPUT_NAMES, check_model_inputs
from engine.labs.bert.data import label_of
from engine.practice import compare
from engine.practice.exercise import Case, Exercise, KnownMistake, LabExercises, Mismatch, Ref

_HERE = "engine.labs.bert.exercises"
REVIEWS = (
    "These cookies are great!",
    "Not worth the price... the coffee tasted burnt & bitter.",
    "My dog loves them; he's playing with the bag now.",
    "Best tea I've had in years. Would buy again!!",
    "Terrible: stale, broken, and the box was crushed (again).",
    "The café's crème brûlée mix is surprisingly good, though too sweet for me and my kids, "
    "who prefer the chocolate one we ordered last month.",
)
_WORDS = (
    "these cookie are great not worth the price coffee taste burn bitter my dog love them he play with "
    "bag now best tea i had in year would buy again terrible stale broken and box was crush cafe creme "
    "brulee mix is surprising good though too sweet for me kid who prefer chocolate one we order last "
    "month s ve"
)
_SUFFIXES = "##s ##ed ##t ##ing ##ly ##er"
_MAX_LEN = 20


@cache
def vocabulary() -> dict[str, int]:
    """The hidden cases' small vocabulary: specials first ([PAD] is id 0), words, then ## pieces."""
    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", *"!&'(),.:;", *_WORDS.split(), *_SUFFIXES.split()]
    return {piece: index for index, piece in enumerate(dict.fromkeys(pieces))}


# --- the label ---------------------------------------------------------------------------------------


def review_label(score: int) -> int | None:
    """Our answer: the data module's rule (1 for 4-5 stars, 0 for 1-2, None (dropped) for 3)."""
    return label_of(score)


LABEL = Exercise(
    name="review_label",
    title="Score to label",
    signature="score",
    doc="""The sentiment label of a review from its Score (1-5 stars): 1 (positive) when Score > 3,
0 (negative) when Score ≤ 2, and None for Score 3 (those reviews are dropped).""",
    reference=review_label,
    cases=lambda: [Case((score,), label=f"Score {score}") for score in (1, 2, 3, 4, 5)],
    check=compare.equal(),
    mistakes=(
        KnownMistake(
            "three_is_negative", "Score 3 labelled 0: it must be dropped (None)", lambda s: int(s > 3)
        ),
    ),
)


# --- WordPiece -----------------------------------------------------------------------------------------


def _word_cases() -> list[Case]:
    words = (
        "cookies",
        "playing",
        "burnt",
        "tasted",
        "surprisingly",
        "coffee",
        "xylophone",
        "crushed",
        "ordered",
    )
    return [Case((word, vocabulary()), label=f'"{word}"') for word in words]


def _shortest_first(word: str, vocab: dict[str, int]) -> list[str]:
    pieces, start = [], 0
    while start < len(word):
        end = start + 1
        while end <= len(word):
            piece = word[start:end] if start == 0 else f"##{word[start:end]}"
            if piece in vocab:
                break
            end += 1
        if end > len(word):
            return ["[UNK]"]
        pieces.append(piece)
        start = end
    return pieces


WORDPIECES = Exercise(
    name="wordpieces",
    title="WordPiece splitting",
    signature="word, vocab",
    doc="""Split one lower-case word into WordPieces of `vocab` (a dict piece → id): greedily take the
LONGEST prefix that is in the vocabulary, then continue with the rest, whose pieces carry a "##"
prefix ("playing" → ["play", "##ing"]). If some remainder matches no piece, the whole word is
["[UNK]"].""",
    reference=wordpiece.wordpieces,
    cases=_word_cases,
    check=compare.equal(),
    mistakes=(
        KnownMistake(
            "shortest_piece_first",
            "the shortest matching piece taken instead of the longest",
            _shortest_first,
        ),
    ),
)


# --- tokenize -------------------------------------------------------------------------------------------


def _tokenize_cases() -> list[Case]:
    stand_in = {"wordpieces": Ref(f"{_HERE}:_wordpieces_ref")}
    cases = [
        Case((review, vocabulary(), _MAX_LEN), stand_ins=stand_in, label=f"review {i + 1}")
        for i, review in enumerate(REVIEWS)
    ]
    cases.append(Case((REVIEWS[5], vocabulary(), 8), stand_ins=stand_in, label="a long review, max_len 8"))
    return cases


_wordpieces_ref = wordpiece.wordpieces


def _check_tokenize(case: Case, expected: Any, got: Any) -> Mismatch | None:
    if not isinstance(got, dict) or any(name not in got for name in INPUT_NAMES):
        return Mismatch(f"returned {compare.show(got)}, expected a dict with {', '.join(INPUT_NAMES)}")
    vocab, max_len = case.args[1], case.args[2]
    try:
        arrays = {name: np.asarray([got[name]]) for name in INPUT_NAMES}
        arrays = {
            name: a.astype(np.int32) if np.issubdtype(a.dtype, np.integer) else a
            for name, a in arrays.items()
        }
    except (TypeError, ValueError):
        return Mismatch("the three inputs are not lists of whole numbers")
    checks = check_model_inputs(arrays, max_len, vocab["[CLS]"], vocab["[SEP]"])
    report = [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in checks]
    failed = [c for c in checks if not c.passed]
    if failed:
        return Mismatch(
            f'the graders\' check "{failed[0].name}" fails ({failed[0].detail})', {"grader_checks": report}
        )
    for name in INPUT_NAMES:
        ours, yours = list(expected[name]), [int(v) for v in got[name]]
        if ours != yours:
            position = next(i for i, (a, b) in enumerate(zip(ours, yours, strict=True)) if a != b)
            return Mismatch(
                f"the graders' checks pass, but {name}[{position}] is {yours[position]}, "
                f"ours {ours[position]}",
                {"grader_checks": report, "position": position},
            )
    return None


def _tokenize_without_room_for_sep(text: str, vocab: dict[str, int], max_len: int) -> dict[str, list[int]]:
    ids = [vocab[p] for word in wordpiece.basic_tokens(text) for p in wordpiece.wordpieces(word, vocab)]
    ids = ([vocab["[CLS]"], *ids, vocab["[SEP]"]])[:max_len]
    padding = [0] * (max_len - len(ids))
    return {
        "input_word_ids": ids + padding,
        "input_mask": [1] * len(ids) + padding,
        "input_type_ids": [0] * max_len,
    }


TOKENIZE = Exercise(
    name="tokenize",
    title="Tokenize a review",
    signature="text, vocab, max_len",
    doc="""BERT's three int inputs for one review, as lists of length max_len.

Lower-case the text, strip accents, split it on whitespace and around every punctuation mark,
split each word with your wordpieces(), map the pieces to ids; then
input_word_ids = [CLS] + the first max_len − 2 piece ids + [SEP], zero-padded to max_len;
input_mask = 1 for the real tokens, 0 for padding; input_type_ids = all 0.
Returns {"input_word_ids": [...], "input_mask": [...], "input_type_ids": [...]}.""",
    reference=wordpiece.tokenize,
    cases=_tokenize_cases,
    check=_check_tokenize,
    mistakes=(
        KnownMistake(
            "sep_truncated",
            "truncating after adding [CLS] and [SEP] cuts off [SEP]: keep max_len − 2 pieces",
            _tokenize_without_room_for_sep,
        ),
    ),
)

EXERCISES = LabExercises("bert", (LABEL, WORDPIECES, TOKENIZE), preamble="import unicodedata\n")
