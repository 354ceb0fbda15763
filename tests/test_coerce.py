"""Coercion of real-world spellings: each accepted form, and what counts as bad."""

import datetime as dt

import pandas as pd
import pytest

from workbench.data.coerce import (
    coerce_category,
    coerce_date,
    coerce_id,
    coerce_number,
    coerce_period,
    period_bounds,
)

D = pd.Timestamp("2026-03-05")


@pytest.mark.parametrize(
    "raw",
    ["2026-03-05", "2026/3/5", "2026年3月5日", "2026.03.05", "20260305", "46086", " 2026-3-5 ",
     "2026-03-05T00:00:00+08:00"],
)
def test_date_spellings(raw):
    out, bad = coerce_date(pd.Series([raw], dtype="str"))
    assert out.iloc[0] == D and not bad.iloc[0]


def test_date_with_time_and_excel_objects():
    out, bad = coerce_date(pd.Series(["2026-03-05 14:05:00", "2026年3月5日 14:05"], dtype="str"))
    assert out.tolist() == [pd.Timestamp("2026-03-05 14:05"), pd.Timestamp("2026-03-05 14:05")]
    objs = pd.Series([dt.datetime(2026, 3, 5, 14, 5), dt.date(2026, 3, 5), 46086.0, None], dtype=object)
    out, bad = coerce_date(objs)
    assert out.iloc[:3].tolist() == [pd.Timestamp("2026-03-05 14:05"), D, D]
    assert pd.isna(out.iloc[3]) and not bad.any()


def test_epoch_milliseconds():
    out, _ = coerce_date(pd.Series([1772668800000.0]))  # 2026-03-05 00:00 UTC
    assert out.iloc[0] == D


def test_bad_dates_flagged_blank_not():
    out, bad = coerce_date(pd.Series(["bad", "2026-13-45", "", None, "31/02/2026"], dtype="str"))
    assert bad.tolist() == [True, True, False, False, True]
    assert out.isna().all()


@pytest.mark.parametrize(
    "raw,value",
    [("1,234.50", 1234.5), ("¥1,234", 1234.0), ("￥1,234", 1234.0), ("12.5%", 0.125), ("(1,234)", -1234.0),
     ("RMB 99", 99.0), ("3 元", 3.0), ("-2", -2.0), ("1 234", 1234.0)],
)
def test_number_spellings(raw, value):
    out, bad = coerce_number(pd.Series([raw], dtype="str"))
    assert out.iloc[0] == pytest.approx(value) and not bad.iloc[0]


def test_text_in_amount_is_bad():
    out, bad = coerce_number(pd.Series(["abc", "12abc", "", None], dtype="str"))
    assert bad.tolist() == [True, True, False, False]


@pytest.mark.parametrize(
    "raw,period",
    [("2026-03", "2026-03"), ("2026/3", "2026-03"), ("2026年3月", "2026-03"), ("202603", "2026-03"),
     ("2026Q1", "2026-Q1"), ("2026 q2", "2026-Q2"), ("2026年第1季度", "2026-Q1"), ("2026", "2026"),
     ("2026-03-15", "2026-03")],
)
def test_period_spellings(raw, period):
    out, bad = coerce_period(pd.Series([raw], dtype="str"))
    assert out.iloc[0] == period and not bad.iloc[0]


def test_period_bounds():
    assert period_bounds("2026-02") == (pd.Timestamp("2026-02-01"), pd.Timestamp("2026-02-28"))
    assert period_bounds("2026-Q2") == (pd.Timestamp("2026-04-01"), pd.Timestamp("2026-06-30"))
    assert period_bounds("2025") == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))


def test_ids_are_text_and_stripped():
    out, _ = coerce_id(pd.Series([1001.0, " 007 ", None, 12], dtype=object))
    assert out.tolist()[:2] == ["1001", "007"] and pd.isna(out.iloc[2]) and out.iloc[3] == "12"


def test_category_case_insensitive():
    out, bad = coerce_category(pd.Series(["Won", " LOST ", "maybe"], dtype="str"), ("open", "won", "lost"))
    assert out.tolist()[:2] == ["won", "lost"] and bad.tolist() == [False, False, True]
