"""Result tables leave the workbench safe: no formula runs in Excel, no row splits, numbers readable."""

import numpy as np
import pandas as pd

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
