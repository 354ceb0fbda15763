"""Channel economics per channel and period: revenue, margin, orders, AOV, new customers, spend, CAC, ROI, ROAS.

Definitions (``period`` is a month or a quarter; money in the dataset's currency):

revenue
    Sum of order-line ``amount`` (returns and credit notes are negative lines, so this is net).
gross_margin
    ``revenue - cost`` over the lines whose cost is known (``orders.cost``, else
    ``quantity × products.unit_cost``); ``margin_rate = gross_margin / revenue`` of those lines.
orders
    Distinct ``order_id`` with a positive line; ``aov`` = positive sales / orders.
new_customers
    Customers whose ``created_date`` falls in the period, by ``acquisition_channel_id``; without
    those columns, customers whose first order falls in the period, by the channel of that order
    (the data's first period is left out then: everybody looks new in it).
spend, cac, roi, roas
    ``spend`` from the spend table (a coarser spend period is spread evenly over its months);
    ``cac = spend / new_customers``; ``roi = (gross_margin - spend) / spend``; ``roas = revenue / spend``.

Without an ``orders`` table, revenue is the amount of leads won in the period (by close date),
orders are those wins, and margin is unknown.

Trends are fitted per channel on the last ``trend_months`` complete months: an OLS line
through ``log(monthly revenue)``, reported as growth per month with its 95 % interval.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS  # not statsmodels.api: it imports much more
from statsmodels.tools.tools import add_constant

from workbench import measures
from workbench.channels import codes, memo
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, LeadData, Note, channel_names

log = logging.getLogger(__name__)

ECONOMICS_COLUMNS = ["channel_id", "channel_name", "revenue", "gross_margin", "margin_rate", "orders", "aov",
                     "new_customers", "spend", "cac", "roi", "roas", "revenue_growth", "growth_ci_low",
                     "growth_ci_high"]
"""Summary columns shown in the report."""

MONEY = {"revenue", "gross_margin", "aov", "spend", "cac", "value", "benchmark_value_money"}


@dataclass
class Economics:
    """Channel economics: the long table per channel and period, a summary, and notes."""

    table: pd.DataFrame
    summary: pd.DataFrame
    window: tuple[str, str] | None
    notes: list[Note] = field(default_factory=list)
    source: str = "orders"


def _period_key(dates: pd.Series, freq: str) -> pd.Series:
    return dates.dt.to_period(freq).astype("str")


def month_index(dates: pd.Series) -> np.ndarray:
    """``year * 12 + month - 1`` of each date (an integer month key)."""
    return codes.month_index(dates)


def month_str(index: np.ndarray) -> np.ndarray:
    """``YYYY-MM`` of integer month keys (see :func:`month_index`)."""
    index = np.asarray(index, dtype=np.int64)
    uniq, inv = np.unique(index, return_inverse=True)
    text = np.array([f"{u // 12:04d}-{u % 12 + 1:02d}" for u in uniq], dtype=object)
    return text[inv] if len(index) else np.array([], dtype=object)


def channel_codes(channel: pd.Series, mask: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """Integer codes of channel ids and the ids they stand for (missing -> ``(unknown)``).

    ``mask`` (optional) keeps some rows: the codes are then those of ``channel[mask]``, numbered
    as ``pd.factorize`` numbers them, from the column's cached codes (:mod:`workbench.channels.codes`).
    """
    full, uniques = codes.factorize(channel)
    sub, uniques = codes.subset(full, uniques, mask) if mask is not None else (full, uniques)
    names = [str(u) for u in uniques] + [UNKNOWN]
    return np.where(sub < 0, len(names) - 1, sub).astype(np.int64), names


def spend_by_month(spend: pd.DataFrame) -> tuple[pd.DataFrame, list[Note]]:
    """Spend per ``channel_id`` and month (``YYYY-MM``); quarters and years spread evenly over their months.

    The one implementation is :func:`workbench.measures.monthly_spend`; this adds the report's note.

    Returns
    -------
    DataFrame
        ``channel_id, month, spend``.
    list of Note
    """
    out, coarse = measures.monthly_spend(spend)
    notes: list[Note] = []
    if coarse:
        notes.append(Note("{n} spend row(s) cover a quarter or a year; their amount is spread evenly over the months.",
                          "{n} 行费用按季度或年度记录，金额已平均分摊到各月。", {"n": coarse}))
    return out, notes


def _costs(tables: dict[str, pd.DataFrame], o: pd.DataFrame) -> tuple[pd.Series, list[Note]]:
    notes = []
    cost = pd.to_numeric(o["cost"], errors="coerce") if "cost" in o else pd.Series(np.nan, index=o.index)
    prods = tables.get("products")
    if cost.isna().any() and prods is not None and "unit_cost" in prods and "product_id" in o and "quantity" in o:
        unit = o["product_id"].map(prods.drop_duplicates("product_id").set_index("product_id")["unit_cost"])
        filled = cost.isna() & unit.notna() & o["quantity"].notna()
        if filled.any():
            cost = cost.where(~filled, pd.to_numeric(o["quantity"], errors="coerce") * unit)
            notes.append(Note("{n} order line(s) without a cost were costed at quantity × products.unit_cost.",
                              "{n} 条订单行没有成本，已按 数量 × 产品单位成本 估算。", {"n": int(filled.sum())}))
    covered = o.loc[cost.notna(), "amount"].abs().sum() / max(o["amount"].abs().sum(), 1e-9)
    if cost.notna().any() and covered < 0.99:
        notes.append(Note("Cost is known for {share} of revenue; margins cover those lines only.",
                          "仅 {share} 的收入有成本数据；毛利只覆盖这些订单行。", {"share": f"{covered:.0%}"}))
    if cost.isna().all():
        notes.append(Note("No cost data (orders.cost or products.unit_cost): gross margin and ROI are not shown.",
                          "没有成本数据（orders.cost 或 products.unit_cost）：不显示毛利与 ROI。"))
    return cost, notes


def channel_economics(tables: dict[str, pd.DataFrame], ld: LeadData | None, params: ChannelParams,
                      as_of: pd.Timestamp) -> Economics:
    """Revenue, margin, orders, AOV, new customers, spend, CAC, ROI and ROAS per channel and period.

    Parameters
    ----------
    tables : dict of str to DataFrame
        ``orders`` (or, without it, leads via ``ld``), ``spend``, ``customers``, ``products``, ``channels``.
    ld : LeadData or None
        Used for revenue from won leads when ``orders`` is absent.
    params : ChannelParams
        ``period``, ``trend_months``, ``baseline_months``.
    as_of : Timestamp
        Orders after it are left out; the summary covers the ``trend_months`` months up to it.

    Returns
    -------
    Economics
        ``table`` (the ``channel_economics`` result table): ``channel_id, channel_name, period,
        revenue, gross_margin, margin_rate, orders, aov, new_customers, spend, cac, roi, roas``.
        ``summary``: the same over the window plus ``revenue_growth, growth_ci_low, growth_ci_high``
        (per month), ``revenue_prev`` (the window before), ``window`` (``2025-11..2026-10``: the months of
        revenue, spend, CAC, ROI and ROAS) and a ``(total)`` row.
    """
    notes: list[Note] = []
    freq = "M" if params.period == "month" else "Q"
    names = channel_names(tables)
    orders = tables.get("orders")
    source = "orders"
    if orders is not None and len(orders) and "channel_id" in orders:
        base, lines, onotes = _order_base(tables, orders, as_of, names)
        notes += onotes
    elif ld is not None:
        source = "leads"
        notes.append(Note("No orders table: revenue is the amount of leads won, by close date; margin is unknown.",
                          "未提供订单表：收入按赢单线索金额、以关闭日期计；毛利未知。"))
        w = ld.leads.loc[ld.leads["won"] & ld.leads["closed_date"].notna()].copy()
        w["month"] = _period_key(w["closed_date"], "M")
        g = w.groupby(["channel_id", "month"])
        base = pd.DataFrame({"revenue": g["amount"].sum(), "sales": g["amount"].sum(), "orders": g.size()})
        base["gross_margin"] = np.nan
        base["amount_costed"] = np.nan
        base = base.reset_index()
        lines = None
    else:
        return Economics(pd.DataFrame(), pd.DataFrame(), None, [Note("No orders and no leads: no economics.",
                                                                     "没有订单也没有线索：无法计算渠道经济性。")])

    # new customers
    new = _new_customers(tables, lines, notes)
    base = base.merge(new, on=["channel_id", "month"], how="outer")
    sp, snotes = spend_by_month(tables.get("spend"))
    notes += snotes
    if tables.get("spend") is None:
        notes.append(Note("No spend table: CAC, ROI and ROAS cannot be computed.",
                          "未提供费用表：无法计算获客成本、ROI 与 ROAS。"))
    base = base.merge(sp, on=["channel_id", "month"], how="outer")
    activity = [m for m in (base.loc[base["revenue"].notna(), "month"].min(),
                            sp["month"].min() if len(sp) else None) if isinstance(m, str)]
    first = min(activity) if activity else as_of.strftime("%Y-%m")
    base = base.loc[(base["month"] >= first) & (base["month"] <= as_of.strftime("%Y-%m"))]
    # to the reporting period
    base["period"] = pd.PeriodIndex(base["month"], freq="M").asfreq(freq).astype("str") if freq == "Q" \
        else base["month"]
    sums = ["revenue", "sales", "gross_margin", "amount_costed", "orders", "new_customers", "spend"]
    for c in sums:
        if c not in base:
            base[c] = np.nan
    table = base.groupby(["channel_id", "period"], as_index=False)[sums].sum(min_count=1)
    table = _ratios(table)
    table.insert(1, "channel_name", table["channel_id"].map(lambda c: names.get(c, "")))
    table = table.sort_values(["channel_id", "period"]).reset_index(drop=True)
    cols = ["channel_id", "channel_name", "period", "revenue", "gross_margin", "margin_rate", "orders", "aov",
            "new_customers", "spend", "cac", "roi", "roas"]

    # summary over the last trend_months months
    start, end = measures.complete_months(as_of, params.trend_months)
    monthly = base.groupby(["channel_id", "month"], as_index=False)[sums].sum(min_count=1)
    win = monthly.loc[(monthly["month"] >= str(start)) & (monthly["month"] <= str(end))]
    prev = monthly.loc[(monthly["month"] >= str(start - params.trend_months)) & (monthly["month"] < str(start))]
    summ = win.groupby("channel_id", as_index=False)[sums].sum(min_count=1)
    total = summ[sums].sum(min_count=1).to_frame().T
    total.insert(0, "channel_id", "(total)")
    summ = pd.concat([summ, total], ignore_index=True)
    summ = _ratios(summ)
    summ.insert(1, "channel_name", summ["channel_id"].map(lambda c: names.get(c, "")))
    prev_rev = prev.groupby("channel_id")["revenue"].sum()
    summ["revenue_prev"] = summ["channel_id"].map(prev_rev)
    summ.loc[summ["channel_id"] == "(total)", "revenue_prev"] = prev_rev.sum() if len(prev_rev) else np.nan
    tr = _trends(win, str(start), str(end))
    summ = summ.merge(tr, on="channel_id", how="left")
    summ["window"] = measures.window_text((start, end))  # CAC, ROI and ROAS are over this window
    summ = summ.sort_values("revenue", ascending=False, kind="stable")
    summ = pd.concat([summ.loc[summ["channel_id"] != "(total)"], summ.loc[summ["channel_id"] == "(total)"]])
    return Economics(table[cols], summ.reset_index(drop=True), (str(start), str(end)), notes, source)


def _ratios(t: pd.DataFrame) -> pd.DataFrame:
    t = t.copy()
    t["margin_rate"] = measures.ratio(t["gross_margin"], t["amount_costed"].where(t["amount_costed"] != 0))
    t["aov"] = measures.ratio(t["sales"], t["orders"])
    t["cac"] = measures.ratio(t["spend"].where(t["spend"] > 0), t["new_customers"])
    t["roi"] = measures.roi(t["gross_margin"], t["spend"])
    t["roas"] = measures.roas(t["revenue"], t["spend"])
    for c in ("orders", "new_customers"):
        t[c] = t[c].fillna(0).astype("int64")
    return t


def _order_base(tables: dict[str, pd.DataFrame], orders: pd.DataFrame, as_of: pd.Timestamp,
                names: dict[str, str]) -> tuple[pd.DataFrame, _Lines, list[Note]]:
    """Revenue, sales, margin and orders per channel and month from the order lines up to ``as_of``.

    Works on integer codes of the whole ``orders`` table (cached per column): the lines up to
    ``as_of`` are a mask over them, never a copy of the table's text columns.

    Returns
    -------
    DataFrame
        ``channel_id, month, revenue, sales, gross_margin, amount_costed, orders``.
    _Lines
        The lines kept, for the first-order fallback of new customers.
    list of Note
    """
    notes: list[Note] = []
    dates = orders["order_date"]
    keep = (dates.notna() & (dates <= as_of + pd.Timedelta(days=1))).to_numpy()
    every = bool(keep.all())
    mask = None if every else keep
    # _costs reads amount, cost, product_id and quantity: only those are copied, and only when rows drop out
    o = orders if every else orders.loc[keep, [c for c in ("amount", "cost", "product_id", "quantity")
                                              if c in orders]]
    cost, cnotes = _costs(tables, o)
    notes += cnotes
    # integer codes instead of text keys: ten million order lines group in seconds
    ch_code, ch_names = channel_codes(orders["channel_id"], mask)
    month = month_index(dates)
    amount = orders["amount"].to_numpy(dtype=float)
    if mask is not None:
        month, amount = month[mask], amount[mask]
    c = cost.to_numpy(dtype=float)
    costed = ~np.isnan(c)
    pos = amount > 0
    f = pd.DataFrame({"ch": ch_code, "m": month, "revenue": amount, "sales": np.where(pos, amount, 0.0),
                      "gross_margin": np.where(costed, amount - np.nan_to_num(c), np.nan),
                      "amount_costed": np.where(costed, amount, np.nan)})
    base = f.groupby(["ch", "m"]).sum(min_count=1)  # margin stays missing where no line has a cost
    first = _first_positive_lines(orders["order_id"], mask, ch_code, pos)
    base["orders"] = pd.DataFrame({"ch": ch_code[first], "m": month[first]}).groupby(["ch", "m"]).size()
    base = base.reset_index()
    base.insert(0, "channel_id", np.asarray(ch_names, dtype=object)[base["ch"].to_numpy()])
    base.insert(1, "month", month_str(base["m"].to_numpy()))
    base = base.drop(columns=["ch", "m"])
    unknown_rev = amount[ch_code == len(ch_names) - 1].sum()
    if unknown_rev:
        notes.append(Note("{share} of revenue comes from order lines without a channel; shown as {label}.",
                          "{share} 的收入来自没有渠道的订单行，显示为 {label}。",
                          {"share": f"{unknown_rev / max(amount.sum(), 1e-9):.1%}", "label": UNKNOWN}))
    orphan = sorted(set(ch_names) - set(names) - {UNKNOWN}) if names else []
    if orphan:
        notes.append(Note("Order channels not in the channels table: {ids} (kept under their ids).",
                          "以下订单渠道不在渠道表中：{ids}（按编号保留）。", {"ids": ", ".join(orphan[:10])}))
    return base, _Lines(orders, mask, np.asarray(ch_names, dtype=object), ch_code, month), notes


def _first_positive_lines(order_id: pd.Series, mask: np.ndarray | None, ch_code: np.ndarray,
                          pos: np.ndarray) -> np.ndarray:
    """Positions (among the kept lines) of the first positive line of each (channel, order).

    Lines without an order id are one order per channel, as ``drop_duplicates(["channel_id",
    "order_id"])`` counts them for the response curves (a blank order id is an error in a
    validated dataset).
    """
    full, _ = codes.factorize(order_id)
    ord_code = full if mask is None else full[mask]
    key = ch_code.astype(np.int64) * (int(ord_code.max(initial=0)) + 2) + (ord_code + 1)
    at = np.flatnonzero(pos)
    return at[codes.first_seen(key[at])]


@dataclass
class _Lines:
    """Order lines with their integer channel and month codes (built once in :func:`channel_economics`)."""

    orders: pd.DataFrame
    mask: np.ndarray | None
    channel_names: np.ndarray
    channel: np.ndarray
    month: np.ndarray

    def column(self, name: str) -> np.ndarray:
        values = self.orders[name].to_numpy()
        return values if self.mask is None else values[self.mask]

    def frame(self) -> pd.DataFrame:
        """``customer_id, channel_id, month, amount, order_date`` (only for the first-order fallback)."""
        return pd.DataFrame({"customer_id": self.column("customer_id"), "amount": self.column("amount"),
                             "order_date": self.column("order_date"),
                             "channel_id": self.channel_names[self.channel], "month": month_str(self.month)})


def _new_customers(tables, lines: _Lines | None, notes) -> pd.DataFrame:
    """New customers per channel and month, from :func:`workbench.measures.acquisitions`."""
    cols = ["channel_id", "month", "new_customers"]
    cust = tables.get("customers")
    acq = memo.acquisitions(cust, None)  # computed once for this and the value of new customers
    if acq.attrs.get("source") == "none" and lines is not None and "customer_id" in lines.orders:
        acq = memo.acquisitions(cust, lines.frame())  # the first-order fallback
    if acq.attrs.get("source") == "none":
        notes.append(Note("New customers are unknown (no customers table and no orders).",
                          "新客户数未知（没有客户表也没有订单）。"))
        return pd.DataFrame(columns=cols)
    if acq.attrs.get("source") == "first_order":
        notes.append(Note("New customers are counted at their first order in the data (customers.created_date or "
                          "acquisition_channel_id is missing); the first month {m} is left out.",
                          "新客户按其在数据中的首单计（缺少 customers.created_date 或 acquisition_channel_id）；"
                          "首月 {m} 不计。", {"m": acq.attrs.get("first_month")}))
    return acq.groupby(["channel_id", "month"]).size().rename("new_customers").reset_index()[cols]


def _trends(win: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """Growth per month of revenue: OLS of log revenue on month index, with its 95 % interval."""
    months = pd.period_range(start, end, freq="M").astype("str")
    rows = []
    for cid, g in win.groupby("channel_id"):
        y = g.set_index("month")["revenue"].reindex(months)
        ok = y > 0
        if ok.sum() < 6:
            rows.append({"channel_id": cid})
            continue
        t = np.arange(len(months))[ok.to_numpy()]
        fit = OLS(np.log(y[ok].to_numpy(float)), add_constant(t.astype(float))).fit()
        lo, hi = fit.conf_int()[1]
        rows.append({"channel_id": cid, "revenue_growth": np.expm1(fit.params[1]),
                     "growth_ci_low": np.expm1(lo), "growth_ci_high": np.expm1(hi), "trend_months": int(ok.sum())})
    return pd.DataFrame(rows, columns=["channel_id", "revenue_growth", "growth_ci_low", "growth_ci_high",
                                       "trend_months"])


RETURNS_COLUMNS = ["scope", "key", "channel_type", "revenue", "gross_margin", "spend", "roi", "roas",
                   "new_customers", "cac", "value_per_new_customer", "clv_cac", "window"]


def channel_returns(econ: Economics, tables: dict[str, pd.DataFrame],
                    value: pd.DataFrame | None = None) -> pd.DataFrame:
    """ROI and ROAS per channel, per channel type and in total; CAC and CLV / CAC per channel.

    Parameters
    ----------
    econ : Economics
        Its ``summary`` (over ``econ.window``) gives revenue, gross margin, spend and new customers.
    tables : dict of str to DataFrame
        ``channels`` (``type``) groups channels by type.
    value : DataFrame, optional
        Value of new customers per acquisition channel (``acquisition_channel_id,
        value_per_new_customer, clv_cac``, from :func:`workbench.segmentation.profiles.channel_value`,
        whose CAC is :func:`workbench.measures.cac` over the same window).

    Returns
    -------
    DataFrame
        :data:`RETURNS_COLUMNS`; ``scope`` is ``channel`` (``key`` = channel id), ``type`` (``key`` =
        channel type) or ``total`` (``key`` = ``(total)``); money over ``window`` (12 complete months by
        default). ``roi = (gross margin − spend) / spend``; ``value_per_new_customer`` is margin so far
        plus predicted margin (CLV) of the customers acquired in the window.
    """
    s = econ.summary
    if s is None or s.empty:
        return pd.DataFrame(columns=RETURNS_COLUMNS)
    window = s["window"].iloc[0] if "window" in s else ""
    types: dict[str, str] = {}
    ch = tables.get("channels")
    if ch is not None and "type" in ch:
        types = {str(k): str(v) for k, v in ch.drop_duplicates("channel_id").set_index("channel_id")["type"]
                 .dropna().items()}
    chans = s.loc[~s["channel_id"].isin(["(total)", UNKNOWN])].copy()
    chans = chans.assign(scope="channel", key=chans["channel_id"],
                         channel_type=chans["channel_id"].map(lambda c: types.get(c, "")))
    sums = ["revenue", "gross_margin", "spend", "new_customers"]
    by_type = (chans.loc[chans["channel_type"] != ""].groupby("channel_type", as_index=False)[sums]
               .sum(min_count=1))
    by_type = by_type.assign(scope="type", key=by_type["channel_type"])
    total = s.loc[s["channel_id"] == "(total)", sums].assign(scope="total", key="(total)", channel_type="")
    out = pd.concat([chans[["scope", "key", "channel_type", *sums]], by_type, total], ignore_index=True)
    out["roi"] = measures.roi(out["gross_margin"], out["spend"])
    out["roas"] = measures.roas(out["revenue"], out["spend"])
    out["cac"] = measures.ratio(out["spend"].where(out["spend"] > 0), out["new_customers"])
    out["new_customers"] = out["new_customers"].fillna(0).astype("int64")
    out["value_per_new_customer"] = np.nan
    if value is not None and len(value):
        v = value.set_index("acquisition_channel_id")["value_per_new_customer"]
        is_ch = out["scope"] == "channel"
        out.loc[is_ch, "value_per_new_customer"] = out.loc[is_ch, "key"].map(v).to_numpy(dtype=float)
        # a type's or the total's value per new customer: the channels' values weighted by their new customers
        ch_rows = out.loc[is_ch]
        worth = (ch_rows["value_per_new_customer"] * ch_rows["new_customers"]).where(
            ch_rows["value_per_new_customer"].notna())
        known = ch_rows["new_customers"].where(worth.notna(), 0)
        for scope, keys in (("type", ch_rows["channel_type"]), ("total", pd.Series("(total)", index=ch_rows.index))):
            w = worth.groupby(keys).sum(min_count=1) / known.groupby(keys).sum().where(lambda x: x > 0)
            m = out["scope"] == scope
            out.loc[m, "value_per_new_customer"] = out.loc[m, "key"].map(w).to_numpy(dtype=float)
    out["clv_cac"] = measures.ratio(out["value_per_new_customer"], out["cac"])
    out["window"] = window
    return out[RETURNS_COLUMNS]


def customer_value(ds, as_of: pd.Timestamp) -> pd.DataFrame:
    """Value of new customers per acquisition channel, from the segmentation's CLV (one implementation).

    Runs the segmentation's preparation, RFM and CLV models with their default parameters at
    ``as_of`` and returns the columns of :func:`workbench.segmentation.profiles.channel_value`
    that :func:`channel_returns` and the report read (``acquisition_channel_id, new_customers,
    spend, cac, value_per_new_customer, clv_cac, cac_window``), computed by
    :func:`workbench.channels.value.channel_value_columns` without the segmentation's customer
    profiles and value tiers. Empty when the dataset has no orders.
    """
    if not ds.has("orders"):
        return pd.DataFrame()
    from workbench import segmentation as seg
    from workbench.channels.value import channel_value_columns

    p = seg.SegmentationParams(as_of=pd.Timestamp(as_of).strftime("%Y-%m-%d"))
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    return channel_value_columns(ds, prep, rfm, seg.clv_table(prep, rfm, p))


# ----------------------------------------------------------------------------- attributed economics (issue 16)

ATTRIBUTED_COLUMNS = ["channel_id", "channel_name", "model", "conversions", "conversions_low", "conversions_high",
                      "value", "value_low", "value_high", "spend", "cac", "cac_low", "cac_high", "roas", "roas_low",
                      "roas_high", "margin_rate", "roi", "roi_low", "roi_high", "window"]


def company_margin_rate(tables: dict[str, pd.DataFrame], window: tuple[pd.Period, pd.Period] | None) -> float:
    """Gross margin / revenue of the order lines with a known cost in ``window`` (NaN without costs).

    The cost of a line is found as in :func:`channel_economics` (``orders.cost``, else quantity × unit cost).
    """
    o = tables.get("orders")
    if o is None or o.empty or window is None:
        return float("nan")
    month = o["order_date"].dt.to_period("M")
    o = o.loc[(month >= window[0]) & (month <= window[1])]
    if o.empty:
        return float("nan")
    cost, _ = _costs(tables, o)
    known = cost.notna()
    revenue = float(o.loc[known, "amount"].sum())
    return float((revenue - cost[known].sum()) / revenue) if known.any() and revenue > 0 else float("nan")


def attributed_economics(credit: pd.DataFrame, spend: pd.DataFrame | None,
                         window: tuple[pd.Period, pd.Period] | None, *, models: tuple[str, ...] = ("last_touch",),
                         names: dict[str, str] | None = None, margin_rate: float = float("nan")) -> pd.DataFrame:
    """ROI and CAC per channel from attributed conversions and revenue, one row per channel and model.

    The measures are the workbench's own (:func:`workbench.measures.roi`, ``roas``, ``ratio``); only
    their inputs change: ``conversions`` and ``value`` are what an attribution model credits the
    channel with (a won lead counts as one acquisition), ``spend`` is the channel's spend over the
    months of ``window`` (the months with a conversion), and the gross margin is ``value ×
    margin_rate``. CAC is ``spend / conversions``; its interval comes from the conversions'
    interval (``spend / conversions_high`` .. ``spend / conversions_low``), ROAS and ROI likewise
    from the revenue's interval.

    Parameters
    ----------
    credit : DataFrame
        ``ATTRIBUTION_COLUMNS`` of :func:`workbench.attribution.attribute`.
    spend : DataFrame or None
        The canonical spend table.
    window : (Period, Period) or None
        First and last month of the conversions.
    models : tuple of str
        The models kept (e.g. ``("last_touch", "markov")``), in this order.
    names : dict, optional
        ``{channel_id: name}``.
    margin_rate : float
        Gross margin per unit of revenue (NaN: ROI unknown).

    Returns
    -------
    DataFrame
        :data:`ATTRIBUTED_COLUMNS`; channels with spend but no credit are listed with 0 conversions.
    """
    names = names or {}
    sp = pd.Series(dtype=float)
    if spend is not None and not spend.empty and window is not None:
        monthly, _ = spend_by_month(spend)
        m = pd.PeriodIndex(monthly["month"], freq="M")
        sp = monthly.loc[(m >= window[0]) & (m <= window[1])].groupby("channel_id")["spend"].sum()
    cr = credit.loc[credit["model"].isin(models)]
    channels = sorted(set(cr["channel_id"]) | set(sp.index[sp > 0]))
    grid = pd.MultiIndex.from_product([list(models), channels], names=["model", "channel_id"]).to_frame(index=False)
    out = grid.merge(cr, on=["model", "channel_id"], how="left")
    for c in ("conversions", "conversions_low", "conversions_high", "value", "value_low", "value_high"):
        out[c] = out[c].fillna(0.0).astype(float)
    out["channel_name"] = out["channel_id"].map(lambda c: names.get(c, c))
    s = out["channel_id"].map(sp).astype(float)
    out["spend"] = s
    pos = s.where(s > 0)
    out["cac"] = measures.ratio(pos, out["conversions"])
    out["cac_low"] = measures.ratio(pos, out["conversions_high"])
    out["cac_high"] = measures.ratio(pos, out["conversions_low"])
    for suffix in ("", "_low", "_high"):
        out[f"roas{suffix}"] = measures.roas(out[f"value{suffix}"], pos)
        out[f"roi{suffix}"] = measures.roi(out[f"value{suffix}"] * margin_rate, pos)
    out["margin_rate"] = margin_rate
    out["window"] = measures.window_text(window) if window is not None else ""
    order = {m: i for i, m in enumerate(models)}
    out = out.sort_values(["channel_id", "model"], key=lambda c: c.map(order) if c.name == "model" else c)
    return out[ATTRIBUTED_COLUMNS].reset_index(drop=True)
