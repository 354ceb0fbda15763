"""Period over period: what changed since the last run, with only changes beyond noise called changes.

Two sources, both pure functions over DataFrames:

- :func:`compare_runs`: the result tables of this run against those of the previous
  run of the same params (the runner passes its folder). Rates with counts
  (conversion per channel, satisfied share per CSAT group) are compared with a
  two-proportion z-test; NPS per group by a z-test on the difference of two NPS
  (each the mean of +1/0/-1 scores, variance from its promoter and detractor
  counts); the latest competitor price index per competitor and category against
  the previous run's latest by a z-test on the log index (standard errors from
  the t intervals the price table carries); distributions of counts with a
  chi-square test; values without a noise model only flagged when restated.
  When the two runs' windows overlap, the samples share responses, so the
  independent-sample tests are conservative (they call fewer changes).
- :func:`month_over_month`: from the data itself when there is no previous run:
  the last complete month against the one before, per channel: conversion by
  creation cohort (two-proportion test) and revenue (XmR: a change beyond the
  natural process limits of the channel's monthly moving range).

p-values of one comparison family are adjusted with Holm's method (family-wise
error 5%; Holm rather than Bonferroni because it is uniformly more powerful and
needs no independence assumption).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from workbench.summary.fmt import fmt
from workbench.summary.sources import SOURCES, read_table

ALPHA = 0.05
XMR_FACTOR = 2.66  # natural process limits: mean moving range x 2.66 (= 3 sigma for individuals)


def _at(name: str) -> tuple[str, str]:
    """(notebook stem, table) of a source of :data:`workbench.summary.sources.SOURCES`."""
    return SOURCES[name].stem, SOURCES[name].table


# (notebook stem, table, key columns, hits column, n column): rates compared run to run
RATE_TABLES = [
    (*_at("channel_conversion"), ["channel_id"], "won", "leads"),
    (*_at("csat"), ["dimension", "group"], "satisfied", "n"),
]
# (notebook stem, table, category column): distributions of counts compared run to run
DISTRIBUTION_TABLES = [(*_at("rfm"), ("rfm_segment", "segment"))]  # the first column present is compared
# (notebook stem, table, key columns): NPS per group compared run to run
NPS_TABLES = [(*_at("nps"), ["dimension", "group"])]
# (notebook stem, table): latest price index per competitor x category, pooled over channels
INDEX_TABLES = [_at("price_index")]
# dimensions that are themselves periods: a past period is a restatement question, not a change
PERIOD_DIMENSIONS = {"period"}
# (notebook stem, table, key columns, value column): restatements flagged (no noise model)
VALUE_TABLES = [(*_at("attainment"), ["period", "level", "key", "kpi"], "actual")]
RESTATED_TOLERANCE = 0.005  # relative change of a past figure that counts as a restatement
RESTATED = "restated: a past figure differs between the runs (data corrected or re-imported?)"
OPEN_COHORTS = "recent cohorts are still open: rates rise as deals close"
INDEX_NOTE = "index points (100 = our price); interval of the change from the two months' t intervals"
XMR_NOTE = (f"XmR: a move within ±{XMR_FACTOR} x the channel's mean moving range (the interval shown) is noise")
# the notes a comparison table carries (in English, like every result table) and their Chinese
NOTES = {
    "only in one run": "仅出现在一次运行中", "no observations": "没有观测值", "no responses": "没有回复",
    RESTATED: "已重述：同一历史数据在两次运行中不一致（数据是否已更正或重新导入？）",
    OPEN_COHORTS: "近期线索批次尚未全部关闭：随着成交，比率还会上升",
    INDEX_NOTE: "指数点（100 = 我方价格）；变化的区间由两个月的 t 区间得到",
    XMR_NOTE: f"XmR：在该渠道月度平均移动极差 ±{XMR_FACTOR} 倍以内（即所示区间）的变动属于噪声",
}

COLUMNS = ["source", "item", "metric", "previous", "current", "change", "ci_low", "ci_high",
           "p_value", "p_adjusted", "n_previous", "n_current", "changed", "note"]


def _read(folder: Path | None, stem: str, table: str) -> pd.DataFrame | None:
    """A result table of a run folder (one holding ``tables/``), or ``None``."""
    return None if folder is None else read_table(Path(folder) / "tables", stem, table)


def two_proportions(h0, n0, h1, n1, level: float = 0.95) -> tuple[float, float, float, float]:
    """Difference ``h1/n1 - h0/n0`` with a Wald interval and a pooled two-sided z-test p-value."""
    p0, p1 = h0 / n0, h1 / n1
    diff = p1 - p0
    se = np.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
    z = stats.norm.ppf(0.5 + level / 2)
    pooled = (h0 + h1) / (n0 + n1)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    p = 2 * stats.norm.sf(abs(diff) / se0) if se0 > 0 else 1.0
    return float(diff), float(diff - z * se), float(diff + z * se), float(p)


def _holm(df: pd.DataFrame) -> pd.DataFrame:
    ok = df["p_value"].notna()
    df["p_adjusted"] = np.nan
    if ok.any():
        df.loc[ok, "p_adjusted"] = multipletests(df.loc[ok, "p_value"], alpha=ALPHA, method="holm")[1]
    df["changed"] = df["p_adjusted"] < ALPHA
    return df


def compare_rates(prev: pd.DataFrame, curr: pd.DataFrame, keys: list[str], hits: str, n: str,
                  source: str) -> pd.DataFrame:
    """Per key: the rate before and now, its change with interval, Holm-adjusted p, changed or not."""
    m = prev[keys + [hits, n]].merge(curr[keys + [hits, n]], on=keys, how="outer", suffixes=("_prev", "_curr"))
    rows = []
    for r in m.itertuples(index=False):
        d = r._asdict()
        item = " / ".join(str(d[k]) for k in keys)
        h0, n0, h1, n1 = d[f"{hits}_prev"], d[f"{n}_prev"], d[f"{hits}_curr"], d[f"{n}_curr"]
        row = {"source": source, "item": item, "metric": f"{hits}/{n}", "n_previous": n0, "n_current": n1}
        if pd.isna(n0) or pd.isna(n1) or n0 == 0 or n1 == 0:
            row.update(previous=(h0 / n0) if n0 else np.nan, current=(h1 / n1) if n1 else np.nan,
                       note="only in one run" if (pd.isna(n0) or pd.isna(n1)) else "no observations")
        else:
            diff, lo, hi, p = two_proportions(h0, n0, h1, n1)
            row.update(previous=h0 / n0, current=h1 / n1, change=diff, ci_low=lo, ci_high=hi, p_value=p)
        rows.append(row)
    return _holm(pd.DataFrame(rows, columns=COLUMNS[:-2] + ["changed", "note"]).reindex(columns=COLUMNS))


def compare_distribution(prev: pd.DataFrame, curr: pd.DataFrame, column: str, source: str) -> pd.DataFrame:
    """Counts per category before and now; chi-square over the table, then each share tested."""
    a = prev[column].value_counts()
    b = curr[column].value_counts()
    cats = sorted(set(a.index) | set(b.index), key=str)
    a, b = a.reindex(cats, fill_value=0), b.reindex(cats, fill_value=0)
    n0, n1 = int(a.sum()), int(b.sum())
    rows = []
    for c in cats:
        diff, lo, hi, p = two_proportions(a[c], n0, b[c], n1)
        rows.append({"source": source, "item": str(c), "metric": "share", "previous": a[c] / n0,
                     "current": b[c] / n1, "change": diff, "ci_low": lo, "ci_high": hi, "p_value": p,
                     "n_previous": n0, "n_current": n1})
    out = _holm(pd.DataFrame(rows).reindex(columns=COLUMNS))
    if len(cats) > 1:
        chi = stats.chi2_contingency(np.vstack([a.to_numpy(), b.to_numpy()]))
        out["note"] = f"chi-square over all {column}s: p = {fmt(chi.pvalue, 'p')}"
    return out


def nps_difference(p0, d0, n0, p1, d1, n1, level: float = 0.95) -> tuple[float, float, float, float]:
    """NPS change (points) with a Wald interval and a two-sided z-test p-value.

    An NPS is 100 x the mean of scores +1 (promoter), 0, -1 (detractor); with shares ``P`` and ``D`` the
    variance of one score is ``P + D - (P - D)^2``, so ``Var(NPS) = 100^2 (P + D - (P - D)^2) / n``.
    """
    P0, D0, P1, D1 = p0 / n0, d0 / n0, p1 / n1, d1 / n1
    v0 = (P0 + D0 - (P0 - D0) ** 2) / n0
    v1 = (P1 + D1 - (P1 - D1) ** 2) / n1
    diff = 100 * ((P1 - D1) - (P0 - D0))
    se = 100 * np.sqrt(v0 + v1)
    z = stats.norm.ppf(0.5 + level / 2)
    p = 2 * stats.norm.sf(abs(diff) / se) if se > 0 else (1.0 if diff == 0 else 0.0)
    return float(diff), float(diff - z * se), float(diff + z * se), float(p)


def compare_nps(prev: pd.DataFrame, curr: pd.DataFrame, keys: list[str], source: str) -> pd.DataFrame:
    """Per group: NPS before and now, its change with interval, Holm-adjusted p, changed or not."""
    cols = keys + ["n", "promoters", "detractors"]
    prev, curr = prev.loc[~prev[keys[0]].isin(PERIOD_DIMENSIONS)], curr.loc[~curr[keys[0]].isin(PERIOD_DIMENSIONS)]
    m = prev[cols].merge(curr[cols], on=keys, how="outer", suffixes=("_prev", "_curr"))
    rows = []
    for r in m.to_dict("records"):
        n0, n1 = r["n_prev"], r["n_curr"]
        row = {"source": source, "item": " / ".join(str(r[k]) for k in keys), "metric": "NPS",
               "n_previous": n0, "n_current": n1}
        ok0, ok1 = pd.notna(n0) and n0 > 0, pd.notna(n1) and n1 > 0
        prev_v = 100 * (r["promoters_prev"] - r["detractors_prev"]) / n0 if ok0 else np.nan
        curr_v = 100 * (r["promoters_curr"] - r["detractors_curr"]) / n1 if ok1 else np.nan
        row.update(previous=prev_v, current=curr_v)
        if ok0 and ok1:
            diff, lo, hi, p = nps_difference(r["promoters_prev"], r["detractors_prev"], n0,
                                             r["promoters_curr"], r["detractors_curr"], n1)
            row.update(change=diff, ci_low=lo, ci_high=hi, p_value=p)
        else:
            row["note"] = "only in one run" if (pd.isna(n0) or pd.isna(n1)) else "no responses"
        rows.append(row)
    return _holm(pd.DataFrame(rows).reindex(columns=COLUMNS))


def compare_price_index(prev: pd.DataFrame, curr: pd.DataFrame, source: str) -> pd.DataFrame:
    """Latest pooled price index per competitor x category of each run, compared on the log scale.

    The price table's interval is ``100 exp(mean log ratio +- t(n-1) s / sqrt(n))``, so the standard
    error of the log index is ``(log ci_high - log ci_low) / (2 t(n-1))``. Groups whose latest month is
    the same in both runs are not a new observation and are left out (a changed figure there is a
    restatement).
    """
    def latest(df: pd.DataFrame) -> pd.DataFrame:
        d = df.loc[df["channel_id"].astype(str) == "all"] if "channel_id" in df else df
        d = d.loc[d["n_obs"] >= 2].dropna(subset=["ci_low", "ci_high"])
        d = d.sort_values("month").groupby(["competitor", "category"], as_index=False).last()
        t = stats.t.ppf(0.975, np.maximum(d["n_obs"].to_numpy(dtype=float) - 1, 1))
        d["log_index"] = np.log(d["price_index"].to_numpy(dtype=float))
        d["se"] = (np.log(d["ci_high"].to_numpy(dtype=float)) - np.log(d["ci_low"].to_numpy(dtype=float))) / (2 * t)
        return d[["competitor", "category", "month", "n_obs", "price_index", "log_index", "se"]]

    m = latest(prev).merge(latest(curr), on=["competitor", "category"], suffixes=("_prev", "_curr"))
    m = m.loc[m["month_prev"].astype(str) != m["month_curr"].astype(str)]
    rows = []
    z = stats.norm.ppf(0.975)
    for r in m.to_dict("records"):
        d = r["log_index_curr"] - r["log_index_prev"]
        se = float(np.hypot(r["se_prev"], r["se_curr"]))
        p = 2 * stats.norm.sf(abs(d) / se) if se > 0 else np.nan
        rows.append({"source": source, "item": f"{r['competitor']} / {r['category']}",
                     "metric": f"price index {r['month_prev']}→{r['month_curr']}",
                     "previous": r["price_index_prev"], "current": r["price_index_curr"],
                     "change": r["price_index_curr"] - r["price_index_prev"],
                     "ci_low": r["price_index_prev"] * (np.exp(d - z * se) - 1),
                     "ci_high": r["price_index_prev"] * (np.exp(d + z * se) - 1),
                     "p_value": p, "n_previous": r["n_obs_prev"], "n_current": r["n_obs_curr"],
                     "note": INDEX_NOTE})
    return _holm(pd.DataFrame(rows).reindex(columns=COLUMNS)) if rows else pd.DataFrame(columns=COLUMNS)


def compare_values(prev: pd.DataFrame, curr: pd.DataFrame, keys: list[str], value: str, source: str) -> pd.DataFrame:
    """Past figures that differ between the runs (restated data); no noise model, so never 'changed'."""
    m = prev[keys + [value]].merge(curr[keys + [value]], on=keys, suffixes=("_prev", "_curr"))
    rel = (m[f"{value}_curr"] - m[f"{value}_prev"]).abs() / m[f"{value}_prev"].abs().replace(0, np.nan)
    restated = m.loc[rel > RESTATED_TOLERANCE]
    return pd.DataFrame({
        "source": source, "item": [" / ".join("" if pd.isna(v) else str(v) for v in row)
                                   for row in restated[keys].itertuples(index=False)],
        "metric": value, "previous": restated[f"{value}_prev"], "current": restated[f"{value}_curr"],
        "change": restated[f"{value}_curr"] - restated[f"{value}_prev"], "changed": False,
        "note": RESTATED,
    }).reindex(columns=COLUMNS)


def compare_runs(current: Path, previous: Path | None) -> pd.DataFrame:
    """Every comparable result table of two runs (folders holding ``tables/``)."""
    parts = []
    for stem, table, keys, hits, n in RATE_TABLES:
        a, b = _read(previous, stem, table), _read(current, stem, table)
        if a is not None and b is not None and set(keys + [hits, n]) <= set(a) & set(b):
            if "dimension" in keys:
                a, b = (d.loc[~d["dimension"].isin(PERIOD_DIMENSIONS)] for d in (a, b))
            parts.append(compare_rates(a, b, keys, hits, n, f"{stem}/{table}"))
    for stem, table, keys in NPS_TABLES:
        a, b = _read(previous, stem, table), _read(current, stem, table)
        if a is not None and b is not None and {"promoters", "detractors", "n"} <= set(a) & set(b):
            parts.append(compare_nps(a, b, keys, f"{stem}/{table}"))
    for stem, table in INDEX_TABLES:
        a, b = _read(previous, stem, table), _read(current, stem, table)
        need = {"competitor", "category", "month", "n_obs", "price_index", "ci_low", "ci_high"}
        if a is not None and b is not None and need <= set(a) & set(b):
            parts.append(compare_price_index(a, b, f"{stem}/{table}"))
    for stem, table, columns in DISTRIBUTION_TABLES:
        a, b = _read(previous, stem, table), _read(current, stem, table)
        column = next((c for c in columns if a is not None and b is not None and c in a and c in b), None)
        if column:
            parts.append(compare_distribution(a, b, column, f"{stem}/{table}"))
    for stem, table, keys, value in VALUE_TABLES:
        a, b = _read(previous, stem, table), _read(current, stem, table)
        if a is not None and b is not None:
            parts.append(compare_values(a, b, keys, value, f"{stem}/{table}"))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def month_over_month(orders: pd.DataFrame | None, leads: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """The last complete month against the one before, per channel, from the data.

    Win rate of closed leads (:func:`workbench.measures.win_rate_closed` of the leads created
    in the month that are closed; not the channel report's conversion of mature cohorts) by a
    two-proportion test with Holm; revenue by XmR limits on the channel's monthly
    series (a change is a month-on-month move larger than ``2.66 x`` the mean
    moving range of the months before).
    """
    last = (pd.Timestamp(as_of) + pd.offsets.Day(1)).to_period("M") - 1  # last complete month
    prev = last - 1
    rows = []
    if leads is not None and {"channel_id", "status"} <= set(leads.columns):
        closed = leads.loc[leads["status"].isin(["won", "lost"])].assign(
            month=lambda d: d["created_date"].dt.to_period("M"), won=lambda d: d["status"].eq("won"))
        g = closed.loc[closed["month"].isin([prev, last])].groupby(["channel_id", "month"])["won"].agg(["sum", "size"])
        conv = []
        for ch in sorted(g.index.get_level_values(0).unique(), key=str):
            if (ch, prev) not in g.index or (ch, last) not in g.index:
                continue
            h0, n0 = g.loc[(ch, prev)]
            h1, n1 = g.loc[(ch, last)]
            diff, lo, hi, p = two_proportions(h0, n0, h1, n1)
            # won / closed of cohorts still open: the win rate of closed leads, not the channel
            # report's conversion of mature cohorts (workbench.measures names both)
            conv.append({"source": "data", "item": str(ch), "metric": f"win_rate_closed {prev}→{last}",
                         "previous": h0 / n0, "current": h1 / n1, "change": diff, "ci_low": lo,
                         "ci_high": hi, "p_value": p, "n_previous": n0, "n_current": n1,
                         "note": OPEN_COHORTS})
        if conv:
            rows.append(_holm(pd.DataFrame(conv).reindex(columns=COLUMNS)))
    if orders is not None and "channel_id" in orders.columns:
        m = orders.assign(month=orders["order_date"].dt.to_period("M"))
        m = m.loc[m["month"] <= last]
        series = m.groupby(["channel_id", "month"])["amount"].sum()
        rev = []
        for ch in sorted(series.index.get_level_values(0).unique(), key=str):
            s = series.loc[ch].sort_index()
            if prev not in s.index or last not in s.index or len(s) < 4:
                continue
            base = s.loc[:prev]
            mr = base.diff().abs().dropna().mean()
            move = s.loc[last] - s.loc[prev]
            rev.append({"source": "data", "item": str(ch), "metric": f"revenue {prev}→{last}",
                        "previous": s.loc[prev], "current": s.loc[last], "change": move,
                        "ci_low": -XMR_FACTOR * mr, "ci_high": XMR_FACTOR * mr, "n_previous": len(base),
                        "n_current": 1, "changed": bool(abs(move) > XMR_FACTOR * mr),
                        "note": XMR_NOTE})
        if rev:
            rows.append(pd.DataFrame(rev).reindex(columns=COLUMNS))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COLUMNS)


def run_folder(run_tables_dir: str | Path | None) -> Path | None:
    """The run (or patch) folder that holds a ``tables/`` folder."""
    return Path(run_tables_dir).parent if run_tables_dir else None
