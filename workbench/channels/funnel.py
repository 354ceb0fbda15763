"""The funnel per channel with honest uncertainty: conversion by creation cohort, tests, shrinkage, time to close.

Every rate here is computed on leads of *mature* creation cohorts (see
:mod:`workbench.channels.prepare`) and carries its sample size and a 95 % Wilson
interval. Channels are compared with one omnibus chi-square test and pairwise
two-proportion z-tests corrected for multiplicity (Holm by default, or
Benjamini-Hochberg), ranked by empirical-Bayes shrunk rates, and a channel with
fewer than ``min_leads`` mature leads is flagged "insufficient data" and not ranked.

Stage conversion ``A → B`` is ``P(reach B | reached A)`` among *resolved* leads:
those that reached A and either moved on to B or are closed. A lead still open at
A has not had its chance yet and is left out of that step.

Time to close is estimated by Kaplan-Meier (statsmodels ``SurvfuncRight``) with
open leads censored at the analysis date, over all cohorts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from workbench import measures
from workbench.channels import stats as st
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, LeadData

log = logging.getLogger(__name__)

ALL = "(all)"
"""The pooled row of all known channels in stage and time-to-close tables."""

CONVERSION_COLUMNS = ["channel_id", "channel_name", "leads", "won", "open_share", "conversion_rate", "ci_low",
                      "ci_high", "win_rate_closed", "shrunk_rate", "rank", "insufficient_data"]
"""Columns of ``channel_conversion`` shown in the report (the CSV keeps them all)."""


def _counts(lf: pd.DataFrame) -> pd.DataFrame:
    g = lf.assign(_lost=(lf["status"] == "lost").to_numpy(), _open=(lf["status"] == "open").to_numpy()) \
        .groupby("channel_id", sort=False)
    out = pd.DataFrame({
        "leads": g.size(),
        "won": g["won"].sum(),
        "lost": g["_lost"].sum(),
        "open": g["_open"].sum(),
    })
    return out.astype("int64")


def channel_conversion(ld: LeadData, params: ChannelParams) -> pd.DataFrame:
    """Conversion per channel on mature creation cohorts (the ``channel_conversion`` result table).

    Parameters
    ----------
    ld : LeadData
    params : ChannelParams
        ``min_leads`` (insufficient-data flag), ``alpha`` (interval level).

    Returns
    -------
    DataFrame
        One row per channel with leads: ``channel_id, channel_name, leads, won, lost, open,
        conversion_rate`` (won / leads), ``ci_low, ci_high`` (Wilson), ``open_share``,
        ``win_rate_closed`` (won / (won + lost)) and its interval ``closed_ci_low,
        closed_ci_high``, ``shrunk_rate, shrunk_low, shrunk_high`` (empirical Bayes),
        ``insufficient_data``, ``rank`` (by shrunk rate, known sources with enough data only),
        ``leads_all`` (all cohorts). Sorted by rank, then by leads.
    """
    lf = ld.leads[["channel_id", "mature", "won", "status"]]
    mature = lf.loc[lf["mature"]]
    c = _counts(mature) if len(mature) else pd.DataFrame(columns=["leads", "won", "lost", "open"], dtype="int64")
    allc = lf.groupby("channel_id").size()
    ids = sorted(set(allc.index))
    c = c.reindex(ids, fill_value=0).astype("int64")
    out = c.reset_index().rename(columns={"index": "channel_id"})
    out.insert(1, "channel_name", [ld.names.get(i, "") if i != UNKNOWN else "" for i in out["channel_id"]])
    a = params.alpha
    out["conversion_rate"] = measures.conversion_rate(out["won"], out["leads"])
    out["ci_low"], out["ci_high"] = st.wilson(out["won"], out["leads"], a)
    out["open_share"] = st.rate(out["open"], out["leads"])
    closed = out["won"] + out["lost"]
    out["win_rate_closed"] = measures.win_rate_closed(out["won"], out["lost"])
    out["closed_ci_low"], out["closed_ci_high"] = st.wilson(out["won"], closed, a)
    known = (out["channel_id"] != UNKNOWN).to_numpy()
    prior = st.fit_beta_prior(out.loc[known, "won"], out.loc[known, "leads"])
    out["shrunk_rate"], out["shrunk_low"], out["shrunk_high"] = st.shrink(out["won"], out["leads"], prior, a)
    out.loc[out["leads"] == 0, ["shrunk_rate", "shrunk_low", "shrunk_high"]] = np.nan
    out["insufficient_data"] = (out["leads"] < params.min_leads).to_numpy()
    rankable = known & ~out["insufficient_data"].to_numpy()
    out["rank"] = pd.Series(np.nan, index=out.index)
    out.loc[rankable, "rank"] = out.loc[rankable, "shrunk_rate"].rank(ascending=False, method="min")
    out["rank"] = out["rank"].astype("Int64")
    out["leads_all"] = allc.reindex(out["channel_id"]).to_numpy()
    out = out.sort_values(["rank", "leads"], ascending=[True, False], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def comparable(conv: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`channel_conversion` that enter tests and rankings: known source, enough data."""
    return conv.loc[(conv["channel_id"] != UNKNOWN) & ~conv["insufficient_data"] & (conv["leads"] > 0)]


@dataclass
class ConversionTests:
    """The omnibus test of equal conversion and the corrected pairwise comparisons."""

    omnibus: dict
    pairwise: pd.DataFrame
    method: str
    alpha: float
    left_out: list[str] = field(default_factory=list)


def conversion_tests(conv: pd.DataFrame, params: ChannelParams) -> ConversionTests:
    """Omnibus chi-square and pairwise z-tests of conversion between channels.

    Only channels with a known source and at least ``min_leads`` mature leads take
    part. Pairwise p-values are corrected with ``params.p_adjust`` over all pairs.

    Returns
    -------
    ConversionTests
        ``pairwise`` columns: ``channel_a, channel_b, leads_a, leads_b, rate_a, rate_b,
        difference, p_value, p_adj, significant``.
    """
    ok = comparable(conv)
    left = conv.loc[~conv.index.isin(ok.index) & (conv["channel_id"] != UNKNOWN), "channel_id"].tolist()
    om = st.omnibus(ok["won"], ok["leads"])
    rows = []
    for (_, a), (_, b) in combinations(ok.iterrows(), 2):
        rows.append({
            "channel_a": a["channel_id"], "channel_b": b["channel_id"],
            "leads_a": int(a["leads"]), "leads_b": int(b["leads"]),
            "rate_a": a["conversion_rate"], "rate_b": b["conversion_rate"],
            "difference": a["conversion_rate"] - b["conversion_rate"],
            "p_value": st.two_proportions(a["won"], a["leads"], b["won"], b["leads"]),
        })
    pw = pd.DataFrame(rows, columns=["channel_a", "channel_b", "leads_a", "leads_b", "rate_a", "rate_b",
                                     "difference", "p_value"])
    pw["p_adj"], pw["significant"] = st.adjust(pw["p_value"], params.p_adjust, params.alpha)
    pw["method"] = st.ADJUST_NAMES[params.p_adjust][0]
    return ConversionTests(om, pw, params.p_adjust, params.alpha, left)


def cohort_conversion(ld: LeadData, params: ChannelParams) -> pd.DataFrame:
    """Conversion per channel and creation cohort, mature or not (for the cohort chart).

    Returns
    -------
    DataFrame
        ``channel_id, cohort, mature, leads, won, lost, open, conversion_rate, ci_low, ci_high``.
    """
    lf = ld.leads[["channel_id", "cohort", "mature", "won", "status"]]  # every lead, (blank) included
    if lf.empty:
        return pd.DataFrame(columns=["channel_id", "cohort", "mature", "leads", "won", "lost", "open",
                                     "conversion_rate", "ci_low", "ci_high"])
    g = lf.assign(_lost=(lf["status"] == "lost").to_numpy(), _open=(lf["status"] == "open").to_numpy()) \
        .groupby(["channel_id", "cohort"], sort=True)
    out = pd.DataFrame({
        "mature": g["mature"].first(),
        "leads": g.size(),
        "won": g["won"].sum().astype("int64"),
        "lost": g["_lost"].sum().astype("int64"),
        "open": g["_open"].sum().astype("int64"),
    }).reset_index()
    out["conversion_rate"] = st.rate(out["won"], out["leads"])
    out["ci_low"], out["ci_high"] = st.wilson(out["won"], out["leads"], params.alpha)
    return out


def _transitions(ld: LeadData) -> list[tuple[int, str, str]]:
    """``(k, from, to)``: stage k to k+1, then the last stage to won unless it is the won stage."""
    s = ld.stages
    steps = [(k + 1, s[k], s[k + 1]) for k in range(len(s) - 1)]
    if s and not ld.won_stage:
        steps.append((len(s), s[-1], "won"))
    return steps


def stage_conversion(ld: LeadData, params: ChannelParams) -> pd.DataFrame:
    """Stage-by-stage conversion per channel and for all known channels pooled (``stage_conversion``).

    Returns
    -------
    DataFrame
        One row per channel (and ``(all)``) and step: ``channel_id, step, from_stage, to_stage,
        entered`` (mature leads that reached ``from_stage``), ``resolved`` (of those, moved on or
        closed), ``advanced, conversion_rate, ci_low, ci_high`` (of resolved), ``won_after, closed_after,
        won_rate_after, won_ci_low, won_ci_high`` (P(won | reached from_stage) among closed leads),
        ``insufficient_data``. Empty without stages.
    """
    cols = ["channel_id", "step", "from_stage", "to_stage", "entered", "resolved", "advanced", "conversion_rate",
            "ci_low", "ci_high", "closed_after", "won_after", "won_rate_after", "won_ci_low", "won_ci_high",
            "insufficient_data"]
    steps = _transitions(ld)
    lf = ld.leads.loc[ld.leads["mature"] & ld.leads["stage_known"],
                      ["channel_id", "known_source", "reach", "closed", "won"]]
    if not steps or lf.empty:
        return pd.DataFrame(columns=cols)
    n_st = len(ld.stages)
    reach = lf["reach"].to_numpy()
    closed = lf["closed"].to_numpy()
    won = lf["won"].to_numpy()
    groups = {ALL: lf["known_source"].to_numpy()}
    for cid in sorted(lf["channel_id"].unique()):
        groups[cid] = (lf["channel_id"] == cid).to_numpy()
    rows = []
    for cid, g in groups.items():
        for k, a, b in steps:
            at = g & (reach >= k)
            nxt = (reach >= k + 1) if k < n_st else won
            resolved = at & (nxt | closed)
            after = at & closed
            rows.append({"channel_id": cid, "step": k, "from_stage": a, "to_stage": b,
                         "entered": int(at.sum()), "resolved": int(resolved.sum()),
                         "advanced": int((resolved & nxt).sum()), "closed_after": int(after.sum()),
                         "won_after": int((after & won).sum())})
    out = pd.DataFrame(rows)
    a_ = params.alpha
    out["conversion_rate"] = st.rate(out["advanced"], out["resolved"])
    out["ci_low"], out["ci_high"] = st.wilson(out["advanced"], out["resolved"], a_)
    out["won_rate_after"] = st.rate(out["won_after"], out["closed_after"])
    out["won_ci_low"], out["won_ci_high"] = st.wilson(out["won_after"], out["closed_after"], a_)
    out["insufficient_data"] = out["resolved"] < max(10, params.min_leads // 5)
    return out[cols]


def stage_funnel(ld: LeadData) -> pd.DataFrame:
    """Mature leads reaching each stage, per channel: ``channel_id, order, stage, reached, share``."""
    lf = ld.leads.loc[ld.leads["mature"] & ld.leads["stage_known"] & ld.leads["known_source"],
                      ["channel_id", "reach", "won"]]
    rows = []
    for cid, g in lf.groupby("channel_id", sort=True):
        r = g["reach"].to_numpy()
        for k, s in enumerate(ld.stages, start=1):
            rows.append({"channel_id": cid, "order": k, "stage": s, "reached": int((r >= k).sum()),
                         "share": float((r >= k).mean())})
        if not ld.won_stage and ld.stages:
            rows.append({"channel_id": cid, "order": len(ld.stages) + 1, "stage": "won",
                         "reached": int(g["won"].sum()), "share": float(g["won"].mean())})
    return pd.DataFrame(rows, columns=["channel_id", "order", "stage", "reached", "share"])


# ----------------------------------------------------------------------------- time to close


@dataclass
class TimeToClose:
    """Kaplan-Meier time to close per channel."""

    summary: pd.DataFrame
    curves: dict[str, pd.DataFrame]
    logrank: dict
    excluded: int


def time_to_close(ld: LeadData, params: ChannelParams, horizons=(30, 60, 90, 180)) -> TimeToClose:
    """Days from creation to close (won or lost) per channel, Kaplan-Meier, open leads censored.

    Parameters
    ----------
    ld : LeadData
    params : ChannelParams
    horizons : tuple of int
        Days at which the share closed, ``1 - S(t)``, is reported.

    Returns
    -------
    TimeToClose
        ``summary``: ``channel_id, leads, closed, censored, median_days, median_ci_low,
        median_ci_high, p75_days`` and ``closed_by_<t>d`` for each horizon; a pooled ``(all)`` row.
        ``curves``: per channel the step function (``days, share_closed``).
        ``logrank``: log-rank test (statsmodels ``survdiff``) across channels with enough leads.
    """
    lf = ld.leads[["channel_id", "known_source", "duration_days", "event"]]
    lf = lf.loc[lf["known_source"] & lf["duration_days"].notna()
                      & (ld.leads["duration_days"] >= 0)]
    excluded = int(ld.leads["known_source"].sum() - len(lf))
    rows, curves = [], {}
    groups = [(ALL, lf)] + [(c, g) for c, g in lf.groupby("channel_id", sort=True)]
    for cid, g in groups:
        t = g["duration_days"].to_numpy(dtype=float)
        e = g["event"].to_numpy(dtype=float)
        row = {"channel_id": cid, "leads": len(g), "closed": int(e.sum()), "censored": int(len(g) - e.sum())}
        if e.sum() == 0:
            rows.append(row)
            continue
        sf = SurvfuncRight(t, e)
        row["median_days"] = _q(sf, 0.5)
        lo, hi = _qci(sf, 0.5, params.alpha)
        row["median_ci_low"], row["median_ci_high"] = lo, hi
        row["p75_days"] = _q(sf, 0.75)
        for h in horizons:
            idx = np.searchsorted(sf.surv_times, h, side="right") - 1
            row[f"closed_by_{h}d"] = float(1 - sf.surv_prob[idx]) if idx >= 0 else 0.0
        rows.append(row)
        curves[cid] = pd.DataFrame({"days": np.r_[0.0, sf.surv_times], "share_closed": np.r_[0.0, 1 - sf.surv_prob]})
    cols = ["channel_id", "leads", "closed", "censored", "median_days", "median_ci_low", "median_ci_high",
            "p75_days"] + [f"closed_by_{h}d" for h in horizons]
    summary = pd.DataFrame(rows).reindex(columns=cols)
    big = lf.groupby("channel_id").filter(lambda g: g["event"].sum() >= 5) if len(lf) else lf
    logrank = {"chi2": float("nan"), "df": 0, "p_value": float("nan")}
    if len(big) and big["channel_id"].nunique() >= 2:
        # channels as integers numbered in the order of their ids: survdiff sorts and compares the groups,
        # which on two million text ids (Python objects) cost seconds, and the statistic comes out the same
        group = pd.factorize(big["channel_id"], sort=True)[0]
        chi2, p = logrank_test(big["duration_days"].to_numpy(float), big["event"].to_numpy(float), group)
        logrank = {"chi2": chi2, "df": int(big["channel_id"].nunique() - 1), "p_value": p}
    return TimeToClose(summary, curves, logrank, excluded)


def logrank_test(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """Log-rank chi-square and p-value (statsmodels ``survdiff``); NaN when the test is undefined
    (e.g. every lead closed on the same day, so the variance is zero)."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            chi2, p = survdiff(time, event, group)
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError):
        return float("nan"), float("nan")
    return float(chi2), float(p)


def _q(sf: SurvfuncRight, p: float) -> float:
    v = sf.quantile(p)
    return float(v) if v is not None and np.isfinite(v) else float("nan")


def _qci(sf: SurvfuncRight, p: float, alpha: float) -> tuple[float, float]:
    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) at the curve's ends is expected
            lo, hi = sf.quantile_ci(p, alpha=alpha, method="cloglog")
    except (ValueError, ZeroDivisionError, FloatingPointError):  # pragma: no cover - degenerate curves
        return float("nan"), float("nan")
    f = [float(x) if x is not None and np.isfinite(x) else float("nan") for x in (lo, hi)]
    return f[0], f[1]


# ----------------------------------------------------------------------------- funnel plot


def control_limits(pooled: float, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Binomial control limits ``pooled ± z * sqrt(pooled (1 - pooled) / n)``, clipped to 0..1."""
    n = np.asarray(n, dtype=float)
    half = z * np.sqrt(pooled * (1 - pooled) / np.maximum(n, 1))
    return np.clip(pooled - half, 0, 1), np.clip(pooled + half, 0, 1)


def funnel_plot_data(conv: pd.DataFrame) -> pd.DataFrame:
    """Channels for the funnel plot with their position against the 95 % and 99.8 % limits.

    Returns ``channel_id, leads, conversion_rate, pooled, low95, high95, low998, high998, outside``
    (``"above"``, ``"below"`` or ``""`` at 99.8 %), known sources with leads only.
    """
    c = conv.loc[(conv["channel_id"] != UNKNOWN) & (conv["leads"] > 0),
                 ["channel_id", "channel_name", "leads", "won", "conversion_rate", "insufficient_data"]].copy()
    pooled = c["won"].sum() / c["leads"].sum() if c["leads"].sum() else np.nan
    c["pooled"] = pooled
    c["low95"], c["high95"] = control_limits(pooled, c["leads"], 1.959964)
    c["low998"], c["high998"] = control_limits(pooled, c["leads"], 3.090232)
    c["outside"] = np.where(c["conversion_rate"] > c["high998"], "above",
                            np.where(c["conversion_rate"] < c["low998"], "below", ""))
    return c.reset_index(drop=True)
