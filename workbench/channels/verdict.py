"""One verdict per channel on one stated criterion, reconciled with conversion, return and the budget plan.

Conversion, ROI and the budget optimiser answer different questions, so on their own they
name different "weakest" channels: a channel may convert worst, earn well above the
benchmark and still be the one the optimiser gives more money. :func:`channel_verdict`
puts the three side by side and chooses each channel's verdict by **the larger value at
stake per month**:

- the *stage gap value*: what bringing the channel's leaking stage (its failing span in the
  diagnosis) to the benchmark's conversion is worth, in won revenue per month, with a 95 %
  interval;
- the *budget move value*: the change of expected revenue (or margin) per month that the
  optimiser's recommended spend brings, with its 95 % interval.

Verdicts (``verdict``) and the criterion behind them (``criterion``):

``fix_stage``
    A leaking stage whose gap value is positive beyond its interval and at least as large as
    the budget move value (``criterion = stage_gap_value``).
``grow`` / ``cut`` / ``hold``
    Otherwise the optimiser's move: spend up (down) by at least 10 % with an expected change
    whose interval excludes 0 is ``grow`` (``cut``), anything else ``hold``
    (``criterion = budget_response``). A channel without a response curve stays at its spend:
    ``hold`` with ``criterion = no_response_curve``.
``insufficient_data``
    Fewer mature leads than ``min_leads`` and no response curve (``criterion = min_leads``).

``note`` says when the verdict and the budget move point different ways on purpose:
``budget_up_while_fixing`` (a ``fix_stage`` channel still gets more budget: an extra unit of spend
there brings more than elsewhere, and fixing the stage raises that return further).

Stage gap value
---------------
Won revenue per month ``W`` = won amount of the channel's mature leads / mature cohort months.
By the diagnosis identity ``W = V · Π_k t_k · D``, raising the conversions ``t_ck`` of the
span's steps to the benchmark's ``t_bk`` multiplies ``W`` by ``Π t_bk / t_ck``, so the value is
``W · (Π_k t_bk / t_ck − 1)``. Its interval comes from ``n_draws`` draws: each step's
conversion from its Jeffreys posterior ``Beta(advanced + ½, resolved − advanced + ½)`` for the
channel and the benchmark, and ``W`` from a bootstrap of the channel's mature leads.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from workbench import measures
from workbench.channels import codes
from workbench.channels.budget import Allocation
from workbench.channels.economics import Economics
from workbench.channels.evaluate import FunnelResults
from workbench.channels.funnel import comparable
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, LeadData

log = logging.getLogger(__name__)

VERDICTS = ("fix_stage", "grow", "cut", "hold", "insufficient_data")
CRITERIA = ("stage_gap_value", "budget_response", "no_response_curve", "min_leads")
MOVE_SHARE = 0.10
"""A recommended spend change of at least this share is a move (grow / cut); smaller is hold."""

VERDICT_COLUMNS = ["channel_id", "channel_name", "leads", "conversion_rate", "conversion_rank", "roi", "roi_rank",
                   "won_revenue_month", "revenue_month", "current_spend", "budget_change", "budget_change_pct",
                   "budget_value_change", "budget_value_low", "budget_value_high", "marginal_roas",
                   "leaking_stage", "leaking_from", "leaking_to", "stage_rate", "benchmark_stage_rate",
                   "stage_gap_value_month", "stage_gap_value_low", "stage_gap_value_high", "verdict", "criterion",
                   "note"]


def _mature_months(ld: LeadData) -> int:
    return max(int(ld.leads.loc[ld.leads["mature"], "cohort"].nunique()), 1)


def won_amounts(ld: LeadData, channel_id: str) -> np.ndarray:
    """Per mature lead of the channel: its won amount (missing amounts of won leads at the won mean), else 0."""
    code, ids = codes.factorize(ld.leads["channel_id"])  # integer channels: millions of leads, a dozen calls
    at = np.flatnonzero(np.asarray(ids, dtype=object) == channel_id)
    mine = ld.leads["mature"].to_numpy(dtype=bool) & (code == (at[0] if len(at) else -2))
    lf = ld.leads.loc[mine, ["won", "amount"]]
    amt = lf["amount"].where(lf["won"])
    mean = amt.mean() if amt.notna().any() else 0.0
    return np.where(lf["won"].to_numpy(), amt.fillna(mean).to_numpy(dtype=float), 0.0)


def stage_gap_value(won_amount: np.ndarray, months: int, mine: pd.DataFrame, bench: pd.DataFrame,
                    n_draws: int = 400, seed: int = 7, alpha: float = 0.05) -> tuple[float, float, float]:
    """Won revenue per month gained by bringing some steps of the funnel to the benchmark.

    Parameters
    ----------
    won_amount : array of float
        One value per mature lead of the channel: its won amount, 0 when not won.
    months : int
        Mature cohort months the leads span (``W = won_amount.sum() / months``).
    mine, bench : DataFrame
        One row per step of the span, same order: ``advanced`` and ``resolved`` for the channel and
        for the benchmark (pooled).
    n_draws, seed, alpha : int, int, float
        Draws of the interval, their seed, and ``1 - level``.

    Returns
    -------
    value, low, high : float
        ``W · (Π t_b / t_c − 1)`` per month and its interval; NaN when a rate is 0 or undefined.
    """
    a_c, r_c = mine["advanced"].to_numpy(float), mine["resolved"].to_numpy(float)
    a_b, r_b = bench["advanced"].to_numpy(float), bench["resolved"].to_numpy(float)
    if len(a_c) == 0 or np.any(r_c <= 0) or np.any(r_b <= 0) or np.any(a_c <= 0):
        return float("nan"), float("nan"), float("nan")
    w = float(np.sum(won_amount)) / months
    factor = float(np.prod((a_b / r_b) / (a_c / r_c)))
    value = w * (factor - 1.0)
    rng = np.random.default_rng(seed)
    tc = rng.beta(a_c + 0.5, r_c - a_c + 0.5, size=(n_draws, len(a_c)))
    tb = rng.beta(a_b + 0.5, r_b - a_b + 0.5, size=(n_draws, len(a_b)))
    n = len(won_amount)
    wd = resampled_sums(won_amount, n_draws, rng) / months if n else np.zeros(n_draws)
    draws = wd * (np.prod(tb / tc, axis=1) - 1.0)
    lo, hi = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    return value, float(lo), float(hi)


RESAMPLE_BLOCK = 1 << 22
"""Resampled values drawn at once by :func:`resampled_sums` (32 MB of indices)."""


def resampled_sums(values: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Sums of ``n_draws`` bootstrap resamples of ``values``: ``values[rng.integers(0, n, (n_draws, n))].sum(1)``.

    Drawn a block of rows at a time (at most :data:`RESAMPLE_BLOCK` indices): the generator gives
    the same numbers whether they are asked for at once or row block by row block, and each row
    is summed the same way, so the sums are identical to the one-shot expression; memory stays at
    a block instead of ``n_draws × n`` indices (400 × 300,000 mature leads of a channel = 1 GB).
    """
    n = len(values)
    out = np.empty(n_draws)
    rows = max(1, RESAMPLE_BLOCK // max(n, 1))
    for i in range(0, n_draws, rows):
        k = min(rows, n_draws - i)
        out[i:i + k] = values[rng.integers(0, n, size=(k, n))].sum(axis=1)
    return out


def _benchmark_ids(diag_summary: pd.DataFrame, cid: str) -> list[str]:
    row = diag_summary.set_index("channel_id").loc[cid]
    if row["benchmark"] == "others":
        return [c for c in diag_summary["channel_id"] if c != cid]
    return [c.strip() for c in str(row["benchmark"]).split(",")]


def _span_rows(stages: pd.DataFrame, ids: list[str], lo: int, hi: int) -> pd.DataFrame:
    s = stages.loc[stages["channel_id"].isin(ids) & stages["step"].between(lo, hi)]
    return s.groupby("step")[["advanced", "resolved"]].sum().reindex(range(lo, hi + 1), fill_value=0)


def _rank(values: pd.Series, ascending: bool) -> pd.Series:
    return values.rank(ascending=ascending, method="min").astype("Int64")


def channel_verdict(ld: LeadData, funnel: FunnelResults, econ: Economics, plan: Allocation,
                    params: ChannelParams) -> pd.DataFrame:
    """The ``channel_verdict`` result table: one row per channel with leads or spend.

    Parameters
    ----------
    ld : LeadData
    funnel : FunnelResults
        Conversion (ranks), stages and the diagnosis (leaking stages, benchmarks).
    econ : Economics
        ROI and revenue over the summary window.
    plan : Allocation
        The recommended monthly split (``budget_recommendation``).
    params : ChannelParams
        ``min_leads``, ``n_draws``, ``seed``, ``alpha``.

    Returns
    -------
    DataFrame
        :data:`VERDICT_COLUMNS`. Money is per month: ``won_revenue_month`` (won amount of mature
        leads / mature cohort months), ``revenue_month`` (net revenue of orders over the economics
        window / its months), ``current_spend`` and ``budget_change`` (recommended − current spend),
        ``budget_value_*`` (expected revenue change of that move), ``stage_gap_value_*``. Ranks are
        1 = best (highest conversion among ranked channels, highest ROI among channels with spend).
        ``leaking_to`` is ``won`` for the won step. Sorted by the value at stake, largest first.
    """
    conv = funnel.conversion.loc[funnel.conversion["channel_id"] != UNKNOWN].set_index("channel_id")
    diag = funnel.diagnosis
    summ = econ.summary.loc[~econ.summary["channel_id"].isin(["(total)", UNKNOWN])].set_index("channel_id") \
        if len(econ.summary) else pd.DataFrame()
    tab = plan.table.set_index("channel_id") if len(plan.table) else pd.DataFrame()
    ids = sorted(set(conv.index) | set(tab.index), key=str)
    months_window = 1
    if econ.window:
        months_window = len(pd.period_range(econ.window[0], econ.window[1], freq="M"))
    rows = []
    months = _mature_months(ld)
    failing = diag.summary.set_index("channel_id") if len(diag.summary) else pd.DataFrame()
    for cid in ids:
        row: dict = {"channel_id": cid, "channel_name": ld.names.get(cid, "")}
        if cid in conv.index:
            c = conv.loc[cid]
            row.update(leads=int(c["leads"]), conversion_rate=float(c["conversion_rate"]),
                       conversion_rank=c["rank"], insufficient=bool(c["insufficient_data"]))
            row["won_revenue_month"] = float(won_amounts(ld, cid).sum()) / months
        if cid in summ.index:
            row["roi"] = float(summ.loc[cid, "roi"])
            row["revenue_month"] = float(summ.loc[cid, "revenue"]) / months_window
        if cid in tab.index:
            t = tab.loc[cid]
            row.update(current_spend=float(t["current_spend"]), budget_change=float(t["change"]),
                       budget_change_pct=float(t["change_pct"]), in_optimiser=bool(t["in_optimiser"]),
                       budget_value_change=float(t.get("value_change", np.nan)),
                       budget_value_low=float(t.get("change_low", np.nan)),
                       budget_value_high=float(t.get("change_high", np.nan)),
                       marginal_roas=float(t.get("marginal_roas_current", np.nan)))
        if cid in failing.index and isinstance(failing.loc[cid, "failing_from"], str):
            f = failing.loc[cid]
            row.update(leaking_from=f["failing_from"], leaking_to=f["failing_to"],
                       leaking_stage=f"{f['failing_from']}→{f['failing_to']}")
            bench = _benchmark_ids(diag.summary, cid)
            if pd.notna(f.get("failing_step")) and not funnel.stages.empty:
                lo, hi = int(f["failing_step"]), int(f["failing_last_step"])
                mine, theirs = _span_rows(funnel.stages, [cid], lo, hi), _span_rows(funnel.stages, bench, lo, hi)
            else:  # no stages: the whole funnel leads -> won leaks
                ok = comparable(funnel.conversion)
                me = ok.loc[ok["channel_id"] == cid]
                bk = ok.loc[ok["channel_id"].isin(bench)]
                mine = pd.DataFrame({"advanced": [me["won"].sum()], "resolved": [me["leads"].sum()]})
                theirs = pd.DataFrame({"advanced": [bk["won"].sum()], "resolved": [bk["leads"].sum()]})
            row["stage_rate"] = float(np.prod(measures.ratio(mine["advanced"], mine["resolved"])))
            row["benchmark_stage_rate"] = float(np.prod(measures.ratio(theirs["advanced"], theirs["resolved"])))
            v, vlo, vhi = stage_gap_value(won_amounts(ld, cid), months, mine, theirs, params.n_draws, params.seed,
                                          params.alpha)
            row.update(stage_gap_value_month=v, stage_gap_value_low=vlo, stage_gap_value_high=vhi)
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in VERDICT_COLUMNS + ["insufficient", "in_optimiser"]:
        if col not in out:
            out[col] = np.nan
    out["roi_rank"] = _rank(out["roi"].where(out["current_spend"] > 0), ascending=False)
    out["conversion_rank"] = out["conversion_rank"].astype("Int64")
    out["leads"] = out["leads"].astype("Int64")
    verdicts = [_decide(r) for r in out.itertuples(index=False)]
    out["verdict"] = [v[0] for v in verdicts]
    out["criterion"] = [v[1] for v in verdicts]
    out["note"] = [("budget_up_while_fixing" if v == "fix_stage" and (bc or 0) > 0 else "")
                   for v, bc in zip(out["verdict"], out["budget_change"].fillna(0), strict=True)]
    for c in ("leaking_stage", "leaking_from", "leaking_to"):
        out[c] = out[c].where(out[c].notna(), "").astype("str")
    stake = np.fmax(out["stage_gap_value_month"].where(out["verdict"] == "fix_stage").to_numpy(float),
                    out["budget_value_change"].abs().to_numpy(float))
    out = out.assign(_s=np.nan_to_num(stake, nan=-1.0)).sort_values(["_s", "channel_id"], ascending=[False, True])
    return out[VERDICT_COLUMNS].reset_index(drop=True)


def _decide(r) -> tuple[str, str]:
    gap, gap_lo = r.stage_gap_value_month, r.stage_gap_value_low
    move = abs(r.budget_value_change) if np.isfinite(r.budget_value_change) else 0.0
    has_curve = r.in_optimiser is True or r.in_optimiser == 1.0
    if r.leaking_stage and isinstance(r.leaking_stage, str) and np.isfinite(gap) and gap_lo > 0 and gap >= move:
        return "fix_stage", "stage_gap_value"
    if not has_curve:
        if r.insufficient is True:
            return "insufficient_data", "min_leads"
        return "hold", "no_response_curve"
    pct = r.budget_change_pct if np.isfinite(r.budget_change_pct) else 0.0
    lo, hi = r.budget_value_low, r.budget_value_high
    sure_up = np.isfinite(lo) and lo > 0
    sure_down = np.isfinite(hi) and hi < 0
    if pct >= MOVE_SHARE and sure_up:
        return "grow", "budget_response"
    if pct <= -MOVE_SHARE and sure_down:
        return "cut", "budget_response"
    return "hold", "budget_response"


def reconcile(verdict: pd.DataFrame) -> dict:
    """Which channel is weakest by conversion, by return, and which the plan cuts or grows most.

    Returns
    -------
    dict
        ``lowest_conversion``, ``lowest_roi``, ``largest_increase``, ``largest_cut`` (channel ids or
        None) and ``headline``: the ``channel_verdict`` row (as a dict) the report's headline states
        (the largest value at stake, i.e. the first row).
    """
    v = verdict
    def pick(col, largest):
        s = v.set_index("channel_id")[col].dropna()
        s = s.astype(float)
        if s.empty:
            return None
        return s.idxmax() if largest else s.idxmin()
    rank = v.set_index("channel_id")["conversion_rank"].dropna()
    return {"lowest_conversion": rank.astype(int).idxmax() if len(rank) else None,
            "lowest_roi": pick("roi", False),
            "largest_increase": pick("budget_change", True) if (v["budget_change"] > 0).any() else None,
            "largest_cut": pick("budget_change", False) if (v["budget_change"] < 0).any() else None,
            "headline": v.iloc[0].to_dict() if len(v) else None}
