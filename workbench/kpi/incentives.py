"""Incentives: a commission and bonus plan from params, paid per rep and plan period, with a what-if.

For each rep and complete plan period in the review window:

- ``sales`` = positive order amounts, ``returns`` = returned amounts (as a positive
  number) credited in the period; ``credited = sales - returns`` with
  ``clawback_returns`` (a return claws back the commission in the period it is
  booked), else ``sales``.
- ``attainment = credited / target`` (the rep's revenue target over the period).
- Commission is marginal over bands of attainment: the credited revenue between
  ``tiers[i][0] * target`` and ``tiers[i+1][0] * target`` earns ``tiers[i][1]``; the
  part above ``accelerator_above * target`` is multiplied by ``accelerator``; the part
  above ``cap_attainment * target`` earns nothing (0 = no cap). ``cap_amount`` caps
  one rep's commission in one period (0 = no cap).
- A rep without a target earns the first tier's rate on everything, no accelerator.
- ``team_bonus_amount`` goes to each rep still active at period end whose team's
  credited revenue reaches ``team_bonus_threshold`` of the team's target (the team
  target from targets, else the sum of its reps' targets).
- ``clawback`` reports what the returns cost the rep (commission on sales minus
  commission on credited revenue).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from workbench.kpi import actuals as A
from workbench.kpi import keys as K
from workbench.kpi import periods as P
from workbench.kpi.attainment import _left_reps, review_months, target_months, targets_by_period
from workbench.kpi.params import IncentivePlan

log = logging.getLogger(__name__)

INCENTIVE_COLUMNS = ["period", "rep_id", "name", "team", "status", "sales", "returns", "credited", "target",
                     "attainment", "commission", "accelerator_extra", "capped", "clawback", "team_bonus", "total_pay"]

def commission(credited: np.ndarray, target: np.ndarray, plan: IncentivePlan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Commission per rep under ``plan``: (commission, of which accelerator, amount cut by caps).

    ``credited`` and ``target`` are arrays of the same length; a target that is missing or not
    positive pays the first tier's rate on all credited revenue.
    """
    c = np.maximum(np.asarray(credited, dtype=float), 0.0)
    t = np.asarray(target, dtype=float)
    has_t = np.isfinite(t) & (t > 0)
    starts = [s for s, _ in plan.tiers]
    rates = [r for _, r in plan.tiers]
    cap = plan.cap_attainment if plan.cap_attainment > 0 else np.inf
    bps = sorted(set(starts) | {plan.accelerator_above} | ({cap} if np.isfinite(cap) else set()))
    bps.append(np.inf)
    pay = np.zeros_like(c)
    acc = np.zeros_like(c)
    uncapped = np.zeros_like(c)
    tt = np.where(has_t, t, 1.0)
    for lo, hi in zip(bps[:-1], bps[1:], strict=True):
        rate = rates[max(i for i, s in enumerate(starts) if s <= lo)]
        band = np.clip(c, lo * tt, hi * tt) - lo * tt
        mult = plan.accelerator if lo >= plan.accelerator_above else 1.0
        full = band * rate * mult
        uncapped += full
        if lo >= cap:
            continue
        pay += full
        acc += band * rate * (mult - 1)
    flat = c * rates[0]
    pay = np.where(has_t, pay, flat)
    acc = np.where(has_t, acc, 0.0)
    uncapped = np.where(has_t, uncapped, flat)
    if plan.cap_amount > 0:
        pay = np.minimum(pay, plan.cap_amount)
    return pay, acc, uncapped - pay


def _credits(kd: A.KpiData, params, period: str) -> pd.DataFrame | None:
    """Sales and returns per plan period x rep over the complete plan periods of the review window, lines
    of a rep after the rep left left out; ``None`` without rep order lines. The same for every plan of
    the same period length (the what-ifs), so computed once (kept in ``kd.cache``)."""
    a0, a1 = review_months(kd, params)
    ck = ("credits", a0, a1, period, params.inactive_days)
    if ck in kd.cache:
        return kd.cache[ck]
    o = kd.orders[["month", "rep", "date", "amount"]]
    o = o.loc[(o["month"] >= a0) & (o["month"] <= a1) & o["rep"].notna()]
    if o.empty:
        kd.cache[ck] = None
        return None
    left = _left_reps(kd, params.inactive_days)
    if len(left):
        o = o.loc[~(o["rep"].isin(left.index) & (o["date"] > K.map_values(o["rep"], left)))]
    mcodes, months = pd.factorize(o["month"].to_numpy())
    labels = P.labels(np.asarray(months), period, kd.fy_start)
    complete = {p for p in set(labels) if P.months_of(p, kd.fy_start)[0] >= a0 and P.months_of(p, kd.fy_start)[-1] <= a1}
    # text columns as inferring them from objects would type them (no lines left: objects)
    per, reps = (pd.array(labels, dtype="str").take(mcodes), o["rep"].array) if len(o) else (labels, o["rep"].to_numpy())
    d = pd.DataFrame({"period": per, "rep_id": reps,
                      "sales": o["amount"].clip(lower=0).to_numpy(), "returns": (-o["amount"]).clip(lower=0).to_numpy()})
    d = d.loc[d["period"].isin(complete)]
    kd.cache[ck] = d.groupby(["period", "rep_id"], as_index=False).agg(sales=("sales", "sum"), returns=("returns", "sum"))
    return kd.cache[ck]


def _revenue_targets(kd: A.KpiData, params, period: str) -> pd.DataFrame:
    """Revenue targets per plan period, periods fully covered only (kept in ``kd.cache``)."""
    ck = ("revenue_targets", params.prorate, period)
    if ck not in kd.cache:
        tm = target_months(kd, params.prorate)
        tp = targets_by_period(kd, tm.loc[tm["kpi"] == "revenue"], period)
        kd.cache[ck] = tp.loc[tp["months_covered"] == tp["months_in_period"]]
    return kd.cache[ck]


def incentive_pay(kd: A.KpiData, params, plan: IncentivePlan | None = None) -> pd.DataFrame:
    """Pay per rep and complete plan period in the review window (see module docstring)."""
    plan = plan or params.incentive_plan
    base = _credits(kd, params, plan.period)
    if base is None:
        return pd.DataFrame(columns=INCENTIVE_COLUMNS)
    left = _left_reps(kd, params.inactive_days)
    g = base.copy()
    info = kd.reps.set_index("rep_id") if kd.reps is not None else pd.DataFrame()
    g["name"] = g["rep_id"].map(info["name"]) if "name" in info else pd.NA
    g["team"] = g["rep_id"].map(info["team"]) if "team" in info else pd.NA
    g["credited"] = g["sales"] - g["returns"] if plan.clawback_returns else g["sales"]
    tp = pd.DataFrame(columns=["period", "level", "key", "target"])
    if kd.targets is not None and "revenue" in kd.kpis:
        tp = _revenue_targets(kd, params, plan.period)
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


def cost_summary(inc: pd.DataFrame) -> dict:
    """Total cost of a plan: ``total_cost, commission, team_bonus, credited, cost_share, reps_paid, max_pay``."""
    credited = float(inc["credited"].sum())
    total = float(inc["total_pay"].sum())
    by_rep = inc.groupby("rep_id")["total_pay"].sum()
    return {"total_cost": total, "commission": float(inc["commission"].sum()),
            "team_bonus": float(inc["team_bonus"].sum()), "clawback": float(inc["clawback"].sum()),
            "credited": credited, "cost_share": total / credited if credited else np.nan,
            "reps_paid": int((by_rep > 0).sum()), "max_pay": float(by_rep.max()) if len(by_rep) else 0.0,
            "reps_above_target": int((inc["attainment"] >= 1).sum())}


def what_if(kd: A.KpiData, params) -> pd.DataFrame:
    """Total cost of the plan and of each ``incentive_what_if`` variant, with the change against the plan."""
    base = params.incentive_plan
    rows = [{"scenario": "plan", "changes": "", **cost_summary(incentive_pay(kd, params, base))}]
    for name, change in params.incentive_what_if.items():
        plan = IncentivePlan(**{**base.model_dump(), **change})
        rows.append({"scenario": name, "changes": ", ".join(f"{k}={v}" for k, v in change.items()),
                     **cost_summary(incentive_pay(kd, params, plan))})
    out = pd.DataFrame(rows)
    out["delta"] = out["total_cost"] - out["total_cost"].iloc[0]
    return out
