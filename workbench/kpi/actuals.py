"""Actuals: KPI values per period x level x key, from the rows :func:`workbench.kpi.prepare.prepare`
attributed to months and levels (attribution rules: :mod:`workbench.kpi.prepare`, ``docs/kpi.md``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from workbench.kpi import formula as F
from workbench.kpi import periods as P
from workbench.kpi.prepare import LEVELS, UNATTRIBUTED, KpiData, Note, kpi_catalogue, prepare  # noqa: F401

log = logging.getLogger(__name__)


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


def measures(kd: KpiData, level: str, granularity: str = "month", months: tuple[int, int] | None = None) -> pd.DataFrame:
    """Base measures per period x key at one level.

    Parameters
    ----------
    kd : KpiData
    level : {'company', 'channel', 'region', 'team', 'rep'}
    granularity : {'month', 'quarter', 'year', 'fiscal_quarter', 'fiscal_year'}
    months : (first, last), optional
        Only rows whose month lies in this range.

    Returns
    -------
    DataFrame
        ``period, key`` plus every measure of :data:`workbench.kpi.formula.MEASURES` (0 where a
        source table has no row).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; valid: {', '.join(LEVELS)}")
    ck = ("measures", level, granularity, months)
    if ck not in kd.cache:
        kd.cache[ck] = _measures(kd, level, granularity, months)
    return kd.cache[ck].copy()


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


def _needed(kd: KpiData) -> set[str]:
    """The measures the reviewed KPIs use (their formulas and sample sizes); distinct counts cost."""
    need = {"orders"}
    for info in kd.kpis.values():
        need |= F.check_formula(info["formula"]) | {info["n"]}
    return need


def kpi_values(kd: KpiData, meas: pd.DataFrame, level: str) -> pd.DataFrame:
    """Long table ``period, level, key, kpi, actual, n`` of every reviewed KPI from base measures."""
    rows = []
    for name, info in kd.kpis.items():
        vals = F.evaluate(info["formula"], meas)
        n = meas[info["n"]].to_numpy() if info["n"] in meas else np.full(len(meas), np.nan)
        rows.append(pd.DataFrame({"period": meas["period"].to_numpy(), "level": level,
                                  "key": meas["key"].to_numpy(), "kpi": name, "actual": vals, "n": n}))
    if not rows:
        return pd.DataFrame(columns=["period", "level", "key", "kpi", "actual", "n"])
    return pd.concat(rows, ignore_index=True)


def kpi_actuals(kd: KpiData, levels, granularity: str, months: tuple[int, int] | None = None) -> pd.DataFrame:
    """KPI values per period x level x key (see :func:`kpi_values`), with the lead cohorts' open share."""
    out = []
    for lv in levels:
        m = measures(kd, lv, granularity, months)
        v = kpi_values(kd, m, lv)
        share = pd.Series(np.where(m["leads"] > 0, m["open"] / m["leads"].where(m["leads"] > 0, 1), np.nan))
        v = v.merge(pd.DataFrame({"period": m["period"], "key": m["key"], "open_share": share}),
                    on=["period", "key"], how="left")
        out.append(v)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()
