"""The pipeline explorer's corpus-wide numbers: vocabulary size, length analysis, each step's effect.

Two jobs, plain functions of the lab's :class:`~engine.labs.text_cnn.Params` (no Qt, no TensorFlow):
:func:`explore_corpus` loads the posts (emitting :class:`CorpusReady` so the posts can be listed
before preprocessing ends), preprocesses and splits them exactly as training would and counts the
vocabulary; :func:`step_effects` counts it with each step switched off. The GUI runs them on its own
worker (:func:`explore_spec`, :func:`step_effects_spec`), not recorded as runs, and only formats.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from engine.jobs import CancelToken, Emit, LabResult, LabSpec, Progress
from engine.labs.text_cnn import LAB, Params
from engine.labs.text_cnn.data import load_corpus, prepare_corpus
from engine.labs.text_cnn.entities import get_chunker
from engine.labs.text_cnn.pipeline import STEP_NUMBERS, vocabulary, vocabulary_by_step
from engine.labs.text_cnn.table import corpus_table
from engine.text.corpus import Corpus

#: Params fields the explorer's analysis depends on (a change of any other field needs no new job).
ANALYSIS_FIELDS = ("data_dir", "skip_steps", "chunker", "seed", "test_fraction", "val_fraction")


@dataclass(frozen=True)
class CorpusReady:
    """The posts are loaded (before preprocessing starts): the explorer can list them right away."""

    corpus: Corpus
    source: str
    data_dir: str


def analysis_key(params: Params) -> tuple[Any, ...]:
    """The values of :data:`ANALYSIS_FIELDS` (step numbers sorted): equal keys, equal analyses."""
    return (
        params.data_dir,
        tuple(sorted(params.skip_steps, key=int)),
        params.chunker,
        params.seed,
        params.test_fraction,
        params.val_fraction,
    )


def _stoppable(emit: Emit, token: CancelToken) -> Emit:
    # Corpus generation reports progress but takes no token: stopping at its progress events keeps
    # closing the window quick (a stopped generation leaves nothing; the next load starts afresh).
    def forward(event: Any) -> None:
        if isinstance(event, Progress):
            token.raise_if_cancelled()
        emit(event)

    return forward


def explore_corpus(params: Params, token: CancelToken, emit: Emit, *, baseline: bool = False) -> LabResult:
    """Load the posts (emitting :class:`CorpusReady`), preprocess and split them as training would.

    Args:
        params: The lab's parameters (data folder, steps switched off, chunker, seed, split).
        token: Stops the job between documents.
        emit: Progress, log lines and :class:`CorpusReady`.
        baseline: Also count the vocabulary with every step on (when steps are switched off and the
            explorer does not know that number yet). Defaults to False.

    Returns:
        ``extra`` holds ``vocabulary_size``, ``baseline_vocabulary_size`` (when asked for or when no
        step is off), the ``words`` and ``chars`` length reports of the training split, the
        ``chunker`` label, the ``source``, ``posts``, ``skip_steps``, ``problems`` (skipped files),
        the ``key`` (:func:`analysis_key`) of the settings it was computed for, and the ``table``
        (:class:`~engine.labs.text_cnn.table.CorpusTable`, the assignment's columns for every post).
    """
    emit = _stoppable(emit, token)
    corpus, source = load_corpus(params.data_dir, emit)
    get_chunker(params.chunker)  # probes NLTK here, off the GUI thread; fails early on a bad choice
    emit(CorpusReady(corpus, source, params.data_dir))
    skip = sorted(int(s) for s in params.skip_steps)

    def prepare(steps_off: list[int]) -> Any:
        return prepare_corpus(
            data_dir=params.data_dir,
            skip_steps=steps_off,
            chunker=params.chunker,
            seed=params.seed,
            test_fraction=params.test_fraction,
            val_fraction=params.val_fraction,
            emit=emit,
            token=token,
            corpus=(corpus, source),  # the posts loaded above: read once, not per pass
        )

    prepared = prepare(skip)
    extra: dict[str, Any] = {
        "vocabulary_size": len(vocabulary(prepared.merged)),
        "words": prepared.words.as_dict(),
        "chars": prepared.chars.as_dict(),
        "chunker": prepared.chunker,
        "source": prepared.source,
        "posts": len(corpus.texts),
        "skip_steps": skip,
        "problems": list(corpus.problems),
        "key": analysis_key(params),
        "table": corpus_table(prepared),  # the assignment's table, for the Table view
    }
    if not skip:
        extra["baseline_vocabulary_size"] = extra["vocabulary_size"]
    elif baseline:
        extra["baseline_vocabulary_size"] = len(vocabulary(prepare([]).merged))
    return LabResult(extra=extra)


def step_effects(params: Params, token: CancelToken, emit: Emit) -> LabResult:
    """Vocabulary size with every step on (key ``"0"``) and with each single step switched off.

    ``extra["sizes"]`` maps the step number (as a string, JSON-style) to the vocabulary size;
    ``extra["data_dir"]`` says which posts were measured. Emits one Progress per pass.
    """
    corpus, _ = load_corpus(params.data_dir, _stoppable(emit, token))
    passes = len(STEP_NUMBERS) + 1

    def on_step(number: int) -> None:
        done = 0 if number == 0 else STEP_NUMBERS.index(number) + 1
        emit(Progress("vocabulary without each step", done, passes))

    sizes = vocabulary_by_step(corpus.texts, params.chunker, on_step, token)
    emit(Progress("vocabulary without each step", passes, passes))
    return LabResult(extra={"sizes": {str(k): v for k, v in sizes.items()}, "data_dir": params.data_dir})


def explore_spec(baseline: bool) -> LabSpec:
    """:func:`explore_corpus` as a job for a worker (not a lab: no epochs, no TensorFlow)."""
    run = partial(explore_corpus, baseline=baseline)
    return replace(LAB, id="text_cnn_explorer", title="Pipeline explorer", run=run, needs_tensorflow=False)


def step_effects_spec() -> LabSpec:
    """:func:`step_effects` as a job for a worker."""
    return replace(
        LAB, id="text_cnn_step_effects", title="Step effects", run=step_effects, needs_tensorflow=False
    )
