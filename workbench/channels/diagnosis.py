"""Why a weak channel is weak: its gap to the benchmark split into volume, stages, deal size and cycle time.

For every channel with a known source and enough data, won revenue per month is
``leads per month × Π stage conversion × average won deal``, so the log of its
ratio to the benchmark splits exactly into one term per factor (plus a small
"other" term for leads still open or without a known stage)::

    log(W_c / W_b) = log(V_c / V_b) + Σ_k log(t_ck / t_bk) + log(D_c / D_b) + other

``contribution`` is that log term and ``effect`` = ``exp(contribution) - 1`` the
change of won revenue it alone causes (−0.40: that factor alone costs the channel
40 % of the benchmark's revenue). The benchmark is the other channels pooled
(``benchmark="others"``; volume is their mean per channel) or the best-ranked
channel (``"best"``). Cycle time (Kaplan-Meier median days to close) and feedback
scores (NPS, CSAT) are compared too but do not enter the product.

Each stage, deal size, cycle time and feedback comparison carries a p-value
(two-proportion z-test, Welch t-test, log-rank test); all are corrected together
with ``params.p_adjust``. A stage *fails* when it is significantly below the
benchmark and under ``failing_ratio`` of it; the failing span is the run of
consecutive failing stages around the worst one, reported with
``P(won | reached <first stage of the span>)`` for the channel and the benchmark.

The reps and regions driving a failing span are ranked by their *shortfall*: wins
they would have had at the benchmark rate minus wins they had, over the closed
leads that reached the span. A chi-square test across reps says whether the
shortfall is concentrated or spread evenly (a channel-wide problem).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.channels import stats as st
from workbench.channels.funnel import ALL, TimeToClose, comparable, logrank_test
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, LeadData
from workbench.reporting import Note

log = logging.getLogger(__name__)

DIAGNOSIS_COLUMNS = ["channel_id", "component_label", "value", "benchmark_value", "ratio", "effect", "n", "p_adj",
                     "significant", "failing"]
"""Columns of the ``diagnosis`` table shown in the report."""

COMPONENT_LABELS: dict[str, tuple[str, str]] = {
    "volume": ("Lead volume (leads / month)", "线索量（条/月）"),
    "stage": ("Stage {a} → {b}", "阶段 {a} → {b}"),
    "conversion": ("Conversion leads → won", "线索 → 赢单转化率"),
    "other": ("Other (open leads, unknown stages)", "其他（未关闭线索、未知阶段）"),
    "deal_size": ("Average won deal", "平均赢单金额"),
    "total": ("Won revenue per month (product of the above)", "月赢单收入（以上各项之积）"),
    "cycle_time": ("Median days to close", "成交周期中位数（天）"),
    "nps": ("NPS score (mean 0–10)", "NPS 评分（均值 0–10）"),
    "csat": ("CSAT (mean 1–5)", "CSAT 满意度（均值 1–5）"),
}


# ----------------------------------------------------------------------------- feedback


def feedback_by_channel(tables: dict[str, pd.DataFrame], params: ChannelParams) -> pd.DataFrame:
    """NPS and CSAT per channel, each against all other channels' responses.

    Returns
    -------
    DataFrame
        ``channel_id, responses, nps_n, nps_mean, nps_ci_low, nps_ci_high, nps_score`` (% promoters −
        % detractors, −100..100), ``csat_n, csat_mean, csat_ci_low, csat_ci_high, nps_p_adj,
        low_nps`` (significantly below the others after correction), ``insufficient_data``
        (fewer than 30 scores). Empty when the ``feedback`` table or its ``channel_id`` is absent.
    """
    cols = ["channel_id", "responses", "nps_n", "nps_mean", "nps_ci_low", "nps_ci_high", "nps_score", "csat_n",
            "csat_mean", "csat_ci_low", "csat_ci_high", "nps_p_value", "nps_p_adj", "low_nps", "insufficient_data"]
    fb = tables.get("feedback")
    if fb is None or "channel_id" not in fb or fb["channel_id"].notna().sum() == 0:
        return pd.DataFrame(columns=cols)
    fb = fb.loc[fb["channel_id"].notna()]
    nps = pd.to_numeric(fb["nps"], errors="coerce") if "nps" in fb else pd.Series(np.nan, index=fb.index)
    csat = pd.to_numeric(fb["csat"], errors="coerce") if "csat" in fb else pd.Series(np.nan, index=fb.index)
    rows = []
    for cid, idx in fb.groupby("channel_id", sort=True).groups.items():
        inside = fb.index.isin(idx)
        m, lo, hi, n = st.mean_ci(nps[inside], params.alpha)
        cm, clo, chi, cn = st.mean_ci(csat[inside], params.alpha)
        v = nps[inside].dropna()
        score = 100 * ((v >= 9).mean() - (v <= 6).mean()) if len(v) else np.nan
        rows.append({"channel_id": cid, "responses": int(inside.sum()), "nps_n": n, "nps_mean": m,
                     "nps_ci_low": lo, "nps_ci_high": hi, "nps_score": score, "csat_n": cn, "csat_mean": cm,
                     "csat_ci_low": clo, "csat_ci_high": chi,
                     "nps_p_value": st.welch_p(nps[inside], nps[~inside])})
    out = pd.DataFrame(rows)
    out["nps_p_adj"], rej = st.adjust(out["nps_p_value"], params.p_adjust, params.alpha)
    others = [nps[fb["channel_id"] != c].mean() for c in out["channel_id"]]
    out["low_nps"] = rej & (out["nps_mean"] < np.asarray(others))
    out["insufficient_data"] = out["nps_n"] < 30
    return out[cols]


# ----------------------------------------------------------------------------- diagnosis


@dataclass
class Diagnosis:
    """The diagnosis of every comparable channel."""

    components: pd.DataFrame
    summary: pd.DataFrame
    drivers: pd.DataFrame
    spread: pd.DataFrame
    lost_reasons: pd.DataFrame
    weakest: str | None
    benchmark: str
    notes: list = field(default_factory=list)


def _months(ld: LeadData) -> int:
    m = ld.leads.loc[ld.leads["mature"], "cohort"]
    return max(int(m.nunique()), 1)


def _pool(sc: pd.DataFrame, ids: list[str], step: int) -> dict:
    s = sc.loc[sc["channel_id"].isin(ids) & (sc["step"] == step)]
    return {k: int(s[k].sum()) for k in ("resolved", "advanced", "closed_after", "won_after")}


def _ttc_pair(ld: LeadData, cid: str, ids: list[str]) -> tuple[float, float]:
    """Log-rank p of channel ``cid`` against the benchmark channels ``ids``, and the benchmark's KM median."""
    lf = ld.leads[["channel_id", "duration_days", "event"]]
    lf = lf.loc[lf["duration_days"].notna() & (lf["duration_days"] >= 0)]
    a = lf.loc[lf["channel_id"] == cid]
    b = lf.loc[lf["channel_id"].isin(ids)]
    if a["event"].sum() < 5 or b["event"].sum() < 5:
        return float("nan"), float("nan")
    from statsmodels.duration.survfunc import SurvfuncRight

    t = np.r_[a["duration_days"].to_numpy(float), b["duration_days"].to_numpy(float)]
    e = np.r_[a["event"].to_numpy(float), b["event"].to_numpy(float)]
    g = np.r_[np.zeros(len(a)), np.ones(len(b))]
    _, p = logrank_test(t, e, g)
    med = SurvfuncRight(b["duration_days"].to_numpy(float), b["event"].to_numpy(float)).quantile(0.5)
    return float(p), float(med) if med is not None else float("nan")


def diagnose(ld: LeadData, conv: pd.DataFrame, stages: pd.DataFrame, ttc: TimeToClose,
             feedback: pd.DataFrame, params: ChannelParams) -> Diagnosis:
    """Decompose each comparable channel's gap to the benchmark and name its failing stages.

    Parameters
    ----------
    ld : LeadData
    conv : DataFrame
        :func:`~workbench.channels.funnel.channel_conversion`.
    stages : DataFrame
        :func:`~workbench.channels.funnel.stage_conversion`.
    ttc : TimeToClose
        :func:`~workbench.channels.funnel.time_to_close`.
    feedback : DataFrame
        :func:`feedback_by_channel` (may be empty).
    params : ChannelParams

    Returns
    -------
    Diagnosis
        ``weakest``: the channel with the lowest shrunk conversion among those converting
        significantly below the other channels pooled (``None`` when no channel does).
        ``components`` (the ``diagnosis`` result table): one row per channel and component:
        ``channel_id, channel_name, component, from_stage, to_stage, component_label`` (in the
        report language: set by :func:`localise`), ``value, benchmark_value, ratio, contribution,
        effect, n, benchmark_n, p_value, p_adj, significant, failing``.
        ``summary``: one row per channel with its failing span and the rates around it.
        ``drivers``: reps and regions behind each failing span.
    """
    ok = comparable(conv)
    ids = ok["channel_id"].tolist()
    bench_kind = params.benchmark
    notes = []
    empty = Diagnosis(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), None,
                      bench_kind, notes)
    if len(ids) < 2:
        notes.append(Note("Fewer than two channels have enough data ({k}); there is nothing to compare.",
                          "有足够数据的渠道少于两个（{k} 个），无从比较。", {"k": len(ids)}))
        return empty
    months = _months(ld)
    best = ok.sort_values("shrunk_rate", ascending=False)["channel_id"].iloc[0]
    mature = ld.leads.loc[ld.leads["mature"], ["channel_id", "won", "amount"]]
    won_amount = mature.loc[mature["won"] & mature["amount"].notna()]
    has_stages = not stages.empty
    steps = (stages.loc[stages["channel_id"] == ALL, ["step", "from_stage", "to_stage"]]
             .drop_duplicates().to_dict("records") if has_stages else [])
    fb = feedback.set_index("channel_id") if len(feedback) else pd.DataFrame()
    rows = []
    for cid in ids:
        bench = [c for c in ids if c != cid] if (bench_kind == "others" or cid == best) else [best]
        me = ok.loc[ok["channel_id"] == cid].iloc[0]
        bk = ok.loc[ok["channel_id"].isin(bench)]
        base = {"channel_id": cid, "channel_name": me["channel_name"], "from_stage": None, "to_stage": None}
        # volume: leads per month of mature cohorts; the benchmark is the mean per channel
        v_c = me["leads"] / months
        v_b = bk["leads"].sum() / months / len(bench)
        rows.append({**base, "component": "volume", "value": v_c, "benchmark_value": v_b,
                     "n": int(me["leads"]), "benchmark_n": int(bk["leads"].sum()), "p_value": np.nan})
        conv_c = me["won"] / me["leads"]
        conv_b = bk["won"].sum() / bk["leads"].sum()
        step_sum = 0.0
        if steps:
            for s in steps:
                mine = _pool(stages, [cid], s["step"])
                theirs = _pool(stages, bench, s["step"])
                r_c = st.rate(mine["advanced"], mine["resolved"]).item()
                r_b = st.rate(theirs["advanced"], theirs["resolved"]).item()
                rows.append({**base, "component": "stage", "from_stage": s["from_stage"], "to_stage": s["to_stage"],
                             "value": r_c, "benchmark_value": r_b, "n": mine["resolved"],
                             "benchmark_n": theirs["resolved"],
                             "p_value": st.two_proportions(mine["advanced"], mine["resolved"],
                                                           theirs["advanced"], theirs["resolved"]),
                             "step": s["step"]})
                if r_c > 0 and r_b > 0:
                    step_sum += math.log(r_c / r_b)
            other = math.log(conv_c / conv_b) - step_sum if conv_c > 0 and conv_b > 0 else np.nan
            if np.isfinite(other) and abs(other) > 0.005:
                rows.append({**base, "component": "other", "value": np.nan, "benchmark_value": np.nan,
                             "contribution": other, "n": int(me["leads"]), "p_value": np.nan})
        else:
            rows.append({**base, "component": "conversion", "value": conv_c, "benchmark_value": conv_b,
                         "n": int(me["leads"]), "benchmark_n": int(bk["leads"].sum()),
                         "p_value": st.two_proportions(me["won"], me["leads"], bk["won"].sum(), bk["leads"].sum())})
        d_c = won_amount.loc[won_amount["channel_id"] == cid, "amount"]
        d_b = won_amount.loc[won_amount["channel_id"].isin(bench), "amount"]
        if len(d_c) and len(d_b):
            rows.append({**base, "component": "deal_size", "value": d_c.mean(), "benchmark_value": d_b.mean(),
                         "n": len(d_c), "benchmark_n": len(d_b), "p_value": st.welch_p(d_c, d_b)})
        ttc_me = ttc.summary.loc[ttc.summary["channel_id"] == cid]
        if len(ttc_me):
            p, med_b = _ttc_pair(ld, cid, bench)
            rows.append({**base, "component": "cycle_time", "value": ttc_me["median_days"].iloc[0],
                         "benchmark_value": med_b, "n": int(ttc_me["closed"].iloc[0]), "p_value": p,
                         "no_product": True})
        if cid in fb.index:
            for comp in ("nps", "csat"):
                n = fb.loc[cid, f"{comp}_n"]
                if n and n > 0:
                    others = fb.drop(index=cid)
                    w = others[f"{comp}_n"]
                    bval = (others[f"{comp}_mean"] * w).sum() / w.sum() if w.sum() else np.nan
                    rows.append({**base, "component": comp, "value": fb.loc[cid, f"{comp}_mean"],
                                 "benchmark_value": bval, "n": int(n), "benchmark_n": int(w.sum()),
                                 "p_value": fb.loc[cid, "nps_p_value"] if comp == "nps" else np.nan,
                                 "no_product": True})
    comp = pd.DataFrame(rows)
    for c in ("contribution", "step", "no_product", "benchmark_n"):
        if c not in comp:
            comp[c] = np.nan
    comp["ratio"] = st.rate(comp["value"], comp["benchmark_value"])
    in_product = comp["component"].isin(["volume", "stage", "conversion", "deal_size"])
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(comp["ratio"].where(comp["ratio"] > 0))
    comp.loc[in_product, "contribution"] = logs[in_product]
    comp["p_adj"], comp["significant"] = st.adjust(comp["p_value"], params.p_adjust, params.alpha)
    # totals
    tot = (comp.groupby("channel_id", sort=False)["contribution"].sum(min_count=1).rename("contribution")
           .reset_index())
    tot = tot.merge(comp[["channel_id", "channel_name"]].drop_duplicates("channel_id"), on="channel_id")
    tot["component"] = "total"
    tot["ratio"] = np.exp(tot["contribution"])
    comp = pd.concat([comp, tot], ignore_index=True)
    comp["effect"] = np.expm1(comp["contribution"])
    comp["failing"] = (comp["component"].isin(["stage", "conversion"]) & comp["significant"]
                       & (comp["ratio"] < params.failing_ratio))
    order = {"volume": 0, "stage": 1, "conversion": 1, "other": 2, "deal_size": 3, "total": 4, "cycle_time": 5,
             "nps": 6, "csat": 7}
    comp["_o"] = comp["component"].map(order)
    comp["_c"] = comp["channel_id"].map({c: i for i, c in enumerate(ids)})
    comp = comp.sort_values(["_c", "_o", "step"], kind="stable").drop(columns=["_o", "_c", "no_product"])
    comp = comp.reset_index(drop=True)
    cols = ["channel_id", "channel_name", "component", "from_stage", "to_stage", "value", "benchmark_value", "ratio",
            "contribution", "effect", "n", "benchmark_n", "p_value", "p_adj", "significant", "failing", "step"]
    comp = comp[cols]

    summary = _summary(ld, ok, comp, stages, ids, best, bench_kind, feedback)
    # the weakest channel converts significantly below the others (z-test against the others pooled,
    # corrected over channels); without such a channel nobody is called weak: that would rank noise
    pv = []
    for cid in summary["channel_id"]:
        me = ok.loc[ok["channel_id"] == cid].iloc[0]
        rest = ok.loc[ok["channel_id"] != cid]
        pv.append(st.two_proportions(me["won"], me["leads"], rest["won"].sum(), rest["leads"].sum()))
    summary["conversion_p_adj"], rej = st.adjust(pv, params.p_adjust, params.alpha)
    others = [ok.loc[ok["channel_id"] != c, "won"].sum() / ok.loc[ok["channel_id"] != c, "leads"].sum()
              for c in summary["channel_id"]]
    summary["below_others"] = rej & (summary["conversion_rate"].to_numpy() < np.asarray(others))
    below = summary.loc[summary["below_others"]]
    weakest = below.sort_values("shrunk_rate")["channel_id"].iloc[0] if len(below) else None
    drivers, spread = _drivers(ld, summary, params)
    lost = _lost_reasons(ld, summary)
    return Diagnosis(comp, summary, drivers, spread, lost, weakest, bench_kind, notes)


def _span(comp_c: pd.DataFrame) -> tuple[int, int] | None:
    """First and last step of the run of consecutive failing stages around the worst one."""
    s = comp_c.loc[comp_c["component"] == "stage"].sort_values("step")
    fail = s.loc[s["failing"]]
    if fail.empty:
        return None
    worst = int(fail.sort_values("contribution")["step"].iloc[0])
    failing_steps = set(fail["step"].astype(int))
    lo = hi = worst
    while lo - 1 in failing_steps:
        lo -= 1
    while hi + 1 in failing_steps:
        hi += 1
    return lo, hi


def _summary(ld, ok, comp, stages, ids, best, bench_kind, feedback) -> pd.DataFrame:
    rows = []
    fb = feedback.set_index("channel_id") if len(feedback) else pd.DataFrame()
    for cid in ids:
        c = comp.loc[comp["channel_id"] == cid]
        me = ok.loc[ok["channel_id"] == cid].iloc[0]
        bench = [x for x in ids if x != cid] if (bench_kind == "others" or cid == best) else [best]
        prod = c.loc[c["contribution"].notna() & (c["component"] != "total")]
        worst = prod.sort_values("contribution").iloc[0] if len(prod) else None
        row = {"channel_id": cid, "channel_name": me["channel_name"], "leads": int(me["leads"]),
               "conversion_rate": me["conversion_rate"], "shrunk_rate": me["shrunk_rate"],
               "revenue_ratio": float(c.loc[c["component"] == "total", "ratio"].iloc[0]),
               "main_gap": None if worst is None or worst["contribution"] >= 0 else _label_key(worst),
               "main_gap_effect": np.nan if worst is None or worst["contribution"] >= 0 else worst["effect"],
               "failing_from": None, "failing_to": None, "rate_from": np.nan, "rate_from_low": np.nan,
               "rate_from_high": np.nan, "benchmark_rate_from": np.nan, "n_from": 0,
               "benchmark": ", ".join(bench) if bench_kind == "best" else "others"}
        span = _span(c) if not stages.empty else None
        if span is not None:
            lo, hi = span
            s_lo = c.loc[(c["component"] == "stage") & (c["step"] == lo)].iloc[0]
            s_hi = c.loc[(c["component"] == "stage") & (c["step"] == hi)].iloc[0]
            mine = _pool(stages, [cid], lo)
            theirs = _pool(stages, bench, lo)
            r_lo, r_hi = st.wilson([mine["won_after"]], [mine["closed_after"]])
            row.update(failing_from=s_lo["from_stage"], failing_to=s_hi["to_stage"],
                       failing_step=lo, failing_last_step=hi,
                       rate_from=st.rate(mine["won_after"], mine["closed_after"]).item(),
                       rate_from_low=r_lo[0], rate_from_high=r_hi[0],
                       benchmark_rate_from=st.rate(theirs["won_after"], theirs["closed_after"]).item(),
                       n_from=mine["closed_after"])
        elif "conversion" in set(c["component"]) and bool(c.loc[c["component"] == "conversion", "failing"].any()):
            row.update(failing_from="lead", failing_to="won", rate_from=me["conversion_rate"],
                       rate_from_low=me["ci_low"], rate_from_high=me["ci_high"],
                       benchmark_rate_from=float(c.loc[c["component"] == "conversion", "benchmark_value"].iloc[0]),
                       n_from=int(me["leads"]))
        cyc = c.loc[c["component"] == "cycle_time"]
        if len(cyc):
            row["median_days"] = cyc["value"].iloc[0]
            row["benchmark_median_days"] = cyc["benchmark_value"].iloc[0]
        if cid in fb.index:
            row.update(nps_mean=fb.loc[cid, "nps_mean"], nps_n=int(fb.loc[cid, "nps_n"]),
                       nps_score=fb.loc[cid, "nps_score"], csat_mean=fb.loc[cid, "csat_mean"],
                       low_nps=bool(fb.loc[cid, "low_nps"]))
        rows.append(row)
    cols = ["channel_id", "channel_name", "leads", "conversion_rate", "shrunk_rate", "revenue_ratio", "main_gap",
            "main_gap_effect", "failing_from", "failing_to", "rate_from", "rate_from_low", "rate_from_high",
            "benchmark_rate_from", "n_from", "median_days", "benchmark_median_days", "nps_mean", "nps_n",
            "nps_score", "csat_mean", "low_nps", "benchmark", "failing_step", "failing_last_step"]
    return pd.DataFrame(rows).reindex(columns=cols)


def _label_key(row) -> str:
    if row["component"] == "stage":
        return f"{row['from_stage']} → {row['to_stage']}"
    return str(row["component"])


def _drivers(ld: LeadData, summary: pd.DataFrame, params: ChannelParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reps and regions behind each failing span, ranked by shortfall; and how spread the shortfall is."""
    cols = ["channel_id", "level", "key", "name", "closed", "won", "rate", "ci_low", "ci_high", "shrunk_rate",
            "benchmark_rate", "expected_won", "shortfall", "share_of_shortfall", "insufficient_data"]
    rows, spread = [], []
    summary = summary.sort_values("shrunk_rate")  # the weakest channel first
    lf = ld.leads.loc[ld.leads["mature"] & ld.leads["closed"], ["channel_id", "reach", "won", "rep_id", "region"]]
    min_n = max(10, params.min_leads // 5)
    for _, s in summary.loc[summary["failing_from"].notna()].iterrows():
        cid = s["channel_id"]
        step = s.get("failing_step")
        g = lf.loc[lf["channel_id"] == cid]
        if pd.notna(step):
            g = g.loc[g["reach"] >= int(step)]
        bench_rate = s["benchmark_rate_from"]
        for level in ("rep_id", "region"):
            if level not in g or g[level].notna().sum() == 0:
                continue
            x = g.assign(_k=g[level].fillna("(none)").astype("str")).groupby("_k")
            t = pd.DataFrame({"closed": x.size(), "won": x["won"].sum().astype("int64")}).reset_index()
            t = t.rename(columns={"_k": "key"})
            t.insert(0, "level", "rep" if level == "rep_id" else "region")
            t.insert(0, "channel_id", cid)
            t["rate"] = st.rate(t["won"], t["closed"])
            t["ci_low"], t["ci_high"] = st.wilson(t["won"], t["closed"], params.alpha)
            t["shrunk_rate"], _, _ = st.shrink(t["won"], t["closed"], None, params.alpha)
            t["benchmark_rate"] = bench_rate
            t["expected_won"] = t["closed"] * bench_rate
            t["shortfall"] = t["expected_won"] - t["won"]
            total = t["shortfall"].sum()
            t["share_of_shortfall"] = t["shortfall"] / total if total > 0 else np.nan
            t["insufficient_data"] = t["closed"] < min_n
            t["name"] = t["key"].map(ld.rep_names) if level == "rep_id" else None
            rows.append(t.sort_values("shortfall", ascending=False))
            big = t.loc[~t["insufficient_data"]]
            om = st.omnibus(big["won"], big["closed"])
            spread.append({"channel_id": cid, "level": t["level"].iloc[0], "groups": om["groups"],
                           "chi2": om["chi2"], "df": om["df"], "p_value": om["p_value"],
                           "concentrated": bool(om["p_value"] < params.alpha) if np.isfinite(om["p_value"]) else False})
    drivers = pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)
    spread_df = pd.DataFrame(spread, columns=["channel_id", "level", "groups", "chi2", "df", "p_value",
                                              "concentrated"])
    return drivers, spread_df


def _lost_reasons(ld: LeadData, summary: pd.DataFrame) -> pd.DataFrame:
    """Lost reasons of the leads lost inside each failing span, against the other channels' in the same span."""
    cols = ["channel_id", "lost_reason", "lost", "share", "benchmark_share"]
    if summary.empty or ld.leads["lost_reason"].notna().sum() == 0:
        return pd.DataFrame(columns=cols)
    lf = ld.leads[["channel_id", "mature", "status", "lost_reason", "known_source", "reach"]]
    lf = lf.loc[lf["mature"] & (lf["status"] == "lost") & lf["lost_reason"].notna() & lf["known_source"]]
    out = []
    for _, s in summary.loc[summary["failing_from"].notna()].sort_values("shrunk_rate").iterrows():
        step = s.get("failing_step")
        g = lf.loc[lf["reach"] >= int(step)] if pd.notna(step) else lf
        mine = g.loc[g["channel_id"] == s["channel_id"], "lost_reason"].value_counts()
        theirs = g.loc[g["channel_id"] != s["channel_id"], "lost_reason"].value_counts(normalize=True)
        if mine.empty:
            continue
        t = pd.DataFrame({"lost": mine, "share": mine / mine.sum()})
        t["benchmark_share"] = theirs.reindex(t.index).fillna(0.0)
        t = t.rename_axis("lost_reason").reset_index()
        t.insert(0, "channel_id", s["channel_id"])
        out.append(t)
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def localise(diag: Diagnosis, lang: str) -> pd.DataFrame:
    """The ``components`` table with ``component_label`` in the report's language."""
    comp = diag.components.copy()
    if comp.empty:
        return comp
    i = 1 if lang == "zh" else 0

    def label(r):
        text = COMPONENT_LABELS[r["component"]][i]
        if r["component"] == "stage":
            b = r["to_stage"] if r["to_stage"] != "won" else ("赢单" if lang == "zh" else "won")
            return text.format(a=r["from_stage"], b=b)
        return text

    comp.insert(3, "component_label", [label(r) for _, r in comp.iterrows()])
    return comp


def unknown_share(ld: LeadData) -> float:
    """Share of leads with an unknown source."""
    return float((ld.leads["channel_id"] == UNKNOWN).mean()) if len(ld.leads) else 0.0
