"""Result tables leave the workbench safe: no formula runs in Excel, no row splits, numbers readable."""

import numpy as np
import pandas as pd
import pytest

from workbench.reporting.export import csv_frame, read_csv, write_csv

HOSTILE = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTab", "Line\rbreak",
           "two\nlines", "普通客户", "-5", "A$ Partner #1 $"]


def test_formulas_neutralised_and_rows_survive(tmp_path):
    df = pd.DataFrame({"name": HOSTILE, "amount": np.arange(len(HOSTILE), dtype=float) * 1.5,
                       "n": np.arange(len(HOSTILE), dtype=float)})
    path = write_csv(df, tmp_path / "t.csv")
    raw = path.read_bytes().decode("utf-8-sig")  # as written: no newline translation
    for cell in ("'=HYPERLINK", "'+cmd", "'@SUM", "'-2+3", "'\tTab"):
        assert cell in raw
    assert '"Line\rbreak"' in raw and raw.count("\r\n") == len(df) + 1  # quoted: the bare CR cannot split the row
    assert "\r\n-5," in raw  # a number written as text is not a formula
    back = read_csv(path)
    assert len(back) == len(df) and back["name"].tolist() == HOSTILE  # reads back to the same values
    assert back["n"].dtype.kind == "i" and back["amount"].tolist() == df["amount"].tolist()


def test_floats_positional_and_integers_whole():
    df = pd.DataFrame({"p": [5.4e-20, 0.15730337078651685, np.nan], "money": [259707.61234, 1.0, 2.5],
                       "count": [89.0, 1.0, np.nan]})
    out = csv_frame(df)
    assert out["p"].tolist()[:2] == ["0.000000000000000000054", "0.157303"]
    assert out["money"].tolist() == ["259707.6123", "1", "2.5"]
    assert out["count"].tolist()[:2] == [89, 1] and pd.isna(out["count"].iloc[2])


def test_hostile_values_read_back(tmp_path):
    """NaN, inf, -0.0, tiny and huge numbers, line breaks, formulas, CJK and 'NA': the same rows come back."""
    text = HOSTILE + ["NA", "null", "客户\r\n名称", ""]
    n = len(text)
    rng = np.random.default_rng(7)
    floats = rng.normal(0, 1, n) * 10.0 ** rng.integers(-12, 15, n)  # 1e-12 .. 1e15, noise digits
    floats[:6] = [np.nan, np.inf, -np.inf, -0.0, 1e-12, 1e15]
    df = pd.DataFrame({
        "name": text,
        "x": floats,
        "count": [float(i) if i % 3 else np.nan for i in range(n)],  # float because of a blank
        "big": np.array([2**62, -(2**62)] + list(range(n - 2)), dtype="int64"),
        "huge": pd.Series([10**20] + [1] * (n - 1), dtype=object),  # beyond int64
        "mixed": pd.Series([0.15730337078651685, "=1+1", 3] + [None] * (n - 3), dtype=object),
        "money": np.linspace(-1000.005, 1000.005, n),
    })
    path = write_csv(df, tmp_path / "hostile.csv", kinds={"money": "money"})
    raw = path.read_bytes().decode("utf-8-sig")
    written = csv_frame(df, {"money": "money"})
    assert not any("e" in v.lower().replace("inf", "") for v in written["x"].dropna())  # no scientific notation
    assert written["count"].dtype == "Int64"  # counts written as integers, blanks stay blank
    assert "-0," not in raw and ",-0\r" not in raw  # -0.0 is 0
    back = read_csv(path)
    assert len(back) == n and list(back.columns) == list(df.columns)
    assert back["name"].fillna("").tolist() == text  # "NA" stays text, line breaks inside the cell
    assert back["name"].iloc[n - 4] == "NA" and back["name"].iloc[n - 3] == "null"
    got, want = back["x"].to_numpy(float), df["x"].to_numpy(float)
    assert np.isnan(got[0]) and got[1] == np.inf and got[2] == -np.inf and got[3] == 0 and got[4] == 1e-12
    finite = np.isfinite(want)
    assert np.allclose(got[finite], want[finite], rtol=1e-5, atol=1e-4)  # within the rounding
    assert back["count"].isna().tolist() == df["count"].isna().tolist()
    assert back["count"].dropna().tolist() == df["count"].dropna().tolist()
    assert back["big"].tolist() == df["big"].tolist()  # int64 extremes exact
    assert str(back["huge"].iloc[0]) == "100000000000000000000"
    assert back["mixed"].iloc[0] in ("0.157303", 0.157303) and back["mixed"].iloc[1] == "=1+1"
    assert back["money"].round(2).tolist() == back["money"].tolist()  # cents
    assert np.allclose(back["money"], df["money"], atol=0.005 + 1e-9)


def test_only_an_empty_field_is_missing(tmp_path):
    df = pd.DataFrame({"region": ["NA", "None", None], "n": [1, None, 3]})
    back = read_csv(write_csv(df, tmp_path / "r.csv"))
    assert back["region"].iloc[:2].tolist() == ["NA", "None"] and pd.isna(back["region"].iloc[2])
    assert back["n"].iloc[[0, 2]].tolist() == [1, 3] and pd.isna(back["n"].iloc[1])


def test_categorical_and_string_columns_neutralised(tmp_path):
    df = pd.DataFrame({"cat": pd.Categorical(["=1+1", "ok", "=1+1"]), "s": pd.array(["@x", None, "y"], dtype="string"),
                       "period": pd.period_range("2026-01", periods=3, freq="M")})
    raw = write_csv(df, tmp_path / "c.csv").read_bytes().decode("utf-8-sig")
    assert "'=1+1" in raw and "'@x" in raw and "2026-03" in raw
    back = read_csv(tmp_path / "c.csv")
    assert back["cat"].tolist() == ["=1+1", "ok", "=1+1"] and back["s"].tolist()[::2] == ["@x", "y"]


@pytest.mark.parametrize("kind", [None, "money_month", "share", "pp"])
def test_float_texts_is_float_text_of_every_value(kind):
    """The vectorised formatter writes exactly what the per-value one writes, on awkward values too."""
    from workbench.reporting.export import _float_text, _float_texts

    rng = np.random.default_rng(7)
    vals = np.concatenate([
        rng.normal(0, 1, 20_000), rng.lognormal(5, 4, 20_000), rng.uniform(0, 1, 20_000),
        np.round(rng.uniform(0, 1e5, 20_000), 2), np.round(rng.uniform(0, 10, 20_000), 3),
        np.round(rng.uniform(0, 10, 20_000), 5),  # decimal ties such as 6.105 and 1.00005
        rng.integers(0, 2**20, 20_000) / 2.0 ** rng.integers(0, 12, 20_000),  # binary ties such as 1.03125
        10.0 ** rng.uniform(-25, 25, 20_000), -(10.0 ** rng.uniform(-8, 18, 20_000)),
        [0.0, -0.0, np.nan, np.inf, -np.inf, 1e15, 1e15 - 0.5, 1e-4, 9.9999995e-5, 0.99999995, 0.9999995,
         -0.004999, -0.005, 0.005, 0.015, 2.675, 5.4e-20, 273679794332017.06, 7649886137553790.0],
    ])
    fast = _float_texts(vals, kind)
    slow = [_float_text(x, kind) for x in vals]
    bad = [(x, f, s) for x, f, s in zip(vals, fast, slow, strict=True) if f != s]
    assert not bad, bad[:5]
    assert len(fast) == len(vals) == 180_019


def _awkward_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    host = HOSTILE + ["-5\n", "-5\n\n", "-１２", "+1,234.5%", "a,b", 'say "hi"', "", " ", "NA", "1,23", "=", "'=x"]
    df = pd.DataFrame({
        "id": [f"C{i:07d}" for i in range(n)],
        "host": rng.choice(host, n),
        "host_object": pd.Series(rng.choice(host + [None], n), dtype=object),
        "cat": pd.Categorical(rng.choice(["a", "=b", "c,d", None], n)),
        "f": rng.normal(0, 100, n), "money": rng.lognormal(5, 3, n), "whole": rng.integers(0, 10, n).astype(float),
        "some_nan": np.where(rng.random(n) < .3, np.nan, rng.random(n)), "all_nan": np.nan,
        "few": rng.choice([0.125, 1 / 3, np.nan, 2.5], n),
        "i": rng.integers(-10**12, 10**12, n),
        "I": pd.array(np.where(rng.random(n) < .2, None, rng.integers(0, 99, n)), dtype="Int64"),
        "b": rng.random(n) < .5, "B": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
        "d": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        "d_nat": pd.Series(pd.to_datetime(np.where(rng.random(n) < .3, None, "2023-05-06"))),
        "inf": rng.choice([np.inf, -np.inf, 1.5, np.nan], n),
    })
    if n > 5:
        df.loc[5, "host"] = None
    return df


@pytest.mark.parametrize("n", [0, 7, 5000])
def test_fast_writer_writes_the_bytes_pandas_writes(tmp_path, n):
    """The Arrow writer and the reference (csv_frame + to_csv) write the same file, hostile text included."""
    from workbench.reporting.export import _fast_csv, _pandas_csv

    df = _awkward_frame(n)
    ref, fast = tmp_path / "ref.csv", tmp_path / "fast.csv"
    _pandas_csv(df, ref, {"money": "money"})
    assert _fast_csv(df, fast, {"money": "money"})  # every column of this frame is one it handles
    assert fast.read_bytes() == ref.read_bytes()
    assert len(read_csv(fast)) == n


def test_fast_writer_in_batches(tmp_path, monkeypatch):
    """Batches that end anywhere (coded columns taken batch by batch): still the reference's bytes."""
    from workbench.reporting import export

    df = _awkward_frame(5000, seed=3)
    ref = tmp_path / "ref.csv"
    export._pandas_csv(df, ref, {"money": "money"})
    for batch in (7, 997, 4999, 5000):
        monkeypatch.setattr(export, "_BATCH", batch)
        fast = tmp_path / f"fast{batch}.csv"
        assert export._fast_csv(df, fast, {"money": "money"})
        assert fast.read_bytes() == ref.read_bytes(), batch


def test_tables_the_fast_writer_leaves_to_pandas(tmp_path):
    """One column (an empty field is quoted there), numbers among text, time zones: pandas writes them."""
    from workbench.reporting.export import _fast_csv

    one = pd.DataFrame({"name": ["a", ""]})
    mixed = pd.DataFrame({"a": [1, "x", 2.5, None], "b": 1})
    tz = pd.DataFrame({"t": pd.to_datetime(["2024-01-01"]).tz_localize("Asia/Shanghai"), "b": 1})
    for df in (one, mixed, tz):
        assert not _fast_csv(df, tmp_path / "x.csv", {})
        raw = write_csv(df, tmp_path / "x.csv").read_bytes().decode("utf-8-sig")
        assert raw.count("\r\n") == len(df) + 1
    assert write_csv(one, tmp_path / "one.csv").read_bytes().decode("utf-8-sig") == 'name\r\na\r\n""\r\n'
