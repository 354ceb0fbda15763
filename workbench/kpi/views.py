"""What the KPI notebook shows: each function renders one section (tables, figures, notes) with a Report.

Computation lives in the other modules; these functions only choose what to show,
in which order, and say in words when a section is off and why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench import i18n
from workbench.kpi import actuals as A
from workbench.kpi import formula as F
from workbench.kpi import plots
from workbench.kpi.attainment import review_months
from workbench.kpi.forecast import window

i18n.register({
    "company": ("company", "公司"), "channel": ("channel", "渠道"), "rep": ("rep", "销售代表"),
    "formula": ("Formula", "公式"), "additive": ("Additive", "可加"), "higher_is_better": ("Higher is better", "越高越好"),
    "source": ("Source", "来源"), "window": ("Window", "复盘窗口"), "changes": ("Changes", "调整内容"),
    "revenue_kpi": ("revenue", "收入"), "conversion_rate": ("conversion rate", "转化率"), "margin": ("margin", "毛利率"),
    "new_customers": ("new customers", "新客户数"), "csat": ("CSAT", "满意度 CSAT"), "nps": ("NPS", "NPS"),
    "avg_order_value": ("average order value", "客单价"), "mean_predicted": ("Mean predicted", "平均预测"),
    "p_stage": ("P(won), all channels", "赢单概率（全渠道）"), "status_col": ("Status", "状态"),
    "month": ("month", "月"), "quarter": ("quarter", "季度"), "year": ("year", "年"), "fiscal_year": ("fiscal year", "财年"),
    "fiscal_quarter": ("fiscal quarter", "财季"),
    "rank_range": ("Rank interval", "名次区间"), "learned": ("learned from history", "历史学习"),
    "crm_probability_method": ("CRM probability", "CRM 概率"), "won within 90 days": ("won within 90 days", "90 天内赢单"),
    "won (closed deals)": ("won (closed deals)", "赢单（已结束商机）"),
})


def _display(*objs):
    from IPython.display import display

    for o in objs:
        if o is not None:
            display(o)


ENUMS = ("light", "status", "verdict", "level", "kpi", "phase", "direction", "event")
MONEY = ("revenue", "target", "actual_to_date", "forecast_mean", "forecast_low", "forecast_high", "pipeline_mean",
         "pipeline_low", "pipeline_high", "actual_final", "base_revenue", "gap_vs_base", "volume", "price", "mix",
         "gap_vs_target", "volume_vs_target", "avg_deal_size", "sales", "returns", "credited", "commission",
         "accelerator_extra", "capped", "clawback", "team_bonus", "total_pay", "total_cost", "delta", "max_pay")


def _local(df: pd.DataFrame, rpt) -> pd.DataFrame:
    """A display copy: the workbench's own words (lights, statuses, levels, KPI names) in the report's language."""
    out = df.copy()
    for c in ENUMS:
        if c in out:
            out[c] = out[c].map(lambda v: rpt.t(v) if isinstance(v, str) and v else v).astype("object")
    if "key" in out:
        out["key"] = out["key"].map(lambda v: rpt.t("company") if v == "" else v)
    return out


def _fmts(df: pd.DataFrame, **extra) -> dict:
    f = {c: "money" for c in MONEY if c in df}
    f.update(extra)
    return f


def _where(rpt, name: str) -> str:
    stem = rpt.output_dir.name if rpt.output_dir is not None else "30_kpi_review"
    return f"tables/{stem}/{name}.csv"


def show_notes(kd: A.KpiData, rpt, section: str | None = None) -> None:
    """Show (once) the notes collected so far, of one section or all."""
    shown = getattr(kd, "_shown", set())
    for i, n in enumerate(kd.notes):
        if i in shown or (section is not None and n.section != section):
            continue
        _display(rpt.note(n.en, n.zh, **n.values))
        shown.add(i)
    kd._shown = shown


def kpi_definitions(kd: A.KpiData) -> pd.DataFrame:
    """The KPIs reviewed: formula over base measures, additivity, direction, source table."""
    return pd.DataFrame([{"kpi": k, "formula": v["formula"], "additive": v["additive"],
                          "higher_is_better": v["higher_is_better"], "source": v["source"]}
                         for k, v in kd.kpis.items()])


def headline(kd: A.KpiData, summary: pd.DataFrame, fc: pd.DataFrame, params) -> dict:
    """The report's headline: company revenue attainment over the window, the worst key, its P(hit)."""
    a0, a1 = review_months(kd, params)
    from workbench.kpi.periods import month_label

    win = f"{month_label(a0)}..{month_label(a1)}"
    rev = kd.orders.loc[(kd.orders["month"] >= a0) & (kd.orders["month"] <= a1), "amount"].sum()
    s = summary.loc[summary["kpi"] == "revenue"] if len(summary) else summary
    comp = s.loc[s["level"] == "company"] if len(s) else s
    if len(s) == 0:
        return {"en": "Revenue {win}: {rev} (no revenue targets, so no attainment).",
                "zh": "{win} 收入 {rev}（无收入目标，未计算达成率）。", "win": win, "rev": f"{rev:,.0f}"}
    lv = [x for x in ("region", "channel", "team") if x in set(s["level"])]
    worst = s.loc[s["level"] == lv[0]].sort_values("attainment").iloc[0] if lv else None
    vals = {"win": win, "att": f"{comp['attainment'].iloc[0]:.1%}" if len(comp) else "–"}
    en = "Revenue {win}: {att} of target for the company."
    zh = "{win} 公司收入目标达成率 {att}。"
    if worst is not None:
        n_red = int((s.loc[s["level"] == lv[0], "light"] == "red").sum())
        vals.update(level=lv[0], level_zh=i18n.t(lv[0], "zh"), n_red=n_red,
                    n_all=int((s["level"] == lv[0]).sum()), worst=worst["key"], worst_att=f"{worst['attainment']:.1%}")
        en += " {n_red} of {n_all} {level}s red; worst {worst} at {worst_att}"
        zh += " {n_all} 个{level_zh}中 {n_red} 个红灯；最差为{worst}，达成率 {worst_att}"
        f = fc.loc[(fc["level"] == lv[0]) & (fc["key"] == worst["key"])] if len(fc) else fc
        if len(f) and pd.notna(f["p_hit"].iloc[0]):
            vals.update(p=f"{f['p_hit'].iloc[0]:.0%}", period=str(f["period"].iloc[0]))
            en += ", P(hit {period} target) {p}"
            zh += "，完成 {period} 目标的概率 {p}"
        en += "."
        zh += "。"
    return {"en": en, "zh": zh, **vals}


def show_attainment(att: pd.DataFrame, summary: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """Window summary (worst first), the heatmap per level, and the full attainment table (saved)."""
    if kd.targets is None:
        _display(rpt.note("No targets table: attainment, traffic lights and P(hit target) are switched off.",
                          "没有目标表（targets）：达成率、信号灯和达成概率均已关闭。"))
        return
    if att.empty:
        _display(rpt.note("No target matches a reviewed KPI and level.", "没有与所复盘 KPI 和级别相符的目标。"))
        show_notes(kd, rpt, "targets")
        return
    _display(rpt.say("Review window {win}, {gran} periods; lights: green from {g}, amber from {a}, red below. "
                     "n is the sample behind each number (orders, leads, responses).",
                     "复盘窗口 {win}，按{gran}统计；信号灯：达成率 ≥ {g} 为绿，≥ {a} 为黄，其余为红。n 为每个数字背后的样本量（订单、线索、反馈）。",
                     win=summary["window"].iloc[0] if len(summary) else "–", gran=rpt.t(params.period),
                     g=f"{params.green_at:.0%}", a=f"{params.amber_at:.0%}"))
    rpt.save(summary, "attainment_summary")
    fmt_of = {"money": "money", "int": "int", "pct": "pct", "num2": "num2", "num": "num"}
    for k, info in kd.kpis.items():
        part = summary.loc[(summary["kpi"] == k) & (summary["level"] != "rep")]
        if part.empty:
            continue
        f = fmt_of.get(info["format"], "num")
        _display(rpt.table(_local(part, rpt), columns=["level", "key", "actual", "target", "attainment", "light",
                                                       "periods", "red_periods", "n"],
                           formats={"actual": f, "target": f, "n": "int", "periods": "int", "red_periods": "int"},
                           max_rows=40, caption=rpt.text("{kpi}: attainment over the review window, worst first "
                                                         "(reps: see the scorecards)",
                                                         "{kpi}：复盘窗口内的达成率（由差到好；销售代表见记分卡）",
                                                         kpi=rpt.t(k)[:1].upper() + rpt.t(k)[1:])))
    for level in [lv for lv in ("region", "channel", "team") if lv in set(att["level"])]:
        _display(rpt.figure(plots.attainment_heatmap(att, rpt, "revenue", level, params.review_periods)))
    rpt.save(att, "attainment")
    last = summary["window"].iloc[0].split("..")[-1] if len(summary) else None
    latest = att.loc[(att["level"] != "rep") & (att["light"] == "red")]
    if last is not None:
        from workbench.kpi.periods import label, months_of

        lab = label(months_of(last)[0], params.period, kd.fy_start)
        latest = latest.loc[latest["period"] == lab]
    red_reps = att.loc[(att["level"] == "rep") & (att["light"] == "red")]
    _display(rpt.table(_local(latest.sort_values("attainment"), rpt),
                       columns=["period", "level", "key", "kpi", "actual", "target", "attainment", "n"],
                       formats={"actual": "num", "target": "num", "n": "int"}, max_rows=30,
                       caption=rpt.text("Red in the latest period (reps: {r} red rep-periods in the file); every period "
                                        "with a target is in {f}",
                                        "最近一期的红灯（销售代表层级共 {r} 个红灯人·期，见文件）；所有有目标的期间见 {f}",
                                        r=len(red_reps), f=_where(rpt, "attainment"))))
    show_notes(kd, rpt, "targets")


def show_gap(gap: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """The gap split table and chart."""
    show_notes(kd, rpt, "gap")
    if gap.empty:
        return
    _display(rpt.say("Base {base}: the plan is read as the base period scaled to the target (same prices, same mix), "
                     "so 'volume vs plan' is the volume short of (or above) that plan; price is what the same products "
                     "sold for more or less; mix is the shift between cheaper and dearer products. The three add up to "
                     "the gap exactly.",
                     "基期 {base}：目标视为把基期按比例放大（价格和产品结构不变），因此“销量（对目标）”是相对该计划的销量差，"
                     "价格影响是同一产品卖贵或卖便宜的部分，结构影响是产品高低价结构变化的部分；三者之和正好等于差距。",
                     base=gap["base"].iloc[0]))
    gap = gap.loc[gap["key"] != A.UNATTRIBUTED]
    rpt.save(gap, "gap_split")
    _display(rpt.table(_local(gap, rpt), formats=_fmts(gap),
                       columns=["key", "base_revenue", "revenue", "target", "gap_vs_target", "volume_vs_target", "price",
                                "mix", "gap_vs_base", "volume"]))
    _display(rpt.figure(plots.gap_split(gap, rpt)))


def show_forecast(fc: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """Forecast table (saved) and one chart per level."""
    win = window(kd, params)
    _display(rpt.say("Forecast of {period} revenue standing on {cutoff}: actual to date plus an exponential-smoothing "
                     "run-rate for the {m} month(s) left ({iv} interval), with a damped trend or month-of-year "
                     "indices where they improve the fit (Model column: A,Ad = damped trend, x seasonal index = "
                     "seasonality); P(hit target) is the share of simulated paths "
                     "that reach the target. The open pipeline ({draws} Monte Carlo draws) shows how much of the rest is "
                     "already in open deals.",
                     "站在 {cutoff} 预测 {period} 收入：截至目前的实际加上剩余 {m} 个月的指数平滑趋势预测（{iv} 区间），"
                     "在能改善拟合时加入阻尼趋势或月度季节指数（“模型”列：A,Ad 为阻尼趋势，x seasonal index 为季节性）；"
                     "达成概率为模拟路径中达到目标的比例。在途商机（{draws} 次蒙特卡洛模拟）显示剩余部分有多少已在商机中。",
                     period=win.period, cutoff=win.cutoff.date().isoformat(),
                     m=f"{sum(w for _, w in win.remaining):.1f}", iv=f"{params.interval:.0%}", draws=params.draws))
    if win.closed:
        _display(rpt.note("The period {period} is already over at the cutoff: the forecast equals the actual.",
                          "截止日 {period} 已结束：预测即实际。", period=win.period))
    show_notes(kd, rpt, "forecast")
    if fc.empty:
        return
    fmts = _fmts(fc, p_hit="pct", p_pipeline_covers_gap="pct", n_months="int", pipeline_deals="int")
    cols = ["level", "key", "target", "actual_to_date", "forecast_mean", "forecast_low", "forecast_high",
            "expected_attainment", "p_hit", "pipeline_deals", "pipeline_mean", "model"]
    if fc["actual_final"].notna().any():
        cols.append("actual_final")
    rpt.save(fc, "forecast")
    _display(rpt.table(_local(fc.loc[fc["level"] != "rep"], rpt), columns=cols, formats=fmts, max_rows=80,
                       caption=rpt.text("Reps are in {f}", "销售代表层级见 {f}", f=_where(rpt, "forecast"))))
    for level in [lv for lv in ("region", "channel", "team") if lv in set(fc["level"])]:
        if fc.loc[fc["level"] == level, "target"].notna().any():
            _display(rpt.figure(plots.forecast_bars(fc, rpt, level)))


def show_calibration(scores: pd.DataFrame, rel: pd.DataFrame, rates: pd.DataFrame, rpt) -> None:
    """Brier scores (learned vs CRM), the reliability plot and the learned stage rates."""
    if scores.empty:
        _display(rpt.note("Win probabilities need leads, stages and enough closed history: calibration is off.",
                          "赢单概率需要线索、阶段表和足够的已结束历史：校准检查已关闭。"))
        return
    rpt.save(scores, "calibration")
    shown = _local(scores, rpt)
    shown["method"] = [rpt.t("learned") if m == "learned" else rpt.t("crm_probability_method") for m in scores["method"]]
    _display(rpt.table(shown, formats={"brier": "num2", "deals": "int", "mean_predicted": "pct",
                                                               "observed": "pct"},
                       caption=rpt.text("Brier score: mean squared error of the probabilities (lower is better)",
                                        "Brier 分数：概率的均方误差（越低越好）")))
    _display(rpt.figure(plots.reliability(rel, scores, rpt)))
    if len(rates):
        _display(rpt.table(rates, formats={"reached": "int", "won": "int", "p_won": "pct", "p_stage": "pct",
                                           "crm_probability": "pct"}, max_rows=80,
                           caption=rpt.text("P(won | reached stage), learned by channel and pooled towards all channels",
                                            "P(赢单 | 到达该阶段)：按渠道学习并向全渠道收缩")))


def show_control(charts: dict, signals: pd.DataFrame, kd: A.KpiData, rpt, params, max_charts: int = 8) -> None:
    """Signals in words (saved), then the charts that signal in the review phase first."""
    if not charts:
        _display(rpt.note("No series long enough for a control chart.", "没有足够长的序列可绘制控制图。"))
        return
    base = params.control_baseline or rpt.text("first 12 months", "前 12 个月")
    _display(rpt.say("Limits frozen on the baseline {b}. A signal is a pattern that noise rarely makes; a point inside "
                     "the limits is not a story.", "控制限冻结在基线期 {b}。信号是噪声很少产生的模式；落在控制限内的点不必解读。",
                     b=base))
    review = signals.loc[signals["phase"] == "review"] if len(signals) else signals
    rpt.save(signals, "control_signals")
    shown = review.sort_values("chart", key=lambda c: c.eq("XmR"), kind="stable") if len(review) else review
    _display(rpt.table(_local(shown, rpt), columns=["chart", "key", "kpi", "rule", "signal"], max_rows=25,
                       caption=rpt.text("Signals after the baseline ({n}); all signals are in {f}",
                                        "基线期之后的信号（{n} 个）；全部信号见 {f}", n=len(review),
                                        f=_where(rpt, "control_signals"))))
    keys = list(dict.fromkeys((r["chart"], r["level"], r["key"], r["kpi"]) for _, r in review.iterrows()))
    keys += [k for k in charts if k not in keys]
    keys.sort(key=lambda k: k[0] == "XmR")
    for k in keys[:max_charts]:
        pts = charts[k]
        chart, level, key, kpi = k
        sig = signals.loc[(signals["chart"] == chart) & (signals["key"] == key) & (signals["kpi"] == kpi)] if len(signals) else None
        title = f"{chart}: {key or rpt.t('company')} — {rpt.t(kpi)}"
        if chart == "p'":
            title += rpt.text(" (Laney, σz = {s})", "（Laney，σz = {s}）", s=f"{pts['sigma_z'].iloc[0]:.2f}")
        _display(rpt.figure(plots.control_chart(pts, rpt, title, chart, sig, kd.actions, level, key)))


def show_scorecard(sc: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """Rep scorecards (saved), the leaderboard table and chart, and per-stage conversion per rep."""
    from workbench.kpi.team import leaderboard

    if kd.leads is None:
        _display(rpt.note("No leads table: win rates, stage conversion and the leaderboard are off.",
                          "没有线索表（leads）：赢单率、阶段转化和排行榜已关闭。"))
    _display(rpt.say("No activity table exists in the data model, so activity is not scored. Win rates count closed "
                     "leads created in the window; intervals are 95% Wilson; reps with fewer than {k} closed leads are "
                     "not ranked.", "数据模型中没有活动量表，因此不评估活动量。赢单率只计窗口内创建且已结束的线索；区间为 95% Wilson；"
                     "已结束线索少于 {k} 条的销售代表不参与排名。", k=params.min_leads))
    fmts = _fmts(sc, orders="int", leads="int", won="int", lost="int", open="int", rank="int", rank_low="int",
                 rank_high="int", cycle_days_median="int", attainment_low="pct", attainment_high="pct")
    rpt.save(sc, "rep_scorecard")
    _display(rpt.table(_local(sc, rpt), formats=fmts, max_rows=80,
                       columns=["rep_id", "name", "team", "status", "revenue", "attainment", "attainment_low",
                                "attainment_high", "won", "lost", "win_rate", "win_rate_low", "win_rate_high",
                                "avg_deal_size", "cycle_days_median"],
                       caption=rpt.text("Rep scorecards (95% intervals); every column is in {f}",
                                        "销售代表记分卡（95% 区间）；全部字段见 {f}", f=_where(rpt, "rep_scorecard"))))
    lb = leaderboard(sc)
    if len(lb):
        _display(rpt.say("The leaderboard ranks the pooled win rate; the rank interval shows which places the data "
                         "cannot tell apart. {n} of {m} ranked reps are distinguishable from the company rate.",
                         "排行榜按收缩后的赢单率排序；名次区间表示数据无法区分的名次范围。{m} 名参与排名的销售代表中有 {n} 名与公司整体赢单率有显著差异。",
                         n=int((lb["verdict"] != "within noise").sum()), m=len(lb)))
        rpt.save(lb, "leaderboard")
        view = _local(lb, rpt)
        view["rank_range"] = [f"{int(a)}–{int(b)}" for a, b in zip(lb["rank_low"], lb["rank_high"], strict=True)]
        _display(rpt.table(view, formats=fmts, max_rows=25,
                           columns=["rank", "rank_range", "rep_id", "name", "team", "won", "lost", "win_rate",
                                    "win_rate_low", "win_rate_high", "win_rate_pooled", "verdict"]))
        _display(rpt.figure(plots.leaderboard(lb, rpt)))


def show_training(tn: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """Training needs (saved) with the reading of 'explained by channel mix'."""
    if kd.leads is None or kd.stages is None:
        _display(rpt.note("Training needs need leads and stages: section off.", "培训需求需要线索表和阶段表：本节已关闭。"))
    _display(rpt.table(tn, name="training_needs", formats={"rep_n": "int", "team_n": "int", "p_value": "num2",
                                                           "q_value": "num2", "channel_expected": "pct", "gap": "pct"},
                       columns=["rep_id", "name", "team", "transition", "rep_rate", "ci_low", "ci_high", "rep_n",
                                "team_rate", "q_value", "channel_expected", "explained_by_channel",
                                "suggested_training"]))
    if len(tn):
        n_coach = int((~tn["explained_by_channel"]).sum())
        _display(rpt.say("{n} flag(s) at a false discovery rate of {a}: {c} call for coaching at the named stage; {e} "
                         "match what the rep's channel mix predicts (a channel problem, not a skills problem).",
                         "在 {a} 的错误发现率下共 {n} 项：{c} 项需要在所列阶段进行辅导；{e} 项与该销售代表的渠道结构预期一致（属于渠道问题，而非技能问题）。",
                         n=len(tn), a=f"{params.alpha:.0%}", c=n_coach, e=len(tn) - n_coach))
    else:
        _display(rpt.say("No rep is significantly below their team at any stage (false discovery rate {a}).",
                         "没有销售代表在任何阶段显著低于所在团队（错误发现率 {a}）。", a=f"{params.alpha:.0%}"))


def show_incentives(inc: pd.DataFrame, wi: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """Pay per rep and period (saved), total cost, the what-if table and the payout curves."""
    if inc.empty:
        _display(rpt.note("No rep-attributed revenue in complete plan periods: no incentives computed.",
                          "完整计划期内没有归属到销售代表的收入：未计算激励。"))
        return
    if kd.targets is None:
        _display(rpt.note("Without targets every rep earns the first tier's rate, with no accelerator.",
                          "没有目标时所有销售代表都按第一档费率计提，无加速。"))
    plan = wi.iloc[0]
    _display(rpt.say("Plan periods: {per}. Total cost {cost} on credited revenue of {rev} ({share}); returns clawed back "
                     "{claw}; {paid} reps paid, the highest {maxp}.",
                     "计划期：{per}。总成本 {cost}，计提收入 {rev}（占 {share}）；退货追回 {claw}；{paid} 人获得奖励，最高 {maxp}。",
                     per=", ".join(sorted(inc["period"].unique())), cost=f"{plan['total_cost']:,.0f}",
                     rev=f"{plan['credited']:,.0f}", share=f"{plan['cost_share']:.2%}",
                     claw=f"{plan['clawback']:,.0f}", paid=int(plan["reps_paid"]), maxp=f"{plan['max_pay']:,.0f}"))
    rpt.save(inc, "incentives")
    per_rep = inc.groupby(["rep_id", "name", "team"], dropna=False, as_index=False)[
        ["credited", "target", "commission", "accelerator_extra", "capped", "clawback", "team_bonus", "total_pay"]].sum()
    per_rep = per_rep.sort_values("total_pay", ascending=False)
    _display(rpt.table(per_rep, formats=_fmts(per_rep), max_rows=20,
                       caption=rpt.text("Pay per rep over the plan periods, highest first; per period in {f}",
                                        "各销售代表在计划期内的应发合计（由高到低）；分期明细见 {f}", f=_where(rpt, "incentives"))))
    wf = _fmts(wi, reps_paid="int", reps_above_target="int", cost_share="pct")
    rpt.save(wi, "incentive_what_if")
    shown = wi.assign(scenario=[rpt.t("plan") if x == "plan" else x for x in wi["scenario"]])
    _display(rpt.table(shown, formats=wf,
                       columns=["scenario", "changes", "total_cost", "delta", "cost_share", "commission", "team_bonus",
                                "max_pay"]))
    _display(rpt.figure(plots.payout_curve(params, rpt)))


def formula_measures() -> pd.DataFrame:
    """The base measures a custom KPI formula may use."""
    return pd.DataFrame({"measure": list(F.MEASURES), "description": list(F.MEASURES.values())})


__all__ = ["show_notes", "kpi_definitions", "headline", "show_attainment", "show_gap", "show_forecast",
           "show_calibration", "show_control", "show_scorecard", "show_training", "show_incentives", "np"]
