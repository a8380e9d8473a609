"""Write the TIFF fixtures for test_transfer_data.py with the system libtiff, an independent encoder.

Run once from the repository root: ``python tests/engine/data/transfer_tiff/make_fixtures.py``. The
test rebuilds the same pixel patterns with numpy and compares them with what engine/data/tiff.py reads.
"""

from __future__ import annotations

import ctypes

import numpy as np

FOLDER = "tests/engine/data/transfer_tiff"
lib = ctypes.CDLL("libtiff.so.6")
lib.TIFFOpen.restype = ctypes.c_void_p
lib.TIFFOpen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
lib.TIFFWriteEncodedStrip.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_ssize_t]
lib.TIFFClose.argtypes = [ctypes.c_void_p]


def patterns(width: int = 37, height: int = 29) -> dict[str, np.ndarray]:
    """The pixel patterns (the test has its own copy of these formulas)."""
    y, x = np.mgrid[0:height, 0:width]
    return {
        "gray": ((x * 7 + y * 13) % 256).astype(np.uint8),
        "rgb": np.stack([(x * 5) % 256, (y * 9) % 256, (x + y) % 256], -1).astype(np.uint8),
        "bits": ((x // 3 + y // 2) % 2).astype(np.uint8),  # 1 = ink
        "noise": (np.random.default_rng(0).integers(0, 16, (120, 160)) * 17).astype(np.uint8),
    }


def write(name: str, pixels: np.ndarray, bits: int, compression: int, photometric: int, **extra: int) -> None:
    height, width = pixels.shape[:2]
    samples = pixels.shape[2] if pixels.ndim == 3 else 1
    rows_per_strip = extra.get("rows_per_strip", 8)
    handle = ctypes.c_void_p(lib.TIFFOpen(f"{FOLDER}/{name}".encode(), b"w"))
    tags = {256: width, 257: height, 258: bits, 277: samples, 259: compression, 262: photometric, 284: 1}
    tags[278] = rows_per_strip
    if "predictor" in extra:
        tags[317] = extra["predictor"]
    for tag, value in tags.items():
        lib.TIFFSetField(handle, ctypes.c_uint32(tag), ctypes.c_int(value))
    rows = np.packbits(pixels, axis=1) if bits == 1 else pixels.reshape(height, -1)
    for strip, start in enumerate(range(0, height, rows_per_strip)):
        chunk = np.ascontiguousarray(rows[start : start + rows_per_strip])
        if lib.TIFFWriteEncodedStrip(handle, strip, chunk.ctypes.data, chunk.nbytes) < 0:
            raise RuntimeError(f"libtiff could not write {name}")
    lib.TIFFClose(handle)


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
