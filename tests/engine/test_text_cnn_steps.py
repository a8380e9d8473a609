"""Text CNN lab: every preprocessing step with the lab sheet's examples, the chunkers, the registry."""

from __future__ import annotations

import difflib
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator

import numpy as np
import pytest

from engine.jobs import CancelToken, JobCancelled
from engine.labs.text_cnn import entities
from engine.labs.text_cnn.newsgroups import generate_post
from engine.labs.text_cnn.pipeline import (
    STEP_NUMBERS,
    STEPS,
    merged_text,
    preprocess,
    run_steps,
    vocabulary_by_step,
    vocabulary_size,
    word_diff,
)
from engine.text import steps

POST = """From: jcopelan@nyx.cs.du.edu (John Copelan)
Subject: Re: Gospel Dating @
Organization: University of Denver (Math/CS)
Lines: 12

In article <1993Apr5.1234@mimsy.umd.edu>, 65882@mimsy.umd.edu (Peter Smith) writes:
> I can't believe the New York Times won't print it (see page 4).
> Contact mangoe@cs.umd.edu for the d_berlin list.

We're sure it's from the 2nd century -- Mary Jones said she'd check <http://x.y>.
Write to: archive server
\tThanks, _Thomas_  supercalifragilisticexpialidocious
"""


def test_step1_email_domains_as_on_the_sheet() -> None:
    text = "jcopelan@nyx.cs.du.edu, 65882@mimsy.umd.edu, mangoe@cs.umd.edu"
    assert steps.extract_emails(text) == "nyx edu mimsy umd edu umd edu"


def test_step1_drops_com_and_short_pieces() -> None:
    assert steps.extract_emails("Write to joe@mail.netcom.com or x@ab.com") == "mail netcom"


def test_step2_replaces_emails_with_a_space() -> None:
    assert steps.remove_emails("mail joe@cs.umd.edu now") == "mail   now"


def test_step3_subject_drops_colon_words_and_punctuation() -> None:
    assert steps.extract_subject("From: a\nSubject: Re: Gospel Dating @\nbody") == "Gospel Dating"
    assert steps.extract_subject("Subject: Re: Re: Help!! (urgent)") == "Help urgent"
    assert steps.extract_subject("no subject here") == ""


def test_step4_removes_only_the_subject_line() -> None:
    assert steps.remove_subject_line("a\nSubject: Re: x\nb") == "a\nb"


def test_step5_removes_from_and_write_to_lines_only_at_line_start() -> None:
    text = "From: someone\nkeep From: this\nWrite to: me\nend"
    assert steps.remove_from_lines(text) == "keep From: this\nend"


def test_step6_removes_tags_with_their_contents() -> None:
    assert steps.remove_tags("see <http://x.y/z> and <b>") == "see   and  "


def test_step7_removes_bracket_contents_including_nested() -> None:
    assert steps.remove_brackets("a (b (c) d) e (f)") == "a   e  "
    assert "secret" not in steps.remove_brackets("keep (secret words) out")


def test_steps6_7_before_punctuation_stripping_in_the_pipeline() -> None:
    # A real submission stripped punctuation first, so bracket and tag contents survived as words.
    _emails, _subject, text = preprocess("Hello there (bracketed words) and <tagged stuff> remain")
    assert "bracketed" not in text and "tagged" not in text
    assert text == "hello there and remain"


def test_step8_turns_breaks_dashes_and_backslashes_into_spaces() -> None:
    assert steps.remove_breaks("a\nb\tc-d\\e") == "a b c d e"


def test_step9_removes_words_ending_with_a_colon() -> None:
    assert steps.remove_colon_words("John writes: hello Note: x 10:30") == "John  hello  x 10:30"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I won't go", "I will not go"),
        ("you can't", "you can not"),
        ("it isn't", "it is not"),
        ("they're here", "they are here"),
        ("it's fine", "it is fine"),
        ("she'd know", "she would know"),
        ("we'll see", "we will see"),
        ("I've been", "I have been"),
        ("I'm sure", "I am sure"),
        ("Won\u2019t", "will not"),
    ],
)
def test_step10_decontractions(text: str, expected: str) -> None:
    assert steps.decontract(text) == expected


def test_step11_offline_joins_names_and_removes_persons() -> None:
    out = entities.offline_chunk("Peter Smith flew to New York. The Hubble Space Telescope works.")
    assert "Peter" not in out and "Smith" not in out
    assert "New_York" in out and "Hubble_Space_Telescope" in out
    assert out.startswith(" flew") and "The Hubble" in out.replace("_", " ")


def test_step11_offline_removes_lone_first_names_but_keeps_other_words() -> None:
    assert entities.offline_chunk("Thanks Linda, see you") == "Thanks, see you"
    assert entities.offline_chunk("I think so") == "I think so"


def test_first_names_resource_is_shipped_and_sane() -> None:
    names = entities.first_names()
    assert len(names) > 200
    assert {"john", "mary", "peter"} <= names
    assert not names & {"will", "may", "mark", "bill"}  # everyday words are left out on purpose


def test_chunker_selection_falls_back_to_offline_without_nltk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nltk", None)  # make `import nltk` fail
    entities.nltk_available.cache_clear()
    try:
        assert entities.get_chunker("auto").name == "offline"
        with pytest.raises(ValueError, match="nltk"):
            entities.get_chunker("nltk")
    finally:
        entities.nltk_available.cache_clear()
    assert run_steps("x").chunker == entities.get_chunker().label


class _FakeTree(list):  # what nltk.ne_chunk returns: a list of (word, tag) leaves and labelled subtrees
    def __init__(self, label: str, leaves: list[tuple[str, str]]) -> None:
        super().__init__(leaves)
        self._label = label

    def label(self) -> str:
        return self._label

    def leaves(self) -> list[tuple[str, str]]:
        return list(self)


def test_nltk_chunker_is_used_when_nltk_and_its_data_work(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("nltk")
    fake.word_tokenize = str.split  # type: ignore[attr-defined]
    fake.pos_tag = lambda tokens: [(t, "NNP") for t in tokens]  # type: ignore[attr-defined]

    def ne_chunk(tagged: list[tuple[str, str]]) -> list[object]:
        words = [w for w, _ in tagged]
        return (
            [_FakeTree("PERSON", tagged[:2]), *tagged[2:-2], _FakeTree("GPE", tagged[-2:])]
            if len(words) > 4
            else []
        )

    fake.ne_chunk = ne_chunk  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nltk", fake)
    entities.nltk_available.cache_clear()
    try:
        chunker = entities.get_chunker("auto")
        assert chunker.name == "nltk" and chunker.label == "NLTK ne_chunk"
        assert chunker.chunk("Peter Smith lives in New York") == "lives in New_York"
    finally:
        entities.nltk_available.cache_clear()


def test_step13_replaces_digits() -> None:
    assert steps.replace_digits("in 1993 a 2nd") == "in      a  nd"


def test_step14_strips_edge_underscores() -> None:
    assert steps.strip_underscores("_foo_ bar_ __ new_york") == "foo bar  new_york"


def test_step15_drops_short_pieces() -> None:
    assert steps.drop_short_pieces("d_berlin dm_berlin New_York of_us") == "berlin berlin New_York "


def test_step16_lowercases_and_drops_lengths() -> None:
    text = "An Apple is abcdefghijklmn abcdefghijklmno ok"  # 14 and 15 characters
    assert steps.lower_and_drop_lengths(text) == "apple abcdefghijklmn"


def test_step17_keeps_only_letters_and_underscore() -> None:
    assert steps.keep_letters("new_york, it's 4 u!") == "new_york it s u"


def test_the_whole_pipeline_on_a_fixture_post() -> None:
    emails, subject, text = preprocess(POST, chunker="offline")
    assert emails == "nyx edu mimsy umd edu mimsy umd edu umd edu"
    assert subject == "Gospel Dating"
    assert text == (
        "university denver article can not believe the new_york_times will not print contact for the "
        "berlin list are sure from the century said she would check thanks thomas"
    )
    for gone in ("copelan", "peter", "mary", "jones", "page", "archive", "supercalifragilistic"):
        assert gone not in text
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyz_ ")


def test_registry_is_in_sheet_order_and_each_step_is_recorded() -> None:
    assert [s.number for s in STEPS] == [*range(1, 12), *range(13, 18)]
    assert all(s.description for s in STEPS)
    trace = run_steps(POST, chunker="offline")
    assert [o.number for o in trace.outputs] == list(STEP_NUMBERS)
    for previous, current in zip(trace.outputs, trace.outputs[1:], strict=False):
        assert current.before == previous.after
    assert trace.merged == merged_text(trace.result)
    assert trace.merged.endswith("Gospel Dating nyx edu mimsy umd edu mimsy umd edu umd edu")


def test_toggling_a_step_passes_the_document_through() -> None:
    trace = run_steps(POST, enabled=[n for n in STEP_NUMBERS if n != 7], chunker="offline")
    step7 = next(o for o in trace.outputs if o.number == 7)
    assert step7.skipped and not step7.changed
    assert "math" in trace.result.text  # "(Math/CS)" survives without step 7
    with pytest.raises(ValueError, match="12"):
        run_steps(POST, enabled=[12])


def test_vocabulary_size_reacts_to_steps() -> None:
    docs = [POST, POST.replace("Gospel", "Hymn"), "Subject: 42 cars\n\nFast cars (red ones) 1999 2000"]
    full = vocabulary_size(docs, chunker="offline")
    without_digits = vocabulary_size(docs, [n for n in STEP_NUMBERS if n not in (13, 16, 17)], "offline")
    assert 0 < full < without_digits


def test_vocabulary_by_step_switches_off_one_step_at_a_time() -> None:
    docs = [POST, "Subject: 42 cars\n\nFast cars (red ones) 1999 2000 at New York"]
    seen: list[int] = []
    sizes = vocabulary_by_step(docs, "offline", seen.append)
    assert seen == [0, *STEP_NUMBERS] and set(sizes) == {0, *STEP_NUMBERS}
    assert sizes[0] == vocabulary_size(docs, chunker="offline")
    assert sizes[7] > sizes[0]  # bracket contents come back as words
    assert sizes[3] < sizes[0]  # without step 3 the subject words are not added


class _CountingPosts(list[str]):
    """Posts that count how many were read."""

    read = 0

    def __iter__(self) -> Iterator[str]:
        for text in super().__iter__():
            self.read += 1
            yield text


def test_vocabulary_by_step_stops_inside_a_pass() -> None:
    posts, token = _CountingPosts([POST] * 50), CancelToken()

    def cancel_in_pass_one(number: int) -> None:
        if number == 1:
            posts.read = 0
            token.cancel()

    with pytest.raises(JobCancelled):
        vocabulary_by_step(posts, "offline", cancel_in_pass_one, token)
    assert posts.read == 1  # the pass stopped after its first post, not after all 50


def test_vocabulary_by_step_stop_takes_effect_quickly() -> None:
    posts, token, stopped = [POST] * 6000, CancelToken(), []

    def measure() -> None:
        with pytest.raises(JobCancelled):
            vocabulary_by_step(posts, "offline", token=token)
        stopped.append(time.perf_counter())

    worker = threading.Thread(target=measure)
    worker.start()
    time.sleep(0.3)  # well inside the first pass (6,000 posts: about a second)
    asked = time.perf_counter()
    token.cancel()
    worker.join(10)
    assert stopped and stopped[0] - asked < 0.2


def test_word_diff_marks_removed_and_added_words() -> None:
    spans = word_diff("I can't go (now)", "I can not go")
    assert ("same", "I") in spans
    assert ("removed", "can't") in spans and ("added", "can not") in spans
    assert ("removed", "(now)") in spans


def _difflib_spans(before: str, after: str) -> list[tuple[str, str]]:
    """The reference: difflib's opcodes over the same words."""
    a, b = before.split(), after.split()
    spans = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            spans.append(("same", " ".join(a[i1:i2])))
            continue
        spans += [("removed", " ".join(a[i1:i2]))] if i2 > i1 else []
        spans += [("added", " ".join(b[j1:j2]))] if j2 > j1 else []
    return spans


def test_word_diff_agrees_with_difflib_on_every_step_of_long_posts() -> None:
    rng = np.random.default_rng(4)
    # A few thousand words with many repeats: the anchored path, not only the small-gap fallback.
    long_post = "\n".join(generate_post(rng, k % 10).decode("utf-8", "replace") for k in range(12))
    assert len(long_post.split()) > 1000
    for text in (POST, long_post):
        for output in run_steps(text, chunker="offline").outputs:
            before, after = output.before.text, output.after.text
            spans = word_diff(before, after)
            assert spans == _difflib_spans(before, after), output.number
            assert " ".join(t for kind, t in spans if kind != "added").split() == before.split()
            assert " ".join(t for kind, t in spans if kind != "removed").split() == after.split()


def test_whitespace_only_steps_are_flagged_without_a_diff() -> None:
    trace = run_steps("Organization: the place\nwhere\tthings are kept", chunker="offline")
    by_number = {o.number: o for o in trace.outputs}
    assert by_number[8].changed and not by_number[8].words_changed  # newline, tab → spaces
    assert by_number[9].words_changed  # "Organization:" removed
    assert by_number[3].changed is by_number[3].words_changed is False
    subject = run_steps("Subject: Re: Gospel Dating\nbody text", chunker="offline").outputs[2]
    assert subject.number == 3 and subject.words_changed  # the text is the same; the subject is new


def test_importing_the_lab_does_not_import_tensorflow() -> None:
    code = (
        "import sys; from engine.labs.text_cnn import preprocess, run_steps, vocabulary_size; "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
