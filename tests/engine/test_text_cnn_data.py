"""Text CNN lab: corpus generator, folder loaders (good and bad), split, lengths, vector files."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from engine.jobs import CancelToken, Emit, JobCancelled, LogLine, Progress
from engine.labs.text_cnn import newsgroups
from engine.labs.text_cnn.data import evaluation, prepare_corpus
from engine.labs.text_cnn.lengths import analyse_lengths
from engine.labs.text_cnn.pipeline import preprocess
from engine.text.corpus import CorpusError, load_folder, stratified_split
from engine.text.embeddings import (
    EmbeddingFileError,
    char_vocabulary,
    embedding_matrix,
    encode_chars,
    load_vectors,
)


def test_generator_is_deterministic_and_has_the_real_format(tmp_path: Path) -> None:
    a = newsgroups.generate_corpus(tmp_path / "a", seed=3, per_class=6)
    b = newsgroups.generate_corpus(tmp_path / "b", seed=3, per_class=6)
    files = sorted(p.name for p in a.glob("*.txt"))
    assert files == sorted(p.name for p in b.glob("*.txt"))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert len(files) == 6 * len(newsgroups.CLASS_NAMES) and len(newsgroups.CLASS_NAMES) >= 8
    text = "\n".join((a / f).read_bytes().decode("utf-8", "replace") for f in files)
    for feature in ("From: ", "Subject: ", "In article <", "\n> ", "(", "@", "'", "d_"):
        assert feature in text, feature
    other = newsgroups.generate_corpus(tmp_path / "c", seed=4, per_class=6)
    assert sorted(p.read_bytes() for p in other.glob("*.txt")) != sorted(
        p.read_bytes() for p in a.glob("*.txt")
    )


def test_default_corpus_is_cached_with_a_few_invalid_utf8_files() -> None:
    folder = newsgroups.default_corpus()
    assert (folder.parent / "manifest.json").exists()
    corpus = load_folder(folder)
    assert len(corpus.texts) == newsgroups.POSTS_PER_CLASS * len(newsgroups.CLASS_NAMES)
    assert 0 < corpus.invalid_utf8_files < len(corpus.texts) // 10
    assert set(corpus.counts().values()) == {newsgroups.POSTS_PER_CLASS}
    assert newsgroups.default_corpus() == folder  # second call reuses the cache


def test_two_threads_generating_the_default_corpus_do_not_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path))
    real, barrier, written = newsgroups.generate_corpus, threading.Barrier(2), []

    def both_at_once(folder: Path, seed: int, emit: Emit | None = None) -> Path:
        written.append(folder)
        barrier.wait(timeout=30)  # both threads have passed the "not generated yet" check
        return real(folder, seed, per_class=8, emit=emit)

    monkeypatch.setattr(newsgroups, "generate_corpus", both_at_once)
    monkeypatch.setattr(newsgroups, "POSTS_PER_CLASS", 8)
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(newsgroups.default_corpus(7))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 2 and results[0] == results[1]
    assert len(set(written)) == 2 and results[0] not in written  # each wrote its own private copy
    corpus = load_folder(results[0])
    assert len(corpus.texts) == 8 * len(newsgroups.CLASS_NAMES) and not corpus.problems
    entry = results[0].parent
    assert sorted(p.name for p in entry.parent.iterdir()) == [entry.name]  # no copy left


def test_a_stopped_generation_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path))

    def stop(event: object) -> None:
        raise JobCancelled

    with pytest.raises(JobCancelled):
        newsgroups.default_corpus(7, stop)
    assert list((tmp_path / "text_cnn").iterdir()) == []


def _write(folder: Path, name: str, data: bytes) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_flat_folder_labels_from_the_name_and_reports_bad_files(tmp_path: Path) -> None:
    _write(tmp_path, "comp.sys.ibm.pc.hardware_61072.txt", b"Subject: ide\n\nmy drive")
    _write(tmp_path, "sci.space_1.txt", b"caf\xe9 in orbit")
    _write(tmp_path, "sci.space_2.txt", b"   \n")
    _write(tmp_path, "nolabel.txt", b"who am I")
    _write(tmp_path, "notes.md", b"ignored: not a post")
    corpus = load_folder(tmp_path)
    assert corpus.class_names == ("comp.sys.ibm.pc.hardware", "sci.space")
    assert corpus.layout == "flat" and corpus.invalid_utf8_files == 1
    assert "caf\ufffd in orbit" in corpus.texts
    problems = " | ".join(corpus.problems)
    assert "sci.space_2.txt: empty file" in problems and "nolabel.txt" in problems


def test_one_subfolder_per_class(tmp_path: Path) -> None:
    _write(tmp_path, "rec.autos/101", b"my clutch")
    _write(tmp_path, "rec.autos/102", b"my brakes")
    _write(tmp_path, "sci.med/7", b"migraine")
    _write(tmp_path, "README", b"about these posts")
    corpus = load_folder(tmp_path)
    assert corpus.layout == "folders" and corpus.counts() == {"rec.autos": 2, "sci.med": 1}
    assert any("README: outside the class sub-folders" in p for p in corpus.problems)


def test_posts_at_the_top_and_in_class_folders_are_refused_not_dropped(tmp_path: Path) -> None:
    _write(tmp_path, "rec.autos/101", b"my clutch")
    _write(tmp_path, "sci.med/7", b"migraine")
    _write(tmp_path, "rec.autos_55.txt", b"a top-level post")
    with pytest.raises(CorpusError, match=r"posts both at the top level \(1, e\.g\. rec\.autos_55\.txt\)"):
        load_folder(tmp_path)


def test_special_and_huge_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    import os

    _write(tmp_path, "a_1.txt", b"alpha")
    _write(tmp_path, "b_1.txt", b"beta")
    os.mkfifo(tmp_path / "a_2.txt")
    os.symlink(tmp_path / "b_2.txt", tmp_path / "b_2.txt")
    os.symlink("/dev/zero", tmp_path / "a_3.txt")
    with open(tmp_path / "b_3.txt", "wb") as handle:
        handle.truncate(11 << 20)  # 11 MB, sparse
    _write(tmp_path, "notes.md", b"not a post")
    corpus = load_folder(tmp_path)
    assert len(corpus.texts) == 2
    problems = " | ".join(corpus.problems)
    assert (
        "a_2.txt: is a named pipe" in problems
        and "b_2.txt: cannot read the post (a symbolic link loop)" in problems
    )
    assert "a_3.txt: is a device" in problems and "b_3.txt: the post is 11,534,336 bytes" in problems
    assert "1 entries without the .txt ending were ignored (e.g. notes.md)" in problems


def test_a_damaged_default_corpus_is_generated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path))
    real = newsgroups.generate_corpus
    monkeypatch.setattr(
        newsgroups, "generate_corpus", lambda folder, seed, emit=None: real(folder, seed, 2, emit)
    )
    monkeypatch.setattr(newsgroups, "POSTS_PER_CLASS", 2)
    folder = newsgroups.default_corpus(7)
    victim = sorted(folder.iterdir())[3]
    victim.write_bytes(victim.read_bytes()[:10])
    events: list[object] = []
    assert newsgroups.default_corpus(7, events.append) == folder
    notes = [e.text for e in events if isinstance(e, LogLine)]
    assert len(notes) == 1 and f"posts/{victim.name} is" in notes[0]
    assert len(load_folder(folder).texts) == 2 * len(newsgroups.CLASS_NAMES)


def test_unreadable_file_is_reported_not_fatal(tmp_path: Path) -> None:
    _write(tmp_path, "a_1.txt", b"alpha")
    _write(tmp_path, "b_1.txt", b"beta")
    (tmp_path / "b_2.txt").mkdir()  # a folder named like a post cannot be read as one
    corpus = load_folder(tmp_path)
    assert len(corpus.texts) == 2 and any("b_2.txt: is a folder" in p for p in corpus.problems)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no usable posts"),
        ({"a_1.txt": b""}, "empty file"),
        ({"a_1.txt": b"x", "a_2.txt": b"y"}, "two or more"),
    ],
)
def test_bad_folders_raise_a_clear_error(tmp_path: Path, files: dict[str, bytes], message: str) -> None:
    for name, data in files.items():
        _write(tmp_path, name, data)
    with pytest.raises(CorpusError, match=message) as info:
        load_folder(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not a folder"):
        load_folder(tmp_path / "nope")


def test_split_is_stratified_disjoint_and_seeded() -> None:
    labels = np.repeat(np.arange(4), [40, 40, 20, 8]).astype(np.int64)
    split = stratified_split(labels, seed=1)
    parts = [split.train, split.val, split.test]
    assert sum(len(p) for p in parts) == len(labels)
    assert len(np.unique(np.concatenate(parts))) == len(labels)
    assert np.bincount(labels[split.test]).tolist() == [10, 10, 5, 2]  # 25 % of each class
    assert all(np.bincount(labels[p], minlength=4).min() >= 1 for p in parts)
    again = stratified_split(labels, seed=1)
    assert np.array_equal(again.test, split.test)
    assert not np.array_equal(stratified_split(labels, seed=2).test, split.test)
    with pytest.raises(CorpusError, match="'tiny' has 2"):
        stratified_split(np.array([0, 0, 0, 1, 1]), 0, class_names=("big", "tiny"))


def test_length_analysis_proposes_a_percentile_with_a_reason() -> None:
    lengths = [100] * 95 + [5000] * 5
    report = analyse_lengths(lengths, "words", percentile=90)
    assert report.proposed == 104 and report.percentiles[100] == 5000
    assert report.truncated_fraction == pytest.approx(0.05)
    assert "90 %" in report.reason and "5000" in report.reason
    assert sum(report.histogram_counts) == 100 and len(report.histogram_edges) == 31
    capped = analyse_lengths([3000] * 10, "characters", cap=1024)
    assert capped.proposed == 1024 and "Capped" in capped.reason


def test_vectors_file_is_parsed_once_then_read_from_the_npy_cache(tmp_path: Path) -> None:
    path = tmp_path / "vec.txt"
    path.write_text("the 0.1 0.2 0.3\nnew_york 1 2 3\ncar -1 0 1\n", encoding="utf-8")
    first = load_vectors(path)
    assert not first.from_cache and first.dim == 3 and first.tokens == ("the", "new_york", "car")
    second = load_vectors(path)
    assert second.from_cache and np.array_equal(second.vectors, first.vectors)
    matrix, coverage = embedding_matrix(["", "[UNK]", "new_york", "car", "boat", "sea"], first, seed=0)
    assert coverage == pytest.approx(0.5)
    assert np.array_equal(matrix[2], [1, 2, 3]) and not matrix[0].any()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a 1 2\nb 1\n", "line 2 has 1 numbers, expected 2"),
        ("a 1 2\nb 1 x\n", "line 2, column 3: 'x' is not a number"),
        ("\n\n", "no vectors"),
        ("a 1 2\nb nan 2\n", "line 2, column 2: nan is not a finite number"),
        ("a 1 2\nb 1 -inf\n", "line 2, column 3: -inf is not a finite number"),
        ("a 1 2\nb 1 3e38\n", r"line 2, column 3: 3e38 is beyond ±10000"),
        ("a 1 2\nb 1 1e39\n", "line 2, column 3: 1e39 is beyond"),
        ("a " + " ".join(["0.5"] * 5000) + "\n", "line 1 has 5,000 numbers; vectors of at most 4,096"),
    ],
)
def test_bad_vectors_files_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EmbeddingFileError, match=message):
        load_vectors(path)


def test_a_bom_is_not_part_of_the_first_word_and_special_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffthe 0.1 0.2\ncar 1 2\n".encode())
    assert load_vectors(path).tokens == ("the", "car")
    one_line = tmp_path / "one-line.txt"
    one_line.write_text("w " + "1 " * 3_000_000, encoding="utf-8")  # 6 MB without a line break
    with pytest.raises(EmbeddingFileError, match="line 1 is longer than"):
        load_vectors(one_line)
    with pytest.raises(EmbeddingFileError, match="is a device"):
        load_vectors("/dev/zero")
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    with pytest.raises(EmbeddingFileError, match="is a named pipe"):
        load_vectors(fifo)


def test_a_damaged_vectors_cache_is_parsed_again_and_said(tmp_path: Path) -> None:
    path = tmp_path / "vec.txt"
    path.write_text("the 0.1 0.2 0.3\ncar -1 0 1\n", encoding="utf-8")
    load_vectors(path)
    cached = next(p for p in embeddings_cache_dir().rglob("vectors.npy") if p.parent.name == first_key(path))
    data = bytearray(cached.read_bytes())
    data[-4:] = np.float32("nan").tobytes()  # the last number scrambled, the size unchanged
    cached.write_bytes(bytes(data))
    events: list[object] = []
    again = load_vectors(path, emit=events.append)
    assert not again.from_cache and np.isfinite(again.vectors).all()
    notes = [e.text for e in events if isinstance(e, LogLine)]
    assert len(notes) == 1 and "SHA-256" in notes[0] and "rebuilding" in notes[0]


def embeddings_cache_dir() -> Path:
    from engine.paths import cache_dir

    return cache_dir("text_cnn", "vectors-v2")


def first_key(path: Path) -> str:
    import hashlib

    stat = path.stat()
    return hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]


def test_vector_parsing_reports_progress_and_is_cancellable(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("".join(f"w{i} 0.5\n" for i in range(40001)), encoding="utf-8")
    events: list[Progress] = []
    assert load_vectors(path, emit=events.append).vectors.shape == (40001, 1)
    assert [(e.done, e.total) for e in events] == [(20000, 40001), (40000, 40001)]
    path.write_text(path.read_text() + "extra 1.0\n")  # a changed file is parsed again
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        load_vectors(path, token=token)


def test_char_vocabulary_and_encoding_keep_underscore() -> None:
    merged = [" ".join(preprocess("Subject: Re: trip\n\nWe flew to New York (cheap)."))]
    vocab = char_vocabulary(merged)
    assert vocab[:2] == ["", "[UNK]"] and "_" in vocab
    ids = encode_chars(["ab_", "zzzzzz"], vocab, 4)
    assert ids.shape == (2, 4) and ids[0, 3] == 0  # padded at the end
    assert ids[1, 0] == (vocab.index("z") if "z" in vocab else 1)


def test_prepare_corpus_uses_posts_already_loaded(tmp_path: Path) -> None:
    folder = newsgroups.generate_corpus(tmp_path / "news", seed=2, per_class=6)
    settings = dict(skip_steps=[16], chunker="offline", seed=1, test_fraction=0.25, val_fraction=0.2)
    loaded = (load_folder(folder), "already loaded")
    events: list[object] = []
    # The folder named is gone: only the posts passed in can be used.
    given = prepare_corpus(
        data_dir=str(tmp_path / "gone"), corpus=loaded, emit=events.append, token=CancelToken(), **settings
    )
    read = prepare_corpus(data_dir=str(folder), emit=lambda _e: None, token=CancelToken(), **settings)
    assert given.corpus is loaded[0] and given.source == "already loaded"
    assert given.merged == read.merged and given.words == read.words and given.chars == read.chars
    assert np.array_equal(given.split.test, read.split.test)
    assert any(isinstance(e, LogLine) and "already loaded: 60 posts" in e.text for e in events)


def test_evaluation_lists_the_most_confident_mistakes_and_counts_them_all() -> None:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, size=60)
    probabilities = rng.dirichlet(np.ones(3), size=60).astype(np.float32)
    texts = [f"post {i}" for i in range(60)]
    result = evaluation(y_true, probabilities, ("a", "b", "c"), texts, texts, texts, max_examples=5)
    wrong = int((probabilities.argmax(axis=1) != y_true).sum())
    assert wrong > 5 and result["misclassified_total"] == wrong
    assert wrong == np.sum(result["confusion_matrix"]) - np.trace(result["confusion_matrix"])
    shown = [item["confidence"] for item in result["misclassified"]]
    wrong_confidences = probabilities.max(axis=1)[probabilities.argmax(axis=1) != y_true]
    assert shown == sorted(wrong_confidences.tolist(), reverse=True)[:5]


def test_a_bom_in_the_middle_of_a_joined_vectors_file_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "joined.txt"
    path.write_bytes("\ufeffthe 1 2\n".encode() + b"\r" + "\ufeffcar 3 4\n".encode())
    assert load_vectors(path).tokens == ("the", "car")
