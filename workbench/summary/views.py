"""What the executive summary shows: headline, findings, actions, changes and action effects.

Views take the report first and only render; every number goes through the
reporting layer's formatter (by the ``kind`` a finding carries, or the kind of a
column), every word through the summary's label catalogue.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from workbench.reporting import Markup
from workbench.summary.compare import NOTES
from workbench.summary.fmt import fmt, interval
from workbench.summary.labels import LABELS, report_title, rfm_segment
from workbench.summary.plots import KPI_KINDS, plot_effects


def headline(findings: pd.DataFrame, actions: pd.DataFrame, effects: pd.DataFrame, currency: str) -> dict:
    """The summary's headline ``{"en", "zh", values}``: findings, the top action (value per year), actions that worked."""
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


def show_headline(rpt, findings: pd.DataFrame, actions: pd.DataFrame, effects: pd.DataFrame, source=None):
    """Show the headline (the runner copies it to the index page), and what ``source`` (a
    :class:`~workbench.summary.prepare.RunSource`) says about the run read; without a run to read,
    the headline says what is needed instead of "0 findings from 0 reports"."""
    notes = source.notes if source is not None else None
    if source is not None and source.tables_dir is None:
        off = next(n for n in notes.notes if n.level == "off")
        rpt.headline(off.en, off.zh, **off.values)  # what is needed, said once: not "0 findings from 0 reports"
        return None
    rpt.headline(**headline(findings, actions, effects, rpt.currency))
    return rpt.notes(notes)


# ----------------------------------------------------------------------------- findings and actions


def findings_view(findings: pd.DataFrame, lang: str, currency: str = "CNY") -> pd.DataFrame:
    """The findings as a reader sees them: each figure formatted by its kind, its interval, n and period.

    Returns
    -------
    DataFrame of text: ``area, finding, figure, interval, n, period``.
    """
    zh = lang == "zh"
    rows = [{"area": LABELS.t(f"area_{f.area}", lang), "finding": f.finding_zh if zh else f.finding_en,
             "figure": fmt(f.value, f.kind, lang, currency), "interval": interval(f.ci_low, f.ci_high, f.kind, lang,
                                                                                   currency),
             "n": fmt(f.n, "count", lang), "period": f.period if isinstance(f.period, str) and f.period else "–"}
            for f in findings.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["area", "finding", "figure", "interval", "n", "period"])


def show_findings(rpt, findings: pd.DataFrame):
    """Save the ``findings`` result table and show it formatted (figures by kind, never raw floats)."""
    view = findings_view(findings, rpt.lang, rpt.currency)
    return rpt.table(findings, "findings", shown=view, formats=dict.fromkeys(view.columns, "text"),
                     empty=("No report of this run left a finding.", "本次运行的报告没有可汇总的发现。"))


def findings_list(rpt, findings: pd.DataFrame, source=None):
    """Findings as a list, each with its basis and a link to the report behind it: its page in the
    report's language in the run ``source`` (a :class:`~workbench.summary.prepare.RunSource`) read."""
    if findings.empty:
        return None
    zh = rpt.lang == "zh"
    items = []
    for f in findings.itertuples(index=False):
        text = f.finding_zh if zh else f.finding_en
        basis = f.basis_zh if zh else f.basis_en
        n = "" if pd.isna(f.n) else f" · n = {fmt(f.n, 'count', rpt.lang)}"
        if source is not None:
            page = source.page(f.report, rpt.lang)
        else:
            page = Path(str(f.report)).name
            if zh:
                page = page.replace(".html", ".zh.html")
        link = f"{rpt.t('open_report')}：" if zh else f"{rpt.t('open_report')}: "
        link += report_title(f.report, rpt.lang)
        # text and basis may carry names from the data: escaped; the link is the workbench's own file name,
        # its title the result table the figure comes from
        items.append(f'<li><b>{html.escape(str(text))}</b><div class="wb-meta">{html.escape(str(basis))}{n} · '
                     f'<a href="{html.escape(page, quote=True)}" title="{html.escape(str(f.source), quote=True)}">'
                     f'{html.escape(link)}</a></div></li>')
    return Markup(f'<ul class="wb-findings">{"".join(items)}</ul>')


def actions_view(actions: pd.DataFrame, lang: str, currency: str = "CNY") -> pd.DataFrame:
    """Recommended actions as a reader sees them: the value per year (the ranking basis) and its interval."""
    zh = lang == "zh"
    rows = [{"rank": a.rank, "area": LABELS.t(f"area_{a.area}", lang), "action": a.action_zh if zh else a.action_en,
             "value_year": fmt(a.value_year, "money_year", lang, currency, True),
             "interval_year": interval(a.value_year_low, a.value_year_high, "money_year", lang, currency, True),
             "per": LABELS.t(f"per_{a.per}", lang), "basis": a.basis_zh if zh else a.basis_en,
             "report": report_title(a.report, lang)}
            for a in actions.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["rank", "area", "action", "value_year", "interval_year", "per", "basis",
                                       "report"])


def show_actions(rpt, actions: pd.DataFrame, max_rows: int = 8):
    """Save the ``recommended_actions`` result table and show the first ``max_rows``, ranked by value per year."""
    view = actions_view(actions, rpt.lang, rpt.currency)
    return rpt.table(actions, "recommended_actions", shown=view, max_rows=max_rows,
                     formats={**dict.fromkeys(view.columns, "text"), "rank": "count"},
                     empty=("No table of this run states a forward-looking action with its value.",
                            "本次运行没有给出带有价值估计的前瞻性行动。"))


# ----------------------------------------------------------------------------- period over period


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


METRIC_KEYS = {"won/leads": "metric_won_leads", "satisfied/n": "metric_satisfied_n", "NPS": "metric_nps",
               "share": "metric_share", "actual": "metric_actual"}
METRIC_PREFIXES = {"price index": "metric_price_index", "win_rate_closed": "metric_win_rate_closed",
                   "conversion": "metric_conversion", "revenue": "metric_revenue"}


def metric_label(metric: str, lang: str) -> str:
    """A comparison's metric in the reader's language (``conversion 2026-09→2026-10`` -> ``转化率 2026-09→2026-10``)."""
    m = str(metric)
    if m in METRIC_KEYS:
        return LABELS.t(METRIC_KEYS[m], lang)
    for prefix, key in METRIC_PREFIXES.items():
        if m.startswith(prefix):
            return LABELS.t(key, lang) + m[len(prefix):]
    return m


def note_text(note: str, lang: str) -> str:
    """A comparison note in the reader's language (the result table keeps the English)."""
    if lang != "zh":
        return note
    if note in NOTES:
        return NOTES[note]
    m = re.fullmatch(r"chi-square over all (.+)s: p = (.+)", note)
    return f"整表卡方检验：p = {m.group(2)}" if m else note


def item_label(item: str, lang: str) -> str:
    """A compared item in the reader's language: ``channel / CH01 直销`` -> ``渠道 / CH01 直销`` (data names kept)."""
    parts = str(item).split(" / ")
    if len(parts) == 2 and f"dim_{parts[0]}" in LABELS:
        group = LABELS.t(f"group_{parts[1]}", lang) if f"group_{parts[1]}" in LABELS else parts[1]
        return f"{LABELS.t(f'dim_{parts[0]}', lang)} / {group}"
    return str(item)


def changes_view(changes: pd.DataFrame, lang: str, currency: str = "CNY") -> pd.DataFrame:
    """Comparisons as a reader sees them: rates as %, their changes in percentage points, money with its
    period, NPS and price index in points, p-values as ``< 0.001``, counts as integers."""
    rows = []
    for r in changes.itertuples(index=False):
        unit = _unit_of(r.metric)
        step = "pp" if unit == "share" else unit
        source = LABELS.t("from_data", lang) if r.source == "data" else report_title(str(r.source).split("/")[0], lang)
        item = rfm_segment(r.item)[lang == "zh"] if str(r.source).endswith("/rfm") else item_label(r.item, lang)
        rows.append({"source": source, "item": item,
                     "metric": metric_label(r.metric, lang),
                     "previous": fmt(r.previous, unit, lang, currency), "current": fmt(r.current, unit, lang, currency),
                     "change": fmt(r.change, step, lang, currency, signed=True),
                     "interval": interval(r.ci_low, r.ci_high, step, lang, currency, signed=True),
                     "p_adjusted": fmt(r.p_adjusted, "p", lang),
                     "changed": LABELS.t("yes" if r.changed is True else "no", lang),
                     "n_previous": fmt(r.n_previous, "count", lang), "n_current": fmt(r.n_current, "count", lang)})
    return pd.DataFrame(rows, columns=["source", "item", "metric", "previous", "current", "change", "interval",
                                       "p_adjusted", "changed", "n_previous", "n_current"])


def show_changes(rpt, changes: pd.DataFrame, notes=None, max_unchanged: int = 15) -> Markup:
    """Period-over-period tables, changes beyond noise first.

    One table per kind of figure (rates and shares as percentages with changes in percentage
    points, NPS and price index as points, money with its period). Comparisons within noise
    are counted and the first ``max_unchanged`` listed; all of them are in the saved
    ``period_changes`` table.
    """
    out = [rpt.notes(notes)]
    if changes.empty:
        rpt.save(changes, "period_changes")
        return _join(out + [rpt.note("Nothing to compare.", "没有可比较的内容。")])
    changed = changes["changed"].fillna(False).astype(bool)
    kinds = changes["metric"].map(_unit_of)
    out.append(rpt.say("{n} of {total} comparisons moved beyond noise; the rest are within what chance alone "
                       "would give.", "{total} 项比较中有 {n} 项超出噪声范围；其余变化在随机波动范围内。",
                       n=int(changed.sum()), total=len(changes)))
    first = True
    for is_change, title_en, title_zh in ((True, "Changed beyond noise", "超出噪声的变化"),
                                          (False, "Within noise", "在噪声范围内")):
        part = changed if is_change else ~changed
        block = changes.loc[part]
        if block.empty:
            continue
        out.append(rpt.say("<b>" + title_en + "</b> ({n})", "<b>" + title_zh + "</b>（{n}）", n=len(block)))
        for kind in ("share", "points", "money_month", "money"):
            rows = block.loc[kinds[part] == kind]
            if rows.empty:
                continue
            if not is_change:
                rows = rows.sort_values("p_adjusted", na_position="last")
            view = changes_view(rows.assign(changed=rows["changed"].fillna(False).astype(bool)), rpt.lang,
                                rpt.currency)
            # the first table saves the whole comparison table (and links it); the others show their part
            out.append(rpt.table(changes if first else view, "period_changes" if first else None, shown=view,
                                 formats=dict.fromkeys(view.columns, "text"), headers={"metric": "sum_metric"},
                                 max_rows=len(view) if is_change else max_unchanged))
            first = False
            out += [rpt.say("{note}", "{note}", note=note_text(n, rpt.lang))  # said once, not on every row
                    for n in rows["note"].dropna().astype(str).unique()]
    return _join(out)


def _join(parts) -> Markup:
    return Markup("".join(p._repr_html_() for p in parts if p is not None))


# ----------------------------------------------------------------------------- did our actions work


SIDES = {"treated before": "行动对象（之前）", "treated after": "行动对象（之后）", "comparison before": "对照组（之前）",
         "comparison after": "对照组（之后）"}


def effect_note(note: str, lang: str) -> str:
    """Why an action has no estimate, in the reader's language (the result table keeps the English)."""
    if lang != "zh" or not note:
        return note
    if note.startswith("no comparison group; "):
        return "没有对照组；" + effect_note(note.removeprefix("no comparison group; "), lang)

    def kpi(k: str) -> str:
        return LABELS.t(f"kpi_{k}", "zh") if f"kpi_{k}" in LABELS else k

    rules = [
        (r"no data for (.+)", lambda m: "缺少数据：" + "、".join(SIDES.get(x, x) for x in m.group(1).split(", "))),
        (r"the treated unit or the comparison group has no data on one side of the start",
         lambda m: "行动对象或对照组在开始日期的某一侧没有数据"),
        (r"(\d+) period\(s\) before and (\d+) after the start; need (\d+) on each side",
         lambda m: f"开始日期之前 {m.group(1)} 个月、之后 {m.group(2)} 个月；每侧至少需要 {m.group(3)} 个月"),
        (r"no KPI given for this action", lambda m: "该行动未指定指标"),
        (r"KPI '(.*)' at level '(.*)' cannot be measured from this data.*",
         lambda m: f"无法从本数据衡量指标“{m.group(1)}”（层级：{LABELS.t('level_' + m.group(2), 'zh')}）；"
                   "支持转化率、收入、订单数、NPS、CSAT，反馈类指标仅限公司或渠道层级"),
        (r"no (\S+) data for (\S+) '(.*)'",
         lambda m: f"{LABELS.t('level_' + m.group(2), 'zh')}“{m.group(3)}”没有{kpi(m.group(1))}数据"),
        (r"no (\S+) data after the start \((.+)\) yet", lambda m: f"开始日期（{m.group(2)}）之后尚无{kpi(m.group(1))}数据"),
    ]
    for pattern, say in rules:
        m = re.fullmatch(pattern, note)
        if m:
            return say(m)
    return note


def effects_view(effects: pd.DataFrame, lang: str, currency: str = "CNY") -> pd.DataFrame:
    """Action effects as a reader sees them: each KPI in its own unit (a rate's effect in percentage points,
    revenue per month with its currency, NPS in points, CSAT as a mean score), p-values as ``< 0.001``."""
    rows = []
    for e in effects.itertuples(index=False):
        level_kind, step_kind = KPI_KINDS.get(e.kpi, ("num", "num"))
        rows.append({"action_id": e.action_id, "description": e.description,
                     "level": LABELS.t(f"level_{e.level}", lang) if isinstance(e.level, str) else "–",
                     "key": e.key if isinstance(e.key, str) else "–",
                     "kpi": LABELS.t(f"kpi_{e.kpi}", lang) if isinstance(e.kpi, str) else "–",
                     "start_date": str(e.start_date)[:10],
                     "method": LABELS.t(e.method, lang) if isinstance(e.method, str) else "–",
                     "before": fmt(e.before, level_kind, lang, currency),
                     "after": fmt(e.after, level_kind, lang, currency),
                     "effect": fmt(e.effect, step_kind, lang, currency, signed=True),
                     "interval": interval(e.ci_low, e.ci_high, step_kind, lang, currency, signed=True),
                     "p_value": fmt(e.p_value, "p", lang), "n": fmt(e.n, "count", lang),
                     "note": effect_note(e.note, lang) if isinstance(e.note, str) else ""})
    return pd.DataFrame(rows, columns=["action_id", "description", "level", "key", "kpi", "start_date", "method",
                                       "before", "after", "effect", "interval", "p_value", "n", "note"])


def show_effects(rpt, effects: pd.DataFrame):
    """Save the ``action_effects`` result table and show it, each KPI in its own unit."""
    view = effects_view(effects, rpt.lang, rpt.currency)
    return rpt.table(effects, "action_effects", shown=view, formats=dict.fromkeys(view.columns, "text"),
                     headers={"action_id": "sum_action_id", "key": "sum_key", "kpi": "sum_kpi", "effect": "sum_effect"},
                     empty=("The data has no actions table.", "数据中没有行动表。"))


def show_effects_plot(rpt, effects: pd.DataFrame):
    """The forest plot of action effects, or a note when no action could be measured."""
    if len(effects) and effects["effect"].notna().any():
        return rpt.figure(plot_effects(effects, rpt))
    return rpt.note("No action could be measured.", "没有可评估的行动。")
