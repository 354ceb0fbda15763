"""Reference implementations: the KPI review's code before it was made fast at ten million lines.

Straightforward pandas on text keys, kept verbatim (``git show 74d13ff:workbench/kpi/...``) so that
the tests can check the fast code gives the same frames on awkward data. One deliberate change:
``prepare`` takes each kept order line's own region (the old code took the region of the first
rows when ``as_of`` dropped later lines that were not at the end of the table).
"""

# ruff: noqa
from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.kpi import formula as F
from workbench.kpi import periods as P
from workbench.kpi.actuals import _needed
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


