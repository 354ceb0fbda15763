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


_S = np.dtypes.StringDType()


def _digits(ip: np.ndarray, fp: np.ndarray, width: int) -> np.ndarray:
    """``ip.fp`` as text: ``fp`` is the fraction as a ``width``-digit integer, trailing zeros dropped."""
    whole = ip.astype(_S)
    frac = np.strings.rstrip(np.strings.zfill(fp.astype(_S), width), "0")
    return np.where(fp > 0, np.strings.add(np.strings.add(whole, "."), frac), whole)


def _float_texts(vals: np.ndarray, kind: str | None = None) -> np.ndarray:
    """:func:`_float_text` of every value of a float array, as an object array (see :func:`_float_strings`)."""
    return _float_strings(vals, kind).astype(object)


def _float_strings(vals: np.ndarray, kind: str | None = None) -> np.ndarray:
    """:func:`_float_text` of every value of a float array: the same strings, computed in numpy.

    A value is scaled to an integer of its kept digits (4 decimals from 1 up, 6 significant
    digits below 1, money to cents after numpy's rounding as :func:`round_noise` does) and
    rounded half to even, as numpy's Dragon4 rounds the exact binary value. Where the scaled
    value lies within 1e-6 of a tie (the product may have rounded across it), where it is too
    large for the product to be exact (1e9 and up; money from 1e13), below 1e-4, or not finite,
    the value goes through :func:`_float_text` itself. ``tests/reporting/test_reporting_export.py``
    compares both on hundreds of thousands of awkward values.
    """
    vals = np.asarray(vals, dtype=float)
    n = len(vals)
    out = np.full(n, "", dtype=_S)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        a = np.abs(vals)
        finite = np.isfinite(vals)
        whole = finite & (vals == np.trunc(vals)) & (a < 1e15)
        neg = vals < 0
        slow = ~finite & ~np.isnan(vals)  # inf / -inf
        if whole.any():
            out[whole] = vals[whole].astype(np.int64).astype(_S)
        rest = finite & ~whole
        if _is_money(kind):
            fast = rest & (a < 1e13)
            r = np.abs(np.round(vals[fast], 2))
            k = np.rint(r * 100).astype(np.int64)
            txt = _digits(k // 100, k % 100, 2)
            sign = neg[fast] & (k > 0)
            out[fast] = np.where(sign, np.strings.add("-", txt), txt)
            slow |= rest & ~fast
        else:
            big = rest & (a >= 1) & (a < 1e9)
            y = a[big] * 1e4
            frac = y - np.floor(y)
            ok = np.abs(frac - 0.5) > 1e-6
            idx = np.flatnonzero(big)[ok]
            k = np.rint(y[ok]).astype(np.int64)
            txt = _digits(k // 10_000, k % 10_000, 4)
            out[idx] = np.where(neg[idx], np.strings.add("-", txt), txt)
            small = rest & (a >= 1e-4) & (a < 1)
            e = np.floor(np.log10(a[small])).astype(np.int64)
            y = a[small] * 10.0 ** (5 - e)  # exact powers of ten: one rounding in the product
            frac = y - np.floor(y)
            ok = (np.abs(frac - 0.5) > 1e-6) & (y >= 99_999.5) & (y < 999_999.5)
            idx2 = np.flatnonzero(small)[ok]
            k = np.rint(y[ok]).astype(np.int64)
            width = 5 - e[ok]  # 6 significant digits after -e-1 leading zeros
            pad = [np.strings.zfill(k[width == w].astype(_S), int(w)) for w in range(6, 10)]
            digits = np.empty(len(k), dtype=_S)
            for w, d in zip(range(6, 10), pad, strict=True):
                digits[width == w] = d
            txt = np.strings.add("0.", np.strings.rstrip(digits, "0"))
            out[idx2] = np.where(neg[idx2], np.strings.add("-", txt), txt)
            done = np.zeros(n, dtype=bool)
            done[idx] = True
            done[idx2] = True
            slow |= rest & ~done
    where = np.flatnonzero(slow)
    if len(where):
        out[where] = [_float_text(x, kind) for x in vals[where]]  # numpy floats, as csv_frame passed them
    return out  # a missing value stays ""


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
    The file is the one ``csv_frame(df, kinds).to_csv(...)`` writes (Python's ``csv`` quoting:
    a field with a comma, a quote or a line break is quoted), built column by column in
    numpy and Arrow (:func:`_fast_csv`): a text column with few distinct values (a segment,
    a recommended action) is made safe once per value. A table the fast path does not know
    how to write exactly (one column; time zones, durations or other objects in a column)
    goes through pandas.
    """
    path = Path(path)
    if not _fast_csv(df, path, kinds or {}):
        _pandas_csv(df, path, kinds)
    return path


def _pandas_csv(df: pd.DataFrame, path: Path, kinds: dict[str, str] | None = None) -> None:
    """The reference writer: :func:`csv_frame`, then pandas' ``to_csv``."""
    csv_frame(df, kinds).to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d",
                                lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


# Python's csv (QUOTE_MINIMAL) quotes a field holding the delimiter, the quote or a line break.
_NEEDS_QUOTE = r'[,"\r\n]'
# The formula start of neutralise(), and _NUMBER in RE2 syntax: \p{Nd} is Python's Unicode \d,
# and Python's $ also matches before a final newline.
_FORMULA_RE2 = r"^[=+\-@\t\r]"
_NUMBER_RE2 = r"^[+-]?(\p{Nd}{1,3}(,\p{Nd}{3})+|\p{Nd}+)(\.\p{Nd}+)?%?\n?$"
_BATCH = 250_000


def _lit(text: str):
    import pyarrow as pa

    return pa.scalar(text, pa.large_string())


def _quoted(arr):
    """CSV fields of an Arrow string array: quoted where Python's csv quotes; missing is empty."""
    import pyarrow.compute as pc

    need = pc.fill_null(pc.match_substring_regex(arr, _NEEDS_QUOTE), False)
    q = pc.binary_join_element_wise(_lit('"'), pc.replace_substring(arr, '"', '""'), _lit('"'), _lit(""))
    return pc.fill_null(pc.if_else(need, q, arr), _lit(""))


class _Lazy:
    """A column of CSV fields made batch by batch: ``make(start, length)`` gives a batch's fields."""

    def __init__(self, n: int, make):
        self.n, self.make = n, make

    def __len__(self) -> int:
        return self.n

    def slice(self, start: int, length: int):
        return self.make(start, max(0, min(length, self.n - start)))


def _safe_text(arr):
    """:func:`neutralise` then :func:`_quoted`, once per distinct value when values repeat."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
    if len(arr) > 1000:
        enc = pc.dictionary_encode(arr)
        if len(enc.dictionary) * 4 < len(arr):
            return pc.fill_null(pc.take(_safe_text(enc.dictionary), enc.indices), _lit(""))
    formula = pc.fill_null(pc.and_not(pc.match_substring_regex(arr, _FORMULA_RE2),
                                      pc.match_substring_regex(arr, _NUMBER_RE2)), False)
    arr = pc.if_else(formula, pc.binary_join_element_wise(_lit("'"), arr, _lit("")), arr)
    return _quoted(arr)


def _column_fields(s: pd.Series, kind: str | None):
    """The CSV fields of one column, or None (not handled here): a :class:`_Lazy` column whose fields
    are made batch by batch when written. What depends on the whole column (whether a float column
    holds whole numbers, whether objects are all text) is decided here on the whole column; a value
    repeated is formatted once (within a batch for text, :func:`_safe_text`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = s.dtype
    n = len(s)
    if isinstance(dtype, pd.CategoricalDtype):
        cats = pd.Series(dtype.categories)
        column = _column_fields(cats, kind) if len(cats) else None
        if len(cats) and column is None:
            return None
        fields = column.slice(0, len(cats)) if column is not None else pa.array([], pa.large_string())
        codes = s.cat.codes.to_numpy()
        return _Lazy(n, lambda a, m: _take_codes(fields, codes[a:a + m]))
    if pd.api.types.is_bool_dtype(dtype):
        def flags(a, m):
            vals = pa.array(s.iloc[a:a + m].to_numpy(dtype=object, na_value=None), type=pa.bool_())
            return pc.fill_null(pc.if_else(vals, "True", "False").cast(pa.large_string()), _lit(""))
        return _Lazy(n, flags)
    if pd.api.types.is_integer_dtype(dtype):
        return _Lazy(n, lambda a, m: pc.fill_null(pc.cast(pa.array(s.iloc[a:a + m], from_pandas=True),
                                                          pa.large_string()), _lit("")))
    if pd.api.types.is_float_dtype(dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        finite = vals[np.isfinite(vals)]
        if len(finite) == len(vals[~np.isnan(vals)]) and len(finite) and (finite == np.round(finite)).all() \
                and np.abs(finite).max() < 2**53:  # counts stored as float: integers, as csv_frame writes them
            def whole(a, m):
                part = vals[a:a + m]
                missing = np.isnan(part)
                ints = pa.array(np.where(missing, 0, part).astype("int64"), mask=missing)
                return pc.fill_null(pc.cast(ints, pa.large_string()), _lit(""))
            return _Lazy(n, whole)
        if n > 1000:  # values that repeat (rounded shares, prices): each distinct one formatted once
            uniq, inv = np.unique(vals, return_inverse=True)  # NaN sorts last, once per NaN: still ""
            if len(uniq) * 4 < n:
                texts = _quoted(pa.array(_float_strings(uniq, kind), type=pa.large_string()))  # quoting is per value
                codes = inv.ravel().astype(np.int32)
                return _Lazy(n, lambda a, m: _take_codes(texts, codes[a:a + m]))
        return _Lazy(n, lambda a, m: _quoted(pa.array(_float_strings(vals[a:a + m], kind), type=pa.large_string())))
    if pd.api.types.is_datetime64_dtype(dtype):  # time-zone-aware columns go through pandas
        def dates(a, m):
            codes, uniq = pd.factorize(s.iloc[a:a + m])  # dates repeat: each distinct one formatted once
            texts = pa.array(pd.DatetimeIndex(uniq).strftime("%Y-%m-%d").to_numpy(dtype=object),
                             type=pa.large_string())
            return _take_codes(texts, codes)
        return _Lazy(n, dates)
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
        if pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
            return None  # numbers or other objects among the text: csv_frame's per-value path
        return _Lazy(n, lambda a, m: _safe_text(pa.array(s.iloc[a:a + m], type=pa.large_string(), from_pandas=True)))
    return None


def _take_codes(fields, codes: np.ndarray):
    """``fields[codes]`` as CSV fields (a code of -1: the empty field)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.fill_null(pc.take(fields, pa.array(codes, mask=codes < 0)), _lit(""))


def _fast_csv(df: pd.DataFrame, path: Path, kinds: dict[str, str]) -> bool:
    """Write ``df`` as :func:`_pandas_csv` would, in batches of Arrow arrays; False if it cannot."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if df.shape[1] < 2 or not df.columns.is_unique:
        return False
    cols = []
    for c in df.columns:
        f = _column_fields(df[c], kinds.get(c))
        if f is None:
            return False
        cols.append(f)
    header = [_quoted(pa.array([str(c)], type=pa.large_string()))[0].as_py() for c in df.columns]
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(("\ufeff" + ",".join(header) + "\r\n").encode("utf-8"))
            for start in range(0, len(df), _BATCH):
                part = [c.slice(start, _BATCH) for c in cols]
                lines = pc.binary_join_element_wise(*part[:-1], pc.binary_join_element_wise(part[-1], _lit("\r\n"), _lit("")),
                                                    _lit(","))
                lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
                _, offsets, data = lines.buffers()
                off = np.frombuffer(offsets, dtype=np.int64, count=len(lines) + 1, offset=lines.offset * 8)
                fh.write(memoryview(data)[off[0]:off[-1]])
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


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
