"""CSV and NPZ reading of untrusted files: BOM, encodings, field limits, duplicates, forged headers."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from engine import safe_formats as fmt
from engine.safe_files import InputFileError


def _rows(path, **kwargs):
    return list(fmt.csv_rows(path, **kwargs))


def test_bom_is_dropped_and_lines_are_numbered(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes('\ufeffa,b\n1,"multi\nline"\n3,4\n'.encode())
    assert _rows(path) == [(1, ["a", "b"]), (2, ["1", "multi\nline"]), (4, ["3", "4"])]


def test_semicolon_files_are_sniffed_from_the_first_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1,5;2\n", encoding="utf-8")
    assert _rows(path, delimiters=",;\t")[1] == (2, ["1,5", "2"])


def test_non_utf8_names_the_file_and_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"a,b\n1,2\ncaf\xe9,3\n")
    with pytest.raises(InputFileError, match=r"latin.csv: line 3: not UTF-8"):
        _rows(path)


@pytest.mark.parametrize("global_limit", [131_072, 2**31 - 1])
def test_a_field_above_the_csv_limit_names_the_file_and_line(tmp_path, global_limit):
    import csv

    path = tmp_path / "big.csv"
    path.write_text('a,b\n1,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    previous = csv.field_size_limit(global_limit)  # another reader may have raised the shared limit
    try:
        with pytest.raises(
            InputFileError, match=r"big\.csv: line 2: a field is longer than 131,072"
        ) as caught:
            _rows(path)
    finally:
        csv.field_size_limit(previous)
    assert len(str(caught.value)) < 300


def test_duplicate_and_missing_columns_are_named():
    with pytest.raises(InputFileError, match=r"column 'f1' appears 2 times \(columns 1 and 3\)"):
        fmt.column_positions("d.csv", ["f1", "f2", "f1"], ["f1", "f2"])
    with pytest.raises(InputFileError, match=r"missing column\(s\) y \(found: f1, f2\)"):
        fmt.column_positions("d.csv", ["f1", "f2"], ["f1", "y"])
    assert fmt.column_positions("d.csv", [" F1", "x", "x"], ["f1"], casefold=True) == {"f1": 0}


def test_number_cells_are_finite_and_echo_at_most_200_characters():
    assert fmt.check_number_cell("d.csv", 2, "f1", " 1.5 ", InputFileError) == 1.5
    with pytest.raises(InputFileError, match="not a finite number"):
        fmt.check_number_cell("d.csv", 2, "f1", "1e999", InputFileError)
    with pytest.raises(InputFileError) as caught:
        fmt.check_number_cell("d.csv", 2, "f1", "z" * 100_000, InputFileError)
    assert len(str(caught.value)) < 300 and "100,000 characters" in str(caught.value)


def _npz_with_header(path, header_shape, data=b"\x00" * 16, dtype="<f8"):
    header = {"descr": dtype, "fortran_order": False, "shape": header_shape}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", buffer.getvalue() + data)


def test_npz_roundtrip(tmp_path):
    path = tmp_path / "ok.npz"
    np.savez_compressed(path, X=np.arange(6.0).reshape(2, 3), y=np.array([1, 2]))
    arrays = fmt.npz_arrays(path, ["X", "y"])
    assert arrays["X"].shape == (2, 3) and arrays["y"].tolist() == [1, 2]
    fortran = tmp_path / "f.npz"
    np.savez(fortran, X=np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    assert fmt.npz_arrays(fortran, ["X"])["X"].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_a_forged_npz_header_is_refused_before_allocating(tmp_path):
    path = tmp_path / "forged.npz"
    _npz_with_header(path, (10**6, 10**6))  # claims 8 TB, holds 16 bytes
    with pytest.raises(InputFileError, match=r"claims shape \(1000000, 1000000\).*holds 16 bytes"):
        fmt.npz_arrays(path, ["X"])


def test_npz_limits_pickles_and_damage(tmp_path):
    objects = tmp_path / "obj.npz"
    np.savez(objects, X=np.array([{"a": 1}], dtype=object))
    with pytest.raises(InputFileError, match="pickled"):
        fmt.npz_arrays(objects, ["X"])
    big = tmp_path / "big.npz"
    np.savez(big, X=np.zeros(1000))
    with pytest.raises(InputFileError, match="at most 100 are accepted"):
        fmt.npz_arrays(big, ["X"], max_bytes=100)
    with pytest.raises(InputFileError, match=r"missing array 'y' \(arrays found: X\)"):
        fmt.npz_arrays(big, ["y"])
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(big.read_bytes()[:300])
    with pytest.raises(InputFileError, match="not a readable NPZ"):
        fmt.npz_arrays(truncated, ["X"])
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(InputFileError, match="not a zip archive"):
        fmt.npz_arrays(text, ["X"])
