"""DonorsChoose CSVs: the generator, the loaders, resource aggregation, missing essays, bad files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.labs.lstm import synth as donors_synth
from engine.labs.lstm.data import (
    RESOURCE_COLUMNS,
    TRAIN_COLUMNS,
    DonorsDataError,
    aggregate_resources,
    embedded_paths,
    join_essays,
    load_projects,
)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _project(
    pid: str, label: int, essays: tuple[str, str, str, str] = ("One.", "Two.", "", "")
) -> list[object]:
    values = {
        "id": pid,
        "teacher_id": "t1",
        "teacher_prefix": "Mrs.",
        "school_state": "CA",
        "project_submitted_datetime": "2016-05-01 10:00:00",
        "project_grade_category": "Grades 3-5",
        "project_subject_categories": "Math & Science",
        "project_subject_subcategories": "Mathematics",
        "project_title": "Title",
        "project_essay_1": essays[0],
        "project_essay_2": essays[1],
        "project_essay_3": essays[2],
        "project_essay_4": essays[3],
        "project_resource_summary": "My students need 3 books.",
        "teacher_number_of_previously_posted_projects": 2,
        "project_is_approved": label,
    }
    return [values[c] for c in TRAIN_COLUMNS]


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    train = _write(
        tmp_path / "train.csv",
        list(TRAIN_COLUMNS),
        [
            _project("p1", 1, ("First essay.", "Second essay.", "nan", "")),
            _project("p2", 0, ("A.", "B.", "C.", "D.")),
            _project("p3", 1),
        ],
    )
    resources = _write(
        tmp_path / "resources.csv",
        list(RESOURCE_COLUMNS),
        [
            ["p1", "Books", 2, "10.50"],
            ["p1", "Pens", 3, "1.00"],
            ["p2", "Robot", 1, "99.99"],
            ["zz", "x", 1, "5"],
        ],
    )
    return train, resources


def test_resources_are_aggregated_per_project(tiny: tuple[Path, Path]) -> None:
    totals = aggregate_resources(tiny[1])
    assert totals["p1"] == pytest.approx((2 * 10.5 + 3 * 1.0, 5.0))
    assert totals["p2"] == pytest.approx((99.99, 1.0))
    projects = load_projects(*tiny)
    assert projects.price.tolist() == pytest.approx([24.0, 99.99, 0.0])
    assert projects.quantity.tolist() == [5.0, 1.0, 0.0]
    assert projects.without_resources == 1  # p3 has no resource rows; "zz" is not a project


def test_missing_essays_never_become_nan(tiny: tuple[Path, Path]) -> None:
    projects = load_projects(*tiny)
    assert projects.essays == ["First essay. Second essay.", "A. B. C. D.", "One. Two."]
    assert all("nan" not in essay.lower() for essay in projects.essays)
    assert join_essays({"project_essay_1": "x", "project_essay_2": "NaN"}) == "x"  # columns 3/4 absent


def test_labels_and_numbers_are_read(tiny: tuple[Path, Path]) -> None:
    projects = load_projects(*tiny)
    assert projects.label.tolist() == [1, 0, 1]
    assert projects.previous_projects.tolist() == [2.0, 2.0, 2.0]
    assert projects.categorical["project_subject_categories"] == ["Math & Science"] * 3


def test_missing_columns_are_named(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    header = [c for c in TRAIN_COLUMNS if c not in ("school_state", "project_is_approved")]
    bad = _write(tmp_path / "bad_train.csv", header, [])
    with pytest.raises(
        DonorsDataError,
        match=r"bad_train\.csv: line 1 \(header\): missing column\(s\) school_state, project_is_approved",
    ):
        load_projects(bad, tiny[1])
    bad_resources = _write(tmp_path / "res.csv", ["id", "description", "quantity"], [["p1", "x", 1]])
    with pytest.raises(DonorsDataError, match=r"res\.csv: line 1 \(header\): missing column\(s\) price"):
        load_projects(tiny[0], bad_resources)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("project_is_approved", "yes", r"train\.csv row 3, column project_is_approved: expected 0 or 1"),
        ("teacher_number_of_previously_posted_projects", "many", r"row 3, column teacher_.*not a number"),
        ("id", "p1", r"row 3, column id: empty or repeated"),
    ],
)
def test_bad_values_name_row_and_column(
    tmp_path: Path, tiny: tuple[Path, Path], column: str, value: str, message: str
) -> None:
    second = _project("p2", 0)
    second[TRAIN_COLUMNS.index(column)] = value
    train = _write(tmp_path / "train.csv", list(TRAIN_COLUMNS), [_project("p1", 1), second])
    with pytest.raises(DonorsDataError, match=message):
        load_projects(train, tiny[1])


def test_bad_resources_and_files(tmp_path: Path, tiny: tuple[Path, Path]) -> None:
    res = _write(tmp_path / "r.csv", list(RESOURCE_COLUMNS), [["p1", "x", 1, "1"], ["p1", "y", 2, "-3"]])
    with pytest.raises(DonorsDataError, match=r"r\.csv row 3, column price: expected >= 0"):
        aggregate_resources(res)
    with pytest.raises(DonorsDataError, match="file not found"):
        load_projects(tmp_path / "nope.csv", tiny[1])
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"id,quantity,price\n\xff\xfe,1,2\n")
    with pytest.raises(DonorsDataError, match="not UTF-8"):
        aggregate_resources(binary)
    one_class = _write(tmp_path / "one.csv", list(TRAIN_COLUMNS), [_project("p1", 1), _project("p2", 1)])
    with pytest.raises(DonorsDataError, match="one class"):
        load_projects(one_class, tiny[1])
    assert issubclass(DonorsDataError, ValueError)


def test_generator_is_seeded_and_imbalanced_like_the_real_data() -> None:
    rows, resources = donors_synth.generate(600, seed=3)
    again, _ = donors_synth.generate(600, seed=3)
    other, _ = donors_synth.generate(600, seed=4)
    assert rows == again and rows != other
    labels = np.array([row[-1] for row in rows])
    assert labels.mean() == pytest.approx(0.85, abs=0.01)
    assert len(rows[0]) == len(TRAIN_COLUMNS) + 1  # plus the "Unnamed: 0" index column
    per_project = {r[0] for r in resources}
    assert len(resources) > len(rows) and len(per_project) == len(rows)  # several rows per project
    essays_3 = [row[1 + TRAIN_COLUMNS.index("project_essay_3")] for row in rows]
    assert 0.1 < np.mean([bool(e) for e in essays_3]) < 0.5  # the old four-essay format is a minority


def test_embedded_files_are_cached_real_csvs() -> None:
    train, resources = embedded_paths(300, seed=1)
    with open(train, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["Unnamed: 0", *TRAIN_COLUMNS]
    stamp = train.stat().st_mtime_ns
    assert embedded_paths(300, seed=1) == (train, resources) and train.stat().st_mtime_ns == stamp
    projects = load_projects(train, resources)
    assert len(projects) == 300 and projects.without_resources == 0
    assert (projects.price > 0).all()


def test_real_format_folder_with_a_sample_cap() -> None:
    from engine.labs import lstm
    from engine.params import build

    train, _ = embedded_paths(300, seed=1)
    params = build(lstm.Params, {"data_dir": str(train.parent), "max_projects": 120, "seed": 3})
    projects, source = lstm.load(params)
    assert len(projects) == 120 and "stratified sample of 120" in source
    assert projects.label.mean() == pytest.approx(0.85, abs=0.02)
    full = load_projects(*embedded_paths(300, seed=1))
    index = {pid: i for i, pid in enumerate(full.ids)}
    rows = [index[pid] for pid in projects.ids]
    assert projects.price.tolist() == full.price[rows].tolist()  # columns stay aligned after sampling
    assert projects.essays == [full.essays[i] for i in rows]


def test_cleaning_checks_the_cancel_token() -> None:
    from engine.jobs import CancelToken, JobCancelled, Progress
    from engine.labs.lstm.inputs import clean_essays

    events: list[object] = []
    assert clean_essays(["We're happy!"] * 3, CancelToken(), events.append) == ["happy"] * 3
    assert events[-1] == Progress("cleaning essays", 3, 3)
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        clean_essays(["x"] * 10, token)


def test_stop_while_the_embedded_table_is_generated_takes_effect_within_a_second() -> None:
    import threading
    import time

    from engine.jobs import CancelToken, JobCancelled, Progress

    token = CancelToken()
    started, outcome = threading.Event(), []

    def emit(event: object) -> None:
        if isinstance(event, Progress) and event.done > 0:
            started.set()

    def make() -> None:
        try:
            embedded_paths(20000, 98, token, emit)  # ~10 s of generating if nothing stopped it
        except JobCancelled:
            outcome.append("cancelled")

    worker = threading.Thread(target=make)
    worker.start()
    assert started.wait(30)
    time.sleep(0.3)  # somewhere inside a chunk
    asked = time.monotonic()
    token.cancel()
    worker.join(10)
    waited = time.monotonic() - asked
    assert outcome == ["cancelled"] and waited < 1.0, waited


@pytest.mark.parametrize("phase", ["generating projects", "writing resources.csv", "writing train.csv"])
def test_a_stopped_table_leaves_no_file_and_the_next_one_is_complete(phase: str) -> None:
    from engine.jobs import CancelToken, JobCancelled, Progress
    from engine.paths import cache_dir

    token = CancelToken()

    def emit(event: object) -> None:
        if isinstance(event, Progress) and event.phase == phase:
            token.cancel()

    n, seed = 400, 97  # a table no other test makes
    with pytest.raises(JobCancelled):
        embedded_paths(n, seed, token, emit)
    folder = cache_dir("lstm") / f"donors-v{donors_synth.VERSION}.2-n{n}-seed{seed}"
    assert not folder.exists()  # a stopped table leaves no entry that could look complete
    assert not [
        p for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}")
    ]  # nor a partial one
    events: list[object] = []
    train, resources = embedded_paths(n, seed, CancelToken(), events.append)  # not stopped: complete
    phases = {e.phase for e in events if isinstance(e, Progress)}
    assert phases == {"generating projects", "writing resources.csv", "writing train.csv"}
    assert len(load_projects(train, resources)) == n
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "resources.csv", "train.csv"]
    rows, _ = donors_synth.generate(n, seed)
    with open(train, newline="", encoding="utf-8") as handle:
        written = list(csv.reader(handle))[1:]
    assert written == [[str(v) for v in row] for row in rows]  # the token changed nothing
    shutil.rmtree(folder)  # the next parameter starts from no table again


def test_a_truncated_embedded_table_is_generated_again_with_a_note() -> None:
    from engine.jobs import LogLine

    train, resources = embedded_paths(300, seed=1)
    text = train.read_text(encoding="utf-8")
    train.write_text(text[: len(text) // 10], encoding="utf-8")  # a crash or a full disk left a tenth
    events: list[object] = []
    assert embedded_paths(300, seed=1, emit=events.append) == (train, resources)
    notes = [e.text for e in events if isinstance(e, LogLine)]
    assert len(notes) == 1 and "the embedded DonorsChoose-like table" in notes[0] and "truncated" in notes[0]
    assert len(load_projects(train, resources)) == 300


def test_bom_short_rows_duplicates_and_encodings_are_named(tmp_path: Path, tiny: tuple[Path, Path]) -> None:
    train, resources = tiny
    text = train.read_text(encoding="utf-8")
    bom = tmp_path / "bom.csv"
    bom.write_text("\ufeff" + text, encoding="utf-8")  # Excel's "CSV UTF-8": the id column still found
    assert load_projects(bom, resources).ids == load_projects(train, resources).ids
    lines = text.splitlines(keepends=True)
    short = tmp_path / "short.csv"
    short.write_text("".join(lines[:2]) + lines[2][: len(lines[2]) // 3] + "\n", encoding="utf-8")
    with pytest.raises(
        DonorsDataError, match=r"short\.csv row 3 \(line 3\): \d+ fields, fewer than the header"
    ):
        load_projects(short, resources)
    dup = tmp_path / "dup.csv"
    dup.write_text(lines[0].rstrip("\n") + ",id\n", encoding="utf-8")
    with pytest.raises(DonorsDataError, match="column 'id' appears 2 times"):
        load_projects(dup, resources)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.encode("utf-8") + b"caf\xe9\n")
    with pytest.raises(DonorsDataError, match=r"latin\.csv: line \d+: not UTF-8 text"):
        load_projects(latin, resources)
