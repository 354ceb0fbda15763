"""Result tables as files that are safe to open: CSV for machines and Excel users alike.

- Text that a spreadsheet would run as a formula (a cell starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return; OWASP "CSV injection") is written with a leading
  ``'``, which Excel shows as text; numbers stay numbers. :func:`read_csv` removes that
  quote again, so a table reads back to the values it was written from.
- Every field with a line break or carriage return is quoted (lines end in CRLF), so a
  name with a bare ``\\r`` cannot split a row.
- Numbers carry no noise digits and are never in scientific notation (``5.4e-20`` is
  written ``0.000000000000000000054``): a float column whose values are all whole is
  written as integers (a count that is a float because of a blank: ``89``, never ``89.0``);
  money (a column the report declares ``money*``) to cents; other values of 1 or more
  with at most 4 decimals, smaller ones with 6 significant digits (``0.157303``, not
  ``0.15730337078651685``). ``-0.0`` is ``0``; infinity is ``inf`` / ``-inf`` (pandas
  reads them back as numbers); a missing value is an empty field.
- :func:`read_csv` reads such a file back to the same rows and values (within the
  rounding): only an empty field is missing, so a region called ``NA`` stays ``NA``.
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


def _is_money(kind: str | None) -> bool:
    return bool(kind) and kind.startswith("money")


def round_noise(x: float, kind: str | None = None) -> float:
    """``x`` without its noise digits: money to cents, else 4 decimals from 1 up, 6 significant below.

    The value :func:`write_csv` writes, and the value the Excel workbook holds.
    """
    if not np.isfinite(x):
        return x
    if _is_money(kind):
        r = round(x, 2)
    elif abs(x) >= 1:
        r = round(x, 4)
    elif x == 0:
        r = 0.0
    else:
        r = float(np.format_float_positional(x, precision=6, unique=True, fractional=False, trim="-"))
    return 0.0 if r == 0 else r  # never -0.0


def _float_text(x: float, kind: str | None = None) -> str:
    if np.isnan(x):
        return ""
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if _is_money(kind):
        r = round_noise(x, kind)
        return str(int(r)) if r == int(r) else np.format_float_positional(r, precision=2, trim="-")
    if abs(x) >= 1:
        return np.format_float_positional(x, precision=4, unique=True, fractional=True, trim="-")
    return np.format_float_positional(x, precision=6, unique=True, fractional=False, trim="-")


def _fixed(x: float, decimals: int) -> str:
    """``x`` with at most ``decimals`` decimals: its shortest digits when they fit, else rounded."""
    r = repr(x)
    if "e" not in r and len(r) - r.index(".") - 1 <= decimals:
        return r[:-2] if r.endswith(".0") else r
    return ("%.*f" % (decimals, x)).rstrip("0").rstrip(".")


def _float_texts(vals: np.ndarray, kind: str | None = None) -> np.ndarray:
    """:func:`_float_text` of every value of a float array, the same strings, about 20x faster.

    printf-style formatting rounds the exact binary value half-to-even, as numpy's Dragon4 does
    when it cuts the shortest digits; the few values where the two could differ (no finite
    value, magnitudes from 1e15 up, or below 1e-4 where ``%g`` switches to an exponent) go
    through :func:`_float_text` itself. ``tests/test_export.py`` compares both on millions of values.
    """
    vals = np.asarray(vals, dtype=float)
    out = np.empty(len(vals), dtype=object)
    with np.errstate(invalid="ignore"):
        a = np.abs(vals)
        finite = np.isfinite(vals)
        whole = finite & (vals == np.trunc(vals)) & (a < 1e15)
        fast = finite & ~whole & (a < 1e15)
        money = _is_money(kind)
        if not money:
            fast &= (a >= 1) | (a >= 1e-4)
    if whole.any():
        out[whole] = [str(v) for v in vals[whole].astype(np.int64).tolist()]
    idx = np.flatnonzero(fast)
    if len(idx):
        v = vals[idx]
        if money:  # np.round, as round() of a numpy float in _float_text, then the shortest digits
            r = np.round(v, 2)
            txt = [_fixed(x, 2) for x in r.tolist()]
            txt = ["0" if t in ("-0", "") else t for t in txt]
        else:
            big = np.abs(v) >= 1
            txt = [_fixed(x, 4) if b else "%.6g" % x for x, b in zip(v.tolist(), big.tolist())]
        out[idx] = txt
    slow = np.flatnonzero(~whole & ~fast)
    if len(slow):
        out[slow] = [_float_text(x, kind) for x in vals[slow]]  # numpy floats, as csv_frame passed them
    return out


def _cell_text(v, kind: str | None = None):
    """A value of a mixed (object) column: floats as :func:`_float_text`, text neutralised."""
    if isinstance(v, (float, np.floating)) and not isinstance(v, bool):
        return _float_text(float(v), kind)
    return neutralise(v)


def csv_frame(df: pd.DataFrame, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """The copy of ``df`` that :func:`write_csv` writes: safe text, readable floats.

    ``kinds`` (column -> format kind, optional) rounds ``money*`` columns to cents.
    """
    kinds = kinds or {}
    out = df.copy()
    for c in out.columns:
        s = out[c]
        kind = kinds.get(c)
        if pd.api.types.is_bool_dtype(s):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):  # categories are text (or numbers) like any other
            s = s.astype(object)
        if pd.api.types.is_float_dtype(s):
            vals = s.to_numpy(dtype=float, na_value=np.nan)
            finite = vals[np.isfinite(vals)]
            if len(finite) == len(vals[~np.isnan(vals)]) and len(finite) and (finite == np.round(finite)).all() \
                    and np.abs(finite).max() < 2**53:
                # counts stored as float (89.0, or float because of a blank) are integers
                missing = np.isnan(vals)
                out[c] = pd.arrays.IntegerArray(np.where(missing, 0, vals).astype("int64"), missing)
            else:
                out[c] = pd.array(_float_texts(vals, kind), dtype=object)
        elif s.dtype == object:
            out[c] = s.map(lambda v, kind=kind: _cell_text(v, kind), na_action="ignore")
        elif pd.api.types.is_string_dtype(s):
            out[c] = s.map(neutralise, na_action="ignore")
    return out


def write_csv(df: pd.DataFrame, path: str | Path, kinds: dict[str, str] | None = None) -> Path:
    """Write a result table as CSV: UTF-8 with BOM (Excel reads Chinese), CRLF, safe text.

    ``kinds`` (column -> format kind) is optional; ``money*`` columns are written to cents.
    """
    path = Path(path)
    csv_frame(df, kinds).to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d",
                                lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return path


def _unquote(v):
    return v[1:] if isinstance(v, str) and v.startswith("'") and v[1:].startswith(FORMULA_START) else v


def read_csv(path: str | Path, **kw) -> pd.DataFrame:
    """Read a table written by :func:`write_csv`, removing the quote that made formulas text.

    Only an empty field is missing (``NA``, ``null`` or ``None`` written as text stay text),
    unless ``keep_default_na`` / ``na_values`` are passed.
    """
    if "na_values" not in kw and "keep_default_na" not in kw:
        kw.update(keep_default_na=False, na_values=[""])
    df = pd.read_csv(path, encoding="utf-8-sig", **kw)
    for c in df.columns:
        s = df[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            df[c] = s.map(_unquote, na_action="ignore")
    return df
