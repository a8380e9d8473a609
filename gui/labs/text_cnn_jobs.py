"""The pipeline explorer's background jobs: load and preprocess the corpus (vocabulary size, length
analysis) and measure each step's effect on the vocabulary.

They run on their own JobRunner (not recorded in the run store) so the explorer never blocks the GUI
thread and never interrupts a training run. They only call the engine (``prepare_corpus``,
``vocabulary``, ``vocabulary_by_step``) and pack its numbers; nothing here imports Qt or TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from engine.jobs import CancelToken, Emit, LabResult, LabSpec, Progress
from engine.labs.text_cnn import LAB, Params, load_corpus, vocabulary_by_step
from engine.labs.text_cnn_data import prepare_corpus
from engine.text.corpus import Corpus
from engine.text.entities import get_chunker
from engine.text.pipeline import STEP_NUMBERS, vocabulary


@dataclass(frozen=True)
class CorpusReady:
    """The posts are loaded (before preprocessing starts): the explorer can list them right away."""

    corpus: Corpus
    source: str
    data_dir: str


def analysis_key(params: Params) -> tuple[Any, ...]:
    """The fields the explorer's analysis depends on (a change of any other field needs no new job)."""
    return (
        params.data_dir,
        tuple(sorted(params.skip_steps, key=int)),
        params.chunker,
        params.seed,
        params.test_fraction,
        params.val_fraction,
    )


def _cancellable(emit: Emit, token: CancelToken) -> Emit:
    # Corpus generation reports progress but takes no token: stopping at its progress events keeps
    # closing the window quick (an interrupted generation is redone on the next load).
    def forward(event: Any) -> None:
        if isinstance(event, Progress):
            token.raise_if_cancelled()
        emit(event)

    return forward


def analyse(params: Params, token: CancelToken, emit: Emit, *, baseline: bool = False) -> LabResult:
    """Load the posts (emitting :class:`CorpusReady`), preprocess and split them as training would.

    Args:
        params: The lab's parameters (data folder, steps switched off, chunker, seed, split).
        token: Stops the job between documents.
        emit: Progress, log lines and :class:`CorpusReady`.
        baseline: Also count the vocabulary with every step on (when steps are switched off and the
            explorer does not know that number yet). Defaults to False.

    Returns:
        ``extra`` holds ``vocabulary_size``, optionally ``baseline_vocabulary_size``, the ``words`` and
        ``chars`` length reports of the training split, the ``chunker`` label, the ``source`` and the
        ``key`` (:func:`analysis_key`) of the settings it was computed for.
    """
    emit = _cancellable(emit, token)
    corpus, source = load_corpus(params.data_dir, emit)
    get_chunker(params.chunker)  # probe NLTK here, not in the GUI thread; fails early on a bad choice
    emit(CorpusReady(corpus, source, params.data_dir))
    skip = [int(s) for s in params.skip_steps]

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
        "skip_steps": sorted(skip),
        "problems": list(corpus.problems),
        "key": analysis_key(params),
    }
    if baseline and skip:
        extra["baseline_vocabulary_size"] = len(vocabulary(prepare([]).merged))
    elif not skip:
        extra["baseline_vocabulary_size"] = extra["vocabulary_size"]
    return LabResult(extra=extra)


def step_effects(params: Params, token: CancelToken, emit: Emit) -> LabResult:
    """Vocabulary size with every step on (key ``0``) and with each single step switched off.

    ``extra["sizes"]`` maps the step number (as a string, JSON-style) to the vocabulary size.
    """
    corpus, _ = load_corpus(params.data_dir, _cancellable(emit, token))
    passes = len(STEP_NUMBERS) + 1

    def on_step(number: int) -> None:
        token.raise_if_cancelled()
        done = 0 if number == 0 else STEP_NUMBERS.index(number) + 1
        emit(Progress("vocabulary without each step", done, passes))

    sizes = vocabulary_by_step(corpus.texts, params.chunker, on_step)
    emit(Progress("vocabulary without each step", passes, passes))
    return LabResult(extra={"sizes": {str(k): v for k, v in sizes.items()}, "data_dir": params.data_dir})


def analysis_spec(baseline: bool) -> LabSpec:
    """The analysis as a job for a :class:`~gui.workers.JobRunner` (not a lab: no epochs, no TF)."""
    run = partial(analyse, baseline=baseline)
    return replace(LAB, id="text_cnn_explorer", title="Pipeline explorer", run=run, needs_tensorflow=False)


def step_effects_spec() -> LabSpec:
    """The per-step vocabulary measurement as a job."""
    return replace(
        LAB, id="text_cnn_step_effects", title="Step effects", run=step_effects, needs_tensorflow=False
    )
