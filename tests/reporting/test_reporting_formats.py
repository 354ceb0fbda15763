"""One formatter: every kind of number reads the same in every report, in both languages."""

import math

import pytest

from workbench.reporting import Formatter, Value, money, share
from workbench.reporting.formats import kind_of

EN, ZH = Formatter("en"), Formatter("zh")


@pytest.mark.parametrize(("value", "kind", "en", "zh"), [
    (0.405, "share", "40.5%", "40.5%"),
    (0.77, "pct", "77.0%", "77.0%"),
    (-0.0000001, "share", "> -0.1%", "> -0.1%"),   # never "-0.0%"
    (6 / 41146, "share", "< 0.1%", "< 0.1%"),     # not zero, so never "0.0%"
    (0.0, "share", "0.0%", "0.0%"),
    (0.021, "pp", "+2.1 pp", "+2.1 个百分点"),
    (-0.0004, "pp", "0.0 pp", "0.0 个百分点"),
    (0.12, "change", "+12.0%", "+12.0%"),
    (259707.6, "money", "¥259,708", "¥259,708"),   # no stray decimals
    (-1234.4, "money", "-¥1,234", "-¥1,234"),
    (1234.5, "money_month", "¥1,234/month", "¥1,234/月"),  # banker's rounding of .5 as Python's round
    (98765, "money_year", "¥98,765/year", "¥98,765/年"),
    (500, "money_signed", "+¥500", "+¥500"),
    (89.0, "count", "89", "89"),
    (1234567.0, "int", "1,234,567", "1,234,567"),
    (5.4e-20, "p", "< 0.001", "< 0.001"),
    (0.0123, "p", "0.012", "0.012"),
    (1e-08, "param", "< 0.000001", "< 0.000001"),
    (0.000123456, "param", "0.000123", "0.000123"),
    (1234567.0, "param", "1,234,567", "1,234,567"),
    (1.8349, "num2", "1.83", "1.83"),
    (math.inf, "num", "∞", "∞"),
    (None, "share", "–", "–"),
    (float("nan"), "money", "–", "–"),
    ("green", "light", "green", "绿灯"),
    (True, "bool", "yes", "是"),
])
def test_kinds(value, kind, en, zh):
    assert EN(value, kind) == en
    assert ZH(value, kind) == zh


def test_no_scientific_notation_anywhere():
    for kind in ("share", "pp", "money", "count", "num", "num2", "p", "param"):
        for v in (1e-12, 3.2e-7, 4.5e9, 1e15):
            assert "e" not in EN(v, kind).replace("< ", "").lower().replace("year", ""), (kind, v)


def test_unknown_kind_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Valid options are"):
        kind_of("percentage-ish")


def test_values_in_sentences_follow_their_kind():
    assert EN.value(share(0.405)) == "40.5%"
    assert ZH.value(money(1200, "month")) == "¥1,200/月"
    assert EN.value(12345) == "12,345" and EN.value(2.0) == "2.0"
    assert Value(0.1, "pct") == share(0.1)


def test_other_currencies():
    assert Formatter("en", "USD").money(1234) == "$1,234"
    assert Formatter("en", "EUR").money(-5) == "-€5"
