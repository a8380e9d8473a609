"""The transfer lab's note of what is cached: which frozen-backbone features are already on disk for the
current backbone, size and seed, and what else the cache holds.

The listing is the engine's (``engine.labs.transfer_cache.cache_entries``: one small JSON file per
entry, cheap enough for the GUI thread); this module only names and groups its entries.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from engine.labs import transfer_assets as assets


def weights_name(fingerprint: str) -> str:
    """A cache entry's weights fingerprint in the learner's words (the engine's fingerprints, named)."""
    if fingerprint == f"sha256:{assets.HED_SHA256}":
        return "HED"
    if fingerprint == f"md5:{assets.IMAGENET_MD5}":
        return "ImageNet"
    if fingerprint.startswith("random:"):
        return f"random init (seed {fingerprint.split(':', 1)[1]})"
    return "a weights file"


def choice_weights_name(choice: str, seed: int) -> str:
    """How :func:`weights_name` names the cache entries a run with this backbone and seed would use."""
    if choice == "hed":
        return "HED"
    if choice == "imagenet":
        return "ImageNet"
    if choice == "random":
        return f"random init (seed {seed})"
    return "a weights file"


class CacheNote(QLabel):
    """Which frozen-backbone features are on disk: those the current settings reuse, then the rest."""

    #: Other entries listed before "… and N more".
    MAX_OTHERS = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setObjectName("cacheNote")
        self.matching: list[dict[str, Any]] = []
        self.others: list[dict[str, Any]] = []

    def refresh(self, choice: str, image_size: int, seed: int) -> None:
        """Re-read the cache listing (cheap: one small JSON file per entry) for these settings."""
        from engine.labs.transfer_cache import cache_entries

        entries = cache_entries()
        wanted = choice_weights_name(choice, seed)
        self.matching = [
            e for e in entries if weights_name(e["weights"]) == wanted and e["image_size"] == image_size
        ]
        self.others = [e for e in entries if e not in self.matching]
        if self.matching:
            head = f"<b>Feature cache, {wanted} at {image_size} px:</b> " + "; ".join(
                _describe(self.matching, with_weights=False)
            )
            head += ". Runs on the same images reuse these instead of running VGG-16 again."
        else:
            head = (
                f"<b>Feature cache: nothing for {wanted} at {image_size} px yet.</b> The first run computes "
                "the frozen layers' output once (progress bar); later runs reuse it."
            )
        rest = _describe(self.others)
        if rest:
            shown = rest[: self.MAX_OTHERS]
            more = f" … and {len(rest) - len(shown)} more" if len(rest) > len(shown) else ""
            head += "<br>Also cached: " + "; ".join(shown) + more
        self.setText(head)
        self.setToolTip(
            "\n".join(f"{e['path']}  ({e['bytes']:,} bytes, {e['images']} images)" for e in entries)
        )


def _describe(entries: list[dict[str, Any]], with_weights: bool = True) -> list[str]:
    """One phrase per (weights, size, cut): the image counts of its splits, as listed."""
    groups: dict[tuple[str, int, str], list[int]] = {}
    for entry in entries:
        key = (weights_name(entry["weights"]), int(entry["image_size"]), str(entry["cut"]))
        groups.setdefault(key, []).append(int(entry["images"]))
    phrases = []
    for (name, size, cut), counts in groups.items():
        images = ", ".join(str(n) for n in sorted(counts, reverse=True))
        where = f"{name} {size} px, " if with_weights else ""
        splits = f"{len(counts)} split" + ("s" if len(counts) > 1 else "")
        phrases.append(f"{where}{splits} up to {cut.removeprefix('vgg16:')} ({images} images)")
    return phrases
