"""Coerce real-world spellings of dates, numbers, periods and ids to canonical types.

Each ``coerce_*`` function takes a raw Series (text as read from a CSV, or the
objects openpyxl returns) and returns ``(values, bad)``: the coerced Series and a
boolean mask of the cells that held something but could not be understood. The
caller decides whether a bad cell is an error (required column) or a warning
(optional column, cell set to missing).

Fast paths first: a million ISO dates or plain numbers never reach the slower
regular-expression path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Excel's day zero: serial 1 is 1900-01-01 and Excel counts the phantom 1900-02-29.
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL_MIN, _SERIAL_MAX = 20_000, 80_000  # 1954 .. 2119: plausible business dates
_EPOCH_MS_MIN, _EPOCH_MS_MAX = 631_152_000_000, 4_102_444_800_000  # 1990 .. 2100

_DATE_RE = (
    r"^\s*(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:[ T]+(?P<hour>\d{1,2})[:时](?P<minute>\d{1,2})(?:[:分](?P<second>\d{1,2}(?:\.\d+)?))?秒?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?\s*$"
)
_COMPACT_DATE_RE = r"^\s*(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})\s*$"


def is_blank(s: pd.Series) -> pd.Series:
    """True where a cell holds nothing (missing, or only white space)."""
    blank = s.isna()
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        txt = s[~blank]
        if len(txt):
            blank.loc[~blank] = txt.astype(str).str.strip().eq("")
    return blank


def coerce_id(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ids as stripped text; ``1001.0`` from a spreadsheet becomes ``"1001"``."""
    if pd.api.types.is_float_dtype(s) or s.dtype == object:
        s = s.map(_id_text, na_action="ignore")
    return _clean_text(s), pd.Series(False, index=s.index)


def _id_text(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v


def _clean_text(s: pd.Series) -> pd.Series:
    """Text dtype, stripped, empty as missing; vectorised (no per-cell assignment)."""
    if s.dtype == object:
        s = s.map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
    t = s.astype("str").str.strip()
    return t.where(t.ne("") & t.notna())


def coerce_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Free text: stripped, empty means missing."""
    return _clean_text(s), pd.Series(False, index=s.index)


def coerce_category(s: pd.Series, allowed: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """Text restricted to ``allowed`` (compared case-insensitively, stored lower-case)."""
    text, _ = coerce_text(s)
    low = text.str.lower()
    bad = low.notna() & ~low.isin(allowed)
    return low.where(~bad), bad


def coerce_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from ``1,234.50``, ``¥1,234``, ``12.5%`` (= 0.125), ``(1,234)`` (= -1234)."""
    blank = is_blank(s)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype("float64")
        return out, pd.Series(False, index=s.index)
    out = pd.to_numeric(s.where(~blank), errors="coerce").astype("float64")
    todo = out.isna() & ~blank
    if todo.any():
        raw = s[todo].astype(str).str.strip()
        pct = raw.str.endswith(("%", "％"))
        neg_paren = raw.str.match(r"^\(.*\)$")
        cleaned = (
            raw.str.replace(r"[¥￥$€£,，\s%％()]|RMB|CNY|USD|元", "", regex=True)
            .str.replace("−", "-", regex=False)
            .str.replace("－", "-", regex=False)
        )
        num = pd.to_numeric(cleaned, errors="coerce")
        num = num.where(~pct, num / 100.0)
        num = num.where(~neg_paren, -num.abs())
        out.loc[todo] = num.astype("float64")
    bad = out.isna() & ~blank
    return out, bad


def coerce_date(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates from ISO 8601, ``2026/3/5``, ``2026年3月5日``, ``20260305``, Excel serials and epoch ms."""
    blank = is_blank(s)
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        return out.astype("datetime64[ns]"), pd.Series(False, index=s.index)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if pd.api.types.is_numeric_dtype(s):
        out = _from_serial_or_epoch(s.astype("float64"))
        return out, out.isna() & ~blank

    # Fast path: plain ISO dates and date-times.
    text = _as_text(s.where(~blank))
    first = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    out.loc[first.notna()] = first[first.notna()]
    todo = out.isna() & ~blank
    if todo.any():
        # A zone suffix is dropped: CRM exports give local wall-clock time.
        naive = text[todo].str.replace(r"(?:Z|[+-]\d{2}:?\d{2})\s*$", "", regex=True)
        second = pd.to_datetime(naive, format="ISO8601", errors="coerce")
        ok = second.notna()
        out.loc[ok[ok].index] = second[ok]
        todo = out.isna() & ~blank
    if todo.any():
        out.loc[todo] = _parse_loose(text[todo])
        todo = out.isna() & ~blank
    if todo.any():
        num = pd.to_numeric(text[todo], errors="coerce")
        ok = num.notna()
        if ok.any():
            out.loc[ok[ok].index] = _from_serial_or_epoch(num[ok])
    return out, out.isna() & ~blank


def _as_text(s: pd.Series) -> pd.Series:
    """Cells as text; spreadsheet objects (datetimes, whole floats) spelt canonically."""
    if s.dtype != object:
        return s.astype("str")

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if hasattr(v, "isoformat"):
            return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
        return str(v)

    return s.map(one).astype("str")


def _parse_loose(text: pd.Series) -> pd.Series:
    parts = text.str.extract(_DATE_RE)
    compact = text.str.extract(_COMPACT_DATE_RE)
    for c in ("year", "month", "day"):
        parts[c] = parts[c].fillna(compact[c])
    for c in ("hour", "minute", "second"):
        parts[c] = parts[c].fillna("0")
    nums = parts.apply(pd.to_numeric, errors="coerce")
    return pd.to_datetime(nums[["year", "month", "day", "hour", "minute", "second"]], errors="coerce")


def _from_serial_or_epoch(num: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=num.index, dtype="datetime64[ns]")
    serial = num.between(_SERIAL_MIN, _SERIAL_MAX)
    if serial.any():
        out.loc[serial] = _EXCEL_EPOCH + pd.to_timedelta(num[serial], unit="D")
    epoch = num.between(_EPOCH_MS_MIN, _EPOCH_MS_MAX)
    if epoch.any():
        out.loc[epoch] = pd.to_datetime(num[epoch], unit="ms")
    compact = num.between(19_000_101, 21_001_231) & (num % 1 == 0)
    if compact.any():
        out.loc[compact] = pd.to_datetime(num[compact].astype("int64").astype(str), format="%Y%m%d", errors="coerce")
    return out.astype("datetime64[ns]")


_PERIOD_MONTH = r"^\s*(?P<y>\d{4})\s*(?:[-/.年]\s*)?(?P<m>\d{1,2})\s*月?\s*$"
_PERIOD_QUARTER = r"^\s*(?P<y>\d{4})\s*[-\s年]?\s*(?:[Qq]|第)\s*(?P<q>[1-4])\s*(?:季度?)?\s*$"
_PERIOD_YEAR = r"^\s*(?P<y>\d{4})\s*年?\s*$"


def coerce_period(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Periods as canonical text: ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``.

    Accepts ``2026-03``, ``2026/3``, ``2026年3月``, ``202603``, ``2026Q1``, ``2026 Q1``,
    ``2026年第1季度``, ``2026``, and a date (taken as its month).
    """
    blank = is_blank(s)
    out = pd.Series(pd.NA, index=s.index, dtype="str")
    if pd.api.types.is_datetime64_any_dtype(s):
        out.loc[~blank] = s[~blank].dt.strftime("%Y-%m")
        return out, pd.Series(False, index=s.index)
    text = _as_text(s.where(~blank))
    m = text.str.extract(_PERIOD_MONTH)
    ok = m["y"].notna() & pd.to_numeric(m["m"], errors="coerce").between(1, 12)
    out.loc[ok] = m.loc[ok, "y"] + "-" + m.loc[ok, "m"].str.zfill(2)
    q = text.str.extract(_PERIOD_QUARTER)
    okq = q["y"].notna() & out.isna()
    out.loc[okq] = q.loc[okq, "y"] + "-Q" + q.loc[okq, "q"]
    y = text.str.extract(_PERIOD_YEAR)
    oky = y["y"].notna() & out.isna()
    out.loc[oky] = y.loc[oky, "y"]
    todo = out.isna() & ~blank
    if todo.any():
        d, _ = coerce_date(s[todo])
        okd = d.notna()
        out.loc[okd[okd].index] = d[okd].dt.strftime("%Y-%m")
    return out, out.isna() & ~blank


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a canonical period (``2026-03``, ``2026-Q1``, ``2026``)."""
    if "-Q" in period:
        p = pd.Period(period.replace("-", ""), freq="Q")
    elif "-" in period:
        p = pd.Period(period, freq="M")
    else:
        p = pd.Period(period, freq="Y")
    return p.start_time.normalize(), p.end_time.normalize()
