"""Measures that several reports cite: one definition and one implementation each.

A figure a stakeholder reads in two reports (the channel evaluation, the KPI review, the
executive summary, the customer segmentation) must be the same number. Every report computes
these measures here, and names its columns after the measure it shows:

``conversion_rate``
    Won leads / leads of the *mature* creation cohorts (a lead belongs to the month, or quarter,
    it was created; a cohort is mature when its last day lies at least ``mature_after_days``
    before the analysis date). Open leads of mature cohorts count as not won: a lower bound.
``win_rate_closed``
    Won / (won + lost) of the same leads: the won share of closed leads, an upper bound. It is
    *not* a conversion rate and is never labelled as one.
``cac`` (with ``cac_window``)
    Channel spend over a window of complete months / customers acquired through that channel
    in the same months. A customer is acquired in the month of ``customers.created_date``
    through ``customers.acquisition_channel_id``; without those columns, at their first
    purchase in the orders (the data's first month is left out: customers already active
    when the data start would all look new). The window is stated next to every CAC.
``roi``, ``roas``
    (Gross margin − spend) / spend and revenue / spend over the same window.

All functions are pure: DataFrames in, DataFrames or arrays out; no language, no I/O.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data.coerce import period_bounds

MATURE_AFTER_DAYS = 120
"""Default age (days after its last day) at which a creation cohort counts in conversion."""

CAC_MONTHS = 12
"""Default window of CAC, ROI and ROAS: the last 12 complete months up to the analysis date."""


# ----------------------------------------------------------------------------- rates


def ratio(num, den) -> np.ndarray:
    """``num / den`` as floats; NaN where ``den`` is 0 or missing."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def conversion_rate(won, leads) -> np.ndarray:
    """Conversion of mature creation cohorts: ``won / leads`` (open leads count as not won)."""
    return ratio(won, leads)


def win_rate_closed(won, lost) -> np.ndarray:
    """Won share of closed leads: ``won / (won + lost)`` (open leads left out)."""
    return ratio(won, np.asarray(won, dtype=float) + np.asarray(lost, dtype=float))


def mature(created: pd.Series, as_of, mature_after_days: int = MATURE_AFTER_DAYS,
           cohort: str = "month") -> np.ndarray:
    """True for leads whose creation cohort is mature on ``as_of``.

    Parameters
    ----------
    created : Series of datetime
        Creation dates.
    as_of : Timestamp or str
        The analysis date.
    mature_after_days : int
        A cohort is mature when its last day is at least this many days before ``as_of``.
    cohort : {"month", "quarter"}
    """
    freq = {"month": "M", "quarter": "Q"}[cohort]
    per = pd.to_datetime(created).dt.to_period(freq)
    cutoff = pd.Timestamp(as_of).normalize() - pd.Timedelta(days=mature_after_days)
    return (per.dt.end_time.dt.normalize() <= cutoff).fillna(False).to_numpy(dtype=bool)


def cohort_conversion(leads: pd.DataFrame, as_of, by: str | list[str] = "channel_id",
                      mature_after_days: int = MATURE_AFTER_DAYS, cohort: str = "month") -> pd.DataFrame:
    """Leads, won, lost, open, ``conversion_rate`` and ``win_rate_closed`` of mature cohorts per group.

    Parameters
    ----------
    leads : DataFrame
        ``created_date``, ``status`` (``won`` / ``lost`` / ``open``; anything else counts as open)
        and the ``by`` column(s).
    as_of : Timestamp or str
    by : str or list of str
    mature_after_days : int
    cohort : {"month", "quarter"}

    Returns
    -------
    DataFrame
        ``by`` columns, ``leads, won, lost, open, conversion_rate, win_rate_closed``; groups
        without mature leads are absent.
    """
    keys = [by] if isinstance(by, str) else list(by)
    m = leads.loc[mature(leads["created_date"], as_of, mature_after_days, cohort)]
    st = m["status"].astype("str")
    f = m[keys].assign(leads=1, won=(st == "won").astype("int64"), lost=(st == "lost").astype("int64"))
    out = f.groupby(keys, as_index=False)[["leads", "won", "lost"]].sum()
    out["open"] = out["leads"] - out["won"] - out["lost"]
    out["conversion_rate"] = conversion_rate(out["won"], out["leads"])
    out["win_rate_closed"] = win_rate_closed(out["won"], out["lost"])
    return out


# ----------------------------------------------------------------------------- windows and money


def complete_months(as_of, months: int = CAC_MONTHS) -> tuple[pd.Period, pd.Period]:
    """First and last month of the ``months`` complete months up to ``as_of``.

    A month that is still running on ``as_of`` (``as_of`` is not its last day) is not complete.
    """
    as_of = pd.Timestamp(as_of).normalize()
    end = as_of.to_period("M")
    if (as_of + pd.Timedelta(days=1)).month == as_of.month:
        end = end - 1
    return end - (months - 1), end


def window_text(window: tuple[pd.Period, pd.Period]) -> str:
    """``2025-11..2026-10``: how a window is written in result tables."""
    return f"{window[0]}..{window[1]}"


def monthly_spend(spend: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """Spend per channel and month; a quarter's or a year's amount spread evenly over its months.

    Returns
    -------
    DataFrame
        ``channel_id, month`` (``YYYY-MM``), ``spend``.
    int
        Number of rows that covered a quarter or a year.
    """
    cols = ["channel_id", "month", "spend"]
    if spend is None or spend.empty:
        return pd.DataFrame(columns=cols), 0
    s = spend.loc[spend["period"].notna() & spend["channel_id"].notna()]
    amount = pd.to_numeric(s["amount"], errors="coerce")
    period = s["period"].astype("str")
    coarse = int((~period.str.fullmatch(r"\d{4}-\d{2}")).sum())
    bounds = {p: pd.period_range(*period_bounds(p), freq="M").astype("str") for p in period.unique()}
    rows = []
    for p, cid, amt in zip(period, s["channel_id"].astype("str"), amount, strict=True):
        months = bounds[p]
        rows.extend((cid, m, amt / len(months)) for m in months)
    out = pd.DataFrame(rows, columns=cols)
    return out.groupby(["channel_id", "month"], as_index=False)["spend"].sum(), coarse


def acquisitions(customers: pd.DataFrame | None, orders: pd.DataFrame | None) -> pd.DataFrame:
    """Each customer's acquisition channel and month.

    From ``customers.created_date`` and ``acquisition_channel_id`` when more than half of the
    customers have both; else from each customer's first purchase (positive order line) in the
    orders, leaving out the data's first month (customers already active then are not new).

    Returns
    -------
    DataFrame
        ``customer_id, channel_id, month`` (``YYYY-MM``); ``attrs["source"]`` is
        ``customers``, ``first_order`` or ``none``.
    """
    cols = ["customer_id", "channel_id", "month"]
    if customers is not None and {"created_date", "acquisition_channel_id"} <= set(customers.columns) \
            and len(customers) and customers["created_date"].notna().mean() > 0.5 \
            and customers["acquisition_channel_id"].notna().mean() > 0.5:
        c = customers.loc[customers["created_date"].notna() & customers["acquisition_channel_id"].notna()]
        c = c.drop_duplicates("customer_id")
        out = pd.DataFrame({"customer_id": c["customer_id"].astype("str").to_numpy(),
                            "channel_id": c["acquisition_channel_id"].astype("str").to_numpy(),
                            "month": pd.to_datetime(c["created_date"]).dt.to_period("M").astype("str").to_numpy()})
        out.attrs["source"] = "customers"
        return out
    if orders is None or not {"customer_id", "channel_id", "order_date", "amount"} <= set(orders.columns):
        out = pd.DataFrame(columns=cols)
        out.attrs["source"] = "none"
        return out
    o = orders.loc[(pd.to_numeric(orders["amount"], errors="coerce") > 0) & orders["customer_id"].notna()
                   & orders["order_date"].notna()]
    first = o.sort_values("order_date", kind="stable").drop_duplicates("customer_id")
    month = pd.to_datetime(first["order_date"]).dt.to_period("M").astype("str")
    out = pd.DataFrame({"customer_id": first["customer_id"].astype("str").to_numpy(),
                        "channel_id": first["channel_id"].astype("str").to_numpy(), "month": month.to_numpy()})
    out = out.loc[out["month"] > out["month"].min()].reset_index(drop=True) if len(out) else out
    out.attrs["source"] = "first_order"
    out.attrs["first_month"] = month.min() if len(month) else None
    return out


def cac(spend_monthly: pd.DataFrame, acquired: pd.DataFrame,
        window: tuple[pd.Period, pd.Period]) -> pd.DataFrame:
    """CAC per channel over ``window``: spend in its months / customers acquired in its months.

    Parameters
    ----------
    spend_monthly : DataFrame
        ``channel_id, month, spend`` (from :func:`monthly_spend`).
    acquired : DataFrame
        ``customer_id, channel_id, month`` (from :func:`acquisitions`).
    window : (Period, Period)
        First and last month (from :func:`complete_months`).

    Returns
    -------
    DataFrame
        ``channel_id, spend, new_customers, cac, cac_window``; one row per channel with spend or
        new customers in the window. ``cac`` is NaN without spend or without new customers.
    """
    lo, hi = str(window[0]), str(window[1])
    sp = spend_monthly.loc[(spend_monthly["month"] >= lo) & (spend_monthly["month"] <= hi)]
    spend = sp.groupby("channel_id")["spend"].sum()
    acq = acquired.loc[(acquired["month"] >= lo) & (acquired["month"] <= hi)]
    new = acq.groupby("channel_id").size()
    ids = sorted(set(spend.index) | set(new.index), key=str)
    out = pd.DataFrame({"channel_id": ids})
    out["spend"] = spend.reindex(ids).to_numpy(dtype=float)
    out["new_customers"] = new.reindex(ids).fillna(0).to_numpy(dtype="int64")
    out["cac"] = ratio(out["spend"].where(out["spend"] > 0), out["new_customers"])
    out["cac_window"] = window_text(window)
    return out


def roi(gross_margin, spend) -> np.ndarray:
    """Return on spend: ``(gross margin − spend) / spend``; NaN without spend."""
    gm = np.asarray(gross_margin, dtype=float)
    sp = np.asarray(spend, dtype=float)
    return ratio(gm - sp, sp)


def roas(revenue, spend) -> np.ndarray:
    """Revenue per unit of spend: ``revenue / spend``; NaN without spend."""
    return ratio(revenue, spend)
