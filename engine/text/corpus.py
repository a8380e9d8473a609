"""Loading a folder of posts and splitting it into train / validation / test.

Two layouts are accepted: the assignment's flat folder of ``<class>_<id>.txt`` files (the label is
the text before the last "_"), or one sub-folder per class (any file names, like 20news-bydate).
Bytes that are not valid UTF-8 are replaced, as the assignment did; empty, unreadable or unlabelled
files are skipped and listed in :attr:`Corpus.problems` instead of failing the whole load.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FLAT = "flat"
FOLDERS = "folders"


class CorpusError(ValueError):
    """The folder cannot be used as a corpus; the message names the folder (or class) and why."""


@dataclass(frozen=True)
class Corpus:
    """Documents with integer labels; ``class_names[label]`` is the newsgroup name."""

    texts: tuple[str, ...]
    labels: NDArray[np.int64]
    class_names: tuple[str, ...]
    files: tuple[str, ...]
    problems: tuple[str, ...] = ()
    invalid_utf8_files: int = 0
    layout: str = FLAT

    def counts(self) -> dict[str, int]:
        """Documents per class, for the count plot."""
        counter = Counter(int(label) for label in self.labels)
        return {name: counter.get(i, 0) for i, name in enumerate(self.class_names)}


def _read(path: Path, problems: list[str]) -> tuple[str, bool] | None:
    """The file's text and whether it had invalid UTF-8; None (with a problem noted) when unusable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(f"{path.name}: cannot be read ({exc.strerror or exc}) — skipped")
        return None
    if not data.strip():
        problems.append(f"{path.name}: empty file — skipped")
        return None
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def _labelled_files(folder: Path, problems: list[str]) -> tuple[list[tuple[Path, str]], str]:
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if any(any(f.is_file() for f in sub.iterdir()) for sub in subfolders):
        pairs = [
            (f, sub.name)
            for sub in subfolders
            for f in sorted(sub.iterdir())
            if f.is_file() and not f.name.startswith(".")
        ]
        for loose in sorted(folder.glob("*.txt")):
            problems.append(f"{loose.name}: outside the class sub-folders — skipped")
        return pairs, FOLDERS
    pairs = []
    for f in sorted(folder.glob("*.txt")):
        label = f.stem.rsplit("_", 1)[0] if "_" in f.stem else ""
        if not label:
            problems.append(f"{f.name}: the name has no '<class>_' prefix, so its class is unknown — skipped")
            continue
        pairs.append((f, label))
    return pairs, FLAT


def load_folder(folder: str | Path) -> Corpus:
    """Load every post under ``folder`` (flat ``<class>_<id>.txt`` or one sub-folder per class).

    Raises:
        CorpusError: The folder is missing, holds no usable post, or fewer than two classes.
    """
    root = Path(folder)
    if not root.is_dir():
        raise CorpusError(f"{root}: not a folder")
    problems: list[str] = []
    pairs, layout = _labelled_files(root, problems)
    texts, names, files, invalid = [], [], [], 0
    for path, label in pairs:
        read = _read(path, problems)
        if read is None:
            continue
        texts.append(read[0])
        names.append(label)
        files.append(str(path.relative_to(root)))
        invalid += read[1]
    if not texts:
        detail = f" ({len(problems)} files skipped: {problems[0]})" if problems else ""
        raise CorpusError(f"{root}: no usable posts — expected <class>_<id>.txt files{detail}")
    class_names = tuple(sorted(set(names)))
    if len(class_names) < 2:
        raise CorpusError(
            f"{root}: all posts are of class {class_names[0]!r}; a classifier needs two or more"
        )
    index = {name: i for i, name in enumerate(class_names)}
    labels = np.array([index[n] for n in names], dtype=np.int64)
    return Corpus(tuple(texts), labels, class_names, tuple(files), tuple(problems), invalid, layout)


@dataclass(frozen=True)
class Split:
    """Indices of the train, validation and test documents (disjoint, sorted)."""

    train: NDArray[np.int64]
    val: NDArray[np.int64]
    test: NDArray[np.int64]


def stratified_split(
    labels: NDArray[np.int64],
    seed: int,
    test_fraction: float = 0.25,
    val_fraction: float = 0.15,
    class_names: tuple[str, ...] = (),
) -> Split:
    """Split each class separately, so all three parts keep the class proportions.

    ``test_fraction`` of each class goes to test (the assignment used 25 %); ``val_fraction`` of the
    rest becomes the validation data for early stopping, so the test set is only used once.

    Raises:
        CorpusError: A class has fewer than 3 documents (each part needs one).
    """
    rng = np.random.default_rng(seed)
    parts: tuple[list[int], list[int], list[int]] = ([], [], [])
    for label in range(int(labels.max()) + 1):
        members = np.flatnonzero(labels == label)
        if len(members) < 3:
            name = class_names[label] if label < len(class_names) else str(label)
            raise CorpusError(f"class {name!r} has {len(members)} documents; the split needs at least 3")
        members = rng.permutation(members)
        n_test = min(max(1, round(len(members) * test_fraction)), len(members) - 2)
        n_val = min(max(1, round((len(members) - n_test) * val_fraction)), len(members) - n_test - 1)
        parts[2].extend(members[:n_test])
        parts[1].extend(members[n_test : n_test + n_val])
        parts[0].extend(members[n_test + n_val :])
    train, val, test = (np.sort(np.array(p, dtype=np.int64)) for p in parts)
    return Split(train, val, test)
