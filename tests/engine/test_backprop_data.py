"""The backprop lab's data: the embedded default and CSV/NPZ loaders with messages naming the problem."""

from __future__ import annotations

import numpy as np
import pytest

from engine.graph import WEIGHTS, assignment_graph
from engine.labs.backprop import data as backprop_data
from engine.labs.backprop.data import DataFileError, embedded, generate_embedded, load, true_prediction


def test_embedded_data_is_506_by_5_deterministic_and_cached():
    first = embedded()
    assert first.X.shape == (506, 5) and first.y.shape == (506,)
    X, y = generate_embedded()
    np.testing.assert_array_equal(first.X, X)
    np.testing.assert_array_equal(first.y, y)
    assert (backprop_data.cache_dir("backprop") / backprop_data._CACHE_NAME / "manifest.json").is_file()
    np.testing.assert_array_equal(embedded().y, first.y)  # read back from the cache


def test_embedded_target_is_a_noisy_version_of_the_graph():
    data = embedded()
    graph = assignment_graph()
    feeds = {
        **{f"f{i + 1}": data.X[:, i] for i in range(5)},
        **dict(zip(WEIGHTS, backprop_data.TRUE_WEIGHTS, strict=True)),
    }
    y_pred = graph.values({**feeds, "y": data.y})["Y'"]
    np.testing.assert_allclose(y_pred, true_prediction(data.X), rtol=1e-13)
    residual = data.y - y_pred
    assert 0.08 < residual.std() < 0.12  # the noise we added (σ = 0.1), nothing else
    assert data.y.std() > 3 * residual.std()  # the features explain most of the target


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_loads_columns_by_header_name_in_any_order(tmp_path):
    path = write(tmp_path, "d.csv", "y,f5,f4,f3,f2,f1,note\n1,5,4,3,2,1,a\n2,50,40,30,20,10,b\n")
    data = load(path)
    np.testing.assert_array_equal(data.X, [[1, 2, 3, 4, 5], [10, 20, 30, 40, 50]])
    np.testing.assert_array_equal(data.y, [1, 2])
    assert "d.csv" in data.source and data.rows == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "d.csv: the file is empty"),
        ("1,2,3,4,5,6\n", "d.csv: line 1 (header): missing column(s) f1, f2, f3, f4, f5, y (found: 1, 2"),
        ("f1,f2,f3,f4,f5\n1,2,3,4,5\n", "missing column(s) y"),
        ("f1,f2,f3,f4,f5,y\n1,2,3,4,5,6\n1,2,abc,4,5,6\n", "d.csv: line 3, column f3: 'abc' is not a number"),
        ("f1,f2,f3,f4,f5,y\n1,2,3,4,5\n", "d.csv: line 2 has no value for column y"),
        ("f1,f2,f3,f4,f5,y\n1,2,3,nan,5,6\n", "d.csv: line 2, column f4: nan is not a finite number"),
        ("f1,f2,f3,f4,f5,y\n", "d.csv: no data rows"),
        ("f1,f2,f3,f4,f5,y,f2\n1,2,3,4,5,6,7\n", "d.csv: line 1 (header): column 'f2' appears 2 times"),
        ("\ufefff1,f2,f3,f4,f5,y\n1,2,3,4,5,6\n1,2,3,4,5\n", "d.csv: line 3 has no value for column y"),
    ],
)
def test_bad_csv_files_get_a_message_naming_file_and_problem(tmp_path, text, message):
    with pytest.raises(DataFileError) as info:
        load(write(tmp_path, "d.csv", text))
    assert message in str(info.value)


def test_semicolon_and_tab_separated_files_load(tmp_path):
    for separator in (";", "\t"):
        text = separator.join(["f1", "f2", "f3", "f4", "f5", "y"]) + "\n" + separator.join("123456") + "\n"
        data = load(write(tmp_path, "d.csv", text))
        np.testing.assert_array_equal(data.X, [[1, 2, 3, 4, 5]])
        np.testing.assert_array_equal(data.y, [6])


def test_binary_garbage_csv_is_reported(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(DataFileError, match=r"d\.csv: line 1: not UTF-8 text"):
        load(path)


def test_npz_round_trip_and_column_vector_target(tmp_path):
    path = tmp_path / "d.npz"
    X = np.arange(15.0).reshape(3, 5)
    np.savez(path, X=X, y=np.array([[1.0], [2.0], [3.0]]))
    data = load(path)
    np.testing.assert_array_equal(data.X, X)
    np.testing.assert_array_equal(data.y, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.zeros((3, 5))}, "d.npz: missing array 'y' (arrays found: X)"),
        ({"X": np.zeros((3, 4)), "y": np.zeros(3)}, "X must have shape (n, 5), got (3, 4)"),
        ({"X": np.zeros((3, 5)), "y": np.zeros(4)}, "X has 3 rows but y has 4"),
        ({"X": np.zeros((3, 5)), "y": np.array(["a", "b", "c"])}, "array y holds <U1 values"),
        ({"X": np.full((2, 5), np.inf), "y": np.zeros(2)}, "row 1, column f1 is not finite"),
        ({"X": np.zeros((2, 5)), "y": np.zeros(2, dtype=complex)}, "array y holds complex128 values"),
        ({"X": np.array([{"a": 1}], dtype=object), "y": np.zeros(1)}, "pickled (object) arrays"),
    ],
)
def test_bad_npz_files_get_a_message_naming_file_and_problem(tmp_path, arrays, message):
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataFileError) as info:
        load(path)
    assert message in str(info.value)


def test_not_an_npz_missing_file_and_wrong_extension(tmp_path):
    with pytest.raises(DataFileError, match=r"d\.npz: not a readable NPZ file"):
        load(write(tmp_path, "d.npz", "just text"))
    with pytest.raises(DataFileError, match="data file not found"):
        load(tmp_path / "missing.csv")
    with pytest.raises(DataFileError, match=r"d\.pkl: expected a \.csv or \.npz file"):
        load(write(tmp_path, "d.pkl", "x"))
    assert issubclass(DataFileError, ValueError)


def test_a_damaged_cache_is_regenerated_and_said(tmp_path):
    embedded()
    cached = backprop_data.cache_dir("backprop") / backprop_data._CACHE_NAME / "data.npz"
    cached.write_bytes(cached.read_bytes()[:-100])  # truncated
    notes = []
    data = embedded(notes.append)
    assert data.rows == 506 and len(notes) == 1 and "truncated or replaced" in notes[0]
    np.testing.assert_array_equal(data.X, generate_embedded()[0])


def test_special_files_and_forged_headers_are_refused(tmp_path):
    import io
    import os
    import zipfile

    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(DataFileError, match="is a named pipe, expected a regular data file"):
        load(tmp_path / "pipe.csv")
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(DataFileError, match="is a folder"):
        load(tmp_path / "folder.npz")
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**9, 5)}
    )
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w") as archive:
        archive.writestr("X.npy", header.getvalue() + b"\0" * 40)
        archive.writestr("y.npy", header.getvalue() + b"\0" * 40)
    with pytest.raises(DataFileError, match=r"claims shape \(1000000000, 5\)"):
        load(tmp_path / "bomb.npz")
