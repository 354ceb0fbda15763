"""What the KPI notebook shows: each function takes the report first and renders one section.

Computation lives in the other modules; these functions only choose what to show,
in which order, and say in words when a section is off and why. Result tables hold
codes (``ses``, ``won_closed_deals``, ``plan``, ``green``) and are the same in every
language; the report shows them by their label in :data:`workbench.kpi.labels.LABELS`.
Long tables show their top rows inline and link to the full CSV; money headers say
the currency and the period the amounts cover.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.kpi import actuals as A
from workbench.kpi import formula as F
from workbench.kpi import plots
from workbench.kpi.attainment import review_months
from workbench.kpi.forecast import SIM_PATHS, backtest_window, window
from workbench.kpi.labels import RULES, kpi_key, kpi_name
from workbench.kpi.periods import month_label
from workbench.reporting import Markup, count, money, share

INLINE = 12
"""Rows a table shows inline; the saved CSV has every row."""

CODES = ("light", "status", "verdict", "level", "kpi", "phase", "direction", "event", "model", "method", "source",
         "scenario")
MONEY = ("revenue", "target", "actual", "actual_to_date", "forecast_mean", "forecast_low", "forecast_high",
         "pipeline_mean", "pipeline_low", "pipeline_high", "actual_final", "base_revenue", "gap_vs_base", "volume",
         "price", "mix", "gap_vs_target", "volume_vs_target", "avg_deal_size", "sales", "returns", "credited",
         "commission", "accelerator_extra", "capped", "clawback", "team_bonus", "total_pay", "total_cost", "delta",
         "max_pay")
SHARES = ("attainment", "attainment_low", "attainment_high", "expected_attainment", "final_attainment", "p_hit",
          "p_pipeline_covers_gap", "win_rate", "win_rate_low", "win_rate_high", "win_rate_pooled", "rep_rate",
          "team_rate", "ci_low", "ci_high", "channel_expected", "p_won", "p_stage", "crm_probability",
          "mean_predicted", "observed", "predicted", "cost_share")
COUNTS = ("n", "periods", "red_periods", "orders", "leads", "won", "lost", "open", "rank", "rank_low", "rank_high",
          "pipeline_deals", "n_months", "deals", "reached", "rep_n", "team_n", "reps_paid", "reps_above_target",
          "cycle_days_median")


def _display(*objs):
    from IPython.display import display

    for o in objs:
        if o is not None:
            display(o)


def _kinds(df: pd.DataFrame, money_cols=MONEY, **extra) -> dict:
    """The format kind of every known column of ``df``."""
    f = {c: "money" for c in money_cols if c in df}
    f.update({c: "share" for c in SHARES if c in df})
    f.update({c: "count" for c in COUNTS if c in df})
    if "light" in df:
        f["light"] = "light"
    f.update(extra)
    return f


def _money_headers(rpt, df: pd.DataFrame, period: str | None, money_cols=MONEY) -> dict:
    """Headers of money columns with the currency and the period the amounts cover: ``Target (¥, 2025-11..2026-10)``."""
    sym = rpt.fmt.symbol.strip()
    return {c: f"{rpt.t(c)} ({sym}{', ' + period if period else ''})" for c in money_cols if c in df}


def _table(rpt, df: pd.DataFrame, name: str | None = None, *, shown: pd.DataFrame | None = None, columns=None,
           period: str | None = None, money_cols=MONEY, formats=None, max_rows: int = INLINE, caption=None,
           company_word: bool = True):
    """Save ``df`` as ``name`` and show ``shown`` (default ``df``): codes as words, kinds by column, money
    headers with their period."""
    view = df if shown is None else shown
    headers = _money_headers(rpt, view, period, money_cols)
    if "p_hit" in view:  # a probability says how many simulated paths it rests on
        headers["p_hit"] = rpt.text("P(hit target), {n} paths", "达成概率（{n} 条模拟路径）", n=count(SIM_PATHS))
    if company_word and "key" in view and (view["key"] == "").any():
        view = view.assign(key=view["key"].replace("", rpt.t("company")))
    if "kpi" in view:  # a KPI named like a shared measure says its own definition ("kpi_conversion_rate")
        view = view.assign(kpi=[kpi_key(rpt, k) for k in view["kpi"]])
    kinds = _kinds(view, money_cols)
    kinds.update(formats or {})
    return rpt.table(df, name, shown=view, columns=columns, formats=kinds, max_rows=max_rows, caption=caption,
                     headers=headers,
                     values=[c for c in CODES if c in view and c != "light"])


def _window_label(kd: A.KpiData, params) -> str:
    a0, a1 = review_months(kd, params)
    return f"{month_label(a0)}..{month_label(a1)}"


def show_notes(rpt, kd: A.KpiData, section: str | None = None, title: bool = False) -> None:
    """Show (once) the notes collected so far, of one section or all; ``title`` puts a heading above them
    only when a note is left, so an empty section never appears."""
    shown = getattr(kd, "_shown", set())
    todo = [i for i, n in enumerate(kd.notes) if i not in shown and (section is None or n.section == section)]
    if todo and title:
        _display(Markup(f"<h2>{rpt.text('Notes on the inputs', '输入数据说明')}</h2>"))
    for i in todo:
        _display(rpt.note(kd.notes[i]))
        shown.add(i)
    kd._shown = shown


def kpi_definitions(kd: A.KpiData) -> pd.DataFrame:
    """The KPIs reviewed: formula over base measures, additivity, direction, source table (codes)."""
    return pd.DataFrame([{"kpi": k, "formula": v["formula"], "additive": v["additive"],
                          "higher_is_better": v["higher_is_better"], "source": v["source"]}
                         for k, v in kd.kpis.items()])


def show_definitions(rpt, kd: A.KpiData) -> None:
    """The KPI definitions in words of the report's language (built-in KPIs), custom ones by formula."""
    d = kpi_definitions(kd)
    words = []
    for k, f in zip(d["kpi"], d["formula"], strict=True):
        w = rpt.t(f"def_{k}")
        words.append(w if w != f"def_{k}" else rpt.t("def_custom").format(f=f))
    view = d.assign(definition=words, source=[f"src_{s}" for s in d["source"]])
    view = view.assign(kpi=[kpi_key(rpt, k) for k in view["kpi"]])
    _display(rpt.table(view, shown=view, columns=["kpi", "definition", "additive", "higher_is_better", "source"],
                       formats={"additive": "bool", "higher_is_better": "bool"}, values=["kpi", "source"],
                       max_rows=50))


def headline(kd: A.KpiData, summary: pd.DataFrame, fc: pd.DataFrame, params) -> dict:
    """The report's headline: company revenue and attainment over the review window, the worst key, and the
    forecast of the next open plan period (with its P(hit target) where targets cover it).

    Returns ``{"en": ..., "zh": ..., **values}`` with typed values (the report formats them).
    """
    a0, a1 = review_months(kd, params)
    rev = kd.orders.loc[(kd.orders["month"] >= a0) & (kd.orders["month"] <= a1), "amount"].sum()
    vals: dict = {"win": f"{month_label(a0)}..{month_label(a1)}", "rev": money(rev)}
    s = summary.loc[summary["kpi"] == "revenue"] if len(summary) else summary
    comp = s.loc[s["level"] == "company"] if len(s) else s
    if len(s) == 0:
        en, zh = "Revenue {win}: {rev} (no revenue targets, so no attainment).", "{win} 收入 {rev}（无收入目标，未计算达成率）。"
    else:
        vals["att"] = share(comp["attainment"].iloc[0]) if len(comp) else "–"
        en = "Revenue {win}: {rev}, {att} of target for the company."
        zh = "{win} 公司收入 {rev}，目标达成率 {att}。"
        lv = [x for x in ("region", "channel", "team") if x in set(s["level"])]
        if lv:
            worst = s.loc[s["level"] == lv[0]].sort_values("attainment").iloc[0]
            vals.update(level=lv[0], level_zh={"region": "区域", "channel": "渠道", "team": "团队"}[lv[0]],
                        n_red=count(int((s.loc[s["level"] == lv[0], "light"] == "red").sum())),
                        n_all=count(int((s["level"] == lv[0]).sum())), worst=worst["key"],
                        worst_att=share(worst["attainment"]))
            en += " {n_red} of {n_all} {level}s red; worst {worst} at {worst_att}."
            zh += " {n_all} 个{level_zh}中 {n_red} 个红灯；最差为{worst}，达成率 {worst_att}。"
            f = fc.loc[(fc["level"] == lv[0]) & (fc["key"] == worst["key"])] if len(fc) else fc
            if len(f) and pd.notna(f["p_hit"].iloc[0]):
                vals.update(wp=share(f["p_hit"].iloc[0]), period=str(f["period"].iloc[0]))
                en += " P({worst} hits its {period} target): {wp}."
                zh += " {worst}完成 {period} 目标的概率：{wp}。"
    c = fc.loc[fc["level"] == "company"] if len(fc) else fc
    if len(c) and pd.notna(c["forecast_mean"].iloc[0]):
        r = c.iloc[0]
        vals.update(period=str(r["period"]), fmean=money(r["forecast_mean"]), flo=money(r["forecast_low"]),
                    fhi=money(r["forecast_high"]), iv=share(params.interval, digits=0), paths=count(SIM_PATHS))
        en += " Forecast for {period} (open): {fmean} ({iv} interval {flo}–{fhi})"
        zh += " {period}（未结束）收入预测 {fmean}（{iv} 区间 {flo}–{fhi}）"
        if pd.notna(r["p_hit"]):
            vals["cp"] = share(r["p_hit"])
            en += ", P(hit target) {cp} ({paths} simulated paths)."
            zh += "，达成目标的概率 {cp}（{paths} 条模拟路径）。"
        else:
            en += "; no revenue target is set for it yet."
            zh += "；该期间尚未设定收入目标。"
    return {"en": en, "zh": zh, **vals}


def show_attainment(rpt, att: pd.DataFrame, summary: pd.DataFrame, kd: A.KpiData, params) -> None:
    """Window summary per KPI (worst first), the heatmap per level, and the red keys of the latest period;
    every key and period is saved."""
    if kd.targets is None:
        _display(rpt.note("No targets table: attainment, traffic lights and P(hit target) are switched off.",
                          "没有目标表（targets）：达成率、信号灯和达成概率均已关闭。", level="off"))
        return
    if att.empty:
        _display(rpt.note("No target matches a reviewed KPI and level.", "没有与所复盘 KPI 和级别相符的目标。"))
        show_notes(rpt, kd, "targets")
        return
    win = summary["window"].iloc[0] if len(summary) else "–"
    _display(rpt.say("Review window {win}, {gran} periods; lights: green from {g}, amber from {a}, red below. "
                     "n is the sample behind each number (orders, leads, responses). Each KPI shows its worst "
                     "{k} keys; every key, rep and period is in the full tables.",
                     "复盘窗口 {win}，按{gran}统计；信号灯：达成率 ≥ {g} 为绿，≥ {a} 为黄，其余为红。n 为每个数字背后的样本量"
                     "（订单、线索、反馈）。每个 KPI 只列最差的 {k} 个对象；全部对象、销售代表和期间见完整数据。",
                     win=win, gran=rpt.t(params.period) if rpt.lang == "zh" else rpt.t(params.period).lower(), g=share(params.green_at, digits=0),
                     a=share(params.amber_at, digits=0), k=count(INLINE)))
    rpt.save(summary, "attainment_summary")
    kind_of = {"money": "money", "int": "count", "pct": "share", "num2": "num2", "num": "num"}
    for k, info in kd.kpis.items():
        part = summary.loc[(summary["kpi"] == k) & (summary["level"] != "rep")]
        if part.empty:
            continue
        f = kind_of.get(info["format"], "num")
        is_money = f == "money"
        _display(_table(rpt, part, None, columns=["level", "key", "actual", "target", "attainment", "light",
                                                  "periods", "red_periods", "n"],
                        period=win if is_money else None, money_cols=("actual", "target") if is_money else (),
                        formats={"actual": f, "target": f},
                        caption=rpt.text("{kpi}: attainment over the review window, worst first (reps: see the "
                                         "scorecards)", "{kpi}：复盘窗口内的达成率（由差到好；销售代表见记分卡）",
                                         kpi=kpi_name(rpt, k))))
    for level in [lv for lv in ("region", "channel", "team") if lv in set(att["level"])]:
        _display(rpt.figure(plots.attainment_heatmap(att, rpt, "revenue", level, params.review_periods)))
    last = summary["window"].iloc[0].split("..")[-1] if len(summary) else None
    latest = att.loc[(att["level"] != "rep") & (att["light"] == "red")]
    lab = None
    if last is not None:
        from workbench.kpi.periods import label, months_of

        lab = label(months_of(last)[0], params.period, kd.fy_start)
        latest = latest.loc[latest["period"] == lab]
    red_reps = int(((att["level"] == "rep") & (att["light"] == "red")).sum())
    latest = latest.sort_values("attainment")
    # one column holds several KPIs: each value in its own KPI's format (money, share, count)
    kfmt = {k: kind_of.get(info["format"], "num") for k, info in kd.kpis.items()}
    view = latest.assign(**{c: [rpt.fmt(v, kfmt.get(k, "num")) for v, k in zip(latest[c], latest["kpi"], strict=True)]
                            for c in ("actual", "target")})
    _display(_table(rpt, att, "attainment", shown=view, money_cols=(),
                    columns=["level", "key", "kpi", "actual", "target", "attainment", "light", "n"],
                    formats={"actual": "text", "target": "text"},
                    caption=rpt.text("Red in the latest period {p} ({r} red rep-periods are in the full table)",
                                     "最近一期 {p} 的红灯（销售代表层级的 {r} 个红灯人·期见完整数据）",
                                     p=lab or "–", r=count(red_reps))))


def show_gap(rpt, gap: pd.DataFrame, kd: A.KpiData, params) -> None:
    """The gap split table and chart."""
    show_notes(rpt, kd, "gap")
    if gap.empty:
        return
    _display(rpt.say("Base {base}: the plan is read as the base period scaled to the target (same prices, same mix), "
                     "so 'volume vs plan' is the volume short of (or above) that plan; price is what the same products "
                     "sold for more or less; mix is the shift between cheaper and dearer products. The three add up to "
                     "the gap exactly.",
                     "基期 {base}：目标视为把基期按比例放大（价格和产品结构不变），因此“销量（对目标）”是相对该计划的销量差，"
                     "价格影响是同一产品卖贵或卖便宜的部分，结构影响是产品高低价结构变化的部分；三者之和正好等于差距。",
                     base=gap["base"].iloc[0]))
    gap = gap.loc[gap["key"] != A.UNATTRIBUTED].reset_index(drop=True)
    win = _window_label(kd, params)
    tv = _table(rpt, gap, "gap_split", period=win,
                columns=["key", "base_revenue", "revenue", "target", "gap_vs_target", "volume_vs_target", "price",
                         "mix", "gap_vs_base", "volume"])
    tv.headers["base_revenue"] = f"{rpt.t('base_revenue')} ({rpt.fmt.symbol.strip()}, {gap['base'].iloc[0]})"
    _display(tv)
    _display(rpt.figure(plots.gap_split(gap, rpt)))


FORECAST_SHOWN = ["level", "key", "target", "actual_to_date", "forecast_mean", "forecast_low", "forecast_high",
                  "expected_attainment", "p_hit", "pipeline_deals", "pipeline_mean", "model"]


def show_forecast(rpt, fc: pd.DataFrame, kd: A.KpiData, params) -> None:
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
                     m=float(sum(w for _, w in win.remaining)), iv=share(params.interval, digits=0),
                     paths=count(SIM_PATHS), draws=count(params.draws)))
    show_notes(rpt, kd, "forecast")
    if fc.empty:
        return
    drop = set() if has_target else {"target", "expected_attainment", "p_hit"}
    if not fc["actual_to_date"].any():
        drop.add("actual_to_date")  # the period has just begun
    cols = [c for c in FORECAST_SHOWN if c not in drop]
    inline = fc.loc[fc["level"].isin(["company", "channel", "region"])]
    _display(_table(rpt, fc, "forecast", shown=inline, columns=cols, max_rows=30, period=win.period,
                    caption=rpt.text("Company, channels and regions; teams and reps are in the full table",
                                     "公司、渠道和区域；团队和销售代表见完整数据")
                    if fc["level"].isin(["team", "rep"]).any() else None))
    if has_target:
        for level in [lv for lv in ("region", "channel") if lv in set(fc["level"])]:
            if fc.loc[fc["level"] == level, "target"].notna().any():
                _display(rpt.figure(plots.forecast_bars(fc, rpt, level)))


def show_backtest(rpt, bt: pd.DataFrame, kd: A.KpiData, params) -> None:
    """The check: the same forecast made for the last closed plan period, against what happened."""
    win = backtest_window(kd, params)
    if bt.empty or win is None:
        return
    d = bt.loc[bt["actual_final"].notna() & bt["forecast_low"].notna()]
    inside = (d["forecast_low"] <= d["actual_final"]) & (d["actual_final"] <= d["forecast_high"])
    _display(rpt.say("Check (back-test): standing on {cutoff}, the same method forecast {period}, which is now over. "
                     "{k} of {n} keys ended inside their {iv} interval; the company and the regions are below.",
                     "检验（回测）：站在 {cutoff}，用同一方法预测已结束的 {period}。{n} 个对象中有 {k} 个的期末实际落在 {iv} "
                     "区间内；下表为公司和各区域。",
                     cutoff=win.cutoff.date().isoformat(), period=win.period, k=count(int(inside.sum())),
                     n=count(len(d)), iv=share(params.interval, digits=0)))
    view = bt.loc[bt["level"].isin(["company", "region"])].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        view["final_attainment"] = view["actual_final"] / view["target"]
    _display(_table(rpt, bt, "forecast_backtest", shown=view, period=win.period,
                    columns=["level", "key", "target", "forecast_mean", "forecast_low", "forecast_high", "p_hit",
                             "actual_final", "final_attainment"],
                    caption=rpt.text("Back-test of {p}", "{p} 回测", p=win.period)))


def show_calibration(rpt, scores: pd.DataFrame, rel: pd.DataFrame, rates: pd.DataFrame) -> None:
    """Brier scores (learned vs CRM), the reliability plot and the learned stage rates."""
    if scores.empty:
        _display(rpt.note("Win probabilities need leads, stages and enough closed history: calibration is off.",
                          "赢单概率需要线索、阶段表和足够的已结束历史：校准检查已关闭。", level="off"))
        return
    view = scores.assign(method=["learned" if m == "learned" else "crm_probability_method" for m in scores["method"]],
                         event=[rpt.t(e).format(d=int(h)) for e, h in zip(scores["event"], scores["horizon_days"],
                                                                          strict=True)])
    _display(rpt.table(scores, "calibration", shown=view,
                       columns=["method", "event", "deals", "brier", "mean_predicted", "observed"],
                       formats={**_kinds(view), "brier": "num2"}, values=["method"],
                       caption=rpt.text("Brier score: mean squared error of the probabilities (lower is better)",
                                        "Brier 分数：概率的均方误差（越低越好）")))
    _display(rpt.figure(plots.reliability(rel, scores, rpt)))
    if len(rates):
        _display(rpt.table(rates, None, formats=_kinds(rates), max_rows=INLINE,
                           caption=rpt.text("P(won | reached stage), learned by channel and pooled towards all channels",
                                            "P(赢单 | 到达该阶段)：按渠道学习并向全渠道收缩")))


def signal_text(rpt, row, run_length: int) -> str:
    """One control-chart signal in words, in the report's language."""
    en, zh = RULES[int(row["rule"])]
    up = row["direction"] == "up"
    zh_lang = rpt.lang == "zh"
    what = (zh.format(k=run_length, dir="上升" if up else "下降") if zh_lang
            else en.format(k=run_length, dir="rising" if up else "falling"))
    kind = "share" if row["chart"] != "XmR" else ("money_month" if row["kpi"] == "revenue" else "num")
    val, centre = rpt.fmt(row["value"], kind), rpt.fmt(row["center"], kind)
    span = row["first_period"] + ("" if row["first_period"] == row["last_period"] else f"..{row['last_period']}")
    kname = kpi_name(rpt, row["kpi"]) if zh_lang else kpi_name(rpt, row["kpi"]).lower()
    key = row["key"] or rpt.t("company")
    if zh_lang:
        text = f"{key} {kname}：{span} {what}，均值 {val}，基线中心 {centre}（{'高于' if up else '低于'}正常波动，不是噪声）"
        if pd.notna(row.get("action_id")):
            text += f"；与措施 {row['action_id']}（{row['action_start']} {row['action_description']}）时间吻合"
    else:
        text = (f"{key} {kname}: {what} in {span}, mean {val} against a baseline centre of {centre} — a real "
                f"{'rise' if up else 'drop'}, not noise")
        if pd.notna(row.get("action_id")):
            text += f"; it follows action {row['action_id']} ({row['action_start']}: {row['action_description']})"
    return text


def show_control(rpt, charts: dict, signals: pd.DataFrame, kd: A.KpiData, params, max_charts: int = 4) -> None:
    """Signals after the baseline in words (all saved), then the charts that signal in the review phase first."""
    if not charts:
        _display(rpt.note("No series long enough for a control chart.", "没有足够长的序列可绘制控制图。", level="off"))
        return
    base = params.control_baseline or rpt.text("first 12 months", "前 12 个月")
    _display(rpt.say("Limits frozen on the baseline {b}. A signal is a pattern that noise rarely makes; a point inside "
                     "the limits is not a story.", "控制限冻结在基线期 {b}。信号是噪声很少产生的模式；落在控制限内的点不必解读。",
                     b=base))
    review = signals.loc[signals["phase"] == "review"] if len(signals) else signals
    shown = review.sort_values("chart", key=lambda c: c.eq("XmR"), kind="stable") if len(review) else review
    view = shown.assign(signal=[signal_text(rpt, r, params.run_length) for _, r in shown.iterrows()]) if len(shown) \
        else shown.assign(signal=pd.Series(dtype="object"))
    _display(_table(rpt, signals, "control_signals", shown=view, columns=["chart", "key", "kpi", "signal"],
                    caption=rpt.text("Signals after the baseline ({n}), conversion first",
                                     "基线期之后的信号（{n} 个，转化率在前）", n=count(len(review)))))
    keys = list(dict.fromkeys((r["chart"], r["level"], r["key"], r["kpi"]) for _, r in review.iterrows()))
    keys += [k for k in charts if k not in keys]
    keys.sort(key=lambda k: k[0] == "XmR")
    for k in keys[:max_charts]:
        pts = charts[k]
        chart, level, key, kpi = k
        sig = signals.loc[(signals["chart"] == chart) & (signals["key"] == key) & (signals["kpi"] == kpi)] if len(signals) else None
        title = f"{chart}: {key or rpt.t('company')} — {kpi_name(rpt, kpi)}"
        if chart == "p'":
            title += rpt.text(" (Laney, σz = {s})", "（离散修正，σz = {s}）", s=f"{pts['sigma_z'].iloc[0]:.2f}")
        _display(rpt.figure(plots.control_chart(pts, rpt, title, chart, sig, kd.actions, level, key)))


def show_scorecard(rpt, sc: pd.DataFrame, kd: A.KpiData, params) -> None:
    """Rep scorecards (saved), the leaderboard table and chart."""
    from workbench.kpi.team import leaderboard

    if kd.leads is None:
        _display(rpt.note("No leads table: win rates, stage conversion and the leaderboard are off.",
                          "没有线索表（leads）：赢单率、阶段转化和排行榜已关闭。", level="off"))
    _display(rpt.say("No activity table exists in the data model, so activity is not scored. Win rates count closed "
                     "leads created in the window; intervals are 95% Wilson; reps with fewer than {k} closed leads are "
                     "not ranked.", "数据模型中没有活动量表，因此不评估活动量。赢单率只计窗口内创建且已结束的线索；区间为 95% Wilson；"
                     "已结束线索少于 {k} 条的销售代表不参与排名。", k=count(params.min_leads)))
    win = _window_label(kd, params)
    _display(_table(rpt, sc, "rep_scorecard", period=win, money_cols=("revenue", "avg_deal_size"),
                    columns=["rep_id", "name", "team", "status", "revenue", "attainment", "attainment_low",
                             "attainment_high", "won", "lost", "win_rate", "win_rate_low", "win_rate_high",
                             "avg_deal_size", "cycle_days_median"],
                    caption=rpt.text("Rep scorecards by rank (95% intervals)", "销售代表记分卡（按排名，95% 区间）")))
    lb = leaderboard(sc)
    if len(lb):
        _display(rpt.say("The leaderboard ranks the pooled win rate; the rank interval shows which places the data "
                         "cannot tell apart. {n} of {m} ranked reps are distinguishable from the company rate.",
                         "排行榜按收缩后的赢单率排序；名次区间表示数据无法区分的名次范围。{m} 名参与排名的销售代表中有 {n} 名与公司整体赢单率有显著差异。",
                         n=count(int((lb["verdict"] != "within noise").sum())), m=count(len(lb))))
        view = lb.assign(rank_range=[f"{int(a)}–{int(b)}" for a, b in zip(lb["rank_low"], lb["rank_high"], strict=True)])
        _display(_table(rpt, lb, "leaderboard", shown=view, period=win,
                        columns=["rank", "rank_range", "rep_id", "name", "team", "won", "lost", "win_rate",
                                 "win_rate_low", "win_rate_high", "win_rate_pooled", "verdict"],
                        caption=rpt.text("Top of the leaderboard", "排行榜前列")))
        _display(rpt.figure(plots.leaderboard(lb, rpt)))


def show_training(rpt, tn: pd.DataFrame, kd: A.KpiData, params) -> None:
    """Training needs (saved) with the reading of 'explained by channel mix'."""
    if kd.leads is None or kd.stages is None:
        _display(rpt.note("Training needs need leads and stages: section off.", "培训需求需要线索表和阶段表：本节已关闭。",
                          level="off"))
        return
    if len(tn):
        _display(_table(rpt, tn, "training_needs", formats={"q_value": "p", "p_value": "p", "gap": "pp"},
                        columns=["rep_id", "name", "team", "transition", "rep_rate", "ci_low", "ci_high", "rep_n",
                                 "team_rate", "q_value", "channel_expected", "explained_by_channel",
                                 "suggested_training"]))
        n_coach = int((~tn["explained_by_channel"]).sum())
        _display(rpt.say("{n} flag(s) at a false discovery rate of {a}: {c} call for coaching at the named stage; {e} "
                         "match what the rep's channel mix predicts (a channel problem, not a skills problem).",
                         "在 {a} 的错误发现率下共 {n} 项：{c} 项需要在所列阶段进行辅导；{e} 项与该销售代表的渠道结构预期一致（属于渠道问题，而非技能问题）。",
                         n=count(len(tn)), a=share(params.alpha, digits=0), c=count(n_coach),
                         e=count(len(tn) - n_coach)))
    else:
        rpt.save(tn, "training_needs")
        _display(rpt.say("No rep is significantly below their team at any stage (false discovery rate {a}).",
                         "没有销售代表在任何阶段显著低于所在团队（错误发现率 {a}）。", a=share(params.alpha, digits=0)))


def _change_words(rpt, change: dict) -> str:
    """A what-if's changed plan fields in words: ``accelerator = 2.0``."""
    return "; ".join(f"{rpt.t('plan_field_' + k)} = {v}" for k, v in change.items())


def show_incentives(rpt, inc: pd.DataFrame, wi: pd.DataFrame, kd: A.KpiData, params) -> None:
    """Pay per rep over the plan periods (per period saved), total cost, the what-if table and the payout curves."""
    if inc.empty:
        _display(rpt.note("No rep-attributed revenue in complete plan periods: no incentives computed.",
                          "完整计划期内没有归属到销售代表的收入：未计算激励。", level="off"))
        return
    if kd.targets is None:
        _display(rpt.note("Without targets every rep earns the first tier's rate, with no accelerator.",
                          "没有目标时所有销售代表都按第一档费率计提，无加速。"))
    plan = wi.iloc[0]
    pers = sorted(inc["period"].unique())
    span = pers[0] if len(pers) == 1 else f"{pers[0]}..{pers[-1]}"
    _display(rpt.say("Plan periods {span} ({k} complete, per {per}). Total cost {cost} on credited revenue of {rev} "
                     "({share}); returns clawed back {claw}; {paid} reps paid, the highest {maxp}, all over {span}.",
                     "计划期 {span}（{k} 个完整计划期，按{per}）。总成本 {cost}，计提收入 {rev}（占 {share}）；退货追回 {claw}；"
                     "{paid} 人获得奖励，最高 {maxp}（均为 {span} 合计）。",
                     span=span, k=count(len(pers)), per=rpt.t(params.incentive_plan.period).lower(),
                     cost=money(plan["total_cost"]), rev=money(plan["credited"]), share=share(plan["cost_share"], digits=2),
                     claw=money(plan["clawback"]), paid=count(int(plan["reps_paid"])), maxp=money(plan["max_pay"])))
    rpt.save(inc, "incentives")
    per_rep = inc.groupby(["rep_id", "name", "team"], dropna=False, as_index=False)[
        ["credited", "target", "commission", "accelerator_extra", "capped", "clawback", "team_bonus", "total_pay"]].sum()
    per_rep = per_rep.sort_values("total_pay", ascending=False)
    _display(_table(rpt, per_rep, None, period=span,
                    caption=rpt.text("Pay per rep over {span}, highest first; every rep and period is in the "
                                     "incentives table", "各销售代表 {span} 应发合计（由高到低）；全部人员和分期明细见激励明细表",
                                     span=span)))
    shown = wi.assign(changes=[_change_words(rpt, params.incentive_what_if.get(x, {})) for x in wi["scenario"]])
    _display(_table(rpt, wi, "incentive_what_if", shown=shown, period=span,
                    columns=["scenario", "changes", "total_cost", "delta", "cost_share", "commission", "team_bonus",
                             "max_pay"], formats={"delta": "money_signed"}))
    _display(rpt.figure(plots.payout_curve(params, rpt)))


def formula_measures() -> pd.DataFrame:
    """The base measures a custom KPI formula may use."""
    return pd.DataFrame({"measure": list(F.MEASURES), "description": list(F.MEASURES.values())})


__all__ = ["show_notes", "kpi_definitions", "show_definitions", "headline", "show_attainment", "show_gap",
           "show_forecast", "show_backtest", "show_calibration", "show_control", "show_scorecard", "show_training",
           "show_incentives", "signal_text"]
