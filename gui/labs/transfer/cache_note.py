"""The transfer lab's note of what is cached: which frozen-backbone features are already on disk for the
current backbone, size and seed, and what else the cache holds.

The listing and the weights' names are the engine's (``engine.labs.transfer.cache.cache_entries``: one
small JSON file per entry, cheap enough for the GUI thread; ``engine.labs.transfer.backbone``'s
``weights_fingerprint``/``weights_name``); this module only groups and phrases them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from engine.labs.transfer import backbone as assets

#: The order splits are listed in.
SPLITS = ("train", "validation", "test")


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
        from engine.labs.transfer.cache import cache_entries

        entries = cache_entries()
        fingerprint = assets.weights_fingerprint(choice, seed)
        wanted = assets.weights_name(fingerprint) if fingerprint else "this weights file"
        self.matching = [e for e in entries if e["weights"] == fingerprint and e["image_size"] == image_size]
        self.others = [e for e in entries if e not in self.matching]
        if self.matching:
            head = f"<b>Feature cache, {wanted} at {image_size} px:</b> " + "; ".join(
                describe(self.matching, with_weights=False)
            )
            head += ". Runs on the same images reuse these instead of running VGG-16 again."
        else:
            head = (
                f"<b>Feature cache: nothing for {wanted} at {image_size} px yet.</b> The first run computes "
                "the frozen layers' output once (progress bar); later runs reuse it."
            )
        rest = describe(self.others)
        if rest:
            shown = rest[: self.MAX_OTHERS]
            more = f" … and {len(rest) - len(shown)} more" if len(rest) > len(shown) else ""
            head += "<br>Also cached: " + "; ".join(shown) + more
        self.setText(head)
        self.setToolTip(
            "\n".join(
                f"{e['path']}  ({e['split'] or 'split?'} of {e['label_file'] or '?'}, {e['bytes']:,} bytes, "
                f"{e['images']} images)"
                for e in entries
            )
        )


def data_set_name(label_file: str) -> str:
    """A label file as the learner knows it: its folder and name (the generated set's folder says it)."""
    if not label_file:
        return "an unrecorded data set"
    path = Path(label_file)
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def describe(entries: list[dict[str, Any]], with_weights: bool = True) -> list[str]:
    """One phrase per (weights, size, cut, data set): its splits with their image counts.

    Example: "HED 64 px, train/validation/test of documents-v1-seed0-n30/labels.csv up to block5_pool
    (288, 96, 96 images)".
    """
    groups: dict[tuple[str, int, str, str], list[tuple[str, int]]] = {}
    for entry in entries:
        key = (
            assets.weights_name(str(entry["weights"])),
            int(entry["image_size"]),
            str(entry["cut"]),
            str(entry.get("label_file", "")),
        )
        groups.setdefault(key, []).append((str(entry.get("split", "")), int(entry["images"])))
    phrases = []
    for (name, size, cut, label_file), splits in groups.items():
        splits.sort(key=lambda s: (SPLITS.index(s[0]) if s[0] in SPLITS else len(SPLITS), -s[1]))
        names = [split for split, _ in splits if split]
        if len(names) == len(splits):
            which = "/".join(names)
        else:  # entries written before the split was recorded
            which = f"{len(splits)} split" + ("s" if len(splits) > 1 else "")
        images = ", ".join(str(n) for _, n in splits)
        where = f"{name} {size} px, " if with_weights else ""
        data = data_set_name(label_file)
        phrases.append(f"{where}{which} of {data} up to {cut.removeprefix('vgg16:')} ({images} images)")
    return phrases
