"""Orders as of an analysis date: lines cleaned, returns linked to their orders, purchases told apart.

Vocabulary
----------
analysis date
    ``as_of`` from params, else the last order date. Lines dated after it are
    left out everywhere (a return booked later was not known on that day).
order
    The lines of one ``order_id`` of one customer. A credit note's id is linked
    to the order it reverses by removing ``return_link_pattern`` (default ``-R$``:
    ``SO0001-R`` nets against ``SO0001``); an id that does not match keeps its own
    order (UCI Online Retail's ``C536379`` cancellations stand alone).
purchase
    An order with at least one positive line whose net amount (returns linked to
    it included) is above zero. A fully returned or cancelled order is not a
    purchase, and a credit note alone is never one.
recency_days
    Days from the customer's last purchase to the analysis date (calendar days).
frequency
    Number of purchases (distinct orders).
monetary
    Net revenue: the sum of every line of the customer up to the analysis date,
    returns and unlinked credit notes included, so it can be below zero.
customer without a purchase
    Has lines but no purchase up to the analysis date: every order was returned
    or cancelled, or there are only credit notes (e.g. for an order bought before
    the data starts). Left out of RFM and counted in a note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data.loader import Dataset
from workbench.reporting import Note
from workbench.segmentation.params import SegmentationParams

log = logging.getLogger(__name__)


@dataclass
class Problem(Note):
    """Why a section cannot say anything: a :class:`workbench.reporting.Note` that switches it off.

    ``Problem(en, zh, values)``: English and Chinese templates and their values.
    """

    level: str = "off"


@dataclass
class Prepared:
    """Order lines and orders up to the analysis date, with the facts of how they were cleaned.

    Attributes
    ----------
    analysis_date : Timestamp
        The day RFM, CLV and tiers are computed for (midnight).
    lines : DataFrame
        One row per order line up to the analysis date: ``customer_id`` (Categorical),
        ``order_key`` (integer code of the order, in id order), ``day`` (date), ``amount``,
        ``margin`` (NaN when cost is unknown), ``channel_id``, ``product_id``, ``region`` (the
        optional ones may be absent).
    orders : DataFrame
        One row per (customer, order): ``customer_id`` (Categorical), ``order_key``,
        ``order_date``, ``net``, ``margin``, ``channel_id``, ``is_purchase``.
    facts : dict
        Counts of what was dropped or linked (see :func:`prepare`).
    problem : Problem or None
        Set when there is nothing to segment (no orders up to the analysis date ...).
    """

    analysis_date: pd.Timestamp | None
    lines: pd.DataFrame
    orders: pd.DataFrame
    facts: dict
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.orders.empty


_LINE_COLUMNS = ["customer_id", "order_key", "day", "amount", "margin", "channel_id", "product_id", "region"]
_ORDER_COLUMNS = ["customer_id", "order_key", "order_date", "net", "margin", "channel_id", "is_purchase"]


def _empty_prepared(analysis_date, facts, problem) -> Prepared:
    lines = pd.DataFrame({c: pd.Series(dtype="float64" if c in ("amount", "margin") else "str")
                          for c in _LINE_COLUMNS})
    lines["day"] = pd.Series(dtype="datetime64[ns]")
    lines["customer_id"] = pd.Series(dtype="category")
    lines["order_key"] = pd.Series(dtype="int64")
    lines["relinked"] = pd.Series(dtype="bool")
    orders = pd.DataFrame({"customer_id": pd.Series(dtype="category"), "order_key": pd.Series(dtype="int64"),
                           "order_date": pd.Series(dtype="datetime64[ns]"), "net": pd.Series(dtype="float64"),
                           "margin": pd.Series(dtype="float64"), "channel_id": pd.Series(dtype="str"),
                           "is_purchase": pd.Series(dtype="bool")})
    return Prepared(analysis_date, lines, orders, facts, problem)


def prepare(ds: Dataset, params: SegmentationParams, analysis_date: str | pd.Timestamp | None = None) -> Prepared:
    """Order lines and orders up to the analysis date, returns linked to their orders.

    Parameters
    ----------
    ds : Dataset
        The loaded dataset; needs ``orders``.
    params : SegmentationParams
        ``as_of``, ``return_link_pattern`` and ``ignore_customer_ids`` are used.
    analysis_date : str or Timestamp, optional
        Overrides ``params.as_of`` (the migration section computes an earlier date).

    Returns
    -------
    Prepared
        ``facts`` holds ``lines_in``, ``lines_ignored`` (placeholder customer ids),
        ``lines_incomplete`` (no customer, date or amount), ``lines_after`` (after the
        analysis date), ``lines_used``, ``return_lines`` and ``return_amount`` (lines
        below zero), ``linked_return_lines``, ``cancelled_orders`` (orders that netted
        to zero or less), ``customers`` (with any line), ``buyers`` (with a purchase),
        ``no_purchase`` and ``no_purchase_amount`` (customers whose orders were all returned
        or cancelled, or who have only credit notes), ``data_start``, ``data_end``.
    """
    facts: dict = {}
    if not ds.has("orders"):
        return _empty_prepared(None, facts, Problem(
            "The orders table did not load, so there is nothing to segment.",
            "订单表未能加载，无法进行客户分群。"))
    o = ds["orders"]
    facts["lines_in"] = len(o)
    ignored = o["customer_id"].isin(params.ignore_customer_ids) if params.ignore_customer_ids else \
        pd.Series(False, index=o.index)
    incomplete = o["customer_id"].isna() | o["order_date"].isna() | o["amount"].isna()
    facts["lines_ignored"] = int((ignored & ~incomplete).sum())
    facts["lines_incomplete"] = int(incomplete.sum())
    keep = ~ignored & ~incomplete
    cols = [c for c in ("customer_id", "order_id", "order_date", "amount", "cost", "channel_id", "product_id", "region")
            if c in o.columns]
    o = o.loc[keep, cols]
    if o.empty:
        return _empty_prepared(None, facts, Problem(
            "No order line has a customer, a date and an amount (after leaving out {ignored} lines of "
            "placeholder customers), so there is nothing to segment.",
            "没有同时具备客户、日期和金额的订单行（已排除占位客户的 {ignored} 行），无法进行客户分群。",
            {"ignored": facts["lines_ignored"]}))
    day = o["order_date"].dt.normalize()
    facts["data_start"], facts["data_end"] = day.min(), day.max()
    if analysis_date is None:
        analysis_date = params.as_of or None
    date = pd.Timestamp(analysis_date).normalize() if analysis_date else facts["data_end"]
    if date < facts["data_start"]:
        facts.update(lines_after=len(o), lines_used=0)
        return _empty_prepared(date, facts, Problem(
            "The analysis date {date} is before the first order ({start}): there is nothing to segment. "
            "Set as_of to a date between {start} and {end}, or leave it empty for the last order date.",
            "分析基准日 {date} 早于第一笔订单（{start}），没有可分群的数据。请将 as_of 设为 {start} 至 {end} "
            "之间的日期，或留空以使用最后订单日期。",
            {"date": date, "start": facts["data_start"], "end": facts["data_end"]}))
    within = day <= date
    facts["lines_after"] = int((~within).sum())
    o = o.loc[within]
    day = day.loc[within]
    order_id = o["order_id"].astype("str").to_numpy()
    key = o["order_id"].astype("str")
    if params.return_link_pattern:
        key = key.str.replace(params.return_link_pattern, "", regex=True)
    key = key.to_numpy()
    # customer ids as a Categorical (sorted categories) and order keys as sorted integer codes: every
    # groupby and isin below works on integers instead of hashing a million strings again
    customer = pd.Categorical(o["customer_id"].astype("str"))
    order_code, _ = pd.factorize(key, sort=True)
    lines = pd.DataFrame({
        "customer_id": customer,
        "order_key": order_code.astype("int64"),
        "day": day.to_numpy(),
        "amount": o["amount"].to_numpy(dtype="float64"),
        "margin": (o["amount"] - o["cost"]).to_numpy(dtype="float64") if "cost" in o else np.nan,
    })
    for c in ("channel_id", "product_id", "region"):
        if c in o:
            lines[c] = o[c].to_numpy()
    lines["relinked"] = (lines["amount"].to_numpy() < 0) & (key != order_id)
    return _from_lines(lines, date, facts)


def restrict(prep: Prepared, date: str | pd.Timestamp) -> Prepared:
    """``prep`` as it looked on an earlier ``date``: lines up to that day only (no reloading).

    Used for the previous period of the tier migration; the same as :func:`prepare` with
    ``analysis_date=date``, without reading and encoding the orders again.
    """
    date = pd.Timestamp(date).normalize()
    if prep.analysis_date is None or prep.lines.empty or date < prep.facts.get("data_start", date):
        facts = {k: prep.facts[k] for k in ("lines_in", "data_start", "data_end") if k in prep.facts}
        return _empty_prepared(date, facts, Problem("No order on or before {date}.", "{date} 及之前没有订单。",
                                                    {"date": date}))
    facts = {k: prep.facts[k] for k in ("lines_in", "lines_ignored", "lines_incomplete", "data_start", "data_end")
             if k in prep.facts}
    within = prep.lines["day"].to_numpy() <= np.datetime64(date)
    facts["lines_after"] = prep.facts.get("lines_after", 0) + int((~within).sum())
    return _from_lines(prep.lines.loc[within].reset_index(drop=True), date, facts)


def _from_lines(lines: pd.DataFrame, date: pd.Timestamp, facts: dict) -> Prepared:
    """Orders, facts and the no-purchase check from encoded lines up to ``date``."""
    facts = dict(facts)
    neg = lines["amount"].to_numpy() < 0
    facts["lines_used"] = len(lines)
    facts["return_lines"] = int(neg.sum())
    facts["return_amount"] = float(lines["amount"].to_numpy()[neg].sum())
    orders = _orders(lines)
    relinked = lines["relinked"].to_numpy()
    if relinked.any():
        pos = orders.loc[orders["has_positive"], ["customer_id", "order_key"]].assign(hit=True)
        cand = lines.loc[relinked, ["customer_id", "order_key"]]
        facts["linked_return_lines"] = int(cand.merge(pos, on=["customer_id", "order_key"], how="left")["hit"]
                                           .notna().sum())
    else:
        facts["linked_return_lines"] = 0
    facts["cancelled_orders"] = int((orders["has_positive"] & ~orders["is_purchase"]).sum())
    per_customer = orders.groupby(codes(orders), sort=False).agg(buys=("is_purchase", "sum"), net=("net", "sum"))
    only = per_customer["buys"] == 0
    buyers = int((~only).sum())
    facts["customers"] = len(per_customer)
    facts["buyers"] = buyers
    facts["no_purchase"] = int(only.sum())
    facts["no_purchase_amount"] = float(per_customer.loc[only, "net"].sum())
    orders = orders.drop(columns="has_positive")
    prep = Prepared(date, lines, orders, facts)
    if not buyers:
        prep.problem = Problem(
            "No customer made a purchase up to {date} ({n} customers have only returned or cancelled orders or "
            "credit notes), so there is nothing to segment.",
            "截至 {date} 没有任何客户产生购买（{n} 个客户的订单全部退货、取消或只有冲销记录），无法进行客户分群。",
            {"date": date, "n": facts["no_purchase"]})
    log.info("prepared %d lines, %d orders, %d buyers as of %s", len(lines), len(orders), buyers, date.date())
    return prep


def codes(frame: pd.DataFrame) -> np.ndarray:
    """Integer customer codes of a prepared frame (its ``customer_id`` is Categorical).

    Grouping by the codes is much faster than by the Categorical itself, which pandas recodes
    (a lookup of every category string) on each groupby.
    """
    return frame["customer_id"].cat.codes.to_numpy().astype(np.int64)


def ids(frame: pd.DataFrame, code_values) -> pd.Index:
    """Customer ids (text) of integer codes from :func:`codes`."""
    cats = frame["customer_id"].cat.categories
    return pd.Index(cats.take(np.asarray(code_values, dtype=np.int64)), name="customer_id").astype("str")


def _orders(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, order key): date of the first positive line, net amount, margin, channel."""
    pos = lines["amount"] > 0
    work = pd.DataFrame({
        "cust": codes(lines), "order_key": lines["order_key"], "amount": lines["amount"],
        "margin": lines["margin"], "day": lines["day"], "pos_day": lines["day"].where(pos),
    })
    aggs = {"net": ("amount", "sum"), "margin": ("margin", "sum"), "margin_n": ("margin", "count"),
            "first_day": ("day", "min"), "pos_day": ("pos_day", "min")}
    if "channel_id" in lines:
        work["channel_id"] = lines["channel_id"].where(pos)
        aggs["channel_id"] = ("channel_id", "first")
    out = work.groupby(["cust", "order_key"], sort=True).agg(**aggs).reset_index()
    out.insert(0, "customer_id", pd.Categorical.from_codes(out.pop("cust").to_numpy(),
                                                           dtype=lines["customer_id"].dtype))
    out["margin"] = out["margin"].where(out["margin_n"] > 0)
    out["has_positive"] = out["pos_day"].notna()
    out["order_date"] = out["pos_day"].fillna(out["first_day"])
    if "channel_id" not in out:
        out["channel_id"] = pd.Series(pd.NA, index=out.index, dtype="str")
    out["is_purchase"] = out["has_positive"] & (out["net"] > 0)
    return out[["customer_id", "order_key", "order_date", "net", "margin", "channel_id", "is_purchase",
                "has_positive"]]


