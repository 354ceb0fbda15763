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
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from workbench.data.loader import Dataset
from workbench.reporting import Note
from workbench.segmentation.keys import as_column, decode, same_values
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
    o = o[cols] if keep.all() else o.loc[keep, cols]
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
    if not within.all():
        o = o.loc[within]
        day = day.loc[within]
    # order ids stay Arrow text: factorised, replaced and compared there, never turned into ten
    # million Python strings
    order_id = o["order_id"].astype("str")
    key = _link_keys(order_id, params.return_link_pattern) if params.return_link_pattern else order_id
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
            lines[c] = as_column(o[c])
    lines["relinked"] = (lines["amount"].to_numpy() < 0) & (key != order_id).to_numpy(dtype=bool)
    return _from_lines(lines, date, facts)


_LITERAL = re.compile(r"[A-Za-z0-9_-]+")


def _link_keys(order_id: pd.Series, pattern: str) -> pd.Series:
    """``order_id.str.replace(pattern, "", regex=True)``: the order a credit note's id points to.

    A literal suffix such as the default ``-R$`` is cut in Arrow (``ends_with``) instead of running
    a regex over every id; ids with a newline keep the regex, whose ``$`` also matches before one.
    """
    suffix = pattern[:-1]
    ids_ = getattr(order_id.array, "_pa_array", None)  # Arrow-backed text (pandas' default with pyarrow)
    if pattern.endswith("$") and _LITERAL.fullmatch(suffix) and ids_ is not None:
        if not pc.any(pc.match_substring(ids_, "\n"), min_count=0).as_py():
            cut = pc.if_else(pc.ends_with(ids_, suffix), pc.utf8_slice_codeunits(ids_, 0, -len(suffix)), ids_)
            return pd.Series(pd.array(cut, dtype="str"), index=order_id.index, name=order_id.name)
    return order_id.str.replace(pattern, "", regex=True)


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
    return _from_lines(_rows(prep.lines, within), date, facts)


def _rows(lines: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``lines.loc[mask].reset_index(drop=True)``; a slice (no copy) when the rows kept come first.

    Orders are usually stored by date, so the lines up to an earlier date are a leading block.
    """
    k = int(mask.sum())
    if mask[:k].all():
        return lines.iloc[:k]
    return lines.loc[mask].reset_index(drop=True)


def _from_lines(lines: pd.DataFrame, date: pd.Timestamp, facts: dict) -> Prepared:
    """Orders, facts and the no-purchase check from encoded lines up to ``date``."""
    facts = dict(facts)
    amount = lines["amount"].to_numpy()
    neg = amount < 0
    facts["lines_used"] = len(lines)
    facts["return_lines"] = int(neg.sum())
    facts["return_amount"] = float(amount[neg].sum())
    step = int(lines["order_key"].max()) + 2 if len(lines) else 1
    pair = _pair_keys(codes(lines), lines["order_key"].to_numpy(), step)
    orders, order_pairs = _orders(lines, pair, step)
    relinked = lines["relinked"].to_numpy()
    if relinked.any():
        # a credit note is linked when its (customer, order key) is an order with a positive line;
        # the orders are sorted by that pair, so it is a binary search instead of a merge
        positive = order_pairs[orders["has_positive"].to_numpy()]
        wanted = pair[relinked]
        at = np.minimum(np.searchsorted(positive, wanted), max(len(positive) - 1, 0))
        facts["linked_return_lines"] = int((positive[at] == wanted).sum()) if len(positive) else 0
    else:
        facts["linked_return_lines"] = 0
    facts["cancelled_orders"] = int((orders["has_positive"] & ~orders["is_purchase"]).sum())
    cust = codes(orders)
    n_cust = len(orders["customer_id"].cat.categories)
    seen = np.bincount(cust, minlength=n_cust) > 0
    buys = np.bincount(cust[orders["is_purchase"].to_numpy()], minlength=n_cust)
    only = seen & (buys == 0)
    buyers = int((seen & (buys > 0)).sum())
    facts["customers"] = int(seen.sum())
    facts["buyers"] = buyers
    facts["no_purchase"] = int(only.sum())
    # summed per customer as before (pandas' compensated group sums, customers in order), then
    # added up: the same float to the last digit
    rows = only[cust]
    facts["no_purchase_amount"] = float(orders["net"].loc[rows].groupby(cust[rows], sort=False).sum().sum())
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


def customer_codes(prep: Prepared, customer_ids) -> np.ndarray | None:
    """The codes (:func:`codes`) of ``customer_ids`` when they are ``prep``'s buyers in code order, else None.

    Every per-customer table derived from ``rfm_table(prep)`` lists exactly these customers in this
    order; checked here on the ids themselves, so a table that does not is looked up instead.
    """
    o = prep.orders
    n = len(o["customer_id"].cat.categories)
    buyers = np.flatnonzero(np.bincount(codes(o)[o["is_purchase"].to_numpy()], minlength=n))
    if len(buyers) != len(customer_ids) or not same_values(ids(prep.lines, buyers), customer_ids):
        return None
    return buyers


def _pair_keys(cust: np.ndarray, order_key: np.ndarray, step: int) -> np.ndarray:
    """One integer per (customer code, order key) that sorts as the pair does (order keys >= -1 < step - 1)."""
    return cust * np.int64(step) + (order_key.astype(np.int64) + 1)


def _orders(lines: pd.DataFrame, pair: np.ndarray, step: int) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per (customer, order key): date of the first positive line, net amount, margin, channel.

    Grouped by the single integer ``pair`` (from :func:`_pair_keys`), sorted: the groups of
    (customer, order key) in their order, each summed over its lines in line order as before.
    Returns the orders and their pair keys (ascending).
    """
    pos = (lines["amount"] > 0).to_numpy()
    work = pd.DataFrame({"amount": lines["amount"].to_numpy(), "margin": lines["margin"].to_numpy(),
                         "day": lines["day"].to_numpy()})
    work["pos_day"] = work["day"].where(pos)
    channels = None
    if "channel_id" in lines and lines["channel_id"].dtype == "str":
        # the first channel of the order's positive lines, found on integer codes of the few channels
        ch_codes, channels = pd.factorize(lines["channel_id"])
        work["channel"] = np.where(pos & (ch_codes >= 0), ch_codes, np.nan)
    elif "channel_id" in lines:
        work["channel"] = lines["channel_id"].where(pos)
    g = work.groupby(pair, sort=True)
    net = g["amount"].sum()
    pairs = net.index.to_numpy()
    out = pd.DataFrame({
        "customer_id": pd.Categorical.from_codes(pairs // step, dtype=lines["customer_id"].dtype),
        "order_key": (pairs % step - 1).astype("int64"),
        "net": net.to_numpy(),
    })
    margin, margin_n = g["margin"].sum().to_numpy(), g["margin"].count().to_numpy()
    out["margin"] = np.where(margin_n > 0, margin, np.nan)
    first_day, pos_day = g["day"].min().to_numpy(), g["pos_day"].min().to_numpy()
    out["has_positive"] = ~np.isnat(pos_day)
    out["order_date"] = np.where(out["has_positive"].to_numpy(), pos_day, first_day)
    if channels is not None:
        first = g["channel"].first().to_numpy()
        out["channel_id"] = decode(list(channels), np.where(np.isnan(first), -1, first).astype(np.int64)).array
    elif "channel_id" in lines:
        out["channel_id"] = g["channel"].first().to_numpy()
    else:
        out["channel_id"] = pd.Series(pd.NA, index=out.index, dtype="str")
    out["is_purchase"] = out["has_positive"] & (out["net"] > 0)
    return out[["customer_id", "order_key", "order_date", "net", "margin", "channel_id", "is_purchase",
                "has_positive"]], pairs
