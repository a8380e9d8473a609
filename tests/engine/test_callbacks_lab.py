"""The callbacks lab's ``run``: every model for two epochs on tiny data, cancellation, params."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.jobs import CancelToken, EpochEnded, JobCancelled, Marker
from engine.labs.callbacks import LAB, LayerStatsRecorded, Params
from engine.labs.callbacks.data import generate_rings
from engine.params import ParamError, as_dict, build
from tests.isolated import loaded_after
from tests.tensorboard_events import assert_default_logs

HISTORY_KEYS = {"loss", "val_loss", "accuracy", "val_accuracy", "f1", "auc", "lr"}


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory) -> Path:
    x, y = generate_rings(120, seed=4)
    path = tmp_path_factory.mktemp("rings") / "tiny.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["f1", "f2", "label"])
        writer.writerows(zip(x[:, 0], x[:, 1], y, strict=True))
    return path


def run_lab(tiny_csv: Path, tmp_path: Path, **values):
    settings = {
        "data_path": str(tiny_csv),
        "epochs": 2,
        "batch_size": 16,
        "output_dir": str(tmp_path),
        **values,
    }
    events: list = []
    result = LAB.run(build(Params, settings), CancelToken(), events.append)
    return result, events


@pytest.mark.slow
@pytest.mark.parametrize("model", [1, 2, 3, 4])
def test_each_model_runs_two_epochs_with_every_callback(tiny_csv, tmp_path, model):
    result, events = run_lab(tiny_csv, tmp_path, model=model, early_stopping=False)
    assert set(result.history) == HISTORY_KEYS
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    assert [e.epoch for e in epochs] == [1, 2] and set(epochs[0].metrics) >= HISTORY_KEYS
    assert result.history["lr"][0] == pytest.approx(0.01)
    # A model that diverged may score NaN; otherwise micro-F1 is the validation accuracy.
    for f1, acc in zip(result.history["f1"], result.history["val_accuracy"], strict=True):
        assert np.isnan(f1) or f1 == pytest.approx(acc, abs=1e-6)
    markers = [e for e in events if isinstance(e, Marker)]
    assert markers and sorted(markers, key=lambda m: m.epoch) == list(result.markers)
    assert markers[0] == Marker(1, "checkpoint", markers[0].text)  # the first epoch always improves
    assert Path(result.artifacts["best_checkpoint"]).is_file()
    train_logs = assert_default_logs(result.artifacts["tensorboard"])
    assert {"gradients/hidden_1", "gradient_norm/hidden_1"} <= set(train_logs)
    stats = result.extra["layer_stats"]
    assert [r["epoch"] for r in stats] == [1, 2] and len(stats[0]["layers"]) == 6
    live = [e for e in events if isinstance(e, LayerStatsRecorded)]
    assert [e.epoch for e in live] == [1, 2] and list(live[1].layers) == stats[1]["layers"]
    assert result.extra["model"]["activation"] == ("tanh" if model == 1 else "elu" if model == 4 else "relu")
    assert result.extra["epochs_run"] == 2 and "epochs_run" not in result.test


@pytest.mark.slow
def test_same_seed_same_numbers_and_toggles_remove_callbacks(tiny_csv, tmp_path):
    off = {
        "f1_auc": False,
        "checkpoint": False,
        "lr_decay": False,
        "tensorboard": False,
        "layer_stats": False,
    }
    a, events = run_lab(tiny_csv, tmp_path / "a", model=3, **off)
    b, _ = run_lab(tiny_csv, tmp_path / "b", model=3, **off)
    assert a.history == b.history
    assert set(a.history) == HISTORY_KEYS - {"f1", "auc"}
    assert a.artifacts == {} and a.extra["layer_stats"] == []
    assert not [e for e in events if isinstance(e, Marker) and e.kind != "early_stop"]


@pytest.mark.slow
def test_cancel_after_the_first_epoch_raises_job_cancelled(tiny_csv, tmp_path):
    token = CancelToken()
    seen: list = []

    def emit(event):
        seen.append(event)
        if isinstance(event, EpochEnded):
            token.cancel()

    params = build(
        Params, {"data_path": str(tiny_csv), "epochs": 5, "batch_size": 16, "output_dir": str(tmp_path)}
    )
    with pytest.raises(JobCancelled):
        LAB.run(params, token, emit)
    # Keras stops after the next batch, then still validates (and reports) that partial epoch.
    assert [e.epoch for e in seen if isinstance(e, EpochEnded)] in ([1], [1, 2])


def test_bad_csv_is_reported_as_a_value_error_naming_the_file_before_tensorflow_loads(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("f1,f2,label\n1,2,x\n")
    # A fresh interpreter: this one may have imported TensorFlow in an earlier test.
    code = (
        "import sys\n"
        "from engine.jobs import CancelToken\n"
        "from engine.labs.callbacks import LAB, Params\n"
        "from engine.params import build\n"
        f"params = build(Params, {{'data_path': {str(path)!r}, 'output_dir': {str(tmp_path)!r}}})\n"
        "try:\n"
        "    LAB.run(params, CancelToken(), lambda event: None)\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    message, tensorflow_loaded = out.stdout.strip().rsplit("\n", 1)
    assert re.search(r"bad\.csv: line 2, column label", message), message
    assert tensorflow_loaded == "False"


def test_params_presets_and_validation():
    assert build(Params, {"model": "1"}).config().activation == "tanh"
    config = build(Params, {"model": "2", "activation": "elu", "widths": "8, 4"}).config()
    assert (config.activation, config.initializer, config.widths) == ("elu", "random_uniform_0_1", (8, 4))
    # Widths are numbers in the params the store and the CLI JSON record, however they were given.
    assert as_dict(build(Params, {"widths": "8, 4"}))["widths"] == [8, 4]
    assert as_dict(Params())["widths"] == [32, 32, 16, 16, 8]
    with pytest.raises(ParamError, match="widths: expected a whole number, got 'x'"):
        build(Params, {"widths": "8,x"})
    with pytest.raises(ParamError, match="widths: expected 1 to 10 positive"):
        build(Params, {"widths": "8,0"})
    with pytest.raises(ParamError, match="model: 5 is above the maximum 4"):
        build(Params, {"model": "5"})


def test_importing_the_lab_does_not_import_tensorflow():
    assert loaded_after("import engine.labs.callbacks") == []


def test_the_nan_guard_help_states_the_weight_check_interval_in_use():
    from engine.callbacks.terminate_on_non_finite import WEIGHT_CHECK_EVERY
    from engine.params import describe

    (info,) = [i for i in describe(Params) if i.name == "nan_guard"]
    assert f"every {WEIGHT_CHECK_EVERY}th batch" in info.help
