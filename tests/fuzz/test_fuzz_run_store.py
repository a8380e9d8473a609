"""The run store, opened on thousands of damaged copies of a real store: it always opens (moving a bad
file aside), a run always finishes, and a read either works or says what failed in one line."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given

from engine.jobs import CancelToken, Finished
from engine.runner import execute
from engine.runs import RunStore, StoreError
from tests.fake_lab import FAKE_LAB, CounterParams
from tests.fuzz.conftest import EXAMPLES
from tests.fuzz.malformed import assert_clean_message, malformed

pytestmark = pytest.mark.timeout(max(300, 2 * EXAMPLES))


def _valid_store() -> bytes:
    with tempfile.TemporaryDirectory(prefix="dllab-store-seed-") as folder:
        path = Path(folder) / "seed.sqlite"
        store = RunStore(path)
        for seed in range(3):
            execute(FAKE_LAB, CounterParams(epochs=4, seed=seed), CancelToken(), lambda e: None, store)
        store.close()
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return path.read_bytes()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store-fuzz")


_SEED = _valid_store()


@given(malformed(_SEED, max_noise=4096))
def test_a_damaged_store_always_opens_and_a_run_always_finishes(folder: Path, data: bytes) -> None:
    shutil.rmtree(folder / "data", ignore_errors=True)
    (folder / "data").mkdir()
    path = folder / "data" / "runs.sqlite"
    path.write_bytes(data)
    store = RunStore(path)
    try:
        event("moved aside" if store.problem and "moved aside" in store.problem else "opened as it was")
        if store.problem:
            assert_clean_message(store.problem)
        try:
            for summary in store.runs():
                store.history(summary.id)
        except StoreError as exc:
            event("a read failed with a message")
            assert_clean_message(str(exc))
        outcome = execute(FAKE_LAB, CounterParams(epochs=2), CancelToken(), lambda e: None, store)
        assert isinstance(outcome, Finished)
    finally:
        store.close()
