"""A small TIFF reader for document scans, in numpy.

TensorFlow decodes PNG, JPEG, GIF and BMP but not TIFF (that lives in tensorflow-io), and Pillow is not
a dependency, so this reads the first page of the baseline TIFFs that scanned documents use: strips,
8-bit or 1-bit samples, gray or RGB, uncompressed, PackBits, LZW (with horizontal predictor) or Deflate.
Anything else (CCITT fax compression, tiles, 16-bit) raises :class:`TiffError` naming what is missing,
which the input pipeline reports as a skipped image.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8}
_TYPE_CODES = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 16: "Q"}
_COMPRESSION_NAMES = {2: "CCITT RLE", 3: "CCITT Group 3", 4: "CCITT Group 4", 6: "old JPEG", 7: "JPEG"}


class TiffError(ValueError):
    """The bytes are not a TIFF this reader supports; the message says what is wrong."""


def is_tiff(data: bytes) -> bool:
    """Whether ``data`` starts with a TIFF byte-order mark and magic number."""
    return data[:4] in (b"II*\x00", b"MM\x00*")


def _read_tags(data: bytes) -> dict[int, list[int]]:
    order = "<" if data[:2] == b"II" else ">"
    (offset,) = struct.unpack_from(order + "I", data, 4)
    if offset + 2 > len(data):
        raise TiffError("truncated file (no image directory)")
    (count,) = struct.unpack_from(order + "H", data, offset)
    tags: dict[int, list[int]] = {}
    for i in range(count):
        entry = offset + 2 + 12 * i
        if entry + 12 > len(data):
            raise TiffError("truncated image directory")
        tag, kind, n = struct.unpack_from(order + "HHI", data, entry)
        if kind not in _TYPE_CODES:
            continue  # rationals/strings/floats: no tag we read uses them
        size = _TYPE_SIZES[kind] * n
        where = entry + 8 if size <= 4 else struct.unpack_from(order + "I", data, entry + 8)[0]
        if where + size > len(data):
            raise TiffError(f"tag {tag} points past the end of the file")
        tags[tag] = list(struct.unpack_from(f"{order}{n}{_TYPE_CODES[kind]}", data, where))
    return tags


def _packbits(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        n = data[i]
        i += 1
        if n < 128:  # n + 1 literal bytes
            out += data[i : i + n + 1]
            i += n + 1
        elif n > 128:  # the next byte repeated 257 - n times
            out += data[i : i + 1] * (257 - n)
            i += 1
    return bytes(out)


def _lzw(data: bytes) -> bytes:
    """TIFF's LZW: MSB-first codes of 9–12 bits, ClearCode 256, EOI 257, widths grow one code early."""
    out = bytearray()
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    width, bitpos, previous = 9, 0, b""
    total_bits = len(data) * 8
    while bitpos + width <= total_bits:
        byte = bitpos >> 3
        chunk = int.from_bytes(data[byte : byte + 3].ljust(3, b"\0"), "big")
        code = (chunk >> (24 - width - (bitpos & 7))) & ((1 << width) - 1)
        bitpos += width
        if code == 257:
            break
        if code == 256:
            table = table[:258]
            width, previous = 9, b""
            continue
        if code < len(table):
            entry = table[code]
            if previous:
                table.append(previous + entry[:1])
        elif code == len(table) and previous:
            entry = previous + previous[:1]
            table.append(entry)
        else:
            raise TiffError("corrupt LZW data")
        out += entry
        previous = entry
        if len(table) + 1 >= (1 << width) and width < 12:
            width += 1
    return bytes(out)


def _decompress(compression: int, data: bytes) -> bytes:
    if compression == 1:
        return data
    if compression == 32773:
        return _packbits(data)
    if compression == 5:
        return _lzw(data)
    if compression in (8, 32946):
        try:
            return zlib.decompress(data)
        except zlib.error as exc:
            raise TiffError(f"corrupt Deflate data ({exc})") from None
    name = _COMPRESSION_NAMES.get(compression, f"code {compression}")
    raise TiffError(f"TIFF compression {name} is not supported (convert the file to PNG)")


def read_tiff(data: bytes) -> np.ndarray:
    """Decode the first page of a TIFF into a ``uint8`` array (H, W) for gray or (H, W, 3) for colour.

    Raises:
        TiffError: Not a TIFF, truncated, or a feature this reader does not support.
    """
    if not is_tiff(data):
        raise TiffError("not a TIFF file")
    tags = _read_tags(data)
    try:
        width, height = tags[256][0], tags[257][0]
    except KeyError:
        raise TiffError("no image width/height tags") from None
    if 322 in tags:
        raise TiffError("tiled TIFFs are not supported (convert the file to PNG)")
    bits = tags.get(258, [1])[0]
    samples = tags.get(277, [1])[0]
    compression = tags.get(259, [1])[0]
    photometric = tags.get(262, [1])[0]
    predictor = tags.get(317, [1])[0]
    if bits not in (1, 8) or (bits == 1 and samples != 1):
        raise TiffError(f"{bits}-bit samples are not supported")
    offsets, counts = tags.get(273), tags.get(279)
    if not offsets or not counts or len(offsets) != len(counts):
        raise TiffError("missing or inconsistent strip tags")
    raw = bytearray()
    for offset, count in zip(offsets, counts, strict=True):
        if offset + count > len(data):
            raise TiffError("a strip points past the end of the file (truncated?)")
        raw += _decompress(compression, data[offset : offset + count])
    row_bytes = (width * bits + 7) // 8 * samples
    if len(raw) < row_bytes * height:
        raise TiffError(f"image data is short: {len(raw)} bytes for {width}×{height}")
    rows = np.frombuffer(bytes(raw[: row_bytes * height]), np.uint8).reshape(height, row_bytes)
    if bits == 1:
        pixels = np.unpackbits(rows, axis=1)[:, :width] * np.uint8(255)
    else:
        pixels = rows.reshape(height, width, samples)
        if predictor == 2:  # horizontal differencing: undo with a running sum per row
            pixels = np.cumsum(pixels, axis=1, dtype=np.uint8)
        pixels = pixels[:, :, 0] if samples == 1 else pixels[:, :, :3]
    if photometric == 0:  # WhiteIsZero (common in fax-style scans)
        pixels = 255 - pixels
    if samples >= 3 and photometric != 2:
        raise TiffError(f"photometric interpretation {photometric} is not supported")
    return np.ascontiguousarray(pixels)
