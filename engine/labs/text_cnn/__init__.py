"""Lab 3: document classification with a word-level CNN (Model-1) and a character-level CNN (Model-2).

Reads like the lab sheet: Params → data (preprocessing steps 1-17, split, length analysis) → model →
run. Importing this module does not import TensorFlow: ``run`` imports the training half lazily,
and the pipeline explorer's functions (``preprocess``, ``run_steps``, ``vocabulary_size``) are plain
Python re-exported from :mod:`engine.labs.text_cnn.pipeline` (``load_corpus`` lists the documents to explore).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.jobs import CancelToken, Emit, LabResult, LabSpec
from engine.labs.text_cnn.data import load_corpus, prepare_corpus
from engine.labs.text_cnn.entities import AUTO, NLTK, OFFLINE
from engine.labs.text_cnn.pipeline import (
    STEP_NUMBERS,
    STEPS,
    preprocess,
    run_steps,
    vocabulary_by_step,
    vocabulary_size,
    word_diff,
)
from engine.params import check_memory, param
from engine.safe_files import clip, clip_repr
from engine.text.embeddings import vector_width

__all__ = [
    "LAB",
    "STEPS",
    "Params",
    "load_corpus",
    "preprocess",
    "run",
    "run_steps",
    "vocabulary_by_step",
    "vocabulary_size",
    "word_diff",
]


@dataclass(frozen=True)
class Params:
    """Parameters of the text-CNN lab."""

    model: int = param(
        1, "1 = word-level CNN (Model-1), 2 = character-level CNN (Model-2).", minimum=1, maximum=2
    )
    epochs: int = param(15, "Passes over the training documents.", minimum=1, maximum=200)
    batch_size: int = param(32, "Documents per training step.", minimum=1, maximum=1024)
    seq_length: int = param(
        0,
        "Words (model 1) or characters (model 2) per document; 0 = the proposed length.",
        minimum=0,
        maximum=20000,
    )
    seed: int = param(0, "Seeds the split, the initial weights and the shuffling.", minimum=0)
    data_dir: str = param(
        "", "Folder of <class>_<id>.txt posts or one sub-folder per class; empty = embedded corpus."
    )
    glove_path: str = param(
        "", "GloVe-format word vectors for model 1 (frozen); empty = trainable random embeddings."
    )
    char_vectors_path: str = param(
        "", "GloVe-format character vectors for model 2 (frozen); empty = trainable."
    )
    embedding_dim: int = param(
        0,
        "Embedding size without a vectors file; 0 = 300 for words, 32 for characters.",
        minimum=0,
        maximum=1024,
    )
    max_words: int = param(
        20000, "Largest word vocabulary (most frequent words); 0 = all.", minimum=0, maximum=1_000_000
    )
    filters: int = param(
        16, "Filters per convolution (the sheet recommends at most 16).", minimum=1, maximum=256
    )
    kernel_sizes: tuple[str, ...] = param(
        ("3", "4", "5"), "Kernel sizes of Model-1's three parallel convolutions."
    )
    char_kernel_size: int = param(5, "Kernel size of Model-2's convolutions.", minimum=1, maximum=31)
    char_filters: int = param(32, "Filters per convolution of Model-2.", minimum=1, maximum=256)
    char_final_pool: int = param(
        0, "Model-2's second pooling window; 0 = the rest of the sequence (position-independent).", minimum=0
    )
    pool_size: int = param(3, "Max-pooling window.", minimum=1, maximum=10)
    dropout: float = param(0.5, "Dropout before the dense layers.", minimum=0.0, maximum=0.9)
    dense_units: int = param(64, "Units of the hidden dense layer.", minimum=1, maximum=2048)
    learning_rate: float = param(0.002, "Adam's learning rate.", minimum=1e-5, maximum=1.0)
    patience: int = param(4, "Epochs without a better val accuracy before stopping; 0 = never.", minimum=0)
    skip_steps: tuple[str, ...] = param(
        (), "Preprocessing steps to switch off (e.g. 11,16), to see their effect."
    )
    chunker: str = param(
        AUTO,
        "Step 11: NLTK ne_chunk when installed (auto), or the offline chunker.",
        choices=(AUTO, OFFLINE, NLTK),
    )
    test_fraction: float = param(
        0.25, "Share of each class held out for the final test.", minimum=0.05, maximum=0.5
    )
    val_fraction: float = param(0.15, "Share of the rest used for early stopping.", minimum=0.05, maximum=0.5)
    tensorboard: bool = param(
        True, "Write TensorBoard logs (epoch scalars, learning rate, weight histograms).", label="TensorBoard"
    )

    def validate(self) -> None:
        """Check the list-valued fields.

        Raises:
            ValueError: Kernel sizes are not three whole numbers 1-15, or a step number is unknown.
        """
        sizes = [k for k in self.kernel_sizes if k.isdigit() and 1 <= int(k) <= 15]
        if len(self.kernel_sizes) != 3 or len(sizes) != 3:
            raise ValueError(
                "kernel_sizes: expected three whole numbers 1-15, "
                f"got {clip(','.join(self.kernel_sizes), 80)}"
            )
        for step in self.skip_steps:
            if not step.isdigit() or int(step) not in STEP_NUMBERS:
                raise ValueError(
                    f"skip_steps: {clip_repr(step, 40)} is not a step; "
                    f"steps are {', '.join(map(str, STEP_NUMBERS))}"
                )
        if self.model == 1 and self.max_words:
            # The word embedding's weights, gradients and two Adam slots, in float32.
            check_memory(
                f"a word embedding of max_words {self.max_words:,} × {self.embedding_dim or 300} dimensions",
                16 * self.max_words * (self.embedding_dim or 300),
                "Lower max_words or embedding_dim.",
            )


def run(params: Params, token: CancelToken, emit: Emit) -> LabResult:
    """Preprocess and split the corpus, train Model-1 or Model-2, and test the best epoch once."""
    params.validate()
    # Fail before minutes of preprocessing and the TensorFlow import, naming the file: a missing or
    # special file, or a first line that is not a vector (the rest is checked while it is parsed).
    for path in (params.glove_path, params.char_vectors_path):
        if path:
            vector_width(Path(path).expanduser())
    prepared = prepare_corpus(
        data_dir=params.data_dir,
        skip_steps=[int(s) for s in params.skip_steps],
        chunker=params.chunker,
        seed=params.seed,
        test_fraction=params.test_fraction,
        val_fraction=params.val_fraction,
        emit=emit,
        token=token,
    )
    token.raise_if_cancelled()
    from engine.labs.text_cnn.train import train  # imports TensorFlow

    return train(params, prepared, token, emit)


LAB = LabSpec(
    id="text_cnn",
    title="Text CNN",
    summary="Preprocess newsgroup posts step by step, then classify them with a word-level and a "
    "character-level convolutional network.",
    assignment="Lab 3 — document classification with CNNs (20 Newsgroups)",
    params_type=Params,
    run=run,
    needs_tensorflow=True,
)
