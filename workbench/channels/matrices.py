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

from workbench.channels import codes
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
                   as_of: pd.Timestamp | None = None, top: int = 16, *, lines: WindowLines | None = None) -> Matrix:
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
    lines : WindowLines, optional
        The window's order lines as codes (:func:`window_lines`), shared by the three matrices.

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
    w = lines if lines is not None else window_lines(orders, params, as_of)
    mask = w.mask
    keyed = _key(tables, orders, mask, dimension, params, notes)
    if keyed is None:
        return empty
    k_code, k_values, column = keyed
    # integer codes: channel, key (values beyond the top ones pooled as "(other)") and order, computed on the
    # whole table once (workbench.channels.codes) and masked to the window
    k_names = [str(k) for k in k_values] + ["(none)"]
    k_code = np.where(k_code < 0, len(k_names) - 1, k_code)
    amount = w.amount
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
    long = _revenue_orders(w, labels, k_code)
    tot = long.groupby("channel_id")["revenue"].transform("sum")
    long["share"] = long["revenue"] / tot.where(tot != 0)
    names = channel_names(tables)
    order = keep + (["(other)"] if pooled else [])
    wide = long.pivot(index="channel_id", columns="key", values="share").reindex(columns=order)
    per_ch = long.groupby("channel_id")[["revenue"]].sum()
    per_ch["orders"] = w.orders_per_channel()
    wide = per_ch.join(wide).sort_values("revenue", ascending=False).reset_index()
    wide.insert(1, "channel_name", wide["channel_id"].map(lambda c: names.get(c, "")))
    return Matrix(dimension, column, long, wide, notes)


@dataclass
class WindowLines:
    """The order lines of the matrices' window as integer codes (built once for the three matrices).

    ``mask`` selects the window's lines of ``orders`` (None: all), ``channel`` and ``order`` are
    their channel and order codes (a missing order id is -1, one value), ``channel_names`` the
    ids of the channel codes, ``amount`` their amounts.
    """

    mask: np.ndarray | None
    channel: np.ndarray
    channel_names: np.ndarray
    amount: np.ndarray
    order: np.ndarray
    _per_channel: pd.Series | None = None

    @property
    def width(self) -> int:
        """One more than the largest order code + 1: ``channel * width + order + 1`` numbers the pairs."""
        return int(self.order.max(initial=0)) + 2

    def orders_per_channel(self) -> pd.Series:
        """Distinct orders per channel id (``groupby("channel_id")["order"].nunique()``)."""
        if self._per_channel is None:
            n = len(self.channel_names)
            pairs = codes.distinct(self.channel * self.width + (self.order + 1))
            per_ch = np.bincount(pairs // self.width, minlength=n)
            seen = np.flatnonzero(np.bincount(self.channel, minlength=n) > 0)
            self._per_channel = pd.Series(per_ch[seen].astype(np.int64), name="order",
                                          index=pd.Index(self.channel_names[seen], name="channel_id")).sort_index()
        return self._per_channel


def window_lines(orders: pd.DataFrame, params: ChannelParams, as_of: pd.Timestamp | None) -> WindowLines:
    """The lines of the ``trend_months`` months up to ``as_of`` (all lines without it) as :class:`WindowLines`."""
    mask = None
    if as_of is not None:
        start = (as_of.to_period("M") - (params.trend_months - 1)).start_time
        dates = orders["order_date"]
        mask = ((dates >= start) & (dates <= as_of + pd.Timedelta(days=1))).to_numpy()
    ch_code, ch_names = channel_codes(orders["channel_id"], mask)
    amount = orders["amount"].to_numpy(dtype=float)
    order = codes.factorize(orders["order_id"])[0]
    if mask is not None:
        amount, order = amount[mask], order[mask]
    return WindowLines(mask, ch_code, np.asarray(ch_names, dtype=object), amount, order)


def _revenue_orders(w: WindowLines, labels: np.ndarray, k_code: np.ndarray) -> pd.DataFrame:
    """Revenue and distinct orders per (channel, label), from integer codes.

    The same frame as ``groupby(["channel_id", "key"], sort=True)`` of the lines with ``amount.sum()``
    and ``order.nunique()`` (``channel_id, key, revenue, orders``, sorted by channel and label):
    each group's revenue is summed by pandas over its lines in their order, as there.
    """
    lab_code, lab_names = pd.factorize(labels)
    n_lab = max(len(lab_names), 1)
    group = w.channel * n_lab + lab_code[k_code]
    revenue = pd.Series(w.amount).groupby(group, sort=True).sum()
    gid = revenue.index.to_numpy()
    pairs = codes.distinct(group * w.width + (w.order + 1))  # a missing order id counts as one value, as nunique's
    n_orders = np.bincount(pairs // w.width, minlength=int(gid.max(initial=0)) + 1)[gid]
    long = pd.DataFrame({"channel_id": w.channel_names[gid // n_lab],
                         "key": np.asarray(lab_names, dtype=object)[gid % n_lab],
                         "revenue": revenue.to_numpy(), "orders": n_orders.astype(np.int64)})
    return long.sort_values(["channel_id", "key"], kind="stable").reset_index(drop=True)


DIM_ZH = {"product": "产品", "segment": "客户细分", "region": "区域"}


def _key(tables, orders, mask, dimension, params, notes):
    """The dimension's value of each line in ``mask``: codes and values as ``pd.factorize`` gives them.

    Returns ``(codes, values, column)`` (codes -1 where the line has no value), or None with a note.
    """
    if dimension == "product":
        if "product_id" not in orders or not (_rows_codes(orders["product_id"], mask) >= 0).any():
            notes.append(Note("Orders carry no product_id: no channel × product matrix.",
                              "订单没有 product_id：无法生成渠道 × 产品矩阵。"))
            return None
        prods = tables.get("products")
        if prods is not None and "category" in prods and prods["category"].notna().any():
            return (*_mapped(orders["product_id"], mask, prods.set_index("product_id")["category"]), "category")
        return (*_mapped(orders["product_id"], mask), "product_id")
    cust = tables.get("customers")
    if dimension == "segment":
        col = params.segment_column
        if cust is None or col not in cust or cust[col].notna().sum() == 0:
            notes.append(Note("customers.{col} is absent or empty: no channel × segment matrix "
                              "(set segment_column to another customers column).",
                              "customers.{col} 缺失或为空：无法生成渠道 × 客户细分矩阵（可用 segment_column 指定其他字段）。",
                              {"col": col}))
            return None
        return (*_mapped(orders["customer_id"], mask, cust.set_index("customer_id")[col], cached=False), col)
    # region: the order's own region, else the customer's
    region = orders["region"] if "region" in orders else pd.Series(pd.NA, index=orders.index, dtype="str")
    code, values = _mapped(region, mask, cached=False)
    if cust is not None and "region" in cust and (code < 0).any():  # only the lines without a region of their own
        gap = np.flatnonzero(code < 0)
        rows = gap if mask is None else np.flatnonzero(mask)[gap]
        by_cust = map_values(orders["customer_id"].iloc[rows].reset_index(drop=True),
                             cust.set_index("customer_id")["region"]).to_numpy(dtype=object)
        code, values = _merged(code, values, gap, by_cust)
    if not (code >= 0).any():
        notes.append(Note("No region on orders or customers: no channel × region matrix.",
                          "订单和客户都没有区域：无法生成渠道 × 区域矩阵。"))
        return None
    return code, values, "region"


def _rows_codes(col: pd.Series, mask: np.ndarray | None) -> np.ndarray:
    full = codes.factorize(col)[0]
    return full if mask is None else full[mask]


def _mapped(col: pd.Series, mask: np.ndarray | None, mapping=None, cached: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(map_values(col[mask], mapping))`` (or of ``col[mask]``), from integer codes.

    The codes of ``col[mask]`` come from the column's cached codes (``cached``: columns that other
    sections factorize too) or from factorizing those rows. The column's distinct values among the
    rows are mapped once (:func:`map_values`, with a missing value among them when some row has
    none, so the mapped values get the dtype the whole column would); equal mapped values share a
    code, numbered in the order they first appear among the rows.
    """
    if cached:
        sub, uniques = codes.subset(*codes.factorize(col), mask)
    else:
        sub, uniques = pd.factorize(col if mask is None else col[mask], use_na_sentinel=True)
        sub = np.asarray(sub, dtype=np.int64)
    if mapping is None:
        return sub, uniques
    if isinstance(mapping, pd.Series) and codes.is_text(mapping):  # text values: map codes, not values
        value_code, value_names = codes.factorize(mapping)
        pos = codes.lookup(uniques, mapping.index)
        key = np.where(pos >= 0, value_code[np.maximum(pos, 0)], -1) if len(pos) else np.empty(0, dtype=np.int64)
        row = np.where(sub >= 0, key[np.maximum(sub, 0)], -1) if len(key) else np.full(len(sub), -1)
        return codes.subset(row, value_names, None)
    distinct = pd.Series(list(uniques) + ([None] if (sub < 0).any() else []), dtype=col.dtype)
    mapped = map_values(distinct, mapping)
    canon, values = pd.factorize(mapped, use_na_sentinel=True)
    row = np.asarray(canon, dtype=np.int64)[np.where(sub >= 0, sub, len(distinct) - 1)] if len(distinct) else sub
    local, first = pd.factorize(row, use_na_sentinel=True)
    keep = np.asarray(first) >= 0
    if not keep.all():  # missing mapped values: back to -1, the others renumbered in order
        gone = int(np.flatnonzero(~keep)[0])
        local = np.where(local == gone, -1, np.where(local > gone, local - 1, local))
    return np.asarray(local, dtype=np.int64), np.asarray(values, dtype=object)[np.asarray(first)[keep]]


def _merged(code: np.ndarray, values: np.ndarray, gap: np.ndarray, fill: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a column whose missing rows ``gap`` take the values ``fill``, numbered as ``pd.factorize`` would."""
    own = np.asarray(values, dtype=object)
    table = pd.Index(own)
    extra, extra_values = pd.factorize(pd.Series(fill, dtype=object), use_na_sentinel=True)
    extra_values = np.asarray(extra_values, dtype=object)
    at = table.get_indexer(extra_values) if len(extra_values) else np.empty(0, dtype=np.int64)
    new = at < 0
    joint = np.where(new, len(own) + np.cumsum(new) - 1, at)  # id of each fill value among own + new values
    row = code.copy()
    row[gap] = np.where(extra >= 0, joint[np.maximum(extra, 0)], -1) if len(extra_values) else -1
    local, first = pd.factorize(row, use_na_sentinel=True)
    first = np.asarray(first)
    keep = first >= 0
    if not keep.all():
        gone = int(np.flatnonzero(~keep)[0])
        local = np.where(local == gone, -1, np.where(local > gone, local - 1, local))
    everything = np.concatenate([own, extra_values[new]])
    return np.asarray(local, dtype=np.int64), everything[first[keep]]


# ----------------------------------------------------------------------------- inventory


def _units_sold(orders: pd.DataFrame, snap: pd.DataFrame, window_days: int) -> np.ndarray:
    """Units sold of each ``snap`` row (channel, product) in the ``window_days`` up to its channel's snapshot.

    Order lines with a positive quantity dated in ``(snapshot - window, snapshot]``, summed per
    channel and product by pandas in the lines' order (the sums a merge on the channel and a
    ``groupby`` of the text keys gave), on the columns' integer codes; 0 where none was sold.
    """
    ch_code, ch_values = codes.factorize(orders["channel_id"])
    pr_code, pr_values = codes.factorize(orders["product_id"])
    day = orders["order_date"].to_numpy()
    last = snap.drop_duplicates("channel_id").set_index("channel_id")["snapshot"]
    at = codes.lookup(pd.Index(ch_values), last.index)
    snapshot = np.append(np.where(at >= 0, last.to_numpy().astype(day.dtype)[np.maximum(at, 0)], np.datetime64("NaT")),
                         np.datetime64("NaT")).astype(day.dtype)  # the last entry: lines without a channel
    line_snap = snapshot[np.where(ch_code >= 0, ch_code, len(snapshot) - 1)]
    sold = ((orders["quantity"] > 0).to_numpy() & (day > line_snap - np.timedelta64(window_days, "D"))
            & (day <= line_snap) & (pr_code >= 0))
    n_pr = max(len(pr_values), 1)
    pair = ch_code[sold] * n_pr + pr_code[sold]
    units = pd.Series(orders["quantity"].to_numpy(dtype=float)[sold]).groupby(pair).sum()
    ch_at = codes.lookup(pd.Index(snap["channel_id"]), pd.Index(ch_values))
    pr_at = codes.lookup(pd.Index(snap["product_id"]), pd.Index(pr_values))
    want = np.where((ch_at >= 0) & (pr_at >= 0), ch_at * n_pr + pr_at, -1)
    return units.reindex(want).fillna(0.0).to_numpy(dtype=float)



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
    sku = snap.assign(units_sold=_units_sold(orders, snap, params.cover_window_days))
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
