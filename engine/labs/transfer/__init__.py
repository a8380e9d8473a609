"""Lab 5 — transfer learning with VGG-16 on document images (16 RVL-CDIP classes).

Reads like the lab sheet: Params → data (label file or the generated set, split without leakage) →
backbone (honestly labelled weights) → Model 1/2/3 with the frozen map checked → features of the frozen
part cached once → train the rest → test, confusion matrix, misclassified pages, gradient norms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.jobs import ArtifactSaved, CancelToken, Emit, LabResult, LabSpec, LogLine, Marker
from engine.labs.transfer import backbone as transfer_assets  # registers the backbone assets (no TensorFlow)
from engine.labs.transfer.data import CLASS_NAMES
from engine.params import check_memory, param
from engine.safe_files import clip, clip_repr, file_problem

BACKBONES = ("hed", "imagenet", "random")


@dataclass(frozen=True)
class GradientNormsMeasured:
    """One epoch's per-layer gradient norms on the fixed probe batch, sent as soon as they are measured.

    Emitted after each epoch, before its ``EpochEnded``; the run's ``extra["gradient_norms"]`` holds
    the same numbers for every epoch. Defined here, not beside the Keras callback, because the GUI
    imports it and must not import Keras.

    Args:
        epoch: 1-based, as in ``EpochEnded``.
        layers: The trainable layers, in model order.
        norms: The L2 norm of the loss gradient over each layer's weights, in ``layers``' order.
    """

    epoch: int
    layers: tuple[str, ...]
    norms: tuple[float, ...]


@dataclass(frozen=True)
class Params:
    """Settings of the transfer lab (defaults: Model-1/2 train in under a minute on a laptop CPU)."""

    model: int = param(
        1,
        "1: new conv block + 2 Dense; 2: FC layers as convolutions; 3: Model-2 + fine-tuning",
        minimum=1,
        maximum=3,
    )
    backbone: str = param(
        "hed", "hed (offline pretrained), imagenet (Keras cache), random, or a weights file path"
    )
    image_size: int = param(
        64, "Input size in pixels (224 as assigned; 64–128 for CPU sessions)", minimum=32, maximum=512
    )
    epochs: int = param(5, "Training epochs", minimum=1, maximum=200)
    batch_size: int = param(32, "Images per batch", minimum=1, maximum=512)
    learning_rate: float = param(1e-4, "Adam learning rate for Models 1 and 2", minimum=1e-7, maximum=1.0)
    fine_tune_learning_rate: float = param(
        1e-4,
        "Adam learning rate for Model-3 (at 1e-3 it stayed at chance on the generated set)",
        minimum=1e-8,
        maximum=1.0,
    )
    units: int = param(256, "Width of the new layers (K and K' of Model-2)", minimum=4, maximum=4096)
    label_file: str = param("", "A path,label CSV or RVL-CDIP 'path label' file; empty: the generated set")
    image_root: str = param("", "Folder image paths are relative to; empty: the label file's folder")
    per_class: int = param(30, "Generated set: images per class", minimum=3, maximum=500)
    val_fraction: float = param(0.2, "Share of the data for validation", minimum=0.05, maximum=0.5)
    test_fraction: float = param(0.2, "Share of the data for testing", minimum=0.05, maximum=0.5)
    cache_features: bool = param(True, "Compute the frozen part once and train on cached features")
    shift: float = param(
        0.0, "Augmentation: random shift (fraction of size), training data only", minimum=0.0, maximum=0.3
    )
    brightness: float = param(
        0.0, "Augmentation: random brightness change (pixel levels)", minimum=0.0, maximum=128.0
    )
    hflip: bool = param(False, "Augmentation: mirror pages left-right (wrong for documents)")
    seed: int = param(0, "Seed for data, splits, initial weights and shuffling", minimum=0)
    tensorboard: bool = param(
        True,
        "Write TensorBoard logs (epoch scalars, learning rate, weight and gradient histograms)",
        label="TensorBoard",
    )

    def validate(self) -> None:
        """Reject a backbone that is neither a known name nor a regular file, splits that leave too
        little for training, and an image size × batch size whose activations would not fit in memory."""
        if self.backbone not in BACKBONES and file_problem(self.backbone, "weights file") is not None:
            problem = file_problem(self.backbone, "weights file")
            raise ValueError(
                f"backbone: {clip_repr(self.backbone)} is not one of {', '.join(BACKBONES)}, and as a file: "
                f"{problem}"
            )
        if self.val_fraction + self.test_fraction >= 0.9:
            raise ValueError("val_fraction + test_fraction must leave at least 10 % for training")
        through_backbone = (
            2 if (self.model == 3 or not self.cache_features or self.shift or self.hflip) else 1
        )
        check_memory(
            f"one batch of VGG-16 activations at image_size {self.image_size} × batch_size {self.batch_size}",
            self.batch_size * vgg16_activation_bytes(self.image_size) * through_backbone,
            "Lower batch_size or image_size.",
        )


def vgg16_activation_bytes(image_size: int) -> int:
    """Bytes of VGG-16's layer outputs for one image (float32): ~300 values per input pixel, summed
    over its 13 convolutions and 5 poolings (60 MB at 224 px). Training through the base needs about
    twice that for the backward pass."""
    per_pixel = 2 * 64 + 64 / 4 + (2 * 128 + 128 / 4) / 4 + (3 * 256 + 256 / 4) / 16
    per_pixel += (3 * 512 + 512 / 4) / 64 + (3 * 512 + 512 / 4) / 256
    return int(4 * per_pixel * image_size * image_size)


def check_splits(train: list[Any], val: list[Any], test: list[Any], params: Params, usable: int) -> None:
    """Refuse a split that came out empty, saying why, before anything is trained.

    Raises:
        ValueError: Naming the empty split, the images and the fractions that led to it.
    """
    for name, split, fraction in (
        ("training", train, 1 - params.val_fraction - params.test_fraction),
        ("validation", val, params.val_fraction),
        ("test", test, params.test_fraction),
    ):
        if not split:
            raise ValueError(
                f"the {name} split is empty: {usable} usable images, and {fraction:.0%} of each class "
                f"rounds to no image; add images (at least {math.floor(0.5 / fraction) + 1} per class) "
                f"or change val_fraction/test_fraction"
            )


def run(params: Params, token: CancelToken, emit: Emit) -> LabResult:
    """Train Model-``params.model`` on the chosen backbone and data; see the module docstring."""
    from engine import tfrt
    from engine.labs.transfer import images, models
    from engine.labs.transfer.data import generate_documents
    from engine.labs.transfer.train import TrainingData, evaluate, prepare_training
    from engine.model_diagram import describe_model

    markers: list[Marker] = []

    def mark(kind: str, text: str, epoch: int = 0) -> None:
        marker = Marker(epoch, kind, text)
        markers.append(marker)
        emit(marker)

    # --- data: every path and file checked before the backbone loads or anything trains ---
    if params.image_root and not Path(params.image_root).is_dir():
        raise ValueError(f"image_root: {clip(params.image_root)} is not a folder")
    label_file = params.label_file or str(generate_documents(params.seed, params.per_class, token, emit))
    listed = images.read_label_file(label_file, len(CLASS_NAMES), params.image_root or None)
    skip_log = images.SkipLog()
    items = images.usable_items(listed, skip_log)
    for path, reason in sorted(skip_log.skipped.items()):
        emit(LogLine(f"skipped {path}: {reason}", "warning"))
    if not items:
        raise ValueError(f"{clip(label_file)}: none of its {len(listed)} images is a readable file")
    train, val, test = images.split_items(items, params.val_fraction, params.test_fraction, params.seed)
    check_splits(train, val, test, params, len(items))
    sizes = f"train {len(train)}, validation {len(val)}, test {len(test)}"
    emit(LogLine(f"{label_file}: {len(items)} images → {sizes}"))
    tfrt.seed_everything(params.seed)  # TensorFlow only now: bad data was named within a second
    keras = tfrt.keras()
    mark("split", f"splits disjoint: {len(train)}/{len(val)}/{len(test)} images, checked")
    augmentation = images.Augmentation(params.shift, params.brightness, params.hflip)
    if params.hflip:
        mark("augmentation", "horizontal flips on: mirrored text never occurs in real documents")

    # --- backbone and model ---
    with tfrt.strategy().scope():
        base = models.vgg16_base(params.image_size)
        backbone = transfer_assets.load_backbone(params.backbone, base, params.seed, emit)
        model = models.build_model(params.model, base, len(CLASS_NAMES), params.units)
        lr = params.fine_tune_learning_rate if params.model == 3 else params.learning_rate
        compile_args = {
            "optimizer": keras.optimizers.Adam(lr),
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
        }
    emit(LogLine(f"backbone: {backbone.title} — {backbone.source}"))
    counts = models.check_frozen(model, params.model)
    mark(
        "frozen",
        f"frozen check passed: {counts['frozen_vgg']:,} VGG-16 params frozen (0 of them trainable), "
        f"{counts['trainable']:,} trainable",
    )
    if params.model == 3:
        mark("fine_tune", f"Model-3 fine-tunes the last 6 VGG-16 layers at lr {lr:g}")

    # --- features of the frozen part, once (or images streamed through the whole model) ---
    splits = (train, val, test)
    data: TrainingData = prepare_training(
        params, model, backbone, augmentation, splits, skip_log, token, emit, compile_args, label_file
    )
    for line in data.notes:
        emit(LogLine(line))
    if data.cache_info.get("enabled"):
        statuses = {name: split["status"] for name, split in data.cache_info["splits"].items()}
        kinds = sorted(set(statuses.values()))
        mark("cache", f"features of the frozen part up to {data.cache_info['cut']}: cache {'/'.join(kinds)}")
    reported: set[str] = set(skip_log.skipped)  # the missing ones were reported above

    def report_skips() -> None:
        # Reported as soon as a pass over the data has met them; each image once.
        for path, reason in sorted(skip_log.skipped.items()):
            if path not in reported:
                reported.add(path)
                emit(LogLine(f"skipped {path}: {reason}", "warning"))

    report_skips()

    # --- train ---
    from engine.keras_fit import fit_with_events
    from engine.labs.transfer.gradients import GradientNorms  # imports TensorFlow

    probe_x, probe_y = data.probe
    gradients = GradientNorms(probe_x, probe_y, emit)
    callbacks = [*data.callbacks, gradients]
    artifacts = dict(data.artifacts)
    if params.tensorboard:
        from engine.callbacks.tensorboard_logger import TensorBoardLogger
        from engine.tensorboard_logs import run_log_dir

        log_dir = run_log_dir("transfer", f"model{params.model}-seed{params.seed}")
        artifacts["tensorboard"] = str(log_dir)
        emit(ArtifactSaved("tensorboard", str(log_dir)))
        callbacks.append(TensorBoardLogger(log_dir, gradients, validation_keys=()))  # after the norms
    steps = math.ceil(data.train_count / params.batch_size)
    history = fit_with_events(
        data.model,
        data.train,
        token=token,
        emit=emit,
        epochs=params.epochs,
        steps_per_epoch=steps,
        callbacks=callbacks,
        validation_data=data.val,
        shuffle=False,  # the datasets shuffle themselves, reproducibly from the seed
    )

    # --- test ---
    result = evaluate(data, test, len(CLASS_NAMES), token)
    report_skips()
    layer_rows = models.layer_map(model)
    hist = {k: [float(v) for v in values] for k, values in history.history.items()}
    val_acc = hist.get("val_accuracy", [])
    if val_acc and val_acc[-1] <= 1.5 / len(CLASS_NAMES):
        mark(
            "chance",
            f"validation accuracy {val_acc[-1]:.3f} is chance level (1/16 = 0.0625): nothing was learned"
            + (" — lower the fine-tuning learning rate" if params.model == 3 else ""),
            len(val_acc),
        )
    return LabResult(
        history=hist,
        markers=tuple(markers),
        test={"accuracy": result.accuracy, "loss": result.loss},
        artifacts=artifacts,
        extra={
            "backbone": backbone.as_dict(),
            "label_file": label_file,
            "class_names": list(CLASS_NAMES),
            "split_sizes": {"train": len(train), "validation": len(val), "test": len(test)},
            "layers": [vars(row) | {"output_shape": list(row.output_shape)} for row in layer_rows],
            "param_counts": counts,
            "model_diagram": describe_model(model),
            "trained_from": data.trained_from,
            "confusion_matrix": result.confusion.tolist(),
            "misclassified": result.misclassified,
            "misclassified_total": result.misclassified_total,
            "gradient_norms": gradients.as_dict(),
            "cache": data.cache_info,
            "skipped_images": [{"path": p, "reason": r} for p, r in sorted(skip_log.skipped.items())],
        },
    )


LAB = LabSpec(
    id="transfer",
    title="Transfer learning",
    summary=(
        "VGG-16 as a frozen feature extractor for 16 classes of document images: a new conv block "
        "(Model-1), FC layers written as convolutions (Model-2), and fine-tuning (Model-3), with honest "
        "backbone labels and cached features."
    ),
    assignment="Lab 5: transfer learning with VGG-16 on RVL-CDIP",
    params_type=Params,
    run=run,
)
