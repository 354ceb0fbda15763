"""What the executive summary shows: headline, linked findings, effect plot."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from workbench import i18n, theme
from workbench.report import _html, fmt_money, fmt_num

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
})


def headline(findings: pd.DataFrame, actions: pd.DataFrame, effects: pd.DataFrame, currency: str) -> dict:
    """The summary's headline: how many findings, the top action and how many actions worked."""
    worked = effects.loc[effects["ci_low"].notna() & (effects["ci_low"] > 0)] if len(effects) else effects
    top_en = top_zh = ""
    if len(actions):
        a = actions.iloc[0]
        top_en = f" Top action: {a['action_en']} ({fmt_money(a['value_at_stake'], currency)} at stake)."
        top_zh = f" 首要行动：{a['action_zh']}（涉及 {fmt_money(a['value_at_stake'], currency)}）。"
    esc = str.maketrans({"{": "{{", "}": "}}"})
    return {
        "en": "{n} findings from {r} reports; {w} of {m} measured actions show an effect whose 95% interval "
              "excludes zero." + top_en.translate(esc),
        "zh": "来自 {r} 份报告的 {n} 项发现；已评估的 {m} 项行动中有 {w} 项效果的 95% 区间不含零。" + top_zh.translate(esc),
        "n": len(findings), "r": int(findings["report"].nunique()) if len(findings) else 0,
        "w": len(worked), "m": int(effects["effect"].notna().sum()) if len(effects) else 0,
    }


def findings_html(findings: pd.DataFrame, lang: str):
    """Findings as a list, each with its figure's uncertainty and a link to the report behind it."""
    if findings.empty:
        return _html("")
    label = "Open the report" if lang == "en" else "查看报告"
    items = []
    for f in findings.itertuples(index=False):
        text = f.finding_zh if lang == "zh" else f.finding_en
        n = "" if pd.isna(f.n) else f" · n = {int(f.n):,}"
        # text and uncertainty come from data: escaped; the link is the workbench's own file name
        items.append(f'<li><b>{html.escape(str(text))}</b><div class="wb-meta">{html.escape(str(f.uncertainty))}{n} · '
                     f'<a href="{html.escape(Path(str(f.report)).name)}">{label}</a> · '
                     f'{html.escape(str(f.source))}</div></li>')
    return _html(f'<ul class="wb-findings">{"".join(items)}</ul>')


def localise_actions(actions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Recommended actions with the action text in the report's language."""
    if actions.empty:
        return actions.assign(action=pd.Series(dtype="str"))
    return actions.assign(action=actions["action_zh"] if lang == "zh" else actions["action_en"])


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
            digits = 2 if abs(r["effect"]) < 10 else 0
            ax.annotate(f"{fmt_num(r['effect'], digits)}  (n={int(r['n']):,})", (r["effect"], yy),
                        textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_yticks(range(len(g)), [f"{a} · {k}" if isinstance(k, str) else str(a)
                                      for a, k in zip(g["action_id"], g["key"], strict=True)])
        ax.set_ylim(-0.7, len(g) - 0.3)
        ax.set_title(report.t(kpi), loc="left", fontsize=10)
        ax.grid(axis="y", visible=False)
    from matplotlib.ticker import StrMethodFormatter

    for ax in axes[:, 0]:  # plain numbers (no "1e6" offset), thousands separated for money
        if max(abs(v) for v in ax.get_xlim()) >= 1000:
            ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        else:
            ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    axes[-1, 0].set_xlabel(report.text("effect with 95% interval (units of each KPI)", "效果及 95% 区间（各指标自身单位）"))
    fig.suptitle(report.text("Did our actions work?", "行动是否有效？"))
    return fig


def _unit_of(metric: str) -> str:
    """How a comparison's figures read: money, points (NPS, price index) or a rate / share."""
    m = str(metric)
    if m.startswith(("revenue", "actual")):
        return "money"
    if m.startswith(("NPS", "price index")):
        return "points"
    return "pct"


def show_changes(changes: pd.DataFrame, report, max_unchanged: int = 15):
    """Period-over-period tables, changes beyond noise first.

    One table per kind of figure (rates and shares as percentages, NPS and price index as
    points, money as money). Comparisons within noise are counted and the first
    ``max_unchanged`` listed; all of them are in the saved ``period_changes`` table.
    """
    from IPython.display import display

    if changes.empty:
        return report.note("Nothing to compare.", "没有可比较的内容。")
    report.save(changes, "period_changes")
    cols = ["source", "item", "metric", "previous", "current", "change", "ci_low", "ci_high", "p_adjusted",
            "changed", "n_previous", "n_current"]
    values = ("previous", "current", "change", "ci_low", "ci_high")
    fmt = {"money": "money", "points": "num", "pct": "pct"}
    changed = changes["changed"].fillna(False).astype(bool)
    unit = changes["metric"].map(_unit_of)
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
        for kind in ("pct", "points", "money"):
            rows = block.loc[unit[part] == kind]
            if rows.empty:
                continue
            if not is_change:
                rows = rows.sort_values("p_adjusted", na_position="last")
            formats = {**{c: fmt[kind] for c in values}, "n_previous": "int", "n_current": "int"}
            display(report.table(rows[[c for c in cols if c in rows.columns]], formats=formats,
                                 max_rows=len(rows) if is_change else max_unchanged))
            for note in rows["note"].dropna().astype(str).unique():  # said once, not on every row
                display(report.say("{note}", "{note}", note=note))
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
