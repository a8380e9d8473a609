"""Every loader of a user's file, fed thousands of malformed files: it returns sound data or raises its
own error type with a short message naming the file, and never anything else, never hangs.

``make test`` runs a fixed sample per loader; ``make fuzz`` runs ``DLLAB_FUZZ_EXAMPLES`` fresh ones.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from engine.labs.backprop import data as backprop_data
from engine.labs.callbacks import data as rings
from engine.labs.lstm import data as donors
from engine.labs.lstm import synth
from engine.labs.transfer import images as transfer_images
from engine.labs.transfer.data import encode_png, render_page
from engine.labs.transfer.decode import MAX_IMAGE_PIXELS, ImageError, decode_image
from engine.paths import cache_dir
from engine.safe_formats import MAX_FIELD_CHARS
from engine.text import corpus, embeddings
from tests.fuzz.conftest import EXAMPLES
from tests.fuzz.malformed import MAX_MESSAGE, NASTY, assert_clean_message, malformed

pytestmark = [
    pytest.mark.timeout(max(300, 2 * EXAMPLES)),
    pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),  # Pillow's "Corrupt EXIF data" and the like
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _clean_failure(exc: BaseException, name: str) -> None:
    event("refused with a message")
    assert name in str(exc), str(exc)[:300]
    assert_clean_message(str(exc))


# --- seeds: one valid file per loader -------------------------------------------------------------


def _csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


_rng = np.random.default_rng(0)
BACKPROP_CSV = _csv_bytes(["f1", "f2", "f3", "f4", "f5", "y"], _rng.normal(size=(8, 6)).round(4).tolist())
RINGS_CSV = _csv_bytes(
    ["f1", "f2", "label"], [[0.5, -0.25, 1.0], [1.0, 0.0, 0.0], [0.1, 0.9, 1.0], [-1, 0.2, 0.0]]
)
_npz = io.BytesIO()
np.savez(_npz, X=_rng.normal(size=(6, 5)), y=_rng.normal(size=6))
_npz_compressed = io.BytesIO()
np.savez_compressed(_npz_compressed, X=_rng.normal(size=(6, 5)), y=_rng.normal(size=(6, 1)))
BACKPROP_NPZ = (_npz.getvalue(), _npz_compressed.getvalue())
GLOVE = b"".join(
    f"{w} {' '.join(f'{v:.4f}' for v in _rng.normal(size=5))}\n".encode()
    for w in ("the", "car", "new_york", "é")
)
LABELS = (
    b'path,label\nimages/a.png,0\nimages/b.png,15\n"images/c, d.png",3\n',
    b"images/a.tif 0\nimages/b.tif 7\n",
)
_train_rows, _resource_rows = synth.generate(24, seed=5)
DONORS_TRAIN = _csv_bytes(["Unnamed: 0", *donors.TRAIN_COLUMNS], _train_rows)
DONORS_RESOURCES = _csv_bytes(list(donors.RESOURCE_COLUMNS), _resource_rows)


def _images() -> tuple[bytes, ...]:
    from PIL import Image

    page = render_page(3, np.random.default_rng(1))[:48, :40]
    out = [encode_png(page)]
    for kind, options in (("JPEG", {}), ("GIF", {}), ("BMP", {}), ("TIFF", {"compression": "group4"})):
        buffer = io.BytesIO()
        image = Image.fromarray(page)
        (image.convert("1") if kind == "TIFF" else image).save(buffer, kind, **options)
        out.append(buffer.getvalue())
    return tuple(out)


IMAGES = _images()


# --- the loaders ------------------------------------------------------------------------------------


@given(malformed(BACKPROP_CSV))
def test_backprop_csv(workdir: Path, data: bytes) -> None:
    path = _write(workdir, "table.csv", data)
    try:
        loaded = backprop_data.load(path)
    except backprop_data.DataFileError as exc:
        _clean_failure(exc, "table.csv")
        return
    event("loaded")
    assert loaded.X.shape == (loaded.rows, 5) and loaded.rows > 0 and np.isfinite(loaded.X).all()


@given(malformed(BACKPROP_NPZ, max_noise=64))
def test_backprop_npz(workdir: Path, data: bytes) -> None:
    path = _write(workdir, "arrays.npz", data)
    try:
        loaded = backprop_data.load(path)
    except backprop_data.DataFileError as exc:
        _clean_failure(exc, "arrays.npz")
        return
    event("loaded")
    assert loaded.X.shape[1] == 5 and len(loaded.y) == loaded.rows and np.isfinite(loaded.y).all()


@given(malformed(RINGS_CSV))
def test_rings_csv(workdir: Path, data: bytes) -> None:
    path = _write(workdir, "rings.csv", data)
    try:
        x, y = rings.load_csv(path)
    except rings.RingsDataError as exc:
        _clean_failure(exc, "rings.csv")
        return
    event("loaded")
    assert x.shape == (len(y), 2) and set(np.unique(y)) == {0.0, 1.0} and np.isfinite(x).all()


@given(malformed(DONORS_TRAIN, max_noise=256), st.booleans())
def test_donors_choose_csvs(workdir: Path, data: bytes, damage_resources: bool) -> None:
    train = _write(workdir, "train.csv", DONORS_TRAIN if damage_resources else data)
    resources = _write(workdir, "resources.csv", data if damage_resources else DONORS_RESOURCES)
    try:
        projects = donors.load_projects(train, resources)
    except donors.DonorsDataError as exc:
        _clean_failure(exc, "resources.csv" if damage_resources else "train.csv")
        return
    event("loaded")
    assert len(projects.ids) == len(set(projects.ids)) == len(projects.label) > 0
    assert set(projects.label.tolist()) == {0, 1} and (projects.price >= 0).all()


@given(malformed(GLOVE))
def test_glove_vectors(workdir: Path, data: bytes) -> None:
    shutil.rmtree(cache_dir("text_cnn", "vectors-v2"), ignore_errors=True)  # no cache pile-up
    path = _write(workdir, "glove.txt", data)
    try:
        width = embeddings.vector_width(path)
        vectors = embeddings.load_vectors(path)
    except embeddings.EmbeddingFileError as exc:
        _clean_failure(exc, "glove.txt")
        return
    event("loaded")
    assert vectors.vectors.shape == (len(vectors.tokens), vectors.dim) and vectors.dim == width
    assert np.isfinite(vectors.vectors).all() and np.abs(vectors.vectors).max() <= embeddings.MAX_MAGNITUDE
    assert not any(token.startswith("\ufeff") for token in vectors.tokens)


_POST_NAMES = st.sampled_from(
    ["sci.space_1.txt", "rec.autos_2.txt", "rec.autos_3.txt", "x.txt", "_4.txt", "a_b_5.txt", "notes.md"]
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "sci.space/", "rec.autos/"]), _POST_NAMES, malformed(b"Subject: hi\n\nbody")
        ),
        max_size=6,
    ),
)
def test_text_corpus_folders(workdir: Path, files: list[tuple[str, str, bytes]]) -> None:
    root = workdir / "corpus"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for folder, name, data in files:
        (root / folder).mkdir(exist_ok=True)
        (root / folder / name).write_bytes(data)
    try:
        loaded = corpus.load_folder(root)
    except corpus.CorpusError as exc:
        _clean_failure(exc, str(root))
        return
    event("loaded")
    assert len(loaded.texts) == len(loaded.labels) == len(loaded.files) and len(loaded.class_names) >= 2
    assert all(len(p) <= MAX_MESSAGE for p in loaded.problems)


@given(malformed(LABELS), st.integers(1, 16))
def test_transfer_label_files(workdir: Path, data: bytes, n_classes: int) -> None:
    path = _write(workdir, "labels.csv", data)
    try:
        items = transfer_images.read_label_file(path, n_classes)
    except transfer_images.LabelFileError as exc:
        _clean_failure(exc, "labels.csv")
        return
    event("loaded")
    assert items and all(0 <= item.label < n_classes and item.path for item in items)


@given(malformed(IMAGES, max_noise=128))
def test_images_of_every_format(workdir: Path, data: bytes) -> None:
    path = _write(workdir, "page.img", data)
    try:
        pixels = decode_image(str(path))
    except ImageError as exc:
        _clean_failure(exc, "page.img")
        return
    event("loaded")
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
    assert pixels.shape[0] * pixels.shape[1] <= MAX_IMAGE_PIXELS


def test_the_nasty_fragments_include_a_field_above_the_csv_limit() -> None:
    assert max(len(piece) for piece in NASTY) > MAX_FIELD_CHARS
