"""The transfer lab's embedded default: a generated 16-class set of document images.

RVL-CDIP's classes differ mostly in page layout (a letter's address block, a form's boxes, a budget's
table, a news page's columns), so each class here is a layout drawn with numpy: word-shaped dark blocks
for text, rules, boxes, tables, columns, slides and handwriting-like strokes, with random margins,
line counts and noise. Images are grayscale PNGs written next to a ``labels.csv`` (``path,label`` with a
header) exactly like the real data's label file, deterministic from the seed.
"""

from __future__ import annotations

import csv
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine import manifest
from engine.jobs import CancelToken, Emit, Progress, warning_note
from engine.paths import cache_dir

#: RVL-CDIP class names, in label order 0–15.
CLASS_NAMES: tuple[str, ...] = (
    "letter",
    "form",
    "email",
    "handwritten",
    "advertisement",
    "scientific report",
    "scientific publication",
    "specification",
    "file folder",
    "news article",
    "budget",
    "invoice",
    "presentation",
    "questionnaire",
    "resume",
    "memo",
)
PAGE_HEIGHT, PAGE_WIDTH = 176, 136  # portrait like a scanned page, small enough to generate in a second
_VERSION = 2  # bump when a layout changes, so cached sets are regenerated (2: with a manifest)


class _Page:
    """A white page with helpers that draw in dark ink; coordinates are clipped to the page."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.pixels = np.full((PAGE_HEIGHT, PAGE_WIDTH), 255.0 - rng.uniform(0, 25))
        self.ink = rng.uniform(10, 70)

    def fill(self, top: int, left: int, height: int, width: int, shade: float | None = None) -> None:
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(top + height, PAGE_HEIGHT), min(left + width, PAGE_WIDTH)
        if y1 > y0 and x1 > x0:
            self.pixels[y0:y1, x0:x1] = self.ink if shade is None else shade

    def box(self, top: int, left: int, height: int, width: int) -> None:
        self.fill(top, left, 1, width)
        self.fill(top + height - 1, left, 1, width)
        self.fill(top, left, height, 1)
        self.fill(top, left + width - 1, height, 1)

    def text_line(self, top: int, left: int, width: int, height: int = 2) -> None:
        """A line of 'words': dark blocks of random lengths with gaps."""
        x = left
        while x < left + width - 3:
            word = int(self.rng.integers(3, 10))
            self.fill(top, x, height, min(word, left + width - x))
            x += word + int(self.rng.integers(2, 4))

    def paragraph(self, top: int, left: int, width: int, lines: int, pitch: int = 5) -> int:
        """Text lines with a ragged last line; returns the row below the paragraph."""
        for i in range(lines):
            last = i == lines - 1
            self.text_line(top + i * pitch, left, int(width * self.rng.uniform(0.3, 0.8)) if last else width)
        return top + lines * pitch

    def strokes(self, top: int, left: int, width: int, lines: int, pitch: int = 9) -> None:
        """Handwriting-like wavy strokes: a sine with random frequency and phase per line."""
        for i in range(lines):
            xs = np.arange(left, left + int(width * self.rng.uniform(0.6, 1.0)))
            freq, phase = self.rng.uniform(0.4, 0.9), self.rng.uniform(0, 6.3)
            ys = top + i * pitch + 2.5 * np.sin(freq * xs + phase) + self.rng.normal(0, 0.4, xs.size)
            for x, y in zip(xs, ys.astype(int), strict=True):
                self.fill(int(y), int(x), 2, 1)

    def table(self, top: int, left: int, rows: int, cols: int, row_h: int, col_w: int, numbers: bool) -> None:
        self.box(top, left, rows * row_h + 1, cols * col_w + 1)
        for r in range(1, rows):
            self.fill(top + r * row_h, left, 1, cols * col_w)
        for c in range(1, cols):
            self.fill(top, left + c * col_w, rows * row_h, 1)
        for r in range(rows):
            for c in range(cols):
                # Figures are short and right-aligned; labels start at the left of their cell.
                w = int(self.rng.integers(3, col_w - 3)) if numbers and c else col_w - 4
                x = left + (c + 1) * col_w - 2 - w if numbers and c else left + 2
                self.fill(top + r * row_h + row_h // 2 - 1, x, 2, w)


def _m(page: _Page, low: int = 8, high: int = 16) -> int:
    return int(page.rng.integers(low, high))


def _letter(p: _Page) -> None:
    m = _m(p)
    p.fill(m, m, 6, int(p.rng.integers(30, 60)))  # letterhead
    y = p.paragraph(m + 14, m, 40, 4, 5)  # address block
    y = p.paragraph(y + 8, m, PAGE_WIDTH - 2 * m, int(p.rng.integers(8, 14)))
    p.strokes(y + 12, m, 35, 1)  # signature


def _form(p: _Page) -> None:
    m, y = _m(p), _m(p)
    while y < PAGE_HEIGHT - 20:
        x = m
        while x < PAGE_WIDTH - m - 20:
            w = int(p.rng.integers(20, 55))
            p.text_line(y, x + 1, min(12, w - 2), 1)
            p.box(y + 3, x, 11, min(w, PAGE_WIDTH - m - x))
            x += w + 3
        y += 18


def _email(p: _Page) -> None:
    m = _m(p)
    for i in range(4):  # From/To/Date/Subject
        p.fill(m + i * 6, m, 2, 14)
        p.text_line(m + i * 6, m + 18, int(p.rng.integers(30, 80)))
    p.fill(m + 28, m, 1, PAGE_WIDTH - 2 * m)
    y = m + 34
    for _ in range(int(p.rng.integers(2, 4))):
        y = p.paragraph(y, m, PAGE_WIDTH - 2 * m, int(p.rng.integers(2, 5))) + 6


def _handwritten(p: _Page) -> None:
    m = _m(p)
    p.strokes(m + 4, m, PAGE_WIDTH - 2 * m, int(p.rng.integers(10, 16)), int(p.rng.integers(9, 12)))


def _advertisement(p: _Page) -> None:
    m = _m(p, 4, 10)
    p.fill(m, m, 14, PAGE_WIDTH - 2 * m)  # headline
    h = int(p.rng.integers(50, 90))
    p.fill(m + 22, m + 10, h, PAGE_WIDTH - 2 * m - 20, p.rng.uniform(60, 160))  # picture
    p.text_line(m + 30 + h, m + 20, PAGE_WIDTH - 2 * m - 40, 6)


def _scientific_report(p: _Page) -> None:
    m, y = _m(p), _m(p)
    p.fill(y, PAGE_WIDTH // 2 - 30, 4, 60)
    y += 14
    while y < PAGE_HEIGHT - 25:
        p.fill(y, m, 3, 24)  # numbered section heading
        y = p.paragraph(y + 7, m, PAGE_WIDTH - 2 * m, int(p.rng.integers(3, 7)), 4) + 5


def _columns(p: _Page, n_cols: int, top: int, pitch: int = 4) -> None:
    m = _m(p, 6, 10)
    gap = 5
    width = (PAGE_WIDTH - 2 * m - (n_cols - 1) * gap) // n_cols
    for c in range(n_cols):
        p.paragraph(top, m + c * (width + gap), width, (PAGE_HEIGHT - top - 8) // pitch, pitch)


def _scientific_publication(p: _Page) -> None:
    p.fill(8, 25, 4, PAGE_WIDTH - 50)  # title
    p.paragraph(18, 30, PAGE_WIDTH - 60, 4, 4)  # abstract
    _columns(p, 2, 40)


def _specification(p: _Page) -> None:
    m, y = _m(p), _m(p)
    while y < PAGE_HEIGHT - 10:
        p.fill(y, m, 2, 6)  # item number
        p.text_line(y, m + 10, int(p.rng.integers(20, 45)))
        p.fill(y, PAGE_WIDTH - m - 25, 2, int(p.rng.integers(8, 25)))  # value column
        y += int(p.rng.integers(6, 9))


def _file_folder(p: _Page) -> None:
    m = _m(p, 4, 12)
    tab = int(p.rng.integers(20, 70))
    p.box(m, tab, 12, 40)  # the folder's tab
    p.box(m + 11, m, PAGE_HEIGHT - 2 * m - 11, PAGE_WIDTH - 2 * m)
    p.text_line(m + 4, tab + 4, 30)


def _news_article(p: _Page) -> None:
    p.fill(6, 8, 10, PAGE_WIDTH - 16)  # masthead
    p.fill(22, 8, 5, int(p.rng.integers(60, 110)))  # headline
    _columns(p, int(p.rng.integers(3, 5)), 34, 4)


def _budget(p: _Page) -> None:
    m = _m(p, 6, 10)
    p.fill(m, m, 4, 50)
    cols = int(p.rng.integers(4, 6))
    p.table(m + 10, m, int(p.rng.integers(14, 20)), cols, 8, (PAGE_WIDTH - 2 * m) // cols, True)


def _invoice(p: _Page) -> None:
    m = _m(p, 6, 10)
    p.fill(m, m, 12, 24, p.rng.uniform(40, 120))  # logo
    p.paragraph(m, PAGE_WIDTH - m - 40, 40, 3, 5)
    rows = int(p.rng.integers(4, 8))
    p.table(m + 30, m, rows, 4, 9, (PAGE_WIDTH - 2 * m) // 4, True)
    p.box(m + 36 + rows * 9, PAGE_WIDTH - m - 40, 14, 40)  # total
    p.fill(m + 42 + rows * 9, PAGE_WIDTH - m - 24, 3, 18)


def _presentation(p: _Page) -> None:
    m = _m(p, 4, 8)
    p.box(m, m, PAGE_HEIGHT - 2 * m, PAGE_WIDTH - 2 * m)
    p.fill(m + 8, m + 10, 8, PAGE_WIDTH - 2 * m - 30)  # big title
    y = m + 32
    for _ in range(int(p.rng.integers(3, 6))):
        p.fill(y, m + 10, 4, 4)  # bullet
        p.text_line(y, m + 18, int(p.rng.integers(40, PAGE_WIDTH - 2 * m - 26)), 4)
        y += 16


def _questionnaire(p: _Page) -> None:
    m, y = _m(p), _m(p)
    while y < PAGE_HEIGHT - 20:
        p.text_line(y, m, int(p.rng.integers(50, PAGE_WIDTH - 2 * m)))
        for k in range(int(p.rng.integers(2, 5))):
            p.box(y + 6, m + 4 + k * 24, 5, 5)  # answer checkbox
            p.text_line(y + 7, m + 12 + k * 24, 10, 2)
        y += 18


def _resume(p: _Page) -> None:
    m = _m(p)
    p.fill(m, PAGE_WIDTH // 2 - 25, 6, 50)  # name
    p.text_line(m + 9, PAGE_WIDTH // 2 - 35, 70, 1)
    y = m + 18
    while y < PAGE_HEIGHT - 20:
        p.fill(y, m, 3, 30)
        p.fill(y + 4, m, 1, PAGE_WIDTH - 2 * m)
        y += 8
        for _ in range(int(p.rng.integers(2, 4))):
            p.fill(y, m + 2, 2, 2)
            p.text_line(y, m + 7, int(p.rng.integers(40, PAGE_WIDTH - 2 * m - 10)))
            y += 5
        y += 5


def _memo(p: _Page) -> None:
    m = _m(p)
    p.fill(m, m, 7, 60)  # MEMORANDUM
    for i in range(4):  # TO / FROM / DATE / RE
        p.fill(m + 14 + i * 6, m, 2, 10)
        p.text_line(m + 14 + i * 6, m + 22, int(p.rng.integers(25, 60)))
    p.fill(m + 40, m, 2, PAGE_WIDTH - 2 * m)
    p.paragraph(m + 48, m, PAGE_WIDTH - 2 * m, int(p.rng.integers(6, 16)))


_LAYOUTS: tuple[Callable[[_Page], None], ...] = (
    _letter,
    _form,
    _email,
    _handwritten,
    _advertisement,
    _scientific_report,
    _scientific_publication,
    _specification,
    _file_folder,
    _news_article,
    _budget,
    _invoice,
    _presentation,
    _questionnaire,
    _resume,
    _memo,
)


def render_page(label: int, rng: np.random.Generator) -> np.ndarray:
    """One grayscale page (uint8, ``PAGE_HEIGHT × PAGE_WIDTH``) of class ``label``, with scan noise."""
    page = _Page(rng)
    _LAYOUTS[label](page)
    noisy = page.pixels + rng.normal(0, rng.uniform(2, 10), page.pixels.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def encode_png(gray: np.ndarray) -> bytes:
    """A minimal 8-bit grayscale PNG (no filters), so generating data needs neither TF nor Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = gray.shape
    rows = np.hstack([np.zeros((height, 1), np.uint8), gray.astype(np.uint8)])  # filter byte 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def generate_documents(
    seed: int = 0,
    per_class: int = 30,
    token: CancelToken | None = None,
    emit: Emit | None = None,
) -> Path:
    """Write (once per seed and size) the generated set and return its ``labels.csv``.

    The set is built in a private temporary folder and renamed into place with a manifest
    (:mod:`engine.manifest`: every image's and the label file's checksum, and the image count), so an
    interrupted run never leaves a half-written set that later runs would take as complete, and a
    set damaged later is generated again (the log says so).

    Args:
        seed: Seeds every page. Defaults to 0.
        per_class: Images per class. Defaults to 30.
        token: Checked once per image. Defaults to None.
        emit: Receives ``Progress("generate documents", done, total)`` and the note about a damaged
            copy. Defaults to None.

    Returns:
        The path of ``labels.csv`` (``path,label`` with paths relative to its folder).
    """
    target = cache_dir("datasets") / f"documents-v{_VERSION}-seed{seed}-n{per_class}"
    total = per_class * len(CLASS_NAMES)

    def build(partial: Path) -> dict[str, int]:
        rows: list[tuple[str, int]] = []
        for label, name in enumerate(CLASS_NAMES):
            folder = partial / "images" / name.replace(" ", "_")
            folder.mkdir(parents=True)
            for i in range(per_class):
                if token is not None:
                    token.raise_if_cancelled()
                rng = np.random.default_rng([seed, label, i])
                relative = f"images/{folder.name}/{i:03d}.png"
                (partial / relative).write_bytes(encode_png(render_page(label, rng)))
                rows.append((relative, label))
                if emit is not None and (len(rows) % 32 == 0 or len(rows) == total):
                    emit(Progress("generate documents", len(rows), total))
        with open(partial / "labels.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["path", "label"])
            writer.writerows(rows)
        return {"rows": len(rows)}

    label = "the generated document images"
    manifest.ensure(target, build, label=label, expect={"rows": total, "seed": seed}, note=warning_note(emit))
    return target / "labels.csv"
