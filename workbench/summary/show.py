"""What the executive summary shows: headline, linked findings, effect plot."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from workbench import i18n, theme
from workbench.report import _html
from workbench.summary.fmt import fmt, interval

i18n.register({
    "finding": ("Finding", "发现"),
    "area": ("Area", "领域"),
    "finding_en": ("Finding", "发现"),
    "finding_zh": ("Finding", "发现"),
    "figure": ("Figure", "数值"),
    "uncertainty": ("Uncertainty", "不确定性"),
    "report": ("Report", "报告"),
    "action": ("Action", "行动"),
    "value_at_stake": ("Value at stake", "涉及金额"),
    "basis": ("Basis", "依据"),
    "action_id": ("Action", "行动编号"),
    "description": ("Description", "描述"),
    "kpi": ("KPI", "指标"),
    "key": ("Key", "对象"),
    "start_date": ("Start", "开始日期"),
    "method": ("Method", "方法"),
    "effect": ("Effect", "效果"),
    "ci_low": ("95% CI low", "95% 区间下限"),
    "ci_high": ("95% CI high", "95% 区间上限"),
    "p_value": ("p", "p 值"),
    "p_adjusted": ("p (Holm)", "p（Holm 校正）"),
    "before": ("Before", "之前"),
    "after": ("After", "之后"),
    "comparison_units": ("Comparison units", "对照单元数"),
    "source": ("Source", "来源"),
    "item": ("Item", "对象"),
    "metric": ("Metric", "指标"),
    "previous": ("Previous", "上期"),
    "current": ("Current", "本期"),
    "change": ("Change", "变化"),
    "n_previous": ("n previous", "上期样本量"),
    "n_current": ("n current", "本期样本量"),
    "changed": ("Beyond noise", "超出噪声"),
    "interval": ("95% interval", "95% 区间"),
    "period": ("Period", "期间"),
    "value_year": ("Expected value per year", "每年预期价值"),
    "interval_year": ("95% interval per year", "每年 95% 区间"),
    "per": ("Stated", "原始口径"),
})


AREAS = {"data": ("Data", "数据"), "customers": ("Customers", "客户"), "channels": ("Channels", "渠道"),
         "kpi": ("KPI", "KPI"), "competitors": ("Competitors", "竞争对手"), "feedback": ("Feedback", "客户反馈")}
PER_WORDS = {"month": ("per month", "每月"), "quarter": ("per quarter", "每季度"), "year": ("per year", "每年"),
             "window": ("once, in the open period", "一次性（未结束期间）")}


def headline(findings: pd.DataFrame, actions: pd.DataFrame, effects: pd.DataFrame, currency: str) -> dict:
    """The summary's headline: how many findings, the top action (value per year) and how many actions worked."""
    worked = effects.loc[effects["ci_low"].notna() & (effects["ci_low"] > 0)] if len(effects) else effects
    top_en = top_zh = ""
    if len(actions):
        a = actions.iloc[0]
        top_en = f" Top action: {a['action_en']}; {fmt(a['value_year'], 'money_year', 'en', currency, True)}."
        top_zh = f" 首要行动：{a['action_zh']}；折合 {fmt(a['value_year'], 'money_year', 'zh', currency, True)}。"
    esc = str.maketrans({"{": "{{", "}": "}}"})
    return {
        "en": "{n} findings from {r} reports; {w} of {m} measured actions show an effect whose 95% interval "
              "excludes zero." + top_en.translate(esc),
        "zh": "来自 {r} 份报告的 {n} 项发现；已评估的 {m} 项行动中有 {w} 项效果的 95% 区间不含零。" + top_zh.translate(esc),
        "n": len(findings), "r": int(findings["report"].nunique()) if len(findings) else 0,
        "w": len(worked), "m": int(effects["effect"].notna().sum()) if len(effects) else 0,
    }


def findings_view(findings: pd.DataFrame, lang: str, currency: str = "CNY") -> pd.DataFrame:
    """The findings table as a reader sees it: each figure formatted by its kind, its interval and n.

    Returns
    -------
    DataFrame of text: ``area, finding, figure, interval, n, period``.
    """
    zh = lang == "zh"
    rows = []
    for f in findings.itertuples(index=False):
        rows.append({"area": AREAS.get(f.area, (f.area, f.area))[1 if zh else 0],
                     "finding": f.finding_zh if zh else f.finding_en,
                     "figure": fmt(f.value, f.kind, lang, currency),
                     "interval": interval(f.ci_low, f.ci_high, f.kind, lang, currency),
                     "n": fmt(f.n, "count", lang), "period": f.period if isinstance(f.period, str) and f.period else "–"})
    return pd.DataFrame(rows, columns=["area", "finding", "figure", "interval", "n", "period"])


def show_findings(findings: pd.DataFrame, report):
    """Save the ``findings`` result table and show it formatted (figures by kind, never raw floats)."""
    report.save(findings, "findings")
    view = findings_view(findings, report.lang, report.currency)
    return _html(report.table_html(view, formats=dict.fromkeys(view.columns, "text"), name="findings",
                                   total=len(view)))


def findings_html(findings: pd.DataFrame, lang: str):
    """Findings as a list, each with its basis and a link to the report behind it."""
    if findings.empty:
        return _html("")
    label = "Open the report" if lang == "en" else "查看报告"
    items = []
    for f in findings.itertuples(index=False):
        text = f.finding_zh if lang == "zh" else f.finding_en
        basis = f.basis_zh if lang == "zh" else f.basis_en
        n = "" if pd.isna(f.n) else f" · n = {fmt(f.n, 'count')}"
        # text and basis may carry data names: escaped; the link is the workbench's own file name
        items.append(f'<li><b>{html.escape(str(text))}</b><div class="wb-meta">{html.escape(str(basis))}{n} · '
                     f'<a href="{html.escape(Path(str(f.report)).name)}">{label}</a> · '
                     f'{html.escape(str(f.source))}</div></li>')
    return _html(f'<ul class="wb-findings">{"".join(items)}</ul>')


def actions_view(actions: pd.DataFrame, lang: str, currency: str = "CNY") -> pd.DataFrame:
    """Recommended actions as a reader sees them: the value per year (the ranking basis) with its interval."""
    zh = lang == "zh"
    rows = []
    for a in actions.itertuples(index=False):
        rows.append({"rank": fmt(a.rank, "count"), "area": AREAS.get(a.area, (a.area, a.area))[1 if zh else 0],
                     "action": a.action_zh if zh else a.action_en,
                     "value_year": fmt(a.value_year, "money_year", lang, currency, True),
                     "interval_year": interval(a.value_year_low, a.value_year_high, "money_year", lang, currency, True),
                     "per": PER_WORDS.get(a.per, (a.per, a.per))[1 if zh else 0],
                     "basis": a.basis_zh if zh else a.basis_en, "report": a.report})
    return pd.DataFrame(rows, columns=["rank", "area", "action", "value_year", "interval_year", "per", "basis",
                                       "report"])


def show_actions(actions: pd.DataFrame, report, max_rows: int = 8):
    """Save the ``recommended_actions`` result table and show the first ``max_rows``, ranked by value per year."""
    report.save(actions, "recommended_actions")
    if actions.empty:
        return report.note("No table of this run states a forward-looking action with its value.",
                           "本次运行没有给出可带来价值的前瞻性行动。")
    view = actions_view(actions, report.lang, report.currency)
    return _html(report.table_html(view, formats=dict.fromkeys(view.columns, "text"), max_rows=max_rows,
                                   name="recommended_actions", total=len(view)))


def localise_actions(actions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Recommended actions with the action text in the report's language."""
    if actions.empty:
        return actions.assign(action=pd.Series(dtype="str"))
    return actions.assign(action=actions["action_zh"] if lang == "zh" else actions["action_en"])


KPI_KINDS = {"conversion_rate": ("share", "pp"), "revenue": ("money_month", "money_month"), "orders": ("num", "num"),
             "nps": ("points", "points"), "csat": ("num2", "num2")}
KPI_WORDS = {"conversion_rate": ("conversion rate", "转化率"), "revenue": ("revenue per month", "月收入"),
             "orders": ("orders per month", "月订单数"), "nps": ("NPS (points)", "NPS（点）"),
             "csat": ("mean CSAT score (1–5)", "CSAT 平均分（1–5）")}
METHOD_WORDS = {"did_rates": ("difference-in-differences of rates", "比率的双重差分"),
                "did_regression": ("difference-in-differences (fixed effects)", "双重差分（固定效应）"),
                "interrupted_time_series": ("interrupted time series", "中断时间序列")}
LEVEL_WORDS = {"company": ("company", "公司"), "channel": ("channel", "渠道"), "region": ("region", "区域"),
               "team": ("team", "团队"), "rep": ("rep", "销售代表")}


def effects_view(effects: pd.DataFrame, lang: str, currency: str = "CNY") -> pd.DataFrame:
    """Action effects as a reader sees them: each KPI in its own unit (a rate's effect in percentage points,
    revenue per month with its currency, NPS in points, CSAT as a mean score), p-values as ``< 0.001``."""
    i = 1 if lang == "zh" else 0
    rows = []
    for e in effects.itertuples(index=False):
        level_kind, step_kind = KPI_KINDS.get(e.kpi, ("num", "num"))
        rows.append({"action_id": e.action_id, "description": e.description,
                     "level": LEVEL_WORDS.get(e.level, (e.level, e.level))[i] if isinstance(e.level, str) else "–",
                     "key": e.key if isinstance(e.key, str) else "–",
                     "kpi": KPI_WORDS.get(e.kpi, (e.kpi, e.kpi))[i] if isinstance(e.kpi, str) else "–",
                     "start_date": str(e.start_date)[:10],
                     "method": METHOD_WORDS.get(e.method, (e.method, e.method))[i] if isinstance(e.method, str) else "–",
                     "before": fmt(e.before, level_kind, lang, currency), "after": fmt(e.after, level_kind, lang, currency),
                     "effect": fmt(e.effect, step_kind, lang, currency, signed=True),
                     "interval": interval(e.ci_low, e.ci_high, step_kind, lang, currency, signed=True),
                     "p_value": fmt(e.p_value, "p", lang), "n": fmt(e.n, "count", lang),
                     "note": e.note if isinstance(e.note, str) else ""})
    return pd.DataFrame(rows, columns=["action_id", "description", "level", "key", "kpi", "start_date", "method",
                                       "before", "after", "effect", "interval", "p_value", "n", "note"])


def show_effects(effects: pd.DataFrame, report):
    """Save the ``action_effects`` result table and show it, each KPI in its own unit."""
    report.save(effects, "action_effects")
    view = effects_view(effects, report.lang, report.currency)
    return _html(report.table_html(view, formats=dict.fromkeys(view.columns, "text"), name="action_effects",
                                   total=len(view)))


def plot_effects(effects: pd.DataFrame, report):
    """Forest plot: each measured action's effect with its 95% interval, one panel per KPI (own scale)."""
    import matplotlib.pyplot as plt

    e = effects.loc[effects["effect"].notna()].reset_index(drop=True)
    groups = list(e.groupby("kpi", sort=True))
    heights = [max(len(g), 1) + 1 for _, g in groups] or [2]
    fig, axes = plt.subplots(len(heights), 1, figsize=(8.5, 0.55 * sum(heights) + 1.6), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    for ax, (kpi, g) in zip(axes[:, 0], groups, strict=False):
        g = g.reset_index(drop=True)
        for yy, r in g.iterrows():
            c = "#009E73" if r["ci_low"] > 0 else "#D55E00" if r["ci_high"] < 0 else "#999999"
            ax.errorbar([r["effect"]], [yy], xerr=theme.error_bars([r["effect"]], [r["ci_low"]], [r["ci_high"]]),
                        fmt="o", color=c, ecolor=c, capsize=3)
            label = fmt(r["effect"], KPI_KINDS.get(kpi, ("num", "num"))[1], report.lang, report.currency, signed=True)
            ax.annotate(f"{label}  (n = {fmt(r['n'], 'count')})", (r["effect"], yy),
                        textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_yticks(range(len(g)), [f"{a} · {k}" if isinstance(k, str) else str(a)
                                      for a, k in zip(g["action_id"], g["key"], strict=True)])
        ax.set_ylim(-0.7, len(g) - 0.3)
        ax.set_title(KPI_WORDS.get(kpi, (kpi, kpi))[1 if report.lang == "zh" else 0], loc="left", fontsize=10)
        ax.grid(axis="y", visible=False)
    from matplotlib.ticker import FuncFormatter

    for ax, (kpi, _) in zip(axes[:, 0], groups, strict=False):  # ticks in the KPI's own unit, never "1e6"
        step = KPI_KINDS.get(kpi, ("num", "num"))[1]
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda x, _pos, k=step: fmt(x, "money" if k.startswith("money") else k, report.lang, report.currency,
                                        signed=True)))
    axes[-1, 0].set_xlabel(report.text("effect with 95% interval (units of each KPI)", "效果及 95% 区间（各指标自身单位）"))
    fig.suptitle(report.text("Did our actions work?", "行动是否有效？"))
    return fig


def _unit_of(metric: str) -> str:
    """How a comparison's figures read: money (per month for monthly revenue), points (NPS, price index)
    or a rate / share (changes in percentage points)."""
    m = str(metric)
    if m.startswith("revenue"):
        return "money_month"
    if m.startswith("actual"):
        return "money"
    if m.startswith(("NPS", "price index")):
        return "points"
    return "share"


METRICS = {"won/leads": ("win rate (won / leads)", "转化率（赢单 / 线索）"),
           "satisfied/n": ("satisfied share (CSAT 4–5)", "满意占比（CSAT 4–5 分）"), "NPS": ("NPS", "NPS"),
           "share": ("share of customers", "客户占比"), "actual": ("actual (past period)", "实际值（历史期间）")}
METRIC_PREFIXES = {"price index": "价格指数", "conversion": "转化率", "revenue": "收入"}


def metric_label(metric: str, lang: str) -> str:
    """A comparison's metric in the reader's language (``conversion 2026-09→2026-10`` -> ``转化率 2026-09→2026-10``)."""
    m = str(metric)
    if m in METRICS:
        return METRICS[m][1 if lang == "zh" else 0]
    for prefix, zh in METRIC_PREFIXES.items():
        if m.startswith(prefix):
            return (zh + m[len(prefix):]) if lang == "zh" else m
    return m


def note_text(note: str, lang: str) -> str:
    """A comparison note in the reader's language (the table keeps the English)."""
    from workbench.summary.compare import NOTES

    if lang != "zh":
        return note
    if note in NOTES:
        return NOTES[note]
    m = re.fullmatch(r"chi-square over all (.+)s: p = (.+)", note)
    if m:
        return f"整表卡方检验：p = {m.group(2)}"
    return note


def changes_view(changes: pd.DataFrame, lang: str, currency: str = "CNY") -> pd.DataFrame:
    """Comparisons as a reader sees them: rates as %, their changes in percentage points, money with its
    period, NPS and price index in points, p-values as ``< 0.001``, counts as integers."""
    rows = []
    for r in changes.itertuples(index=False):
        unit = _unit_of(r.metric)
        step = "pp" if unit == "share" else unit
        rows.append({"source": "数据" if (lang == "zh" and r.source == "data") else r.source, "item": r.item,
                     "metric": metric_label(r.metric, lang),
                     "previous": fmt(r.previous, unit, lang, currency), "current": fmt(r.current, unit, lang, currency),
                     "change": fmt(r.change, step, lang, currency, signed=True),
                     "interval": interval(r.ci_low, r.ci_high, step, lang, currency, signed=True),
                     "p_adjusted": fmt(r.p_adjusted, "p", lang),
                     "changed": ("是" if lang == "zh" else "yes") if r.changed is True else ("否" if lang == "zh" else "no"),
                     "n_previous": fmt(r.n_previous, "count", lang), "n_current": fmt(r.n_current, "count", lang)})
    return pd.DataFrame(rows, columns=["source", "item", "metric", "previous", "current", "change", "interval",
                                       "p_adjusted", "changed", "n_previous", "n_current"])


def show_changes(changes: pd.DataFrame, report, max_unchanged: int = 15):
    """Period-over-period tables, changes beyond noise first.

    One table per kind of figure (rates and shares as percentages with changes in percentage
    points, NPS and price index as points, money with its period). Comparisons within noise
    are counted and the first ``max_unchanged`` listed; all of them are in the saved
    ``period_changes`` table.
    """
    from IPython.display import display

    if changes.empty:
        return report.note("Nothing to compare.", "没有可比较的内容。")
    report.save(changes, "period_changes")
    changed = changes["changed"].fillna(False).astype(bool)
    kinds = changes["metric"].map(_unit_of)
    display(report.say(
        "{n} of {total} comparisons moved beyond noise; the rest are within what chance alone would give.",
        "{total} 项比较中有 {n} 项超出噪声范围；其余变化在随机波动范围内。",
        n=int(changed.sum()), total=len(changes)))
    for is_change, title_en, title_zh in ((True, "Changed beyond noise", "超出噪声的变化"),
                                          (False, "Within noise", "在噪声范围内")):
        part = changed if is_change else ~changed
        block = changes.loc[part]
        if block.empty:
            continue
        display(report.say(f"<b>{title_en}</b> ({len(block)})", f"<b>{title_zh}</b>（{len(block)}）"))
        for kind in ("share", "points", "money_month", "money"):
            rows = block.loc[kinds[part] == kind]
            if rows.empty:
                continue
            if not is_change:
                rows = rows.sort_values("p_adjusted", na_position="last")
            view = changes_view(rows.assign(changed=rows["changed"].fillna(False).astype(bool)), report.lang,
                                report.currency)
            display(_html(report.table_html(view, formats=dict.fromkeys(view.columns, "text"),
                                            max_rows=len(view) if is_change else max_unchanged)))
            for note in rows["note"].dropna().astype(str).unique():  # said once, not on every row
                display(report.say("{note}", "{note}", note=note_text(note, report.lang)))
    return None


def period_changes(params, ds, ref_date, report) -> pd.DataFrame:
    """This run against the previous complete run of the same params; without one (said in a
    note), the last complete month against the one before, from the data."""
    from workbench.summary import compare

    if params.previous_run_dir:
        changes = compare.compare_runs(compare.run_folder(params.run_tables_dir), params.previous_run_dir)
        if len(changes):
            return changes
    else:
        from IPython.display import display

        display(report.note("No previous complete run of these params: comparing the last complete month with "
                            "the one before, from the data.",
                            "没有相同参数的上次完整运行：改为用数据比较最近一个完整月与前一个月。"))
    return compare.month_over_month(ds.tables.get("orders"), ds.tables.get("leads"), ref_date)


def show_effects_plot(effects: pd.DataFrame, report):
    """The forest plot of action effects, or a note when no action could be measured."""
    if effects["effect"].notna().any():
        return report.figure(plot_effects(effects, report))
    return report.note("No action could be measured.", "没有可评估的行动。")
