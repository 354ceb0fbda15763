"""Value of a channel's new customers (CLV / CAC) for the channel report, without the segmentation's profiles.

The channel report shows one figure of the segmentation per channel: the value of a new
customer (margin so far plus predicted margin) over the CAC window, from
:func:`workbench.segmentation.profiles.channel_value`. That function takes the segmentation's
customer attributes and value tiers, which the channel report does not need and which cost a
third of the time at ten million order lines (names, regions and industries of every customer,
a tier ranking). :func:`channel_value_columns` computes the columns the report uses
(``acquisition_channel_id, new_customers, spend, cac, value_per_new_customer, clv_cac,
cac_window``) from the segmentation's RFM and CLV tables by the same definitions;
``tests/channels/test_channels_value.py`` checks them against ``channel_value``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench import measures
from workbench.channels import codes, memo

VALUE_COLUMNS = ["acquisition_channel_id", "new_customers", "spend", "cac", "value_per_new_customer", "clv_cac",
                 "cac_window"]
"""Columns of :func:`channel_value_columns` (those of ``channel_value`` the channel report reads)."""

UNKNOWN_CHANNEL = "(unknown)"
"""The segmentation's acquisition channel of customers without one."""


def _slim(df: pd.DataFrame | None, cols: tuple[str, ...]) -> pd.DataFrame | None:
    """The columns of ``df`` that a measure reads (selecting them copies nothing)."""
    return None if df is None else df[[c for c in cols if c in df.columns]]


def _aligned(rfm_ids: pd.Index, table: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``table[cols]`` of each rfm customer (first row of a repeated id; NaN when absent).

    The CLV table lists the rfm customers in their order (both come from the same sorted
    customers): then its rows are taken as they are, without a lookup of millions of ids.
    """
    ids = pd.Index(table["customer_id"].astype("str"))
    if ids.equals(rfm_ids) and ids.is_unique:
        return pd.DataFrame({c: table[c].to_numpy(dtype=float) for c in cols})
    pos = codes.lookup(rfm_ids, ids)
    return pd.DataFrame({c: pd.api.extensions.take(table[c].to_numpy(dtype=float), pos, allow_fill=True)
                         for c in cols})


def acquisition_channels(ds, prep, rfm: pd.DataFrame) -> set[str]:
    """The acquisition channel ids of the rfm customers, as the segmentation's attributes give them.

    From ``customers.acquisition_channel_id`` when the column has a value (the first row of a
    repeated customer id), else the segmentation's own fallback (first purchase) via
    :func:`workbench.segmentation.profiles.attributes`; a customer without one is ``(unknown)``.
    """
    cust = ds["customers"] if ds.has("customers") else None
    if cust is not None and "acquisition_channel_id" in cust and cust["acquisition_channel_id"].notna().any():
        pos = codes.lookup(pd.Index(rfm["customer_id"]), pd.Index(cust["customer_id"]))
        values = pd.Series(pd.api.extensions.take(cust["acquisition_channel_id"].array, pos, allow_fill=True))
    else:
        from workbench.segmentation.profiles import attributes

        values = attributes(prep, rfm, ds)["acquisition_channel_id"]
    values = values.astype("str")
    found = set(values.dropna().unique())
    return found | ({UNKNOWN_CHANNEL} if values.isna().any() else set())


def channel_value_columns(ds, prep, rfm: pd.DataFrame, clv) -> pd.DataFrame:
    """Value per new customer, CAC and CLV / CAC per acquisition channel (:data:`VALUE_COLUMNS`).

    The definitions of :func:`workbench.segmentation.profiles.channel_value`: CAC is
    :func:`workbench.measures.cac` over the 12 complete months up to the analysis date; a new
    customer (acquired in that window) is worth their margin so far plus predicted margin
    (``clv_margin``), or revenue plus ``clv`` without costs, and 0 without a purchase; the value
    per new customer is the channel's total over its new customers. One row per acquisition
    channel of the customers with a purchase, sorted by id.

    Parameters
    ----------
    ds : Dataset
        ``customers``, ``orders``, ``spend``.
    prep, rfm, clv
        The segmentation's :func:`~workbench.segmentation.prepare.prepare`,
        :func:`~workbench.segmentation.rfm.rfm_table` and :func:`~workbench.segmentation.clv.clv_table`.
    """
    ids = sorted(acquisition_channels(ds, prep, rfm))
    out = pd.DataFrame({"acquisition_channel_id": pd.Series(ids, dtype="str")})
    for c in ("new_customers", "spend", "cac", "value_per_new_customer", "clv_cac"):
        out[c] = np.nan
    out["cac_window"] = ""
    rfm_ids = pd.Index(rfm["customer_id"].astype("str"))
    clv_cols = _aligned(rfm_ids, clv.table, ["clv", "clv_margin"]) if clv.ok \
        else pd.DataFrame({"clv": np.full(len(rfm), np.nan), "clv_margin": np.full(len(rfm), np.nan)})
    margin = rfm["margin"].to_numpy(dtype=float)
    use_margin = bool(np.any(~np.isnan(margin)) and clv_cols["clv_margin"].notna().any())
    out.attrs["value_basis"] = "margin" if use_margin else "revenue"
    if not (ds.has("spend") and prep.analysis_date is not None):
        return out[VALUE_COLUMNS]
    window = measures.complete_months(prep.analysis_date, measures.CAC_MONTHS)
    sp, _ = measures.monthly_spend(ds["spend"])
    acq = memo.acquisitions(  # the economics section's, when it counted them from the same customers
        ds["customers"] if ds.has("customers") else None,
        _slim(ds["orders"] if ds.has("orders") else None, ("customer_id", "channel_id", "order_date", "amount")))
    c = measures.cac(sp, acq, window).set_index("channel_id")
    if not len(c):
        return out[VALUE_COLUMNS]
    lo, hi = str(window[0]), str(window[1])
    new = acq.loc[(acq["month"] >= lo) & (acq["month"] <= hi), ["customer_id", "channel_id"]]
    cur = margin if use_margin else rfm["monetary"].to_numpy(dtype=float)
    fut = clv_cols["clv_margin" if use_margin else "clv"].to_numpy(dtype=float)
    worth = np.nan_to_num(cur, nan=0.0) + np.nan_to_num(fut, nan=0.0)
    at = codes.lookup(pd.Index(new["customer_id"]), rfm_ids)
    v = np.where(at >= 0, worth[np.maximum(at, 0)], 0.0)  # acquired without a purchase yet: worth nothing so far
    value = pd.Series(v, index=new.index).groupby(new["channel_id"]).sum()
    idx = out["acquisition_channel_id"]
    out["spend"] = idx.map(c["spend"]).astype(float)
    out["new_customers"] = idx.map(c["new_customers"]).fillna(0).where(out["spend"].notna())
    n_new = out["new_customers"].where(out["new_customers"] > 0)
    out["cac"] = idx.map(c["cac"]).astype(float)
    out["value_per_new_customer"] = idx.map(value).fillna(0.0) / n_new
    out["clv_cac"] = out["value_per_new_customer"] / out["cac"]
    out["cac_window"] = measures.window_text(window)
    return out[VALUE_COLUMNS]


__all__ = ["UNKNOWN_CHANNEL", "VALUE_COLUMNS", "acquisition_channels", "channel_value_columns"]
