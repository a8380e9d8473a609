"""One image file → ``uint8`` pixels (H, W, 3), or an :class:`ImageError` naming the file and the problem.

TensorFlow decodes PNG, JPEG, GIF and BMP but not TIFF, and real RVL-CDIP scans are TIFFs compressed
with CCITT Group 4 (fax) coding. TIFFs therefore go through Pillow, whose TIFF plugin uses libtiff:
Group 3/4, LZW, Deflate, PackBits, tiles, 16-bit samples and WhiteIsZero pages all decode. A file
Pillow cannot read, or one so large that decoding it could exhaust memory (a "decompression bomb":
a few kilobytes of fax code can claim a gigapixel page), is an :class:`ImageError`, which the input
pipeline reports as a skipped image. The pixel limit applies to every format: the other formats'
headers are read by Pillow (:func:`check_pixel_count`) before TensorFlow decodes them.
"""

from __future__ import annotations

import functools
import io
import struct
import warnings
from typing import Any

import numpy as np

from engine.safe_files import clip, read_limited

#: Largest page decoded, in pixels, in every format: a 600-dpi A4 or US-letter scan (~35 M) fits, a
#: bomb does not. RVL-CDIP pages are about 0.75 M pixels.
MAX_IMAGE_PIXELS = 40_000_000
#: Largest image file read: an uncompressed 40 M-pixel RGB page is 120 MB.
MAX_IMAGE_BYTES = 256 << 20


class ImageError(ValueError):
    """One image is missing or cannot be decoded; the message names the file."""


def is_tiff(data: bytes) -> bool:
    """Whether ``data`` starts with a TIFF byte-order mark and magic number (classic or BigTIFF)."""
    return data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


@functools.cache  # configure Pillow once, on first use (importing it here would slow every start)
def _pillow() -> Any:
    from PIL import Image

    # Pillow's own bomb check warns above its limit and refuses above twice that; with ours as its
    # limit, the refusal comes sooner and the warning is redundant: decode_tiff reports those files.
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    return Image


def _to_uint8(image: Any) -> np.ndarray:
    """Pillow image → ``uint8`` (H, W) gray or (H, W, 3) RGB, scaling 16-bit samples to 8 bits."""
    mode = image.mode
    if mode.startswith("I;16"):  # 16-bit gray: keep the top byte (65535 → 255)
        return (np.asarray(image).astype(np.uint16) >> 8).astype(np.uint8)
    if mode in ("1", "L", "LA", "I", "F"):
        return np.asarray(image.convert("L"))  # bilevel: ink 0, paper 255
    return np.asarray(image.convert("RGB"))  # RGB(A), palette, CMYK, YCbCr …


def _too_many_pixels(name: str, width: int, height: int) -> ImageError:
    return ImageError(
        f"{name}: skipped, {width}×{height} is more than {MAX_IMAGE_PIXELS:,} pixels (a decompression bomb?)"
    )


def _bomb(name: str) -> ImageError:
    # Pillow refuses headers above twice its limit itself, without telling the size in numbers.
    return ImageError(
        f"{name}: skipped, its header claims more than {2 * MAX_IMAGE_PIXELS:,} pixels "
        f"(the limit is {MAX_IMAGE_PIXELS:,}; a decompression bomb?)"
    )


def decode_tiff(data: bytes, name: str = "image") -> np.ndarray:
    """Decode a TIFF's first page with Pillow/libtiff into ``uint8`` (H, W) or (H, W, 3).

    Args:
        data: The file's bytes.
        name: The file, for messages. Defaults to "image".

    Raises:
        ImageError: Pillow cannot read it (the message carries Pillow's reason), or it has more than
            :data:`MAX_IMAGE_PIXELS` pixels.
    """
    pil = _pillow()
    try:
        with pil.open(io.BytesIO(data), formats=["TIFF"]) as image:
            width, height = image.size  # from the header: nothing is decompressed yet
            if width * height <= MAX_IMAGE_PIXELS:
                image.load()  # the first page only; a multi-page file's others stay unread
                return _to_uint8(image)
    except pil.DecompressionBombError:
        raise _bomb(name) from None
    except pil.UnidentifiedImageError:  # its message names a BytesIO object, not the file
        raise ImageError(
            f"{name}: Pillow cannot read this TIFF (damaged, truncated, or an unknown compression)"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise ImageError(f"{name}: Pillow cannot decode this TIFF ({clip(exc)})") from None
    raise _too_many_pixels(name, width, height)


def check_pixel_count(data: bytes, name: str = "image") -> None:
    """Refuse an image whose header claims more than :data:`MAX_IMAGE_PIXELS`, before decoding it.

    TensorFlow's decoders allocate what the header says: a 440 KB PNG of 20000×20000 pixels asks for
    1.2 GB. Pillow reads only the header here (PNG, JPEG, GIF, BMP, WebP …).

    Raises:
        ImageError: Too many pixels, or a header that is not an image's.
    """
    pil = _pillow()
    try:
        with pil.open(io.BytesIO(data)) as image:
            width, height = image.size
    except pil.DecompressionBombError:
        raise _bomb(name) from None
    except (pil.UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, struct.error):
        raise ImageError(f"{name}: not a readable PNG/JPEG/GIF/BMP/TIFF image") from None
    if width * height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(name, width, height)


def decode_image(path: str) -> np.ndarray:
    """Decode one image file to ``uint8`` (H, W, 3); grayscale is repeated into 3 channels.

    Raises:
        ImageError: The file is missing, not a regular file (a pipe would block the input pipeline
            for good), larger than :data:`MAX_IMAGE_BYTES`, empty, above the pixel limit, or not a
            decodable PNG/JPEG/GIF/BMP/TIFF.
    """
    data = read_limited(path, MAX_IMAGE_BYTES, ImageError, "image")
    if not data:
        raise ImageError(f"{clip(path)}: empty file")
    if is_tiff(data):
        pixels = decode_tiff(data, clip(path))
    else:
        check_pixel_count(data, clip(path))
        from engine import tfrt

        tf = tfrt.tf()
        try:
            pixels = tf.io.decode_image(data, expand_animations=False).numpy()
        except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as exc:
            raise ImageError(
                f"{clip(path)}: not a readable PNG/JPEG/GIF/BMP/TIFF ({clip(exc.message, 80)})"
            ) from None
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    channels = pixels.shape[2]
    if channels in (2, 4):  # drop alpha
        pixels = pixels[:, :, : channels - 1]
    if pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    return np.ascontiguousarray(pixels.astype(np.uint8))
