"""The ``touchpoints`` table and the conversions turned into the models' touches and outcomes.

One journey is a lead (touches naming a ``lead_id``; it converts when the lead is won, at its
``closed_date``, worth its ``amount``) or a customer (touches naming only a ``customer_id``; it converts
at the customer's first order on or after its first touch, worth that order). ``journey_by`` can
force one kind. A ``closed_date`` or ``order_date`` is a date: the conversion is placed at the end of
that day, so a touch on the day of the close counts as before it.

Everything left out is counted in a note: touches naming a lead the leads table does not hold,
touches of customers when there are no orders, touches after the analysis date. Touches without a
channel are not left out: the loader keeps them as the channel ``(blank)`` (as a lead without a
source), and a note counts them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.data.aliases import BLANK
from workbench.reporting import Notes as Section
from workbench.reporting import count

log = logging.getLogger(__name__)

TOUCH_COLUMNS = ["journey_id", "ts", "channel_id"]
OUTCOME_COLUMNS = ["journey_id", "converted", "converted_at", "value"]
END_OF_DAY = pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
NEEDS = ("touchpoints (ts, channel_id, and lead_id or customer_id) with leads (status, closed_date, amount) "
         "or orders (order_date, amount)")


@dataclass
class AttributionData(Section):
    """The models' inputs: ``touches`` and ``outcomes`` (the contract of :mod:`workbench.attribution.paths`)."""

    touches: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TOUCH_COLUMNS))
    outcomes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OUTCOME_COLUMNS))
    journey_kind: str = ""
    as_of: pd.Timestamp | None = None
    channel_names: dict[str, str] = field(default_factory=dict)
    window: tuple[pd.Period, pd.Period] | None = None
    """First and last month with a conversion (the months behind spend, ROI and CAC)."""


def channel_names(channels: pd.DataFrame | None) -> dict[str, str]:
    """``{channel_id: name}`` (the id itself where there is no name)."""
    if channels is None or "name" not in channels:
        return {}
    ch = channels.drop_duplicates("channel_id")
    return {c: (str(n) if isinstance(n, str) and n.strip() else c) for c, n in zip(ch["channel_id"], ch["name"],
                                                                                   strict=True)}


def lead_outcomes(leads: pd.DataFrame) -> pd.DataFrame:
    """One outcome per lead: converted when won with a ``closed_date`` (at the end of that day), worth ``amount``."""
    ld = leads.drop_duplicates("lead_id")
    won = ld["status"].astype("str").eq("won").to_numpy()
    closed = pd.to_datetime(ld["closed_date"]) if "closed_date" in ld else pd.Series(pd.NaT, index=ld.index)
    at = (closed + END_OF_DAY).where(won)
    amount = pd.to_numeric(ld["amount"], errors="coerce") if "amount" in ld else pd.Series(0.0, index=ld.index)
    return pd.DataFrame({
        "journey_id": ld["lead_id"].astype("str").to_numpy(),
        "converted": won & at.notna().to_numpy(),
        "converted_at": at.to_numpy(),
        "value": np.where(won, amount.fillna(0.0).to_numpy(dtype=float), 0.0),
    })


def customer_outcomes(first_touch: pd.Series, orders: pd.DataFrame | None) -> pd.DataFrame:
    """One outcome per customer journey: its first order on or after the day of its first touch.

    ``first_touch`` is indexed by ``customer_id``. The order's value is the sum of its lines.
    """
    cust = pd.DataFrame({"customer_id": first_touch.index.astype("str"),
                         "first": first_touch.dt.normalize().to_numpy()})
    out = pd.DataFrame({"journey_id": cust["customer_id"], "converted": False,
                        "converted_at": pd.Series(pd.NaT, index=cust.index, dtype="datetime64[ns]"), "value": 0.0})
    if orders is None or orders.empty or cust.empty:
        return out
    o = orders.loc[orders["customer_id"].isin(cust["customer_id"]) & orders["order_date"].notna()]
    per_order = (o.groupby(["customer_id", "order_id"], observed=True)
                 .agg(order_date=("order_date", "min"), amount=("amount", "sum")).reset_index())
    per_order = per_order.loc[per_order["amount"] > 0]
    m = per_order.merge(cust, on="customer_id")
    m = m.loc[m["order_date"] >= m["first"]].sort_values(["customer_id", "order_date", "order_id"])
    first = m.drop_duplicates("customer_id").set_index("customer_id")
    hit = out["journey_id"].isin(first.index)
    idx = out.loc[hit, "journey_id"]
    out.loc[hit, "converted"] = True
    out.loc[hit, "converted_at"] = (first.loc[idx, "order_date"] + END_OF_DAY).to_numpy()
    out.loc[hit, "value"] = first.loc[idx, "amount"].to_numpy(dtype=float)
    out["converted"] = out["converted"].astype(bool)
    return out


def prepare(ds, params) -> AttributionData:
    """The touches and outcomes of every journey, with notes on what was left out.

    Parameters
    ----------
    ds : Dataset
        Needs ``touchpoints``, and ``leads`` (lead journeys) or ``orders`` (customer journeys);
        ``channels`` adds names.
    params : AttributionParams
        ``journey_by`` and ``as_of`` are used here.

    Returns
    -------
    AttributionData
        Off (with a note saying what it would need) when there is no ``touchpoints`` table or no
        journey can be built.
    """
    out = AttributionData(channel_names=channel_names(ds.tables.get("channels")))
    tp = ds.tables.get("touchpoints")
    if tp is None or tp.empty:
        out.off("The dataset has no touchpoints table, so channels can only be credited by lead source (last "
                "touch). Attribution across channels needs {needs}; see docs/data_model.md.",
                "数据集中没有 touchpoints 表，只能按线索来源（末次触点）归因。多触点归因需要 {needs}；"
                "参见 docs/data_model.md。", needs=NEEDS)
        return out
    leads, orders = ds.tables.get("leads"), ds.tables.get("orders")
    tp = tp.loc[tp["ts"].notna() & tp["channel_id"].notna()]
    no_channel = int(tp["channel_id"].astype("str").eq(BLANK).sum())
    if no_channel:  # the loader keeps them as the channel "(blank)", as it does a lead without a source
        out.note("{n} touches have no channel in the file; they are kept as the channel (blank): their journeys "
                 "still count, and the models credit (blank) like any other channel.",
                 "{n} 个触点在文件中没有渠道，作为渠道（空白）保留：其路径仍然计入，各模型也像对待其他渠道一样为（空白）分配贡献。",
                 level="warning", n=count(no_channel))
    as_of = (pd.Timestamp(params.as_of) if params.as_of else tp["ts"].max().normalize()) + END_OF_DAY
    later = tp["ts"] > as_of
    if later.any():
        out.note("{n} touches after the analysis date are left out.", "{n} 个晚于分析基准日的触点未计入。",
                 n=int(later.sum()))
        tp = tp.loc[~later]
    out.as_of = as_of
    has_lead = tp["lead_id"].notna() if "lead_id" in tp else pd.Series(False, index=tp.index)
    has_cust = tp["customer_id"].notna() if "customer_id" in tp else pd.Series(False, index=tp.index)
    kind = params.journey_by
    if kind == "auto":
        kind = "lead" if has_lead.any() and leads is not None else "customer"
    out.journey_kind = kind
    if kind == "lead":
        if leads is None:
            out.off("Journeys by lead need the leads table (lead_id, status, closed_date, amount).",
                    "按线索构建路径需要 leads 表（lead_id、status、closed_date、amount）。")
            return out
        t = tp.loc[has_lead]
        outcomes = lead_outcomes(leads)
        known = t["lead_id"].astype("str").isin(outcomes["journey_id"])
        if (~known).any():
            out.note("{n} touches name a lead_id that the leads table does not hold; left out.",
                     "{n} 个触点的 lead_id 在 leads 表中不存在，未计入。", n=int((~known).sum()))
        t = t.loc[known]
        ids = t["lead_id"].astype("str")
        if (~has_lead & has_cust).any():
            out.note("{n} touches name only a customer (journeys here are leads); left out.",
                     "{n} 个触点只关联客户（此处按线索构建路径），未计入。", n=int((~has_lead & has_cust).sum()))
    else:
        t = tp.loc[has_cust]
        if orders is None:
            out.off("Journeys by customer need the orders table (customer_id, order_date, amount).",
                    "按客户构建路径需要 orders 表（customer_id、order_date、amount）。")
            return out
        ids = t["customer_id"].astype("str")
        outcomes = customer_outcomes(t.groupby(ids)["ts"].min(), orders)
        if (has_lead & ~has_cust).any():
            out.note("{n} touches name only a lead (journeys here are customers); left out.",
                     "{n} 个触点只关联线索（此处按客户构建路径），未计入。", n=int((has_lead & ~has_cust).sum()))
    out.touches = pd.DataFrame({"journey_id": ids.to_numpy(), "ts": t["ts"].to_numpy(),
                                "channel_id": t["channel_id"].astype("str").to_numpy()})
    outcomes = outcomes.loc[outcomes["journey_id"].isin(out.touches["journey_id"])
                            | outcomes["converted"]].reset_index(drop=True)
    late = outcomes["converted"] & (outcomes["converted_at"] > as_of)
    outcomes.loc[late, ["converted", "value"]] = [False, 0.0]
    outcomes.loc[late, "converted_at"] = pd.NaT
    out.outcomes = outcomes
    conv = outcomes.loc[outcomes["converted"], "converted_at"]
    if len(conv):
        out.window = (conv.min().to_period("M"), conv.max().to_period("M"))
    if out.touches.empty:
        out.off("The touchpoints table has no touch that names a {kind}.",
                "touchpoints 表中没有关联到{kind_zh}的触点。", kind=kind, kind_zh="线索" if kind == "lead" else "客户")
    return out
