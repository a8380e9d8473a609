"""The text CNN's corpus table: the assignment's five columns from the same preprocessing the model
gets, a CSV that reads back exactly, content-named run copies, a cancellable export job, and the CLI's
``artifacts["preprocessed_csv"]``."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.jobs import CancelToken, Finished, JobCancelled
from engine.labs.text_cnn import preprocess
from engine.labs.text_cnn.data import prepare_corpus
from engine.labs.text_cnn.newsgroups import generate_corpus
from engine.labs.text_cnn.table import (
    COLUMNS,
    CorpusTable,
    CsvExport,
    corpus_table,
    csv_bytes,
    export_spec,
    save_preprocessed_csv,
    write_bytes,
)
from engine.runner import execute
from tests.tensorboard_events import assert_default_logs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_corpus(tmp_path_factory.mktemp("tiny_news"), seed=5, per_class=6)


def _prepared(folder: Path, skip: tuple[int, ...] = ()):
    return prepare_corpus(
        data_dir=str(folder),
        skip_steps=skip,
        chunker="offline",
        seed=0,
        test_fraction=0.25,
        val_fraction=0.15,
        emit=lambda _event: None,
        token=CancelToken(),
    )


def test_one_row_per_post_with_the_assignments_columns(tiny_corpus: Path) -> None:
    prepared = _prepared(tiny_corpus)
    table = corpus_table(prepared)
    corpus = prepared.corpus
    assert COLUMNS == ("text", "class", "preprocessed_text", "preprocessed_subject", "preprocessed_emails")
    assert len(table.rows) == len(table.files) == len(corpus.texts)
    for i in (0, len(table.rows) // 2, len(table.rows) - 1):
        text, name, pre_text, pre_subject, pre_emails = table.rows[i]
        assert text == corpus.texts[i] and name == corpus.class_names[int(corpus.labels[i])]
        # The assignment's own function, run independently, gives the same three columns.
        assert preprocess(text, chunker="offline") == (pre_emails, pre_subject, pre_text)
        assert table.files[i] == corpus.files[i] and table.files[i].startswith(name)
    assert any(row[4] for row in table.rows) and any(row[3] for row in table.rows)


def test_the_csv_reads_back_exactly_quotes_commas_and_line_breaks_included() -> None:
    tricky = ('Subject: "quoted", comma\nline two\r\nlast', "sci.space", "a, b", 'say "hi"', "nyx edu")
    table = CorpusTable((tricky, ("plain", "rec.autos", "", "", "")), ("a.txt", "b.txt"))
    content = csv_bytes(table)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
    assert rows == [list(COLUMNS), list(tricky), ["plain", "rec.autos", "", "", ""]]


def test_a_runs_copy_is_named_by_its_content_and_never_rewritten(tiny_corpus: Path) -> None:
    table = corpus_table(_prepared(tiny_corpus))
    first = save_preprocessed_csv(table)
    stamp = first.stat().st_mtime_ns
    assert save_preprocessed_csv(table) == first and first.stat().st_mtime_ns == stamp
    other = save_preprocessed_csv(corpus_table(_prepared(tiny_corpus, skip=(16,))))
    assert other != first and first.read_bytes() == csv_bytes(table)


def test_export_is_a_cancellable_job_and_a_bad_folder_is_named(tiny_corpus: Path, tmp_path: Path) -> None:
    table = corpus_table(_prepared(tiny_corpus))
    target = tmp_path / "table.csv"
    events: list = []
    outcome = execute(export_spec(table), CsvExport(str(target)), CancelToken(), events.append)
    assert isinstance(outcome, Finished) and outcome.result.artifacts["preprocessed_csv"] == str(target)
    assert target.read_bytes() == csv_bytes(table)
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        csv_bytes(table, token)
    with pytest.raises(OSError, match=r"missing/t\.csv: could not write the CSV"):
        write_bytes(tmp_path / "missing" / "t.csv", b"x")
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


@pytest.mark.slow
def test_the_cli_json_carries_the_csv_and_the_tensorboard_folder(tiny_corpus: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "DLLAB_DATA_DIR": str(tmp_path / "data"),
        "DLLAB_CACHE_DIR": str(tmp_path / "cache"),
    }
    args = ["run", "text_cnn", "--set", f"data_dir={tiny_corpus}", "--set", "batch_size=8", "--epochs", "1"]
    done = subprocess.run(
        [sys.executable, "main.py", *args, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    path = Path(result["artifacts"]["preprocessed_csv"])
    assert path.is_file() and path.is_relative_to(tmp_path / "data")
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(COLUMNS) and len(rows) == 1 + sum(1 for _ in tiny_corpus.rglob("*.txt"))
    assert_default_logs(result["artifacts"]["tensorboard"])
