"""Integer codes of text columns: joins, group-bys and distinct counts on integers, not on strings.

At ten million order lines a ``groupby`` or ``drop_duplicates`` on Arrow text columns, or a
``pd.factorize`` of ``orders.order_id``, costs seconds each; the channel report used to do them
again in the economics, the response data, each of the three matrices and the inventory. Here:

- :func:`factorize` is ``pd.factorize(s, use_na_sentinel=True)``, computed once per Arrow text
  column and kept while the column lives. An Arrow array is immutable, so codes keyed on it can
  never go stale: a column that is changed (``df.loc[m, c] = ...``) gets a new array.
- :func:`subset` gives the codes ``pd.factorize`` would give for some rows of the column (the
  same codes, in the same first-seen order) from the cached codes of the whole column.
- :func:`lookup` finds keys in a table's index (``Series.map`` / ``reindex`` on text) with
  Arrow's hash kernel instead of pandas' object index.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MIN_CACHED = 10_000
"""Columns shorter than this are factorized each time (cheap; keeps the cache to big tables)."""

_CACHE: dict[int, tuple[weakref.ref, np.ndarray, np.ndarray]] = {}


def _arrow(s: pd.Series | pd.Index) -> pa.ChunkedArray | None:
    """The immutable Arrow array behind a text column, or None (object, categorical, numbers ...)."""
    arr = s.array
    pa_arr = getattr(arr, "_pa_array", None)
    return pa_arr if isinstance(pa_arr, pa.ChunkedArray) else None


TEXT = pd.Series(["x"], dtype=object).infer_objects().dtype
"""The dtype pandas infers for text (``str``, Arrow-backed): a text column of it maps to itself."""


def is_text(s: pd.Series | pd.Index) -> bool:
    """True when ``s`` has the dtype pandas infers for text (:data:`TEXT`)."""
    return s.dtype == TEXT


def _factorize(s: pd.Series):
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    codes.setflags(write=False)
    return codes, uniques


def factorize(s: pd.Series):
    """``pd.factorize(s, use_na_sentinel=True)``: int64 codes (-1 = missing) and the values.

    Computed once per Arrow text column of at least :data:`MIN_CACHED` rows; the codes are
    read-only (they may be shared by every caller of the same column). The values are what
    ``pd.factorize`` returns (an Arrow array for text: millions of order ids stay compact).
    """
    key = _arrow(s) if len(s) >= MIN_CACHED else None
    if key is None:
        return _factorize(s)
    hit = _CACHE.get(id(key))
    if hit is not None and hit[0]() is key:
        return hit[1], hit[2]
    codes, uniques = _factorize(s)
    ident = id(key)
    _CACHE[ident] = (weakref.ref(key, lambda _ref, k=ident: _CACHE.pop(k, None)), codes, uniques)
    return codes, uniques


def subset(codes: np.ndarray, uniques, mask: np.ndarray | None):
    """Codes and values of the rows in ``mask``, numbered as ``pd.factorize`` numbers that subset.

    ``pd.factorize(s[mask])`` numbers the values in the order they first appear among those
    rows; so does this, from the codes of the whole column (an integer factorize).
    """
    sub = codes if mask is None else codes[mask]
    local, first = pd.factorize(sub, use_na_sentinel=True)
    local = np.asarray(local, dtype=np.int64)
    first = np.asarray(first, dtype=np.int64)
    missing = first < 0  # the -1 of missing values became a value of its own
    if missing.any():
        gone = int(np.flatnonzero(missing)[0])
        local = np.where(local == gone, -1, np.where(local > gone, local - 1, local))
        first = first[~missing]
    return local, uniques[first]


def lookup(keys, index) -> np.ndarray:
    """Position of each key in ``index`` (its first occurrence), -1 where absent.

    ``pd.Series(values, index).reindex(keys)`` takes these positions (after dropping repeated
    index entries, as ``map_values`` does); on text keys and a text index the search runs in
    Arrow (``pyarrow.compute.index_in``), else in pandas. A missing key is never found.
    """
    keys, index = pd.Index(keys), pd.Index(index)
    if len(keys) == 0 or len(index) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    k, v = _as_text(keys), _as_text(index)
    if k is not None and v is not None:
        return _fill(pc.index_in(k, value_set=v, skip_nulls=True))
    first = ~index.duplicated(keep="first")
    pos = index[first].get_indexer(keys)
    pos = np.where(pos >= 0, np.flatnonzero(first)[np.maximum(pos, 0)], -1)
    return np.where(pd.isna(keys), -1, pos).astype(np.int64)


def _fill(pos: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow int32 array with nulls as int64 numpy with -1."""
    if isinstance(pos, pa.ChunkedArray):
        pos = pos.combine_chunks() if pos.num_chunks != 1 else pos.chunk(0)
    return np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _as_text(values: pd.Index) -> pa.Array | None:
    """The values as one Arrow string array when they are text (Arrow or all-str object), else None."""
    arr = _arrow(values)
    if arr is not None:
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            return None
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
        return arr.cast(pa.large_string()) if pa.types.is_string(arr.type) else arr
    if values.dtype == object and len(values) and pd.api.types.infer_dtype(values, skipna=True) == "string":
        return pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    return None


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array (``np.unique`` by a sort: many times faster at 10M)."""
    v = np.sort(np.asarray(values))
    return v[np.r_[True, v[1:] != v[:-1]]] if len(v) else v


def first_seen(values: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct value, in order of position (a hash, no sort)."""
    return np.flatnonzero(~pd.Series(np.asarray(values)).duplicated(keep="first").to_numpy())


def month_index(dates: pd.Series) -> np.ndarray:
    """``year * 12 + month - 1`` of each date (an integer month key); unspecified where the date is missing."""
    if isinstance(dates, pd.Series) and dates.dtype.kind == "M":  # naive datetimes: months since 1970, in numpy
        return dates.to_numpy().astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return (dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1).astype(np.int64)


__all__ = ["MIN_CACHED", "TEXT", "distinct", "factorize", "first_seen", "is_text", "lookup", "month_index", "subset"]
