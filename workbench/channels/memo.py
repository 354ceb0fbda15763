"""Customer acquisitions computed once for the channel report's two sections that cite them.

The economics (new customers, CAC) and the value of new customers (CLV / CAC) both count the
customers acquired per channel and month with :func:`workbench.measures.acquisitions`; at 3.6
million customers that costs seconds each time. :func:`acquisitions` remembers the result for
the customers columns it was computed from:

- ``customer_id`` and ``acquisition_channel_id`` are immutable Arrow arrays: the same arrays
  (held by weak reference) mean the same values;
- ``created_date`` is a numpy array that can change in place, so a copy is kept and compared.

Only the result from the customers table is remembered (the first-order fallback depends on the
orders too). Callers get a shallow copy: with pandas' copy-on-write, changing it never changes
the remembered frame.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from workbench import measures

COLUMNS = ("customer_id", "created_date", "acquisition_channel_id")
"""The customers columns :func:`workbench.measures.acquisitions` reads."""

_LAST: dict = {}


def _arrow(s: pd.Series):
    pa_arr = getattr(s.array, "_pa_array", None)
    return pa_arr if pa_arr is not None else None


def _same(entry: dict, ids, chans, dates: np.ndarray) -> bool:
    return (entry["ids"]() is ids and entry["chans"]() is chans and entry["dates"].dtype == dates.dtype
            and np.array_equal(entry["dates"], dates))


def acquisitions(customers: pd.DataFrame | None, orders: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`workbench.measures.acquisitions` of the customers' three columns (and ``orders``), computed once.

    The same frame as ``measures.acquisitions(customers, orders)``; when it comes from the customers
    table it is remembered for these customers columns and returned again without recomputing.
    """
    slim = customers[[c for c in COLUMNS if c in customers.columns]] if customers is not None else None
    if slim is None or len(slim.columns) < len(COLUMNS):
        return measures.acquisitions(slim, orders)
    ids, chans = _arrow(slim["customer_id"]), _arrow(slim["acquisition_channel_id"])
    dates = slim["created_date"].to_numpy()
    if ids is None or chans is None:  # not Arrow: nothing tells a changed column apart cheaply
        return measures.acquisitions(slim, orders)
    if _LAST and _same(_LAST, ids, chans, dates):
        return _LAST["result"].copy(deep=False)
    acq = measures.acquisitions(slim, orders)
    if acq.attrs.get("source") == "customers":
        _LAST.clear()
        _LAST.update(ids=weakref.ref(ids, lambda _r: _LAST.clear()), chans=weakref.ref(chans),
                     dates=dates.copy(), result=acq)
        return acq.copy(deep=False)
    return acq


__all__ = ["COLUMNS", "acquisitions"]
