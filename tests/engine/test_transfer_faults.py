"""The transfer lab's inputs under attack: image bombs in every format, special files in a label file,
empty splits and oversized batches are named before anything trains, and never hang."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from engine import cli
from engine.jobs import CancelToken
from engine.labs import transfer
from engine.labs.transfer import images as ip
from engine.labs.transfer.data import encode_png, render_page
from engine.labs.transfer.decode import MAX_IMAGE_PIXELS, ImageError, check_pixel_count, decode_image
from engine.params import ParamError, build
from tests.isolated import loaded_after

# Pillow warns between its limit and twice it; the app silences that once (decode._pillow), pytest
# restores warnings per test.
pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")


def _png_claiming(width: int, height: int) -> bytes:
    data = encode_png(np.full((4, 4), 200, np.uint8))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    return data[:12] + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[12 + 4 + 13 + 4 :]


def _bmp_claiming(width: int, height: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + 16, 0, 0, 54) + info + b"\0" * 16


def _gif_claiming(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + b",\0\0\0\0\1\0\1\0\0\2\2D\1\0;"


def _jpeg_claiming(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (8, 8), 128).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize("make", [_png_claiming, _bmp_claiming, _gif_claiming, _jpeg_claiming])
def test_every_format_has_the_pixel_limit(tmp_path: Path, make) -> None:
    side = int(np.sqrt(MAX_IMAGE_PIXELS)) + 100
    path = tmp_path / f"bomb.{make.__name__.split('_')[1]}"
    path.write_bytes(make(side, side))
    assert path.stat().st_size < 2000
    with pytest.raises(ImageError, match=rf"{side}×{side} is more than 40,000,000 pixels"):
        check_pixel_count(path.read_bytes(), str(path))
    with pytest.raises(ImageError, match="more than 40,000,000 pixels"):
        decode_image(str(path))


def test_a_png_of_20000_by_20000_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(_png_claiming(20000, 20000))
    started = time.monotonic()
    with pytest.raises(
        ImageError, match=r"huge\.png: skipped, its header claims more than 80,000,000 pixels"
    ):
        decode_image(str(path))
    assert time.monotonic() - started < 2.0


def test_special_image_files_are_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.png")
    for path, words in ((tmp_path / "pipe.png", "named pipe"), ("/dev/zero", "device"), (tmp_path, "folder")):
        with pytest.raises(ImageError, match=words):
            decode_image(str(path))


def _label_file(tmp_path: Path, rows: list[tuple[str, int]]) -> Path:
    path = tmp_path / "labels.csv"
    path.write_text("path,label\n" + "".join(f"{p},{label}\n" for p, label in rows), encoding="utf-8")
    return path


def test_usable_items_skip_missing_and_special_files_up_front(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(encode_png(render_page(0, np.random.default_rng(0))))
    os.mkfifo(tmp_path / "pipe.png")
    (tmp_path / "dir.png").mkdir()
    os.symlink(tmp_path / "loop.png", tmp_path / "loop.png")
    names = ["good.png", "pipe.png", "dir.png", "loop.png", "missing.png", "../outside/x.png"]
    items = ip.read_label_file(_label_file(tmp_path, [(n, 0) for n in names]))
    assert items[-1].path == str(tmp_path / "../outside/x.png")  # the user's own paths, as written
    log = ip.SkipLog()
    assert [Path(i.path).name for i in ip.usable_items(items, log)] == ["good.png"]
    reasons = {Path(p).name: r for p, r in log.skipped.items()}
    assert reasons["pipe.png"] == "is a named pipe, expected a regular image"
    assert reasons["dir.png"] == "is a folder, expected a regular image"
    assert reasons["loop.png"] == "cannot read the image (a symbolic link loop)"
    assert reasons["missing.png"] == reasons["x.png"] == "image not found"


def _run(**values):
    params = build(transfer.Params, values)
    events: list[object] = []
    return transfer.run(params, CancelToken(), events.append), events


def test_an_empty_split_is_named_before_tensorflow_loads(tmp_path: Path) -> None:
    page = encode_png(render_page(0, np.random.default_rng(0)))
    rows = []
    for label in range(16):
        (tmp_path / f"{label}.png").write_bytes(page)
        rows.append((f"{label}.png", label))
    label_file = _label_file(tmp_path, rows)
    with pytest.raises(
        ValueError, match=r"the validation split is empty: 16 usable images, and 20% of each "
    ):
        _run(label_file=str(label_file))
    code = (
        "from engine.jobs import CancelToken\n"
        "from engine.labs import transfer\n"
        "from engine.params import build\n"
        f"params = build(transfer.Params, {{'label_file': {str(label_file)!r}}})\n"
        "try:\n"
        "    transfer.run(params, CancelToken(), lambda event: None)\n"
        "except ValueError as exc:\n"
        "    assert 'split is empty' in str(exc)\n"
    )
    assert loaded_after(code) == []  # named within a second, before TensorFlow was imported


def test_a_label_file_of_pipes_fails_fast_and_the_cli_lists_every_skipped_image(tmp_path: Path) -> None:
    for name in ("a.png", "b.png"):
        os.mkfifo(tmp_path / name)
    label_file = _label_file(tmp_path, [("a.png", 0), ("b.png", 1), ("c.png", 2)])
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = cli.main(
        ["run", "transfer", "--no-record", "--json", "--set", f"label_file={label_file}"], out, err
    )
    assert time.monotonic() - started < 30
    assert code == 1 and out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert sum(line.startswith("  skipped ") for line in lines) == 3, lines
    assert any("a.png: is a named pipe" in line for line in lines)
    assert (
        lines[-1].startswith("error: transfer: ") and "none of its 3 images is a readable file" in lines[-1]
    )


@pytest.mark.parametrize("path", ["/dev/zero", "fifo"])
def test_a_special_label_file_is_refused(tmp_path: Path, path: str) -> None:
    if path == "fifo":
        path = str(tmp_path / "labels.csv")
        os.mkfifo(path)
    with pytest.raises(ip.LabelFileError, match="expected a regular label file"):
        ip.read_label_file(path)


def test_label_file_echoes_are_capped_and_encodings_named(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_text("a.png 1\n" + "x" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(ip.LabelFileError) as caught:
        ip.read_label_file(path)
    assert len(str(caught.value)) < 400 and "100,000 characters" in str(caught.value)
    path.write_bytes(b"path,label\na.png,1\nb\xe9.png,2\n")
    with pytest.raises(ip.LabelFileError, match=r"row 3: not UTF-8 text"):
        ip.read_label_file(path)


def test_image_size_times_batch_size_is_checked_against_memory(monkeypatch) -> None:
    monkeypatch.setattr("engine.params.physical_memory", lambda: 8 * 2**30)
    build(transfer.Params, {"image_size": "224", "batch_size": "32"})  # the assignment's size fits
    with pytest.raises(
        ParamError, match=r"image_size 512 × batch_size 512 needs about \d+\.\d GB .* has 8.0 GB"
    ):
        build(transfer.Params, {"image_size": "512", "batch_size": "512"})
    with pytest.raises(
        ParamError, match=r"backbone: '/nope' is not one of hed, imagenet, random, .*not found"
    ):
        build(transfer.Params, {"backbone": "/nope"})
