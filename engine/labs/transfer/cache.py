"""Feature caching: a frozen backbone's outputs computed once per (dataset, image size, weights, cut).

With the base frozen, every epoch would push the same images through the same 14.7 M VGG-16 weights
and get the same features. So the frozen part (up to the model's first trainable layer; for Model-3
that is inside block 4) runs once over each split, with a progress bar, and the features are written
to disk as ``.npy`` files; epochs then train only the rest, reading features batch by batch through a
memory map (a large set never has to fit in memory).

The cache key holds everything that changes the features: the split's files (path, label, size,
modification time), the image size, the weights' fingerprint, the cut layer, the preprocessing and
augmentation (always off: augmented images cannot be cached). The entry's folder is named by the key's
hash, so a changed key is a miss; an entry whose metadata does not match (interrupted, edited) is
deleted and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.jobs import CancelToken, Emit, Progress
from engine.labs.transfer.images import EpochOrder, LabelledImage, Preprocessing, SkipLog, make_dataset
from engine.paths import cache_dir

_VERSION = 1


def dataset_fingerprint(items: Sequence[LabelledImage]) -> str:
    """SHA-256 over each image's path, label, size and modification time (a missing file counts too)."""
    digest = hashlib.sha256()
    for item in items:
        try:
            st = os.stat(item.path)
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        digest.update(f"{item.path}\t{item.label}\t{stamp}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class CachedSplit:
    """One split's cached features (memory-mapped), labels, and positions in the split's item list."""

    folder: Path
    features: np.ndarray
    labels: np.ndarray
    index: np.ndarray
    hit: bool
    key: dict[str, Any]

    @property
    def nbytes(self) -> int:
        """Size of the feature file on disk."""
        return int(self.features.nbytes)


def cache_key(
    items: Sequence[LabelledImage],
    image_size: int,
    weights: str,
    cut: str,
    preprocessing: Preprocessing,
) -> dict[str, Any]:
    """Everything that determines the cached features, as a JSON-able dict."""
    return {
        "version": _VERSION,
        "dataset": dataset_fingerprint(items),
        "images": len(items),
        "image_size": image_size,
        "weights": weights,
        "cut": cut,
        "preprocessing": preprocessing.name,
        "augmentation": "off",
    }


def _folder_for(key: dict[str, Any]) -> Path:
    name = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    return cache_dir("transfer", "features") / name


def _open(folder: Path, key: dict[str, Any]) -> CachedSplit | None:
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("key") != key or not meta.get("complete"):
            return None
        count = int(meta["count"])
        features = np.load(folder / "features.npy", mmap_mode="r")[:count]
        labels = np.load(folder / "labels.npy")
        index = np.load(folder / "index.npy")
    except (OSError, ValueError, KeyError):
        return None
    if len(labels) != count or len(index) != count:
        return None
    return CachedSplit(folder, features, labels, index, True, key)


def cached_features(
    name: str,
    items: Sequence[LabelledImage],
    extractor: Any,
    key: dict[str, Any],
    preprocessing: Preprocessing,
    batch_size: int,
    skip_log: SkipLog,
    token: CancelToken,
    emit: Emit,
    label_file: str = "",
) -> CachedSplit:
    """The split's features from the cache, computing and storing them on a miss.

    Args:
        name: Split name for progress ("train", "validation", "test").
        items: The split's images.
        extractor: The frozen part of the model (images → features).
        key: From :func:`cache_key`.
        preprocessing: The backbone's preprocessing.
        batch_size: Images per forward pass.
        skip_log: Records images that could not be read.
        token: Checked once per batch.
        emit: Receives ``Progress("caching <name> features", done, total)``.
        label_file: The label file the split comes from, recorded for :func:`cache_entries` (not part
            of the key: the same images listed by another file reuse the entry). Defaults to "".
    """
    folder = _folder_for(key)
    found = _open(folder, key)
    if found is not None:
        _record_source(folder, name, label_file)
        return found
    shutil.rmtree(folder, ignore_errors=True)  # stale or interrupted entry
    folder.mkdir(parents=True)
    total = len(items)
    features: np.memmap | None = None  # allocated from the first batch's shape
    labels: list[int] = []
    index: list[int] = []
    phase = f"caching {name} features"
    emit(Progress(phase, 0, total))
    dataset = make_dataset(items, key["image_size"], preprocessing, batch_size, skip_log, with_index=True)
    for images, batch_labels, batch_index in dataset:
        token.raise_if_cancelled()
        out = np.asarray(extractor(images, training=False))
        if features is None:
            features = np.lib.format.open_memmap(
                folder / "features.npy", mode="w+", dtype=np.float32, shape=(total, *out.shape[1:])
            )
        features[len(labels) : len(labels) + len(out)] = out
        labels += batch_labels.numpy().tolist()
        index += batch_index.numpy().tolist()
        if max(index) + 1 < total:  # the final event comes once, after the files are written
            emit(Progress(phase, max(index) + 1, total))
    if features is None:
        raise ValueError(f"none of the {total} {name} images could be read (see the skipped images)")
    shape = features.shape
    features.flush()
    del features
    np.save(folder / "labels.npy", np.asarray(labels, np.int32))
    np.save(folder / "index.npy", np.asarray(index, np.int32))
    # meta.json is written last: its presence with "complete" marks a usable entry.
    meta = {
        "key": key,
        "count": len(labels),
        "complete": True,
        "shape": list(shape[1:]),
        "split": name,
        "label_file": label_file,
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=1))
    emit(Progress(phase, total, total))
    opened = _open(folder, key)
    if opened is None:
        raise RuntimeError(f"feature cache {folder} could not be read back")
    return CachedSplit(opened.folder, opened.features, opened.labels, opened.index, False, key)


def _record_source(folder: Path, split: str, label_file: str) -> None:
    """Note on a hit which split and label file use the entry (entries from before this was recorded,
    or the same images listed by another label file), so the GUI's note names the data set."""
    path = folder / "meta.json"
    try:
        meta = json.loads(path.read_text())
        if (meta.get("split"), meta.get("label_file")) != (split, label_file):
            path.write_text(json.dumps({**meta, "split": split, "label_file": label_file}, indent=1))
    except (OSError, ValueError):
        pass  # only the note's wording depends on it; the features are intact


def feature_dataset(split: CachedSplit, batch_size: int, order: EpochOrder | None = None) -> Any:
    """A batched ``tf.data.Dataset`` of (features, labels) read from the memory-mapped cache.

    With ``order``, positions are permuted exactly as the image pipeline permutes images, so a run on
    cached features sees the same batches as the same run through the backbone.
    """
    from engine import tfrt

    tf = tfrt.tf()
    features, labels = split.features, split.labels
    positions = tf.data.Dataset.range(len(labels)) if order is None else order.positions(len(labels))

    def gather(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Keep the shuffled order inside the batch too: the sums in the loss and gradients then run in
        # the same order as through the backbone, so both ways train to the same numbers.
        return np.asarray(features[idx], np.float32), labels[idx].astype(np.int32)

    def load(idx: Any) -> tuple[Any, Any]:
        x, y = tf.numpy_function(gather, [idx], [tf.float32, tf.int32])
        x.set_shape([None, *features.shape[1:]])
        y.set_shape([None])
        return x, y

    return positions.batch(batch_size).map(load).prefetch(2)


def cache_entries() -> list[dict[str, Any]]:
    """What is cached, for the GUI's note: one dict per complete entry.

    Each has ``path``, ``image_size``, ``weights`` (a fingerprint:
    :func:`engine.labs.transfer.backbone.weights_name` names it), ``cut``, ``images``, ``bytes``, and the
    ``split`` ("train", "validation", "test") and ``label_file`` it was computed for ("" for entries
    written before these were recorded).
    """
    entries = []
    for folder in sorted(cache_dir("transfer", "features").iterdir()):
        try:
            meta = json.loads((folder / "meta.json").read_text())
        except (OSError, ValueError):
            continue
        if not meta.get("complete"):
            continue
        key = meta["key"]
        entries.append(
            {
                "path": str(folder),
                "image_size": key["image_size"],
                "weights": key["weights"],
                "cut": key["cut"],
                "images": meta["count"],
                "bytes": sum(p.stat().st_size for p in folder.iterdir()),
                "split": str(meta.get("split", "")),
                "label_file": str(meta.get("label_file", "")),
            }
        )
    return entries
