import re

import pytest

from engine import params as P
from tests.fake_lab import CounterParams


def test_build_converts_strings_and_keeps_defaults():
    p = P.build(CounterParams, {"epochs": "7", "step_seconds": "0.5", "mode": "down"})
    assert (p.epochs, p.step_seconds, p.mode, p.seed) == (7, 0.5, "down", 0)


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"epochs": "x"}, "epochs: expected a whole number"),
        ({"epochs": "0"}, "epochs: 0 is below the minimum 1"),
        ({"epochs": "2.5"}, "epochs: expected a whole number"),
        ({"step_seconds": "nan"}, "step_seconds: expected a finite number"),
        ({"mode": "sideways"}, "mode: 'sideways' is not one of up, down"),
        ({"colour": "red"}, "unknown parameter 'colour'"),
    ],
)
def test_bad_values_name_the_field(values, fragment):
    with pytest.raises(P.ParamError, match=fragment):
        P.build(CounterParams, values)


def test_describe_lists_fields_in_order_with_metadata():
    infos = P.describe(CounterParams)
    assert [i.name for i in infos][:3] == ["epochs", "seed", "step_seconds"]
    assert infos[0].kind is int and infos[0].minimum == 1 and infos[0].maximum == 1000
    assert infos[-1].choices == ("up", "down")


def test_bool_and_tuple_conversion():
    info = P.ParamInfo("flags", tuple, (), "", "flags", None, None, ("a", "b"))
    assert P.convert(info, "a, b") == ("a", "b")
    with pytest.raises(P.ParamError, match="choose at least one"):
        P.convert(info, "")
    flag = P.ParamInfo("on", bool, False, "", "on", None, None, None)
    assert P.convert(flag, "yes") is True and P.convert(flag, "off") is False
    with pytest.raises(P.ParamError, match="expected true or false"):
        P.convert(flag, "maybe")


def test_tuple_of_ints_converts_each_item_and_names_a_bad_one():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class WithWidths:
        widths: tuple[int, ...] = P.param((4, 2), "layer widths")

    (info,) = P.describe(WithWidths)
    assert info.item_kind is int
    assert P.build(WithWidths, {"widths": "8, 3"}).widths == (8, 3)
    with pytest.raises(P.ParamError, match="widths: expected a whole number, got 'x'"):
        P.build(WithWidths, {"widths": "8,x"})


@pytest.mark.parametrize("seed", [str(2**63), str(-(2**63) - 1), "9" * 5000])
def test_whole_numbers_must_fit_the_run_store(seed):
    with pytest.raises(P.ParamError, match=r"^seed: ") as caught:
        P.build(CounterParams, {"seed": seed})
    assert len(str(caught.value)) < 300


def test_the_largest_storable_seed_is_accepted():
    assert P.build(CounterParams, {"seed": str(2**63 - 1)}).seed == 2**63 - 1


def test_text_params_have_a_length_limit_and_echoes_are_capped():
    with pytest.raises(P.ParamError, match="too long"):
        P.build(CounterParams, {"mode": "x" * (P.MAX_TEXT_CHARS + 1)})
    with pytest.raises(P.ParamError) as caught:
        P.build(CounterParams, {"epochs": "y" * 3000})
    assert len(str(caught.value)) < 300


def test_check_memory_refuses_with_the_estimate_and_the_advice(monkeypatch):
    monkeypatch.setattr(P, "physical_memory", lambda: 8 * 2**30)
    P.check_memory("a small thing", 3 * 2**30, "lower it")
    with pytest.raises(
        ValueError, match=r"a big thing needs about 5.0 GB of memory; this computer has 8.0 GB. lower it"
    ):
        P.check_memory("a big thing", 5 * 2**30, "lower it")


@pytest.mark.parametrize(
    ("lab", "values", "words"),
    [
        ("callbacks", {"widths": "5000"}, "5,000 units is more than 4,096"),
        ("callbacks", {"widths": "4096,4096,4096,4096,4096,4096,4096,4096,4096,4096"}, "widths 4096,"),
        (
            "lstm",
            {"max_words": "1000000", "embedding_dim": "1024"},
            "max_words 1,000,000 × embedding_dim 1024",
        ),
        ("lstm", {"head_units": "100000"}, "above the maximum 4096"),
        ("text_cnn", {"max_words": "1000000", "embedding_dim": "1024"}, "max_words 1,000,000 × 1024"),
        ("text_cnn", {"max_words": str(2**40)}, "above the maximum 1e+06"),
    ],
)
def test_sizes_that_would_exhaust_memory_are_refused_at_parse_time(monkeypatch, lab, values, words):
    from engine.labs import LABS

    monkeypatch.setattr(P, "physical_memory", lambda: 4 * 2**30)
    with pytest.raises(P.ParamError, match=re.escape(words)):
        P.build(LABS[lab].params_type, values)
    P.build(LABS[lab].params_type, {})  # the defaults fit a 4 GB laptop
