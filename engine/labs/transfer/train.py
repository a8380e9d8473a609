"""What the transfer lab trains on and how it is tested: cached features or streamed images.

With a frozen part and no augmentation, the model is cut before its first trainable layer: the frozen
prefix turns each split into cached features once, and the trainable rest (the same layer objects)
trains on them. With augmentation (or caching switched off) the images stream through the whole model
every epoch. Both paths share the test: predictions, confusion matrix and misclassified pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import metrics
from engine.jobs import CancelToken, Emit, Progress
from engine.labs.transfer.backbone import Backbone
from engine.labs.transfer.cache import CachedSplit, cache_key, cached_features, feature_dataset
from engine.labs.transfer.images import Augmentation, EpochOrder, LabelledImage, SkipLog, make_dataset

MAX_MISCLASSIFIED = 32  # enough for the GUI's thumbnail grid


@dataclass
class TrainingData:
    """The model to fit and its inputs, plus what the learner should know about how they were made."""

    model: Any
    train: Any
    val: Any
    train_count: int
    probe: tuple[Any, Any]
    test_batches: Callable[[], Iterable[tuple[Any, Any, Any]]]
    trained_from: str
    callbacks: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cache_info: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)


class _OneCachingStep:
    """Reports the three splits' feature caching as one step (``caching features 120/480``), so its
    ETA covers all of the caching, not the current split's; other events pass through unchanged."""

    def __init__(self, emit: Emit, total: int) -> None:
        self._emit, self._total, self._before = emit, total, 0

    def emit(self, event: object) -> None:
        if isinstance(event, Progress) and event.phase.startswith("caching"):
            split = event.phase.removeprefix("caching ").removesuffix(" features")
            done = self._before + min(event.done, event.total)
            self._emit(Progress(f"caching features ({split})", done, self._total))
        else:
            self._emit(event)

    def split_done(self, items: int) -> None:
        self._before += items


def prepare_training(
    params: Any,
    model: Any,
    backbone: Backbone,
    augmentation: Augmentation,
    splits: tuple[Sequence[LabelledImage], Sequence[LabelledImage], Sequence[LabelledImage]],
    skip_log: SkipLog,
    token: CancelToken,
    emit: Emit,
    compile_args: dict[str, Any],
    label_file: str = "",
) -> TrainingData:
    """Build the training inputs: cached features when possible, else streamed images.

    ``label_file`` (where the splits come from) is recorded with each cache entry for the GUI's note.
    """
    train, val, test = splits
    size, batch, prep = params.image_size, params.batch_size, backbone.preprocessing
    probe_items = _probe_items(train, batch, params.seed)
    order = EpochOrder(params.seed)
    if params.cache_features and not augmentation.active:
        from engine.labs.transfer.models import split_at_first_trainable

        extractor, tail, cut = split_at_first_trainable(model)
        tail.compile(**compile_args)
        cached: dict[str, CachedSplit] = {}
        progress = _OneCachingStep(emit, len(train) + len(val) + len(test))
        for name, items in (("train", train), ("validation", val), ("test", test)):
            key = cache_key(items, size, backbone.fingerprint, f"vgg16:{cut}", prep)
            cached[name] = cached_features(
                name, items, extractor, key, prep, batch, skip_log, token, progress.emit, label_file
            )
            progress.split_done(len(items))
        notes = [
            f"feature cache {name}: {'hit' if c.hit else 'miss (computed now)'}, {len(c.labels)} × "
            f"{tuple(c.features.shape[1:])} = {c.nbytes / 1e6:.1f} MB at {c.folder}"
            for name, c in cached.items()
        ]
        trains = cached["train"]
        position = {int(i): p for p, i in enumerate(trains.index)}
        probe_rows = np.array([position[i] for i in probe_items if i in position], dtype=np.int64)
        probe = (np.asarray(trains.features[probe_rows]), trains.labels[probe_rows])
        test_split = cached["test"]

        def cached_test() -> Iterable[tuple[Any, Any, Any]]:
            start = 0
            for x, y in feature_dataset(test_split, batch):
                yield x, y, test_split.index[start : start + len(y)]
                start += len(y)

        return TrainingData(
            model=tail,
            train=feature_dataset(trains, batch, order),
            val=feature_dataset(cached["validation"], batch),
            train_count=len(trains.labels),
            probe=probe,
            test_batches=cached_test,
            trained_from=f"cached output of {cut}",
            callbacks=[order.callback()],
            notes=notes,
            cache_info={
                "enabled": True,
                "cut": cut,
                "splits": {
                    name: {"status": "hit" if c.hit else "miss", "path": str(c.folder), "bytes": c.nbytes}
                    for name, c in cached.items()
                },
            },
            artifacts={f"feature_cache_{name}": str(c.folder) for name, c in cached.items()},
        )
    model.compile(**compile_args)
    why = (
        "augmentation is on (augmented images change every epoch)" if augmentation.active else "switched off"
    )
    probe_ds = make_dataset([train[i] for i in probe_items], size, prep, len(probe_items), skip_log)
    probe = next(iter(probe_ds), (np.zeros((0, size, size, 3), np.float32), np.zeros(0, np.int32)))

    def streamed_test() -> Iterable[tuple[Any, Any, Any]]:
        return make_dataset(test, size, prep, batch, skip_log, with_index=True)

    return TrainingData(
        model=model,
        train=make_dataset(train, size, prep, batch, skip_log, order=order, augmentation=augmentation),
        val=make_dataset(val, size, prep, batch, skip_log),
        train_count=len(train),
        probe=probe,
        test_batches=streamed_test,
        trained_from="images, through the frozen backbone every epoch",
        callbacks=[order.callback()],
        notes=[f"feature cache not used: {why}"],
        cache_info={"enabled": False, "reason": why},
    )


def _probe_items(train: Sequence[LabelledImage], batch: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed + 1)
    return sorted(rng.choice(len(train), size=min(batch, len(train)), replace=False).tolist())


@dataclass(frozen=True)
class TestResult:
    """Test-split metrics and the pages the model got wrong (the first :data:`MAX_MISCLASSIFIED` of
    ``misclassified_total``)."""

    accuracy: float
    loss: float
    confusion: np.ndarray
    misclassified: list[dict[str, Any]]
    misclassified_total: int


def evaluate(
    data: TrainingData, test: Sequence[LabelledImage], n_classes: int, token: CancelToken
) -> TestResult:
    """Predict the test split batch by batch and summarise it (numpy metrics, one source of truth)."""
    probs: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    index: list[np.ndarray] = []
    for x, y, idx in data.test_batches():
        token.raise_if_cancelled()
        probs.append(np.asarray(data.model(x, training=False)))
        labels.append(np.asarray(y))
        index.append(np.asarray(idx))
    if not probs:
        raise ValueError("no test image could be read")
    p, y_true, where = np.concatenate(probs), np.concatenate(labels), np.concatenate(index)
    y_pred = p.argmax(axis=1)
    loss = float(-np.mean(np.log(np.clip(p[np.arange(len(y_true)), y_true], 1e-7, 1.0))))
    wrong = np.flatnonzero(y_pred != y_true)
    misclassified = [
        {
            "path": test[int(where[i])].path,
            "true": int(y_true[i]),
            "predicted": int(y_pred[i]),
            "confidence": float(p[i, y_pred[i]]),
        }
        for i in wrong[:MAX_MISCLASSIFIED]
    ]
    return TestResult(
        accuracy=metrics.accuracy(y_true, y_pred),
        loss=loss,
        confusion=metrics.confusion_matrix(y_true, y_pred, n_classes),
        misclassified=misclassified,
        misclassified_total=len(wrong),
    )
