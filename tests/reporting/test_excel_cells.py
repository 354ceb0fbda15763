"""The workbook's per-column cell conversion gives exactly the per-cell ``cell_value`` of every value."""

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pytest

from workbench.reporting.excel import NUMBERS, cell_value
from workbench.reporting.excel_cells import column_cells, round_exact, round_significant
from workbench.reporting.export import round_noise
from workbench.reporting.formats import Formatter

FMT = Formatter("zh")
NUMBER_KINDS = sorted(NUMBERS)


def _same(a, b) -> bool:
    """Identical cells: same type and value; floats by their repr (``-0.0`` is not ``0.0``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b)
    return a == b


def _check(s: pd.Series, kind: str, text=None, fmt: Formatter = FMT) -> list:
    want = [cell_value(v, kind, fmt, text) for v in s.tolist()]
    got = column_cells(s, kind, lambda v: cell_value(v, kind, fmt, text), numeric=kind in NUMBERS, text=text)
    assert len(got) == len(want)
    bad = [(i, s.iloc[i], w, g) for i, (w, g) in enumerate(zip(want, got, strict=True)) if not _same(w, g)]
    assert not bad, (kind, str(s.dtype), bad[:5], f"{len(bad)} of {len(s)} differ")
    return got


def _awkward_floats() -> np.ndarray:
    """Zeros, signs, infinities, ties in binary and in decimal, powers of ten, extremes, noise."""
    ties = [0.125, 0.375, 2.5, -2.5, 2.675, 1.005, 1.0005, 1.00005, 12.345, 0.1015625, 0.1171875, -0.1015625,
            0.0078125, 1234.56785, 0.5, 0.05, 0.000015, 0.0000125, 4503599627370495.5, 0.15730337078651685]
    edges = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.1, 0.01, 1e-17, 1e-18, 9.99999e-17, 5e-324,
             2.2250738585072014e-308, 1e15, -1e15, 1e15 + 0.5, 999999999999999.9, 1e16, 1e300, -1e300,
             1.7976931348623157e308, 0.9999995, 0.99999949, 0.9999996, 0.09999995, 0.099999949, 1 - 1e-16,
             4503599627370496.0, 2.0**53 + 2, 123456789012.34567, 0.30000000000000004, 1e-5, 1e-4, 99999.99995]
    rng = np.random.default_rng(7)
    noise = 10.0 ** rng.uniform(-20, 17, 3000) * rng.choice([-1, 1], 3000)
    decimals = np.concatenate([rng.integers(-10**9, 10**9, 2000) / 10.0**d for d in (1, 2, 3, 4, 5, 6, 7, 8)])
    halves = np.concatenate([(rng.integers(-10**7, 10**7, 1000) + 0.5) / 10.0**d for d in (2, 4, 6, 7, 8)])
    return np.concatenate([ties, edges, noise, decimals, halves, np.nextafter(ties, 10), np.nextafter(ties, -10)])


@pytest.mark.parametrize("kind", NUMBER_KINDS)
def test_float_columns_of_every_number_kind(kind):
    x = _awkward_floats()
    _check(pd.Series(x), kind)
    with np.errstate(over="ignore"):
        _check(pd.Series(x.astype(np.float32)), kind)
    _check(pd.Series(x, dtype="Float64"), kind)  # NaN is missing here too


def test_numbers_at_the_edges_are_the_per_cell_values():
    got = _check(pd.Series([np.inf, -np.inf, -0.0, 1e16, np.nan, 2.675, 0.1015625, -1e-17]), "pp")
    assert got[:4] == ["∞", "-∞", 0.0, "1000000000000000000"] and got[4] is None
    assert _check(pd.Series([-0.0, 1e-12]), "num2")[0] == 0 and str(_check(pd.Series([-0.0]), "num")[0]) == "0.0"
    assert _check(pd.Series([12.345, 0.004, -0.004]), "money") == [12.35, 0.0, 0.0]  # 12.345 is a bit above


@pytest.mark.parametrize("kind", ["money", "number", "pp", "share"])
def test_random_columns_agree(kind):
    """100,000 realistic and unrealistic values per kind, each compared with the per-cell rule."""
    rng = np.random.default_rng(sum(map(ord, kind)))
    n = 20_000
    parts = [rng.lognormal(8, 3, n).round(rng.integers(0, 8)), rng.normal(0, 1, n), rng.random(n),
             rng.integers(0, 10**6, n) / 100, rng.integers(0, 10**5, n) * 0.005]
    _check(pd.Series(np.concatenate(parts)), kind)


def test_rounding_helpers_are_pythons():
    x = _awkward_floats()
    x = x[np.isfinite(x)]
    for nd in (2, 4, 12):
        got = round_exact(x, nd)
        assert [repr(v) for v in got.tolist()] == [repr(round(v, nd)) for v in x.tolist()], nd
    small = x[(np.abs(x) < 1) & (x != 0)]
    assert [repr(v) for v in round_significant(small).tolist()] == [repr(round_noise(v)) for v in small.tolist()]


@pytest.mark.parametrize("kind", NUMBER_KINDS + ["text"])
def test_integer_columns(kind):
    vals = [0, 1, -1, 7, 10**15 - 1, 10**15, -10**15, -(10**15) + 1, 2**62, -(2**63), 2**63 - 1]
    _check(pd.Series(vals, dtype=np.int64), kind)
    _check(pd.Series([0, 2**64 - 1, 10**15], dtype=np.uint64), kind)
    _check(pd.Series([1, None, 10**16, -3], dtype="Int64"), kind)
    _check(pd.Series([1, 2], dtype=np.int8), kind)


def test_texts_and_ids():
    texts = ["plain", "=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-5", "-5.5%", "-x",
             "\tx", "\rx", "line\rbreak", "a\r\nb", "a\x01b\x1fc", "ok\ttab\nlf", "长" * 40_000, "x" * 32_767,
             "x" * 32_768, "🙂" * 20_000, "a\ufffeb\uffff", "lone\ud800surrogate", "  padded  ", "", "2026-03",
             "00123", "普通客户渠道", "_x0041_", "<r>rich?</r>", "a&b<c>"]
    for s in (pd.Series(texts, dtype=object), pd.Series([t for t in texts if "\ud800" not in t] + [None],
                                                        dtype="str")):
        got = _check(s, "text")
        assert all(t is None or len(t.encode("utf-16-le")) // 2 <= 32_767 for t in got)
    assert _check(pd.Series(["🙂" * 20_000]), "text")[0].endswith("…")
    assert _check(pd.Series(["a\ufffeb\ud800"], dtype=object), "text") == ["a\ufffdb\ufffd"]
    _check(pd.Series([1234.0, 1.5, -0.0, np.nan, np.inf, 1e20]), "text")  # ids read as floats: 1234
    _check(pd.Series([1, 2, 3]), "text")
    _check(pd.Series(pd.Categorical(["b", "a", None, "b"])), "text")
    _check(pd.Series([True, False, None], dtype=object), "text")


def test_mixed_object_columns():
    mixed = [1, 1.0, True, False, "1", "x", None, np.nan, pd.NA, pd.NaT, np.float64(2.5), np.int64(7), np.bool_(True),
             decimal.Decimal("1.5"), pd.Timestamp("2026-03-05"), dt.date(2026, 3, 5), -0.0, 0.0, float("inf"),
             10**16, 1e16, "=1+1", "n/a", [1, 2], ("t",), np.float32(0.1)]
    for kind in NUMBER_KINDS + ["text", "date", "bool", "light"]:
        _check(pd.Series(mixed, dtype=object), kind)


@pytest.mark.filterwarnings("ignore:Parsing '2026-Q1' as a quarterly string")
def test_dates_bools_lights_and_labels():
    naive = pd.Series(pd.to_datetime(["2026-03-05", None, "2026-03-05 10:00:00.000001", "1900-01-01"], format="ISO8601"))
    got = _check(naive, "date")
    assert got[0] == dt.datetime(2026, 3, 5) and got[1] is None
    zoned = pd.Series(pd.to_datetime(["2026-03-05 10:00", None], utc=True)).dt.tz_convert("Asia/Shanghai")
    assert _check(zoned, "date")[0] == dt.datetime(2026, 3, 5, 18)  # local wall time
    _check(pd.Series(["2026-03-05", "not a date", None, "2026-Q1"]), "date")
    _check(pd.Series(pd.to_datetime(["2026-03-05"]).astype("datetime64[s]")), "date")
    _check(naive, "text")
    for kind in ("bool", "count", "text"):
        _check(pd.Series([True, False, True]), kind)
        _check(pd.Series([True, None, False], dtype="boolean"), kind)
    _check(pd.Series(["green", "amber", None, "red", "grey", "purple"]), "light")
    _check(pd.Series(["green", "red"]), "light", fmt=Formatter("en"))
    labels = {"scale_up": "加大投入", "hold": "=维持"}
    _check(pd.Series(["scale_up", "hold", None, "scale_up"]), "text", text=lambda v: labels.get(v, v))
    _check(pd.Series([1, 2, 1]), "count", text=lambda v: f"code {v}")


def test_empty_and_missing_columns():
    for kind in ("text", "count", "money", "date", "pp"):
        assert _check(pd.Series([], dtype=float), kind) == []
        assert _check(pd.Series([None, None], dtype=object), kind) == [None, None]
        assert _check(pd.Series([np.nan, np.nan]), kind) == [None, None]


def test_signed_zero_is_told_apart_from_zero():
    """-0.0 and 0.0 are one key for a hash table; their texts differ where a kind shows them as they are."""
    for kind in ("light", "text", "bool"):
        _check(pd.Series([0.0, -0.0, 0.0, -0.0]), kind)
