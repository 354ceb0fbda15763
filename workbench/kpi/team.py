"""The sales team: rep scorecards, a leaderboard that does not rank noise, and training needs.

Win rates count closed leads of the creation cohorts in the review window (an
open lead is neither won nor lost yet). Per-stage conversion ``A→B`` is the
share of leads that reached ``A`` and went on to ``B``, among those that reached
``A`` and are resolved (moved on, or closed); a lead still open at ``A`` is left
out. Intervals are 95 % Wilson.

Leaderboard: each rep's win rate is pooled towards the team's rate with
``pooling_strength`` pseudo-leads (beta-binomial partial pooling), and the rank
carries a 90 % interval from 4,000 posterior draws: two reps whose rank
intervals overlap are not told apart. ``verdict`` says whether the rep's own 95 %
interval lies above or below the company rate.

Training needs: for every rep and stage, the rep's conversion is tested against
the rest of the team (Fisher's exact test, one-sided "lower"). The p-values of all
reps and stages are adjusted with Benjamini-Hochberg (``fdr_bh``): this is a
screening list, so we control the share of false flags rather than the chance
of any single one (Holm would hide most real needs on a team of this size). A
flagged gap is also compared with what the rep's channel mix predicts: when the
rep's channels explain it, ``explained_by_channel`` is true and the fix is
channel policy, not coaching.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from workbench.kpi import actuals as A
from workbench.kpi import periods as P
from workbench.kpi.attainment import review_months
from workbench.kpi.deals import stage_frame as _stage_frame

log = logging.getLogger(__name__)

def _stage_names(kd: A.KpiData) -> dict[float, str]:
    return dict(zip(kd.stages["order"], kd.stages["stage"], strict=True))


def stage_conversion(kd: A.KpiData, by: str = "rep", months: tuple[int, int] | None = None) -> pd.DataFrame:
    """Per ``by`` key and stage transition: ``reached, passed, resolved, rate, ci_low, ci_high``."""
    if kd.leads is None or kd.stages is None:
        return pd.DataFrame()
    f = _stage_frame(kd, kd.as_of)
    keys, labels = pd.factorize(f[by], sort=True)
    sel = keys >= 0
    if months is not None:
        m = P.month_of(f["created"])
        sel &= (m >= months[0]) & (m <= months[1])
    keys = keys[sel]
    names = _stage_names(kd)
    orders = sorted(names)
    won = (f["state"] == "won").to_numpy()[sel]
    closed = f["state"].isin(["won", "lost"]).to_numpy()[sel]
    reach = np.where(won, orders[-1], f["order"].to_numpy()[sel])
    present = np.bincount(keys, minlength=len(labels)) > 0  # keys of the rows (all of them, as groupby lists them)
    rows = []
    for a, b in zip(orders[:-1], orders[1:], strict=True):
        r = reach >= a
        passed = reach >= b
        resolved = r & (passed | closed)
        count = {c: np.bincount(keys[m], minlength=len(labels))[present]
                 for c, m in (("reached", r), ("passed", passed & r), ("resolved", resolved))}
        g = pd.DataFrame({"key": labels[present], **count})
        g["transition"] = f"{names[a]}→{names[b]}"
        g["from_order"] = a
        rows.append(g)
    out = pd.concat(rows, ignore_index=True)
    out = out.loc[out["reached"] > 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["resolved"] > 0, out["passed"] / out["resolved"].where(out["resolved"] > 0, 1), np.nan)
    lo, hi = proportion_confint(out["passed"], out["resolved"].clip(lower=1), alpha=0.05, method="wilson")
    out["ci_low"] = np.where(out["resolved"] > 0, lo, np.nan)
    out["ci_high"] = np.where(out["resolved"] > 0, hi, np.nan)
    return out.rename(columns={"key": by}).reset_index(drop=True)


def _rep_info(kd: A.KpiData) -> pd.DataFrame:
    if kd.reps is None:
        keys = pd.Index(sorted(set(kd.orders["rep"].dropna()) | (set(kd.leads["rep"].dropna()) if kd.leads is not None else set())))
        return pd.DataFrame({"rep_id": keys, "name": pd.NA, "team": pd.NA, "region": pd.NA, "channel_id": pd.NA})
    cols = [c for c in ("rep_id", "name", "team", "region", "channel_id", "manager", "hire_date") if c in kd.reps]
    return kd.reps[cols].copy()


def _order_keys(kd: A.KpiData) -> np.ndarray:
    """A number per order line standing for its order id (NaN where the id is missing): counts distinct
    orders as the id text would, without hashing it."""
    code = kd.orders["order_code"].to_numpy() if "order_code" in kd.orders else pd.factorize(kd.orders["order_id"])[0]
    return np.where(code >= 0, code, np.nan)


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
    o = kd.orders[["rep", "month", "amount"]].assign(order_id=_order_keys(kd))
    o = o.loc[((o["month"] >= a0) & (o["month"] <= a1) & o["rep"].notna()).to_numpy()]
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
        L = kd.leads[["rep", "month", "status", "amount", "closed", "created"]]
        L = L.loc[((L["month"] >= a0) & (L["month"] <= a1) & L["rep"].notna()).to_numpy()]
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


def _pool_and_rank(sc: pd.DataFrame, params, seed: int) -> pd.DataFrame:
    closed = (sc["won"] + sc["lost"]).to_numpy(dtype=float)
    company = sc["won"].sum() / max(closed.sum(), 1)
    team = sc["team"].fillna("(no team)")
    tw = sc.groupby(team)["won"].transform("sum")
    tc = (sc["won"] + sc["lost"]).groupby(team).transform("sum")
    prior = np.where(tc > 0, tw / tc.clip(lower=1), company)
    k = max(params.pooling_strength, 1e-9)
    a = sc["won"].to_numpy(dtype=float) + k * prior
    b = sc["lost"].to_numpy(dtype=float) + k * (1 - prior)
    sc["win_rate_pooled"] = a / (a + b)
    eligible = (closed >= params.min_leads) & (sc["status"] != "left").to_numpy()
    sc["rank"] = np.nan
    sc["rank_low"] = np.nan
    sc["rank_high"] = np.nan
    if eligible.sum():
        rng = np.random.default_rng(seed)
        draws = rng.beta(a[eligible], b[eligible], size=(4000, int(eligible.sum())))
        ranks = (-draws).argsort(axis=1).argsort(axis=1) + 1
        idx = np.flatnonzero(eligible)
        order = (-sc["win_rate_pooled"].to_numpy()[idx]).argsort(kind="stable")
        r = np.empty(len(idx))
        r[order] = np.arange(1, len(idx) + 1)
        sc.loc[sc.index[idx], "rank"] = r
        sc.loc[sc.index[idx], "rank_low"] = np.quantile(ranks, 0.05, axis=0)
        sc.loc[sc.index[idx], "rank_high"] = np.quantile(ranks, 0.95, axis=0)
    sc["verdict"] = np.select(
        [closed < params.min_leads, sc["win_rate_low"] > company, sc["win_rate_high"] < company],
        ["insufficient data", "above company", "below company"], "within noise")
    return sc


def leaderboard(scorecard: pd.DataFrame) -> pd.DataFrame:
    """The ranked reps (enough closed leads, still active) with their rank intervals."""
    lb = scorecard.loc[scorecard["rank"].notna()].sort_values("rank")
    return lb[["rank", "rank_low", "rank_high", "rep_id", "name", "team", "won", "lost", "win_rate", "win_rate_low",
               "win_rate_high", "win_rate_pooled", "verdict", "revenue", "attainment"]].reset_index(drop=True)


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
    reps, rep_ids = pd.factorize(f["rep"])
    chans, chan_ids = pd.factorize(f["channel"])
    sel = (m >= months[0]) & (m <= months[1]) & (reps >= 0)
    reps, chans = reps[sel], chans[sel]
    names = _stage_names(kd)
    orders = sorted(names)
    won = (f["state"] == "won").to_numpy()[sel]
    closed = f["state"].isin(["won", "lost"]).to_numpy()[sel]
    reach = np.where(won, orders[-1], f["order"].to_numpy()[sel])
    exp, pval = [], []
    cache = {}
    for a, b in zip(orders[:-1], orders[1:], strict=True):
        t = f"{names[a]}→{names[b]}"
        r = reach >= a
        resolved = r & ((reach >= b) | closed)
        rate_t = by.xs(t, level="transition") if t in by.index.get_level_values("transition") else pd.Series(dtype=float)
        # each row's channel rate (NaN: no channel, or a channel without a rate), by channel code
        p_of = np.append(rate_t.reindex(chan_ids).to_numpy(dtype=float), np.nan)
        p = p_of[np.where(chans >= 0, chans, len(chan_ids))[resolved]]
        d = pd.DataFrame({"p": p, "v": p * (1 - p)})
        g = d.groupby(pd.Categorical.from_codes(reps[resolved], categories=pd.RangeIndex(len(rep_ids)), validate=False),
                      sort=False).agg(mean=("p", "mean"), var=("v", "sum"))
        g.index = pd.Index(np.asarray(rep_ids, dtype=object)[g.index.to_numpy().astype(np.int64)], name="rep")
        cache[t] = g
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
