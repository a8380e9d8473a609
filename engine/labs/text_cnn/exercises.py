"""The text CNN lab's exercises: the assignment's preprocessing of e-mails, subject and text, graded
on posts the learner has not seen (generated from a seed of their own, plus the sheet's examples).

Our answers are the pipeline's own steps (:mod:`engine.text.steps`). Texts are compared word by word:
how many spaces a step leaves does not matter. Task texts: ``resources/labs/text_cnn/exercises/``.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from engine.labs.text_cnn.newsgroups import CLASS_NAMES, generate_post
from engine.practice import compare
from engine.practice.exercise import Case, Exercise, KnownMistake, LabExercises
from engine.text import steps

#: The unseen posts: a seed the embedded corpus never uses.
POSTS_SEED, POSTS = 1515, 6
SHEET_POST = """From: jcopelan@nyx.cs.du.edu (John Copelan)
Subject: Re: Gospel Dating @
Organization: University of Denver
Lines: 12

In article <1993Apr5.213034@mimsy.umd.edu>, 65882@mimsy.umd.edu writes:
> mangoe@cs.umd.edu (Charley Wingate) wrote that the <b>gospels</b> were written late (after 70 AD).
I can't see why: the dates (as far as I know) won't change - they're "known".
Write to: the editors at gospel-news@netcom.com
"""


@cache
def _posts() -> tuple[str, ...]:
    rng = np.random.default_rng(POSTS_SEED)
    generated = [generate_post(rng, i % len(CLASS_NAMES)).decode("utf-8", "replace") for i in range(POSTS)]
    return (SHEET_POST, *generated)


def _post_cases() -> list[Case]:
    return [
        Case((post,), label="the sheet's example post" if i == 0 else f"unseen post {i}")
        for i, post in enumerate(_posts())
    ]


# --- step 1: e-mail domains ---------------------------------------------------------------------------


def _emails_keeping_com(text: str) -> str:
    pieces = []
    for address in steps.EMAIL_RE.findall(text):
        pieces += [p for p in address.split("@", 1)[1].split(".") if len(p) > 2]
    return " ".join(pieces)


def _emails_keeping_short(text: str) -> str:
    pieces = []
    for address in steps.EMAIL_RE.findall(text):
        pieces += [p for p in address.split("@", 1)[1].split(".") if p.lower() != "com"]
    return " ".join(pieces)


EMAILS = Exercise(
    name="email_domains",
    title="Step 1: e-mail domains",
    signature="text",
    doc="""Step 1 of the preprocessing: the informative pieces of every e-mail address in the post.

For each address take the part after "@", split it on ".", drop the pieces of length ≤ 2 and
"com", and join everything with spaces (all addresses of the post, in order).
"jcopelan@nyx.cs.du.edu, 65882@mimsy.umd.edu" → "nyx edu mimsy umd edu".""",
    reference=steps.extract_emails,
    cases=_post_cases,
    check=compare.text(),
    mistakes=(
        KnownMistake(
            "com_kept", '"com" kept: `piece is not "com"` compares identity, use !=', _emails_keeping_com
        ),
        KnownMistake("short_pieces_kept", "pieces of length ≤ 2 (cs, du) kept", _emails_keeping_short),
    ),
)


# --- step 3: the subject ------------------------------------------------------------------------------------


def _subject_with_colon_words(text: str) -> str:
    match = re.search(r"^Subject:(.*)$", text, re.MULTILINE)
    return "" if match is None else " ".join(match.group(1).translate(steps._PUNCTUATION).split())


SUBJECT = Exercise(
    name="subject_of",
    title="Step 3: the subject",
    signature="text",
    doc="""Step 3: the post's subject, from its "Subject:" line, without the words that end with ":"
("Subject:", "Re:") and without punctuation. "Subject: Re: Gospel Dating @" → "Gospel Dating".
Returns "" when the post has no Subject line.""",
    reference=steps.extract_subject,
    cases=lambda: [
        *_post_cases(),
        Case(("From: someone@cs.cmu.edu\n\nNo subject line here.",), label="a post without a subject"),
    ],
    check=compare.text(),
    mistakes=(
        KnownMistake(
            "colon_words_kept",
            'punctuation stripped before dropping "Re:": "Re" survives as a word',
            _subject_with_colon_words,
        ),
    ),
)


# --- steps 5-10: the text ----------------------------------------------------------------------------------

TEXT_STEPS = (
    steps.remove_from_lines,
    steps.remove_tags,
    steps.remove_brackets,
    steps.remove_breaks,
    steps.remove_colon_words,
    steps.decontract,
)


def clean_text(text: str) -> str:
    """Our answer: steps 5 to 10 in the sheet's order."""
    for step in TEXT_STEPS:
        text = step(text)
    return text


def _text_cases() -> list[Case]:
    prepared = [steps.remove_subject_line(steps.remove_emails(post)) for post in _posts()]
    return [
        Case((text,), label="the sheet's example post" if i == 0 else f"unseen post {i}")
        for i, text in enumerate(prepared)
    ]


def _contractions_in_wrong_order(text: str) -> str:
    for step in TEXT_STEPS[:-1]:
        text = step(text)
    text = re.sub(r"n't\b", " not", text)  # before "won't": it becomes "wo not"
    return steps.decontract(text)


def _without_colon_words_step(text: str) -> str:
    for step in TEXT_STEPS:
        if step is not steps.remove_colon_words:
            text = step(text)
    return text


CLEAN_TEXT = Exercise(
    name="clean_text",
    title="Steps 5-10: the text",
    signature="text",
    doc="""Steps 5 to 10, in this order, on a post whose e-mails and Subject line are already gone:
5. delete the lines that start with "From:" or "Write to:";  6. delete tags <…>;
7. delete everything inside round brackets (…), brackets included;
8. replace \\n, \\t, "-" and "\\" with spaces;  9. delete the words that end with ":";
10. expand contractions: won't → will not, can't → can not, n't → not, 're → are, 's → is,
'd → would, 'll → will, 've → have, 'm → am (in that order).""",
    reference=clean_text,
    cases=_text_cases,
    check=compare.text(),
    mistakes=(
        KnownMistake(
            "contraction_order",
            'n\'t expanded before won\'t: "won\'t" becomes "wo not"',
            _contractions_in_wrong_order,
        ),
        KnownMistake(
            "colon_words_kept",
            'step 9 missing: "writes:" and "Organization:" survive',
            _without_colon_words_step,
        ),
    ),
)

EXERCISES = LabExercises("text_cnn", (EMAILS, SUBJECT, CLEAN_TEXT), preamble="import re\nimport string\n")
