"""Feature caching: a frozen backbone's outputs computed once per (dataset, image size, weights, cut).

With the base frozen, every epoch would push the same images through the same 14.7 M VGG-16 weights
and get the same features. So the frozen part (up to the model's first trainable layer; for Model-3
that is inside block 4) runs once over each split, with a progress bar, and the features are written
to disk as ``.npy`` files; epochs then train only the rest, reading features batch by batch through a
memory map (a large set never has to fit in memory).

The cache key holds everything that changes the features: the split's files (path, label, size,
modification time), the image size, the weights' fingerprint, the cut layer, the preprocessing and
augmentation (always off: augmented images cannot be cached). The entry's folder is named by the key's
hash, so a changed key is a miss; an entry whose manifest does not match its files or its key
(interrupted, truncated, scrambled, edited) is rebuilt, and the log says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine import manifest
from engine.jobs import CancelToken, Emit, Progress, warning_note
from engine.labs.transfer.images import EpochOrder, LabelledImage, Preprocessing, SkipLog, make_dataset
from engine.paths import cache_dir
from engine.safe_files import atomic_write_text, clip

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
    return cache_dir("transfer", "features-v2") / name


def _open(folder: Path, key: dict[str, Any], hit: bool) -> CachedSplit:
    """The entry's arrays (features memory-mapped), after :func:`engine.manifest.check` passed."""
    count = int(manifest.read_info(folder)["count"])
    features = np.load(folder / "features.npy", mmap_mode="r")[:count]
    labels = np.load(folder / "labels.npy")
    index = np.load(folder / "index.npy")
    return CachedSplit(folder, features, labels, index, hit, key)


def _unreadable(name: str, total: int, skip_log: SkipLog) -> ValueError:
    """The error when no image of a split could be read, naming the first few and why."""
    if total == 0:
        return ValueError(f"the {name} split has no images")
    shown = [f"{clip(path)}: {clip(reason)}" for path, reason in sorted(skip_log.skipped.items())[:3]]
    more = len(skip_log.skipped) - len(shown)
    listing = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    return ValueError(f"none of the {total} {name} images could be read: {listing}")


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

    The entry is written to a private folder and published with a manifest (:mod:`engine.manifest`:
    the arrays' shapes, dtypes and SHA-256, the count and the key), so a truncated, scrambled or
    reshaped feature file is never reported as a hit: it is computed again and the log says so.

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

    Raises:
        ValueError: No image of the split could be read (the message lists the first few and why).
    """
    folder = _folder_for(key)
    phase = f"caching {name} features"

    def build(partial: Path) -> dict[str, Any]:
        total = len(items)
        features: np.memmap | None = None  # allocated from the first batch's shape
        labels: list[int] = []
        index: list[int] = []
        emit(Progress(phase, 0, total))
        dataset = make_dataset(items, key["image_size"], preprocessing, batch_size, skip_log, with_index=True)
        for images, batch_labels, batch_index in dataset:
            token.raise_if_cancelled()
            out = np.asarray(extractor(images, training=False))
            if features is None:
                features = np.lib.format.open_memmap(
                    partial / "features.npy", mode="w+", dtype=np.float32, shape=(total, *out.shape[1:])
                )
            features[len(labels) : len(labels) + len(out)] = out
            labels += batch_labels.numpy().tolist()
            index += batch_index.numpy().tolist()
            if max(index) + 1 < total:  # the final event comes once, after the files are written
                emit(Progress(phase, max(index) + 1, total))
        if features is None:
            raise _unreadable(name, total, skip_log)
        shape = features.shape
        features.flush()
        del features
        np.save(partial / "labels.npy", np.asarray(labels, np.int32))
        np.save(partial / "index.npy", np.asarray(index, np.int32))
        return {"count": len(labels), "shape": list(shape[1:])}

    hit = manifest.ensure(
        folder, build, label=f"the cached {name} features", expect={"key": key}, note=warning_note(emit)
    )
    if not hit:
        emit(Progress(phase, len(items), len(items)))
    _record_source(folder, name, label_file)
    return _open(folder, key, hit)


def _record_source(folder: Path, split: str, label_file: str) -> None:
    """Note which split and label file use the entry (``meta.json``, outside the manifest: it changes
    when the same images are listed by another label file), so the GUI's note names the data set."""
    path = folder / "meta.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    if (meta.get("split"), meta.get("label_file")) != (split, label_file):
        with contextlib.suppress(OSError):  # only the note's wording depends on it
            atomic_write_text(path, json.dumps({**meta, "split": split, "label_file": label_file}, indent=1))


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
    """What is cached, for the GUI's note: one dict per entry with a manifest.

    Each has ``path``, ``image_size``, ``weights`` (a fingerprint:
    :func:`engine.labs.transfer.backbone.weights_name` names it), ``cut``, ``images``, ``bytes``, and the
    ``split`` ("train", "validation", "test") and ``label_file`` it was computed for ("" when not
    recorded). The files are not hashed here (that happens when an entry is used).
    """
    entries = []
    for folder in sorted(cache_dir("transfer", "features-v2").iterdir()):
        info = manifest.read_info(folder)
        key = info.get("key")
        if not isinstance(key, dict) or "count" not in info:
            continue
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        entries.append(
            {
                "path": str(folder),
                "image_size": key.get("image_size"),
                "weights": key.get("weights"),
                "cut": key.get("cut"),
                "images": info["count"],
                "bytes": sum(p.stat().st_size for p in folder.iterdir() if p.is_file()),
                "split": str(meta.get("split", "")),
                "label_file": str(meta.get("label_file", "")),
            }
        )
    return entries
