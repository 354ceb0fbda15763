"""Channel × product, segment and region matrices, and channel inventory: sell-through, stock cover, overstock.

Matrices share revenue of each channel over the values of a dimension (rows sum to 1), with
the order counts behind every cell so that a thin cell reads as thin.

Inventory uses the latest snapshot of each channel (``inventory.date``). Units sold come from
order lines with a positive quantity in the ``cover_window_days`` before that snapshot:

stock cover (months)
    ``on_hand / (units sold in the window / window months)``; infinite with stock and no sales.
sell-through
    ``units sold / (units sold + on_hand)`` over the window.
overstock
    cover above ``overstock_months``, or stock with no sales in the window.

When the snapshot is older than ``inventory_stale_days`` before the analysis date, the
figures describe that day, not today, and the report says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.channels.economics import channel_codes
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import Note, channel_names, map_values
from workbench.reporting import share

log = logging.getLogger(__name__)

DIMENSIONS = ("product", "segment", "region")


@dataclass
class Matrix:
    """Revenue of each channel split over one dimension."""

    dimension: str
    column: str
    long: pd.DataFrame
    wide: pd.DataFrame
    notes: list[Note] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return not self.long.empty


def channel_matrix(tables: dict[str, pd.DataFrame], dimension: str, params: ChannelParams,
                   as_of: pd.Timestamp | None = None, top: int = 16) -> Matrix:
    """Revenue share of each channel over products (category), customer segments or regions.

    Parameters
    ----------
    tables : dict of str to DataFrame
        ``orders`` with ``channel_id``; ``products`` (category), ``customers`` (segment, region).
    dimension : {"product", "segment", "region"}
    params : ChannelParams
        ``segment_column`` (the customers column used as segment), ``trend_months`` (window).
    as_of : Timestamp, optional
        Only the ``trend_months`` months up to it are used.
    top : int
        The largest values by revenue get their own column; the rest are pooled as ``(other)``.

    Returns
    -------
    Matrix
        ``long``: ``channel_id, key, revenue, orders, share`` (of the channel's revenue);
        ``wide``: one row per channel, ``channel_id, channel_name, revenue, orders`` and one share
        column per value.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"Invalid dimension: {dimension!r}. Valid options are: {', '.join(DIMENSIONS)}")
    notes: list[Note] = []
    empty = Matrix(dimension, "", pd.DataFrame(), pd.DataFrame(), notes)
    orders = tables.get("orders")
    if orders is None or orders.empty or "channel_id" not in orders:
        notes.append(Note("No orders with a channel: the channel × {dim} matrix is not available.",
                          "没有带渠道的订单：无法生成渠道 × {dim_zh} 矩阵。",
                          {"dim": dimension, "dim_zh": DIM_ZH[dimension]}))
        return empty
    o = orders
    if as_of is not None:
        start = (as_of.to_period("M") - (params.trend_months - 1)).start_time
        o = o.loc[(o["order_date"] >= start) & (o["order_date"] <= as_of + pd.Timedelta(days=1))]
    key, column = _key(tables, o, dimension, params, notes)
    if key is None:
        return empty
    # integer codes: channel, key (values beyond the top ones pooled as "(other)") and order
    ch_code, ch_names = channel_codes(o["channel_id"])
    k_code, k_names = pd.factorize(key, use_na_sentinel=True)
    k_names = [str(k) for k in k_names] + ["(none)"]
    k_code = np.where(k_code < 0, len(k_names) - 1, k_code)
    amount = o["amount"].to_numpy(dtype=float)
    missing = float((k_code == len(k_names) - 1).mean())
    if missing > 0.05:
        notes.append(Note("{share} of order lines have no {dim}; they are shown as (none).",
                          "{share} 的订单行缺少{dim_zh}，显示为（无）。",
                          {"share": share(missing, digits=0), "dim": dimension, "dim_zh": DIM_ZH[dimension]}))
    rev_by_key = pd.Series(np.bincount(k_code, weights=amount, minlength=len(k_names)), index=k_names)
    rev_by_key = rev_by_key.loc[np.bincount(k_code, minlength=len(k_names)) > 0].sort_values(ascending=False)
    keep = list(rev_by_key.index[:top])
    pooled = len(rev_by_key) > top
    labels = np.array([k if k in set(keep) else "(other)" for k in k_names], dtype=object)
    ord_code = pd.factorize(o["order_id"])[0].astype(np.int64)
    d = pd.DataFrame({"channel_id": np.asarray(ch_names, dtype=object)[ch_code], "key": labels[k_code],
                      "amount": amount, "order": ord_code})
    g = d.groupby(["channel_id", "key"], sort=True)
    long = pd.DataFrame({"revenue": g["amount"].sum(), "orders": g["order"].nunique()}).reset_index()
    tot = long.groupby("channel_id")["revenue"].transform("sum")
    long["share"] = long["revenue"] / tot.where(tot != 0)
    names = channel_names(tables)
    order = keep + (["(other)"] if pooled else [])
    wide = long.pivot(index="channel_id", columns="key", values="share").reindex(columns=order)
    per_ch = long.groupby("channel_id")[["revenue"]].sum()
    per_ch["orders"] = d.groupby("channel_id")["order"].nunique()
    wide = per_ch.join(wide).sort_values("revenue", ascending=False).reset_index()
    wide.insert(1, "channel_name", wide["channel_id"].map(lambda c: names.get(c, "")))
    return Matrix(dimension, column, long, wide, notes)


DIM_ZH = {"product": "产品", "segment": "客户细分", "region": "区域"}


def _key(tables, o, dimension, params, notes):
    if dimension == "product":
        if "product_id" not in o or o["product_id"].notna().sum() == 0:
            notes.append(Note("Orders carry no product_id: no channel × product matrix.",
                              "订单没有 product_id：无法生成渠道 × 产品矩阵。"))
            return None, ""
        prods = tables.get("products")
        if prods is not None and "category" in prods and prods["category"].notna().any():
            cat = map_values(o["product_id"], prods.set_index("product_id")["category"])
            return cat, "category"
        return o["product_id"], "product_id"
    cust = tables.get("customers")
    if dimension == "segment":
        col = params.segment_column
        if cust is None or col not in cust or cust[col].notna().sum() == 0:
            notes.append(Note("customers.{col} is absent or empty: no channel × segment matrix "
                              "(set segment_column to another customers column).",
                              "customers.{col} 缺失或为空：无法生成渠道 × 客户细分矩阵（可用 segment_column 指定其他字段）。",
                              {"col": col}))
            return None, ""
        return map_values(o["customer_id"], cust.set_index("customer_id")[col]), col
    # region: the order's own region, else the customer's
    reg = o["region"] if "region" in o else pd.Series(pd.NA, index=o.index, dtype="str")
    if cust is not None and "region" in cust:
        gap = reg.isna().to_numpy()
        if gap.any():  # only the lines without a region of their own
            reg = reg.astype("object")
            reg.loc[gap] = map_values(o.loc[gap, "customer_id"], cust.set_index("customer_id")["region"]).to_numpy()
    if reg.notna().sum() == 0:
        notes.append(Note("No region on orders or customers: no channel × region matrix.",
                          "订单和客户都没有区域：无法生成渠道 × 区域矩阵。"))
        return None, ""
    return reg, "region"


# ----------------------------------------------------------------------------- inventory


@dataclass
class Inventory:
    """Stock cover and sell-through at each channel's latest snapshot."""

    by_channel: pd.DataFrame
    by_sku: pd.DataFrame
    snapshot: pd.Timestamp | None
    stale: bool
    age_days: int
    notes: list[Note] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return not self.by_channel.empty


def inventory_cover(tables: dict[str, pd.DataFrame], params: ChannelParams, as_of: pd.Timestamp) -> Inventory:
    """Sell-through, stock cover and overstock per channel and product at the latest snapshot.

    Returns
    -------
    Inventory
        ``by_sku``: ``channel_id, product_id, snapshot, on_hand, units_sold, units_per_month,
        cover_months, sell_through, overstock``; ``by_channel``: the same summed per channel with
        ``skus, overstock_skus, overstock_units``.
    """
    notes: list[Note] = []
    inv = tables.get("inventory")
    if inv is None or inv.empty:
        notes.append(Note("No inventory table: sell-through and stock cover are not available.",
                          "未提供库存表：无法计算动销率与库存可售月数。"))
        return Inventory(pd.DataFrame(), pd.DataFrame(), None, False, 0, notes)
    inv = inv.loc[inv["date"].notna() & (inv["date"] <= as_of + pd.Timedelta(days=1))]
    if inv.empty:
        notes.append(Note("No inventory snapshot on or before the analysis date.", "分析基准日前没有库存快照。"))
        return Inventory(pd.DataFrame(), pd.DataFrame(), None, False, 0, notes)
    last = inv.groupby("channel_id")["date"].transform("max")
    snap = inv.loc[inv["date"] == last].groupby(["channel_id", "product_id"], as_index=False).agg(
        snapshot=("date", "max"), on_hand=("on_hand", "sum"))
    latest = pd.Timestamp(snap["snapshot"].max())
    age = int((as_of - latest).days)
    stale = age > params.inventory_stale_days
    if stale:
        notes.append(Note(
            "Inventory is stale: the latest snapshot is {date}, {days} days before the analysis date {as_of}. "
            "Stock cover and sell-through below describe {date}, measured against the {window} days of sales "
            "before it — not today's stock.",
            "库存数据已过期：最新快照为 {date}，比分析基准日 {as_of} 早 {days} 天。以下库存可售月数与动销率反映的是 "
            "{date} 的状况（以其前 {window} 天的销量计），而非当前库存。",
            {"date": latest, "days": age, "as_of": as_of, "window": params.cover_window_days}, "warning"))
    orders = tables.get("orders")
    if orders is None or "quantity" not in orders or "product_id" not in orders:
        notes.append(Note("Orders carry no quantity or product_id: stock cover cannot be computed.",
                          "订单没有数量或 product_id：无法计算库存可售月数。"))
        return Inventory(pd.DataFrame(), pd.DataFrame(), latest, stale, age, notes)
    o = orders.loc[orders["quantity"] > 0, ["channel_id", "product_id", "order_date", "quantity"]]
    o = o.merge(snap[["channel_id", "snapshot"]].drop_duplicates(), on="channel_id")
    o = o.loc[(o["order_date"] > o["snapshot"] - pd.Timedelta(days=params.cover_window_days))
              & (o["order_date"] <= o["snapshot"])]
    sold = o.groupby(["channel_id", "product_id"])["quantity"].sum().rename("units_sold")
    sku = snap.merge(sold.reset_index(), on=["channel_id", "product_id"], how="left")
    sku["units_sold"] = sku["units_sold"].fillna(0.0)
    months = params.cover_window_days / 30.4375
    sku["units_per_month"] = sku["units_sold"] / months
    sku["cover_months"] = np.where(sku["units_per_month"] > 0, sku["on_hand"] / sku["units_per_month"].where(
        sku["units_per_month"] > 0), np.where(sku["on_hand"] > 0, np.inf, np.nan))
    denom = sku["units_sold"] + sku["on_hand"]
    sku["sell_through"] = sku["units_sold"] / denom.where(denom > 0)
    sku["overstock"] = (sku["cover_months"] > params.overstock_months) & (sku["on_hand"] > 0)
    sku = sku.sort_values(["overstock", "cover_months"], ascending=[False, False]).reset_index(drop=True)
    names = channel_names(tables)
    sku.insert(1, "channel_name", sku["channel_id"].map(lambda c: names.get(c, "")))
    g = sku.groupby("channel_id")
    ch = pd.DataFrame({"snapshot": g["snapshot"].max(), "skus": g.size(), "on_hand": g["on_hand"].sum(),
                       "units_sold": g["units_sold"].sum(), "overstock_skus": g["overstock"].sum(),
                       "overstock_units": sku.loc[sku["overstock"]].groupby("channel_id")["on_hand"].sum()})
    ch["overstock_units"] = ch["overstock_units"].fillna(0.0)
    ch["units_per_month"] = ch["units_sold"] / months
    ch["cover_months"] = ch["on_hand"] / ch["units_per_month"].where(ch["units_per_month"] > 0)
    ch["sell_through"] = ch["units_sold"] / (ch["units_sold"] + ch["on_hand"]).where(ch["units_sold"] + ch["on_hand"] > 0)
    ch["overstock"] = ch["cover_months"] > params.overstock_months
    ch = ch.reset_index()
    ch.insert(1, "channel_name", ch["channel_id"].map(lambda c: names.get(c, "")))
    ch["overstock_skus"] = ch["overstock_skus"].astype("int64")
    return Inventory(ch.sort_values("cover_months", ascending=False).reset_index(drop=True), sku, latest, stale,
                     age, notes)
