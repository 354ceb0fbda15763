"""Freshness: how recent each table with a date column is, against the reference date."""

from __future__ import annotations

from datetime import date

import pandas as pd

from workbench.data.loader import Dataset
from workbench.data.schema import TABLES
from workbench.quality.prepare import _Facts, _facts

DEFAULT_STALE_AFTER_DAYS = 45
"""Days after which a table whose dates are tracked is stale (``stale_after_days``)."""


def _freshness_score(days: pd.Series, stale_after_days: int) -> pd.Series:
    d = pd.to_numeric(days, errors="coerce").astype("float64")
    over = (d - stale_after_days).clip(lower=0)
    return (1 - over / max(stale_after_days, 1)).clip(lower=0, upper=1)


def freshness(
    ds: Dataset, as_of: str | date | None = None, stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
) -> pd.DataFrame:
    """How recent each table with a date column is.

    Parameters
    ----------
    ds : Dataset
    as_of : str, date or Timestamp, optional
        Reference date; default :func:`reference_date`.
    stale_after_days : int
        A table whose last date is more than this many days before the reference
        date is stale.

    Returns
    -------
    pandas.DataFrame
        One row per loaded table whose date column is present: ``table,
        date_column, date_from, date_to`` (last plausible date; a period column
        counts from the first day of its first period to the last day of its last),
        ``implausible_dates, reference_date, days_since_last`` (negative when the
        table reaches past the reference date) and ``stale``.
    """
    return _freshness(_facts(ds, as_of, with_orphans=False), stale_after_days)


def _freshness(f: _Facts, stale_after_days: int) -> pd.DataFrame:
    out = f.dates[["table", "date_column", "date_from", "date_to", "implausible_dates"]].copy()
    out["reference_date"] = pd.Series(f.ref, index=out.index, dtype="datetime64[ns]")
    days = (out["reference_date"] - out["date_to"].dt.normalize()).dt.days
    out["days_since_last"] = days.astype("Int64")
    out["stale"] = (out["days_since_last"] > stale_after_days).astype("boolean")
    # master data and plans do not go stale (TableSpec.tracks_freshness)
    untracked = ~out["table"].map(lambda t: TABLES[t].tracks_freshness).astype(bool)
    out.loc[untracked, "stale"] = pd.NA
    return out.reset_index(drop=True)


