"""Headline findings and recommended actions of a run, read from the result tables of its notebooks.

Each extractor reads one area's tables (through :mod:`~workbench.summary.sources`)
and returns findings and, where a table says what is at stake, recommended
actions. Nothing is re-estimated: a finding's ``value`` is a cell of the table it
cites (``source``, ``column``, ``row_key``), or a plain sum of such cells, stored
as in that table (shares as 0..1) with its ``kind`` so a view can format it.

Actions are forward-looking and ranked on one basis: **expected value per year**.
A figure per month counts twelve times, per quarter four times; a gap of a
period that has already ended is a finding, never an action. The interval of a
total is taken from the table that computed it (the channel report's what-if
table holds the joint interval of the recommended split), or, failing that,
propagated from the parts in quadrature; bounds are never added up.

A notebook that did not run, or a table without the expected columns, simply
yields nothing; the summary says which reports it read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.summary.fmt import MONTHS_PER, both, fmt, interval
from workbench.summary.labels import rfm_segment
from workbench.summary.labels import words as words_of
from workbench.summary.sources import SOURCES, read, read_table  # noqa: F401  (read_table: public re-export)

log = logging.getLogger(__name__)

FINDING_COLUMNS = ["area", "finding_en", "finding_zh", "value", "kind", "ci_low", "ci_high", "n", "period",
                   "basis_en", "basis_zh", "report", "source", "column", "row_key"]
ACTION_COLUMNS = ["area", "action_en", "action_zh", "value", "value_low", "value_high", "per", "value_year",
                  "value_year_low", "value_year_high", "basis_en", "basis_zh", "report", "source"]
MIN_LEADS = 30  # a channel with fewer leads is not called best or worst
ECOMMERCE = "ecommerce"  # channels.type of online shops
@dataclass
class Context:
    """What every extractor may need besides the tables."""

    currency: str = "CNY"
    as_of: pd.Timestamp | None = None
    channel_types: dict[str, str] = field(default_factory=dict)

    @property
    def month(self) -> pd.Period | None:
        """The last month the data covers (the analysis date's month)."""
        return None if self.as_of is None else pd.Timestamp(self.as_of).to_period("M")


def _finding(area: str, name: str, text: tuple[str, str], value, kind: str, *, ci=(np.nan, np.nan), n=None,
             period: str = "", basis: tuple[str, str] = ("", ""), column: str = "", row_key: str = "") -> dict:
    src = SOURCES[name]
    return {"area": area, "finding_en": text[0], "finding_zh": text[1], "value": _f(value), "kind": kind,
            "ci_low": _f(ci[0]), "ci_high": _f(ci[1]), "n": None if n is None or pd.isna(n) else int(n),
            "period": period, "basis_en": basis[0], "basis_zh": basis[1], "report": src.report,
            "source": src.path, "column": column, "row_key": row_key}


def _action(area: str, name: str, text: tuple[str, str], value: float, low: float, high: float, per: str,
            basis: tuple[str, str]) -> dict:
    """An action worth ``value`` (interval ``low``..``high``) per ``per`` (month, quarter, year)."""
    k = 12 / MONTHS_PER[per]
    src = SOURCES[name]
    return {"area": area, "action_en": text[0], "action_zh": text[1], "value": _f(value), "value_low": _f(low),
            "value_high": _f(high), "per": per, "value_year": _f(value) * k, "value_year_low": _f(low) * k,
            "value_year_high": _f(high) * k, "basis_en": basis[0], "basis_zh": basis[1], "report": src.report,
            "source": src.path}


def _f(v) -> float:
    return float("nan") if v is None or pd.isna(v) else float(v)


def _true(s: pd.Series) -> pd.Series:
    return s.astype(str).str.lower().isin(["true", "1", "1.0"])


def _window(ctx: Context, months: int) -> str:
    """``2025-11..2026-10``: the ``months`` months up to the analysis date (empty without one)."""
    if ctx.month is None or months < 1:
        return ""
    return f"{ctx.month - (months - 1)}..{ctx.month}"


def _ended(window: str, ctx: Context) -> bool:
    """Has the period ``window`` (``YYYY-MM``, ``YYYY-MM..YYYY-MM``, ``YYYY-Qn``) ended by the analysis date?"""
    if ctx.month is None or not isinstance(window, str) or not window:
        return False
    last = window.split("..")[-1].strip()
    try:
        end = pd.Period(last, freq="Q").asfreq("M", "end") if "Q" in last else pd.Period(last, freq="M")
    except ValueError:
        return False
    return end.end_time.normalize() <= pd.Timestamp(ctx.as_of).normalize()  # its last day is covered by the data


def _months_in(window: str) -> int:
    parts = [p.strip() for p in str(window).split("..")]
    try:
        a = pd.Period(parts[0], freq="Q").asfreq("M", "start") if "Q" in parts[0] else pd.Period(parts[0], freq="M")
        b = pd.Period(parts[-1], freq="Q").asfreq("M", "end") if "Q" in parts[-1] else pd.Period(parts[-1], freq="M")
    except ValueError:
        return 12
    return max((b - a).n + 1, 1)


def _name(cid, name) -> str:
    return f"{cid} {name}".strip() if isinstance(name, str) and name and name != "nan" else str(cid)


# ----------------------------------------------------------------------------- the extractors


def data_quality(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """Row-weighted quality score over the tables, and the first fix of the fix list."""
    ov, fixes = read(tables, "quality_overview"), read(tables, "quality_fixes")
    if ov is None:
        return [], []
    scored = ov.loc[ov["score"].notna() & ov["rows"].notna()]
    if not len(scored) or scored["rows"].sum() <= 0:
        return [], []
    overall = float((scored["score"] * scored["rows"]).sum() / scored["rows"].sum())
    rows = int(scored["rows"].sum())
    top_en = top_zh = ""
    if fixes is not None:
        f = fixes.iloc[0]
        words = words_of(f"fix_{f['kind']}")
        table = words_of(f"data_{f['table']}")
        top_en, top_zh = f"; fix first: {table[0]} ({words[0]})", f"；优先修复：{table[1]}（{words[1]}）"
    text = both("Data quality score {s} / 100 over {n} rows" + top_en + ".",
                "数据质量得分 {s} / 100（{n} 行）" + top_zh + "。", s=(overall, "num"), n=(rows, "count"))
    return [_finding("data", "quality_overview", text, round(overall, 1), "num", n=rows,
                     basis=("row-weighted mean of the table scores", "各表得分按行数加权的平均值"),
                     column="score")], []


def segmentation(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """The segment with the largest share of net revenue (a count of the data, no sampling)."""
    seg = read(tables, "segments")
    if seg is not None:
        key = "rfm_segment" if "rfm_segment" in seg.columns else "segment"
        top = seg.sort_values("share_revenue", ascending=False).iloc[0]
        total = int(seg["customers"].sum())
        share, n, cshare, name = top["share_revenue"], int(top["customers"]), top["share_customers"], top[key]
        src, col = "segments", "share_revenue"
    else:
        rfm = read(tables, "rfm")
        if rfm is None:
            return [], []
        key = "rfm_segment" if "rfm_segment" in rfm.columns else "segment"
        by = rfm.groupby(key)["monetary"].agg(["sum", "size"]).sort_values("sum", ascending=False)
        if by["sum"].sum() <= 0:
            return [], []
        total, name = int(by["size"].sum()), by.index[0]
        share, n = by.iloc[0]["sum"] / by["sum"].sum(), int(by.iloc[0]["size"])
        cshare, src, col = n / total, "rfm", "monetary"
    text = both("RFM segment {seg}: {n} of {total} customers ({cs}) bring {s} of net revenue.",
                "RFM 分群“{seg}”：{total} 位客户中的 {n} 位（{cs}）贡献了 {s} 的净收入。",
                seg=dict(zip(("en", "zh"), rfm_segment(name), strict=True)), n=(n, "count"), total=(total, "count"), cs=(cshare, "share"), s=(share, "share"))
    return [_finding("customers", src, text, share, "share", n=total, column=col, row_key=f"{key}={name}",
                     basis=("share of net revenue: a count of the data, no sampling",
                            "净收入占比：对数据的直接统计，无抽样误差"))], []


def channel_conversion(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """Lowest and highest conversion among channels with enough leads, with their Wilson intervals."""
    cc = read(tables, "channel_conversion")
    if cc is None:
        return [], []
    big = cc.loc[cc["leads"] >= MIN_LEADS].sort_values("conversion_rate")
    if len(big) < 2:
        return [], []
    lo, hi = big.iloc[0], big.iloc[-1]
    separated = lo["ci_high"] < hi["ci_low"]
    v_en = "their 95% intervals do not overlap" if separated else "their 95% intervals overlap: not a clear gap"
    v_zh = "两者 95% 区间不重叠" if separated else "两者 95% 区间重叠：差距不明确"
    text = (
        f"Conversion ranges from {fmt(lo['conversion_rate'], 'share')} ({lo['channel_id']}, 95% CI "
        f"{interval(lo['ci_low'], lo['ci_high'], 'share')}, n = {fmt(lo['leads'], 'count')}) to "
        f"{fmt(hi['conversion_rate'], 'share')} ({hi['channel_id']}, {interval(hi['ci_low'], hi['ci_high'], 'share')}, "
        f"n = {fmt(hi['leads'], 'count')}); {v_en}.",
        f"渠道转化率从 {fmt(lo['conversion_rate'], 'share', 'zh')}（{lo['channel_id']}，95% 区间 "
        f"{interval(lo['ci_low'], lo['ci_high'], 'share', 'zh')}，n = {fmt(lo['leads'], 'count', 'zh')}）到 "
        f"{fmt(hi['conversion_rate'], 'share', 'zh')}（{hi['channel_id']}，"
        f"{interval(hi['ci_low'], hi['ci_high'], 'share', 'zh')}，n = {fmt(hi['leads'], 'count', 'zh')}）；{v_zh}。")
    return [_finding("channels", "channel_conversion", text, lo["conversion_rate"], "share",
                     ci=(lo["ci_low"], lo["ci_high"]), n=lo["leads"], column="conversion_rate",
                     row_key=f"channel_id={lo['channel_id']}",
                     basis=("won / leads with a 95% Wilson interval", "赢单 / 线索，95% Wilson 区间"))], []


def channel_diagnosis(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """The channel(s) converting significantly below the others, and the stage where they fail.

    Left out when the channel report's verdict table is present: the verdict names the leaking stage.
    """
    if read(tables, "channel_verdict") is not None:
        return [], []
    d = read(tables, "diagnosis_summary")
    if d is None:
        return [], []
    found = []
    for r in d.loc[_true(d["below_others"]) & d["failing_from"].notna()].itertuples(index=False):
        name = _name(r.channel_id, getattr(r, "channel_name", ""))
        ci = (interval(r.rate_from_low, r.rate_from_high, "share"), interval(r.rate_from_low, r.rate_from_high,
                                                                              "share", "zh"))
        text = (f"{name} converts below the other channels; it fails at {r.failing_from} → {r.failing_to}: "
                f"{fmt(r.rate_from, 'share')} (95% CI {ci[0]}, n = {fmt(r.n_from, 'count')}) against "
                f"{fmt(r.benchmark_rate_from, 'share')} in the other channels.",
                f"{name} 转化率显著低于其他渠道，问题出在 {r.failing_from} → {r.failing_to}："
                f"{fmt(r.rate_from, 'share', 'zh')}（95% 区间 {ci[1]}，n = {fmt(r.n_from, 'count', 'zh')}），"
                f"其他渠道为 {fmt(r.benchmark_rate_from, 'share', 'zh')}。")
        found.append(_finding("channels", "diagnosis_summary", text, r.rate_from, "share",
                              ci=(r.rate_from_low, r.rate_from_high), n=r.n_from, column="rate_from",
                              row_key=f"channel_id={r.channel_id}",
                              basis=("stage conversion with a 95% Wilson interval", "阶段转化率，95% Wilson 区间")))
    return found, []


def channel_verdict(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """The channel report's verdicts, grouped; fixing each leaking stage is an action (its value per month × 12).

    The verdicts and their criterion are the channel report's own (``channel_verdict``), so
    the summary cannot disagree with it or with its budget recommendation.
    """
    v = read(tables, "channel_verdict")
    if v is None:
        return [], []
    found, actions = [], []
    names = {r.channel_id: _name(r.channel_id, getattr(r, "channel_name", "")) for r in v.itertuples(index=False)}
    parts_en, parts_zh = [], []
    for code, g in v.groupby("verdict", sort=False):
        en, zh = words_of(f"verdict_{code}")
        listed = []
        for r in g.itertuples(index=False):
            stage = f" ({r.leaking_stage})" if code == "fix_stage" and isinstance(r.leaking_stage, str) else ""
            listed.append(names[r.channel_id] + stage)
        parts_en.append(f"{en}: {', '.join(listed)}")
        parts_zh.append(f"{zh}：{'、'.join(x.replace(' (', '（').replace(')', '）') for x in listed)}")
    gaps = v.loc[v["verdict"].eq("fix_stage") & v["stage_gap_value_month"].notna()]
    top = gaps.sort_values("stage_gap_value_month", ascending=False).iloc[0] if len(gaps) else None
    lead_en = lead_zh = ""
    if top is not None:
        ci = {lang: interval(top["stage_gap_value_low"], top["stage_gap_value_high"], "money_month", lang,
                             ctx.currency, True) for lang in ("en", "zh")}
        lead_en, lead_zh = both(" The largest value at stake: fixing {stage} of {name}, {v} (95% interval {ci}).",
                                "最大的可得价值：修复 {name} 的 {stage}，{v}（95% 区间 {ci}）。", ctx.currency,
                                stage=top["leaking_stage"], name=names[top["channel_id"]],
                                v=(top["stage_gap_value_month"], "money_month", True), ci=ci)
    if "note" in v.columns:  # where the verdict and the budget move point different ways on purpose
        for r in v.loc[v["note"].astype(str) == "budget_up_while_fixing"].itertuples(index=False):
            en, zh = words_of("note_budget_up_while_fixing")
            lead_en += " " + en.format(name=names[r.channel_id])
            lead_zh += zh.format(name=names[r.channel_id])
    text = ("Channel verdicts of the channel report — " + "; ".join(parts_en) + "." + lead_en,
            "渠道报告的结论——" + "；".join(parts_zh) + "。" + lead_zh)
    value = top["stage_gap_value_month"] if top is not None else np.nan
    found.append(_finding(
        "channels", "channel_verdict", text, value, "money_month",
        ci=(top["stage_gap_value_low"], top["stage_gap_value_high"]) if top is not None else (np.nan, np.nan),
        n=int(len(v)), column="stage_gap_value_month" if top is not None else "verdict",
        row_key=f"channel_id={top['channel_id']}" if top is not None else "",
        basis=("one verdict per channel by the larger value at stake per month (stage gap or budget move)",
               "每个渠道按每月可得价值较大者（阶段缺口或预算调整）给出一个结论")))
    for r in gaps.itertuples(index=False):
        gap = _f(r.stage_gap_value_month)
        if not gap > 0:
            continue
        lo, hi = _f(r.stage_gap_value_low), _f(r.stage_gap_value_high)
        text = both("Fix {stage} of {name}: {v} expected if it converted like the benchmark (95% interval {ci})",
                    "修复 {name} 的 {stage}：若达到基准转化水平，预计 {v}（95% 区间 {ci}）",
                    ctx.currency, stage=r.leaking_stage, name=names[r.channel_id], v=(gap, "money_month", True),
                    ci={lang: interval(lo, hi, "money_month", lang, ctx.currency, True) for lang in ("en", "zh")})
        actions.append(_action("channels", "channel_verdict", text, gap, lo, hi, "month",
                               ("won revenue per month at the benchmark's stage conversion (channel report)",
                                "按基准阶段转化率计算的每月赢单收入（渠道报告）")))
    return found, actions


def roi(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """Return on spend ``(gross margin − spend) / spend`` over the channel report's window: total and e-commerce."""
    e = read(tables, "channel_economics")
    if e is None:
        return [], []
    ch = e.loc[~e["channel_id"].astype(str).str.startswith("(") & e["spend"].gt(0) & e["roi"].notna()]
    tot = e.loc[e["channel_id"].astype(str) == "(total)"]
    if ch.empty:
        return [], []
    months = int(e["trend_months"].dropna().max()) if e["trend_months"].notna().any() else 12
    stated = e["window"].dropna().astype(str) if "window" in e.columns else pd.Series(dtype=str)
    window = stated.iloc[0] if len(stated) else _window(ctx, months)  # the channel report's own window first
    if len(tot) and pd.notna(tot.iloc[0]["roi"]):
        t = tot.iloc[0]
        total_roi, margin, spend, row = float(t["roi"]), float(t["gross_margin"]), float(t["spend"]), "channel_id=(total)"
    else:
        margin, spend = float(ch["gross_margin"].sum()), float(ch["spend"].sum())
        total_roi, row = (margin - spend) / spend, "sum of channels"
    losing = ch.loc[ch["roi"] < 0]
    over = (f" over {window}" if window else f" over the last {months} months",
            f"{window} 期间" if window else f"近 {months} 个月")
    en = (f"ROI{over[0]} is {fmt(total_roi, 'share')} in total: gross margin {fmt(margin, 'money')} against "
          f"spend {fmt(spend, 'money')}; {len(losing)} of {len(ch)} channels lose money")
    zh = (f"{over[1]}总 ROI 为 {fmt(total_roi, 'share', 'zh')}：毛利 {fmt(margin, 'money', 'zh', ctx.currency)}，"
          f"投入 {fmt(spend, 'money', 'zh', ctx.currency)}；{len(ch)} 个渠道中有 {len(losing)} 个亏损")
    ecom = ch.loc[ch["channel_id"].map(ctx.channel_types).eq(ECOMMERCE)]
    if len(ecom):
        e_roi = (ecom["gross_margin"].sum() - ecom["spend"].sum()) / ecom["spend"].sum()
        listed = [_name(c, n) for c, n in zip(ecom["channel_id"], ecom.get("channel_name", ecom["channel_id"]),
                                               strict=True)]
        names = ", ".join(listed)
        en += (f"; e-commerce ({names}) {fmt(e_roi, 'share')} together, from {fmt(ecom['roi'].min(), 'share')} to "
               f"{fmt(ecom['roi'].max(), 'share')}")
        zh += (f"；电商渠道（{'、'.join(listed)}）合计 {fmt(e_roi, 'share', 'zh')}，各渠道在 {fmt(ecom['roi'].min(), 'share', 'zh')} "
               f"至 {fmt(ecom['roi'].max(), 'share', 'zh')} 之间")
    return [_finding("channels", "channel_economics", (en + ".", zh + "。"), total_roi, "share", period=window,
                     column="roi", row_key=row,
                     basis=("(gross margin − spend) / spend; totals of the channel report's table, no sampling",
                            "（毛利 − 投入）/ 投入；渠道报告表格的合计，无抽样误差"))], []


def clv_cac(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """CLV / CAC per acquisition channel: below 1, new customers do not repay what acquiring them cost."""
    cv = read(tables, "channel_value")
    if cv is None:
        return [], []
    ok = cv.loc[cv["clv_cac"].notna() & ~cv["acquisition_channel_id"].astype(str).str.startswith("(")]
    if ok.empty:
        return [], []
    below = ok.loc[ok["clv_cac"] < 1]
    best, worst = ok.loc[ok["clv_cac"].idxmax()], ok.loc[ok["clv_cac"].idxmin()]
    bn = _name(best["acquisition_channel_id"], best["acquisition_channel"])
    wn = _name(worst["acquisition_channel_id"], worst["acquisition_channel"])
    rng = (f"from {fmt(worst['clv_cac'], 'num2')} ({wn}) to {fmt(best['clv_cac'], 'num2')} ({bn})",
           f"从 {fmt(worst['clv_cac'], 'num2')}（{wn}）到 {fmt(best['clv_cac'], 'num2')}（{bn}）")
    if len(below) == len(ok):
        text = (f"CLV/CAC is below 1 for every channel, {rng[0]}: no channel's new customers are expected to repay "
                "what acquiring them cost.",
                f"所有渠道的 CLV/CAC 都低于 1，{rng[1]}：没有一个渠道的新客户预计能收回其获客成本。")
    else:
        text = (f"CLV/CAC is below 1 for {len(below)} of {len(ok)} channels, {rng[0]}.",
                f"{len(ok)} 个渠道中有 {len(below)} 个的 CLV/CAC 低于 1，{rng[1]}。")
    return [_finding("customers", "channel_value", text, best["clv_cac"], "num2", n=len(ok), column="clv_cac",
                     row_key=f"acquisition_channel_id={best['acquisition_channel_id']}",
                     basis=("value per new customer / acquisition cost (customer segmentation report)",
                            "每位新客户的价值 / 获客成本（客户分群报告）"))], []


def _total_interval(tables: Path, gain: float, parts: pd.DataFrame) -> tuple[float, float, tuple[str, str]]:
    """Interval of the recommended split's total change: from the table that computed it, else propagated."""
    wi = read(tables, "what_if")
    if wi is not None:
        at = wi.loc[np.isclose(wi["budget_multiple"].astype(float), 1.0) & _true(wi["feasible"])]
        at = at.loc[np.isclose(at["change_vs_current"].astype(float), gain, rtol=1e-6, atol=1.0)]
        if len(at):
            r = at.iloc[0]
            return float(r["change_low"]), float(r["change_high"]), (
                "joint 95% interval of the total (channel report, what-if at today's budget)",
                "总额的联合 95% 区间（渠道报告，当前预算下的假设分析）")
    half = ((parts["change_high"] - parts["change_low"]) / 2).to_numpy(dtype=float)
    if not np.isfinite(half).all():
        return np.nan, np.nan, ("no interval: the channel report gives none for the total", "渠道报告未给出总额的区间")
    h = float(np.sqrt((half ** 2).sum()))
    return gain - h, gain + h, ("95% interval propagated from the channels' intervals, assuming independent errors",
                                "由各渠道区间传播得到的 95% 区间（假设误差相互独立）")


def budget(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """The recommended monthly budget split as an action, and the budget what-if as a finding."""
    found, actions = [], []
    b = read(tables, "budget")
    if b is not None:
        inside = b.loc[_true(b["in_optimiser"]) & b["value_change"].notna()]
        if len(inside):
            gain = float(inside["value_change"].sum())
            moved = float(inside["change"].abs().sum() / 2)
            lo, hi, basis = _total_interval(tables, gain, inside)
            c = ctx.currency
            up = inside.loc[inside["change"] > 0, "channel_id"].astype(str).tolist()
            down = inside.loc[inside["change"] < 0, "channel_id"].astype(str).tolist()
            more = {"en": ", ".join(up) or "–", "zh": "、".join(up) or "–"}
            less = {"en": ", ".join(down) or "–", "zh": "、".join(down) or "–"}
            text = both("Re-split the monthly channel budget as recommended (moves {moved}; more to {more}, less to "
                        "{less}): expected {gain} (95% interval {ci})",
                        "按建议调整月度渠道预算分配（调动 {moved}；增加：{more}，减少：{less}）：预计 {gain}（95% 区间 {ci}）", c,
                        more=more, less=less, moved=(moved, "money_month"), gain=(gain, "money_month", True),
                        ci={"en": interval(lo, hi, "money_month", "en", c, True),
                            "zh": interval(lo, hi, "money_month", "zh", c, True)})
            actions.append(_action("channels", "budget", text, gain, lo, hi, "month",
                                   (f"expected change of the objective per month; {basis[0]}",
                                    f"目标值每月的预期变化；{basis[1]}")))
    wi = read(tables, "what_if")
    if wi is not None:
        w = wi.loc[_true(wi["feasible"])].sort_values("budget_multiple")
        below, above = w.loc[w["budget_multiple"] < 1], w.loc[w["budget_multiple"] > 1]
        if len(below) and len(above):
            d, u = below.iloc[-1], above.iloc[0]
            c = ctx.currency
            ci_d = {lang: interval(d["change_low"], d["change_high"], "money_month", lang, c, True) for lang in ("en", "zh")}
            text = both("Budget what-if (best split each time): at {dm} of today's budget ({db}) the objective changes "
                        "by {dv} (95% interval {dci}) against today; at {um} ({ub}) by {uv}. Marginal ROAS above today's "
                        "budget is {roas}: each extra unit of budget adds {roas} units of the objective.",
                        "预算假设分析（每档均取最优分配）：预算为当前的 {dm}（{db}）时，目标值较当前变化 {dv}（95% 区间 {dci}）；"
                        "为 {um}（{ub}）时变化 {uv}。当前预算之上的边际 ROAS 为 {roas}：每多投入 1 单位预算，目标值增加 "
                        "{roas} 单位。", c,
                        dm=(d["budget_multiple"], "share"), db=(d["budget"], "money_month"),
                        dv=(d["change_vs_current"], "money_month", True), dci=ci_d,
                        um=(u["budget_multiple"], "share"), ub=(u["budget"], "money_month"),
                        uv=(u["change_vs_current"], "money_month", True), roas=(u["marginal_roas"], "num2"))
            found.append(_finding("channels", "what_if", text, u["marginal_roas"], "num2", column="marginal_roas",
                                  row_key=f"budget_multiple={u['budget_multiple']}",
                                  basis=("extra objective per extra unit of budget (channel report's what-if)",
                                         "每多投入一单位预算带来的目标值增量（渠道报告的假设分析）")))
    return found, actions


def attainment(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """Revenue attainment per region over the KPI review's window; open periods' expected shortfalls as actions.

    A window that has ended is reported, never offered as a gap to close.
    """
    found = []
    s = read(tables, "attainment_summary")
    cur, window, src = None, "", "attainment_summary"
    if s is not None:
        rev = s.loc[(s["kpi"] == "revenue") & (s["level"] == "region") & s["actual"].notna() & s["target"].notna()]
        if len(rev):
            window = str(rev["window"].iloc[-1])
            cur = rev.loc[rev["window"] == window].set_index("key")[["actual", "target", "attainment"]]
    if cur is None:
        at = read(tables, "attainment")
        if at is not None:
            rev = at.loc[(at["kpi"] == "revenue") & (at["level"] == "region") & at["actual"].notna()
                         & at["target"].notna() & at["period"].astype(str).str.fullmatch(r"\d{4}-\d{2}")]
            if len(rev):
                months = sorted(rev["period"].astype(str).unique())[-12:]
                window, src = f"{months[0]}..{months[-1]}", "attainment"
                cur = (rev.loc[rev["period"].astype(str).isin(months)].groupby("key")[["actual", "target"]].sum()
                       .assign(attainment=lambda d: d["actual"] / d["target"]))
    if cur is not None and len(cur):
        cur = cur.sort_values("attainment")
        k, w = cur.index[0], cur.iloc[0]
        rest = cur["attainment"].iloc[1:]
        closed = _ended(window, ctx)
        tail = ((" (a period that has ended)", "（该期间已结束）") if closed else ("", ""))
        others = both("; the other regions {a} to {b}", "；其他区域为 {a} 至 {b}", a=(rest.min(), "share"),
                      b=(rest.max(), "share")) if len(rest) else ("", "")
        text = both("Region {k} reached {att} of its revenue target over {win}{t_en} ({act} of {tgt}){o_en}.",
                    "{k} 区域 {win}{t_zh}收入目标达成率 {att}（{act} / {tgt}）{o_zh}。", ctx.currency,
                    k=k, att=(w["attainment"], "share"), win=window, t_en=tail[0], t_zh=tail[1],
                    act=(w["actual"], "money"), tgt=(w["target"], "money"), o_en=others[0], o_zh=others[1])
        found.append(_finding("kpi", src, text, w["attainment"], "share", period=window, column="attainment",
                              row_key=f"level=region, key={k}, kpi=revenue",
                              basis=("actual / target over the window (a count of the data)", "实际 / 目标（对数据的直接统计）")))
    return found, _open_shortfalls(tables, ctx)


def _open_shortfalls(tables: Path, ctx: Context) -> list[dict]:
    """Regions forecast to miss the revenue target of a period still open: the expected shortfall.

    One-off amounts over the rest of the period; counted per year as ``shortfall × min(1, 12 / months)``.
    """
    fc = read(tables, "forecast")
    if fc is None or ctx.month is None:
        return []
    f = fc.loc[(fc["level"] == "region") & (fc["kpi"] == "revenue") & fc["forecast_mean"].notna()]
    f = f.loc[[not _ended(str(p), ctx) for p in f["period"]]]
    actions = []
    for r in f.itertuples(index=False):
        gap = r.target - r.forecast_mean
        if not gap > 0:
            continue
        per_year = min(1.0, 12 / _months_in(r.period))
        lo, hi = r.target - r.forecast_high, r.target - r.forecast_low
        text = both("Close the expected revenue shortfall of region {k} in {p} (still open): {g} "
                    "(95% interval {ci})",
                    "弥补 {k} 区域 {p}（尚未结束）的预计收入缺口：{g}（95% 区间 {ci}）", ctx.currency,
                    k=r.key, p=r.period, g=(gap, "money"),
                    ci={lang: interval(lo, hi, "money", lang, ctx.currency) for lang in ("en", "zh")})
        a = _action("kpi", "forecast", text, gap, lo, hi, "year",
                    ("target − forecast of the open period (KPI review)", "未结束期间的目标 − 预测（KPI 评估）"))
        a.update(per="window", value_year=gap * per_year, value_year_low=lo * per_year, value_year_high=hi * per_year)
        actions.append(a)
    return actions


def undercuts(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """Competitors newly pricing a category below us."""
    u = read(tables, "undercuts")
    if u is None:
        return [], []
    found = []
    for r in u.loc[u["status"] == "new"].itertuples(index=False):
        text = both("{c} has priced {cat} at a price index of {i} since {since} (100 = our price; 95% CI {lo} to {hi}).",
                    "{c} 自 {since} 起将 {cat} 的价格指数定为 {i}（100 = 我方价格；95% 区间 {lo} 至 {hi}）。",
                    c=r.competitor, cat=r.category, since=r.since, i=(r.price_index, "points"),
                    lo=(r.ci_low, "points"), hi=(r.ci_high, "points"))
        found.append(_finding("competitors", "undercuts", text, r.price_index, "points", ci=(r.ci_low, r.ci_high),
                              n=r.n_obs, column="price_index", row_key=f"competitor={r.competitor}, category={r.category}",
                              basis=("geometric mean price ratio × 100 with a 95% t interval",
                                     "价格比的几何平均 × 100，95% t 区间")))
    return found, []


def nps(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """The channel with the lowest NPS, when its interval lies below the overall score.

    NPS is % promoters − % detractors, in points; the mean 0–10 score is not an NPS and is not cited.
    """
    t = read(tables, "nps")
    if t is None:
        return [], []
    overall = t.loc[t["dimension"] == "overall"]
    ch = t.loc[t["dimension"] == "channel"].sort_values("nps")
    if ch.empty or overall.empty:
        return [], []
    low, o = ch.iloc[0], overall.iloc[0]
    if not low["ci_high"] < o["nps"]:
        return [], []
    text = both("NPS of {g} is {v} (95% CI {lo} to {hi}, n = {n}) against {o} overall.",
                "{g} 的 NPS 为 {v}（95% 区间 {lo} 至 {hi}，n = {n}），总体为 {o}。",
                g=low["group"], v=(low["nps"], "points"), lo=(low["ci_low"], "points"), hi=(low["ci_high"], "points"),
                n=(low["n"], "count"), o=(o["nps"], "points"))
    return [_finding("feedback", "nps", text, low["nps"], "points", ci=(low["ci_low"], low["ci_high"]), n=low["n"],
                     column="nps", row_key=f"dimension=channel, group={low['group']}",
                     basis=("% promoters − % detractors, in points, with a 95% interval",
                            "推荐者占比 − 贬损者占比（点），95% 区间"))], []


ATTRIBUTION_MODELS = {"markov": "Markov", "shapley": "Shapley"}
"""The data-driven models' names (method names, the same in both languages)."""


def attribution(tables: Path, ctx: Context) -> tuple[list[dict], list[dict]]:
    """The largest difference between a channel's data-driven and last-touch credit (multi-touch attribution).

    Cited only when the data-driven share's 95% interval excludes the last-touch share and the role says which
    way: ``assister`` (credited above last touch, and the journeys it touched converted better) or ``closer``.
    A ``frequent_touch`` channel (credited above last touch, but the journeys it touched converted no better)
    is never cited as an assister. The difference is in percentage points of conversions.
    """
    t = read(tables, "attribution_shift")
    if t is None:
        return [], []
    t = t.loc[t["role"].isin(["assister", "closer"]) & t["shift"].notna()]
    if t.empty:
        return [], []
    r = t.loc[t["shift"].abs().idxmax()]
    model = ATTRIBUTION_MODELS.get(str(r["model"]), str(r["model"]))
    assists = r["role"] == "assister"
    evidence = assists and pd.notna(r.get("touched_difference", np.nan))
    values = {}
    if evidence:
        values = {"ct": (r["touched_conversion_rate"], "share"), "cu": (r["untouched_conversion_rate"], "share"),
                  "d": (r["touched_difference"], "pp"), "dlo": (r["touched_difference_low"], "pp"),
                  "dhi": (r["touched_difference_high"], "pp")}
    en_tail = ("touch: it assists more than it closes, and a last-touch view under-credits it."
               if assists else "touch: it closes more than it assists.")
    zh_tail = "它的助攻多于成交，末次触点视角低估了它。" if assists else "它的成交多于助攻。"
    if evidence:
        en_tail = en_tail[:-1] + (" Journeys it touched converted {ct} against {cu} without it ({d}, 95% CI {dlo} "
                                  "to {dhi}).")
        zh_tail += "它触达的路径转化率为 {ct}，未触达的为 {cu}（相差 {d}，95% 区间 {dlo} 至 {dhi}）。"
    text = both("{c} is credited with {v} of conversions by the {m} model (95% CI {lo} to {hi}) but {lt} by last "
                + en_tail,
                "{c} 在 {m} 模型下获得 {v} 的转化（95% 区间 {lo} 至 {hi}），按末次触点为 {lt}：" + zh_tail,
                c=_name(r["channel_id"], r["channel_name"]), m=model, v=(r["model_share"], "share"),
                lo=(r["model_share_low"], "share"), hi=(r["model_share_high"], "share"),
                lt=(r["last_touch_share"], "share"), **values)
    return [_finding("channels", "attribution_shift", text, r["shift"], "pp",
                     ci=(r["model_share_low"] - r["last_touch_share"], r["model_share_high"] - r["last_touch_share"]),
                     column="shift", row_key=f"channel_id={r['channel_id']}",
                     basis=("data-driven minus last-touch share of conversions, 95% bootstrap interval over journeys",
                            "数据驱动占比减末次触点占比，对路径自助抽样的 95% 区间"))], []


EXTRACTORS: list[Callable[[Path, Context], tuple[list[dict], list[dict]]]] = [
    data_quality, segmentation, clv_cac, channel_conversion, channel_diagnosis, channel_verdict, roi, budget,
    attribution, attainment, undercuts, nps,
]


def collect(tables_dir: str | Path, currency: str = "CNY", as_of: pd.Timestamp | str | None = None,
            channels: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All findings and recommended actions of a run's tables folder.

    Parameters
    ----------
    tables_dir : path
        The run's ``tables/`` folder.
    currency : str
        The dataset's currency code.
    as_of : Timestamp or str, optional
        The analysis date: periods ending by its month have ended (no action to close their gaps).
    channels : DataFrame, optional
        The dataset's ``channels`` table (``channel_id``, ``type``): names the e-commerce channels.

    Returns
    -------
    (findings, actions) : DataFrames with :data:`FINDING_COLUMNS` and ``rank`` + :data:`ACTION_COLUMNS`;
    actions ranked by ``value_year`` (expected value per year), largest first.
    """
    types = {}
    if channels is not None and {"channel_id", "type"} <= set(channels.columns):
        types = dict(zip(channels["channel_id"].astype(str), channels["type"].astype(str), strict=True))
    ctx = Context(currency=currency, as_of=None if as_of in (None, "") else pd.Timestamp(as_of), channel_types=types)
    findings, actions = [], []
    if tables_dir and Path(tables_dir).is_dir():
        for extract in EXTRACTORS:
            try:
                f, a = extract(Path(tables_dir), ctx)
            except (KeyError, ValueError, TypeError, IndexError) as exc:  # a table of an unexpected shape
                log.warning("summary: %s skipped: %s", extract.__name__, exc)
                continue
            findings += f
            actions += a
    fdf = pd.DataFrame(findings, columns=FINDING_COLUMNS)
    adf = pd.DataFrame(actions, columns=ACTION_COLUMNS)
    adf = adf.sort_values("value_year", ascending=False, kind="stable", na_position="last").reset_index(drop=True)
    adf.insert(0, "rank", np.arange(1, len(adf) + 1))
    return fdf, adf


def reports_read(tables_dir: str | Path) -> list[str]:
    """Notebook stems whose tables the summary found."""
    p = Path(tables_dir) if tables_dir else None
    return sorted(x.name for x in p.iterdir() if x.is_dir()) if p and p.is_dir() else []
