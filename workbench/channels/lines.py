"""Order lines and leads counted per channel and month on integer codes (the response curves' data).

Each function returns what a ``groupby`` of the text columns returned before (the same index,
values and order), computed on the integer codes of :mod:`workbench.channels.codes`: at ten
million order lines a ``drop_duplicates`` or ``groupby`` on Arrow text costs seconds each.
Sums are taken by pandas over each group's lines in their order, as the ``groupby`` did.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.channels import codes

MONTH0 = 1970 * 12
""":func:`workbench.channels.codes.month_index` of January 1970 (Period ordinal 0)."""


def _by_channel_month(ch_values: np.ndarray, ch: np.ndarray, month: np.ndarray, values: np.ndarray | None,
                      name: str | None) -> pd.Series:
    """``groupby(["channel_id", "month"]).size()`` (or ``values``' sum) of lines given as codes.

    The index is (channel id, monthly Period), sorted as ``groupby`` sorts; lines with ``ch`` -1
    are left out (a missing key).
    """
    ok = ch >= 0
    ch, month = ch[ok], month[ok]
    lo = int(month.min(initial=0))
    span = int(month.max(initial=0)) - lo + 1
    group = ch * span + (month - lo)
    if values is None:
        out = pd.Series(group).groupby(group).size()
    else:
        out = pd.Series(np.asarray(values)[ok]).groupby(group).sum()
    gid = out.index.to_numpy()
    index = pd.MultiIndex.from_arrays(
        [pd.Index(np.asarray(ch_values, dtype=object)[gid // span], dtype="str"),
         pd.PeriodIndex.from_ordinals(gid % span + lo - MONTH0, freq="M")], names=["channel_id", "month"])
    result = pd.Series(out.to_numpy(), index=index, name=name)
    return result.sort_index()


def order_months(orders: pd.DataFrame, revenue: bool = False) -> tuple[pd.Series, pd.Series]:
    """Orders (first positive line of each channel's order) and revenue per channel and month.

    The same as, on the lines with a date and a channel, ``drop_duplicates(["channel_id",
    "order_id"])`` of the positive lines then ``groupby(["channel_id", month]).size()``, and
    ``groupby(["channel_id", month])["amount"].sum()`` (computed only with ``revenue``; else empty).
    """
    ch, ch_values = codes.factorize(orders["channel_id"])
    dates = orders["order_date"]
    month = codes.month_index(dates)
    ok = dates.notna().to_numpy() & (ch >= 0)
    order, _ = codes.factorize(orders["order_id"])
    at = np.flatnonzero(ok & (orders["amount"] > 0).to_numpy())
    key = ch[at] * (int(order.max(initial=0)) + 2) + (order[at] + 1)  # a missing order id is one value, as there
    first = at[codes.first_seen(key)]
    counts = _by_channel_month(ch_values, ch[first], month[first], None, None)
    amounts = pd.Series(dtype="float64")
    if revenue:
        rows = np.flatnonzero(ok)
        amounts = _by_channel_month(ch_values, ch[rows], month[rows], orders["amount"].to_numpy()[rows], "amount")
    return counts, amounts


def lead_months(leads: pd.DataFrame) -> pd.Series:
    """``groupby(["channel_id", created month]).size()`` of ``leads`` (on integer codes)."""
    ch, ch_values = codes.factorize(leads["channel_id"])
    dates = leads["created_date"]
    ok = dates.notna().to_numpy()
    return _by_channel_month(ch_values, np.where(ok, ch, -1), codes.month_index(dates), None, None)


def order_unit_values(orders: pd.DataFrame, rows: np.ndarray, channels: list[str]) -> tuple[dict, dict]:
    """Revenue per order of each channel in ``channels`` and the margin rate of every channel, over ``rows``.

    ``value[c] = amount.sum() / distinct order ids of the positive lines`` of channel ``c`` (left out
    without a positive line); ``margin_rate[c] = (amount - cost) / amount`` over the lines with a
    cost (NaN when their amount is 0), as ``groupby("channel_id")[["amount", "cost"]].sum()``.
    """
    ch, ch_values = codes.factorize(orders["channel_id"])
    amount = orders["amount"].to_numpy(dtype=float)
    margin_rate: dict = {}
    if "cost" in orders:
        costed = rows & orders["cost"].notna().to_numpy() & (ch >= 0)
        if (rows & orders["cost"].notna().to_numpy()).any():
            m = pd.DataFrame({"amount": amount[costed], "cost": orders["cost"].to_numpy(dtype=float)[costed]}) \
                .groupby(ch[costed]).sum()
            m.index = pd.Index(np.asarray(ch_values, dtype=object)[m.index.to_numpy()], name="channel_id")
            m = m.sort_index()
            margin_rate = ((m["amount"] - m["cost"]) / m["amount"].where(m["amount"] != 0)).to_dict()
    order, _ = codes.factorize(orders["order_id"])
    position = {v: i for i, v in enumerate(ch_values)}
    value: dict = {}
    for cid in channels:
        if cid not in position:
            continue
        mine = rows & (ch == position[cid])
        sold = mine & (amount > 0) & (order >= 0)
        n = len(codes.distinct(order[sold]))
        if n:
            value[cid] = float(pd.Series(amount[mine]).sum() / n)
    return value, margin_rate


__all__ = ["lead_months", "order_months", "order_unit_values"]
