"""Session files as untrusted input: what is not a session is refused with the file and the reason;
what is one is checked key by key (types as JSON writes them, bounds, choices)."""

import json
import os

import pytest

from engine import session_file
from engine.params import describe
from engine.session_file import SessionError, check_value, read
from tests.fake_lab import CounterParams

LABS = {"counter": CounterParams}
INFOS = {i.name: i for i in describe(CounterParams)}


def write_json(path, doc):
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_saved_session_reads_back(tmp_path):
    doc = session_file.document(
        {"counter": {"params": {"epochs": 4, "mode": "down"}}}, [{"id": 3, "name": "x"}]
    )
    session_file.write(tmp_path / "s.json", doc)
    session = read(tmp_path / "s.json", LABS)
    assert session.labs == {"counter": {"params": {"epochs": 4, "mode": "down"}}}
    assert session.compare == [3] and session.skipped == []
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b'{"format": "deep-learning-lab session",\n "labs": }', "not valid JSON, line 2 column 10"),
        (b'["format"]', "not a Deep Learning Lab session"),
        (b'{"labs": {}}', "not a Deep Learning Lab session"),
    ],
)
def test_what_is_not_a_session_is_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(SessionError, match=message) as caught:
        read(path, LABS)
    assert str(path) in str(caught.value)


def test_folders_pipes_and_huge_files_are_refused_unread(tmp_path):
    with pytest.raises(SessionError, match="is a folder, expected a regular session file"):
        read(tmp_path, LABS)
    os.mkfifo(tmp_path / "pipe.json")  # no writer: a plain open would block forever
    with pytest.raises(SessionError, match="is a named pipe, expected a regular session file"):
        read(tmp_path / "pipe.json", LABS)
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (session_file.MAX_BYTES + 1))
    with pytest.raises(SessionError, match="1,000,001 bytes; at most 1,000,000 are accepted"):
        read(huge, LABS)
    with pytest.raises(SessionError, match="session file not found"):
        read(tmp_path / "missing.json", LABS)


def test_values_must_have_their_json_type(tmp_path):
    assert check_value(INFOS["epochs"], 5) == 5
    assert check_value(INFOS["step_seconds"], 1) == 1.0
    for name, value, message in [
        ("epochs", "5", "expected a whole number, got '5'"),
        ("epochs", True, "expected a whole number, got true"),
        ("epochs", 2.5, "expected a whole number"),
        ("step_seconds", [1], "expected a number, got \\[1\\]"),
        ("mode", 1, "expected text, got 1"),
        ("mode", "sideways", "'sideways' is not one of up, down"),
        ("epochs", 0, "0 is below the minimum 1"),
    ]:
        with pytest.raises(ValueError, match=message):
            check_value(INFOS[name], value)


def test_each_bad_part_is_skipped_and_named(tmp_path):
    path = write_json(
        tmp_path / "s.json",
        {
            "format": "deep-learning-lab session",
            "version": 7,
            "labs": {
                "counter": {"params": {"epochs": 2, "steps_per_epoch": 0, "nope": 1}, "extra": 1},
                "other": {},
            },
            "runs": {"compare": [1, {"id": 2}, 0, True]},
        },
    )
    session = read(path, LABS)
    assert session.labs == {"counter": {"params": {"epochs": 2}, "extra": 1}}  # the lab checks "extra"
    assert session.compare == [1, 2]
    assert session.skipped == [
        "version 7: written by a newer app; what this one knows is used",
        "labs.counter.params.steps_per_epoch: 0 is below the minimum 1",
        "labs.counter.params.nope: no such setting",
        "labs.other: no such lab (the labs are counter)",
        "runs.compare: 0 is not a run id",
        "runs.compare: true is not a run id",
    ]
