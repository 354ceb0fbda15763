"""Did our actions work? Difference-in-differences against untouched units, or an
interrupted time series when nothing comparable was left untouched.

Input is a KPI *panel*: one row per unit (a team, region, channel or rep) and
period, with the KPI's ``value`` and, for rates, the ``n`` it was computed from
(and ``hits``, the numerator). Pure functions; the notebook builds the panel from
the data and shows the results.

Methods
-------
- Rates with counts (conversion rate): the 2x2 difference-in-differences of pooled
  rates, ``(p_T,post - p_T,pre) - (p_C,post - p_C,pre)``, with the binomial
  standard error ``sqrt(sum p(1-p)/n)`` over the four cells, a normal 95% interval.
- Other KPIs (revenue, orders ...): two-way fixed effects, ``value ~ unit + period +
  treated:post`` by OLS (statsmodels), standard errors clustered by unit when
  there are at least ``MIN_CLUSTERS`` units, heteroskedasticity-robust (HC1) otherwise.
- No comparison group: segmented regression on the treated unit's own series,
  ``value ~ t + post + t_since``, Newey–West (HAC) errors; the level change
  ``post`` is the effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

MIN_CLUSTERS = 10
MIN_PERIODS = 3  # before and after the start, each


def _z(level: float = 0.95) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def did_rates(panel: pd.DataFrame, treated: str, start: pd.Period | str, level: float = 0.95) -> dict:
    """2x2 difference-in-differences of a rate KPI (panel columns: unit, period, hits, n).

    Parameters
    ----------
    panel : DataFrame
        ``unit, period`` (pandas Period or sortable text), ``hits`` (e.g. won), ``n`` (e.g. closed).
    treated : str
        The unit the action touched.
    start : Period or str
        First period of the action (periods from it on are "post").

    Returns
    -------
    dict
        ``effect, ci_low, ci_high, se, p_value``, the four cell rates and counts,
        ``method`` and ``note`` (why no estimate could be made, else None).
    """
    p = panel.assign(post=panel["period"] >= start, treated=panel["unit"] == treated)
    cells = p.groupby(["treated", "post"])[["hits", "n"]].sum()
    need = [(True, False), (True, True), (False, False), (False, True)]
    missing = [c for c in need if c not in cells.index or cells.loc[c, "n"] == 0]
    out = {"method": "did_rates", "unit": treated, "start": str(start)}
    if missing:
        names = {(True, False): "treated before", (True, True): "treated after",
                 (False, False): "comparison before", (False, True): "comparison after"}
        out["note"] = "no data for " + ", ".join(names[c] for c in missing)
        return out
    rate = cells["hits"] / cells["n"]
    var = rate * (1 - rate) / cells["n"]
    effect = (rate[(True, True)] - rate[(True, False)]) - (rate[(False, True)] - rate[(False, False)])
    se = float(np.sqrt(var.sum()))
    z = _z(level)
    out.update(
        effect=float(effect), se=se, ci_low=float(effect - z * se), ci_high=float(effect + z * se),
        p_value=float(2 * stats.norm.sf(abs(effect) / se)) if se > 0 else np.nan,
        treated_before=float(rate[(True, False)]), treated_after=float(rate[(True, True)]),
        comparison_before=float(rate[(False, False)]), comparison_after=float(rate[(False, True)]),
        n_treated=int(cells.loc[[(True, False), (True, True)], "n"].sum()),
        n_comparison=int(cells.loc[[(False, False), (False, True)], "n"].sum()),
        comparison_units=int(p.loc[~p["treated"], "unit"].nunique()), note=None,
    )
    return out


def did_regression(panel: pd.DataFrame, treated: str, start, level: float = 0.95) -> dict:
    """Two-way fixed-effects difference-in-differences of a KPI (panel columns: unit, period, value)."""
    p = panel.dropna(subset=["value"]).copy()
    p["period_key"] = p["period"].astype(str)
    p["did"] = ((p["unit"] == treated) & (p["period"] >= start)).astype(float)
    out = {"method": "did_regression", "unit": treated, "start": str(start)}
    if p["did"].sum() == 0 or (p["unit"] != treated).sum() == 0 or ((p["unit"] == treated) & (p["did"] == 0)).sum() == 0:
        out["note"] = "the treated unit or the comparison group has no data on one side of the start"
        return out
    model = smf.ols("value ~ C(unit) + C(period_key) + did", data=p)
    units = p["unit"].nunique()
    if units >= MIN_CLUSTERS:
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(p["unit"])[0]})
        out["se_type"] = "clustered by unit"
    else:
        fit = model.fit(cov_type="HC1")
        out["se_type"] = f"HC1 (only {units} units: too few to cluster)"
    lo, hi = fit.conf_int(alpha=1 - level).loc["did"]
    out.update(effect=float(fit.params["did"]), se=float(fit.bse["did"]), ci_low=float(lo), ci_high=float(hi),
               p_value=float(fit.pvalues["did"]), n_obs=int(fit.nobs), comparison_units=units - 1, note=None)
    return out


def interrupted_time_series(series: pd.DataFrame, start, level: float = 0.95, maxlags: int = 1) -> dict:
    """Level change at ``start`` in one unit's own series (columns: period, value)."""
    s = series.dropna(subset=["value"]).sort_values("period").reset_index(drop=True)
    s["t"] = np.arange(len(s), dtype=float)
    s["post"] = (s["period"] >= start).astype(float)
    out = {"method": "interrupted_time_series", "start": str(start)}
    before, after = int((s["post"] == 0).sum()), int((s["post"] == 1).sum())
    if before < MIN_PERIODS or after < MIN_PERIODS:
        out["note"] = f"{before} period(s) before and {after} after the start; need {MIN_PERIODS} on each side"
        return out
    t0 = s.loc[s["post"] == 1, "t"].min()
    s["t_since"] = np.where(s["post"] == 1, s["t"] - t0, 0.0)
    fit = smf.ols("value ~ t + post + t_since", data=s).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
    lo, hi = fit.conf_int(alpha=1 - level).loc["post"]
    out.update(effect=float(fit.params["post"]), se=float(fit.bse["post"]), ci_low=float(lo), ci_high=float(hi),
               p_value=float(fit.pvalues["post"]), slope_change=float(fit.params["t_since"]),
               n_obs=int(fit.nobs), note=None)
    return out


# ----------------------------------------------------------------------------- from the data

RATE_KPIS = ("conversion_rate",)
VALUE_KPIS = ("revenue", "orders")
FEEDBACK_KPIS = ("nps", "csat")
ACTION_COLUMNS = ["action_id", "description", "level", "key", "kpi", "start_date", "method", "effect", "ci_low",
                  "ci_high", "p_value", "before", "after", "comparison_units", "n", "note"]


def _unit_column(df: pd.DataFrame, level: str, reps: pd.DataFrame | None) -> pd.Series | None:
    """The unit of each row at ``level``: its channel, region, team or rep."""
    if level == "company":
        return pd.Series("company", index=df.index)
    if level == "channel":
        return df["channel_id"] if "channel_id" in df else None
    if level == "rep":
        return df["rep_id"] if "rep_id" in df else None
    if level in ("team", "region"):
        if level == "region" and "region" in df and df["region"].notna().any():
            return df["region"]
        if reps is None or level not in reps or "rep_id" not in df:
            return None
        return df["rep_id"].map(reps.set_index("rep_id")[level])
    return None


def kpi_panel(ds, kpi: str, level: str, as_of: pd.Timestamp, cohort_lag_days: int = 90) -> pd.DataFrame | None:
    """Monthly KPI per unit at ``level``: conversion by lead creation cohort (won / closed, cohorts
    younger than ``cohort_lag_days`` left out: still open), revenue and orders by order month."""
    reps = ds.tables.get("reps")
    if kpi in RATE_KPIS:
        leads = ds.tables.get("leads")
        if leads is None:
            return None
        unit = _unit_column(leads, level, reps)
        if unit is None:
            return None
        L = leads.assign(unit=unit).loc[lambda d: d["unit"].notna() & d["status"].isin(["won", "lost"])]
        L = L.loc[L["created_date"] <= as_of - pd.Timedelta(days=cohort_lag_days)]
        L = L.assign(period=L["created_date"].dt.to_period("M"), hits=L["status"].eq("won"))
        panel = L.groupby(["unit", "period"]).agg(hits=("hits", "sum"), n=("hits", "size")).reset_index()
        panel["value"] = panel["hits"] / panel["n"]
        return panel
    if kpi in VALUE_KPIS:
        orders = ds.tables.get("orders")
        if orders is None:
            return None
        unit = _unit_column(orders, level, reps)
        if unit is None:
            return None
        o = orders.assign(unit=unit, period=orders["order_date"].dt.to_period("M")).loc[lambda d: d["unit"].notna()]
        o = o.loc[o["order_date"] <= as_of]
        agg = ("amount", "sum") if kpi == "revenue" else ("order_id", "nunique")
        panel = o.groupby(["unit", "period"]).agg(value=agg).reset_index()
        panel["n"] = 1
        return panel
    if kpi in FEEDBACK_KPIS:
        fb = ds.tables.get("feedback")
        if fb is None or kpi not in fb or level not in ("company", "channel"):
            return None
        unit = _unit_column(fb, level, reps)
        if unit is None:
            return None
        f = fb.assign(unit=unit, period=fb["date"].dt.to_period("M")).loc[lambda d: d["unit"].notna() & d[kpi].notna()]
        f = f.loc[f["date"] <= as_of]
        if kpi == "nps":  # net promoter score of the month: % promoters - % detractors, in points
            f = f.assign(score=100.0 * (f["nps"].ge(9).astype(float) - f["nps"].le(6).astype(float)))
        else:
            f = f.assign(score=f["csat"])
        return f.groupby(["unit", "period"]).agg(value=("score", "mean"), n=("score", "size")).reset_index()
    return None


def evaluate_actions(ds, as_of: pd.Timestamp, cohort_lag_days: int = 90, min_periods: int = MIN_PERIODS) -> pd.DataFrame:
    """Each entry of the ``actions`` table: its KPI before and after, against the units it did not touch.

    Difference-in-differences when other units exist at the action's level, an
    interrupted time series on the unit's own series otherwise (or at company
    level). An action without a KPI, with an unsupported KPI, without data after
    its start or without a comparison group gets a note instead of a number.
    """
    actions = ds.tables.get("actions")
    rows = []
    if actions is None:
        return pd.DataFrame(columns=ACTION_COLUMNS)
    for a in actions.itertuples(index=False):
        row = {"action_id": a.action_id, "description": a.description, "level": getattr(a, "level", None),
               "key": getattr(a, "key", None), "kpi": getattr(a, "kpi", None), "start_date": a.start_date}
        level = row["level"] if isinstance(row["level"], str) else "company"
        kpi, key = row["kpi"], row["key"]
        start = pd.Timestamp(a.start_date).to_period("M")
        if not isinstance(kpi, str):
            rows.append({**row, "note": "no KPI given for this action"})
            continue
        panel = kpi_panel(ds, kpi, level, as_of, cohort_lag_days)
        if panel is None or panel.empty:
            rows.append({**row, "note": f"KPI '{kpi}' at level '{level}' cannot be measured from this data "
                                        f"(supported: {', '.join(RATE_KPIS + VALUE_KPIS + FEEDBACK_KPIS)}; feedback KPIs at company or channel level)"})
            continue
        unit = "company" if level == "company" else key
        own = panel.loc[panel["unit"] == unit]
        if own.empty:
            rows.append({**row, "note": f"no {kpi} data for {level} '{key}'"})
            continue
        after = own.loc[own["period"] >= start]
        if after.empty:
            rows.append({**row, "note": f"no {kpi} data after the start ({start}) yet"})
            continue
        others = panel.loc[panel["unit"] != unit]
        if others.empty:
            res = interrupted_time_series(own[["period", "value"]], start)
            if res.get("note"):
                res["note"] = "no comparison group; " + res["note"]
        elif kpi in RATE_KPIS:
            res = did_rates(panel, unit, start)
        else:
            res = did_regression(panel, unit, start)
        before = own.loc[own["period"] < start]
        if kpi in RATE_KPIS:
            b = before["hits"].sum() / before["n"].sum() if before["n"].sum() else np.nan
            af = after["hits"].sum() / after["n"].sum() if after["n"].sum() else np.nan
        else:
            b, af = before["value"].mean(), after["value"].mean()
        rows.append({**row, "method": res.get("method"), "effect": res.get("effect"), "ci_low": res.get("ci_low"),
                     "ci_high": res.get("ci_high"), "p_value": res.get("p_value"), "before": b, "after": af,
                     "comparison_units": res.get("comparison_units", 0),
                     "n": int(own["n"].sum()), "note": res.get("note")})
    return pd.DataFrame(rows, columns=ACTION_COLUMNS)
