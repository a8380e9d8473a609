"""The rings data: the generator matches data.csv's description; the loader's messages; the split."""

from __future__ import annotations

import numpy as np
import pytest

from engine.labs.callbacks.data import RingsDataError, default_csv, generate_rings, load_csv, stratified_split
from engine.metrics import roc_auc


def test_generator_reproduces_the_description():
    x, y = generate_rings()
    assert x.shape == (20_000, 2) and set(np.unique(y)) == {0.0, 1.0} and y.sum() == 10_000
    assert x.min() > -1.7 and x.max() < 1.7
    np.testing.assert_allclose(x.std(axis=0), 0.67, atol=0.02)
    r = np.hypot(x[:, 0], x[:, 1])
    assert r[y == 1].mean() == pytest.approx(0.83, abs=0.01) and r[y == 0].mean() == pytest.approx(
        1.02, abs=0.01
    )
    # The best possible classifier thresholds the radius: about 0.67 accuracy and 0.74 AUC.
    best = max(np.mean((r < t) == (y == 1)) for t in np.linspace(0.7, 1.1, 81))
    assert best == pytest.approx(0.67, abs=0.015)
    assert roc_auc(y, -r) == pytest.approx(0.74, abs=0.015)


def test_generator_is_seeded():
    a, b, c = generate_rings(50, seed=1), generate_rings(50, seed=1), generate_rings(50, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_default_csv_round_trips_through_the_loader():
    path = default_csv()
    x, y = load_csv(path)
    gx, gy = generate_rings()
    np.testing.assert_allclose(x, gx, atol=1e-6)
    np.testing.assert_array_equal(y, gy)
    assert path.read_text().splitlines()[0] == "f1,f2,label"


def write(tmp_path, text: str):
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_accepts_extra_columns_any_order_and_a_bom(tmp_path):
    path = write(tmp_path, "\ufeffid,label,f2,f1\n1,1.0,0.5,0.25\n2,0,-1,2\n")
    x, y = load_csv(path)
    np.testing.assert_array_equal(x, [[0.25, 0.5], [2.0, -1.0]])
    np.testing.assert_array_equal(y, [1.0, 0.0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("f1,f2,label\n", "has a header but no data rows"),
        ("f1,label\n1,0\n", "line 1 \\(header\\): missing column\\(s\\) f2 \\(found: f1, label\\)"),
        ("f1,f2,F1,label\n1,0,2,1\n", "column 'f1' appears 2 times \\(columns 1 and 3\\)"),
        ("f1,f2,label\n1,2,0\n1,abc,1\n", "line 3, column f2: 'abc' is not a number"),
        ("f1,f2,label\n1,2,0\nnan,1,1\n", "line 3, column f1: nan is not a finite number"),
        ("f1,f2,label\n1,inf,0\n", "line 2, column f2: inf is not a finite number"),
        ("f1,f2,label\n1,2,0\n1,2,2\n", "line 3, column label: '2' is not 0 or 1"),
        ("f1,f2,label\n1,2,0\n1,,1\n", "line 3, column f2: the cell is empty"),
        ("f1,f2,label\n1,2\n", "line 2, column label: the cell is empty"),
        ("f1,f2,label\n1,2,1\n3,4,1\n", "every row has label 1; both classes"),
    ],
)
def test_loader_names_file_line_and_column(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(RingsDataError, match=message) as info:
        load_csv(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_loader_missing_file(tmp_path):
    with pytest.raises(RingsDataError, match=r"nope\.csv: CSV file not found"):
        load_csv(tmp_path / "nope.csv")


def test_loader_refuses_special_and_non_utf8_files(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(RingsDataError, match="is a named pipe"):
        load_csv(tmp_path / "pipe.csv")
    with pytest.raises(RingsDataError, match="is a device"):
        load_csv("/dev/zero")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"f1,f2,label\n1,2,0\n1,2,1\n\xe9,1,0\n")
    with pytest.raises(RingsDataError, match=r"latin\.csv: line 4: not UTF-8 text"):
        load_csv(latin)


def test_a_truncated_default_csv_is_regenerated_with_a_note():
    path = default_csv()
    path.write_text(path.read_text()[:5000])  # ~200 rows left of 20,000
    notes = []
    again = default_csv(note=notes.append)
    assert again == path and len(notes) == 1 and "damaged" in notes[0]
    assert len(load_csv(path)[1]) == 20_000


def test_split_is_stratified_seeded_and_disjoint():
    x, y = generate_rings(400, seed=0)
    x = np.column_stack([x, np.arange(len(y))])  # a row id to check disjointness
    xt, yt, xv, yv = stratified_split(x, y, 0.25, seed=5)
    assert len(yv) == 200 and yv.sum() == 100 and yt.sum() == 300
    assert set(xt[:, 2]).isdisjoint(xv[:, 2]) and len(yt) + len(yv) == len(y)
    again = stratified_split(x, y, 0.25, seed=5)
    np.testing.assert_array_equal(again[2], xv)
    assert not np.array_equal(stratified_split(x, y, 0.25, seed=6)[2], xv)


def test_split_rejects_impossible_requests():
    x, y = np.zeros((3, 2)), np.array([0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="class 0 has 1 samples"):
        stratified_split(x, y, 0.25)
    with pytest.raises(ValueError, match="val_fraction"):
        stratified_split(x, y, 1.5)
