"""Document images into VGG-16: the label file, decoding, preprocessing, augmentation and tf.data.

The label file is the real data's format: a CSV with a ``path,label`` header, or RVL-CDIP's own
``path label`` lines. Images stream from disk through ``tf.data`` (never all in memory). Each one is
decoded (:mod:`engine.labs.transfer.decode`: TIFF by Pillow, the rest by TensorFlow), made 3-channel, resized,
optionally augmented (training data only; documents are never flipped unless asked), and preprocessed
the way the backbone was trained (BGR minus the ImageNet mean for VGG-16). An image that is missing
or does not decode is recorded in a :class:`SkipLog` and dropped from the batch, never fatal.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.labs.transfer.decode import ImageError, decode_image
from engine.safe_files import clip, clip_repr, decode_error_line, file_problem, read_limited

#: Largest label file read: RVL-CDIP's 400,000-line lists are ~20 MB.
MAX_LABEL_FILE_BYTES = 256 << 20


class LabelFileError(ValueError):
    """The label file cannot be used; the message names the file, the row and the problem."""


@dataclass(frozen=True)
class LabelledImage:
    """One row of the label file with its path resolved."""

    path: str
    label: int
    row: int


@dataclass
class SkipLog:
    """Thread-safe record of images dropped by the pipeline (``tf.data`` decodes in parallel)."""

    skipped: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, path: str, reason: str) -> None:
        """Record that ``path`` was skipped because of ``reason``."""
        with self._lock:
            self.skipped[path] = reason


def read_label_file(
    path: str | Path, n_classes: int = 16, image_root: str | Path | None = None
) -> list[LabelledImage]:
    """Parse a ``path,label`` CSV (with header) or ``path label`` lines.

    Image paths are the user's own: a relative path starts at ``image_root`` and may climb out of it
    (``../scans/a.tif``), and absolute paths are taken as they are. The label file is trusted to name
    the images it means, as a shell script would; the images themselves are checked one by one
    (regular files only, a size and pixel limit) when they are read.

    Args:
        path: The label file.
        n_classes: Labels must be whole numbers in ``0 … n_classes - 1``. Defaults to 16.
        image_root: Folder relative image paths start from. Defaults to the label file's folder.

    Raises:
        LabelFileError: Missing, special or non-UTF-8 file, an empty file, a malformed row, or a label
            out of range (the message names the row).
    """
    file = Path(path)
    root = Path(image_root) if image_root else file.parent
    data = read_limited(file, MAX_LABEL_FILE_BYTES, LabelFileError, "label file")
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        bad_line = decode_error_line(file)
        where = f"row {bad_line}" if bad_line is not None else f"byte {exc.start}"
        raise LabelFileError(f"{file}, {where}: not UTF-8 text (save the label file as UTF-8)") from None
    numbered = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise LabelFileError(f"{file}: the label file is empty")
    is_csv = "," in numbered[0][1]
    items: list[LabelledImage] = []
    for n, line in numbered:
        try:
            fields = next(csv.reader([line])) if is_csv else line.rsplit(None, 1)
        except csv.Error as exc:
            raise LabelFileError(f"{file}, row {n}: not a valid CSV row ({clip(exc)})") from None
        if n == numbered[0][0] and [f.strip().lower() for f in fields] == ["path", "label"]:
            continue  # the header
        if len(fields) != 2 or not fields[0].strip():
            expected = "path,label" if is_csv else "path label"
            raise LabelFileError(f"{file}, row {n}: expected '{expected}', got {clip_repr(line)}")
        name, text = fields[0].strip(), fields[1].strip()
        try:
            label = int(text)
        except ValueError:
            raise LabelFileError(
                f"{file}, row {n}, column label: {clip_repr(text)} is not a whole number"
            ) from None
        if not 0 <= label < n_classes:
            raise LabelFileError(f"{file}, row {n}, column label: {label} is not in 0…{n_classes - 1}")
        image = Path(name)
        items.append(LabelledImage(str(image if image.is_absolute() else root / image), label, n))
    if not items:
        raise LabelFileError(f"{file}: no images listed (only a header)")
    return items


def usable_items(items: Sequence[LabelledImage], skip_log: SkipLog) -> list[LabelledImage]:
    """The items whose image is a regular file; the others go to ``skip_log`` before any training.

    A missing image, a folder, a named pipe (which would block the input pipeline, where Ctrl+C
    cannot reach it) or a device is found here, in a second for 400,000 images, not mid-epoch.
    """
    usable = []
    for item in items:
        problem = file_problem(item.path, "image")
        if problem is None:
            usable.append(item)
        else:
            skip_log.add(item.path, problem)
    return usable


@dataclass(frozen=True)
class Preprocessing:
    """How a backbone expects its input: channel order and the mean subtracted per channel.

    VGG-16 (Caffe/Keras ``preprocess_input``) takes BGR minus the ImageNet mean, not pixels / 255.
    """

    name: str
    bgr: bool
    mean: tuple[float, float, float]

    def apply(self, images: Any) -> Any:
        """Preprocess RGB float images in [0, 255] (numpy or tensor, channels last)."""
        x = images[..., ::-1] if self.bgr else images
        return x - np.asarray(self.mean, dtype=np.float32)


#: Keras's ``vgg16.preprocess_input`` ("caffe" mode): BGR minus these means.
VGG_IMAGENET = Preprocessing("BGR minus ImageNet mean (Keras VGG-16)", True, (103.939, 116.779, 123.68))
#: The HED package's ``preprocess_image``: BGR minus the mean it was fine-tuned with.
VGG_HED = Preprocessing("BGR minus HED mean", True, (104.00699, 116.66877, 122.67892))


@dataclass(frozen=True)
class Augmentation:
    """Training-only augmentation; all off by default because documents have a fixed orientation.

    Args:
        shift: Largest random shift as a fraction of the image size. Defaults to 0.
        brightness: Largest random brightness change in pixel levels. Defaults to 0.
        hflip: Randomly flip left-right (mirrored text: off for documents). Defaults to False.
    """

    shift: float = 0.0
    brightness: float = 0.0
    hflip: bool = False

    @property
    def active(self) -> bool:
        """Whether any augmentation is on."""
        return self.shift > 0 or self.brightness > 0 or self.hflip


class EpochOrder:
    """The training order of each epoch, a pure function of (seed, epoch).

    ``shuffle(reshuffle_each_iteration=True)`` reshuffles per *iterator*, and Keras may open an extra
    iterator on one kind of dataset but not another, so two pipelines over the same data drift apart
    by an epoch. Here the epoch is a variable that :meth:`callback` sets at each epoch's start, and the
    permutation is a stateless shuffle of it: cached features and images streamed through the
    backbone see exactly the same batches.

    Args:
        seed: The run's seed.
    """

    def __init__(self, seed: int) -> None:
        from engine import tfrt

        tf = tfrt.tf()
        self.seed = seed
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False)

    def positions(self, n: int) -> Any:
        """A dataset of ``0 … n-1`` in this epoch's order (read when the epoch's iterator starts)."""
        from engine import tfrt

        tf = tfrt.tf()

        def permutation(_: Any) -> Any:
            key = tf.stack([tf.constant(self.seed, tf.int64), self.epoch.read_value()])
            order = tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), seed=key)
            return tf.data.Dataset.from_tensor_slices(order)

        # flat_map hides the length; state it so Keras knows the epoch's batch count in advance.
        positions = tf.data.Dataset.range(1).flat_map(permutation)
        return positions.apply(tf.data.experimental.assert_cardinality(n))

    def callback(self) -> Any:
        """A Keras callback that moves the order to each epoch as ``fit`` starts it."""
        from engine import tfrt

        keras = tfrt.keras()
        return keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs=None: self.epoch.assign(epoch)
        )


def make_dataset(
    items: Sequence[LabelledImage],
    image_size: int,
    preprocessing: Preprocessing,
    batch_size: int,
    skip_log: SkipLog,
    *,
    order: EpochOrder | None = None,
    augmentation: Augmentation | None = None,
    with_index: bool = False,
) -> Any:
    """A batched ``tf.data.Dataset`` of ``(images, labels)`` (or ``(images, labels, index)``).

    Args:
        items: The images of one split.
        image_size: Images are resized to ``image_size × image_size``.
        preprocessing: The backbone's input preprocessing.
        batch_size: Images per batch.
        skip_log: Records images that were dropped.
        order: Shuffle into this per-epoch order; None keeps the file order. Defaults to None.
        augmentation: Applied only here, so pass it for the training split only. Defaults to None.
        with_index: Also yield each image's position in ``items`` (the feature cache needs it).
            Defaults to False.
    """
    from engine import tfrt

    tf = tfrt.tf()
    paths = tf.constant([item.path for item in items])
    labels = tf.constant([item.label for item in items], dtype=tf.int32)
    positions = tf.data.Dataset.range(len(items)) if order is None else order.positions(len(items))
    aug = augmentation if augmentation is not None and augmentation.active else None
    # Augmentation draws from (seed, image, epoch): reproducible, and different every epoch.
    aug_seed = order.seed if order is not None else 0
    epoch = order.epoch if order is not None else None

    def element(i: Any) -> Any:
        i32 = tf.cast(i, tf.int32)
        return tf.gather(paths, i32), tf.gather(labels, i32), i32

    ds = positions.map(element)

    def load(path: Any) -> tuple[np.ndarray, bool]:
        name = path.numpy().decode()
        try:
            return decode_image(name), True
        except ImageError as exc:
            skip_log.add(name, str(exc))
            return np.zeros((1, 1, 3), np.uint8), False

    def decode(path: Any, label: Any, index: Any) -> Any:
        image, ok = tf.py_function(load, [path], [tf.uint8, tf.bool])
        image.set_shape([None, None, 3])
        return image, label, index, ok

    def prepare(image: Any, label: Any, index: Any, ok: Any) -> Any:
        x = tf.image.resize(tf.cast(image, tf.float32), [image_size, image_size], antialias=True)
        if aug is not None:
            step = epoch.read_value() if epoch is not None else tf.constant(0, tf.int64)
            key = tf.stack([tf.cast(index, tf.int64) + 1_000_003 * aug_seed, step])
            x = _augment(tf, x, aug, key, image_size)
        x = preprocessing.apply(x)
        return (x, label, index) if with_index else (x, label)

    ds = ds.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.filter(lambda image, label, index, ok: ok)
    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.batch(batch_size).prefetch(2)


def _augment(tf: Any, x: Any, aug: Augmentation, seed: Any, size: int) -> Any:
    if aug.shift > 0:
        pad = max(1, round(aug.shift * size))
        # Pad with white (paper), then crop back at a random offset: a shift of up to ±pad pixels.
        padded = tf.pad(x, [[pad, pad], [pad, pad], [0, 0]], constant_values=255.0)
        x = tf.image.stateless_random_crop(padded, [size, size, 3], seed=seed)
    if aug.brightness > 0:
        delta = tf.random.stateless_uniform([], seed[::-1], -aug.brightness, aug.brightness)
        x = tf.clip_by_value(x + delta, 0.0, 255.0)
    if aug.hflip:
        x = tf.image.stateless_random_flip_left_right(x, seed=seed + 1)
    return x


def split_items(
    items: Sequence[LabelledImage], val_fraction: float, test_fraction: float, seed: int
) -> tuple[list[LabelledImage], list[LabelledImage], list[LabelledImage]]:
    """Stratified, seeded train/validation/test split with every class in every split when possible.

    The splits are disjoint by construction and checked to be (the original's ``subet=`` typo trained
    on the validation images).
    """
    rng = np.random.default_rng(seed)
    train: list[LabelledImage] = []
    val: list[LabelledImage] = []
    test: list[LabelledImage] = []
    for label in sorted({item.label for item in items}):
        members = [item for item in items if item.label == label]
        order = rng.permutation(len(members))
        n_test = round(len(members) * test_fraction)
        n_val = round(len(members) * val_fraction)
        test += [members[i] for i in order[:n_test]]
        val += [members[i] for i in order[n_test : n_test + n_val]]
        train += [members[i] for i in order[n_test + n_val :]]
    rows = [{item.row for item in split} for split in (train, val, test)]
    if rows[0] & rows[1] or rows[0] & rows[2] or rows[1] & rows[2]:
        raise AssertionError("train/validation/test splits overlap")
    return train, val, test
