"""Loading a folder of posts and splitting it into train / validation / test.

Two layouts are accepted: the assignment's flat folder of ``<class>_<id>.txt`` files (the label is
the text before the last "_"), or one sub-folder per class (any file names, like 20news-bydate).
Bytes that are not valid UTF-8 are replaced, as the assignment did; empty, unreadable, oversized,
special (pipes, devices, symlink loops) or unlabelled files are skipped and listed in
:attr:`Corpus.problems` instead of failing the whole load. A folder that mixes the two layouts is
refused: which posts the user meant to use is not for the loader to guess.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from engine.safe_files import clip, clip_repr, describe_os_error, read_limited

FLAT = "flat"
FOLDERS = "folders"
#: Largest post read: 20 Newsgroups' longest are ~100 KB; a huge "post" is not one.
MAX_POST_BYTES = 10 << 20
#: A flat-layout post's name: ``<class>_<id>.txt``.
_FLAT_NAME = re.compile(r"^.+_\d+\.txt$")


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


def _read(path: Path, root: Path, problems: list[str]) -> tuple[str, bool] | None:
    """The file's text and whether it had invalid UTF-8; None (with a problem noted) when unusable.

    Only regular files are read: a named pipe would block the run forever, a device never ends.
    """
    name = path.relative_to(root).as_posix()
    try:
        data = read_limited(path, MAX_POST_BYTES, CorpusError, "post", label=name)
    except CorpusError as exc:
        problems.append(f"{exc} — skipped")
        return None
    if not data.strip():
        problems.append(f"{name}: empty file — skipped")
        return None
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _labelled_files(folder: Path, problems: list[str]) -> tuple[list[tuple[Path, str]], str]:
    top = _visible(folder)
    subfolders = [p for p in top if p.is_dir()]
    if any(any(not f.is_dir() for f in _visible(sub)) for sub in subfolders):
        pairs = [(f, sub.name) for sub in subfolders for f in _visible(sub) if not f.is_dir()]
        loose = [p for p in top if not p.is_dir()]
        posts = [p.name for p in loose if _FLAT_NAME.match(p.name)]
        if posts:
            raise CorpusError(
                f"{folder}: holds posts both at the top level ({len(posts)}, e.g. {clip(posts[0], 80)}) "
                f"and in {len(subfolders)} class sub-folders (e.g. {clip(subfolders[0].name, 80)}); "
                "use one layout: move the top-level posts into their class folders, or all posts to the top"
            )
        problems.extend(f"{p.name}: outside the class sub-folders — skipped" for p in loose)
        return pairs, FOLDERS
    pairs = []
    ignored = [p.name for p in top if not p.name.endswith(".txt")]
    if ignored:
        problems.append(
            f"{len(ignored)} entries without the .txt ending were ignored (e.g. {clip(ignored[0], 80)})"
        )
    for f in top:
        if not f.name.endswith(".txt"):
            continue
        label = f.stem.rsplit("_", 1)[0] if "_" in f.stem else ""
        if not label:
            problems.append(f"{f.name}: the name has no '<class>_' prefix, so its class is unknown — skipped")
            continue
        pairs.append((f, label))
    return pairs, FLAT


def load_folder(folder: str | Path) -> Corpus:
    """Load every post under ``folder`` (flat ``<class>_<id>.txt`` or one sub-folder per class).

    Raises:
        CorpusError: The folder is missing, mixes the two layouts, holds no usable post, or fewer
            than two classes.
    """
    root = Path(folder)
    if not root.is_dir():
        raise CorpusError(f"{clip(root)}: not a folder")
    problems: list[str] = []
    try:
        pairs, layout = _labelled_files(root, problems)
    except OSError as exc:
        raise CorpusError(f"{clip(root)}: cannot be listed ({describe_os_error(exc)})") from None
    texts, names, files, invalid = [], [], [], 0
    for path, label in pairs:
        read = _read(path, root, problems)
        if read is None:
            continue
        texts.append(read[0])
        names.append(label)
        files.append(str(path.relative_to(root)))
        invalid += read[1]
    if not texts:
        detail = f" ({len(problems)} files skipped: {problems[0]})" if problems else ""
        raise CorpusError(f"{clip(root)}: no usable posts — expected <class>_<id>.txt files{detail}")
    class_names = tuple(sorted(set(names)))
    if len(class_names) < 2:
        raise CorpusError(
            f"{clip(root)}: all posts are of class {clip_repr(class_names[0], 80)}; "
            "a classifier needs two or more"
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
