"""Periods: months as integers, their labels at each granularity, and period texts.

A month is the integer ``year * 12 + month - 1``; every row gets one, and a
review period (month, quarter, year, fiscal quarter, fiscal year) is a set of
months. Fiscal years start in ``dataset.yaml``'s ``fiscal_year_start`` and are
named by the calendar year they start in (``FY2026``); with the default start
(January) ``FY2026`` is the calendar year 2026. Fiscal quarters count from the
fiscal year's first month (``FY2026-Q1`` is April-June 2026 when the fiscal year
starts in April). Target periods follow the data model:
``YYYY-MM``, ``YYYY-Qn`` (calendar quarter), ``YYYY`` (calendar year).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd


def month_of(dates: pd.Series) -> np.ndarray:
    """Month integers of a datetime Series (NaT -> -1)."""
    d = pd.to_datetime(dates)
    out = (d.dt.year * 12 + d.dt.month - 1).to_numpy(dtype="float64")
    return np.where(np.isnan(out), -1, out).astype(np.int64)


def month_label(m: int) -> str:
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def month_start(m: int) -> pd.Timestamp:
    return pd.Timestamp(year=m // 12, month=m % 12 + 1, day=1)


def month_end(m: int) -> pd.Timestamp:
    return month_start(m) + pd.offsets.MonthEnd(0)


def label(m: int, granularity: str, fy_start: int = 1) -> str:
    """The period label of month ``m`` at ``granularity``."""
    y, mo = m // 12, m % 12 + 1
    if granularity == "month":
        return month_label(m)
    if granularity == "quarter":
        return f"{y}-Q{(mo - 1) // 3 + 1}"
    if granularity == "year":
        return f"{y}"
    if granularity == "fiscal_year":
        return f"FY{y if mo >= fy_start else y - 1}"
    if granularity == "fiscal_quarter":
        return f"FY{y if mo >= fy_start else y - 1}-Q{(mo - fy_start) % 12 // 3 + 1}"
    raise ValueError(f"unknown granularity {granularity!r}; valid: month, quarter, year, fiscal_quarter, fiscal_year")


def labels(months: np.ndarray, granularity: str, fy_start: int = 1) -> np.ndarray:
    """Vectorised :func:`label` (computed once per distinct month)."""
    uniq, inv = np.unique(months, return_inverse=True)
    lab = np.array([label(int(m), granularity, fy_start) if m >= 0 else "" for m in uniq], dtype=object)
    return lab[inv]


def months_of(period: str, fy_start: int = 1) -> list[int]:
    """The months of a period text: ``2026-03``, ``2026-Q1``, ``2026``, ``FY2026``, ``FY2026-Q1`` or
    ``2025-11..2026-10``."""
    p = period.strip()
    if ".." in p:
        a, b = parse_range(p)
        return list(range(a, b + 1))
    if m := re.fullmatch(r"FY(\d{4})-Q([1-4])", p, re.I):
        first = int(m.group(1)) * 12 + fy_start - 1 + (int(m.group(2)) - 1) * 3
        return [first, first + 1, first + 2]
    if m := re.fullmatch(r"FY(\d{4})", p, re.I):
        first = int(m.group(1)) * 12 + fy_start - 1
        return list(range(first, first + 12))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", p):
        first = int(m.group(1)) * 12 + (int(m.group(2)) - 1) * 3
        return [first, first + 1, first + 2]
    if m := re.fullmatch(r"(\d{4})-(\d{2})", p):
        mo = int(m.group(2))
        if 1 <= mo <= 12:
            return [int(m.group(1)) * 12 + mo - 1]
    if m := re.fullmatch(r"(\d{4})", p):
        return list(range(int(m.group(1)) * 12, int(m.group(1)) * 12 + 12))
    raise ValueError(f"cannot read period {period!r}; expected 2026-03, 2026-Q1, 2026, FY2026, FY2026-Q1 or "
                     "2025-11..2026-10")


def parse_range(text: str) -> tuple[int, int]:
    """``YYYY-MM..YYYY-MM`` -> (first month, last month)."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*\.\.\s*(\d{4})-(\d{2})\s*", text)
    if not m:
        raise ValueError(f"expected a month range YYYY-MM..YYYY-MM, got {text!r}")
    a = int(m.group(1)) * 12 + int(m.group(2)) - 1
    b = int(m.group(3)) * 12 + int(m.group(4)) - 1
    if b < a:
        raise ValueError(f"range {text!r} ends before it starts")
    return a, b


def granularity_of(period: str) -> str:
    """``month``, ``quarter`` or ``year`` of a canonical target period."""
    return "quarter" if "-Q" in period else "month" if "-" in period else "year"


def period_months(granularity: str, fy_start: int, first: int, last: int) -> dict[str, list[int]]:
    """Label -> its months, for every period at ``granularity`` touching months ``first..last``."""
    out: dict[str, list[int]] = {}
    for m in range(first, last + 1):
        out.setdefault(label(m, granularity, fy_start), [])
    return {lab: months_of(lab, fy_start) for lab in out}
