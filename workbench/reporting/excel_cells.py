"""The cells of a workbook column, computed per column: :func:`column_cells`.

:func:`workbench.reporting.excel.cell_value` defines a cell, one value at a time. A
customer list has millions of cells, so the writer converts a whole column at once and
gets the same values: numbers are rounded with numpy where the result is certain to be
Python's (see :func:`round_exact`), and by Python itself for the few values where it is
not; texts, labels and dates are converted once per distinct value.
``tests/reporting/test_excel_cells.py`` compares both on varied and random columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from workbench.reporting.export import FORMULA_START, neutralise, round_noise

MAX_CELL_TEXT = 32_767
"""Excel's longest cell text, in UTF-16 code units (a character beyond the BMP counts two)."""

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters an XML document cannot hold (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F)."""
_CLEAN = re.compile(r"[\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BIG = 10**15
"""Whole numbers from here on have more digits than Excel keeps: written as text."""
_EXACT_INT = 2.0**52
"""Beyond this a float has no fractional bits: numpy's scaled rounding is not trusted there."""
_POW10 = np.array([float(10**i) for i in range(23)])
"""The powers of ten a double holds exactly."""


def _cut(t: str) -> str:
    """``t`` within Excel's 32,767 UTF-16 code units, its last one ``…`` when it was cut."""
    if len(t) <= MAX_CELL_TEXT // 2:
        return t
    units = len(t.encode("utf-16-le")) // 2
    if units <= MAX_CELL_TEXT:
        return t
    cut, n = [], 0
    for ch in t:  # rare: only texts over 16,383 characters get here
        w = 2 if ord(ch) > 0xFFFF else 1
        if n + w > MAX_CELL_TEXT - 1:
            break
        cut.append(ch)
        n += w
    return "".join(cut) + "…"


def clean_text(t: str) -> str:
    """A string as a cell holds it: no formula, LF line breaks, only XML characters, not too long."""
    if t.startswith(FORMULA_START):
        t = neutralise(t)
    if _CLEAN.search(t):
        # a cell's line break is LF (XML reads a bare CR back as LF anyway)
        t = _ILLEGAL.sub("\ufffd", t.replace("\r\n", "\n").replace("\r", "\n"))
    return _cut(t)


def flagged(texts: list[str], pattern: re.Pattern) -> list[int]:
    """Indices of the texts ``pattern`` matches in, found in one pass over them joined by LF.

    A pattern anchored per line (``(?m)^``, ``$``) may also flag a text beside one with a
    line break or an empty one, never miss one: the caller treats a flagged text one by one.
    """
    joined = "\n".join(texts)
    hits = [m.start() for m in pattern.finditer(joined)]
    if not hits:
        return []
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    return np.unique(np.searchsorted(ends, hits, side="right")).tolist()


_MAY_CHANGE = re.compile(r"(?m)^[=+\-@\t\r]|[\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What :func:`clean_text` changes: a formula's first character, a CR, a character XML cannot hold."""


def clean_texts(texts: list[str]) -> list[str]:
    """:func:`clean_text` of every string, only those that change cleaned one by one."""
    out = list(texts)
    long = [i for i, t in enumerate(texts) if len(t) > MAX_CELL_TEXT // 2]
    for i in sorted(set(flagged(texts, _MAY_CHANGE)) | set(long)):
        out[i] = clean_text(texts[i])
    return out


def text_cell(v) -> str:
    """A text cell of any value: an id read as float (``1234.0``) is the text ``1234``."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        v = int(v)
    return clean_text(str(v))


# -- numbers -----------------------------------------------------------------------------------

def round_exact(x: np.ndarray, ndigits: int) -> np.ndarray:
    """``round(v, ndigits)`` of every float of ``x``, Python's result, computed by numpy.

    Python rounds the exact binary value half-to-even to ``ndigits`` decimals ``K`` and
    returns the double nearest ``K / 10**ndigits``. numpy's ``rint(x * 10**n) / 10**n``
    gives the same double whenever the rounded product ``x * 10**n`` and the exact one
    lie on the same side of every half-integer (then both find ``K``, and dividing two
    exact doubles is correctly rounded). Values within a unit in the last place of a
    half-integer, or too large for fractional bits, are rounded by Python itself.
    """
    x = np.asarray(x, dtype=float)
    p = _POW10[ndigits]
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * p
        out = np.rint(y) / p
        near = np.abs(y - np.floor(y) - 0.5) <= 2 * np.spacing(np.abs(y))
        redo = np.flatnonzero((near | ~(np.abs(y) < _EXACT_INT)) & np.isfinite(x))
    for i in redo.tolist():
        out[i] = round(float(x[i]), ndigits)
    return out


def round_significant(x: np.ndarray, digits: int = 6) -> np.ndarray:
    """Every float of ``x`` (``0 < |v| < 1``) to ``digits`` significant digits, as :func:`round_noise`.

    :func:`round_noise` reads back numpy's Dragon4 text of the value cut to 6 significant
    digits, which rounds the exact binary value half-to-even: the same as scaling to
    ``digits`` whole digits and rounding (see :func:`round_exact`). Values near a tie, near
    a power of ten (where ``log10`` may miss the exponent) or below ``1e-17`` (beyond
    exact powers of ten) go through :func:`round_noise` itself.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.floor(np.log10(np.abs(x)))
        shift = digits - 1 - e
        ok = np.isfinite(shift) & (shift >= 0) & (shift <= 22)
        scale = _POW10[np.where(ok, shift, 0).astype(np.int64)]
        y = x * scale
        k = np.rint(y)
        out = k / scale
        near = np.abs(y - np.floor(y) - 0.5) <= 2 * np.spacing(np.abs(y))
        inside = (np.abs(k) >= 10.0 ** (digits - 1)) & (np.abs(k) <= 10.0**digits)
        redo = np.flatnonzero(~ok | near | ~inside)
    for i in redo.tolist():
        out[i] = round_noise(float(x[i]))
    return out


def round_noise_array(x: np.ndarray, kind: str | None = None) -> np.ndarray:
    """:func:`round_noise` of every value of a float array (non-finite values stay as they are)."""
    x = np.asarray(x, dtype=float)
    if kind and kind.startswith("money"):
        r = round_exact(x, 2)
    else:
        big = np.abs(x) >= 1
        r = x.copy()
        r[big] = round_exact(x[big], 4)
        small = ~big & (x != 0) & np.isfinite(x)
        r[small] = round_significant(x[small], 6)
        r[x == 0] = 0.0
    r[r == 0] = 0.0  # never -0.0
    return r


def float_cells(x: np.ndarray, kind: str) -> list:
    """The cells of a float column of a number kind: ``None`` for NaN, ``∞``/``-∞`` as text,
    values rounded as in the CSV (percentage points scaled by 100), whole numbers of 15
    digits or more as text."""
    x = np.asarray(x, dtype=float)
    finite = np.isfinite(x)
    r = round_noise_array(np.where(finite, x, 0.0), kind)
    if kind == "pp":
        with np.errstate(over="ignore"):
            r = round_exact(r * 100, 12)  # the cell holds percentage points; its format says "pp"
    out = r.tolist()
    with np.errstate(invalid="ignore"):
        big = np.isfinite(r) & (np.abs(r) >= _BIG) & (r == np.trunc(r))
    for i in np.flatnonzero(big).tolist():
        out[i] = str(int(out[i]))
    for i in np.flatnonzero(~np.isfinite(r)).tolist():  # a value near the largest float, in points
        out[i] = "∞" if r[i] > 0 else "-∞"
    for i in np.flatnonzero(~finite).tolist():
        out[i] = None if np.isnan(x[i]) else ("∞" if x[i] > 0 else "-∞")
    return out


def int_cells(x: np.ndarray) -> list:
    """The cells of an integer column: numbers, whole numbers of 15 digits or more as text."""
    out = x.tolist()
    big = np.flatnonzero((x >= _BIG) | (x <= -_BIG)) if x.dtype.kind == "i" else np.flatnonzero(x >= _BIG)
    for i in big.tolist():
        out[i] = str(out[i])
    return out


# -- any column --------------------------------------------------------------------------------

def _each(vals: list, missing: np.ndarray, f: Callable) -> list:
    """``f`` of every value not missing, once per distinct text (other objects one by one)."""
    out: list = [None] * len(vals)
    cache: dict = {}
    for i in np.flatnonzero(~missing).tolist():
        v = vals[i]
        if v.__class__ is str:  # the common case: codes and names
            r = cache.get(v)
            if r is None:
                r = cache[v] = f(v)
            out[i] = r
        else:
            out[i] = f(v)
    return out


def map_values(s: pd.Series, f: Callable, texts: Callable[[list], list] | None = None) -> list:
    """``[None if missing else f(v) for v in s.tolist()]``, calling ``f`` once per distinct value.

    Values are told apart as ``tolist`` gives them: floats by their bits (``-0.0`` is not
    ``0.0``), objects by value within their type (``1``, ``1.0`` and ``True`` are three).
    ``texts``, when given, is ``f`` of a list of strings at once (used when every distinct
    value of a column that is not of objects is a string).
    """
    missing = s.isna().to_numpy()
    if pd.api.types.is_object_dtype(s.dtype):
        return _each(s.tolist(), missing, f)
    key = s
    if pd.api.types.is_float_dtype(s.dtype):
        key = s.to_numpy(dtype=float, na_value=np.nan).view(np.int64)
    codes, uniques = pd.factorize(key, use_na_sentinel=True)
    codes = np.where(missing, -1, codes)
    first = np.full(len(uniques), -1, dtype=np.int64)
    pos = np.flatnonzero(codes >= 0)
    first[codes[pos[::-1]]] = pos[::-1]  # the first row of each distinct value
    used = first >= 0
    values = np.empty(len(uniques) + 1, dtype=object)  # the last one: missing
    distinct = s.iloc[first[used]].tolist()
    if texts is not None and all(v.__class__ is str for v in distinct):
        values[np.flatnonzero(used)] = texts(distinct)
    else:
        values[np.flatnonzero(used)] = [f(v) for v in distinct]
    return values[codes].tolist()


def _date(v):
    ts = pd.Timestamp(v)
    if ts.tzinfo is not None:  # Excel has no time zones: the local wall time
        ts = ts.tz_localize(None)
    return ts.to_pydatetime()


def date_or_text(v):
    """A date cell's value: a datetime (local wall time), or the value's text if it is no date."""
    try:
        return _date(v)
    except (ValueError, TypeError):
        return text_cell(v)


def date_cells(s: pd.Series) -> list:
    """The cells of a date column: datetimes (wall time of a zoned column), ``None`` where missing."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        naive = s.dt.tz_localize(None) if getattr(s.dtype, "tz", None) is not None else s
        try:
            out = naive.dt.to_pydatetime().tolist()
        except (ValueError, OverflowError):
            return map_values(s, date_or_text)
        missing = s.isna().to_numpy()
        for i in np.flatnonzero(missing).tolist():
            out[i] = None
        return out
    return map_values(s, date_or_text)


def number_cells(s: pd.Series, kind: str, reference: Callable) -> list:
    """The cells of a column of a number kind; ``reference(v)`` is :func:`cell_value` of one value."""
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return map_values(s, text_cell)  # True in a number column is shown as it is
    if pd.api.types.is_float_dtype(dtype):
        return float_cells(s.to_numpy(dtype=float, na_value=np.nan), kind)
    if pd.api.types.is_integer_dtype(dtype):
        missing = s.isna().to_numpy()
        if not missing.any():
            return int_cells(s.to_numpy())
        x = s.to_numpy(dtype=dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype, na_value=0)
        out = int_cells(x)
        for i in np.flatnonzero(missing).tolist():
            out[i] = None
        return out
    if not pd.api.types.is_object_dtype(dtype):
        return map_values(s, reference)
    # an object column: its floats at once, anything else one by one (texts once each)
    vals = s.tolist()
    is_float = np.fromiter((isinstance(v, (float, np.floating)) for v in vals), dtype=bool, count=len(vals))
    out = _each(vals, s.isna().to_numpy() | is_float, reference)
    floats = np.flatnonzero(is_float).tolist()
    if floats:
        for i, v in zip(floats, float_cells(np.array([vals[i] for i in floats], dtype=float), kind), strict=True):
            out[i] = v
    return out


def column_cells(s: pd.Series, kind: str, reference: Callable, *, numeric: bool, text: Callable | None = None) -> list:
    """``[reference(v) for v in s.tolist()]`` computed per column.

    Parameters
    ----------
    s : Series
        A column of a result table, raw values.
    kind : str
        Its format kind.
    reference : callable
        :func:`~workbench.reporting.excel.cell_value` of one value of this column (the
        definition; used for values a vectorised rule does not cover).
    numeric : bool
        ``kind`` is a number kind (the cells are numbers, rounded as in the CSV).
    text : callable, optional
        The column's cell text (a code column shown by its label).
    """
    if text is not None:
        return map_values(s, lambda v: text_cell(text(v)))
    if kind in ("light", "bool"):
        return map_values(s, reference)
    if kind == "date":
        return date_cells(s)
    if numeric:
        return number_cells(s, kind, reference)
    return map_values(s, text_cell, texts=clean_texts)


__all__ = ["MAX_CELL_TEXT", "clean_text", "flagged", "clean_texts", "text_cell", "round_exact", "round_significant", "round_noise_array",
           "float_cells", "int_cells", "map_values", "date_or_text", "date_cells", "number_cells", "column_cells"]
