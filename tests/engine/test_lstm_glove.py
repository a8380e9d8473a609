"""The LSTM lab's GloVe embedding: parsed once per file and vocabulary, width read without parsing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.jobs import LogLine
from engine.labs.lstm import glove as lstm_glove
from engine.labs.lstm.data import embedded_paths, load_projects
from engine.labs.lstm.inputs import prepare
from engine.text import embeddings
from engine.text.embeddings import EmbeddingFileError


@pytest.fixture(scope="module")
def prepared():
    projects = load_projects(*embedded_paths(300, seed=4))
    return prepare(projects, model=1, seed=0, max_words=500, text_length=12)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of GloVe file parses and of vector loads (parse or on-disk cache), from a clean slate."""
    counts = {"parse": 0, "load": 0}
    parse, load = embeddings._parse, embeddings.load_vectors

    def counting_parse(*args, **kwargs):
        counts["parse"] += 1
        return parse(*args, **kwargs)

    def counting_load(*args, **kwargs):
        counts["load"] += 1
        return load(*args, **kwargs)

    monkeypatch.setattr(embeddings, "_parse", counting_parse)
    monkeypatch.setattr(embeddings, "load_vectors", counting_load)
    monkeypatch.setattr(lstm_glove, "_matrices", {})
    return counts


def _glove(path: Path, words: list[str], dim: int, header: str = "") -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    vectors = {w: rng.normal(size=dim).astype(np.float32).round(4) for w in words}
    lines = "".join(f"{w} {' '.join(f'{v:.4f}' for v in vec)}\n" for w, vec in vectors.items())
    path.write_text(header + lines, encoding="utf-8")
    return vectors


def test_the_file_is_parsed_once_per_file_and_vocabulary(tmp_path: Path, prepared, counted) -> None:
    words = list(prepared.text_index.words[:10])
    path = tmp_path / "glove.tiny.7d.txt"
    vectors = _glove(path, [*words, "zebra"], 7)
    events: list[object] = []
    first, info = lstm_glove.glove_matrix(str(path), prepared, 0, events.append, None)
    assert counted == {"parse": 1, "load": 1}
    assert first is not None and first.shape == (prepared.text_index.input_dim, 7)
    assert np.array_equal(first[2], vectors[words[0]]) and not first[0].any()  # word 0 is row 2
    assert info["coverage"] == pytest.approx(10 / len(prepared.text_index.words))
    again, _ = lstm_glove.glove_matrix(str(path), prepared, 0, events.append, None)
    assert again is first and counted == {"parse": 1, "load": 1}
    assert not first.flags.writeable  # shared between runs, so nobody may change it
    assert [e.text for e in events if isinstance(e, LogLine)].count(
        f"Embedding: {info['label']}; {100 * info['coverage']:.1f} % of the vocabulary has a vector"
    ) == 2
    lstm_glove.glove_matrix(str(path), prepared, 1, events.append, None)  # another seed: on-disk cache
    assert counted == {"parse": 1, "load": 2}
    with path.open("a", encoding="utf-8") as handle:  # a changed file is read again
        handle.write("yak " + " ".join(["0.5"] * 7) + "\n")
    lstm_glove.glove_matrix(str(path), prepared, 0, events.append, None)
    assert counted == {"parse": 2, "load": 3}


def test_no_file_means_a_trainable_embedding(prepared, counted) -> None:
    events: list[object] = []
    matrix, info = lstm_glove.glove_matrix("", prepared, 0, events.append, None)
    assert matrix is None and info["kind"] == "trainable" and "NOT pretrained" in info["label"]
    assert lstm_glove.diagram_matrix("", prepared) is None and counted["load"] == 0


def test_the_diagram_reads_only_the_vector_width(tmp_path: Path, prepared, counted) -> None:
    path = tmp_path / "glove.txt"
    _glove(path, ["a", "b"], 9, header="2 9\n")  # a word2vec-style header line first
    with path.open("a", encoding="utf-8") as handle:
        handle.write("broken line\n")  # never read: only the first vector line is
    assert lstm_glove.glove_width(str(path)) == 9
    matrix = lstm_glove.diagram_matrix(str(path), prepared)
    assert matrix is not None and matrix.shape == (prepared.text_index.input_dim, 9)
    assert counted == {"parse": 0, "load": 0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no vectors found"),
        ("\nword\n", "line 2 has a token but no numbers"),
        ("word 0.1 x\n", r"line 1, column 3: 'x' is not a number"),
    ],
)
def test_bad_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EmbeddingFileError, match=message):
        lstm_glove.glove_width(str(path))
    with pytest.raises(EmbeddingFileError, match="GloVe file not found"):
        lstm_glove.glove_width(str(tmp_path / "missing.txt"))
