"""What the channel notebook shows: headline, verdicts, sentences, notes and tables, through the report.

Views take the report first and only render: numbers are computed elsewhere, words come from
:data:`workbench.channels.labels.LABELS`, numbers are formatted by the report's one formatter
(shares as %, differences of rates in pp, money with its currency and period, counts as
integers, p-values as ``< 0.001``). Result tables are saved as computed (``rpt.table`` with a
name); only the shown rows are cut and formatted.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from workbench.channels.budget import Allocation, ResponseFit
from workbench.channels.diagnosis import Diagnosis, localise
from workbench.channels.economics import Economics
from workbench.channels.evaluate import FunnelResults
from workbench.channels.funnel import ConversionTests, TimeToClose
from workbench.channels.matrices import Inventory, Matrix
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, LeadData
from workbench.channels.stats import ADJUST_NAMES
from workbench.channels.tables import TABLES
from workbench.channels.verdict import reconcile
from workbench.reporting import Markup, count, money, share
from workbench.reporting.formats import Value

FORMATS: dict[str, str] = {
    **dict.fromkeys(["current_spend", "recommended_spend", "change", "low_bound", "high_bound",
                     "expected_value_current", "expected_value_recommended", "value_change", "change_low",
                     "change_high", "budget", "expected_value", "value_low", "value_high", "change_vs_current",
                     "value_current_split", "won_revenue_month", "revenue_month", "budget_change",
                     "budget_value_change", "stage_gap_value_month", "stage_gap_value_low", "stage_gap_value_high",
                     "value_change_month", "value_change_low", "value_change_high", "recommended_total",
                     "current_total", "value_current"], "money_month"),
    **dict.fromkeys(["value_change_year", "value_change_year_low", "value_change_year_high"], "money_year"),
    **dict.fromkeys(["revenue", "gross_margin", "spend", "revenue_prev", "aov", "cac", "value_per_unit",
                     "value_per_new_customer"], "money"),
    **dict.fromkeys(["roas", "marginal_roas", "marginal_roas_current", "marginal_roas_recommended", "exponent",
                     "exponent_ci_low", "exponent_ci_high", "ratio", "revenue_ratio", "budget_multiple", "clv_cac"],
                    "num2"),
    **dict.fromkeys(["conversion_rate", "ci_low", "ci_high", "open_share", "win_rate_closed", "shrunk_rate",
                     "rate_a", "rate_b", "margin_rate", "sell_through", "share", "rate_from", "rate_from_low",
                     "rate_from_high", "benchmark_rate_from", "closed_by_30d", "closed_by_60d", "closed_by_90d",
                     "closed_by_180d", "share_of_shortfall", "won_rate_after", "benchmark_share", "rate",
                     "benchmark_rate", "won_ci_low", "won_ci_high", "stage_rate", "benchmark_stage_rate",
                     "closed_ci_low", "closed_ci_high"], "share"),
    **dict.fromkeys(["difference"], "pp"),
    **dict.fromkeys(["effect", "main_gap_effect", "change_pct", "budget_change_pct", "revenue_growth",
                     "growth_ci_low", "growth_ci_high", "roi"], "change"),
    **dict.fromkeys(["leads", "won", "lost", "open", "n", "months", "orders", "new_customers", "skus",
                     "overstock_skus", "nps_n", "csat_n", "responses", "n_from", "closed", "censored", "entered",
                     "resolved", "advanced", "closed_after", "leads_a", "leads_b", "leads_all", "rank", "step",
                     "on_hand", "units_sold", "overstock_units", "groups", "df", "conversion_rank", "roi_rank",
                     "channels_up", "channels_down", "won_after"], "count"),
    **dict.fromkeys(["median_days", "median_ci_low", "median_ci_high", "p75_days", "benchmark_median_days"], "days"),
    **dict.fromkeys(["nps_mean", "csat_mean", "nps_score", "cover_months", "units_per_month", "expected_won",
                     "shortfall", "expected_outcome", "chi2", "nps_ci_low", "nps_ci_high"], "num"),
    **dict.fromkeys(["p_value", "p_adj", "nps_p_adj", "nps_p_value"], "p"),
    **dict.fromkeys(["insufficient_data_flag", "significant", "failing", "low_nps", "in_optimiser", "feasible",
                     "supported", "concentrated", "mature", "seasonality", "overstock"], "bool"),
}
"""The kind of every number column the channel report shows (undeclared columns are counts or plain)."""

CODED = ("verdict", "criterion", "note", "reason", "metric", "level", "objective", "scope")
"""Text columns holding the workbench's own codes: shown by their label."""

SPECIAL_IDS = {UNKNOWN: "blank", "(total)": "total", "(all)": "all"}


def _html(parts) -> Markup | None:
    shown = [p for p in parts if p is not None]
    if not shown:
        return None
    return Markup("".join(p.to_html() if hasattr(p, "to_html") else str(p) for p in shown))


def p_text(p) -> str:
    """``p = 0.012`` or ``p < 0.001`` (for sentences)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "p = –"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def show_notes(rpt, notes):
    """Every note as a note box; nothing when there is none."""
    return rpt.notes(notes)


def show_table(rpt, df: pd.DataFrame, name: str | None = None, columns: list[str] | None = None,
               max_rows: int = 10, empty: tuple[str, str] | None = None, shown: pd.DataFrame | None = None,
               caption: str | None = None, formats: dict[str, str] | None = None,
               headers: dict[str, str] | None = None):
    """Save ``df`` as the result table ``name`` and show (up to ``max_rows`` of) it, formatted by kind.

    ``shown`` replaces the rows displayed (e.g. sorted, or the latest periods); ``empty`` is the note
    shown instead of an empty table. Special ids (``(unknown)``, ``(total)``, ``(all)``) read in the
    report's language; ``insufficient_data`` is shown under its own header.
    """
    view = df if shown is None else shown
    if view is not None and not view.empty:
        view = view.copy()
        for c in ("channel_id", "key"):
            if c in view:
                view[c] = view[c].map(lambda v: rpt.t(SPECIAL_IDS[v]) if v in SPECIAL_IDS else v)
        view = view.rename(columns={"insufficient_data": "insufficient_data_flag"})
        if columns:
            columns = ["insufficient_data_flag" if c == "insufficient_data" else c for c in columns]
    kinds = {c: k for c, k in FORMATS.items() if view is not None and c in view}
    kinds.update(formats or {})
    return rpt.table(df, name, columns=columns, formats=kinds, shown=view, caption=caption, max_rows=max_rows,
                     empty=empty, headers=headers, values=[c for c in CODED if view is not None and c in view])


# ----------------------------------------------------------------------------- headline and verdict


def _label(ld: LeadData, cid: str) -> str:
    return ld.label(cid)


def headline(ld: LeadData, res: FunnelResults, verdict: pd.DataFrame | None = None) -> dict:
    """The report's headline: the channel verdict with the largest value at stake, on its stated criterion.

    It agrees with ``channel_verdict`` (its first row). Without verdicts it says whether the channels
    convert alike.
    """
    conv = res.conversion
    n = int(conv["leads"].sum())
    if verdict is not None and len(verdict):
        top = verdict.iloc[0]
        ch = _label(ld, top["channel_id"])
        if top["verdict"] == "fix_stage":
            ranked = verdict.dropna(subset=["won_revenue_month"]).sort_values("won_revenue_month", ascending=False)
            pos = int(np.flatnonzero(ranked["channel_id"].to_numpy() == top["channel_id"])[0]) + 1
            to = top["leaking_to"]
            return {"en": "{ch} wins {won} from its leads (rank {pos} of {k} lead channels by won revenue) but leaks "
                          "at {a} → {b}: {r1} of its leads that reach {a} get through to {b}, against {r2} for the "
                          "benchmark. Bringing that stage to the benchmark is worth {gap} (95% interval {lo} to "
                          "{hi}).",
                    "zh": "{ch} 每月从线索赢单 {won}（线索渠道中赢单收入排第 {pos}/{k}），但在 {a} → {b_zh} 流失：到达 {a} 的线索仅 {r1} "
                          "走到 {b_zh}，基准为 {r2}。把该阶段提升到基准水平，价值 {gap}（95% 区间 {lo} 至 {hi}）。",
                    "ch": ch, "won": money(top["won_revenue_month"], "month"), "pos": count(pos),
                    "k": count(len(ranked)), "a": top["leaking_from"], "b": to,
                    "b_zh": "赢单" if to == "won" else to,
                    "r1": share(top["stage_rate"]), "r2": share(top["benchmark_stage_rate"]),
                    "gap": money(top["stage_gap_value_month"], "month"),
                    "lo": money(top["stage_gap_value_low"], "month"),
                    "hi": money(top["stage_gap_value_high"], "month")}
        if top["verdict"] in ("grow", "cut"):
            return {"en": "Budget is the largest lever: the plan {move_en} {ch}'s spend by {chg} ({pct}), worth {val} "
                          "(95% interval {lo} to {hi}); no leaking stage is worth more.",
                    "zh": "预算是最大的抓手：方案将 {ch} 的费用{move_zh} {chg}（{pct}），价值 {val}（95% 区间 {lo} 至 {hi}）；"
                          "没有哪个流失阶段的价值更大。",
                    "ch": ch, "move_en": "raises" if top["verdict"] == "grow" else "cuts",
                    "move_zh": "增加" if top["verdict"] == "grow" else "削减",
                    "chg": money(abs(top["budget_change"]), "month"), "pct": Value(top["budget_change_pct"], "change"),
                    "val": money(top["budget_value_change"], "month"),
                    "lo": money(top["budget_value_low"], "month"), "hi": money(top["budget_value_high"], "month")}
    om = res.tests.omnibus
    if om["groups"] >= 2 and np.isfinite(om["p_value"]):
        fp = res.funnel_plot.loc[~res.funnel_plot["insufficient_data"], "conversion_rate"]
        if res.diagnosis.weakest is None:
            en = "No channel converts significantly below the others: "
            zh = "没有渠道的转化率显著低于其他渠道："
        else:
            en = "No leaking stage or budget move is worth acting on: "
            zh = "没有值得处理的流失阶段或预算调整："
        return {"en": en + "{k} channels, {n} leads in mature cohorts, conversion {lo}–{hi} (chi-square {p}).",
                "zh": zh + "{k} 个渠道、成熟批次共 {n} 条线索，转化率 {lo}–{hi}（卡方检验 {p}）。",
                "k": count(om["groups"]), "n": count(n), "p": p_text(om["p_value"]),
                "lo": share(fp.min()), "hi": share(fp.max())}
    return {"en": "{n} leads in mature cohorts across {k} source(s): too few channels with enough data to compare.",
            "zh": "成熟批次共 {n} 条线索、{k} 个来源：有足够数据可比较的渠道太少。",
            "n": count(n), "k": count(int(conv["channel_id"].nunique()))}


def show_verdict(rpt, verdict: pd.DataFrame, ld: LeadData):
    """The reconciliation: weakest by conversion, by return and the budget move, then one verdict per channel."""
    if verdict.empty:
        return show_table(rpt, verdict, "channel_verdict", empty=("No channel to judge.", "没有可评判的渠道。"))
    parts = []
    r = reconcile(verdict)
    v = verdict.set_index("channel_id")
    if r["lowest_conversion"] or r["lowest_roi"]:
        lc, lr = r["lowest_conversion"], r["lowest_roi"]
        parts.append(rpt.say(
            "Three questions name three different channels. Lowest conversion: {lc} ({conv}). Lowest return on "
            "spend: {lr} (ROI {roi}). Largest budget increase in the plan: {up}; largest cut: {down}.",
            "三个问题指向三个不同的渠道。转化率最低：{lc}（{conv}）。投入回报最低：{lr}（ROI {roi}）。方案中预算增加最多：{up}；"
            "削减最多：{down}。",
            lc=_label(ld, lc) if lc else "–", conv=share(v.loc[lc, "conversion_rate"]) if lc else "–",
            lr=_label(ld, lr) if lr else "–", roi=Value(v.loc[lr, "roi"], "change") if lr else "–",
            up=_label(ld, r["largest_increase"]) if r["largest_increase"] else "–",
            down=_label(ld, r["largest_cut"]) if r["largest_cut"] else "–"))
    mroas = v["marginal_roas"].dropna().sort_values(ascending=False)
    for cid, row in v.iterrows():
        if row["verdict"] != "fix_stage":
            continue
        values = {"ch": _label(ld, cid), "a": row["leaking_from"], "b": _stage(rpt, row["leaking_to"]),
                  "gap": money(row["stage_gap_value_month"], "month"), "chg": money(abs(row["budget_change"]), "month"),
                  "m": Value(row["marginal_roas"], "num2"),
                  "rank": count(int((mroas > row["marginal_roas"]).sum()) + 1) if cid in mroas.index else "–",
                  "k": count(len(mroas))}
        if row["note"] == "budget_up_while_fixing":
            parts.append(rpt.say(
                "{ch}: fix {a} → {b} first (worth {gap}). The plan still adds {chg} of spend: at today's spend an "
                "extra unit of spend there brings {m} of revenue (rank {rank} of {k} channels by marginal ROAS), and "
                "a fixed stage makes that money work harder. The two do not contradict each other.",
                "{ch}：先修复 {a} → {b}（价值 {gap}）。方案仍为其增加 {chg} 的费用：按当前投入，该渠道每多投入 1 元带来 {m} 元收入，"
                "在 {k} 个渠道中排第 {rank}；阶段修复后这笔投入的回报会更高。两者并不矛盾。", **values))
        elif np.isfinite(row["budget_change"]) and row["budget_change"] < 0:
            parts.append(rpt.say(
                "{ch}: fix {a} → {b} first (worth {gap}); until then the plan cuts {chg} of spend, since an extra "
                "unit of spend there brings only {m} of revenue.",
                "{ch}：先修复 {a} → {b}（价值 {gap}）；在此之前方案削减 {chg} 的费用，因为该渠道每多投入 1 元只带来 {m} 元收入。",
                **values))
    shown = verdict.copy()
    shown["channel_id"] = [_label(ld, c) for c in shown["channel_id"]]
    shown["leaking_stage"] = [f"{a} → {_stage(rpt, b)}" if a else "–"
                              for a, b in zip(shown["leaking_from"], shown["leaking_to"], strict=True)]
    fm = rpt.fmt
    shown["stage_gap_ci"] = [
        "–" if not np.isfinite(x) else
        f"{fm(x, 'money')} ({fm(lo, 'money')} … {fm(hi, 'money')})"
        for x, lo, hi in zip(shown["stage_gap_value_month"].astype(float), shown["stage_gap_value_low"].astype(float),
                             shown["stage_gap_value_high"].astype(float), strict=True)]
    parts.append(show_table(
        rpt, verdict, "channel_verdict", shown=shown,
        columns=["channel_id", "verdict", "criterion", "leads", "conversion_rate", "roi", "won_revenue_month",
                 "budget_change", "leaking_stage", "stage_gap_ci"],
        caption=rpt.text("Money per month. Rank 1 = best. Stage gap: won revenue gained per month if the leaking "
                         "stage converted like the benchmark (95% interval).",
                         "金额均为每月。阶段差距：若流失阶段达到基准转化率，每月增加的赢单收入（95% 区间）。")))
    return _html(parts)


def _stage(rpt, name: str) -> str:
    """A stage name from the data; the ``won`` step the funnel adds reads in the report's language."""
    return rpt.t("won") if name == "won" else name


def cohort_sentence(ld: LeadData, params: ChannelParams) -> dict:
    """What the conversion rates are computed on (mature cohorts) and how many leads are left out."""
    lf = ld.leads
    status, cohort = lf["status"][lf["mature"]], lf["cohort"][lf["mature"]]  # two columns, not every column
    if status.empty:
        return {"en": "No creation cohort is mature yet (a cohort needs {d} days after its last day): conversion "
                      "rates below would be biased by open leads, so they are not computed.",
                "zh": "尚无成熟的创建批次（批次结束后需满 {d} 天）：未关闭线索会使转化率偏低，因此不计算。",
                "d": count(params.mature_after_days)}
    still_open = (status == "open").mean()
    warn_en = warn_zh = ""
    if still_open > 0.10:
        warn_en = (" That is many: conversion rates are lower bounds, and the win rate of closed leads beside them "
                   "an upper bound.")
        warn_zh = " 占比较高：转化率应视为下限，旁边的已关闭线索赢单率则为上限。"
    return {"en": "Conversion = won / leads of the {n} leads created {first} … {last}: cohorts whose last day is at "
                  "least {d} days before the analysis date {as_of}. The {young} younger leads are left out because "
                  "many are still open; {open} of the leads used are still open and count as not won." + warn_en,
            "zh": "转化率 = 赢单 / 线索，基于 {first} … {last} 创建的 {n} 条线索：即结束日距分析基准日 {as_of} 至少 {d} 天的批次。"
                  "较新的 {young} 条线索因多数仍未关闭而不计入；所用线索中仍有 {open} 未关闭，按未赢单计。" + warn_zh,
            "n": count(len(status)), "first": cohort.min(), "last": cohort.max(),
            "d": count(params.mature_after_days), "as_of": ld.as_of, "young": count(int((~lf["mature"]).sum())),
            "open": share(still_open)}


def show_conversion(rpt, res: FunnelResults):
    """The ``channel_conversion`` table."""
    return show_table(rpt, res.conversion, "channel_conversion",
                      columns=["channel_id", "channel_name", "leads", "won", "conversion_rate", "ci_low", "ci_high",
                               "win_rate_closed", "shrunk_rate", "rank", "insufficient_data"])


def show_tests(rpt, tests: ConversionTests):
    """The omnibus test sentence and the corrected pairwise table (``pairwise_tests``), significant pairs first."""
    om = tests.omnibus
    parts = []
    if om["groups"] < 2 or not np.isfinite(om["p_value"]):
        parts.append(rpt.note("Fewer than two channels have enough data for a test.",
                              "有足够数据可检验的渠道少于两个。"))
    else:
        differ = om["p_value"] < tests.alpha
        parts.append(rpt.say("Chi-square test of equal conversion across {k} channels: χ² = {chi2}, df = {df}, "
                             "{p}: {verdict}. Pairs below are compared with two-proportion z-tests; p-values are "
                             "corrected for {m} comparisons with the {method} method.",
                             "{k} 个渠道转化率相同的卡方检验：χ² = {chi2}，自由度 {df}，{p}：{verdict_zh}。"
                             "下表两两比较采用双比例 z 检验，并用 {method} 方法对 {m} 次比较做多重校正。",
                             k=count(om["groups"]), chi2=Value(om["chi2"], "num"), df=count(om["df"]),
                             p=p_text(om["p_value"]),
                             verdict="the channels' conversion rates differ" if differ else
                             "no difference between the channels can be shown",
                             verdict_zh="各渠道转化率存在差异" if differ else "无法证明各渠道转化率存在差异",
                             m=count(len(tests.pairwise)), method=ADJUST_NAMES[tests.method][0]))
    if tests.left_out:
        parts.append(rpt.note("Left out of tests and ranking (insufficient data): {ids}.",
                              "因数据不足未参与检验和排名：{ids}。", ids=", ".join(tests.left_out)))
    pw = tests.pairwise
    shown = pw.sort_values("p_adj", kind="stable") if len(pw) else pw
    parts.append(show_table(rpt, pw, "pairwise_tests",
                            ["channel_a", "channel_b", "rate_a", "rate_b", "difference", "p_adj", "significant"],
                            shown=shown, max_rows=6, empty=("No pairs to compare.", "没有可比较的渠道对。")))
    return _html(parts)


def show_stage_funnel(rpt, res: FunnelResults):
    """Mature leads reaching each stage per channel, with their share of the channel's leads (``stage_funnel``)."""
    sf = res.stage_funnel
    if sf.empty:
        return show_table(rpt, sf, "stage_funnel", empty=("No stages: the funnel is leads → won only.",
                                                          "没有阶段数据：漏斗只有线索 → 赢单。"))
    won = rpt.t("won")
    fm = rpt.fmt
    view = sf.assign(cell=[f"{fm(r, 'count')} ({fm(s, 'share', digits=0)})" for r, s in
                           zip(sf["reached"], sf["share"], strict=True)],
                     stage=sf["stage"].replace({"won": won}))
    order = list(dict.fromkeys(view.sort_values("order")["stage"]))
    wide = view.pivot(index="channel_id", columns="stage", values="cell").reindex(columns=order).reset_index()
    wide["channel_id"] = [rpt.t(SPECIAL_IDS[c]) if c in SPECIAL_IDS else c for c in wide["channel_id"]]
    return rpt.table(sf, "stage_funnel", shown=wide, formats={c: "text" for c in wide.columns},
                     headers={c: c for c in order})


def show_stages(rpt, res: FunnelResults):
    """The ``stage_conversion`` table: each step's conversion per channel (the pooled row first)."""
    st = res.stages.assign(to_stage=[_stage(rpt, x) for x in res.stages["to_stage"]]) if len(res.stages) \
        else res.stages
    return show_table(rpt, res.stages, "stage_conversion", shown=st,
                      columns=["channel_id", "from_stage", "to_stage", "resolved", "conversion_rate", "ci_low",
                               "ci_high", "won_rate_after"], max_rows=12, headers={"conversion_rate": "step_conversion"},
                      caption=rpt.text("Showing the pooled channels and the first channels; the CSV has every step.",
                                       "仅显示全部渠道合计及前几个渠道；完整数据见 CSV。"))


def show_cohorts(rpt, res: FunnelResults):
    """The ``cohort_conversion`` table: each channel's latest mature cohort (the chart above shows them all)."""
    c = res.cohorts
    shown = c
    if len(c):
        m = c.loc[c["mature"].astype(bool)]
        shown = m.sort_values("cohort").groupby("channel_id", as_index=False).tail(1) if len(m) else m
    return show_table(rpt, c, "cohort_conversion", shown=shown,
                      columns=["channel_id", "cohort", "leads", "won", "conversion_rate", "ci_low", "ci_high"],
                      empty=("No mature cohort yet.", "尚无成熟批次。"))


def show_drivers(rpt, diag: Diagnosis):
    """Reps and regions behind each failing span (``diagnosis_drivers``), largest shortfall first."""
    d = diag.drivers
    if d.empty:
        return show_table(rpt, d, "diagnosis_drivers", empty=("No failing stage to break down.",
                                                              "没有需要拆分的薄弱阶段。"))
    fm = rpt.fmt
    view = d.copy()
    view["rate_ci"] = [f"{fm(r, 'share')} ({fm(lo, 'share')} … {fm(hi, 'share')})"
                       for r, lo, hi in zip(d["rate"], d["ci_low"], d["ci_high"], strict=True)]
    view = view.sort_values("shortfall", ascending=False, kind="stable")
    return show_table(rpt, d, "diagnosis_drivers", shown=view, max_rows=10,
                      columns=["channel_id", "level", "key", "name", "closed", "won", "rate_ci", "benchmark_rate",
                               "shortfall", "insufficient_data"])


def show_time_to_close(rpt, ttc: TimeToClose):
    """The log-rank sentence and the Kaplan-Meier summary table (``time_to_close``)."""
    parts = []
    lr = ttc.logrank
    if np.isfinite(lr["p_value"]):
        parts.append(rpt.say("Log-rank test that all channels close at the same pace: χ² = {chi2}, df = {df}, {p}.",
                             "各渠道关闭速度相同的对数秩检验：χ² = {chi2}，自由度 {df}，{p}。",
                             chi2=Value(lr["chi2"], "num"), df=count(lr["df"]), p=p_text(lr["p_value"])))
    if ttc.excluded:
        parts.append(rpt.note("{n} lead(s) without a usable close date are left out of time to close.",
                              "{n} 条线索没有可用的关闭日期，不计入成交周期。", n=count(ttc.excluded)))
    s = ttc.summary
    fm = rpt.fmt
    view = s.copy()
    view["median_ci"] = [f"{fm(m, 'num', digits=0)} ({fm(lo, 'num', digits=0)} … {fm(hi, 'num', digits=0)})"
                         if np.isfinite(m) and np.isfinite(lo) and np.isfinite(hi)
                         else fm(m, "num", digits=0) if np.isfinite(m) else "–"
                         for m, lo, hi in zip(s["median_days"].astype(float), s["median_ci_low"].astype(float),
                                              s["median_ci_high"].astype(float), strict=True)]
    parts.append(show_table(rpt, s, "time_to_close", shown=view,
                            columns=["channel_id", "leads", "censored", "median_ci", "closed_by_30d", "closed_by_90d"],
                            empty=("No lead has closed yet.", "尚无已关闭的线索。")))
    return _html(parts)


# ----------------------------------------------------------------------------- diagnosis


def _value_text(rpt, comp: str, v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    fm = rpt.fmt
    if comp in ("stage", "conversion"):
        return fm(v, "share")
    if comp == "deal_size":
        return fm(v, "money")
    if comp == "volume":
        return rpt.text("{v} / month", "{v}/月", v=Value(v, "num"))
    if comp == "cycle_time":
        return rpt.text("{d} days", "{d} 天", d=Value(v, "num", digits=0))
    if comp in ("nps", "csat"):
        return fm(v, "num2")
    return fm(v, "num")


def show_diagnosis(rpt, diag: Diagnosis, ld: LeadData):
    """Sentences per channel with a failing stage and the ``diagnosis_summary`` table."""
    parts = [rpt.notes(diag.notes)]
    if diag.summary.empty:
        rpt.save(diag.summary, "diagnosis_summary")
        return _html(parts)
    for _, s in diag.summary.sort_values("shrunk_rate").iterrows():
        if not isinstance(s["failing_from"], str):
            continue
        sp = diag.spread
        rep = sp.loc[(sp["channel_id"] == s["channel_id"]) & (sp["level"] == "rep")] if len(sp) else sp
        values = {"ch": ld.label(s["channel_id"]), "a": s["failing_from"],
                  "b": _stage(rpt, s["failing_to"]),
                  "r1": share(s["rate_from"]), "lo": share(s["rate_from_low"]), "hi": share(s["rate_from_high"]),
                  "n": count(int(s["n_from"])), "r2": share(s["benchmark_rate_from"])}
        en = ("{ch}: stages from {a} to {b} fail. Of its closed leads that reached {a}, {r1} were won "
              "(95% CI {lo}–{hi}, n = {n}) against {r2} for the benchmark.")
        zh = "{ch}：{a} → {b} 各阶段薄弱。到达 {a} 的已关闭线索中赢单 {r1}（95% 区间 {lo}–{hi}，样本 {n}），基准为 {r2}。"
        if len(rep) and np.isfinite(rep["p_value"].iloc[0]):
            values.update(k=count(int(rep["groups"].iloc[0])), p=p_text(rep["p_value"].iloc[0]))
            if bool(rep["concentrated"].iloc[0]):
                top = diag.drivers.loc[(diag.drivers["channel_id"] == s["channel_id"])
                                       & (diag.drivers["level"] == "rep") & ~diag.drivers["insufficient_data"]]
                values["top"] = ", ".join(top["key"].head(3))
                en += " The shortfall is concentrated (reps differ, {p}): {top} account for most of it."
                zh += " 少赢单集中在少数销售（销售之间差异显著，{p}）：主要是 {top}。"
            else:
                en += (" Its {k} reps do not differ significantly ({p}): the shortfall is spread across the "
                       "channel, a channel-wide problem rather than a few reps.")
                zh += " 其 {k} 名销售之间没有显著差异（{p}）：少赢单分布在整个渠道，是渠道层面的问题而非个别销售。"
        parts.append(rpt.say(en, zh, **values))
    low = diag.summary.loc[diag.summary["low_nps"].eq(True)]
    for _, s in low.iterrows():
        parts.append(rpt.say("{ch} also has a significantly low NPS: mean {nps} (n = {n}).",
                             "{ch} 的 NPS 也显著偏低：均值 {nps}（样本 {n}）。",
                             ch=ld.label(s["channel_id"]), nps=Value(s["nps_mean"], "num"), n=count(int(s["nps_n"]))))
    summ = diag.summary.copy()
    summ["failing_to"] = summ["failing_to"].replace({"won": rpt.t("won")})
    summ["main_gap"] = [_gap_label(rpt, g) for g in summ["main_gap"]]
    parts.append(show_table(rpt, diag.summary, "diagnosis_summary", shown=summ,
                            columns=["channel_id", "channel_name", "shrunk_rate", "revenue_ratio", "main_gap",
                                     "failing_from", "failing_to", "rate_from", "benchmark_rate_from", "nps_mean"]))
    return _html(parts)


def _gap_label(rpt, g) -> str:
    if not isinstance(g, str):
        return "–"
    if g in ("volume", "deal_size", "other", "conversion"):
        return rpt.t(f"gap_{g}")
    return g.replace("→ won", "→ " + rpt.t("won"))


def show_components(rpt, diag: Diagnosis):
    """The ``diagnosis`` result table: the components of every channel's gap (failing and total rows shown)."""
    comp = localise(diag, rpt.lang)
    if comp.empty:
        rpt.save(diag.components, "diagnosis")
        return rpt.note("Nothing to diagnose.", "没有可诊断的渠道。")
    view = comp.loc[comp["failing"].astype(bool) | comp["component"].isin(["total", "volume", "deal_size"])].copy()
    view["value"] = [_value_text(rpt, c, v) for c, v in zip(view["component"], view["value"], strict=True)]
    view["benchmark_value"] = [_value_text(rpt, c, v) for c, v in zip(view["component"], view["benchmark_value"],
                                                                      strict=True)]
    bench = rpt.t("bench_others") if diag.benchmark == "others" else rpt.t("bench_best")
    return show_table(
        rpt, diag.components, "diagnosis", ["channel_id", "component_label", "value", "benchmark_value", "effect",
                                             "p_adj", "failing"],
        max_rows=16, shown=view, formats={"value": "text", "benchmark_value": "text"},
        caption=rpt.text("Benchmark: {b}. Effect = change of won revenue caused by that factor alone. Shown: volume, "
                         "deal size, failing stages and the total; the CSV has every component.",
                         "基准：{b}。影响 = 仅由该因素造成的赢单收入变化。仅显示线索量、客单金额、薄弱阶段与合计；完整数据见 CSV。",
                         b=bench))


def show_feedback(rpt, fb: pd.DataFrame):
    """NPS and CSAT per channel (``feedback_by_channel``)."""
    return show_table(rpt, fb, "feedback_by_channel",
                      columns=["channel_id", "nps_n", "nps_mean", "nps_ci_low", "nps_ci_high", "nps_score",
                               "csat_mean", "nps_p_adj", "low_nps"],
                      empty=("No feedback table with channel ids: feedback scores are not shown.",
                             "没有带渠道编号的反馈表：不显示反馈评分。"))


def show_lost_reasons(rpt, diag: Diagnosis):
    """Lost reasons inside failing spans (``lost_reasons``), largest first."""
    lr = diag.lost_reasons
    return show_table(rpt, lr, "lost_reasons", shown=lr.sort_values("lost", ascending=False) if len(lr) else lr,
                      max_rows=8, empty=("No lost reasons recorded.", "没有记录输单原因。"))


# ----------------------------------------------------------------------------- economics


def _interval_text(rpt, v, lo, hi, kind: str = "change") -> str:
    fm = rpt.fmt
    if v is None or not np.isfinite(v):
        return "–"
    if lo is None or not np.isfinite(lo) or not np.isfinite(hi):
        return fm(v, kind)
    return f"{fm(v, kind)} ({fm(lo, kind)} … {fm(hi, kind)})"


def show_economics(rpt, econ: Economics):
    """Notes and the window sentence of the economics section."""
    parts = [rpt.notes(econ.notes)]
    if econ.window:
        parts.append(rpt.say("Money in this section is the total over {a} … {b} (the last 12 complete months unless "
                             "set otherwise); trend = average growth of monthly revenue per month, from a log-linear "
                             "fit with its 95% interval.",
                             "本节金额为 {a} … {b}（最近的完整月份）的合计；趋势 = 月收入的月均增速（对数线性拟合，含 95% 区间）。",
                             a=econ.window[0], b=econ.window[1]))
    return _html(parts)


def show_economics_summary(rpt, econ: Economics):
    """The summary table of the economics section (``channel_economics_summary``), trend with its interval."""
    s = econ.summary
    if s.empty:
        return show_table(rpt, s, "channel_economics_summary",
                          empty=("No orders: channel economics are not available.", "没有订单：无法计算渠道经济性。"))
    view = s.copy()
    view["trend"] = [_interval_text(rpt, v, lo, hi) for v, lo, hi in
                     zip(s["revenue_growth"], s["growth_ci_low"], s["growth_ci_high"], strict=True)]
    return show_table(rpt, s, "channel_economics_summary", shown=view,
                      columns=["channel_id", "channel_name", "revenue", "margin_rate", "new_customers", "spend", "cac",
                               "roi", "roas", "trend"],
                      caption=rpt.text("Totals over {w}.", "{w} 合计。", w=s["window"].iloc[0])
                      if "window" in s else None)


def show_returns(rpt, returns: pd.DataFrame):
    """ROI by channel type and in total, CLV / CAC per channel (``channel_returns``)."""
    if returns.empty:
        return show_table(rpt, returns, "channel_returns", empty=("No spend: returns are not available.",
                                                                  "没有费用数据：无法计算投入回报。"))
    parts = []
    tot = returns.loc[returns["scope"] == "total"]
    below = returns.loc[(returns["scope"] == "channel") & returns["clv_cac"].notna()]
    if len(tot) and np.isfinite(tot["roi"].iloc[0]):
        t = tot.iloc[0]
        neg = returns.loc[(returns["scope"] == "type") & (returns["roi"] < 0), "key"].tolist()
        parts.append(rpt.say(
            "Over {w} the channels together earned {gm} of gross margin on {sp} of spend: ROI {roi}. Channel types "
            "with a negative ROI: {neg}. {k} of {n} channels bring less customer value (CLV) than they cost to "
            "acquire (CLV / CAC below 1).",
            "{w} 期间各渠道合计毛利 {gm}，费用 {sp}：ROI {roi}。ROI 为负的渠道类型：{neg}。{n} 个渠道中有 {k} 个的客户价值（CLV）"
            "低于获客成本（CLV / CAC 小于 1）。",
            w=t["window"], gm=money(t["gross_margin"]), sp=money(t["spend"]), roi=Value(t["roi"], "change"),
            neg=", ".join(rpt.t(f"type_{x}") for x in neg) or rpt.t("none"),
            k=count(int((below["clv_cac"] < 1).sum())), n=count(len(below))))
    shown = returns.loc[returns["scope"] != "type"].copy()
    types = returns.loc[returns["scope"] == "type"].copy()
    types["key"] = [rpt.t(f"type_{x}") for x in types["key"]]
    shown = pd.concat([types, shown], ignore_index=True)
    parts.append(show_table(
        rpt, returns, "channel_returns", shown=shown, max_rows=20,
        columns=["scope", "key", "revenue", "gross_margin", "spend", "roi", "cac", "value_per_new_customer", "clv_cac"]))
    return _html(parts)


def show_inventory(rpt, inv: Inventory, params: ChannelParams):
    """Notes (stale snapshot) and the per-channel and overstock tables."""
    parts = [rpt.notes(inv.notes)]
    if not inv.available:
        for name in ("inventory_cover", "inventory_overstock"):
            rpt.save(pd.DataFrame(columns=list(TABLES[name])), name)
        return _html(parts)
    view = inv.by_channel.copy()
    view["cover_months"] = view["cover_months"].astype(float)
    parts.append(show_table(rpt, inv.by_channel, "inventory_cover",
                            ["channel_id", "channel_name", "skus", "on_hand", "units_per_month",
                             "cover_months", "sell_through", "overstock_skus"], shown=view))
    over = inv.by_sku.loc[inv.by_sku["overstock"]]
    parts.append(rpt.say("{k} channel-product pairs hold more than {m} months of sales (or stock with no sales in the "
                         "window); the largest by units:",
                         "{k} 个渠道-产品组合的库存超过 {m} 个月的销量（或窗口期内无销量），按件数排序如下：",
                         k=count(len(over)), m=Value(params.overstock_months, "num")))
    parts.append(show_table(rpt, inv.by_sku, "inventory_overstock",
                            ["channel_id", "product_id", "on_hand", "units_per_month", "cover_months",
                             "sell_through"], max_rows=5, shown=over.sort_values("on_hand", ascending=False),
                            empty=("No overstock.", "没有积压。")))
    return _html(parts)


def show_matrix(rpt, m: Matrix):
    """Notes and the wide share table of one matrix (``matrix_<dimension>``)."""
    parts = [rpt.notes(m.notes)]
    if not m.available:
        rpt.save(pd.DataFrame(columns=list(TABLES[f"matrix_{m.dimension}"])), f"matrix_{m.dimension}")
    else:
        shares = {c: "share" for c in m.wide.columns if c not in ("channel_id", "channel_name", "revenue", "orders")}
        parts.append(rpt.table(m.long, f"matrix_{m.dimension}", shown=m.wide,
                               formats={**shares, "revenue": "money", "orders": "count"},
                               headers={c: c for c in shares}, max_rows=10))
    return _html(parts)


# ----------------------------------------------------------------------------- budget


def show_curves(rpt, fit: ResponseFit):
    """Notes, the carry-over sentence and the ``response_curves`` table."""
    parts = [rpt.notes(fit.notes)]
    if fit.curves.empty:
        rpt.save(fit.curves, "response_curves")
        return _html(parts)
    if np.isfinite(fit.carry_over):
        parts.append(rpt.say(
            "Carry-over λ = {lam} (95% interval {lo}–{hi}): {share} of a month's spend still works the month after. "
            "Exponent b: doubling a channel's spend multiplies what it drives by 2^b.",
            "滞后系数 λ = {lam}（95% 区间 {lo}–{hi}）：当月费用的 {share} 在下月仍起作用。弹性 b：渠道费用翻倍，"
            "其带来的产出乘以 2^b。",
            lam=Value(fit.carry_over, "num2"), lo=Value(fit.carry_over_ci[0], "num2"),
            hi=Value(fit.carry_over_ci[1], "num2"), share=share(fit.carry_over, digits=0)))
    view = fit.curves.copy()
    view["exponent_ci"] = [_interval_text(rpt, v, lo, hi, "num2") for v, lo, hi in
                           zip(view["exponent"], view["exponent_ci_low"], view["exponent_ci_high"], strict=True)]
    parts.append(show_table(rpt, fit.curves, "response_curves",
                            ["channel_id", "channel_name", "metric", "exponent_ci", "value_per_unit", "current_spend",
                             "marginal_roas", "reason"], shown=view))
    return _html(parts)


def show_plan(rpt, al: Allocation, params: ChannelParams):
    """The plan sentence, its notes, the ``budget_recommendation`` table and the ``budget_plan`` row."""
    from workbench.channels.budget import plan_summary

    parts = [rpt.notes(al.notes)]
    if al.table.empty:
        rpt.save(al.table, "budget_recommendation")
        rpt.save(plan_summary(al), "budget_plan")
        return _html(parts)
    what = rpt.t("objective_" + al.objective)
    if al.feasible and np.isfinite(al.change):
        parts.append(rpt.say(
            "Recommended split of {budget} (now {current}): expected {what} driven by spend changes by {change} "
            "(95% interval {lo} to {hi}), that is {year} (95% interval {ylo} to {yhi}), from {base}. Each channel may "
            "move between −{dec} and +{inc}{own}; held fixed: {held}.",
            "建议的预算 {budget}（当前 {current}）分配：由费用驱动的预期{what}变化 {change}（95% 区间 {lo} 至 {hi}），"
            "即 {year}（95% 区间 {ylo} 至 {yhi}），当前为 {base}。每个渠道的调整幅度在 −{dec} 与 +{inc} 之间{own}；固定不变：{held}。",
            own=("" if not params.channel_limits else " (" + ", ".join(
                f"{c}: −{a:.0%} / +{b:.0%}" for c, (a, b) in params.channel_limits.items()) + ")"),
            budget=money(al.budget, "month"), current=money(al.current_total, "month"), what=what,
            change=Value(al.change, "money_month", signed=True), lo=Value(al.change_low, "money_month", signed=True),
            hi=Value(al.change_high, "money_month", signed=True),
            year=Value(12 * al.change, "money_year", signed=True),
            ylo=Value(12 * al.change_low, "money_year", signed=True),
            yhi=Value(12 * al.change_high, "money_year", signed=True),
            base=money(al.value_current, "month"),
            dec=share(params.max_decrease, digits=0), inc=share(params.max_increase, digits=0),
            held=", ".join(params.hold_fixed) or rpt.t("none")))
    mr = al.table["marginal_roas_current"].dropna()
    if len(mr) and (mr < 1).all():
        parts.append(rpt.say(
            "At today's spend every modelled channel returns less than one unit of {what} per extra unit spent "
            "(marginal ROAS {lo}–{hi}): moving money between channels helps, adding money does not pay back in "
            "{what} alone.",
            "在当前投入下，每个建模渠道每多投入 1 元带来的{what}都不足 1 元（边际 ROAS {lo}–{hi}）：在渠道间调配预算有益，"
            "但仅以{what}衡量，追加预算无法收回成本。",
            what=what, lo=Value(mr.min(), "num2"), hi=Value(mr.max(), "num2")))
    view = al.table.copy()
    fm = rpt.fmt
    view["value_change_ci"] = [
        f"{fm(v, 'money_signed')} ({fm(lo, 'money_signed')} … {fm(hi, 'money_signed')})" if np.isfinite(v) else "–"
        for v, lo, hi in zip(view["value_change"].astype(float), view["change_low"].astype(float),
                             view["change_high"].astype(float), strict=True)]
    rpt.save(plan_summary(al), "budget_plan")
    parts.append(show_table(rpt, al.table, "budget_recommendation",
                            ["channel_id", "channel_name", "current_spend", "recommended_spend", "change_pct",
                             "value_change_ci", "marginal_roas_current", "reason"], shown=view))
    return _html(parts)


def show_what_if(rpt, whatif: pd.DataFrame):
    """The ``what_if`` table: expected value per month at other total budgets."""
    view = whatif.copy()
    if len(view):
        view["budget_multiple"] = view["budget_multiple"].astype(float)
    return show_table(rpt, whatif, "what_if", shown=view,
                      columns=["budget_multiple", "budget", "expected_value", "value_low", "value_high",
                               "change_vs_current", "value_current_split", "marginal_roas"],
                      empty=("No channel has a response curve: no what-if table.", "没有可用的响应曲线：无法进行假设分析。"))


def show_economics_table(rpt, econ: Economics, params: ChannelParams):
    """Save the per-period ``channel_economics`` table (the chart above shows it)."""
    rpt.save(econ.table, "channel_economics")
    return None
