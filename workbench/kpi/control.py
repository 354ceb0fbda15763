"""Control charts for the periodic review: p / Laney p' charts, XmR charts, run rules, signals in words.

Limits are *frozen* on a baseline (``control_baseline``, default the first 12
months of the series): later points are judged against what was normal then.

- **p-chart** (conversion = won / leads of a creation cohort, varying n):
  centre ``p̄ = Σx / Σn`` over the baseline, ``σ_i = sqrt(p̄(1-p̄)/n_i)``.
- **Laney p'** when the baseline is over-dispersed (``laney: auto``: Pearson
  χ² = Σz² on k-1 degrees of freedom rejects at 5 %): ``z_i = (p_i - p̄)/σ_i``,
  ``σ_z = mean|Δz| / 1.128`` on the baseline, limits ``p̄ ± 3 σ_i σ_z``.
- **XmR** (revenue and other KPIs): centre ``x̄``, ``σ = mean moving range / 1.128``,
  limits ``x̄ ± 2.66 MR̄``, moving-range limit ``3.267 MR̄``.

Run rules (Western Electric, on z = distance from centre in σ): 1 one point
beyond 3σ; 2 two of three beyond 2σ on one side; 3 four of five beyond 1σ on
one side; 4 ``run_length`` points in a row on one side of the centre; 5 six
points in a row steadily rising or falling. Cohorts still too open
(``max_open_share``) are drawn but not judged.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import stats

from workbench.kpi import actuals as A
from workbench.kpi import periods as P

log = logging.getLogger(__name__)

D2 = 1.128  # d2 for moving ranges of two
SIGNAL_COLUMNS = ["chart", "level", "key", "kpi", "rule", "first_period", "last_period", "direction", "value",
                  "center", "phase", "action_id", "action_start", "action_description"]



def p_chart(x, n, baseline, laney: str = "auto") -> pd.DataFrame:
    """p-chart points with frozen limits: ``x, n, p, center, sigma, ucl, lcl, z, laney``.

    Parameters
    ----------
    x, n : array-like
        Successes and trials per period.
    baseline : array-like of bool
        Periods that set the limits.
    laney : {'auto', 'always', 'never'}
    """
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    b = np.asarray(baseline, dtype=bool) & (n > 0)
    pbar = x[b].sum() / n[b].sum() if n[b].sum() else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, x / n, np.nan)
        sigma = np.sqrt(pbar * (1 - pbar) / n)
        z = (p - pbar) / sigma
    zb = z[b]
    zb = zb[np.isfinite(zb)]
    sz = np.mean(np.abs(np.diff(zb))) / D2 if len(zb) > 2 else 1.0
    over = len(zb) > 2 and stats.chi2.sf(np.sum(zb ** 2), len(zb) - 1) < 0.05
    use = laney == "always" or (laney == "auto" and over)
    f = sz if use else 1.0
    return pd.DataFrame({"x": x, "n": n, "p": p, "center": pbar, "sigma": sigma * f,
                         "ucl": np.minimum(pbar + 3 * sigma * f, 1.0), "lcl": np.maximum(pbar - 3 * sigma * f, 0.0),
                         "z": z / f, "laney": use, "sigma_z": sz})


def xmr(values, baseline) -> pd.DataFrame:
    """XmR points with frozen limits: ``x, center, sigma, ucl, lcl, mr, mr_ucl, z``."""
    x = np.asarray(values, dtype=float)
    b = np.asarray(baseline, dtype=bool)
    mr = np.r_[np.nan, np.abs(np.diff(x))]
    mrb = mr[b][1:] if b[0] else mr[b]
    mrbar = np.nanmean(mrb) if np.isfinite(mrb).any() else np.nan
    center = np.nanmean(x[b])
    sigma = mrbar / D2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - center) / sigma
    return pd.DataFrame({"x": x, "center": center, "sigma": sigma, "ucl": center + 2.66 * mrbar,
                         "lcl": center - 2.66 * mrbar, "mr": mr, "mr_ucl": 3.267 * mrbar, "z": z})


def run_rules(z, values=None, run_length: int = 8, judged=None) -> list[dict]:
    """Western Electric rules on z-scores; returns episodes ``{rule, start, end, direction}`` (indices).

    ``judged`` (bool per point) leaves points out of every rule (e.g. immature cohorts); a
    rule's window may not span a point that is not judged.
    """
    z = np.asarray(z, dtype=float)
    v = np.asarray(values if values is not None else z, dtype=float)
    ok = np.isfinite(z) & (np.ones(len(z), bool) if judged is None else np.asarray(judged, dtype=bool))
    hits: list[tuple[int, int, int, str]] = []
    for i in range(len(z)):
        if not ok[i]:
            continue
        if abs(z[i]) > 3:
            hits.append((1, i, i, "up" if z[i] > 0 else "down"))
        for rule, win, need, lim in ((2, 3, 2, 2.0), (3, 5, 4, 1.0)):
            if i >= win - 1 and ok[i - win + 1:i + 1].all():
                w = z[i - win + 1:i + 1]
                for sgn, d in ((1, "up"), (-1, "down")):
                    if (sgn * w > lim).sum() >= need and sgn * z[i] > lim:
                        hits.append((rule, i - win + 1, i, d))
        k = run_length
        if i >= k - 1 and ok[i - k + 1:i + 1].all():
            w = z[i - k + 1:i + 1]
            if (w > 0).all() or (w < 0).all():
                hits.append((4, i - k + 1, i, "up" if w[0] > 0 else "down"))
        if i >= 5 and ok[i - 5:i + 1].all():
            d = np.diff(v[i - 5:i + 1])
            if (d > 0).all() or (d < 0).all():
                hits.append((5, i - 5, i, "up" if d[0] > 0 else "down"))
    # merge overlapping hits of the same rule and direction into episodes
    episodes: list[dict] = []
    for rule, s, e, d in sorted(hits, key=lambda t: (t[0], t[3], t[1])):
        last = episodes[-1] if episodes else None
        if last and last["rule"] == rule and last["direction"] == d and s <= last["end"] + 1:
            last["end"] = max(last["end"], e)
        else:
            episodes.append({"rule": rule, "start": s, "end": e, "direction": d})
    return episodes


def _baseline_mask(months: list[int], spec: str) -> np.ndarray:
    m = np.asarray(months)
    if spec:
        a, b = P.parse_range(spec)
    else:
        a, b = m.min(), m.min() + 11
    return (m >= a) & (m <= b)


def _action_for(kd: A.KpiData, level: str, key: str, first: int, last: int) -> pd.Series | None:
    if kd.actions is None:
        return None
    a = kd.actions
    lv = a["level"] if "level" in a else pd.Series(pd.NA, index=a.index)
    k = a["key"] if "key" in a else pd.Series(pd.NA, index=a.index)
    start = P.month_of(a["start_date"])
    hit = a.loc[(lv == level).to_numpy() & (k.astype("str") == key).to_numpy() & (start >= first - 3) & (start <= last)]
    return hit.iloc[0] if len(hit) else None


def _signals(kd, chart, level, key, kpi, months, pts, value_col, baseline, judged, params) -> list[dict]:
    out = []
    for ep in run_rules(pts["z"], pts[value_col], params.run_length, judged):
        s, e = ep["start"], ep["end"]
        val = float(np.nanmean(pts[value_col].to_numpy()[s:e + 1]))
        center = float(pts["center"].iloc[0])
        act = _action_for(kd, level, key, months[s], months[e])
        out.append({"chart": chart, "level": level, "key": key, "kpi": kpi, "rule": ep["rule"],
                    "first_period": P.month_label(months[s]), "last_period": P.month_label(months[e]),
                    "direction": ep["direction"], "value": val, "center": center,
                    "phase": "baseline" if baseline[e] else "review",
                    "action_id": act["action_id"] if act is not None else pd.NA,
                    "action_start": pd.Timestamp(act["start_date"]).date().isoformat() if act is not None else pd.NA,
                    "action_description": act["description"] if act is not None else pd.NA})
    return out


def control_charts(kd: A.KpiData, params) -> tuple[dict, pd.DataFrame]:
    """Every chart's points and the signals they raise.

    Returns
    -------
    charts : dict
        ``(chart, level, key, kpi) -> DataFrame`` of points (``month`` label column added).
    signals : DataFrame
        :data:`SIGNAL_COLUMNS`, one row per episode, most recent first (the same in every language:
        the views put a signal into words).
    """
    charts: dict = {}
    sig: list[dict] = []
    last = kd.last_month
    months = list(range(kd.first_month, last + 1))
    if kd.leads is not None and "conversion_rate" in kd.kpis:
        m = A.measures(kd, params.control_level, "month", (kd.first_month, last))
        m["month"] = [int(P.months_of(p)[0]) for p in m["period"]]
        for key, g in m.groupby("key", sort=True):
            g = g.set_index("month")[["won", "leads", "open"]].reindex(months, fill_value=0)
            if g["leads"].sum() < params.min_leads * 3:
                continue
            base = _baseline_mask(months, params.control_baseline)
            pts = p_chart(g["won"], g["leads"], base, params.laney)
            open_share = np.where(g["leads"] > 0, g["open"] / g["leads"].where(g["leads"] > 0, 1), 0)
            judged = (open_share <= params.max_open_share) & (g["leads"].to_numpy() > 0)
            pts["month"] = [P.month_label(x) for x in months]
            pts["judged"] = judged
            chart = "p'" if bool(pts["laney"].iloc[0]) else "p"
            charts[(chart, params.control_level, key, "conversion_rate")] = pts
            sig += _signals(kd, chart, params.control_level, key, "conversion_rate", months, pts, "p", base,
                            judged, params)
    for kpi in params.xmr_kpis:
        if kpi not in kd.kpis:
            continue
        m = A.measures(kd, params.xmr_level, "month", (kd.first_month, last))
        v = A.kpi_values(kd, m, params.xmr_level)
        v = v.loc[v["kpi"] == kpi]
        v["month"] = [int(P.months_of(p)[0]) for p in v["period"]]
        for key, g in v.groupby("key", sort=True):
            if key == A.UNATTRIBUTED:
                continue
            s = g.set_index("month")["actual"].reindex(months, fill_value=0.0 if kd.kpis[kpi]["additive"] else np.nan)
            if s.notna().sum() < 6:
                continue
            base = _baseline_mask(months, params.control_baseline)
            pts = xmr(s.to_numpy(), base)
            pts["month"] = [P.month_label(x) for x in months]
            pts["judged"] = np.isfinite(pts["x"].to_numpy())
            charts[("XmR", params.xmr_level, key, kpi)] = pts
            sig += _signals(kd, "XmR", params.xmr_level, key, kpi, months, pts, "x", base, pts["judged"].to_numpy(),
                            params)
    signals = pd.DataFrame(sig, columns=SIGNAL_COLUMNS)
    if len(signals):
        signals = signals.sort_values(["phase", "last_period", "rule"], ascending=[False, False, True],
                                      kind="stable").reset_index(drop=True)
    return charts, signals
