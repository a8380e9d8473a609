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
