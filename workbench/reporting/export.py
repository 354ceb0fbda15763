"""Result tables as files that are safe to open: CSV for machines and Excel users alike.

- Text that a spreadsheet would run as a formula (a cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return; OWASP "CSV injection") is written with a leading
  ``'``, which Excel shows as text; numbers stay numbers. :func:`read_csv` removes that
  quote again, so a table reads back to the values it was written from.
- Every field with a line break or carriage return is quoted (lines end in CRLF), so a
  name with a bare ``\\r`` cannot split a row.
- Floats are written positionally (never ``5.4e-20``): whole numbers as integers, values
  of 1 or more with at most 4 decimals, smaller ones with 6 significant digits.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")


def neutralise(v):
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``; numbers written as text (``-5``) stay as they are."""
    if isinstance(v, str) and v.startswith(FORMULA_START) and not _NUMBER.match(v):
        return "'" + v
    return v


def _float_text(x: float) -> str:
    if np.isnan(x):
        return ""
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if abs(x) >= 1:
        return np.format_float_positional(x, precision=4, unique=True, fractional=True, trim="-")
    return np.format_float_positional(x, precision=6, unique=True, fractional=False, trim="-")


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The copy of ``df`` that :func:`write_csv` writes: safe text, readable floats."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_float_dtype(s):
            vals = s.to_numpy(dtype=float, na_value=np.nan)
            finite = vals[np.isfinite(vals)]
            if len(finite) == len(vals[~np.isnan(vals)]) and len(finite) and (finite == np.round(finite)).all() \
                    and np.abs(finite).max() < 2**53:
                out[c] = s.astype("Int64")  # counts stored as float (89.0) are integers
            else:
                out[c] = pd.array([_float_text(x) for x in vals], dtype=object)
        elif s.dtype == object or pd.api.types.is_string_dtype(s):
            out[c] = s.map(neutralise, na_action="ignore")
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a result table as CSV: UTF-8 with BOM (Excel reads Chinese), CRLF, safe text."""
    path = Path(path)
    csv_frame(df).to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d",
                         lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return path


def read_csv(path: str | Path, **kw) -> pd.DataFrame:
    """Read a table written by :func:`write_csv`, removing the quote that made formulas text."""
    df = pd.read_csv(path, encoding="utf-8-sig", **kw)
    for c in df.columns:
        s = df[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            df[c] = s.map(lambda v: v[1:] if isinstance(v, str) and v.startswith("'") and v[1:2] and
                          v[1:].startswith(FORMULA_START) else v, na_action="ignore")
    return df
