"""Integer codes of text columns (workbench.channels.codes) and map_values against plain pandas."""

import numpy as np
import pandas as pd
import pytest

from workbench.channels import codes
from workbench.channels.prepare import map_values

AWKWARD = ["直销", None, "", "CH 01", "直销", " 直销", "CH 01", "天猫旗舰店", None, "(blank)", "ch 01", ""]


def _column(n: int, seed: int = 0) -> pd.Series:
    """``n`` awkward text values (missing, empty, spaces, Chinese, case) as an Arrow text column."""
    rng = np.random.default_rng(seed)
    return pd.Series(rng.choice(np.array(AWKWARD, dtype=object), n), dtype="str")


@pytest.mark.parametrize("n", [0, 1, 12, codes.MIN_CACHED + 5])
def test_factorize_is_pandas_factorize_and_cached(n):
    s = _column(n)
    got, values = codes.factorize(s)
    want, want_values = pd.factorize(s, use_na_sentinel=True)
    assert np.array_equal(got, want) and list(values) == list(want_values)
    assert got.dtype == np.int64 and not got.flags.writeable  # shared by every caller of the column
    again = codes.factorize(s.copy())[0]  # same immutable Arrow array: the same codes object when cached
    assert (again is got) == (n >= codes.MIN_CACHED)


def test_a_changed_column_gets_new_codes():
    s = _column(codes.MIN_CACHED + 5)
    first = codes.factorize(s)[0]
    s.iloc[0] = "新渠道"  # a new Arrow array: the cached codes of the old one are not returned
    got, values = codes.factorize(s)
    assert got is not first and values[got[0]] == "新渠道"
    assert np.array_equal(got, pd.factorize(s)[0])


@pytest.mark.parametrize("seed", range(4))
def test_subset_numbers_like_factorize_of_the_rows(seed):
    s = _column(3000, seed)
    mask = np.random.default_rng(seed + 10).random(len(s)) < 0.3
    got, values = codes.subset(*codes.factorize(s), mask)
    want, want_values = pd.factorize(s[mask], use_na_sentinel=True)
    assert np.array_equal(got, want) and list(values) == list(want_values)
    none = codes.subset(*codes.factorize(s), np.zeros(len(s), dtype=bool))
    assert len(none[0]) == 0 and len(none[1]) == 0


def test_lookup_is_reindex_of_the_first_occurrence():
    index = pd.Index(["直销", "CH 01", "直销", "", None, "天猫旗舰店"], dtype="str")
    keys = pd.Index(["直销", "天猫旗舰店", "", "ch 01", "缺", "CH 01"], dtype="str")
    got = codes.lookup(keys, index)
    assert got.tolist() == [0, 5, 3, -1, -1, 1]
    table = pd.Series(np.arange(len(index)), index=index)
    table = table[~table.index.duplicated()]
    want = table.reindex(keys).fillna(-1).astype(int).tolist()
    assert got.tolist() == want
    # non-text keys and a mixed object index go through pandas
    assert codes.lookup(pd.Index([3, 1, 7]), pd.Index([1, 2, 3, 1])).tolist() == [2, 0, -1]
    assert codes.lookup(pd.Index(["a", None]), pd.Index(["a", 2], dtype=object)).tolist() == [0, -1]
    assert codes.lookup(pd.Index([], dtype="str"), index).tolist() == []
    assert codes.lookup(keys, pd.Index([], dtype="str")).tolist() == [-1] * len(keys)


def test_month_index_distinct_and_first_seen():
    d = pd.Series(pd.to_datetime(["1969-12-31 23:00", "1970-01-01", "2024-02-29 13:00", None, "1900-03-01",
                                  "2026-12-31 23:59:59"], format="mixed"))
    ok = d.notna().to_numpy()
    want = (d.dt.year * 12 + d.dt.month - 1).to_numpy()[ok].astype(np.int64)
    assert np.array_equal(codes.month_index(d)[ok], want)
    x = np.random.default_rng(1).integers(-5, 50, 2000)
    assert np.array_equal(codes.distinct(x), np.unique(x))
    assert np.array_equal(codes.first_seen(x), np.sort(np.unique(x, return_index=True)[1]))
    assert len(codes.distinct(np.array([], dtype=np.int64))) == 0


def _map_reference(s: pd.Series, mapping) -> pd.Series:
    """Straightforward ``map_values``: map every row on its own, missing rows to None, then infer the dtype."""
    if isinstance(mapping, pd.Series):
        table = mapping[~mapping.index.duplicated()]
        f = lambda v: table[v] if v in table.index else np.nan  # noqa: E731
    else:
        f = mapping.get if isinstance(mapping, dict) else mapping
    out = [None if pd.isna(v) else f(v) for v in s.to_numpy(dtype=object)]
    return pd.Series(out, index=s.index, dtype="object").infer_objects()


CASES = [
    ({"直销": "direct", "天猫旗舰店": "ecommerce"}, "str"),
    ({"直销": 1, "CH 01": 2}, "float64"),  # unmapped rows are missing: whole numbers become floats
    ({"直销": True}, "object"),
    (lambda v: v.strip().lower() in {"", "直销"}, "object"),
    (pd.Series(["华东", "华南", None, "西"], index=pd.Index(["直销", "CH 01", "天猫旗舰店", "直销"], dtype="str")), "str"),
    (pd.Series([3, 4], index=pd.Index(["直销", "ch 01"], dtype="str")), "float64"),
    (pd.Series(pd.to_datetime(["2024-01-01", None]), index=pd.Index(["", "直销"], dtype="str")), "datetime64[us]"),
    (pd.Series([], dtype="str"), "float64"),
    (pd.Series(["华东", None], index=pd.Index(["直销", "CH 01"], dtype="str"), dtype="string[pyarrow]"), "str"),
    (pd.Series([None, None], index=pd.Index(["直销", "CH 01"], dtype="str"), dtype="str"), "float64"),
]


@pytest.mark.parametrize(("mapping", "dtype"), CASES)
def test_map_values_is_a_row_by_row_map(mapping, dtype):
    s = _column(500, 3)
    got = map_values(s, mapping)
    pd.testing.assert_series_equal(got, _map_reference(s, mapping), check_exact=True)
    assert str(got.dtype) == dtype
    full = s.dropna()  # no missing row: no missing value joins the inference (ints stay ints)
    pd.testing.assert_series_equal(map_values(full, mapping), _map_reference(full, mapping), check_exact=True)


def test_map_values_edges():
    assert map_values(pd.Series([], dtype="str"), {"a": 1}).empty
    blank = map_values(pd.Series([None, None], dtype="str"), {"a": 1})
    assert blank.isna().all() and len(blank) == 2
    ints = map_values(pd.Series(["a", "b", "a"], dtype="str"), {"a": 1, "b": 2})
    assert ints.dtype == np.int64 and ints.tolist() == [1, 2, 1]
    numbers = pd.Series([3.0, 1.0, np.nan, 3.0], index=[10, 11, 12, 13])
    got = map_values(numbers, {3.0: "x", 1.0: "y"})
    assert got.index.tolist() == [10, 11, 12, 13] and got.tolist()[:2] == ["x", "y"] and pd.isna(got[12])
