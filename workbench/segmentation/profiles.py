"""Who the customers are: profiles by region, industry and acquisition channel, and value per channel.

Attributes come from the customers table when it has them, else from the orders:
``region`` falls back to the region of the customer's most frequent order lines,
``acquisition_channel_id`` to the channel of the first purchase. ``industry`` has
no fallback (the section says so when it is absent).

Shares within a group (e.g. the share of top-tier customers in a region) carry a
95% Wilson interval and the group's size; a group smaller than ``min_group_size``
is flagged so that it is not compared with the others.

CLV / CAC
---------
CAC is :func:`workbench.measures.cac`, the definition the channel report uses too: spend
per channel over the last ``measures.CAC_MONTHS`` (12) complete months up to the analysis
date, divided by the customers acquired through that channel in those months
(``customers.created_date`` and ``acquisition_channel_id``, else the first purchase); the
window is the ``cac_window`` column. The value of such a new customer is the margin they
brought so far plus their predicted margin (``clv_margin``); a new customer without a purchase
is worth 0. Without costs, revenue and ``clv`` are used and the table says so. The ratio is
shown only where spend exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from workbench import measures
from workbench.data.loader import Dataset
from workbench.segmentation.keys import joined, positions, recode, take_aligned, unique_by_id
from workbench.segmentation.params import SegmentationParams
from workbench.segmentation.rfm import Prepared
from workbench.segmentation.rfm import codes as rfm_codes
from workbench.segmentation.rfm import ids as rfm_ids

PROFILE_KEYS = ("region", "industry", "acquisition_channel_id")


def attributes(prep: Prepared, rfm: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """Region, industry, acquisition channel (id and name) and customer name per customer of ``rfm``.

    Returns
    -------
    DataFrame
        ``customer_id``, ``name``, ``region``, ``industry``, ``acquisition_channel_id``,
        ``acquisition_channel`` (channel name, else the id); missing values stay NaN. The
        frame's ``attrs["source"]`` says where each attribute came from (customers / orders / none).
    """
    out = rfm[["customer_id"]].copy()
    source = {}
    cust = unique_by_id(ds["customers"]) if ds.has("customers") else None
    at = positions(out["customer_id"], cust.index) if cust is not None else None  # looked up once
    lines = prep.lines
    for col in ("name", "region", "industry", "acquisition_channel_id"):
        if cust is not None and col in cust and cust[col].notna().any():
            out[col] = take_aligned(cust[col], at).set_axis(out.index)  # out["customer_id"].map(cust[col])
            source[col] = "customers"
        else:
            out[col] = pd.Series(np.nan, index=out.index, dtype="str")
            source[col] = "none"
    if source["region"] == "none" and "region" in lines and lines["region"].notna().any():
        known = lines.dropna(subset=["region"])
        counts = known.groupby([rfm_codes(known), known["region"].to_numpy()]).size().rename("n").reset_index()
        counts.columns = ["code", "region", "n"]
        counts["customer_id"] = rfm_ids(lines, counts["code"]).to_numpy()
        counts = counts.sort_values(["customer_id", "n", "region"], ascending=[True, False, True])
        top = counts.drop_duplicates("customer_id").set_index("customer_id")["region"]
        out["region"] = out["customer_id"].map(top)
        source["region"] = "orders"
    if source["acquisition_channel_id"] == "none":
        buys = prep.orders.loc[prep.orders["is_purchase"] & prep.orders["channel_id"].notna()]
        if len(buys):
            first = buys.sort_values(["customer_id", "order_date", "order_key"]).drop_duplicates("customer_id")
            first = first.assign(customer_id=first["customer_id"].astype("str")).set_index("customer_id")
            out["acquisition_channel_id"] = take_aligned(first["channel_id"],
                                                         positions(out["customer_id"], first.index)) \
                .set_axis(out.index)
            source["acquisition_channel_id"] = "orders"
    names = {}
    if ds.has_column("channels", "name"):
        names = ds["channels"].drop_duplicates("channel_id").set_index("channel_id")["name"].to_dict()
    for col in ("name", "region", "industry", "acquisition_channel_id"):
        out[col] = out[col].astype("str")
    out["acquisition_channel"] = recode(out["acquisition_channel_id"], lambda c: names.get(c, c)).astype("str")
    out.attrs["source"] = source
    return out


def profile_by(by: str, attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame,
               params: SegmentationParams) -> pd.DataFrame:
    """Customers, revenue, CLV and the share of top-tier customers per value of one attribute.

    Parameters
    ----------
    by : {"region", "industry", "acquisition_channel"}
        The attribute.
    attrs, rfm, value : DataFrame
        From :func:`attributes`, :func:`~workbench.segmentation.rfm.rfm_table` and
        :func:`~workbench.segmentation.clv.value_tiers`.
    params : SegmentationParams
        ``min_group_size`` and the top tier's name.

    Returns
    -------
    DataFrame
        ``group``, ``customers``, ``share_customers``, ``revenue``, ``share_revenue``,
        ``revenue_per_customer``, ``clv_per_customer``, ``vip_customers``, ``vip_share``,
        ``vip_ci_low``, ``vip_ci_high`` (95% Wilson), ``small_group``; largest revenue first.
        Customers without the attribute form the group ``(unknown)``. Empty when nobody has it.
    """
    if by not in attrs or attrs[by].isna().all():
        return pd.DataFrame()
    top_tier = params.tier_names[0]
    df = joined([(attrs, [by]), (rfm, ["monetary"]), (value, ["clv", "tier"])])
    df["group"] = df[by].fillna("(unknown)").astype("str")
    df["is_top"] = df["tier"] == top_tier
    g = df.groupby("group", sort=False)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["monetary"].sum(),
                        "clv_total": g["clv"].sum(min_count=1), "vip_customers": g["is_top"].sum()})
    out["share_customers"] = out["customers"] / out["customers"].sum()
    total = out["revenue"].clip(lower=0).sum()
    out["share_revenue"] = out["revenue"] / total if total > 0 else np.nan
    out["revenue_per_customer"] = out["revenue"] / out["customers"]
    out["clv_per_customer"] = out["clv_total"] / out["customers"]
    out["vip_share"] = out["vip_customers"] / out["customers"]
    lo, hi = proportion_confint(out["vip_customers"].to_numpy(), out["customers"].to_numpy(), alpha=0.05,
                                method="wilson")
    out["vip_ci_low"], out["vip_ci_high"] = lo, hi
    out["small_group"] = out["customers"] < params.min_group_size
    out = out.rename_axis("group").reset_index().sort_values(["revenue", "group"], ascending=[False, True])
    out["vip_customers"] = out["vip_customers"].astype("int64")
    return out[["group", "customers", "share_customers", "revenue", "share_revenue", "revenue_per_customer",
                "clv_per_customer", "vip_customers", "vip_share", "vip_ci_low", "vip_ci_high",
                "small_group"]].reset_index(drop=True)


def segment_channel(attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame) -> pd.DataFrame:
    """RFM segment x acquisition channel: customers, net revenue, margin and CLV (long form).

    Returns
    -------
    DataFrame
        ``rfm_segment``, ``acquisition_channel``, ``customers``, ``revenue``, ``margin``, ``clv``.
    """
    df = joined([(rfm, ["rfm_segment", "monetary", "margin"]), (attrs, ["acquisition_channel"]), (value, ["clv"])])
    df["acquisition_channel"] = df["acquisition_channel"].fillna("(unknown)").astype("str")
    g = df.groupby(["rfm_segment", "acquisition_channel"], sort=True)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["monetary"].sum(),
                        "margin": g["margin"].sum(min_count=1), "clv": g["clv"].sum(min_count=1)})
    return out.reset_index()


def channel_value(prep: Prepared, attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame, ds: Dataset,
                  params: SegmentationParams) -> pd.DataFrame:
    """Revenue, margin and CLV per acquisition channel; CAC and CLV / CAC where spend exists.

    Returns
    -------
    DataFrame
        ``acquisition_channel_id``, ``acquisition_channel``, ``customers``, ``revenue``, ``margin``,
        ``clv``, ``clv_margin``, ``clv_per_customer``, ``new_customers`` (acquired within
        ``cac_window``), ``spend``, ``cac``, ``value_per_new_customer``, ``clv_cac``,
        ``cac_window`` (``2025-11..2026-10``), ``small_group``. ``attrs["value_basis"]`` is ``margin`` or ``revenue``.
    """
    df = joined([(attrs, ["acquisition_channel_id", "acquisition_channel"]),
                 (rfm, ["monetary", "margin", "first_purchase"]), (value, ["clv", "clv_margin"])])
    df["acquisition_channel_id"] = df["acquisition_channel_id"].fillna("(unknown)").astype("str")
    df["acquisition_channel"] = df["acquisition_channel"].fillna(df["acquisition_channel_id"]).astype("str")
    g = df.groupby(["acquisition_channel_id", "acquisition_channel"], sort=True)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["monetary"].sum(), "margin": g["margin"].sum(min_count=1),
                        "clv": g["clv"].sum(min_count=1), "clv_margin": g["clv_margin"].sum(min_count=1)})
    out = out.reset_index()
    out["clv_per_customer"] = out["clv"] / out["customers"]
    use_margin = df["margin"].notna().any() and df["clv_margin"].notna().any()
    for c in ("new_customers", "spend", "cac", "value_per_new_customer", "clv_cac"):
        out[c] = np.nan
    out["cac_window"] = ""
    if ds.has("spend") and prep.analysis_date is not None:
        # CAC has one definition, shared with the channel report: workbench.measures.cac
        window = measures.complete_months(prep.analysis_date, measures.CAC_MONTHS)
        sp, _ = measures.monthly_spend(ds["spend"])
        acq = measures.acquisitions(ds["customers"] if ds.has("customers") else None,
                                    ds["orders"] if ds.has("orders") else None)
        c = measures.cac(sp, acq, window).set_index("channel_id")
        if len(c):
            lo, hi = str(window[0]), str(window[1])
            new = acq.loc[(acq["month"] >= lo) & (acq["month"] <= hi), ["customer_id", "channel_id"]]
            cur, fut = ("margin", "clv_margin") if use_margin else ("monetary", "clv")
            worth = df.set_index(df["customer_id"].astype("str"))[[cur, fut]].fillna(0).sum(axis=1)
            # a customer acquired without a purchase yet is worth nothing so far, not left out
            worth_new = take_aligned(worth, positions(new["customer_id"], worth.index)).to_numpy()
            value = new.assign(v=pd.Series(worth_new, index=new.index).fillna(0.0)).groupby("channel_id")["v"].sum()
            idx = out["acquisition_channel_id"]
            out["spend"] = idx.map(c["spend"]).astype(float)
            out["new_customers"] = idx.map(c["new_customers"]).fillna(0).where(out["spend"].notna())
            n_new = out["new_customers"].where(out["new_customers"] > 0)
            out["cac"] = idx.map(c["cac"]).astype(float)
            out["value_per_new_customer"] = idx.map(value).fillna(0.0) / n_new
            out["clv_cac"] = out["value_per_new_customer"] / out["cac"]
            out["cac_window"] = measures.window_text(window)
    out["small_group"] = (out["customers"] < params.min_group_size) | (
        out["new_customers"].notna() & (out["new_customers"] < params.min_group_size))
    out = out.sort_values(["revenue", "acquisition_channel_id"], ascending=[False, True]).reset_index(drop=True)
    out.attrs["value_basis"] = "margin" if use_margin else "revenue"
    out.attrs["acquired_from"] = "created_date" if ds.has_column("customers", "created_date") else "first_purchase"
    return out
