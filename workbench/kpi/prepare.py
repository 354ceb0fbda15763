"""Preparing the KPI review: order lines, leads and feedback attributed to months and levels.

:func:`prepare` turns a loaded dataset into :class:`KpiData`: every order line,
lead and feedback response gets its month and its key at each level.

Attribution (documented in ``docs/kpi.md``)
-------------------------------------------
- **channel**: the row's ``channel_id``.
- **region**: the order's ``region``; a blank one is taken, in the order of
  ``region_fallback``, from the customer's region, then from the rep's region;
  what is still blank counts as ``(unattributed)`` (it stays in the company total).
  Leads have no region column: the rep's region, else the customer's.
- **team / rep**: the row's ``rep_id`` and that rep's team. Orders without a rep
  (e-commerce) belong to no team and no rep: team and rep totals do not add up to
  the company, and the report says by how much.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.data.loader import Dataset
from workbench.kpi import formula as F
from workbench.kpi import keys as K
from workbench.kpi import periods as P
from workbench.reporting import Note as ReportNote
from workbench.reporting import share

log = logging.getLogger(__name__)

LEVELS = ("company", "channel", "region", "team", "rep")
UNATTRIBUTED = "(unattributed)"


@dataclass
class Note(ReportNote):
    """The reporting layer's note, with the report section it belongs to (``data``, ``targets``, ``gap``,
    ``forecast``) so that each section shows its own."""

    section: str = "data"


@dataclass
class KpiData:
    """A dataset made ready for the KPI review (see :func:`prepare`)."""

    orders: pd.DataFrame
    leads: pd.DataFrame | None
    feedback: pd.DataFrame | None
    new_customers: pd.DataFrame | None
    targets: pd.DataFrame | None
    reps: pd.DataFrame | None
    stages: pd.DataFrame | None
    stage_history: pd.DataFrame | None
    actions: pd.DataFrame | None
    as_of: pd.Timestamp
    first_month: int
    last_month: int  # last complete month at as_of
    fy_start: int
    currency: str
    notes: list[Note] = field(default_factory=list)
    kpis: dict[str, dict] = field(default_factory=dict)
    cache: dict = field(default_factory=dict, repr=False)  # derived frames reused by several sections

    def note(self, en: str, zh: str, section: str = "data", **values) -> None:
        self.notes.append(Note(en, zh, values, section=section))


def kpi_catalogue(kpis: list[str], custom: dict) -> dict[str, dict]:
    """Name -> {formula, additive, higher_is_better, format, n, source} for the KPIs reviewed."""
    out = {}
    for k in kpis:
        if k in F.BUILTIN_KPIS:
            f, add, hib, fmt, n, src = F.BUILTIN_KPIS[k]
        else:
            c = custom[k]
            f, hib = c.formula, c.higher_is_better
            add = F.is_additive(f)
            src = F.source_of(f)
            fmt = "money" if add and "revenue" in f else "num"
            n = "leads" if src == "leads" else "responses" if src == "feedback" else "orders"
        out[k] = {"formula": f, "additive": add, "higher_is_better": hib, "format": fmt, "n": n, "source": src}
    return out


def _rep_lookup(ds: Dataset) -> pd.DataFrame | None:
    if not ds.has("reps"):
        return None
    r = ds["reps"].drop_duplicates("rep_id").set_index("rep_id")
    return r


def _customer_lookup(ds: Dataset) -> pd.DataFrame | None:
    """Customers by ``customer_id`` (the first row of an id given twice)."""
    if not ds.has("customers"):
        return None
    c = ds["customers"]
    codes, uniq = pd.factorize(c["customer_id"], use_na_sentinel=False)
    if len(uniq) < len(c):  # rare: ids given twice (the loader reports them); keep each id's first row
        c = c.take(K.first_rows(codes))
    return c.set_index("customer_id")


def _text(s: pd.Series) -> pd.Series:
    """``s.astype("str")`` on a fresh RangeIndex (the frames built here are numbered 0..n-1)."""
    return pd.Series(s.astype("str").array, name=s.name)


def _attach_levels(df: pd.DataFrame, reps: pd.DataFrame | None, region: pd.Series | None) -> pd.DataFrame:
    df["company"] = ""
    df["channel"] = df["channel_id"].astype("str").fillna(UNATTRIBUTED) if "channel_id" in df else UNATTRIBUTED
    rep = df["rep_id"].astype("str") if "rep_id" in df else pd.Series(pd.NA, index=df.index, dtype="str")
    df["rep"] = rep
    if reps is not None and "team" in reps:
        df["team"] = K.map_values(rep, reps["team"]).astype("str")
    else:
        df["team"] = pd.Series(pd.NA, index=df.index, dtype="str")
    df["region"] = (region if region is not None else pd.Series(pd.NA, index=df.index, dtype="str")).fillna(UNATTRIBUTED)
    return df


def _fill(base: pd.Series, source: pd.Series, keys: pd.Series) -> tuple[pd.Series, int]:
    blank = base.isna()
    if not blank.any():
        return base, 0
    got = K.map_values(keys[blank], source)
    return base.fillna(got), int(got.notna().sum())


def _fill_steps(base: pd.Series, steps: list[tuple[str, pd.Series, pd.Series]]) -> tuple[pd.Series, dict[str, int]]:
    """:func:`_fill` from each ``(name, source, keys)`` in turn, worked on the blank rows only and written
    back once (a column of ten million texts is copied once, not once per step); how many each filled."""
    blank = base.isna().to_numpy()
    if not blank.any() or not steps:
        return base, {name: 0 for name, _, _ in steps}
    part = base[blank]
    filled = {}
    for name, source, keys in steps:
        part, filled[name] = _fill(part, source, keys[blank])
    return base.fillna(part), filled


def _upto(df: pd.DataFrame, dates: pd.Series, end: pd.Timestamp) -> pd.DataFrame:
    """The rows dated up to ``end`` (all of them without a copy when none is later), numbered 0..n-1."""
    keep = (dates <= end).to_numpy()
    if keep.all():
        return df.reset_index(drop=True)
    return df.loc[keep].reset_index(drop=True)


def _order_lines(o: pd.DataFrame, end: pd.Timestamp) -> tuple[pd.DataFrame, pd.Series]:
    """Order lines dated up to ``end`` in the review's columns, and their region as given."""
    na = pd.Series(pd.NA, index=o.index, dtype="str")
    orders = pd.DataFrame({
        "order_id": o["order_id"], "date": o["order_date"], "customer_id": o["customer_id"],
        "amount": o["amount"].astype(float),
        "cost": o["cost"].astype(float) if "cost" in o else np.nan,
        "quantity": o["quantity"].astype(float) if "quantity" in o else np.nan,
        "product_id": o["product_id"] if "product_id" in o else na,
        "channel_id": o["channel_id"] if "channel_id" in o else na,
        "rep_id": o["rep_id"] if "rep_id" in o else na,
        "region": o["region"] if "region" in o else na,
    })
    orders = _upto(orders, orders["date"], end)
    return orders.drop(columns="region"), orders["region"]


def prepare(ds: Dataset, params) -> KpiData:
    """Attribute orders, leads and feedback to months and levels; note what could not be attributed.

    Parameters
    ----------
    ds : Dataset
        Loaded dataset with at least ``orders``.
    params : KpiParams
        Validated parameters (``as_of``, ``region_fallback``, ``kpis`` ...).

    Returns
    -------
    KpiData
    """
    o = ds["orders"]
    reps = _rep_lookup(ds)
    cust = _customer_lookup(ds)
    as_of = pd.Timestamp(params.as_of) if params.as_of else o["order_date"].max().normalize()
    end = as_of + pd.Timedelta(hours=23, minutes=59)
    data_notes: list[Note] = []

    orders, region = _order_lines(o, end)
    blank0 = int(region.isna().sum())
    sources = {"customers": (cust, "customer_id"), "reps": (reps, "rep_id")}
    steps = [(src, sources[src][0]["region"], orders[sources[src][1]]) for src in params.region_fallback
             if sources[src][0] is not None and "region" in sources[src][0]]
    region, filled = _fill_steps(region, steps)
    orders = _attach_levels(orders, reps, region)
    orders["month"] = P.month_of(orders["date"])
    # integer codes: distinct counts on integers are many times faster than on text
    orders["order_code"] = pd.factorize(orders["order_id"])[0]
    orders["customer_code"] = pd.factorize(orders["customer_id"])[0]
    if blank0:
        left = int((orders["region"] == UNATTRIBUTED).sum())
        data_notes.append(Note(
            "{blank} order line(s) ({share}) have a blank region: {cust} took the customer's region, {rep} the "
            "rep's, {left} stay unattributed (in the company total, in no region).",
            "{blank} 条订单行（{share}）区域为空：其中 {cust} 条按客户所在区域归属，{rep} 条按销售代表所在区域归属，"
            "{left} 条无法归属（计入公司合计，不计入任何区域）。",
            {"blank": blank0, "share": share(blank0 / max(len(orders), 1)), "cust": filled.get("customers", 0),
             "rep": filled.get("reps", 0), "left": left}))
    no_rep = orders["rep"].isna()
    if no_rep.any():
        no_share = orders.loc[no_rep, "amount"].sum() / orders["amount"].sum() if orders["amount"].sum() else 0
        chans = ", ".join(sorted(orders.loc[no_rep, "channel"].dropna().unique().tolist())[:8])
        data_notes.append(Note(
            "{n} order line(s) carry no rep ({share} of revenue, channels {chans}, e.g. e-commerce): they count for "
            "the company, channel and region, not for any team or rep.",
            "{n} 条订单行没有销售代表（占收入 {share}，渠道 {chans}，如电商）：计入公司、渠道和区域，不计入任何团队或个人。",
            {"n": int(no_rep.sum()), "share": share(no_share), "chans": chans}))

    first_month = int(orders["month"].min()) if len(orders) else P.month_of(pd.Series([as_of]))[0]
    am = int(P.month_of(pd.Series([as_of]))[0])
    last_month = am if as_of.normalize() == P.month_end(am) else am - 1

    leads = _leads(ds["leads"], reps, cust, as_of) if ds.has("leads") else None
    fb = _feedback(ds["feedback"], cust, end) if ds.has("feedback") else None

    if leads is not None and len(leads):
        first_month = min(first_month, int(leads["month"].min()))
    newc = _new_customers(ds, orders, cust, as_of, data_notes)
    kd = KpiData(
        orders=orders, leads=leads, feedback=fb, new_customers=newc,
        targets=ds["targets"] if ds.has("targets") else None, reps=reps.reset_index() if reps is not None else None,
        stages=ds["stages"].sort_values("order").reset_index(drop=True) if ds.has("stages") else None,
        stage_history=ds["stage_history"] if ds.has("stage_history") else None,
        actions=ds["actions"] if ds.has("actions") else None,
        as_of=as_of, first_month=first_month, last_month=last_month, fy_start=ds.meta.fiscal_year_start,
        currency=ds.meta.currency, notes=data_notes, kpis=kpi_catalogue(params.kpis, params.custom_kpis),
    )
    rejected = [i for i in ds.errors if i.table == "targets"]
    if rejected:
        kd.note("targets were rejected by the loader, so every target-based section is off: {why}",
                "目标表（targets）未通过校验，所有基于目标的内容已关闭：{why}",
                why="; ".join(str(i) for i in rejected[:3]))
    missing = [k for k, v in kd.kpis.items() if v["source"] in ("leads", "feedback") and not ds.has(v["source"])]
    for k in missing:
        kd.note("KPI {kpi} needs the {table} table, which is absent: it is left out.",
                "KPI {kpi} 需要 {table} 表，但该表缺失：已略去。", kpi=k, table=kd.kpis[k]["source"])
        kd.kpis.pop(k)
    return kd


def _leads(lead: pd.DataFrame, reps: pd.DataFrame | None, cust: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Leads created up to ``as_of`` with their levels (region: the rep's, else the customer's) and month;
    the status as known at ``as_of`` (a lead closed later was still open then)."""
    lead = _upto(lead, lead["created_date"], as_of + pd.Timedelta(hours=23, minutes=59))
    na = pd.Series(pd.NA, index=lead.index, dtype="str")
    L = pd.DataFrame({
        "lead_id": lead["lead_id"], "created": lead["created_date"],
        "closed": lead["closed_date"] if "closed_date" in lead else pd.Series(pd.NaT, index=lead.index),
        "status": lead["status"],
        "amount": pd.to_numeric(lead["amount"], errors="coerce") if "amount" in lead else np.nan,
        "channel_id": lead["channel_id"], "rep_id": lead["rep_id"] if "rep_id" in lead else na,
        "customer_id": lead["customer_id"] if "customer_id" in lead else na,
        "stage": lead["stage"] if "stage" in lead else na,
    })
    for c in ("rep_id", "customer_id", "channel_id", "stage", "lead_id", "status"):
        L[c] = _text(L[c])
    reg = K.map_values(L["rep_id"], reps["region"]) if reps is not None and "region" in reps else pd.Series(pd.NA, index=L.index, dtype="str")
    if cust is not None and "region" in cust:
        reg, _ = _fill(reg.astype("str"), cust["region"], L["customer_id"])
    leads = _attach_levels(L, reps, reg.astype("str"))
    leads["month"] = P.month_of(leads["created"])
    late = leads["closed"].notna() & (leads["closed"] > as_of)
    if late.any():
        leads["status"] = leads["status"].mask(late, "open")
    return leads


def _feedback(f: pd.DataFrame, cust: pd.DataFrame | None, end: pd.Timestamp) -> pd.DataFrame:
    """Feedback responses dated up to ``end`` with their levels (region: the customer's) and month."""
    f = _upto(f, f["date"], end)
    fb = pd.DataFrame({
        "date": f["date"],
        "channel_id": _text(f["channel_id"] if "channel_id" in f else pd.Series(pd.NA, index=f.index, dtype="str")),
        "customer_id": _text(f["customer_id"] if "customer_id" in f else pd.Series(pd.NA, index=f.index, dtype="str")),
        "nps": (f["nps"] if "nps" in f else pd.Series(np.nan, index=f.index)).to_numpy(dtype=float),
        "csat": (f["csat"] if "csat" in f else pd.Series(np.nan, index=f.index)).to_numpy(dtype=float),
    })
    reg = K.map_values(fb["customer_id"], cust["region"]) if cust is not None and "region" in cust else None
    fb = _attach_levels(fb, None, reg.astype("str") if reg is not None else None)
    fb["rep"] = pd.Series(pd.NA, index=fb.index, dtype="str")
    fb["month"] = P.month_of(fb["date"])
    return fb


def _first_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Each customer's first order line with a positive amount (earliest date, then row order)."""
    pos = np.flatnonzero((orders["amount"] > 0).to_numpy())
    pos = pos[np.argsort(orders["date"].to_numpy()[pos], kind="stable")]
    rows = pos[K.first_rows(orders["customer_code"].to_numpy()[pos])]
    cols = ["customer_id", "date", "channel", "region", "rep", "team"]
    return orders[cols].take(rows).reset_index(drop=True)


def _new_customers(ds, orders, cust, as_of, notes) -> pd.DataFrame:
    """One row per new customer: the month it was created (``customers.created_date``, else its
    first order) and its keys (acquisition channel, region; rep and team of its first order)."""
    first = _first_orders(orders)
    if cust is not None and "created_date" in cust and cust["created_date"].notna().any():
        c = cust.loc[(cust["created_date"].notna() & (cust["created_date"] <= as_of)).to_numpy()]
        ids = c.index.array if K.arrow_text(c.index) is not None and c.index.notna().any() else c.index.to_numpy()
        nc = pd.DataFrame({"customer_id": ids, "date": c["created_date"].to_numpy()})
        pos = K.positions(nc["customer_id"], first["customer_id"])
        firsts = {k: pd.Series(first[k].array.take(pos, allow_fill=True)) for k in ("channel", "region", "rep", "team")}
        # (made text right away: taken as Arrow text or as objects, the same values)
        nc["channel"] = (c["acquisition_channel_id"].array if "acquisition_channel_id" in c else pd.NA)
        nc["channel"] = nc["channel"].astype("str").fillna(firsts["channel"])
        nc["region"] = (c["region"].array if "region" in c else pd.NA)
        nc["region"] = nc["region"].astype("str").fillna(firsts["region"]).fillna(UNATTRIBUTED)
        nc["rep"] = firsts["rep"].astype("str")
        nc["team"] = firsts["team"].astype("str")
    else:
        nc = first[["customer_id", "date", "channel", "region", "rep", "team"]].copy()
        notes.append(Note("New customers are counted by their first order (customers.created_date is absent); "
                          "customers ordering in the first month of the data may be older.",
                          "新客户按首单日期计算（缺少 customers.created_date）；数据首月下单的客户可能是老客户。"))
    nc["company"] = ""
    nc["month"] = P.month_of(nc["date"])
    return nc


# ----------------------------------------------------------------------------- measures
