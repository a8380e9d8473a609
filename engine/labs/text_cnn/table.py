"""The assignment's table of the corpus: one row per post with the columns ``text, class,
preprocessed_text, preprocessed_subject, preprocessed_emails``, and its CSV export.

The rows come from the same preprocessing the model is trained on (:func:`~engine.labs.text_cnn.data.
prepare_corpus`), so the table, the CSV and the model agree. Plain Python, no TensorFlow.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from engine.jobs import CancelToken, Emit, LabResult, LabSpec, Progress
from engine.labs.text_cnn.data import PreparedCorpus
from engine.paths import data_dir
from engine.safe_files import atomic_write_bytes

#: The assignment's column names, in its order.
COLUMNS = ("text", "class", "preprocessed_text", "preprocessed_subject", "preprocessed_emails")
#: Rows written between two checks of the cancel token (and progress events) while exporting.
ROWS_PER_CHECK = 1000

Row = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class CorpusTable:
    """The table's rows (in :data:`COLUMNS` order) and, beside them, the file each row was read from."""

    rows: tuple[Row, ...]
    files: tuple[str, ...]


def corpus_table(prepared: PreparedCorpus) -> CorpusTable:
    """One row per post: the raw post, its class name and what preprocessing made of it."""
    corpus = prepared.corpus
    rows = tuple(
        (raw, corpus.class_names[int(label)], doc.text, doc.subject, doc.emails)
        for raw, label, doc in zip(corpus.texts, corpus.labels, prepared.documents, strict=True)
    )
    return CorpusTable(rows, tuple(corpus.files))


def csv_bytes(table: CorpusTable, token: CancelToken | None = None, emit: Emit | None = None) -> bytes:
    """The table as UTF-8 CSV with a header row (fields with commas, quotes or line breaks quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    total = len(table.rows)
    for start in range(0, total, ROWS_PER_CHECK):
        if token is not None:
            token.raise_if_cancelled()
        writer.writerows(table.rows[start : start + ROWS_PER_CHECK])
        if emit is not None:
            emit(Progress("writing the CSV", min(start + ROWS_PER_CHECK, total), total))
    return buffer.getvalue().encode("utf-8")


def write_bytes(path: Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` through a temporary file and a rename: never a half-written file.

    Raises:
        OSError: The folder is missing or not writable; the message names the path.
    """
    try:  # a unique temporary name: an export and a run may write the same content-named file at once
        atomic_write_bytes(path, content)
    except OSError as exc:
        raise OSError(f"{path}: could not write the CSV ({exc.strerror or exc})") from None
    return path


def save_preprocessed_csv(table: CorpusTable, token: CancelToken | None = None) -> Path:
    """The run's copy of the table: ``<data dir>/text_cnn/preprocessed/preprocessed-<sha256>.csv``.

    Named by its content, so runs on the same posts and settings share one file and a run's file is
    never overwritten with another run's table.
    """
    content = csv_bytes(table, token)
    folder = data_dir() / "text_cnn" / "preprocessed"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"preprocessed-{hashlib.sha256(content).hexdigest()[:16]}.csv"
    return path if path.is_file() and path.stat().st_size == len(content) else write_bytes(path, content)


@dataclass(frozen=True)
class CsvExport:
    """Where the table goes (``seed``/``epochs`` keep the job contract)."""

    path: str = ""
    seed: int = 0
    epochs: int = 0


def _export(params: CsvExport, token: CancelToken, emit: Emit, table: CorpusTable) -> LabResult:
    path = write_bytes(Path(params.path).expanduser(), csv_bytes(table, token, emit))
    return LabResult(artifacts={"preprocessed_csv": str(path)}, extra={"rows": len(table.rows)})


def export_spec(table: CorpusTable) -> LabSpec:
    """Writing ``table`` to a CSV as a job for a worker (not recorded as a run)."""
    from engine.labs.text_cnn import LAB

    return replace(
        LAB,
        id="text_cnn_csv_export",
        title="CSV export",
        params_type=CsvExport,
        run=partial(_export, table=table),
        needs_tensorflow=False,
    )
