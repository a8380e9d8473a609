"""Runs compared in words: the model/variant of a run and the settings that differ, side by side."""

from engine.run_compare import MISSING, format_value, param_diff, variant


def test_variant_names_the_model_and_its_variant():
    assert variant({"model": 3, "epochs": 5}) == "Model-3"
    assert variant({"model": 2, "backbone": "hed", "units": 256}) == "Model-2 · hed"
    assert variant({"pooling": "cls"}) == "cls"
    assert variant({"optimizers": ["sgd", "adam"]}) == "sgd, adam"
    assert variant({"epochs": 5}) == ""


def test_values_read_as_people_write_them():
    assert [format_value(v) for v in (0.001, 1e-08, 2.0, True, False, "", ("64", "32"), [], 7)] == [
        "0.001",
        "1e-08",
        "2.0",
        "yes",
        "no",
        "default",
        "64, 32",
        "none",
        "7",
    ]


def test_only_the_settings_that_differ_side_by_side():
    runs = [
        {"lab": "callbacks", "model": 1, "learning_rate": 0.01, "epochs": 20},
        {"lab": "callbacks", "model": 3, "learning_rate": 0.01, "epochs": 20},
        {"lab": "lstm", "model": 1, "epochs": 20, "dropout": 0.3},
    ]
    assert param_diff(runs) == [
        ("lab", ["callbacks", "callbacks", "lstm"]),
        ("model", ["1", "3", "1"]),
        ("learning_rate", ["0.01", "0.01", MISSING]),
        ("dropout", [MISSING, MISSING, "0.3"]),
    ]
    assert param_diff(runs[:1]) == [(k, [format_value(v)]) for k, v in runs[0].items()]  # one run: all
    assert param_diff([runs[0], dict(runs[0])]) == []
