"""Text CNN lab: the pipeline explorer's corpus-wide jobs, without Qt (vocabulary, lengths, effects)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.jobs import CancelToken, JobCancelled, LogLine, Progress
from engine.labs.text_cnn import Params
from engine.labs.text_cnn import data as text_cnn_data
from engine.labs.text_cnn.data import prepare_corpus
from engine.labs.text_cnn.explore import (
    CorpusReady,
    analysis_key,
    explore_corpus,
    explore_spec,
    step_effects,
)
from engine.labs.text_cnn.newsgroups import generate_corpus
from engine.labs.text_cnn.pipeline import STEP_NUMBERS, vocabulary_by_step, vocabulary_size
from engine.params import build
from engine.text.corpus import load_folder


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_corpus(tmp_path_factory.mktemp("tiny_news"), seed=5, per_class=6)


def _params(folder: Path, **values: str) -> Params:
    return build(Params, {"data_dir": str(folder), "chunker": "offline", **values})


def test_explore_corpus_lists_the_posts_first_and_reads_them_once(
    tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Path] = []
    monkeypatch.setattr(
        text_cnn_data, "load_folder", lambda folder: reads.append(folder) or load_folder(folder)
    )
    events: list[object] = []
    params = _params(tiny_corpus, skip_steps="16,7")
    extra = explore_corpus(params, CancelToken(), events.append, baseline=True).extra

    assert len(reads) == 1  # two preprocessing passes (steps off, then all on), one read
    ready = [i for i, e in enumerate(events) if isinstance(e, CorpusReady)]
    progress = [i for i, e in enumerate(events) if isinstance(e, Progress)]
    assert len(ready) == 1 and ready[0] < progress[0]
    assert events[ready[0]].data_dir == str(tiny_corpus)  # type: ignore[attr-defined]
    texts = load_folder(tiny_corpus).texts
    on = [n for n in STEP_NUMBERS if n not in (7, 16)]
    assert extra["vocabulary_size"] == vocabulary_size(texts, on, "offline")
    assert extra["baseline_vocabulary_size"] == vocabulary_size(texts, None, "offline")
    assert extra["skip_steps"] == [7, 16] and extra["posts"] == len(texts)
    assert extra["key"] == analysis_key(params) == analysis_key(_params(tiny_corpus, skip_steps="7,16"))
    prepared = prepare_corpus(
        data_dir=str(tiny_corpus),
        skip_steps=[7, 16],
        chunker="offline",
        seed=params.seed,
        test_fraction=params.test_fraction,
        val_fraction=params.val_fraction,
        emit=lambda _e: None,
        token=CancelToken(),
    )
    assert extra["words"] == prepared.words.as_dict() and extra["chars"] == prepared.chars.as_dict()
    assert any(isinstance(e, LogLine) and "offline" in e.text for e in events)


def test_baseline_only_when_asked_or_free(tiny_corpus: Path) -> None:
    skip = explore_spec(False).run(_params(tiny_corpus, skip_steps="11"), CancelToken(), lambda _e: None)
    assert "baseline_vocabulary_size" not in skip.extra
    everything = explore_corpus(_params(tiny_corpus), CancelToken(), lambda _e: None).extra
    assert everything["baseline_vocabulary_size"] == everything["vocabulary_size"]


def test_step_effects_are_vocabulary_by_step_with_a_progress_per_pass(tiny_corpus: Path) -> None:
    events: list[object] = []
    extra = step_effects(_params(tiny_corpus), CancelToken(), events.append).extra
    expected = vocabulary_by_step(load_folder(tiny_corpus).texts, "offline")
    assert extra["sizes"] == {str(k): v for k, v in expected.items()}
    assert extra["data_dir"] == str(tiny_corpus)
    passes = len(STEP_NUMBERS) + 1
    assert [e.done for e in events if isinstance(e, Progress)] == list(range(passes + 1))


def test_step_effects_stop_during_the_first_pass(tiny_corpus: Path) -> None:
    token = CancelToken()

    def stop_at_first_pass(event: object) -> None:
        if isinstance(event, Progress):
            token.cancel()

    with pytest.raises(JobCancelled):
        step_effects(_params(tiny_corpus), token, stop_at_first_pass)


def test_a_stopped_first_load_leaves_no_corpus_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLLAB_CACHE_DIR", str(tmp_path))
    token = CancelToken()
    token.cancel()  # stops at the generator's first progress event
    with pytest.raises(JobCancelled):
        explore_corpus(build(Params, {}), token, lambda _e: None)
    assert list((tmp_path / "text_cnn").iterdir()) == []
