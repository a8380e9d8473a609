"""The text-CNN lab's data side (no TensorFlow): corpus → preprocessing → split → length analysis,
and the numbers shown after training (confusion matrix, per-class F1, misclassified examples).

The GUI's pipeline explorer uses the same functions, so what it shows is what the model gets.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine import metrics
from engine.jobs import CancelToken, Emit, LogLine, Progress
from engine.labs.text_cnn.entities import get_chunker
from engine.labs.text_cnn.lengths import LengthReport, analyse_lengths, word_lengths
from engine.labs.text_cnn.newsgroups import DEFAULT_SEED, default_corpus
from engine.labs.text_cnn.pipeline import STEP_NUMBERS, Document, merged_text, preprocess_documents
from engine.text.corpus import Corpus, Split, load_folder, stratified_split

#: Longest character sequence Model-2 gets by default: keeps an epoch within seconds on a CPU.
CHAR_CAP = 1024


@dataclass(frozen=True)
class PreparedCorpus:
    """A loaded corpus with its preprocessed documents, their merged model inputs, the split and the
    length analysis."""

    corpus: Corpus
    documents: tuple[Document, ...]
    merged: tuple[str, ...]
    split: Split
    words: LengthReport
    chars: LengthReport
    chunker: str
    source: str


def load_corpus(data_dir: str = "", emit: Emit | None = None) -> tuple[Corpus, str]:
    """The user's folder, or the embedded corpus (generated on first use) when ``data_dir`` is empty."""
    if data_dir:
        return load_folder(Path(data_dir).expanduser()), str(Path(data_dir).expanduser())
    folder = default_corpus(DEFAULT_SEED, emit)
    return load_folder(folder), f"embedded newsgroup-style corpus (seed {DEFAULT_SEED})"


def enabled_steps(skip: Collection[int]) -> list[int]:
    """The step numbers left on when ``skip`` is toggled off."""
    return [n for n in STEP_NUMBERS if n not in set(skip)]


def prepare_corpus(
    *,
    data_dir: str,
    skip_steps: Collection[int],
    chunker: str,
    seed: int,
    test_fraction: float,
    val_fraction: float,
    emit: Emit,
    token: CancelToken,
    corpus: tuple[Corpus, str] | None = None,
) -> PreparedCorpus:
    """Load, preprocess (steps 1-17 minus ``skip_steps``), split and analyse lengths on the training part.

    Args:
        data_dir: The user's folder; empty for the embedded corpus.
        skip_steps: Step numbers switched off.
        chunker: Step 11's chunker (``auto``, ``offline`` or ``nltk``).
        seed: Seeds the split.
        test_fraction: Share of each class held out for the test.
        val_fraction: Share of the rest used for validation.
        emit: Progress and log lines.
        token: Checked after each document.
        corpus: The ``(corpus, source)`` that :func:`load_corpus` already returned for ``data_dir``,
            so a caller preprocessing the same posts twice (the explorer) reads them once. Defaults
            to None: load them here.
    """
    loaded, source = corpus if corpus is not None else load_corpus(data_dir, emit)
    emit(LogLine(f"Corpus: {source}: {len(loaded.texts)} posts in {len(loaded.class_names)} classes"))
    if loaded.invalid_utf8_files:
        emit(LogLine(f"{loaded.invalid_utf8_files} files were not valid UTF-8; bad bytes were replaced"))
    for problem in loaded.problems[:20]:
        emit(LogLine(problem, "warning"))
    if len(loaded.problems) > 20:
        emit(LogLine(f"... and {len(loaded.problems) - 20} more skipped files", "warning"))
    entity_chunker = get_chunker(chunker)
    emit(LogLine(f"Step 11 uses the {entity_chunker.label}"))
    total = len(loaded.texts)

    def tick(i: int) -> None:
        token.raise_if_cancelled()
        if (i + 1) % 100 == 0 or i + 1 == total:
            emit(Progress("preprocessing", i + 1, total))

    documents = preprocess_documents(loaded.texts, enabled_steps(skip_steps), entity_chunker.name, tick)
    merged = [merged_text(doc) for doc in documents]
    split = stratified_split(loaded.labels, seed, test_fraction, val_fraction, loaded.class_names)
    train_texts = [merged[i] for i in split.train]
    words = analyse_lengths(word_lengths(train_texts), "words")
    chars = analyse_lengths([len(t) for t in train_texts], "characters", cap=CHAR_CAP)
    return PreparedCorpus(
        loaded, tuple(documents), tuple(merged), split, words, chars, entity_chunker.label, source
    )


def one_hot(labels: NDArray[np.int64], n_classes: int) -> NDArray[np.float32]:
    """Rows of the identity: what categorical cross-entropy and F1Score expect."""
    return np.eye(n_classes, dtype=np.float32)[labels]


def evaluation(
    y_true: NDArray[np.int64],
    probabilities: NDArray[np.float32],
    class_names: Sequence[str],
    texts: Sequence[str],
    files: Sequence[str],
    raw_texts: Sequence[str] | None = None,
    max_examples: int = 25,
    snippet_chars: int = 240,
) -> dict[str, Any]:
    """Test metrics from the argmax of the softmax, plus what the GUI shows about the mistakes.

    Misclassified examples are listed most confident first (those teach the most), at most
    ``max_examples`` of them, each with the start of its preprocessed text (``snippet``) and of the
    raw post (``original``); ``misclassified_total`` counts all the mistakes.
    """
    n = len(class_names)
    y_pred = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    total_wrong = len(wrong)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:max_examples]
    return {
        "accuracy": metrics.accuracy(y_true, y_pred),
        "micro_f1": metrics.micro_f1(y_true, y_pred, n),
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred, n).tolist(),
        "per_class_f1": [float(v) for v in metrics.per_class_f1(y_true, y_pred, n)],
        "misclassified_total": total_wrong,
        "misclassified": [
            {
                "file": files[i],
                "snippet": texts[i][:snippet_chars],
                "original": raw_texts[i][: 2 * snippet_chars] if raw_texts is not None else "",
                "true": class_names[int(y_true[i])],
                "predicted": class_names[int(y_pred[i])],
                "confidence": float(confidence[i]),
            }
            for i in wrong.tolist()
        ],
    }
