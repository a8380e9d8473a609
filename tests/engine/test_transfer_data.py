"""Transfer lab data: label files, the generated document set, the TIFF reader, decoding and skipping."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.data import image_pipeline as ip
from engine.data.documents import CLASS_NAMES, encode_png, generate_documents, render_page
from engine.data.tiff import TiffError, read_tiff

TIFFS = Path(__file__).parent / "data" / "transfer_tiff"


def _patterns() -> dict[str, np.ndarray]:
    # Same formulas as make_fixtures.py, which wrote the files with libtiff.
    y, x = np.mgrid[0:29, 0:37]
    return {
        "gray": ((x * 7 + y * 13) % 256).astype(np.uint8),
        "rgb": np.stack([(x * 5) % 256, (y * 9) % 256, (x + y) % 256], -1).astype(np.uint8),
        "bits": np.where((x // 3 + y // 2) % 2 == 1, 0, 255).astype(np.uint8),  # ink bits are black
        "noise": (np.random.default_rng(0).integers(0, 16, (120, 160)) * 17).astype(np.uint8),
    }


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("gray8_none.tif", "gray"),
        ("gray8_lzw.tif", "gray"),
        ("gray8_lzw_predictor.tif", "gray"),
        ("gray8_lzw_clear.tif", "noise"),
        ("gray8_packbits.tif", "gray"),
        ("rgb8_deflate.tif", "rgb"),
        ("rgb8_lzw_predictor.tif", "rgb"),
        ("bw1_packbits_miniswhite.tif", "bits"),
    ],
)
def test_tiff_reader_matches_libtiff_encoded_files(name: str, pattern: str) -> None:
    pixels = read_tiff((TIFFS / name).read_bytes())
    np.testing.assert_array_equal(pixels, _patterns()[pattern])


def test_tiff_reader_names_unsupported_and_broken_files() -> None:
    with pytest.raises(TiffError, match="CCITT Group 4"):
        read_tiff((TIFFS / "bw1_g4.tif").read_bytes())
    data = (TIFFS / "gray8_none.tif").read_bytes()
    with pytest.raises(TiffError, match=r"past the end|truncated|short"):
        read_tiff(data[: len(data) // 3])
    with pytest.raises(TiffError, match="not a TIFF"):
        read_tiff(b"hello")


def _write_labels(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_label_file_formats(tmp_path: Path) -> None:
    csv_file = _write_labels(tmp_path / "train.csv", "path,label\nimgs/a.tif,3\n/abs/b.png,15\n")
    items = ip.read_label_file(csv_file)
    assert [(i.path, i.label, i.row) for i in items] == [
        (str(tmp_path / "imgs/a.tif"), 3, 2),
        ("/abs/b.png", 15, 3),
    ]
    rvl = _write_labels(tmp_path / "train.txt", "imagesa/a/a/x.tif 11\n\nimagesb/y.tif 0\n")
    items = ip.read_label_file(rvl, image_root=tmp_path / "images")
    assert [(i.path, i.label) for i in items] == [
        (str(tmp_path / "images/imagesa/a/a/x.tif"), 11),
        (str(tmp_path / "images/imagesb/y.tif"), 0),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("path,label\n", "no images"),
        ("path,label\na.png,letter\n", r"row 2, column label: 'letter' is not a whole number"),
        ("path,label\na.png,16\n", r"row 2, column label: 16 is not in 0…15"),
        ("path,label\na.png,1\nb.png,2,extra\n", r"row 3: expected 'path,label'"),
        ("a.png\n", r"row 1: expected 'path label'"),
    ],
)
def test_bad_label_files_name_file_and_row(tmp_path: Path, text: str, message: str) -> None:
    file = _write_labels(tmp_path / "labels.csv", text)
    with pytest.raises(ip.LabelFileError, match=message) as info:
        ip.read_label_file(file)
    assert str(file) in str(info.value)


def test_missing_label_file(tmp_path: Path) -> None:
    with pytest.raises(ip.LabelFileError, match="not found"):
        ip.read_label_file(tmp_path / "nope.csv")


def test_generated_documents_are_deterministic_and_shaped_like_the_real_file() -> None:
    labels = generate_documents(seed=5, per_class=3)
    with open(labels, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["path", "label"]
    assert len(rows) == 1 + 3 * len(CLASS_NAMES)
    assert sorted({int(label) for _, label in rows[1:]}) == list(range(16))
    first = labels.parent / rows[1][0]
    expected = render_page(int(rows[1][1]), np.random.default_rng([5, int(rows[1][1]), 0]))
    assert first.read_bytes() == encode_png(expected)
    # The written PNG decodes (by TensorFlow) to the rendered page, as 3 equal channels.
    decoded = ip.decode_image(str(first))
    assert decoded.shape == (*expected.shape, 3)
    np.testing.assert_array_equal(decoded[:, :, 0], expected)
    np.testing.assert_array_equal(decoded[:, :, 2], expected)
    other = render_page(0, np.random.default_rng([6, 0, 0]))
    assert not np.array_equal(other, render_page(0, np.random.default_rng([5, 0, 0])))


def test_classes_differ_in_layout() -> None:
    # Mean ink per page row differs between classes more than between pages of one class.
    profiles = np.array(
        [
            [255 - render_page(c, np.random.default_rng([0, c, i])).mean(axis=1) for i in range(6)]
            for c in range(16)
        ]
    )
    centroids = profiles.mean(axis=1)
    within = np.mean([np.linalg.norm(profiles[c] - centroids[c], axis=1).mean() for c in range(16)])
    between = np.mean([np.linalg.norm(centroids[a] - centroids[b]) for a in range(16) for b in range(a)])
    assert between > 1.5 * within


def test_split_is_stratified_and_disjoint() -> None:
    items = [ip.LabelledImage(f"{c}-{i}.png", c, 10 * c + i) for c in range(16) for i in range(10)]
    train, val, test = ip.split_items(items, 0.2, 0.2, seed=1)
    assert (len(train), len(val), len(test)) == (96, 32, 32)
    paths = [{i.path for i in split} for split in (train, val, test)]
    assert len(paths[0] | paths[1] | paths[2]) == 160  # disjoint and complete
    assert {i.label for i in val} == set(range(16)) == {i.label for i in test}
    again = ip.split_items(items, 0.2, 0.2, seed=1)
    assert again == (train, val, test)


def test_missing_and_corrupt_images_are_skipped_and_reported(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(encode_png(np.full((40, 30), 200, np.uint8)))
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(good.read_bytes()[:30])
    tiff = tmp_path / "page.tif"
    tiff.write_bytes((TIFFS / "gray8_lzw.tif").read_bytes())
    unsupported = tmp_path / "fax.tif"
    unsupported.write_bytes((TIFFS / "bw1_g4.tif").read_bytes())
    names = ["good.png", "missing.png", "corrupt.png", "page.tif", "fax.tif"]
    items = [ip.LabelledImage(str(tmp_path / n), k, k + 2) for k, n in enumerate(names)]
    log = ip.SkipLog()
    batches = list(ip.make_dataset(items, 32, ip.VGG_IMAGENET, 8, log, with_index=True))
    index = np.concatenate([b[2].numpy() for b in batches])
    assert index.tolist() == [0, 3]
    assert batches[0][0].shape[1:] == (32, 32, 3)
    assert set(log.skipped) == {str(tmp_path / n) for n in ("missing.png", "corrupt.png", "fax.tif")}
    assert "CCITT Group 4" in log.skipped[str(unsupported)]
    # BGR minus the ImageNet mean: a uniform gray page of 200 gives 200 - mean per channel.
    np.testing.assert_allclose(batches[0][0][0, 5, 5].numpy(), 200 - np.array([103.939, 116.779, 123.68]))


def test_augmentation_is_off_by_default_and_only_where_asked(tmp_path: Path) -> None:
    assert not ip.Augmentation().active and not ip.Augmentation().hflip
    page = tmp_path / "p.png"
    page.write_bytes(encode_png(render_page(9, np.random.default_rng(0))))
    items = [ip.LabelledImage(str(page), 9, 2)] * 4
    log = ip.SkipLog()
    plain = [b[0].numpy() for b in ip.make_dataset(items, 48, ip.VGG_HED, 4, log)]
    again = [b[0].numpy() for b in ip.make_dataset(items, 48, ip.VGG_HED, 4, log)]
    np.testing.assert_array_equal(plain[0], again[0])
    assert np.ptp(plain[0], axis=0).max() == 0  # four copies, no augmentation: identical
    shifted = ip.make_dataset(
        items, 48, ip.VGG_HED, 4, log, order=ip.EpochOrder(0), augmentation=ip.Augmentation(0.1)
    )
    first = next(iter(shifted))[0].numpy()
    assert np.ptp(first, axis=0).max() > 0  # each copy shifted differently
    order = ip.EpochOrder(0)
    shifted = ip.make_dataset(items, 48, ip.VGG_HED, 4, log, order=order, augmentation=ip.Augmentation(0.1))
    by_epoch = []
    for epoch in (0, 1, 0):
        order.epoch.assign(epoch)
        batch = next(iter(shifted))
        by_epoch.append(np.sort(batch[0].numpy(), axis=0))  # four copies of one page: order-free
    np.testing.assert_array_equal(by_epoch[0], by_epoch[2])  # a function of (seed, image, epoch)
    assert not np.array_equal(by_epoch[0], by_epoch[1])  # and new every epoch


def test_importing_the_lab_does_not_import_tensorflow() -> None:
    code = "import sys, engine.labs.transfer, engine.assets as a; a.get_asset('vgg16-hed'); "
    code += "print('tensorflow' in sys.modules, 'PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
