"""Transfer lab data: label files, the generated document set, TIFF decoding (Pillow), skipping."""

from __future__ import annotations

import csv
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.labs.transfer import images as ip
from engine.labs.transfer.data import CLASS_NAMES, encode_png, generate_documents, render_page
from engine.labs.transfer.decode import MAX_IMAGE_PIXELS, ImageError, decode_tiff

TIFFS = Path(__file__).parent / "data" / "transfer_tiff"


def _patterns() -> dict[str, np.ndarray]:
    # Same formulas as make_fixtures.py, which wrote the files with libtiff.
    y, x = np.mgrid[0:29, 0:37]
    rng = np.random.default_rng(3)
    page = np.full((1000, 760), 255, np.uint8)  # a bilevel page of word-like blocks; ink is black
    for top in range(60, 940, 22):
        left = 60
        while left < 680:
            width = int(rng.integers(12, 70))
            page[top : top + 9, left : min(left + width, 700)] = 0
            left += width + int(rng.integers(6, 14))
    return {
        "gray": ((x * 7 + y * 13) % 256).astype(np.uint8),
        "rgb": np.stack([(x * 5) % 256, (y * 9) % 256, (x + y) % 256], -1).astype(np.uint8),
        "bits": np.where((x // 3 + y // 2) % 2 == 1, 0, 255).astype(np.uint8),  # ink bits are black
        "noise": (np.random.default_rng(0).integers(0, 16, (120, 160)) * 17).astype(np.uint8),
        "page": page,
    }


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("gray8_none.tif", "gray"),
        ("gray8_lzw.tif", "gray"),
        ("gray8_lzw_predictor.tif", "gray"),
        ("gray8_lzw_clear.tif", "noise"),
        ("gray8_packbits.tif", "gray"),
        ("gray8_tiled_lzw.tif", "gray"),
        ("gray16_none.tif", "gray"),  # 16-bit samples v·257 keep their top byte v
        ("rgb8_deflate.tif", "rgb"),
        ("rgb8_lzw_predictor.tif", "rgb"),
        ("bw1_packbits_miniswhite.tif", "bits"),
        ("bw1_g3_1d.tif", "bits"),  # CCITT Group 3, one-dimensional coding
        ("bw1_g3_2d.tif", "bits"),  # CCITT Group 3, two-dimensional coding
        ("bw1_g4.tif", "bits"),  # CCITT Group 4: how RVL-CDIP stores its scans
        ("page_g4_miniswhite.tif", "page"),
    ],
)
def test_tiffs_decode_to_the_pixels_libtiff_encoded(name: str, pattern: str) -> None:
    pixels = decode_tiff((TIFFS / name).read_bytes(), name)
    np.testing.assert_array_equal(pixels, _patterns()[pattern])


def _with_tag(data: bytes, tag: int, value: int) -> bytes:
    """``data`` (a little-endian TIFF) with one SHORT/LONG tag of its first directory set to ``value``."""
    out = bytearray(data)
    (offset,) = struct.unpack_from("<I", out, 4)
    (count,) = struct.unpack_from("<H", out, offset)
    for entry in range(offset + 2, offset + 2 + 12 * count, 12):
        number, kind = struct.unpack_from("<HH", out, entry)
        if number == tag:
            struct.pack_into("<H" if kind == 3 else "<I", out, entry + 8, value)
            return bytes(out)
    raise KeyError(tag)


def test_unreadable_tiffs_raise_image_errors_that_name_the_file() -> None:
    g4 = (TIFFS / "bw1_g4.tif").read_bytes()
    assert g4[:2] == b"II"
    with pytest.raises(ImageError, match=r"fax\.tif: Pillow cannot read this TIFF .*unknown compression"):
        decode_tiff(_with_tag(g4, 259, 60000), "fax.tif")  # a compression code libtiff does not know
    # A header claiming 65535 × 65535 pixels: refused before anything is decompressed.
    with pytest.raises(ImageError, match=r"bomb\.tif: skipped, .*decompression bomb"):
        decode_tiff(_with_tag(_with_tag(g4, 256, 65535), 257, 65535), "bomb.tif")
    side = int(np.sqrt(MAX_IMAGE_PIXELS)) + 1  # just over our limit, under Pillow's own refusal
    with pytest.raises(ImageError, match=rf"{side}×{side} is more than {MAX_IMAGE_PIXELS:,} pixels"):
        decode_tiff(_with_tag(_with_tag(g4, 256, side), 257, side), "big.tif")
    data = (TIFFS / "gray8_none.tif").read_bytes()
    with pytest.raises(ImageError, match=r"cut\.tif: .*truncated"):
        decode_tiff(data[: len(data) // 3], "cut.tif")
    with pytest.raises(ImageError, match=r"hello\.tif: Pillow cannot read this TIFF"):
        decode_tiff(b"II*\x00hello", "hello.tif")


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
    (tmp_path / "fax.tif").write_bytes((TIFFS / "page_g4_miniswhite.tif").read_bytes())
    unsupported = tmp_path / "odd.tif"
    unsupported.write_bytes(_with_tag((TIFFS / "bw1_g4.tif").read_bytes(), 259, 60000))
    names = ["good.png", "missing.png", "corrupt.png", "page.tif", "fax.tif", "odd.tif"]
    items = [ip.LabelledImage(str(tmp_path / n), k, k + 2) for k, n in enumerate(names)]
    log = ip.SkipLog()
    batches = list(ip.make_dataset(items, 32, ip.VGG_IMAGENET, 8, log, with_index=True))
    index = np.concatenate([b[2].numpy() for b in batches])
    assert index.tolist() == [0, 3, 4]  # the Group 4 page is read, not skipped
    assert batches[0][0].shape[1:] == (32, 32, 3)
    assert set(log.skipped) == {str(tmp_path / n) for n in ("missing.png", "corrupt.png", "odd.tif")}
    assert log.skipped[str(unsupported)].startswith(f"{unsupported}: ")
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
