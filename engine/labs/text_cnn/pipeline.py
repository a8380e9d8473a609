"""The preprocessing pipeline as a registry of steps the explorer can run one at a time or toggle.

A :class:`Document` carries the text plus what steps 1 and 3 extracted (e-mails, subject). Each
:class:`Step` maps a document to a new one; :func:`run_steps` records every step's before/after so
the GUI can show a diff (:func:`word_diff`), and :func:`preprocess` is the assignment's function.
The model reads :func:`merged_text`: preprocessed text + subject + e-mails.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from engine.jobs import CancelToken
from engine.labs.text_cnn.diff import word_diff as word_diff  # re-exported for the explorer
from engine.labs.text_cnn.entities import AUTO, EntityChunker, get_chunker, offline_chunk
from engine.text import steps


@dataclass(frozen=True)
class Document:
    """A post on its way through the pipeline."""

    text: str
    subject: str = ""
    emails: str = ""


@dataclass(frozen=True)
class Step:
    """One preprocessing step: its number on the lab sheet, the function's name, a title, what it does."""

    number: int
    name: str
    title: str
    description: str
    apply: Callable[[Document, EntityChunker], Document]


def _summary(fn: Callable[..., str]) -> str:
    # One source for the explorer's help text: the step function's docstring summary.
    return " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())


def _text_step(number: int, title: str, fn: Callable[[str], str]) -> Step:
    return Step(number, fn.__name__, title, _summary(fn), lambda doc, _c: replace(doc, text=fn(doc.text)))


def _chunk(doc: Document, chunker: EntityChunker) -> Document:
    return replace(doc, text=chunker.chunk(doc.text))


#: The steps in the sheet's order (the sheet has no step 12).
STEPS: tuple[Step, ...] = (
    Step(
        1,
        "extract_emails",
        "Extract e-mail domains",
        _summary(steps.extract_emails),
        lambda doc, _c: replace(doc, emails=steps.extract_emails(doc.text)),
    ),
    _text_step(2, "Remove e-mails", steps.remove_emails),
    Step(
        3,
        "extract_subject",
        "Extract the subject",
        _summary(steps.extract_subject),
        lambda doc, _c: replace(doc, subject=steps.extract_subject(doc.text)),
    ),
    _text_step(4, "Remove the Subject line", steps.remove_subject_line),
    _text_step(5, "Remove From:/Write to: lines", steps.remove_from_lines),
    _text_step(6, "Remove <tags>", steps.remove_tags),
    _text_step(7, "Remove (brackets)", steps.remove_brackets),
    _text_step(8, "Remove \\n \\t - \\", steps.remove_breaks),
    _text_step(9, "Remove words ending in ':'", steps.remove_colon_words),
    _text_step(10, "Expand contractions", steps.decontract),
    Step(11, "chunk_entities", "Named entities: join with _, drop persons", _summary(offline_chunk), _chunk),
    _text_step(13, "Replace digits", steps.replace_digits),
    _text_step(14, "Strip leading/trailing _", steps.strip_underscores),
    _text_step(15, "x_word → word", steps.drop_short_pieces),
    _text_step(16, "Lower-case, drop ≤2 / ≥15 chars", steps.lower_and_drop_lengths),
    _text_step(17, "Keep only A–Z a–z _", steps.keep_letters),
)
STEP_NUMBERS: tuple[int, ...] = tuple(s.number for s in STEPS)


@dataclass(frozen=True)
class StepOutput:
    """What one step did to a document (``skipped`` when it was toggled off)."""

    number: int
    name: str
    title: str
    before: Document
    after: Document
    skipped: bool

    @property
    def changed(self) -> bool:
        """Whether the step changed anything."""
        return self.before != self.after

    @property
    def words_changed(self) -> bool:
        """Whether the step changed a word or what was extracted, not only spacing (cheap: no diff)."""
        before, after = self.before, self.after
        extracted = before.subject != after.subject or before.emails != after.emails
        return extracted or before.text.split() != after.text.split()


@dataclass(frozen=True)
class Trace:
    """Every step's output for one document, the merged model input and which chunker ran."""

    outputs: tuple[StepOutput, ...]
    result: Document
    merged: str
    chunker: str


def _enabled_set(enabled: Collection[int] | None) -> frozenset[int]:
    chosen = frozenset(STEP_NUMBERS if enabled is None else enabled)
    unknown = sorted(chosen - set(STEP_NUMBERS))
    if unknown:
        raise ValueError(f"unknown preprocessing step {unknown[0]}; steps are {STEP_NUMBERS}")
    return chosen


def run_steps(text: str, enabled: Collection[int] | None = None, chunker: str = AUTO) -> Trace:
    """Run the pipeline on one document, recording each step (disabled steps pass it through).

    Args:
        text: The raw post.
        enabled: Step numbers to run. Defaults to all of :data:`STEP_NUMBERS`.
        chunker: ``auto``, ``offline`` or ``nltk`` for step 11. Defaults to ``auto``.
    """
    chosen, entity_chunker = _enabled_set(enabled), get_chunker(chunker)
    doc = Document(text)
    outputs = []
    for step in STEPS:
        after = step.apply(doc, entity_chunker) if step.number in chosen else doc
        outputs.append(StepOutput(step.number, step.name, step.title, doc, after, step.number not in chosen))
        doc = after
    return Trace(tuple(outputs), doc, merged_text(doc), entity_chunker.label)


def preprocess(
    text: str, enabled: Collection[int] | None = None, chunker: str = AUTO
) -> tuple[str, str, str]:
    """The assignment's function: ``(emails, subject, text)`` after steps 1-17 in order."""
    doc = run_steps(text, enabled, chunker).result
    return doc.emails, doc.subject, doc.text


def merged_text(doc: Document) -> str:
    """The model's input: preprocessed text, subject and e-mails joined by spaces."""
    return " ".join(part for part in (doc.text, doc.subject, doc.emails) if part.strip())


def preprocess_documents(
    texts: Iterable[str],
    enabled: Collection[int] | None = None,
    chunker: str = AUTO,
    on_each: Callable[[int], None] | None = None,
) -> list[Document]:
    """Every document after the pipeline (text, subject and e-mails apart); ``on_each(i)`` is called
    after each (progress, cancel)."""
    out = []
    for i, text in enumerate(texts):
        out.append(run_steps(text, enabled, chunker).result)
        if on_each is not None:
            on_each(i)
    return out


def preprocess_corpus(
    texts: Iterable[str],
    enabled: Collection[int] | None = None,
    chunker: str = AUTO,
    on_each: Callable[[int], None] | None = None,
) -> list[str]:
    """Merged model inputs for many documents; ``on_each(i)`` is called after each (progress, cancel)."""
    return [merged_text(doc) for doc in preprocess_documents(texts, enabled, chunker, on_each)]


def vocabulary(merged_texts: Iterable[str]) -> set[str]:
    """Distinct tokens as the model's vectorizer sees them (lower-cased, split on whitespace)."""
    return {token for text in merged_texts for token in text.lower().split()}


def vocabulary_size(texts: Iterable[str], enabled: Collection[int] | None = None, chunker: str = AUTO) -> int:
    """How many distinct tokens the raw ``texts`` give with only the ``enabled`` steps switched on."""
    return len(vocabulary(preprocess_corpus(texts, enabled, chunker)))


def vocabulary_by_step(
    texts: Sequence[str],
    chunker: str = AUTO,
    on_step: Callable[[int], None] | None = None,
    token: CancelToken | None = None,
) -> dict[int, int]:
    """Vocabulary size with all steps on (key 0) and with each single step switched off (its number).

    Args:
        texts: The raw posts.
        chunker: Step 11's chunker. Defaults to ``auto``.
        on_step: Called with the step number before each pass (progress). Defaults to None.
        token: Checked after every document of every pass: a pass over a big corpus takes seconds,
            Stop must not wait for it. Defaults to None.
    """
    each = (lambda _i: token.raise_if_cancelled()) if token is not None else None
    sizes: dict[int, int] = {}
    for number in (0, *STEP_NUMBERS):
        if on_step is not None:
            on_step(number)
        enabled = [n for n in STEP_NUMBERS if n != number]
        sizes[number] = len(vocabulary(preprocess_corpus(texts, enabled, chunker, each)))
    return sizes
