"""What the channel notebook shows: headline, sentences, notes and formatted tables, in the report language.

These helpers only format results computed elsewhere; each returns one displayable HTML
object (or a dict of sentence templates and values for :meth:`Report.headline` / ``say``).
Result tables are saved unformatted (``rpt.save``); only the shown copy is formatted.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from IPython.display import HTML

from workbench.channels import labels as _labels  # noqa: F401 - registers report labels
from workbench.channels.budget import REASONS, Allocation, ResponseFit
from workbench.channels.diagnosis import Diagnosis, localise
from workbench.channels.economics import Economics
from workbench.channels.evaluate import FunnelResults
from workbench.channels.funnel import ConversionTests, TimeToClose
from workbench.channels.matrices import Inventory, Matrix
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, LeadData, Note
from workbench.channels.stats import ADJUST_NAMES

FORMATS: dict[str, str] = {
    **dict.fromkeys(["revenue", "gross_margin", "aov", "spend", "cac", "current_spend", "recommended_spend",
                     "change", "low_bound", "high_bound", "expected_value_current", "expected_value_recommended",
                     "value_change", "change_low", "change_high", "budget", "expected_value", "value_low",
                     "value_high", "change_vs_current", "value_current_split", "value_per_unit", "revenue_prev"],
                    "money"),
    **dict.fromkeys(["roas", "marginal_roas", "marginal_roas_current", "marginal_roas_recommended", "exponent",
                     "exponent_ci_low", "exponent_ci_high", "ratio", "revenue_ratio", "budget_multiple"], "num2"),
    **dict.fromkeys(["conversion_rate", "ci_low", "ci_high", "open_share", "win_rate_closed", "shrunk_rate",
                     "rate_a", "rate_b", "difference", "margin_rate", "roi", "revenue_growth", "growth_ci_low",
                     "growth_ci_high", "sell_through", "share", "effect", "main_gap_effect", "rate_from",
                     "rate_from_low", "rate_from_high", "benchmark_rate_from", "change_pct", "closed_by_30d",
                     "closed_by_60d", "closed_by_90d", "closed_by_180d", "share_of_shortfall", "won_rate_after",
                     "benchmark_share", "rate", "benchmark_rate", "won_ci_low", "won_ci_high"], "pct"),
    **dict.fromkeys(["leads", "won", "lost", "open", "n", "months", "orders", "new_customers", "skus",
                     "overstock_skus", "nps_n", "csat_n", "responses", "n_from", "closed", "censored", "entered",
                     "resolved", "advanced", "closed_after", "leads_a", "leads_b", "leads_all", "rank", "step",
                     "on_hand", "units_sold", "overstock_units", "groups", "df"], "int"),
    **dict.fromkeys(["median_days", "median_ci_low", "median_ci_high", "p75_days", "benchmark_median_days",
                     "nps_mean", "csat_mean", "nps_score", "cover_months", "units_per_month", "expected_won",
                     "shortfall", "expected_outcome", "chi2", "nps_ci_low", "nps_ci_high"], "num"),
}

P_COLUMNS = ("p_value", "p_adj", "nps_p_adj")


def _html(parts) -> HTML:
    return HTML("".join(p.data if hasattr(p, "data") else str(p) for p in parts if p is not None))


def fmt_p(p) -> str:
    """``0.0123`` -> ``0.012``; below 0.001 -> ``<0.001``; missing -> ``–``."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def p_text(p) -> str:
    """``p = 0.012`` or ``p < 0.001`` (for sentences)."""
    t = fmt_p(p)
    return f"p {t[0]} {t[1:]}" if t.startswith("<") else f"p = {t}"


def show_notes(rpt, notes: list[Note] | list[tuple]):
    """Every note as a note box; nothing when there is none."""
    parts = []
    for n in notes or []:
        if isinstance(n, Note):
            parts.append(n.show(rpt))
        else:
            en, zh, values = n
            parts.append(rpt.note(en, zh, **values))
    return _html(parts) if parts else None


def show_table(rpt, df: pd.DataFrame, name: str | None = None, columns: list[str] | None = None,
               max_rows: int = 60, empty: tuple[str, str] | None = None, shown: pd.DataFrame | None = None,
               caption: str | None = None, formats: dict[str, str] | None = None):
    """Save ``df`` as the result table ``name`` and show it formatted (p-values as text, known formats).

    ``shown`` replaces the rows displayed (e.g. the latest periods of a long table); ``empty`` is the
    note shown instead of an empty table.
    """
    if name:
        rpt.save(df, name)
    view = df if shown is None else shown
    if view is None or view.empty:
        en, zh = empty or ("Nothing to show.", "没有可显示的内容。")
        return rpt.note(en, zh)
    view = view[[c for c in columns if c in view.columns]] if columns else view
    view = view.copy()
    for c in P_COLUMNS:
        if c in view:
            view[c] = [fmt_p(v) for v in view[c]]
    if "channel_id" in view:
        view["channel_id"] = view["channel_id"].replace({UNKNOWN: rpt.text("(unknown)", "（未知来源）"),
                                                         "(total)": rpt.text("(total)", "（合计）"),
                                                         "(all)": rpt.text("(all)", "（全部）")})
    if "level" in view:
        view["level"] = view["level"].replace({"rep": rpt.text("rep", "销售"), "region": rpt.text("region", "区域")})
    for c in ("reason",):
        if c in view:
            i = 1 if rpt.lang == "zh" else 0
            view[c] = [REASONS[r][i] if r in REASONS else ("固定" if r == "held_fixed" and i else
                                                         "held fixed" if r == "held_fixed" else r)
                       for r in view[c].fillna("")]
    for c in ("cover_months",):
        if c in view:
            view[c] = [("∞" if np.isinf(v) else f"{v:,.1f}") if isinstance(v, float) and not np.isnan(v) else "–"
                       for v in view[c]]
    # the shared label of "insufficient_data" is a cell word ("insufficient data"); the header needs its own
    view = view.rename(columns={"insufficient_data": "insufficient_data_flag"})
    formats = {**{c: f for c, f in FORMATS.items() if c in view}, **(formats or {})}
    # a column turned into display text (p-values, intervals, ∞) is shown as it is
    formats.update({c: "text" for c in view.columns if not pd.api.types.is_numeric_dtype(view[c])
                    and not pd.api.types.is_datetime64_any_dtype(view[c]) and len(view)
                    and view[c].map(lambda v: isinstance(v, str)).all()})
    return HTML(rpt.table_html(view, formats, caption, max_rows, name=name, total=len(view)))


# ----------------------------------------------------------------------------- headline


def headline(ld: LeadData, res: FunnelResults) -> dict:
    """The report's headline: the weakest channel, its failing stage and the rate around it."""
    conv = res.conversion
    diag = res.diagnosis
    n = int(conv["leads"].sum())
    om = res.tests.omnibus
    if diag.weakest is None and om["groups"] >= 2 and np.isfinite(om["p_value"]):
        return {"en": "No channel converts significantly below the others: {k} channels, {n} leads in mature cohorts, "
                      "conversion {lo}–{hi} (chi-square {p}).",
                "zh": "没有渠道的转化率显著低于其他渠道：{k} 个渠道、成熟批次共 {n} 条线索，转化率 {lo}–{hi}（卡方检验 {p}）。",
                "k": om["groups"], "n": n, "p": p_text(om["p_value"]),
                "lo": f"{res.funnel_plot.loc[~res.funnel_plot['insufficient_data'], 'conversion_rate'].min():.1%}",
                "hi": f"{res.funnel_plot.loc[~res.funnel_plot['insufficient_data'], 'conversion_rate'].max():.1%}"}
    if diag.weakest is None:
        return {"en": "{n} leads in mature cohorts across {k} source(s): too few channels with enough data to compare.",
                "zh": "成熟批次共 {n} 条线索、{k} 个来源：有足够数据可比较的渠道太少。",
                "n": n, "k": int(conv["channel_id"].nunique())}
    s = diag.summary.set_index("channel_id").loc[diag.weakest]
    c = conv.set_index("channel_id").loc[diag.weakest]
    others = conv.loc[(conv["channel_id"] != diag.weakest) & (conv["channel_id"] != UNKNOWN)]
    other_rate = others["won"].sum() / max(others["leads"].sum(), 1)
    label = ld.label(diag.weakest)
    values = {"ch": label, "rate": f"{c['conversion_rate']:.1%}", "lo": f"{c['ci_low']:.1%}",
              "hi": f"{c['ci_high']:.1%}", "n": int(c["leads"]), "other": f"{other_rate:.1%}"}
    en = "Weakest channel: {ch} converts {rate} of leads (95% CI {lo}–{hi}, n = {n}) against {other} elsewhere"
    zh = "最弱渠道：{ch} 的线索转化率为 {rate}（95% 区间 {lo}–{hi}，n = {n}），其他渠道为 {other}"
    if isinstance(s["failing_from"], str) and s["failing_from"] != "lead":
        to = s["failing_to"] if s["failing_to"] != "won" else "won"
        to_zh = s["failing_to"] if s["failing_to"] != "won" else "赢单"
        values.update(a=s["failing_from"], b=to, b_zh=to_zh, r1=f"{s['rate_from']:.0%}",
                      r2=f"{s['benchmark_rate_from']:.0%}")
        en += "; it fails from {a} to {b}: P(won | reached {a}) is {r1} against {r2}."
        zh += "；薄弱环节在 {a} → {b_zh}：到达 {a} 后的赢单率为 {r1}，基准为 {r2}。"
    else:
        en += "; no single stage is significantly below the benchmark."
        zh += "；没有哪个阶段显著低于基准。"
    return {"en": en, "zh": zh, **values}


def cohort_sentence(ld: LeadData, params: ChannelParams) -> dict:
    """What the conversion rates are computed on (mature cohorts) and how many leads are left out."""
    lf = ld.leads
    m = lf.loc[lf["mature"]]
    if m.empty:
        return {"en": "No creation cohort is mature yet (a cohort needs {d} days after its last day): conversion "
                      "rates below would be biased by open leads, so they are not computed.",
                "zh": "尚无成熟的创建批次（批次结束后需满 {d} 天）：未关闭线索会使转化率偏低，因此不计算。",
                "d": params.mature_after_days}
    still_open = (m["status"] == "open").mean()
    warn_en = warn_zh = ""
    if still_open > 0.10:
        warn_en = (" That is many: conversion rates are lower bounds, and the win rate of closed leads beside them "
                   "an upper bound.")
        warn_zh = " 占比较高：转化率应视为下限，旁边的已关闭线索赢单率则为上限。"
    return {"en": "Rates use the {n} leads created {first} … {last}: cohorts whose last day is at least {d} days "
                  "before the analysis date {as_of}. The {young} younger leads are left out because many are still "
                  "open; {open} of the leads used are still open and count as not won." + warn_en,
            "zh": "转化率基于 {first} … {last} 创建的 {n} 条线索：即结束日距分析基准日 {as_of} 至少 {d} 天的批次。"
                  "较新的 {young} 条线索因多数仍未关闭而不计入；所用线索中仍有 {open} 未关闭，按未赢单计。" + warn_zh,
            "n": len(m), "first": m["cohort"].min(), "last": m["cohort"].max(), "d": params.mature_after_days,
            "as_of": ld.as_of, "young": int((~lf["mature"]).sum()), "open": f"{still_open:.1%}"}


def show_tests(rpt, tests: ConversionTests):
    """The omnibus test sentence and the corrected pairwise table (``pairwise_tests``)."""
    om = tests.omnibus
    parts = []
    if om["groups"] < 2 or not np.isfinite(om["p_value"]):
        parts.append(rpt.note("Fewer than two channels have enough data for a test.",
                              "有足够数据可检验的渠道少于两个。"))
    else:
        verdict_en = "the channels' conversion rates differ" if om["p_value"] < tests.alpha else \
            "no difference between the channels can be shown"
        verdict_zh = "各渠道转化率存在差异" if om["p_value"] < tests.alpha else "无法证明各渠道转化率存在差异"
        parts.append(rpt.say("Chi-square test of equal conversion across {k} channels: χ² = {chi2}, df = {df}, "
                             "{p}: {verdict}. Pairs below are compared with two-proportion z-tests; p-values are "
                             "corrected for {m} comparisons with the {method} method.",
                             "{k} 个渠道转化率相同的卡方检验：χ² = {chi2}，自由度 {df}，{p}：{verdict_zh}。"
                             "下表两两比较采用双比例 z 检验，并用 {method} 方法对 {m} 次比较做多重校正。",
                             k=om["groups"], chi2=f"{om['chi2']:.1f}", df=om["df"], p=p_text(om["p_value"]),
                             verdict=verdict_en, verdict_zh=verdict_zh, m=len(tests.pairwise),
                             method=ADJUST_NAMES[tests.method][0]))
    if tests.left_out:
        parts.append(rpt.note("Left out of tests and ranking (insufficient data): {ids}.",
                              "因数据不足未参与检验和排名：{ids}。", ids=", ".join(tests.left_out)))
    parts.append(show_table(rpt, tests.pairwise, "pairwise_tests",
                            ["channel_a", "channel_b", "leads_a", "leads_b", "rate_a", "rate_b", "difference",
                             "p_value", "p_adj", "significant"],
                            empty=("No pairs to compare.", "没有可比较的渠道对。")))
    return _html(parts)


def show_stage_funnel(rpt, res: FunnelResults):
    """Mature leads reaching each stage per channel, with their share of the channel's leads (``stage_funnel``)."""
    sf = res.stage_funnel
    if sf.empty:
        return show_table(rpt, sf, "stage_funnel", empty=("No stages: the funnel is leads → won only.",
                                                          "没有阶段数据：漏斗只有线索 → 赢单。"))
    won = rpt.text("won", "赢单")
    view = sf.assign(cell=[f"{r:,} ({s:.0%})" for r, s in zip(sf["reached"], sf["share"], strict=True)],
                     stage=sf["stage"].replace({"won": won}))
    order = list(dict.fromkeys(view.sort_values("order")["stage"]))
    wide = view.pivot(index="channel_id", columns="stage", values="cell").reindex(columns=order).reset_index()
    return show_table(rpt, sf, "stage_funnel", shown=wide)


def show_drivers(rpt, diag: Diagnosis):
    """Reps and regions behind each failing span (``diagnosis_drivers``), rate with its interval."""
    d = diag.drivers
    if d.empty:
        return show_table(rpt, d, "diagnosis_drivers", empty=("No failing stage to break down.",
                                                              "没有需要拆分的薄弱阶段。"))
    view = d.copy()
    view["rate_ci"] = [f"{r:.1%} ({lo:.1%} … {hi:.1%})" for r, lo, hi in zip(d["rate"], d["ci_low"], d["ci_high"],
                                                                            strict=True)]
    return show_table(rpt, d, "diagnosis_drivers", shown=view, max_rows=40,
                      columns=["channel_id", "level", "key", "name", "closed", "won", "rate_ci", "benchmark_rate",
                               "shortfall", "share_of_shortfall", "insufficient_data"])


def show_time_to_close(rpt, ttc: TimeToClose):
    """The log-rank sentence and the Kaplan-Meier summary table (``time_to_close``)."""
    parts = []
    lr = ttc.logrank
    if np.isfinite(lr["p_value"]):
        parts.append(rpt.say("Log-rank test that all channels close at the same pace: χ² = {chi2}, df = {df}, {p}.",
                             "各渠道关闭速度相同的 log-rank 检验：χ² = {chi2}，自由度 {df}，{p}。",
                             chi2=f"{lr['chi2']:.1f}", df=lr["df"], p=p_text(lr["p_value"])))
    if ttc.excluded:
        parts.append(rpt.note("{n} lead(s) without a usable close date are left out of time to close.",
                              "{n} 条线索没有可用的关闭日期，不计入成交周期。", n=ttc.excluded))
    s = ttc.summary
    view = s.copy()
    view["median_ci"] = [f"{m:.0f} ({lo:.0f} … {hi:.0f})" if np.isfinite(m) and np.isfinite(lo) and np.isfinite(hi)
                         else (f"{m:.0f}" if np.isfinite(m) else "–")
                         for m, lo, hi in zip(s["median_days"].astype(float), s["median_ci_low"].astype(float),
                                              s["median_ci_high"].astype(float), strict=True)]
    parts.append(show_table(rpt, s, "time_to_close", shown=view,
                            columns=["channel_id", "leads", "closed", "censored", "median_ci", "p75_days",
                                     "closed_by_30d", "closed_by_60d", "closed_by_90d"],
                            empty=("No lead has closed yet.", "尚无已关闭的线索。")))
    return _html(parts)


# ----------------------------------------------------------------------------- diagnosis


def _value_text(rpt, comp: str, v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if comp in ("stage", "conversion"):
        return f"{v:.1%}"
    if comp == "deal_size":
        from workbench.report import fmt_money

        return fmt_money(v, rpt.currency)
    if comp == "cycle_time":
        return rpt.text("{d} days", "{d} 天", d=f"{v:.0f}")
    if comp in ("nps", "csat"):
        return f"{v:.2f}"
    return f"{v:,.1f}"


def show_diagnosis(rpt, diag: Diagnosis, ld: LeadData):
    """Sentences per channel with a failing stage, the summary table and the ``diagnosis`` table."""
    parts = [show_notes(rpt, diag.notes)]
    if diag.summary.empty:
        rpt.save(diag.components, "diagnosis")
        return _html(parts)
    for _, s in diag.summary.sort_values("shrunk_rate").iterrows():
        if not isinstance(s["failing_from"], str):
            continue
        sp = diag.spread
        rep = sp.loc[(sp["channel_id"] == s["channel_id"]) & (sp["level"] == "rep")] if len(sp) else sp
        values = {"ch": ld.label(s["channel_id"]), "a": s["failing_from"],
                  "b": s["failing_to"] if s["failing_to"] != "won" else rpt.text("won", "赢单"),
                  "r1": f"{s['rate_from']:.1%}", "lo": f"{s['rate_from_low']:.1%}", "hi": f"{s['rate_from_high']:.1%}",
                  "n": int(s["n_from"]), "r2": f"{s['benchmark_rate_from']:.1%}"}
        en = ("{ch}: stages from {a} to {b} fail. Of its closed leads that reached {a}, {r1} were won "
              "(95% CI {lo}–{hi}, n = {n}) against {r2} for the benchmark.")
        zh = "{ch}：{a} → {b} 各阶段薄弱。到达 {a} 的已关闭线索中赢单 {r1}（95% 区间 {lo}–{hi}，n = {n}），基准为 {r2}。"
        if len(rep) and np.isfinite(rep["p_value"].iloc[0]):
            values.update(k=int(rep["groups"].iloc[0]), p=p_text(rep["p_value"].iloc[0]))
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
                             "{ch} 的 NPS 也显著偏低：均值 {nps}（n = {n}）。",
                             ch=ld.label(s["channel_id"]), nps=f"{s['nps_mean']:.1f}", n=int(s["nps_n"])))
    summ = diag.summary.copy()
    won = rpt.text("won", "赢单")
    summ["failing_to"] = summ["failing_to"].replace({"won": won})
    summ["main_gap"] = [_gap_label(rpt, g) for g in summ["main_gap"]]
    parts.append(show_table(rpt, diag.summary, "diagnosis_summary", shown=summ, columns=["channel_id", "channel_name", "shrunk_rate", "revenue_ratio", "main_gap",
                                              "failing_from", "failing_to", "rate_from", "benchmark_rate_from",
                                              "n_from", "nps_mean"]))
    return _html(parts)


def _gap_label(rpt, g) -> str:
    if not isinstance(g, str):
        return "–"
    words = {"volume": ("lead volume", "线索量"), "deal_size": ("deal size", "客单金额"),
             "other": ("open / unknown", "未关闭/未知"), "conversion": ("conversion", "转化率")}
    if g in words:
        return rpt.text(*words[g])
    return g.replace("→ won", "→ " + rpt.text("won", "赢单"))


def show_components(rpt, diag: Diagnosis):
    """The ``diagnosis`` result table: every component of every channel's gap."""
    comp = localise(diag, rpt.lang)
    if comp.empty:
        rpt.save(diag.components, "diagnosis")
        return rpt.note("Nothing to diagnose.", "没有可诊断的渠道。")
    view = comp.copy()
    view["value"] = [_value_text(rpt, c, v) for c, v in zip(view["component"], view["value"], strict=True)]
    view["benchmark_value"] = [_value_text(rpt, c, v) for c, v in zip(view["component"], view["benchmark_value"],
                                                                      strict=True)]
    view["significant"] = ["–" if pd.isna(p) else rpt.t("yes") if bool(sig) else rpt.t("no")
                           for sig, p in zip(view["significant"], view["p_adj"], strict=True)]
    return show_table(rpt, comp, "diagnosis", ["channel_id", "component_label", "value", "benchmark_value", "effect", "n",
                                        "p_adj", "significant", "failing"], max_rows=80, shown=view,
                      caption=rpt.text("Benchmark: {b}. Effect = change of won revenue caused by that factor alone.",
                                       "基准：{b}。影响 = 仅由该因素造成的赢单收入变化。",
                                       b=rpt.text("the other channels pooled", "其他渠道合计")
                                       if diag.benchmark == "others" else rpt.text("the best channel", "最佳渠道")))


# ----------------------------------------------------------------------------- economics


def _interval_text(v, lo, hi, pct: bool = True, digits: int = 1) -> str:
    if v is None or not np.isfinite(v):
        return "–"
    f = (lambda x: f"{x:+.{digits}%}") if pct else (lambda x: f"{x:.{digits}f}")
    if lo is None or not np.isfinite(lo) or not np.isfinite(hi):
        return f(v)
    return f"{f(v)} ({f(lo)} … {f(hi)})"


def show_economics_summary(rpt, econ: Economics):
    """The summary table of the economics section (``channel_economics_summary``), trend with its interval."""
    s = econ.summary
    if s.empty:
        return show_table(rpt, s, "channel_economics_summary",
                          empty=("No orders: channel economics are not available.", "没有订单：无法计算渠道经济性。"))
    view = s.copy()
    view["trend"] = [_interval_text(v, lo, hi) for v, lo, hi in zip(s["revenue_growth"], s["growth_ci_low"],
                                                                   s["growth_ci_high"], strict=True)]
    return show_table(rpt, s, "channel_economics_summary", shown=view,
                      columns=["channel_id", "channel_name", "revenue", "margin_rate", "orders", "aov",
                               "new_customers", "spend", "cac", "roi", "roas", "trend"])


def show_economics(rpt, econ: Economics):
    """Notes and the window sentence of the economics section."""
    parts = [show_notes(rpt, econ.notes)]
    if econ.window:
        parts.append(rpt.say("Summary over {a} … {b} (the last complete months); trend = average growth of monthly "
                             "revenue per month, from a log-linear fit with its 95% interval.",
                             "汇总区间为 {a} … {b}（最近的完整月份）；趋势 = 月收入的月均增速（对数线性拟合，含 95% 区间）。",
                             a=econ.window[0], b=econ.window[1]))
    return _html(parts)


def show_inventory(rpt, inv: Inventory, params: ChannelParams):
    """Notes (stale snapshot) and the per-channel and overstock tables."""
    parts = [show_notes(rpt, inv.notes)]
    if not inv.available:
        return _html(parts)
    parts.append(show_table(rpt, inv.by_channel, "inventory_cover",
                            ["channel_id", "channel_name", "skus", "on_hand", "units_per_month",
                             "cover_months", "sell_through", "overstock_skus", "overstock_units"]))
    over = inv.by_sku.loc[inv.by_sku["overstock"]]
    parts.append(rpt.say("{k} channel-product pairs hold more than {m} months of sales (or stock with no sales in the "
                         "window); the largest by units:",
                         "{k} 个渠道-产品组合的库存超过 {m} 个月的销量（或窗口期内无销量），按件数排序如下：",
                         k=len(over), m=f"{params.overstock_months:g}"))
    parts.append(show_table(rpt, inv.by_sku, "inventory_overstock",
                            ["channel_id", "channel_name", "product_id", "on_hand", "units_per_month", "cover_months",
                             "sell_through"], max_rows=15, shown=over.sort_values("on_hand", ascending=False),
                            empty=("No overstock.", "没有积压。")))
    return _html(parts)


def show_matrix(rpt, m: Matrix):
    """Notes and the wide share table of one matrix (``matrix_<dimension>``)."""
    parts = [show_notes(rpt, m.notes)]
    if m.available:
        shares = {c: "pct" for c in m.wide.columns if c not in ("channel_id", "channel_name", "revenue", "orders")}
        parts.append(show_table(rpt, m.long, f"matrix_{m.dimension}", shown=m.wide, max_rows=30, formats=shares))
    return _html(parts)


# ----------------------------------------------------------------------------- budget


def show_curves(rpt, fit: ResponseFit):
    """Notes, the carry-over sentence and the ``response_curves`` table."""
    parts = [show_notes(rpt, fit.notes)]
    if fit.curves.empty:
        return _html(parts)
    if np.isfinite(fit.carry_over):
        parts.append(rpt.say(
            "Carry-over λ = {lam} (95% interval {lo}–{hi}): {share} of a month's spend still works the month after. "
            "Exponent b: doubling a channel's spend multiplies what it drives by 2^b.",
            "滞后系数 λ = {lam}（95% 区间 {lo}–{hi}）：当月费用的 {share} 在下月仍起作用。弹性 b：渠道费用翻倍，"
            "其带来的产出乘以 2^b。",
            lam=f"{fit.carry_over:.2f}", lo=f"{fit.carry_over_ci[0]:.2f}", hi=f"{fit.carry_over_ci[1]:.2f}",
            share=f"{fit.carry_over:.0%}"))
    view = fit.curves.copy()
    view["metric"] = view["metric"].map({"leads": rpt.text("leads", "线索"), "orders": rpt.text("orders", "订单"),
                                         "revenue": rpt.text("revenue", "收入"), "none": "–"})
    view["exponent_ci"] = [_interval_text(v, lo, hi, pct=False, digits=2) for v, lo, hi in
                           zip(view["exponent"], view["exponent_ci_low"], view["exponent_ci_high"], strict=True)]
    parts.append(show_table(rpt, fit.curves, "response_curves",
                            ["channel_id", "channel_name", "metric", "months", "exponent_ci", "seasonality",
                             "value_per_unit", "current_spend", "expected_outcome", "marginal_roas", "reason"],
                            shown=view))
    return _html(parts)


def show_plan(rpt, al: Allocation, params: ChannelParams):
    """The plan sentence, its notes and the ``budget_recommendation`` table."""
    parts = [show_notes(rpt, al.notes)]
    if al.table.empty:
        rpt.save(al.table, "budget_recommendation")
        return _html(parts)
    what = {"revenue": ("revenue", "收入"), "margin": ("gross margin", "毛利"), "target": ("revenue", "收入")}[
        al.objective]
    if al.feasible and np.isfinite(al.change):
        parts.append(rpt.say(
            "Recommended monthly split of {budget} (now {current}): expected {what} driven by spend changes by "
            "{change} per month (95% interval {lo} to {hi}), from {base}. Each channel may move between −{dec} and "
            "+{inc}{own}; held fixed: {held}.",
            "建议的月度预算 {budget}（当前 {current}）分配：由费用驱动的预期{what_zh}每月变化 {change}（95% 区间 {lo} 至 {hi}），"
            "当前为 {base}。每个渠道的调整幅度在 −{dec} 与 +{inc} 之间{own}；固定不变：{held}。",
            own=("" if not params.channel_limits else " (" + ", ".join(
                f"{c}: −{a:.0%} / +{b:.0%}" for c, (a, b) in params.channel_limits.items()) + ")"),
            budget=_m(rpt, al.budget), current=_m(rpt, al.current_total), what=what[0], what_zh=what[1],
            change=_m(rpt, al.change, sign=True), lo=_m(rpt, al.change_low, sign=True),
            hi=_m(rpt, al.change_high, sign=True), base=_m(rpt, al.value_current),
            dec=f"{params.max_decrease:.0%}", inc=f"{params.max_increase:.0%}",
            held=", ".join(params.hold_fixed) or rpt.text("none", "无")))
    mr = al.table["marginal_roas_current"].dropna()
    if len(mr) and (mr < 1).all():
        parts.append(rpt.say(
            "At today's spend every modelled channel returns less than one unit of {what} per extra unit spent "
            "(marginal ROAS {lo}–{hi}): moving money between channels helps, adding money does not pay back in "
            "{what} alone.",
            "在当前投入下，每个建模渠道每多投入 1 元带来的{what_zh}都不足 1 元（边际 ROAS {lo}–{hi}）：在渠道间调配预算有益，"
            "但仅以{what_zh}衡量，追加预算无法收回成本。",
            what=what[0], what_zh=what[1], lo=f"{mr.min():.2f}", hi=f"{mr.max():.2f}"))
    view = al.table.copy()
    view["value_change_ci"] = [
        f"{_m(rpt, v, True)} ({_m(rpt, lo, True)} … {_m(rpt, hi, True)})" if np.isfinite(v) else "–"
        for v, lo, hi in zip(view["value_change"].astype(float), view["change_low"].astype(float),
                             view["change_high"].astype(float), strict=True)]
    parts.append(show_table(rpt, al.table, "budget_recommendation",
                            ["channel_id", "channel_name", "current_spend", "recommended_spend", "change_pct",
                             "value_change_ci", "marginal_roas_current", "marginal_roas_recommended", "reason"],
                            shown=view))
    return _html(parts)


def _m(rpt, v, sign: bool = False) -> str:
    from workbench.report import fmt_money

    if v is None or not np.isfinite(v):
        return "–"
    s = fmt_money(v, rpt.currency)
    return ("+" + s) if sign and v > 0 else s
