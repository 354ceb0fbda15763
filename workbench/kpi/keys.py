"""Fast work on text keys: ``Series.map``, ``drop_duplicates`` and distinct counts by position.

At ten million order lines the KPI review spent most of its time on text keys held as
Arrow strings (customer, order and lead ids, reps, regions): ``keys.map(mapping)`` turns
every key into a Python object and hashes it in a pandas engine, a boolean row filter
copies every text column of a wide frame, and ``drop_duplicates`` on text hashes it again.
The functions here give the same values as those pandas calls (tested on awkward keys:
missing, empty, Chinese, repeated), working on Arrow's hash kernels and on integer codes:

- :func:`positions` — where each value sits in a set of unique keys (``Index.get_indexer``);
- :func:`lookup` — ``values.map(mapping)`` for a mapping with unique keys;
- :func:`first_rows` — the rows ``drop_duplicates`` keeps (first of each value);
- :func:`codes` — integer codes of a column whose order is the sorted order of its values;
- :func:`distinct_per_group` — number of distinct codes per group (a distinct count);
  :func:`code_segments` and :func:`distinct_in_segments` do the same for many groupings of the same
  rows (an order's lines are sorted together once; most orders fall in one group).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def arrow_text(s) -> object | None:
    """The Arrow array of an Arrow-backed text Series / Index / array, else ``None``."""
    arr = getattr(s, "array", s)
    pa_arr = getattr(arr, "_pa_array", None)
    if pa_arr is None:
        return None
    import pyarrow as pa

    t = pa_arr.type
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return None
    return pa_arr


def positions(values, keys) -> np.ndarray:
    """Position in ``keys`` of each of ``values`` (-1 where absent), as ``pd.Index(keys).get_indexer(values)``.

    Parameters
    ----------
    values : Series, Index or array
        The values looked up.
    keys : Series, Index or array
        Unique keys (a missing key matches a missing value, as in pandas).

    Returns
    -------
    ndarray of int64
    """
    a, b = arrow_text(values), arrow_text(keys)
    if a is None or b is None:
        return pd.Index(keys).get_indexer(pd.Index(values))
    import pyarrow as pa
    import pyarrow.compute as pc

    vs = b.combine_chunks() if isinstance(b, pa.ChunkedArray) else b
    if a.type != vs.type:
        vs = vs.cast(a.type)
    pos = pc.index_in(a, value_set=vs, skip_nulls=False)
    return pos.fill_null(-1).to_numpy().astype(np.int64, copy=False) if len(pos) else np.zeros(0, np.int64)


def lookup(values: pd.Series, mapping: pd.Series) -> pd.Series:
    """``values.map(mapping)`` for a mapping Series with a unique index, by position.

    Text, float and datetime mapping values are taken by position (missing where the key is
    absent); other mappings go through ``Series.map`` itself.
    """
    kind = mapping.dtype.kind if isinstance(mapping.dtype, np.dtype) else None
    text = arrow_text(mapping) is not None
    if not (text or kind in ("f", "M")) or (arrow_text(values) is None or arrow_text(mapping.index) is None):
        return values.map(mapping)
    pos = positions(values, mapping.index)
    taken = mapping.array.take(pos, allow_fill=True)
    return pd.Series(taken, index=values.index, name=values.name)


def map_values(keys: pd.Series, source: pd.Series) -> pd.Series:
    """``keys.map(source)`` (``source`` with a unique index), each distinct key looked up once: a few reps
    or regions behind millions of rows cost one short lookup and a take."""
    if len(keys) == 0:
        return keys.map(source)
    codes, uniq = pd.factorize(keys, use_na_sentinel=False)  # a missing key is looked up too, as in map
    if len(uniq) * 4 > len(keys):  # mostly distinct keys: look every one up
        return lookup(keys, source)
    got = lookup(pd.Series(uniq), source)
    return pd.Series(got.array.take(codes), index=keys.index, name=keys.name)


def first_rows(codes: np.ndarray) -> np.ndarray:
    """Row numbers of the first occurrence of each code, in row order (the rows ``drop_duplicates`` keeps).

    ``codes`` are integers (from ``pd.factorize``; -1, a missing value, is one value like any other).
    """
    codes = np.asarray(codes)
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(~pd.Series(codes).duplicated(keep="first").to_numpy())


def codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the sorted distinct values, so that ordering by code is
    ordering by value (as ``groupby(..., sort=True)`` orders text keys)."""
    c, uniq = pd.factorize(values, sort=True)
    return c.astype(np.int64, copy=False), np.asarray(uniq, dtype=object)


def distinct_per_group(group: np.ndarray, n_groups: int, code: np.ndarray) -> np.ndarray:
    """Number of distinct ``code`` values in each group ``0 .. n_groups - 1``.

    ``group`` and ``code`` are non-negative-or--1 integer arrays of the same length; -1 in
    ``code`` counts as a value (as ``drop_duplicates`` counts a missing id once).
    """
    group = np.asarray(group, dtype=np.int64)
    code = np.asarray(code, dtype=np.int64) + 1  # -1 -> 0
    if len(group) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    width = int(code.max()) + 1
    pair = pd.unique(group * width + code)
    return np.bincount(pair // width, minlength=n_groups)


def code_segments(code: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """The rows of each code together: a stable order of the rows by code (``None`` when they already are)
    and where each code's run starts in it."""
    code = np.asarray(code)
    if len(code) == 0:
        return None, np.zeros(0, dtype=np.int64)
    perm = None if bool(np.all(code[1:] >= code[:-1])) else np.argsort(code, kind="stable")
    c = code if perm is None else code[perm]
    return perm, np.flatnonzero(np.r_[True, c[1:] != c[:-1]])


def distinct_in_segments(group: np.ndarray, n_groups: int, perm: np.ndarray | None, starts: np.ndarray) -> np.ndarray:
    """Number of distinct codes in each group ``0 .. n_groups - 1`` (:func:`distinct_per_group`), for rows
    laid out by :func:`code_segments`; ``group`` is -1 for a row left out.

    A code whose rows all fall in one group counts once there (found by the least and greatest group
    of its rows); the few codes spread over several groups are counted pair by pair.
    """
    g = np.asarray(group)
    if g.dtype.kind != "i":
        g = g.astype(np.int64)
    if perm is not None:
        g = g[perm]
    if len(g) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    lo = np.minimum.reduceat(np.where(g >= 0, g, np.iinfo(g.dtype).max), starts)
    hi = np.maximum.reduceat(g, starts)
    one = (hi >= 0) & (lo == hi)
    counts = np.bincount(lo[one], minlength=n_groups)
    spread = (hi >= 0) & (lo != hi)
    if spread.any():
        seg = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(g)]))
        r = np.flatnonzero(spread[seg] & (g >= 0))
        pair = pd.unique(g[r].astype(np.int64) * len(starts) + seg[r])
        counts += np.bincount(pair // len(starts), minlength=n_groups)
    return counts
