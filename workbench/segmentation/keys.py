"""Exact shortcuts for id and code columns: the same answers as pandas' general paths, without hashing
or sorting millions of strings again.

At 10 million order lines the segmentation spends most of its time turning Arrow strings into
Python objects (``map``, ``get_indexer``, ``merge`` and ``sort_values`` on ``customer_id``) when
the answer is known from positions: every per-customer table derives from the ``rfm`` table,
in the same order (ascending ``customer_id``), and codes such as ``tier`` or ``play`` take a
handful of values. Each helper here returns what the general pandas call returns, checks the
condition its shortcut needs, and falls back to that call when the condition does not hold.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(values) -> pa.ChunkedArray | None:
    """The Arrow data of a default ``str`` column (Series, Index or array), else None."""
    arr = values.array if isinstance(values, pd.Series | pd.Index) else values
    if getattr(arr, "dtype", None) == "str" and hasattr(arr, "_pa_array"):
        return arr._pa_array
    return None


def same_values(a, b) -> bool:
    """Whether two columns hold the same values in the same order (missing equals missing).

    What ``a.reset_index(drop=True).equals(b.reset_index(drop=True))`` says for two columns of
    the same dtype, compared in Arrow when both are text.
    """
    if len(a) != len(b):
        return False
    xa, xb = _arrow(a), _arrow(b)
    if xa is not None and xb is not None:
        return bool(xa.equals(xb))  # what ArrowExtensionArray.equals does
    return pd.Series(a).reset_index(drop=True).equals(pd.Series(b).reset_index(drop=True))


def strictly_ascending(values) -> bool:
    """Whether a column's values are unique, without missing values and in ascending order.

    Text compares by code point (UTF-8 bytes), the order ``sort_values`` and ``argsort`` give
    ``str`` columns. Such a column ranks like its positions: a sort key it breaks ties with can
    be replaced by ``arange``.
    """
    n = len(values)
    if n == 0:
        return True
    xa = _arrow(values)
    if xa is not None:
        a = xa.combine_chunks()
        if a.null_count:
            return False
        return n == 1 or bool(pc.all(pc.less(a.slice(0, n - 1), a.slice(1))).as_py())
    s = pd.Series(values)
    return bool(s.notna().all() and s.is_unique and s.is_monotonic_increasing)


def positions(values, index) -> np.ndarray:
    """Position of each of ``values`` in ``index`` (unique), ``-1`` where absent: ``Index.get_indexer``.

    Text is looked up in Arrow (``index_in``) instead of a hash table of Python strings; a
    missing value is found only where ``index`` has one too, as pandas does.
    """
    index = pd.Index(index)
    if not index.is_unique:
        raise ValueError("positions: the index has duplicate values")
    xv, xi = _arrow(values), _arrow(index)
    if xv is not None and xi is not None:
        found = pc.index_in(xv, value_set=xi.combine_chunks(), skip_nulls=False)
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return index.get_indexer(pd.Index(values)).astype(np.int64)


def take_aligned(source: pd.Series, pos: np.ndarray) -> pd.Series:
    """``source`` values at positions ``pos`` (``-1``: missing), as ``Series.map(source)`` gives them.

    Parameters
    ----------
    source : Series
        The values to pick from (its index is not used: ``pos`` comes from :func:`positions`).
    pos : ndarray of int
        Positions into ``source``; ``-1`` gives a missing value (NaN, or the dtype's own).
    """
    arr = source.array
    if isinstance(arr, pd.arrays.NumpyExtensionArray):
        arr = arr.to_numpy()  # numpy's take upcasts as map does: int -> float, bool -> object
    return pd.Series(pd.api.extensions.take(arr, np.asarray(pos, dtype=np.int64), allow_fill=True))


def recode(values: pd.Series, fn: Callable[[object], str | None]) -> pd.Series:
    """``values.map({v: fn(v) for v in values.dropna().unique()})`` computed once per distinct value.

    ``fn`` returns text, or None (or NaN) for a missing value, as a key absent from the ``map`` dict.
    Missing values stay missing. The result keeps the index and name of ``values`` and has the
    ``str`` dtype, as the ``map`` of a ``str`` column to text gives it (a categorical column of text
    gives the same).
    """
    if isinstance(values.dtype, pd.CategoricalDtype) and len(values):  # one text per category
        cats = list(values.cat.categories)
        texts = [None if _missing(t) else t for t in (fn(v) for v in cats)]
        if any(isinstance(t, str) for t in texts) and all(t is None or isinstance(t, str) for t in texts):
            return decode(texts, values.cat.codes.to_numpy(), index=values.index, name=values.name)
        values = values.astype("str")
    if values.dtype == "str" and len(values):
        codes, uniques = pd.factorize(values)
        texts = [None if _missing(t) else t for t in (fn(v) for v in uniques)]
        if any(isinstance(t, str) for t in texts) and all(t is None or isinstance(t, str) for t in texts):
            return decode(texts, codes, index=values.index, name=values.name)
    return values.map({v: t for v in values.dropna().unique() if (t := fn(v)) is not None})


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def decode(texts: list[str | None], codes: np.ndarray, index=None, name=None) -> pd.Series:
    """A ``str`` column from per-code texts and integer codes (``-1`` or a None text: missing)."""
    table = pd.array(list(texts), dtype="str")
    if len(table) == 0:
        table = pd.array([""], dtype="str")  # every code is -1: an all-missing column
    out = table.take(np.asarray(codes, dtype=np.int64), allow_fill=True)
    return pd.Series(out, index=index, name=name)


def coded(texts: list, codes: np.ndarray) -> pd.Series:
    """A categorical column of text from per-code texts and integer codes (``-1`` or a None text:
    missing): the values :func:`decode` gives, held as one small code per
    row (a CRM list's segments, plays and actions in two languages are 14 such columns of millions of rows)."""
    tcodes, cats = pd.factorize(pd.Series(list(texts), dtype=object))  # two codes of one text: one category
    table = np.append(tcodes, -1).astype(np.int32)  # code -1 -> the last entry: missing
    cat = pd.Categorical.from_codes(table[np.asarray(codes, dtype=np.int64)],
                                    categories=pd.Index(list(cats), dtype="str"))
    return pd.Series(cat)


def as_column(s: pd.Series):
    """``s`` as ``DataFrame({c: s.to_numpy()})`` stores it, without the round trip through Python objects.

    A text column keeps its Arrow array; one without any value stays what the round trip made
    of it (an object column of NaN).
    """
    if s.dtype == "str" and s.notna().any():
        return s.array
    return s.to_numpy()


def unique_by_id(table: pd.DataFrame, key: str = "customer_id") -> pd.DataFrame:
    """``table.drop_duplicates(key).set_index(key)``; no duplicate search when the ids are ascending."""
    if strictly_ascending(table[key]):
        return table.set_index(key)
    return table.drop_duplicates(key).set_index(key)


def joined(parts: list[tuple[pd.DataFrame, list[str]]]) -> pd.DataFrame:
    """``customer_id`` and the listed columns of each frame, inner-merged on ``customer_id`` in turn.

    Side by side when every frame lists the same customers in the same order, once each (tables
    derived from the rfm table, sorted by id); otherwise by ``merge``, which keeps the first
    frame's order.
    """
    first, cols = parts[0]
    names = [c for _, cs in parts for c in cs]
    if len(set(names)) == len(names) and "customer_id" not in names and strictly_ascending(first["customer_id"]) \
            and all(same_values(first["customer_id"], p["customer_id"]) for p, _ in parts[1:]):
        out = first[["customer_id", *cols]].reset_index(drop=True)
        for p, cs in parts[1:]:
            for c in cs:
                out[c] = p[c].set_axis(out.index)  # by position, dtype kept as merge keeps it
        return out
    out = first[["customer_id", *cols]]
    for p, cs in parts[1:]:
        out = out.merge(p[["customer_id", *cs]], on="customer_id")
    return out


def merge_by_id(left: pd.DataFrame, right: pd.DataFrame, how: str) -> pd.DataFrame:
    """``left.merge(right, on="customer_id", how=how)``; side by side when both list the same customers
    in the same order, once each (the usual case: both derive from the rfm table, sorted by id)."""
    clash = (set(left.columns) & set(right.columns)) - {"customer_id"}
    if not clash and strictly_ascending(left["customer_id"]) and same_values(left["customer_id"], right["customer_id"]):
        out = left.reset_index(drop=True)
        for c in right.columns:
            if c != "customer_id":
                out[c] = right[c].set_axis(out.index)  # by position, dtype kept as merge keeps it
        return out
    return left.merge(right, on="customer_id", how=how)
