"""Reference implementations: the KPI review's code before it was made fast at ten million lines.

Straightforward pandas on text keys, kept verbatim (``git show 74d13ff:workbench/kpi/...``) so that
the tests can check the fast code gives the same frames on awkward data. One deliberate change:
``prepare`` takes each kept order line's own region (the old code took the region of the first
rows when ``as_of`` dropped later lines that were not at the end of the table).
"""

# ruff: noqa
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.kpi import actuals as A
from workbench.kpi import formula as F
from workbench.kpi import periods as P
from workbench.kpi import incentives as I
from workbench.kpi.actuals import _needed
from workbench.kpi.attainment import price_volume_mix, review_months, target_months, targets_by_period
from workbench.kpi.incentives import INCENTIVE_COLUMNS, IncentivePlan, commission
from workbench.kpi.team import _pool_and_rank, _rep_info, _stage_names
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint
from workbench.kpi.prepare import UNATTRIBUTED, KpiData, Note, kpi_catalogue
from workbench.reporting import share

Dataset = object


# --- prepare.py

def _rep_lookup(ds: Dataset) -> pd.DataFrame | None:
    if not ds.has("reps"):
        return None
    r = ds["reps"].drop_duplicates("rep_id").set_index("rep_id")
    return r


def _attach_levels(df: pd.DataFrame, reps: pd.DataFrame | None, region: pd.Series | None) -> pd.DataFrame:
    df["company"] = ""
    df["channel"] = df["channel_id"].astype("str").fillna(UNATTRIBUTED) if "channel_id" in df else UNATTRIBUTED
    rep = df["rep_id"].astype("str") if "rep_id" in df else pd.Series(pd.NA, index=df.index, dtype="str")
    df["rep"] = rep
    if reps is not None and "team" in reps:
        df["team"] = rep.map(reps["team"]).astype("str")
    else:
        df["team"] = pd.Series(pd.NA, index=df.index, dtype="str")
    df["region"] = (region if region is not None else pd.Series(pd.NA, index=df.index, dtype="str")).fillna(UNATTRIBUTED)
    return df


def _fill(base: pd.Series, source: pd.Series, keys: pd.Series) -> tuple[pd.Series, int]:
    blank = base.isna()
    if not blank.any():
        return base, 0
    got = keys[blank].map(source)
    base = base.copy()
    base.loc[blank] = got
    return base, int(got.notna().sum())


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
    cust = ds["customers"].drop_duplicates("customer_id").set_index("customer_id") if ds.has("customers") else None
    as_of = pd.Timestamp(params.as_of) if params.as_of else o["order_date"].max().normalize()
    data_notes: list[Note] = []

    orders = pd.DataFrame({
        "order_id": o["order_id"], "date": o["order_date"], "customer_id": o["customer_id"],
        "amount": o["amount"].astype(float),
        "cost": o["cost"].astype(float) if "cost" in o else np.nan,
        "quantity": o["quantity"].astype(float) if "quantity" in o else np.nan,
        "product_id": o["product_id"] if "product_id" in o else pd.Series(pd.NA, index=o.index, dtype="str"),
        "channel_id": o["channel_id"] if "channel_id" in o else pd.Series(pd.NA, index=o.index, dtype="str"),
        "rep_id": o["rep_id"] if "rep_id" in o else pd.Series(pd.NA, index=o.index, dtype="str"),
    })
    orders = orders.loc[orders["date"] <= as_of + pd.Timedelta(hours=23, minutes=59)].reset_index(drop=True)
    # the one change: each kept line's own region (the code before took the first rows' regions)
    kept = o["order_date"] <= as_of + pd.Timedelta(hours=23, minutes=59)
    region = o["region"].loc[kept] if "region" in o else pd.Series(pd.NA, index=orders.index, dtype="str")
    region = region.reset_index(drop=True)
    blank0 = int(region.isna().sum())
    filled = {}
    for src in params.region_fallback:
        if src == "customers" and cust is not None and "region" in cust:
            region, filled["customers"] = _fill(region, cust["region"], orders["customer_id"])
        if src == "reps" and reps is not None and "region" in reps:
            region, filled["reps"] = _fill(region, reps["region"], orders["rep_id"])
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

    leads = None
    if ds.has("leads"):
        lead = ds["leads"]
        lead = lead.loc[lead["created_date"] <= as_of + pd.Timedelta(hours=23, minutes=59)]
        L = pd.DataFrame({
            "lead_id": lead["lead_id"].to_numpy(), "created": lead["created_date"].to_numpy(),
            "closed": (lead["closed_date"] if "closed_date" in lead else pd.Series(pd.NaT, index=lead.index)).to_numpy(),
            "status": lead["status"].to_numpy(), "amount": (lead["amount"] if "amount" in lead else np.nan),
            "channel_id": lead["channel_id"].to_numpy(),
            "rep_id": (lead["rep_id"] if "rep_id" in lead else pd.Series(pd.NA, index=lead.index, dtype="str")).to_numpy(),
            "customer_id": (lead["customer_id"] if "customer_id" in lead
                            else pd.Series(pd.NA, index=lead.index, dtype="str")).to_numpy(),
            "stage": (lead["stage"] if "stage" in lead else pd.Series(pd.NA, index=lead.index, dtype="str")).to_numpy(),
        })
        L["amount"] = pd.to_numeric(pd.Series(np.asarray(L["amount"])), errors="coerce").to_numpy()
        for c in ("rep_id", "customer_id", "channel_id", "stage", "lead_id", "status"):
            L[c] = L[c].astype("str")
        reg = L["rep_id"].map(reps["region"]) if reps is not None and "region" in reps else pd.Series(pd.NA, index=L.index, dtype="str")
        if cust is not None and "region" in cust:
            reg, _ = _fill(reg.astype("str"), cust["region"], L["customer_id"])
        leads = _attach_levels(L, reps, reg.astype("str"))
        leads["month"] = P.month_of(leads["created"])
        # status as known at as_of: a lead closed after as_of was still open then
        late = leads["closed"].notna() & (leads["closed"] > as_of)
        leads.loc[late, "status"] = "open"

    fb = None
    if ds.has("feedback"):
        f = ds["feedback"]
        f = f.loc[f["date"] <= as_of + pd.Timedelta(hours=23, minutes=59)]
        fb = pd.DataFrame({
            "date": f["date"].to_numpy(),
            "channel_id": (f["channel_id"] if "channel_id" in f else pd.Series(pd.NA, index=f.index, dtype="str")).to_numpy(),
            "customer_id": (f["customer_id"] if "customer_id" in f else pd.Series(pd.NA, index=f.index, dtype="str")).to_numpy(),
            "nps": (f["nps"] if "nps" in f else pd.Series(np.nan, index=f.index)).to_numpy(dtype=float),
            "csat": (f["csat"] if "csat" in f else pd.Series(np.nan, index=f.index)).to_numpy(dtype=float),
        })
        fb["channel_id"] = fb["channel_id"].astype("str")
        fb["customer_id"] = fb["customer_id"].astype("str")
        reg = fb["customer_id"].map(cust["region"]) if cust is not None and "region" in cust else None
        fb = _attach_levels(fb, None, reg.astype("str") if reg is not None else None)
        fb["rep"] = pd.Series(pd.NA, index=fb.index, dtype="str")
        fb["month"] = P.month_of(fb["date"])

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


def _new_customers(ds, orders, cust, as_of, notes) -> pd.DataFrame:
    """One row per new customer: the month it was created (``customers.created_date``, else its
    first order) and its keys (acquisition channel, region; rep and team of its first order)."""
    pos = orders.loc[orders["amount"] > 0].sort_values("date", kind="stable")
    first = pos.drop_duplicates("customer_id")
    first = first.set_index("customer_id")
    if cust is not None and "created_date" in cust and cust["created_date"].notna().any():
        c = cust.loc[cust["created_date"].notna() & (cust["created_date"] <= as_of)]
        nc = pd.DataFrame({"customer_id": c.index.to_numpy(), "date": c["created_date"].to_numpy()})
        nc["channel"] = (c["acquisition_channel_id"].to_numpy() if "acquisition_channel_id" in c else pd.NA)
        nc["channel"] = nc["channel"].astype("str").fillna(nc["customer_id"].map(first["channel"]))
        nc["region"] = (c["region"].to_numpy() if "region" in c else pd.NA)
        nc["region"] = nc["region"].astype("str").fillna(nc["customer_id"].map(first["region"])).fillna(UNATTRIBUTED)
        nc["rep"] = nc["customer_id"].map(first["rep"]).astype("str")
        nc["team"] = nc["customer_id"].map(first["team"]).astype("str")
    else:
        nc = first.reset_index()[["customer_id", "date", "channel", "region", "rep", "team"]]
        notes.append(Note("New customers are counted by their first order (customers.created_date is absent); "
                          "customers ordering in the first month of the data may be older.",
                          "新客户按首单日期计算（缺少 customers.created_date）；数据首月下单的客户可能是老客户。"))
    nc["company"] = ""
    nc["month"] = P.month_of(nc["date"])
    return nc



# --- actuals.py

def _group_orders(o: pd.DataFrame, by: list[str], need: set[str] | None = None) -> pd.DataFrame:
    costed = o["cost"].notna()
    amt = o["amount"]
    frame = pd.DataFrame({
        **{b: o[b] for b in by},
        "revenue": amt, "sales": amt.clip(lower=0), "returns": (-amt).clip(lower=0),
        "cost": o["cost"].where(costed, 0.0), "costed_revenue": amt.where(costed, 0.0),
        "quantity": o["quantity"].fillna(0.0), "lines": 1, "costed_lines": costed.astype(int),
    })
    g = frame.groupby(by, sort=False, dropna=True)
    out = g[["revenue", "sales", "returns", "cost", "costed_revenue", "quantity", "lines", "costed_lines"]].sum()
    keys = [frame[b] for b in by]
    for name, col, mask in (("orders", "order_code", amt > 0), ("customers", "customer_code", None)):
        if need is not None and name not in need:
            out[name] = 0.0
            continue
        codes = o[col] if col in o else pd.Series(pd.factorize(o["order_id" if name == "orders" else "customer_id"])[0],
                                                  index=o.index)
        sel = mask if mask is not None else pd.Series(True, index=o.index)
        d = pd.DataFrame({**{b: k[sel] for b, k in zip(by, keys, strict=True)}, "c": codes[sel]}).drop_duplicates()
        out[name] = d.groupby(by, sort=False).size().reindex(out.index, fill_value=0)
    return out


def _group_leads(L: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({
        **{b: L[b] for b in by}, "leads": 1, "won": (L["status"] == "won").astype(int),
        "lost": (L["status"] == "lost").astype(int), "open": (L["status"] == "open").astype(int),
        "won_value": L["amount"].where(L["status"] == "won", 0.0).fillna(0.0),
    })
    return frame.groupby(by, sort=False, dropna=True).sum()


def _group_feedback(f: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({
        **{b: f[b] for b in by}, "responses": 1, "csat_n": f["csat"].notna().astype(int),
        "csat_sum": f["csat"].fillna(0.0), "nps_n": f["nps"].notna().astype(int),
        "promoters": (f["nps"] >= 9).astype(int), "detractors": (f["nps"] <= 6).astype(int),
    })
    return frame.groupby(by, sort=False, dropna=True).sum()


def _measures(kd: KpiData, level: str, granularity: str, months) -> pd.DataFrame:
    parts = []
    sources = [("orders", kd.orders, _group_orders), ("leads", kd.leads, _group_leads),
               ("feedback", kd.feedback, _group_feedback), ("new", kd.new_customers, None)]
    for _name, df, fn in sources:
        if df is None or len(df) == 0 or level not in df:
            continue
        d = df
        if months is not None:
            d = d.loc[(d["month"] >= months[0]) & (d["month"] <= months[1])]
        d = d.loc[d[level].notna() & (d["month"] >= 0)]
        if granularity == "month":
            per = d["month"].to_numpy()
        else:
            per = P.labels(d["month"].to_numpy(), granularity, kd.fy_start)
        # group on integer codes (much faster than on long text columns), labels put back after
        pcodes, puniq = pd.factorize(per)
        kcodes, kuniq = pd.factorize(d[level])
        d = d.assign(period=pcodes, key=kcodes)
        if fn is None:
            g = d.groupby(["period", "key"], sort=False).size().rename("new_customers").to_frame()
        elif fn is _group_orders:
            g = fn(d, ["period", "key"], _needed(kd))
        else:
            g = fn(d, ["period", "key"])
        p_idx, k_idx = g.index.get_level_values(0).to_numpy(), g.index.get_level_values(1).to_numpy()
        g.index = pd.MultiIndex.from_arrays([np.asarray(puniq)[p_idx], np.asarray(kuniq, dtype=object)[k_idx]],
                                            names=["period", "key"])
        parts.append(g)
    if not parts:
        return pd.DataFrame(columns=["period", "key", *F.MEASURES])
    out = pd.concat(parts, axis=1).fillna(0.0)
    for m in F.MEASURES:
        if m not in out:
            out[m] = 0.0
    out = out.reset_index()
    if granularity == "month":
        out["period"] = [P.month_label(int(m)) for m in out["period"]]
    return out.sort_values(["period", "key"], kind="stable").reset_index(drop=True)



# --- forecast.py

def _cut(kd: A.KpiData, cutoff: pd.Timestamp) -> A.KpiData:
    """The data as they stood at the end of ``cutoff`` (orders, leads, feedback)."""
    end = cutoff + pd.Timedelta(hours=23, minutes=59)
    leads = None
    if kd.leads is not None:
        leads = kd.leads.loc[kd.leads["created"] <= end].copy()
        late = leads["closed"].notna() & (leads["closed"] > end)
        leads.loc[late, "status"] = "open"
    return dataclasses.replace(kd, orders=kd.orders.loc[kd.orders["date"] <= end], leads=leads, notes=[], cache={})


def _series(kd_cut: A.KpiData, level: str, kpi: str, last_month: int) -> pd.DataFrame:
    """Key x month values of an additive KPI from the first month to ``last_month``."""
    cols = list(range(kd_cut.first_month, last_month + 1))
    if kpi == "revenue":  # the common case, one grouped sum instead of every measure
        o = kd_cut.orders
        o = o.loc[o[level].notna() & (o["month"] <= last_month)]
        wide = o.groupby([o[level], o["month"]])["amount"].sum().unstack(fill_value=0.0)
    else:
        m = A.measures(kd_cut, level, "month", (kd_cut.first_month, last_month))
        v = A.kpi_values(kd_cut, m, level)
        v = v.loc[v["kpi"] == kpi].assign(month=lambda d: [P.months_of(p)[0] for p in d["period"]])
        wide = v.pivot_table(index="key", columns="month", values="actual", aggfunc="sum", fill_value=0.0)
    return wide.reindex(columns=cols, fill_value=0.0)


def _lookup(values: pd.Series, mapping: pd.Series) -> np.ndarray:
    """``values.map(mapping)`` as floats, looking each distinct value up once (fast on long text columns)."""
    codes, uniq = pd.factorize(values)
    table = np.append(mapping.reindex(uniq).to_numpy(dtype=float), np.nan)
    return table[np.where(codes < 0, len(uniq), codes)]


def _stage_frame(kd: A.KpiData, cutoff: pd.Timestamp) -> pd.DataFrame | None:
    """Per lead created by ``cutoff``: furthest stage order reached by then and the day it was entered."""
    if kd.leads is None or kd.stages is None:
        return None
    ck = ("ref_stage_frame", pd.Timestamp(cutoff))
    if ck not in kd.cache:
        kd.cache[ck] = _compute_stage_frame(kd, cutoff)
    return kd.cache[ck]


def _compute_stage_frame(kd: A.KpiData, cutoff: pd.Timestamp) -> pd.DataFrame:
    order = kd.stages.set_index("stage")["order"]
    end = cutoff + pd.Timedelta(hours=23, minutes=59)
    if kd.stage_history is not None and len(kd.stage_history):
        sh = kd.stage_history
        sh = sh.loc[sh["entered_date"] <= end]
        sh = pd.DataFrame({"lead_id": sh["lead_id"].to_numpy(),
                           "order": _lookup(sh["stage"], order),
                           "entered": sh["entered_date"].to_numpy()})
        # sorting on the numeric stage order only, then keeping each lead's last row, is the furthest stage
        sh = sh.loc[sh["order"].notna()].sort_values("order", kind="stable")
        last = sh.drop_duplicates("lead_id", keep="last").set_index("lead_id")
    else:
        L = kd.leads
        last = pd.DataFrame({"order": L["stage"].map(order).to_numpy(dtype=float), "entered": L["created"].to_numpy()},
                            index=L["lead_id"].to_numpy())
    L = kd.leads.loc[kd.leads["created"] <= end]
    f = pd.DataFrame({"lead_id": L["lead_id"].to_numpy(), "created": L["created"].to_numpy(),
                      "closed": L["closed"].to_numpy(), "status": L["status"].to_numpy(),
                      "amount": L["amount"].to_numpy(dtype=float), "channel": L["channel"].to_numpy()})
    for lv in ("company", "region", "team", "rep"):
        f[lv] = L[lv].to_numpy()
    pos = last.index.get_indexer(f["lead_id"])  # one lookup for both columns
    found = pos >= 0
    f["order"] = np.where(found, last["order"].to_numpy()[np.maximum(pos, 0)], 1.0)
    entered = pd.to_datetime(pd.Series(last["entered"].to_numpy()[np.maximum(pos, 0)]))
    f["entered"] = entered.where(found, pd.Series(f["created"].to_numpy())).to_numpy()
    closed_by = f["closed"].notna() & (f["closed"] <= end)
    f["state"] = np.where(closed_by & (f["status"] == "won"), "won",
                          np.where(closed_by & (f["status"] == "lost"), "lost", "open"))
    f.loc[(f["state"] == "open") & (f["status"] != "open") & f["closed"].isna(), "state"] = f["status"]
    return f


@dataclasses.dataclass
class StageModel:
    """Win probabilities by stage (and channel) learned at a cutoff, with time-to-close samples."""

    cutoff: pd.Timestamp
    rates: pd.DataFrame  # stage order, channel, reached, won, p_won, p_stage
    won_delay: dict  # stage order -> sorted days from entering it to a won close
    lost_delay: dict
    final_order: float
    crm: pd.Series  # stage order -> CRM probability


def learn(kd: A.KpiData, cutoff: pd.Timestamp, params) -> StageModel | None:
    """Learn P(won | reached stage) by channel from mature creation cohorts closed by ``cutoff``."""
    ck = ("ref_learn", pd.Timestamp(cutoff), params.maturity_days, params.pooling_strength)
    if ck not in kd.cache:
        kd.cache[ck] = _learn(kd, cutoff, params)
    return kd.cache[ck]


def _learn(kd: A.KpiData, cutoff: pd.Timestamp, params) -> StageModel | None:
    f = _stage_frame(kd, cutoff)
    if f is None:
        return None
    final = float(kd.stages["order"].max())
    mature = f.loc[(f["created"] <= cutoff - pd.Timedelta(days=params.maturity_days))
                   & (f["created"] > cutoff - pd.Timedelta(days=730)) & f["state"].isin(["won", "lost"])]
    if mature.empty:
        return None
    sh = kd.stage_history
    order = kd.stages.set_index("stage")["order"]
    orders = sorted(o for o in kd.stages["order"] if o < final)
    recs = []
    for s in orders:
        r = mature.loc[(mature["order"] >= s) | (mature["state"] == "won")]
        g = pd.DataFrame({"channel": r["channel"].to_numpy(), "won": (r["state"] == "won").to_numpy(dtype=np.int64)})
        g = g.groupby("channel").agg(reached=("won", "size"), won=("won", "sum"))
        recs.append(g.reset_index().assign(order=s))
    rates = pd.concat(recs, ignore_index=True)
    tot = rates.groupby("order")[["reached", "won"]].sum()
    p_stage = (tot["won"] / tot["reached"]).rename("p_stage")
    rates = rates.join(p_stage, on="order")
    k = params.pooling_strength
    rates["p_won"] = (rates["won"] + k * rates["p_stage"]) / (rates["reached"] + k)
    # time from entering a stage to the close, per stage, for won and lost leads
    won_delay, lost_delay = {}, {}
    if sh is not None and len(sh):
        mids = pd.Index(mature["lead_id"].astype("str"))
        if mids.is_unique:  # the usual case: one positional lookup instead of a merge
            pos = mids.get_indexer(sh["lead_id"].astype("str"))
            keep = pos >= 0
            pos = pos[keep]
            h = pd.DataFrame({"order": _lookup(sh["stage"], order)[keep],
                              "entered": sh["entered_date"].to_numpy()[keep],
                              "closed": mature["closed"].to_numpy()[pos], "state": mature["state"].to_numpy()[pos]})
        else:
            h = pd.DataFrame({"lead_id": sh["lead_id"].astype("str").to_numpy(), "order": _lookup(sh["stage"], order),
                              "entered": sh["entered_date"].to_numpy()})
            h = h.merge(mature[["lead_id", "closed", "state"]].astype({"lead_id": "str"}), on="lead_id")
    else:
        h = mature.assign(entered=mature["created"])[["lead_id", "order", "entered", "closed", "state"]]
    h["days"] = (pd.to_datetime(h["closed"]) - pd.to_datetime(h["entered"])).dt.days
    for s in orders:
        hs = h.loc[h["order"] == s]
        won_delay[s] = np.sort(hs.loc[hs["state"] == "won", "days"].to_numpy(dtype=float))
        lost_delay[s] = np.sort(hs.loc[hs["state"] == "lost", "days"].to_numpy(dtype=float))
    crm = kd.stages.set_index("order")["probability"] if "probability" in kd.stages else pd.Series(dtype=float)
    return StageModel(cutoff, rates, won_delay, lost_delay, final, crm)


def _surv(sorted_days: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Smoothed share of ``sorted_days`` above each age in ``a``."""
    n = len(sorted_days)
    above = n - np.searchsorted(sorted_days, a, side="right")
    return (above + 0.5) / (n + 1)


def deal_probabilities(sm: StageModel, f: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: float,
                       use_crm: bool = False) -> pd.DataFrame:
    """For deals open at ``cutoff``: ``p_win`` (updated for age in stage), ``p_close`` (won within the
    horizon, given won) and ``q = p_win * p_close``; also ``p_stage_channel`` before the age update."""
    op = f.loc[f["state"] == "open"].copy()
    op = op.loc[op["order"] < sm.final_order]
    rates = sm.rates.set_index(["order", "channel"])["p_won"]
    stage_p = sm.rates.groupby("order")["p_stage"].first()
    idx = pd.MultiIndex.from_arrays([op["order"].to_numpy(), op["channel"].to_numpy()])
    p = pd.Series(rates.reindex(idx).to_numpy(), index=op.index)
    p = p.fillna(op["order"].map(stage_p))
    p = p.fillna(0.0)
    if use_crm and len(sm.crm):
        p = op["order"].map(sm.crm).fillna(p)
    op["p_stage_channel"] = p.to_numpy()
    age = (cutoff - pd.to_datetime(op["entered"])).dt.days.clip(lower=0).to_numpy(dtype=float)
    p_win = np.zeros(len(op))
    p_close = np.zeros(len(op))
    for s in np.unique(op["order"]):
        m = (op["order"] == s).to_numpy()
        wd, ld = sm.won_delay.get(s, np.array([])), sm.lost_delay.get(s, np.array([]))
        ps = op["p_stage_channel"].to_numpy()[m]
        if len(wd) == 0:
            p_win[m], p_close[m] = ps, 0.5
            continue
        sw = _surv(wd, age[m])
        sl = _surv(ld, age[m]) if len(ld) else np.ones(m.sum())
        p_win[m] = np.where(use_crm, ps, ps * sw / (ps * sw + (1 - ps) * sl))
        n_after = len(wd) - np.searchsorted(wd, age[m], side="right")
        n_in = np.searchsorted(wd, age[m] + horizon_days, side="right") - np.searchsorted(wd, age[m], side="right")
        p_close[m] = (n_in + 0.5) / (n_after + 1)
    op["p_win"] = p_win
    op["p_close"] = p_close
    op["q"] = p_win * p_close
    return op


def simulate_pipeline(deals: pd.DataFrame, levels, draws: int, interval: float, seed: int,
                      chunk: int = 500) -> pd.DataFrame:
    """Monte Carlo of the won value inside the window per level x key: mean, interval, and the draws'
    quantile function (kept as 101 percentiles for ``p_pipeline_covers_gap``)."""
    from scipy import sparse

    rng = np.random.default_rng(seed)
    amt = np.nan_to_num(deals["amount"].to_numpy(dtype=float))
    q = deals["q"].to_numpy(dtype=float)
    mats, keys = {}, {}
    for lv in levels:
        codes, uniq = pd.factorize(deals[lv].fillna(A.UNATTRIBUTED))
        m = sparse.csr_matrix((amt, (np.arange(len(amt)), codes)), shape=(len(amt), len(uniq)))
        # few keys: a dense float32 matrix multiplies many times faster (BLAS); many keys stay sparse
        mats[lv] = m.toarray().astype(np.float32) if len(uniq) * len(amt) <= 20_000_000 else m
        keys[lv] = uniq
    totals = {lv: [] for lv in levels}
    done = 0
    while done < draws:
        n = min(chunk, draws - done)
        won = (rng.random((n, len(q)), dtype=np.float32) < q).astype(np.float32)
        for lv in levels:
            mm = mats[lv]
            if not len(q):
                totals[lv].append(np.zeros((n, len(keys[lv]))))
            elif isinstance(mm, np.ndarray):
                totals[lv].append((won @ mm).astype(np.float64))
            else:
                totals[lv].append(np.asarray(mm.T @ won.T).T)
        done += n
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    probs = np.concatenate([[lo, hi], np.linspace(0, 1, 101)])
    rows = []
    for lv in levels:
        T = np.vstack(totals[lv]) if totals[lv] else np.zeros((0, 0))
        n_deals = pd.Series(deals[lv].fillna(A.UNATTRIBUTED)).value_counts()
        # every key's quantiles in one call (one partial sort per column, not one call per key)
        Q = np.quantile(T, probs, axis=0) if T.size else np.zeros((len(probs), len(keys[lv])))
        means = T.mean(axis=0) if T.size else np.zeros(len(keys[lv]))
        for j, key in enumerate(keys[lv]):
            rows.append({"level": lv, "key": key, "pipeline_deals": int(n_deals.get(key, 0)),
                         "pipeline_mean": float(means[j]), "pipeline_low": float(Q[0, j]),
                         "pipeline_high": float(Q[1, j]), "pipeline_pct": Q[2:, j]})
    return pd.DataFrame(rows)


def calibration(kd, params, horizon_days=90, bins=10):
    return _calibration(kd, params, horizon_days, bins)


def _calibration(kd, params, horizon_days, bins):
    """Out-of-sample check of the win probabilities.

    Probabilities are learned at ``c0 = cutoff - horizon_days`` for the deals open then and scored on
    what happened by the cutoff. Returns (scores, reliability): ``scores`` has one row per
    method and event with ``deals`` and ``brier``; ``reliability`` the predicted vs observed share per
    probability bin with a Wilson 95 % interval and its count.
    """
    from statsmodels.stats.proportion import proportion_confint

    from workbench.kpi.forecast import window

    win = window(kd, params)
    c0 = win.cutoff - pd.Timedelta(days=horizon_days)
    sm = learn(kd, c0, params)
    if sm is None:
        return pd.DataFrame(), pd.DataFrame()
    f0 = _stage_frame(kd, c0)
    deals = deal_probabilities(sm, f0, c0, horizon_days)
    if deals.empty:
        return pd.DataFrame(), pd.DataFrame()
    now = _stage_frame(kd, win.cutoff).set_index("lead_id")["state"]
    closed_at = kd.leads.set_index("lead_id")["closed"]
    st = deals["lead_id"].map(now)
    won_in = (st == "won") & (pd.to_datetime(deals["lead_id"].map(closed_at)) <= win.cutoff)
    y_h = won_in.to_numpy(dtype=float)
    resolved = st.isin(["won", "lost"]).to_numpy()
    y_e = (st == "won").to_numpy(dtype=float)
    rows = [{"method": "learned", "event": "won_within_horizon", "horizon_days": horizon_days, "deals": len(deals),
             "brier": float(np.mean((deals["q"] - y_h) ** 2)), "mean_predicted": float(deals["q"].mean()),
             "observed": float(y_h.mean())}]
    if resolved.any():
        d = deals.loc[resolved]
        rows.append({"method": "learned", "event": "won_closed_deals", "horizon_days": horizon_days,
                     "deals": int(resolved.sum()),
                     "brier": float(np.mean((d["p_win"] - y_e[resolved]) ** 2)),
                     "mean_predicted": float(d["p_win"].mean()), "observed": float(y_e[resolved].mean())})
        if len(sm.crm) and sm.crm.notna().any():
            crm = d["order"].map(sm.crm).to_numpy(dtype=float)
            ok = ~np.isnan(crm)
            rows.append({"method": "crm_probability", "event": "won_closed_deals", "horizon_days": horizon_days,
                         "deals": int(ok.sum()),
                         "brier": float(np.mean((crm[ok] - y_e[resolved][ok]) ** 2)),
                         "mean_predicted": float(crm[ok].mean()), "observed": float(y_e[resolved][ok].mean())})
    scores = pd.DataFrame(rows)
    edges = np.linspace(0, 1, bins + 1)
    b = np.clip(np.digitize(deals["q"], edges[1:-1]), 0, bins - 1)
    rel = pd.DataFrame({"bin": b, "q": deals["q"].to_numpy(), "y": y_h}).groupby("bin").agg(
        predicted=("q", "mean"), observed=("y", "mean"), n=("y", "size"), won=("y", "sum")).reset_index()
    lo, hi = proportion_confint(rel["won"].to_numpy(), rel["n"].to_numpy(), alpha=0.05, method="wilson")
    rel["ci_low"], rel["ci_high"] = lo, hi
    rel["bin"] = [f"{edges[i]:.1f}-{edges[i + 1]:.1f}" for i in rel["bin"]]
    return scores, rel.drop(columns="won")



# --- attainment.py

def _compute_left_reps(kd: A.KpiData, inactive_days: int) -> pd.Series:
    out = {}
    if kd.reps is not None and "leave_date" in kd.reps:
        ld = pd.to_datetime(kd.reps["leave_date"], errors="coerce")
        for r, d in zip(kd.reps["rep_id"], ld, strict=True):
            if pd.notna(d):
                out[r] = d
    last = kd.orders.loc[kd.orders["rep"].notna()].groupby("rep")["date"].max()
    if kd.leads is not None:
        last = pd.concat([last, kd.leads.loc[kd.leads["rep"].notna()].groupby("rep")["created"].max()]).groupby(level=0).max()
    gone = last.loc[last < kd.as_of - pd.Timedelta(days=inactive_days)]
    for r, d in gone.items():
        out.setdefault(r, d)
    return pd.Series(out, dtype="datetime64[ns]")


def gap_table(kd: A.KpiData, att: pd.DataFrame, params) -> pd.DataFrame:
    """Revenue gap of each key at ``gap_level`` over the review window, split into volume, price and mix.

    The base is the same window a year earlier (``gap_base: last_year``) or the window just before
    (``previous_period``). Needs ``product_id`` and ``quantity`` on orders; without them an empty frame.
    """
    o = kd.orders
    if o["product_id"].isna().all() or o["quantity"].isna().all():
        kd.note("Orders carry no product_id or quantity: the gap cannot be split into volume, price and mix.",
                "订单缺少 product_id 或 quantity：无法把差距拆分为销量、价格和结构影响。", "gap")
        return pd.DataFrame()
    a0, a1 = review_months(kd, params)
    span = a1 - a0 + 1
    b0, b1 = (a0 - 12, a1 - 12) if params.gap_base == "last_year" else (a0 - span, a0 - 1)
    if b0 < kd.first_month:
        kd.note("The data start after the base window {b}: no gap split.", "数据起始晚于基期 {b}：无法拆分差距。", "gap",
                b=f"{P.month_label(b0)}..{P.month_label(b1)}")
        return pd.DataFrame()
    lv = params.gap_level
    tgt = pd.Series(dtype=float)
    if att is not None and len(att):
        pm = att["period"].map(lambda p: P.months_of(p, kd.fy_start)[0])
        w = att.loc[(att["kpi"] == "revenue") & (att["level"] == lv) & (pm >= a0) & (pm <= a1)]
        full = w.groupby("key")["status"].agg(lambda s: s.isin(["ok", "left"]).all())
        tgt = w.groupby("key")["target"].sum().where(full)
    d = o.loc[o[lv].notna() & o["product_id"].notna()]
    cur = d.loc[(d["month"] >= a0) & (d["month"] <= a1)]
    base = d.loc[(d["month"] >= b0) & (d["month"] <= b1)]
    rows = []
    cg = dict(tuple(cur.groupby(lv)[["product_id", "amount", "quantity"]]))
    bg = dict(tuple(base.groupby(lv)[["product_id", "amount", "quantity"]]))
    for key in sorted(set(cg) | set(bg)):
        c = cg.get(key, pd.DataFrame(columns=["product_id", "amount", "quantity"])).rename(columns={"amount": "revenue"})
        b = bg.get(key, pd.DataFrame(columns=["product_id", "amount", "quantity"])).rename(columns={"amount": "revenue"})
        r = price_volume_mix(c, b, tgt.get(key))
        rows.append({"level": lv, "key": key, "window": f"{P.month_label(a0)}..{P.month_label(a1)}",
                     "base": f"{P.month_label(b0)}..{P.month_label(b1)}", **r})
    out = pd.DataFrame(rows)
    for c in ("target", "gap_vs_target", "volume_vs_target"):
        if c not in out:
            out[c] = np.nan
    return out


# --- incentives.py

def incentive_pay(kd: A.KpiData, params, plan: IncentivePlan | None = None) -> pd.DataFrame:
    """Pay per rep and complete plan period in the review window (see module docstring)."""
    plan = plan or params.incentive_plan
    a0, a1 = review_months(kd, params)
    o = kd.orders.loc[(kd.orders["month"] >= a0) & (kd.orders["month"] <= a1) & kd.orders["rep"].notna()]
    if o.empty:
        return pd.DataFrame(columns=INCENTIVE_COLUMNS)
    left = _compute_left_reps(kd, params.inactive_days)
    if len(left):
        o = o.loc[~(o["rep"].isin(left.index) & (o["date"] > o["rep"].map(left)))]
    per = P.labels(o["month"].to_numpy(), plan.period, kd.fy_start)
    complete = {p for p in set(per) if P.months_of(p, kd.fy_start)[0] >= a0 and P.months_of(p, kd.fy_start)[-1] <= a1}
    d = pd.DataFrame({"period": per, "rep_id": o["rep"].to_numpy(), "team": o["team"].to_numpy(),
                      "sales": o["amount"].clip(lower=0).to_numpy(), "returns": (-o["amount"]).clip(lower=0).to_numpy()})
    d = d.loc[d["period"].isin(complete)]
    g = d.groupby(["period", "rep_id"], as_index=False).agg(sales=("sales", "sum"), returns=("returns", "sum"))
    info = kd.reps.set_index("rep_id") if kd.reps is not None else pd.DataFrame()
    g["name"] = g["rep_id"].map(info["name"]) if "name" in info else pd.NA
    g["team"] = g["rep_id"].map(info["team"]) if "team" in info else pd.NA
    g["credited"] = g["sales"] - g["returns"] if plan.clawback_returns else g["sales"]
    tp = pd.DataFrame(columns=["period", "level", "key", "target"])
    if kd.targets is not None and "revenue" in kd.kpis:
        tm = target_months(kd, params.prorate)
        tp = targets_by_period(kd, tm.loc[tm["kpi"] == "revenue"], plan.period)
        tp = tp.loc[tp["months_covered"] == tp["months_in_period"]]
    rt = tp.loc[tp["level"] == "rep"].set_index(["period", "key"])["target"]
    rt = rt.loc[~rt.index.duplicated()]
    g["target"] = rt.reindex(pd.MultiIndex.from_arrays([g["period"], g["rep_id"]])).to_numpy(dtype=float)
    g["attainment"] = g["credited"] / g["target"]
    pay, acc, cut = commission(g["credited"].to_numpy(), g["target"].to_numpy(), plan)
    g["commission"], g["accelerator_extra"], g["capped"] = pay, acc, cut
    if plan.clawback_returns:
        pay_gross, _, _ = commission(g["sales"].to_numpy(), g["target"].to_numpy(), plan)
        g["clawback"] = pay_gross - pay
    else:
        g["clawback"] = 0.0
    # team bonus
    g["status"] = "active"
    ends = g["period"].map({p: P.month_end(P.months_of(p, kd.fy_start)[-1]) for p in g["period"].unique()})
    gone = g["rep_id"].map(left) if len(left) else pd.Series(pd.NaT, index=g.index)
    g.loc[gone.notna() & (gone < ends), "status"] = "left"
    team_t = tp.loc[tp["level"] == "team"].set_index(["period", "key"])["target"]
    team_credit = g.groupby(["period", "team"])["credited"].sum()
    team_rep_t = g.groupby(["period", "team"])["target"].sum(min_count=1)
    g["team_bonus"] = 0.0
    for (p, tm_), cr in team_credit.items():
        tgt = team_t.get((p, tm_), team_rep_t.get((p, tm_), np.nan))
        if np.isfinite(tgt) and tgt > 0 and cr / tgt >= plan.team_bonus_threshold:
            m = (g["period"] == p) & (g["team"] == tm_) & (g["status"] == "active")
            g.loc[m, "team_bonus"] = plan.team_bonus_amount
    g["total_pay"] = g["commission"] + g["team_bonus"]
    return g[INCENTIVE_COLUMNS].sort_values(["period", "rep_id"], kind="stable").reset_index(drop=True)


def what_if(kd: A.KpiData, params) -> pd.DataFrame:
    """Total cost of the plan and of each ``incentive_what_if`` variant, with the change against the plan."""
    base = params.incentive_plan
    rows = [{"scenario": "plan", "changes": "", **I.cost_summary(incentive_pay(kd, params, base))}]
    for name, change in params.incentive_what_if.items():
        plan = IncentivePlan(**{**base.model_dump(), **change})
        rows.append({"scenario": name, "changes": ", ".join(f"{k}={v}" for k, v in change.items()),
                     **I.cost_summary(incentive_pay(kd, params, plan))})
    out = pd.DataFrame(rows)
    out["delta"] = out["total_cost"] - out["total_cost"].iloc[0]
    return out


# --- team.py

def stage_conversion(kd: A.KpiData, by: str = "rep", months: tuple[int, int] | None = None) -> pd.DataFrame:
    """Per ``by`` key and stage transition: ``reached, passed, resolved, rate, ci_low, ci_high``."""
    if kd.leads is None or kd.stages is None:
        return pd.DataFrame()
    f = _stage_frame(kd, kd.as_of)
    if months is not None:
        m = P.month_of(f["created"])
        f = f.loc[(m >= months[0]) & (m <= months[1])]
    f = f.loc[f[by].notna()]
    names = _stage_names(kd)
    orders = sorted(names)
    won = (f["state"] == "won").to_numpy()
    closed = f["state"].isin(["won", "lost"]).to_numpy()
    reach = np.where(won, orders[-1], f["order"].to_numpy())
    rows = []
    for a, b in zip(orders[:-1], orders[1:], strict=True):
        r = reach >= a
        passed = reach >= b
        resolved = r & (passed | closed)
        g = pd.DataFrame({"key": f[by].to_numpy(), "reached": r, "passed": passed & r, "resolved": resolved}).groupby(
            "key").sum()
        g["transition"] = f"{names[a]}→{names[b]}"
        g["from_order"] = a
        rows.append(g.reset_index())
    out = pd.concat(rows, ignore_index=True)
    out = out.loc[out["reached"] > 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["resolved"] > 0, out["passed"] / out["resolved"].where(out["resolved"] > 0, 1), np.nan)
    lo, hi = proportion_confint(out["passed"], out["resolved"].clip(lower=1), alpha=0.05, method="wilson")
    out["ci_low"] = np.where(out["resolved"] > 0, lo, np.nan)
    out["ci_high"] = np.where(out["resolved"] > 0, hi, np.nan)
    return out.rename(columns={"key": by}).reset_index(drop=True)


def rep_scorecard(kd: A.KpiData, att: pd.DataFrame | None, params, seed: int | None = None) -> pd.DataFrame:
    """One row per rep over the review window (see module docstring for every definition).

    Returns
    -------
    DataFrame
        ``rep_id, name, team, region, channel_id, status, revenue, orders, target, attainment,
        attainment_low, attainment_high, leads, won, lost, open, win_rate, win_rate_low, win_rate_high,
        win_rate_pooled, rank, rank_low, rank_high, verdict, avg_deal_size, cycle_days_median``.
    """
    a0, a1 = review_months(kd, params)
    info = _rep_info(kd)
    o = kd.orders.loc[(kd.orders["month"] >= a0) & (kd.orders["month"] <= a1) & kd.orders["rep"].notna()]
    rev = o.groupby("rep").agg(revenue=("amount", "sum"), orders=("order_id", "nunique"))
    monthly = o.groupby(["rep", "month"])["amount"].sum().unstack(fill_value=0.0).reindex(
        columns=range(a0, a1 + 1), fill_value=0.0)
    sc = info.merge(rev, left_on="rep_id", right_index=True, how="outer" if kd.reps is None else "left")
    sc[["revenue", "orders"]] = sc[["revenue", "orders"]].fillna(0)
    # attainment over the window from the attainment table (rep revenue targets, complete periods)
    sc["target"] = np.nan
    sc["status"] = "active"
    if att is not None and len(att):
        pm = att["period"].map(lambda p: P.months_of(p, kd.fy_start)[0])
        w = att.loc[(att["kpi"] == "revenue") & (att["level"] == "rep") & (pm >= a0) & (pm <= a1)]
        w_ok = w.loc[w["status"].isin(["ok", "left"])]
        sc["target"] = sc["rep_id"].map(w_ok.groupby("key")["target"].sum())
        sc.loc[sc["rep_id"].isin(w.loc[w["status"] == "left", "key"]), "status"] = "left"
        act_ok = w_ok.groupby("key")["actual"].sum()
        sc["revenue_vs_target"] = sc["rep_id"].map(act_ok)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = sc["revenue_vs_target"] if "revenue_vs_target" in sc else sc["revenue"]
        sc["attainment"] = base / sc["target"]
        mrev = monthly.reindex(sc["rep_id"], fill_value=0.0).to_numpy()
        sd = np.nanstd(mrev, axis=1, ddof=1) if mrev.shape[1] > 1 else np.full(len(mrev), np.nan)
        se = sd * np.sqrt(mrev.shape[1]) / sc["target"].to_numpy()
    sc["attainment_low"] = sc["attainment"] - 1.96 * se
    sc["attainment_high"] = sc["attainment"] + 1.96 * se
    sc = sc.drop(columns=[c for c in ("revenue_vs_target",) if c in sc])
    # leads: cohort win rates, deal size, cycle time
    if kd.leads is not None:
        L = kd.leads.loc[(kd.leads["month"] >= a0) & (kd.leads["month"] <= a1) & kd.leads["rep"].notna()]
        st = L["status"]
        g = pd.DataFrame({"rep": L["rep"], "leads": 1, "won": (st == "won").astype(int), "lost": (st == "lost").astype(int),
                          "open": (st == "open").astype(int)}).groupby("rep").sum()
        wonL = L.loc[st == "won"]
        g["avg_deal_size"] = wonL.groupby("rep")["amount"].mean()
        g["cycle_days_median"] = (pd.to_datetime(wonL["closed"]) - pd.to_datetime(wonL["created"])).dt.days.groupby(
            wonL["rep"]).median()
        sc = sc.merge(g, left_on="rep_id", right_index=True, how="left")
        for c in ("leads", "won", "lost", "open"):
            sc[c] = sc[c].fillna(0).astype(int)
        closed = sc["won"] + sc["lost"]
        lo, hi = proportion_confint(sc["won"], closed.clip(lower=1), alpha=0.05, method="wilson")
        sc["win_rate"] = np.where(closed > 0, sc["won"] / closed.clip(lower=1), np.nan)
        sc["win_rate_low"] = np.where(closed > 0, lo, np.nan)
        sc["win_rate_high"] = np.where(closed > 0, hi, np.nan)
        sc = _pool_and_rank(sc, params, seed if seed is not None else params.random_seed)
    else:
        for c in ("leads", "won", "lost", "open", "win_rate", "win_rate_low", "win_rate_high", "win_rate_pooled",
                  "rank", "rank_low", "rank_high", "avg_deal_size", "cycle_days_median"):
            sc[c] = np.nan
        sc["verdict"] = pd.NA
    cols = ["rep_id", "name", "team", "region", "channel_id", "status", "revenue", "orders", "target", "attainment",
            "attainment_low", "attainment_high", "leads", "won", "lost", "open", "win_rate", "win_rate_low",
            "win_rate_high", "win_rate_pooled", "rank", "rank_low", "rank_high", "verdict", "avg_deal_size",
            "cycle_days_median"]
    for c in cols:
        if c not in sc:
            sc[c] = pd.NA
    return sc[cols].sort_values(["rank", "rep_id"], kind="stable", na_position="last").reset_index(drop=True)


def training_needs(kd: A.KpiData, params) -> pd.DataFrame:
    """Reps significantly below the rest of their team at a named stage (see module docstring)."""
    cols = ["rep_id", "name", "team", "transition", "rep_rate", "rep_n", "ci_low", "ci_high", "team_rate", "team_n",
            "gap", "p_value", "q_value", "channel_expected", "explained_by_channel", "suggested_training"]
    if kd.leads is None or kd.stages is None:
        return pd.DataFrame(columns=cols)
    months = review_months(kd, params)
    sc = stage_conversion(kd, "rep", months)
    if sc.empty:
        return pd.DataFrame(columns=cols)
    info = _rep_info(kd).set_index("rep_id")
    sc["team"] = sc["rep"].map(info["team"]) if "team" in info else pd.NA
    sc = sc.loc[sc["team"].notna()]
    tot = sc.groupby(["team", "transition"])[["passed", "resolved"]].transform("sum")
    sc["team_passed"] = tot["passed"] - sc["passed"]
    sc["team_n"] = tot["resolved"] - sc["resolved"]
    sc = sc.loc[(sc["resolved"] >= params.min_leads) & (sc["team_n"] >= params.min_leads)].copy()
    if sc.empty:
        return pd.DataFrame(columns=cols)
    pv = [stats.fisher_exact([[p, n - p], [tp, tn - tp]], alternative="less")[1]
          for p, n, tp, tn in zip(sc["passed"], sc["resolved"], sc["team_passed"], sc["team_n"], strict=True)]
    sc["p_value"] = pv
    sc["q_value"] = multipletests(sc["p_value"], method="fdr_bh")[1]
    sc["team_rate"] = sc["team_passed"] / sc["team_n"]
    sc["gap"] = sc["rate"] - sc["team_rate"]
    sc["channel_expected"], sc["channel_p"] = _channel_expectation(kd, sc, months)
    sc["explained_by_channel"] = sc["channel_p"] >= params.alpha
    flagged = sc.loc[(sc["q_value"] < params.alpha) & (sc["gap"] < 0)].copy()
    names = info["name"] if "name" in info else pd.Series(dtype="str")
    flagged["name"] = flagged["rep"].map(names)
    book = params.training_playbook
    flagged["suggested_training"] = [
        book.get(t) or book.get(t.split("→")[0]) or book.get(t.split("→")[1]) or f"coaching: {t}"
        for t in flagged["transition"]]
    flagged = flagged.rename(columns={"rep": "rep_id", "rate": "rep_rate", "resolved": "rep_n"})
    flagged = flagged.sort_values(["explained_by_channel", "q_value"], kind="stable")
    return flagged[cols].reset_index(drop=True)


def _channel_expectation(kd: A.KpiData, sc: pd.DataFrame, months) -> tuple[np.ndarray, np.ndarray]:
    """Per rep x transition: the rate the rep's channel mix predicts (company channel rates) and the
    one-sided p-value of the rep's passes under that expectation (normal approximation)."""
    by = stage_conversion(kd, "channel", months).set_index(["channel", "transition"])["rate"]
    f = _stage_frame(kd, kd.as_of)
    m = P.month_of(f["created"])
    f = f.loc[(m >= months[0]) & (m <= months[1]) & f["rep"].notna()]
    names = _stage_names(kd)
    orders = sorted(names)
    won = (f["state"] == "won").to_numpy()
    closed = f["state"].isin(["won", "lost"]).to_numpy()
    reach = np.where(won, orders[-1], f["order"].to_numpy())
    exp, pval = [], []
    cache = {}
    for a, b in zip(orders[:-1], orders[1:], strict=True):
        t = f"{names[a]}→{names[b]}"
        r = reach >= a
        resolved = r & ((reach >= b) | closed)
        d = pd.DataFrame({"rep": f["rep"].to_numpy()[resolved], "channel": f["channel"].to_numpy()[resolved]})
        rate_t = by.xs(t, level="transition") if t in by.index.get_level_values("transition") else pd.Series(dtype=float)
        d["p"] = d["channel"].map(rate_t).astype(float)
        d["v"] = d["p"] * (1 - d["p"])
        cache[t] = d.groupby("rep").agg(mean=("p", "mean"), var=("v", "sum"))
    for rep, t, passed, n in zip(sc["rep"], sc["transition"], sc["passed"], sc["resolved"], strict=True):
        c = cache.get(t)
        if c is None or rep not in c.index:
            exp.append(np.nan)
            pval.append(np.nan)
            continue
        mu, var = c.loc[rep, "mean"], c.loc[rep, "var"]
        exp.append(mu)
        pval.append(float(stats.norm.cdf((passed - mu * n) / np.sqrt(max(var, 1e-9)))))
    return np.array(exp), np.array(pval)
