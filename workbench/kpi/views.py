"""What the KPI notebook shows: each function renders one section (tables, figures, notes) with a Report.

Computation lives in the other modules; these functions only choose what to show,
in which order, and say in words when a section is off and why. Result tables hold
codes (``ses``, ``won_closed_deals``, ``plan``) and are the same in every language;
words come from :mod:`workbench.kpi.labels` here. Long tables show their top rows
inline; the full table is saved beside the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.kpi import actuals as A
from workbench.kpi import formula as F
from workbench.kpi import plots
from workbench.kpi.attainment import review_months
from workbench.kpi.forecast import SIM_PATHS, backtest_window, window
from workbench.kpi.labels import RULES
from workbench.report import fmt_money, fmt_pct

INLINE = 12
"""Rows a table shows inline; the saved CSV has every row."""


def _display(*objs):
    from IPython.display import display

    for o in objs:
        if o is not None:
            display(o)


ENUMS = ("light", "status", "verdict", "level", "kpi", "phase", "direction", "event", "model", "method", "source")
MONEY = ("revenue", "target", "actual_to_date", "forecast_mean", "forecast_low", "forecast_high", "pipeline_mean",
         "pipeline_low", "pipeline_high", "actual_final", "base_revenue", "gap_vs_base", "volume", "price", "mix",
         "gap_vs_target", "volume_vs_target", "avg_deal_size", "sales", "returns", "credited", "commission",
         "accelerator_extra", "capped", "clawback", "team_bonus", "total_pay", "total_cost", "delta", "max_pay")


def _local(df: pd.DataFrame, rpt) -> pd.DataFrame:
    """A display copy: the workbench's own codes (lights, statuses, levels, KPI names, model forms) in the
    report's language."""
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


def _table(rpt, df: pd.DataFrame, columns=None, formats=None, caption=None, max_rows: int = INLINE,
           period: str | None = None, money: tuple = MONEY):
    """Show ``df`` (display copy, codes in words); money columns say their ``period`` in the header."""
    shown = df[[c for c in columns if c in df.columns]] if columns else df
    fm = dict(formats or {})
    if period:
        ren = {c: f"{rpt.t(c)} ({period})" for c in shown.columns if c in money}
        shown = shown.rename(columns=ren)
        fm = {ren.get(k, k): v for k, v in fm.items()}
    return rpt.table(shown, formats=fm, caption=caption, max_rows=max_rows)


def _p(v) -> str:
    """A p- or q-value: ``< 0.001`` below a thousandth, else three decimals."""
    return "–" if v is None or pd.isna(v) else "< 0.001" if v < 0.001 else f"{v:.3f}"


def show_notes(kd: A.KpiData, rpt, section: str | None = None, title: bool = False) -> None:
    """Show (once) the notes collected so far, of one section or all; ``title`` puts a heading above them
    (only when there is a note left to show, so an empty section never appears)."""
    shown = getattr(kd, "_shown", set())
    todo = [i for i, n in enumerate(kd.notes) if i not in shown and (section is None or n.section == section)]
    if todo and title:
        from IPython.display import HTML

        _display(HTML(f"<h2>{rpt.text('Notes on the inputs', '输入数据说明')}</h2>"))
    for i in todo:
        n = kd.notes[i]
        _display(rpt.note(n.en, n.zh, **n.values))
        shown.add(i)
    kd._shown = shown


def kpi_definitions(kd: A.KpiData) -> pd.DataFrame:
    """The KPIs reviewed: formula over base measures, additivity, direction, source table (codes)."""
    return pd.DataFrame([{"kpi": k, "formula": v["formula"], "additive": v["additive"],
                          "higher_is_better": v["higher_is_better"], "source": v["source"]}
                         for k, v in kd.kpis.items()])


def show_definitions(kd: A.KpiData, rpt) -> None:
    """The KPI definitions in words of the report's language (built-in KPIs), custom ones by formula."""
    d = kpi_definitions(kd)
    view = pd.DataFrame({
        "kpi": [rpt.t(k) for k in d["kpi"]],
        "definition": [rpt.t(f"def_{k}") if f"def_{k}" != rpt.t(f"def_{k}") else
                       rpt.t("def_custom").format(f=f) for k, f in zip(d["kpi"], d["formula"], strict=True)],
        "additive": d["additive"], "higher_is_better": d["higher_is_better"],
        "source": [rpt.t(f"src_{s}") for s in d["source"]]})
    _display(rpt.table(view, max_rows=50))


def headline(kd: A.KpiData, summary: pd.DataFrame, fc: pd.DataFrame, params, currency: str | None = None) -> dict:
    """The report's headline: company revenue attainment over the review window, the worst key, and the
    forecast of the next open period (its P(hit target) where targets cover it)."""
    a0, a1 = review_months(kd, params)
    from workbench.kpi.periods import month_label

    cur = currency or kd.currency
    win = f"{month_label(a0)}..{month_label(a1)}"
    rev = kd.orders.loc[(kd.orders["month"] >= a0) & (kd.orders["month"] <= a1), "amount"].sum()
    vals = {"win": win, "rev": fmt_money(rev, cur)}
    s = summary.loc[summary["kpi"] == "revenue"] if len(summary) else summary
    comp = s.loc[s["level"] == "company"] if len(s) else s
    if len(s) == 0:
        en, zh = "Revenue {win}: {rev} (no revenue targets, so no attainment).", "{win} 收入 {rev}（无收入目标，未计算达成率）。"
    else:
        vals["att"] = fmt_pct(comp["attainment"].iloc[0]) if len(comp) else "–"
        en = "Revenue {win}: {rev}, {att} of target for the company."
        zh = "{win} 公司收入 {rev}，目标达成率 {att}。"
        lv = [x for x in ("region", "channel", "team") if x in set(s["level"])]
        if lv:
            worst = s.loc[s["level"] == lv[0]].sort_values("attainment").iloc[0]
            zh_level = {"region": "地区", "channel": "渠道", "team": "团队"}[lv[0]]
            vals.update(level=lv[0], level_zh=zh_level, n_red=int((s.loc[s["level"] == lv[0], "light"] == "red").sum()),
                        n_all=int((s["level"] == lv[0]).sum()), worst=worst["key"],
                        worst_att=fmt_pct(worst["attainment"]))
            en += " {n_red} of {n_all} {level}s red; worst {worst} at {worst_att}."
            zh += " {n_all} 个{level_zh}中 {n_red} 个红灯；最差为{worst}，达成率 {worst_att}。"
            f = fc.loc[(fc["level"] == lv[0]) & (fc["key"] == worst["key"])] if len(fc) else fc
            if len(f) and pd.notna(f["p_hit"].iloc[0]):
                vals.update(wp=fmt_pct(f["p_hit"].iloc[0]), period=str(f["period"].iloc[0]))
                en += " P({worst} hits its {period} target): {wp}."
                zh += " {worst}完成 {period} 目标的概率：{wp}。"
    c = fc.loc[fc["level"] == "company"] if len(fc) else fc
    if len(c) and pd.notna(c["forecast_mean"].iloc[0]):
        r = c.iloc[0]
        vals.update(period=str(r["period"]), fmean=fmt_money(r["forecast_mean"], cur),
                    flo=fmt_money(r["forecast_low"], cur), fhi=fmt_money(r["forecast_high"], cur),
                    iv=f"{params.interval:.0%}", paths=f"{SIM_PATHS:,}")
        en += " Forecast for {period} (open): {fmean} ({iv} interval {flo}–{fhi})"
        zh += " {period}（未结束）收入预测 {fmean}（{iv} 区间 {flo}–{fhi}）"
        if pd.notna(r["p_hit"]):
            vals["cp"] = fmt_pct(r["p_hit"])
            en += ", P(hit target) {cp} ({paths} simulated paths)."
            zh += "，达成目标的概率 {cp}（{paths} 条模拟路径）。"
        else:
            en += "; no revenue target is set for it yet."
            zh += "；该期间尚未设定收入目标。"
    return {"en": en, "zh": zh, **vals}


def show_attainment(att: pd.DataFrame, summary: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """Window summary (worst first), the heatmap per level, and the red keys of the latest period; the
    full attainment table is saved."""
    if kd.targets is None:
        _display(rpt.note("No targets table: attainment, traffic lights and P(hit target) are switched off.",
                          "没有目标表（targets）：达成率、信号灯和达成概率均已关闭。"))
        return
    if att.empty:
        _display(rpt.note("No target matches a reviewed KPI and level.", "没有与所复盘 KPI 和级别相符的目标。"))
        show_notes(kd, rpt, "targets")
        return
    win = summary["window"].iloc[0] if len(summary) else "–"
    _display(rpt.say("Review window {win}, {gran} periods; lights: green from {g}, amber from {a}, red below. "
                     "n is the sample behind each number (orders, leads, responses). Each KPI shows its worst "
                     "{k} keys here; every key and period is in {f}.",
                     "复盘窗口 {win}，按{gran}统计；信号灯：达成率 ≥ {g} 为绿，≥ {a} 为黄，其余为红。n 为每个数字背后的样本量"
                     "（订单、线索、反馈）。每个 KPI 此处只列最差的 {k} 个对象；全部对象和期间见 {f}。",
                     win=win, gran=rpt.t(params.period), g=f"{params.green_at:.0%}", a=f"{params.amber_at:.0%}",
                     k=str(INLINE), f=_where(rpt, "attainment")))
    rpt.save(summary, "attainment_summary")
    fmt_of = {"money": "money", "int": "int", "pct": "pct", "num2": "num2", "num": "num"}
    for k, info in kd.kpis.items():
        part = summary.loc[(summary["kpi"] == k) & (summary["level"] != "rep")]
        if part.empty:
            continue
        f = fmt_of.get(info["format"], "num")
        _display(_table(rpt, _local(part, rpt), columns=["level", "key", "actual", "target", "attainment", "light",
                                                          "periods", "red_periods", "n"],
                        formats={"actual": f, "target": f, "n": "int", "periods": "int", "red_periods": "int"},
                        period=win if f == "money" else None, money=("actual", "target"),
                        caption=rpt.text("{kpi}: attainment over the review window, worst first (reps: see the "
                                         "scorecards)", "{kpi}：复盘窗口内的达成率（由差到好；销售代表见记分卡）",
                                         kpi=rpt.t(k)[:1].upper() + rpt.t(k)[1:])))
    for level in [lv for lv in ("region", "channel", "team") if lv in set(att["level"])]:
        _display(rpt.figure(plots.attainment_heatmap(att, rpt, "revenue", level, params.review_periods)))
    rpt.save(att, "attainment")
    last = summary["window"].iloc[0].split("..")[-1] if len(summary) else None
    latest = att.loc[(att["level"] != "rep") & (att["light"] == "red")]
    lab = None
    if last is not None:
        from workbench.kpi.periods import label, months_of

        lab = label(months_of(last)[0], params.period, kd.fy_start)
        latest = latest.loc[latest["period"] == lab]
    red_reps = att.loc[(att["level"] == "rep") & (att["light"] == "red")]
    if latest.empty:
        return
    view = _local(latest.sort_values("attainment"), rpt)
    # one column holds several KPIs: each value in its KPI's own format
    kfmt = {k: info["format"] for k, info in kd.kpis.items()}
    for col in ("actual", "target"):
        view[col] = [_value(v, kfmt.get(k, "num"), rpt) for v, k in zip(latest.sort_values("attainment")[col],
                                                                          latest.sort_values("attainment")["kpi"],
                                                                          strict=True)]
    _display(rpt.table(view, columns=["level", "key", "kpi", "actual", "target", "attainment", "n"],
                       formats={"actual": "text", "target": "text", "n": "int"}, max_rows=INLINE,
                       caption=rpt.text("Red in the latest period {p} (reps: {r} red rep-periods in the file)",
                                        "最近一期 {p} 的红灯（销售代表层级共 {r} 个红灯人·期，见文件）",
                                        p=lab or "–", r=str(len(red_reps)))))


def _value(v, kind: str, rpt) -> str:
    if v is None or pd.isna(v):
        return "–"
    if kind == "money":
        return fmt_money(v, rpt.currency)
    if kind == "pct":
        return fmt_pct(v)
    if kind == "int":
        return f"{int(round(float(v))):,}"
    return f"{float(v):,.2f}" if kind == "num2" else f"{float(v):,.1f}"


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
    a0, a1 = review_months(kd, params)
    from workbench.kpi.periods import month_label

    _display(_table(rpt, _local(gap, rpt), formats=_fmts(gap),
                    columns=["key", "base_revenue", "revenue", "target", "gap_vs_target", "volume_vs_target", "price",
                             "mix", "gap_vs_base", "volume"],
                    period=f"{month_label(a0)}..{month_label(a1)}",
                    money=("revenue", "target", "gap_vs_target", "volume_vs_target", "price", "mix", "gap_vs_base",
                           "volume")))
    _display(rpt.figure(plots.gap_split(gap, rpt)))


FORECAST_SHOWN = ["level", "key", "target", "actual_to_date", "forecast_mean", "forecast_low", "forecast_high",
                  "expected_attainment", "p_hit", "pipeline_deals", "pipeline_mean", "model"]


def show_forecast(fc: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """The open period's forecast: how it is made, the company, channels and regions inline (every level
    saved), and one chart per level with targets."""
    win = window(kd, params)
    has_target = len(fc) > 0 and fc["target"].notna().any()
    _display(rpt.say("Forecast of {period} revenue (the next plan period not yet over), standing on {cutoff}: actual "
                     "to date plus an exponential-smoothing run-rate for the {m} month(s) left ({iv} interval), with "
                     "a damped trend or month-of-year indices where they improve the fit. P(hit target) is the share "
                     "of {paths} simulated paths that reach the target. The open pipeline ({draws} Monte Carlo "
                     "draws) shows how much of the rest is already in open deals.",
                     "预测 {period}（下一个尚未结束的计划期）的收入，基准日 {cutoff}：截至目前的实际加上剩余 {m} 个月的指数平滑"
                     "趋势预测（{iv} 区间），在能改善拟合时加入阻尼趋势或月度季节指数。达成概率为 {paths} 条模拟路径中达到目标的"
                     "比例。在途商机（{draws} 次蒙特卡洛模拟）显示剩余部分有多少已在商机中。",
                     period=win.period, cutoff=win.cutoff.date().isoformat(),
                     m=f"{sum(w for _, w in win.remaining):.1f}", iv=f"{params.interval:.0%}",
                     paths=f"{SIM_PATHS:,}", draws=f"{params.draws:,}"))
    show_notes(kd, rpt, "forecast")
    if fc.empty:
        return
    rpt.save(fc, "forecast")
    cols = FORECAST_SHOWN if has_target else [c for c in FORECAST_SHOWN if c not in
                                              ("target", "expected_attainment", "p_hit")]
    inline = fc.loc[fc["level"].isin(["company", "channel", "region"])]
    _display(_table(rpt, _local(inline, rpt), columns=cols, max_rows=30, period=win.period,
                    formats=_fmts(fc, p_hit="pct", expected_attainment="pct", pipeline_deals="int"),
                    caption=rpt.text("Company, channels and regions; teams and reps are in {f}",
                                     "公司、渠道和地区；团队和销售代表见 {f}", f=_where(rpt, "forecast"))))
    if has_target:
        for level in [lv for lv in ("region", "channel") if lv in set(fc["level"])]:
            if fc.loc[fc["level"] == level, "target"].notna().any():
                _display(rpt.figure(plots.forecast_bars(fc, rpt, level)))


def show_backtest(bt: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """The check: the same forecast made for the last closed plan period, against what happened."""
    win = backtest_window(kd, params)
    if bt.empty or win is None:
        return
    rpt.save(bt, "forecast_backtest")
    d = bt.loc[bt["actual_final"].notna() & bt["forecast_low"].notna()]
    inside = (d["forecast_low"] <= d["actual_final"]) & (d["actual_final"] <= d["forecast_high"])
    _display(rpt.say("Check (back-test): standing on {cutoff}, the same method forecast {period}, which is now over. "
                     "{k} of {n} keys ended inside their {iv} interval; the company and the regions are below.",
                     "检验（回测）：站在 {cutoff}，用同一方法预测已结束的 {period}。{n} 个对象中有 {k} 个的期末实际落在 {iv} "
                     "区间内；下表为公司和各地区。",
                     cutoff=win.cutoff.date().isoformat(), period=win.period, k=str(int(inside.sum())), n=str(len(d)),
                     iv=f"{params.interval:.0%}"))
    view = bt.loc[bt["level"].isin(["company", "region"])].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        view["final_attainment"] = view["actual_final"] / view["target"]
    _display(_table(rpt, _local(view, rpt), period=win.period, max_rows=INLINE,
                    columns=["level", "key", "target", "forecast_mean", "forecast_low", "forecast_high", "p_hit",
                             "actual_final", "final_attainment"],
                    formats=_fmts(view, p_hit="pct", final_attainment="pct"),
                    caption=rpt.text("Back-test of {p}; every level is in {f}", "{p} 回测；全部级别见 {f}",
                                     p=win.period, f=_where(rpt, "forecast_backtest"))))


def show_calibration(scores: pd.DataFrame, rel: pd.DataFrame, rates: pd.DataFrame, rpt) -> None:
    """Brier scores (learned vs CRM), the reliability plot and the learned stage rates."""
    if scores.empty:
        _display(rpt.note("Win probabilities need leads, stages and enough closed history: calibration is off.",
                          "赢单概率需要线索、阶段表和足够的已结束历史：校准检查已关闭。"))
        return
    rpt.save(scores, "calibration")
    shown = _local(scores, rpt)
    shown["method"] = [rpt.t("learned") if m == "learned" else rpt.t("crm_probability_method") for m in scores["method"]]
    shown["event"] = [rpt.t(e).format(d=int(h)) for e, h in zip(scores["event"], scores["horizon_days"], strict=True)]
    _display(rpt.table(shown, columns=["method", "event", "deals", "brier", "mean_predicted", "observed"],
                       formats={"brier": "num2", "deals": "int", "mean_predicted": "pct", "observed": "pct"},
                       caption=rpt.text("Brier score: mean squared error of the probabilities (lower is better)",
                                        "Brier 分数：概率的均方误差（越低越好）")))
    _display(rpt.figure(plots.reliability(rel, scores, rpt)))
    if len(rates):
        _display(rpt.table(rates, formats={"reached": "int", "won": "int", "p_won": "pct", "p_stage": "pct",
                                           "crm_probability": "pct"}, max_rows=20,
                           caption=rpt.text("P(won | reached stage), learned by channel and pooled towards all channels",
                                            "P(赢单 | 到达该阶段)：按渠道学习并向全渠道收缩")))


def signal_text(row, rpt, run_length: int) -> str:
    """One control-chart signal in words, in the report's language."""
    en, zh = RULES[int(row["rule"])]
    up = row["direction"] == "up"
    zh_lang = rpt.lang == "zh"
    what = (zh.format(k=run_length, dir="上升" if up else "下降") if zh_lang
            else en.format(k=run_length, dir="rising" if up else "falling"))
    fmt = (lambda v: fmt_pct(v)) if row["chart"] != "XmR" else (lambda v: f"{v:,.0f}")
    span = row["first_period"] + ("" if row["first_period"] == row["last_period"] else f"..{row['last_period']}")
    kname = rpt.t(row["kpi"]) if zh_lang else rpt.t(row["kpi"]).lower()
    key = row["key"] or rpt.t("company")
    if zh_lang:
        text = (f"{key} {kname}：{span} {what}，均值 {fmt(row['value'])}，基线中心 {fmt(row['center'])}"
                f"（{'高于' if up else '低于'}正常波动，不是噪声）")
        if pd.notna(row.get("action_id")):
            text += f"；与措施 {row['action_id']}（{row['action_start']} {row['action_description']}）时间吻合"
    else:
        text = (f"{key} {kname}: {what} in {span}, mean {fmt(row['value'])} against a baseline centre of "
                f"{fmt(row['center'])} — a real {'rise' if up else 'drop'}, not noise")
        if pd.notna(row.get("action_id")):
            text += f"; it follows action {row['action_id']} ({row['action_start']}: {row['action_description']})"
    return text


def show_control(charts: dict, signals: pd.DataFrame, kd: A.KpiData, rpt, params, max_charts: int = 6) -> None:
    """Signals after the baseline in words (all saved), then the charts that signal in the review phase first."""
    if not charts:
        _display(rpt.note("No series long enough for a control chart.", "没有足够长的序列可绘制控制图。"))
        return
    base = params.control_baseline or rpt.text("first 12 months", "前 12 个月")
    _display(rpt.say("Limits frozen on the baseline {b}. A signal is a pattern that noise rarely makes; a point inside "
                     "the limits is not a story.", "控制限冻结在基线期 {b}。信号是噪声很少产生的模式；落在控制限内的点不必解读。",
                     b=base))
    review = signals.loc[signals["phase"] == "review"] if len(signals) else signals
    rpt.save(signals, "control_signals")
    if len(review):
        shown = review.sort_values("chart", key=lambda c: c.eq("XmR"), kind="stable")
        view = _local(shown, rpt)
        view["signal"] = [signal_text(r, rpt, params.run_length) for _, r in shown.iterrows()]
        _display(rpt.table(view, columns=["chart", "key", "kpi", "signal"], max_rows=INLINE,
                           caption=rpt.text("Signals after the baseline ({n}), conversion first; all signals are in {f}",
                                            "基线期之后的信号（{n} 个，转化率在前）；全部信号见 {f}", n=str(len(review)),
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
    """Rep scorecards (saved), the leaderboard table and chart."""
    from workbench.kpi.periods import month_label
    from workbench.kpi.team import leaderboard

    if kd.leads is None:
        _display(rpt.note("No leads table: win rates, stage conversion and the leaderboard are off.",
                          "没有线索表（leads）：赢单率、阶段转化和排行榜已关闭。"))
    _display(rpt.say("No activity table exists in the data model, so activity is not scored. Win rates count closed "
                     "leads created in the window; intervals are 95% Wilson; reps with fewer than {k} closed leads are "
                     "not ranked.", "数据模型中没有活动量表，因此不评估活动量。赢单率只计窗口内创建且已结束的线索；区间为 95% Wilson；"
                     "已结束线索少于 {k} 条的销售代表不参与排名。", k=str(params.min_leads)))
    a0, a1 = review_months(kd, params)
    win = f"{month_label(a0)}..{month_label(a1)}"
    fmts = _fmts(sc, orders="int", leads="int", won="int", lost="int", open="int", rank="int", rank_low="int",
                 rank_high="int", cycle_days_median="int", attainment_low="pct", attainment_high="pct")
    rpt.save(sc, "rep_scorecard")
    _display(_table(rpt, _local(sc, rpt), formats=fmts, period=win, money=("revenue",),
                    columns=["rep_id", "name", "team", "status", "revenue", "attainment", "attainment_low",
                             "attainment_high", "won", "lost", "win_rate", "win_rate_low", "win_rate_high",
                             "avg_deal_size", "cycle_days_median"],
                    caption=rpt.text("Rep scorecards by rank (95% intervals); every rep and column is in {f}",
                                     "销售代表记分卡（按排名，95% 区间）；全部人员和字段见 {f}", f=_where(rpt, "rep_scorecard"))))
    lb = leaderboard(sc)
    if len(lb):
        _display(rpt.say("The leaderboard ranks the pooled win rate; the rank interval shows which places the data "
                         "cannot tell apart. {n} of {m} ranked reps are distinguishable from the company rate.",
                         "排行榜按收缩后的赢单率排序；名次区间表示数据无法区分的名次范围。{m} 名参与排名的销售代表中有 {n} 名与公司整体赢单率有显著差异。",
                         n=str(int((lb["verdict"] != "within noise").sum())), m=str(len(lb))))
        rpt.save(lb, "leaderboard")
        view = _local(lb, rpt)
        view["rank_range"] = [f"{int(a)}–{int(b)}" for a, b in zip(lb["rank_low"], lb["rank_high"], strict=True)]
        _display(rpt.table(view, formats=fmts, max_rows=INLINE,
                           columns=["rank", "rank_range", "rep_id", "name", "team", "won", "lost", "win_rate",
                                    "win_rate_low", "win_rate_high", "win_rate_pooled", "verdict"],
                           caption=rpt.text("Top of the leaderboard; every ranked rep is in {f}",
                                            "排行榜前列；全部上榜人员见 {f}", f=_where(rpt, "leaderboard"))))
        _display(rpt.figure(plots.leaderboard(lb, rpt)))


def show_training(tn: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """Training needs (saved) with the reading of 'explained by channel mix'."""
    if kd.leads is None or kd.stages is None:
        _display(rpt.note("Training needs need leads and stages: section off.", "培训需求需要线索表和阶段表：本节已关闭。"))
        return
    rpt.save(tn, "training_needs")
    if len(tn):
        view = tn.assign(q_value=[_p(v) for v in tn["q_value"]])
        _display(rpt.table(view, formats={"rep_n": "int", "team_n": "int", "q_value": "text", "channel_expected": "pct"},
                           max_rows=INLINE,
                           columns=["rep_id", "name", "team", "transition", "rep_rate", "ci_low", "ci_high", "rep_n",
                                    "team_rate", "q_value", "channel_expected", "explained_by_channel",
                                    "suggested_training"],
                           caption=rpt.text("Every flag is in {f}", "全部结果见 {f}", f=_where(rpt, "training_needs"))))
        n_coach = int((~tn["explained_by_channel"]).sum())
        _display(rpt.say("{n} flag(s) at a false discovery rate of {a}: {c} call for coaching at the named stage; {e} "
                         "match what the rep's channel mix predicts (a channel problem, not a skills problem).",
                         "在 {a} 的错误发现率下共 {n} 项：{c} 项需要在所列阶段进行辅导；{e} 项与该销售代表的渠道结构预期一致（属于渠道问题，而非技能问题）。",
                         n=str(len(tn)), a=f"{params.alpha:.0%}", c=str(n_coach), e=str(len(tn) - n_coach)))
    else:
        _display(rpt.say("No rep is significantly below their team at any stage (false discovery rate {a}).",
                         "没有销售代表在任何阶段显著低于所在团队（错误发现率 {a}）。", a=f"{params.alpha:.0%}"))


def _change_words(change: dict, rpt) -> str:
    """A what-if's changed plan fields in words: ``accelerator = 2.0``."""
    return "; ".join(f"{rpt.t('plan_field_' + k)} = {v}" for k, v in change.items())


def show_incentives(inc: pd.DataFrame, wi: pd.DataFrame, kd: A.KpiData, rpt, params) -> None:
    """Pay per rep over the plan periods (per period saved), total cost, the what-if table and the payout curves."""
    if inc.empty:
        _display(rpt.note("No rep-attributed revenue in complete plan periods: no incentives computed.",
                          "完整计划期内没有归属到销售代表的收入：未计算激励。"))
        return
    if kd.targets is None:
        _display(rpt.note("Without targets every rep earns the first tier's rate, with no accelerator.",
                          "没有目标时所有销售代表都按第一档费率计提，无加速。"))
    plan = wi.iloc[0]
    pers = sorted(inc["period"].unique())
    span = pers[0] if len(pers) == 1 else f"{pers[0]}..{pers[-1]}"
    m = lambda v: fmt_money(v, rpt.currency)  # noqa: E731
    _display(rpt.say("Plan periods {span} ({k} complete {per}s). Total cost {cost} on credited revenue of {rev} "
                     "({share}); returns clawed back {claw}; {paid} reps paid, the highest {maxp}, all over {span}.",
                     "计划期 {span}（{k} 个完整{per_zh}）。总成本 {cost}，计提收入 {rev}（占 {share}）；退货追回 {claw}；"
                     "{paid} 人获得奖励，最高 {maxp}（均为 {span} 合计）。",
                     span=span, k=str(len(pers)), per=rpt.t(params.incentive_plan.period).lower(),
                     per_zh=rpt.t(params.incentive_plan.period), cost=m(plan["total_cost"]), rev=m(plan["credited"]),
                     share=fmt_pct(plan["cost_share"], 2), claw=m(plan["clawback"]), paid=str(int(plan["reps_paid"])),
                     maxp=m(plan["max_pay"])))
    rpt.save(inc, "incentives")
    per_rep = inc.groupby(["rep_id", "name", "team"], dropna=False, as_index=False)[
        ["credited", "target", "commission", "accelerator_extra", "capped", "clawback", "team_bonus", "total_pay"]].sum()
    per_rep = per_rep.sort_values("total_pay", ascending=False)
    _display(_table(rpt, per_rep, formats=_fmts(per_rep), period=span,
                    caption=rpt.text("Pay per rep over {span}, highest first; every rep and period is in {f}",
                                     "各销售代表 {span} 应发合计（由高到低）；全部人员和分期明细见 {f}", span=span,
                                     f=_where(rpt, "incentives"))))
    wf = _fmts(wi, reps_paid="int", reps_above_target="int", cost_share="pct")
    rpt.save(wi, "incentive_what_if")
    shown = wi.assign(scenario=[rpt.t(x) for x in wi["scenario"]],
                      changes=[_change_words(params.incentive_what_if.get(x, {}), rpt) for x in wi["scenario"]])
    _display(_table(rpt, shown, formats=wf, period=span,
                    columns=["scenario", "changes", "total_cost", "delta", "cost_share", "commission", "team_bonus",
                             "max_pay"]))
    _display(rpt.figure(plots.payout_curve(params, rpt)))


def formula_measures() -> pd.DataFrame:
    """The base measures a custom KPI formula may use."""
    return pd.DataFrame({"measure": list(F.MEASURES), "description": list(F.MEASURES.values())})


__all__ = ["show_notes", "kpi_definitions", "show_definitions", "headline", "show_attainment", "show_gap",
           "show_forecast", "show_backtest", "show_calibration", "show_control", "show_scorecard", "show_training",
           "show_incentives", "signal_text"]
