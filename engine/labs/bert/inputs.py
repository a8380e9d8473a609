"""The BERT lab's input paths, checked before anything runs (no TensorFlow here).

A bad ``new_reviews_path`` used to surface only after the whole extraction and training; now every
path is checked when the params are built (cheap: the file exists and is a regular file, the encoder
folder has a ``saved_model.pb``), and the files' contents are read at the very start of the run.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from engine.labs.bert.reviews_csv import check_file
from engine.safe_files import clip_repr


class EncoderError(ValueError):
    """The chosen encoder path is not a usable BERT SavedModel; the message says which and why."""


def user_encoder_dir(encoder_path: str) -> Path | None:
    """The SavedModel folder a non-empty ``encoder_path`` names (None for "": our converted default).

    A folder with a ``saved_model.pb``, or a TF Hub handle already in ``TFHUB_CACHE_DIR`` (TF Hub keeps
    a handle under the SHA-1 of its text); nothing is downloaded.

    Raises:
        EncoderError: Nothing usable is found.
    """
    if not encoder_path.strip():
        return None
    path = Path(encoder_path).expanduser()
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise EncoderError(f"{path} is not a SavedModel directory (it has no saved_model.pb)")
        return path
    if path.exists():
        raise EncoderError(f"{path} is a file; choose the SavedModel directory that contains it")
    hub_cache = os.environ.get("TFHUB_CACHE_DIR", "")
    cached = Path(hub_cache) / hashlib.sha1(encoder_path.encode("utf-8")).hexdigest()
    if hub_cache and (cached / "saved_model.pb").is_file():
        return cached
    raise EncoderError(
        f"encoder {clip_repr(encoder_path)} was not found: give a SavedModel directory, or a TF Hub handle "
        "already in TFHUB_CACHE_DIR (nothing is downloaded)"
    )


def check_paths(data_path: str, new_reviews_path: str, encoder_path: str) -> None:
    """Raise ``ValueError`` naming the field when a given path cannot be what it should be."""
    for field, value in (("data_path", data_path), ("new_reviews_path", new_reviews_path)):
        if value.strip():
            check_file(Path(value).expanduser(), field)
    try:
        user_encoder_dir(encoder_path)
    except EncoderError as exc:
        raise EncoderError(f"encoder_path: {exc}") from None
