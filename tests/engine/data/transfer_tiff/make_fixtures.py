"""Write the TIFF fixtures for test_transfer_data.py with the system libtiff, an independent encoder.

Run once from the repository root: ``python tests/engine/data/transfer_tiff/make_fixtures.py``. The
test rebuilds the same pixel patterns with numpy and compares them with what engine/labs/transfer/decode.py
decodes (Pillow). CCITT Group 3/4 are the fax codings real RVL-CDIP scans use.
"""

from __future__ import annotations

import ctypes

import numpy as np

FOLDER = "tests/engine/data/transfer_tiff"
lib = ctypes.CDLL("libtiff.so.6")
lib.TIFFOpen.restype = ctypes.c_void_p
lib.TIFFOpen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
lib.TIFFWriteEncodedStrip.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_ssize_t]
lib.TIFFWriteEncodedTile.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_ssize_t]
lib.TIFFClose.argtypes = [ctypes.c_void_p]


def patterns(width: int = 37, height: int = 29) -> dict[str, np.ndarray]:
    """The pixel patterns (the test has its own copy of these formulas)."""
    y, x = np.mgrid[0:height, 0:width]
    return {
        "gray": ((x * 7 + y * 13) % 256).astype(np.uint8),
        "rgb": np.stack([(x * 5) % 256, (y * 9) % 256, (x + y) % 256], -1).astype(np.uint8),
        "bits": ((x // 3 + y // 2) % 2).astype(np.uint8),  # 1 = ink
        "noise": (np.random.default_rng(0).integers(0, 16, (120, 160)) * 17).astype(np.uint8),
        "page": page(),
    }


def page() -> np.ndarray:
    """A 1000×760 bilevel page of word-like ink blocks on text lines (1 = ink), like an RVL-CDIP scan."""
    rng = np.random.default_rng(3)
    ink = np.zeros((1000, 760), np.uint8)
    for top in range(60, 940, 22):
        left = 60
        while left < 680:
            width = int(rng.integers(12, 70))
            ink[top : top + 9, left : min(left + width, 700)] = 1
            left += width + int(rng.integers(6, 14))
    return ink


def write(name: str, pixels: np.ndarray, bits: int, compression: int, photometric: int, **extra: int) -> None:
    height, width = pixels.shape[:2]
    samples = pixels.shape[2] if pixels.ndim == 3 else 1
    rows_per_strip = extra.get("rows_per_strip", 8)
    handle = ctypes.c_void_p(lib.TIFFOpen(f"{FOLDER}/{name}".encode(), b"w"))
    tags = {256: width, 257: height, 258: bits, 277: samples, 259: compression, 262: photometric, 284: 1}
    tile = extra.get("tile", 0)
    if tile:
        tags[322] = tags[323] = tile
    else:
        tags[278] = rows_per_strip
    for name_, tag in (("predictor", 317), ("t4options", 292)):
        if name_ in extra:
            tags[tag] = extra[name_]
    for tag, value in tags.items():
        lib.TIFFSetField(handle, ctypes.c_uint32(tag), ctypes.c_int(value))
    rows = np.packbits(pixels, axis=1) if bits == 1 else pixels.reshape(height, -1)
    if bits == 16:
        rows = pixels.astype(np.uint16).view(np.uint8).reshape(height, -1)  # native order, as libtiff expects
    if tile:
        _write_tiles(handle, name, pixels, tile)
        lib.TIFFClose(handle)
        return
    for strip, start in enumerate(range(0, height, rows_per_strip)):
        chunk = np.ascontiguousarray(rows[start : start + rows_per_strip])
        if lib.TIFFWriteEncodedStrip(handle, strip, chunk.ctypes.data, chunk.nbytes) < 0:
            raise RuntimeError(f"libtiff could not write {name}")
    lib.TIFFClose(handle)


def _write_tiles(handle: ctypes.c_void_p, name: str, pixels: np.ndarray, tile: int) -> None:
    height, width = pixels.shape[:2]
    number = 0
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            block = np.zeros((tile, tile), np.uint8)  # edge tiles are padded, as TIFF requires
            part = pixels[top : top + tile, left : left + tile]
            block[: part.shape[0], : part.shape[1]] = part
            if lib.TIFFWriteEncodedTile(handle, number, block.ctypes.data, block.nbytes) < 0:
                raise RuntimeError(f"libtiff could not write {name}")
            number += 1


if __name__ == "__main__":
    p = patterns()
    write("gray8_none.tif", p["gray"], 8, 1, 1)
    write("gray8_lzw.tif", p["gray"], 8, 5, 1)
    write("gray8_lzw_predictor.tif", p["gray"], 8, 5, 1, predictor=2)
    write("gray8_packbits.tif", p["gray"], 8, 32773, 1)
    write("rgb8_deflate.tif", p["rgb"], 8, 8, 2)
    write("rgb8_lzw_predictor.tif", p["rgb"], 8, 5, 2, predictor=2)
    write("bw1_packbits_miniswhite.tif", p["bits"], 1, 32773, 0)
    write("bw1_g4.tif", p["bits"], 1, 4, 0, rows_per_strip=29)
    # Large enough for LZW's 4096-entry table to fill and restart with a ClearCode.
    write("gray8_lzw_clear.tif", p["noise"], 8, 5, 1, rows_per_strip=120)
    # Formats the earlier numpy reader refused; Pillow decodes them through libtiff.
    write("bw1_g3_1d.tif", p["bits"], 1, 3, 0, rows_per_strip=29, t4options=0)
    write("bw1_g3_2d.tif", p["bits"], 1, 3, 0, rows_per_strip=29, t4options=1)
    write("page_g4_miniswhite.tif", p["page"], 1, 4, 0, rows_per_strip=1000)
    write("gray16_none.tif", p["gray"].astype(np.uint16) * 257, 16, 1, 1)
    write("gray8_tiled_lzw.tif", p["gray"], 8, 5, 1, tile=16)
