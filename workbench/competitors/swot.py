"""A SWOT written from the data: every point states its rule's evidence with the figure it rests on.

The rules (each applies only when its section is on):

Strengths
    a feature dimension where we score at least ``feature_margin`` above the
    competitors' mean; the regions we lead in the latest period.
Weaknesses
    a feature dimension at least ``feature_margin`` below the competitors' mean;
    the most frequent lost reason; a region where our share trend is falling (its
    95% interval below zero).
Opportunities
    a competitor x category priced at least ``undercut_threshold`` above us (room on
    price); a competitor whose share fell beyond noise in the last two periods, or
    whose trend is falling.
Threats
    a new undercut (with its start date), the three deepest standing ones; a
    competitor whose share rose beyond noise in the last two periods or whose
    trend is rising; a competitor against which we win significantly less often
    than against the others (Holm-adjusted p < 0.05).

Each row: ``quadrant, topic, value, n, source, text_en, text_zh`` (``source`` is
the result table the figure comes from).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.competitors.base import ALL, Section
from workbench.competitors.features import feature_label
from workbench.competitors.labels import QUADRANT_LABELS, TABLE_LABELS

log = logging.getLogger(__name__)

QUADRANTS = ("strength", "weakness", "opportunity", "threat")
SWOT_COLUMNS = ["quadrant", "topic", "value", "n", "source", "text_en", "text_zh"]
MAX_STANDING_UNDERCUTS = 3
RECENT_SHARE_PERIODS = 2


@dataclass
class SwotAnalysis(Section):
    """The SWOT table."""

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SWOT_COLUMNS))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _eq(p: float) -> str:
    """``= 0.013`` or ``< 0.001``: a p-value in a sentence."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def _region(r: str, lang: str) -> str:
    if r == ALL:
        return "全部区域" if lang == "zh" else "all regions"
    return r


def _feature_points(fa) -> list[tuple]:
    rows = []
    for r in fa.summary.dropna(subset=["our_score"]).itertuples():
        if r.verdict not in ("strength", "weakness"):
            continue
        q = r.verdict
        rows.append((q, f"feature:{r.dimension}", r.gap_vs_mean, r.n_players, "feature_comparison",
                     f"{feature_label(r.dimension, 'en')}: we score {r.our_score:g} against the competitors' mean of "
                     f"{r.competitor_mean:.2f} ({r.gap_vs_mean:+.2f}; best competitor {r.best_competitor} "
                     f"{r.competitor_max:g}).",
                     f"{feature_label(r.dimension, 'zh')}：本公司得分 {r.our_score:g}，竞品均值 {r.competitor_mean:.2f}"
                     f"（差 {r.gap_vs_mean:+.2f}；最佳竞品 {r.best_competitor} {r.competitor_max:g}）。"))
    return rows


def _share_points(sa) -> list[tuple]:
    rows = []
    t = sa.table
    periods = sorted(t["period"].unique())
    latest = t.loc[t["period"].eq(periods[-1])]
    if sa.own:
        lead = latest.loc[latest["is_us"] & latest["rank"].eq(1) & latest["region"].ne(ALL)]
        n_regions = latest.loc[latest["region"].ne(ALL), "region"].nunique()
        allr = latest.loc[latest["is_us"] & latest["region"].eq(ALL)]
        if len(lead):
            extra_en = extra_zh = ""
            if len(allr):
                a = allr.iloc[0]
                extra_en = f"; all regions: {_pct(a['share'])} share, rank {int(a['rank'])}"
                extra_zh = f"；全部区域份额 {_pct(a['share'])}，排名第 {int(a['rank'])}"
            rows.append(("strength", "share:lead", len(lead), n_regions, "market_share",
                         f"We lead the market in {len(lead)} of {n_regions} regions in {periods[-1]} "
                         f"({', '.join(lead['region'])}){extra_en}.",
                         f"{periods[-1]} 本公司在 {n_regions} 个区域中的 {len(lead)} 个排名第一"
                         f"（{'、'.join(lead['region'])}）{extra_zh}。"))
        for r in sa.trends.loc[sa.trends["role"].eq("us") & sa.trends["slope_high"].lt(0)].itertuples():
            rows.append(("weakness", f"share_trend:{r.region}", r.slope_pp, r.n_periods, "share_trend",
                         f"Our share in {_region(r.region, 'en')} is falling: {r.slope_pp:+.2f} points per period "
                         f"(95% CI {r.slope_low:+.2f} to {r.slope_high:+.2f}, {r.n_periods} periods), now "
                         f"{_pct(r.share_latest)}.",
                         f"本公司在{_region(r.region, 'zh')}的份额在下降：每期 {r.slope_pp:+.2f} 个百分点"
                         f"（95% 区间 {r.slope_low:+.2f} 至 {r.slope_high:+.2f}，{r.n_periods} 期），目前为 "
                         f"{_pct(r.share_latest)}。"))
    recent = t.loc[t["period"].isin(periods[-RECENT_SHARE_PERIODS:]) & t["beyond_noise"] & ~t["is_us"]]
    recent = recent.sort_values(["region", "p_adjusted"]).drop_duplicates(["region", "competitor"])
    flagged = set()
    for r in recent.itertuples():
        q = "threat" if r.change_vs_baseline > 0 else "opportunity"
        flagged.add((r.region, r.competitor))
        verb_en, verb_zh = ("rose", "上升") if r.change_vs_baseline > 0 else ("fell", "下降")
        rows.append((q, f"share_change:{r.competitor}:{r.region}", r.change_vs_baseline, np.nan, "market_share",
                     f"{r.competitor}'s share in {_region(r.region, 'en')} {verb_en} to {_pct(r.share)} in "
                     f"{r.period}, {r.change_vs_baseline:+.1%} against its previous level "
                     f"(z = {r.z:.1f}, adjusted p {_eq(r.p_adjusted)}).",
                     f"{r.competitor} 在{_region(r.region, 'zh')}的份额于 {r.period} {verb_zh}至 {_pct(r.share)}，"
                     f"较此前水平变化 {r.change_vs_baseline:+.1%}（z = {r.z:.1f}，校正后 p {_eq(r.p_adjusted)}）。"))
    for r in sa.trends.loc[sa.trends["role"].ne("us")].itertuples():
        if (r.region, r.competitor) in flagged:
            continue
        if r.slope_low > 0 or r.slope_high < 0:
            q = "threat" if r.slope_low > 0 else "opportunity"
            rows.append((q, f"share_trend:{r.competitor}:{r.region}", r.slope_pp, r.n_periods, "share_trend",
                         f"{r.competitor} ({r.role}) in {_region(r.region, 'en')}: share trend {r.slope_pp:+.2f} "
                         f"points per period (95% CI {r.slope_low:+.2f} to {r.slope_high:+.2f}), now "
                         f"{_pct(r.share_latest)}.",
                         f"{r.competitor} 在{_region(r.region, 'zh')}的份额趋势为每期 {r.slope_pp:+.2f} 个百分点"
                         f"（95% 区间 {r.slope_low:+.2f} 至 {r.slope_high:+.2f}），目前为 {_pct(r.share_latest)}。"))
    return rows


def _price_points(pa, threshold: float) -> list[tuple]:
    rows = []
    u = pa.undercuts
    for r in u.loc[u["status"].eq("new")].itertuples():
        before_en = f"; before: {r.index_before:.1f}" if pd.notna(r.index_before) else ""
        before_zh = f"；此前为 {r.index_before:.1f}" if pd.notna(r.index_before) else ""
        rows.append(("threat", f"undercut:{r.competitor}:{r.category}", r.price_index, r.n_obs, "undercuts",
                     f"{r.competitor} has undercut us on {r.category} since {r.since:%Y-%m-%d}: price index "
                     f"{r.price_index:.1f} ({100 - r.price_index:.0f}% cheaper, 95% CI {r.ci_low:.1f}–"
                     f"{r.ci_high:.1f}, {r.n_obs} observations{before_en}).",
                     f"{r.competitor} 自 {r.since:%Y-%m-%d} 起在{r.category}上低价竞争：价格指数 {r.price_index:.1f}"
                     f"（便宜 {100 - r.price_index:.0f}%，95% 区间 {r.ci_low:.1f}–{r.ci_high:.1f}，"
                     f"{r.n_obs} 条观测{before_zh}）。"))
    standing = u.loc[u["status"].eq("since_start")].head(MAX_STANDING_UNDERCUTS)
    for r in standing.itertuples():
        rows.append(("threat", f"standing_undercut:{r.competitor}:{r.category}", r.price_index, r.n_obs,
                     "undercuts",
                     f"{r.competitor} has sold {r.category} below our price since the start of the data: index "
                     f"{r.price_index:.1f} ({r.n_obs} observations).",
                     f"{r.competitor} 的{r.category}自数据起始即低于本公司价格：指数 {r.price_index:.1f}"
                     f"（{r.n_obs} 条观测）。"))
    dearer = pa.gaps.loc[pa.gaps["position"].eq("dearer")].sort_values("price_index", ascending=False)
    for r in dearer.itertuples():
        rows.append(("opportunity", f"dearer:{r.competitor}:{r.category}", r.price_index, r.n_obs, "price_gaps",
                     f"{r.competitor} prices {r.category} {r.price_index - 100:.0f}% above us (index "
                     f"{r.price_index:.1f}, 95% CI {r.ci_low:.1f}–{r.ci_high:.1f}, {r.n_obs} observations since "
                     f"{pa.recent_from}): room to win on price.",
                     f"{r.competitor} 的{r.category}定价高于本公司 {r.price_index - 100:.0f}%（指数 {r.price_index:.1f}，"
                     f"95% 区间 {r.ci_low:.1f}–{r.ci_high:.1f}，{pa.recent_from} 以来 {r.n_obs} 条观测）："
                     f"存在价格竞争空间。"))
    return rows


def _winloss_points(wl) -> list[tuple]:
    rows = []
    if len(wl.reasons):
        r = wl.reasons.iloc[0]
        total = int(wl.reasons["lost"].sum())
        rows.append(("weakness", f"lost_reason:{r['lost_reason']}", r["share_of_lost"], total, "lost_reasons",
                     f"The most frequent lost reason is {r['lost_reason']}: {_pct(r['share_of_lost'])} of lost leads "
                     f"({int(r['lost']):,} of {total:,}).",
                     f"最常见的丢单原因是“{r['lost_reason']}”：占丢单的 {_pct(r['share_of_lost'])}"
                     f"（{total:,} 条中的 {int(r['lost']):,} 条）。"))
    t = wl.table
    if len(t):
        worse = t.loc[~t["insufficient"] & t["p_adjusted"].lt(0.05)]
        named = t.loc[t["competitor"].ne("none")]
        base = named["won"].sum() / max(named["closed"].sum(), 1)
        for r in worse.itertuples():
            q = "threat" if r.win_rate < base else "strength"
            rows.append((q, f"win_rate:{r.competitor}", r.win_rate, r.closed, "competitor_winloss",
                         f"Against {r.competitor} we win {_pct(r.win_rate)} of closed leads (95% CI "
                         f"{_pct(r.ci_low)}–{_pct(r.ci_high)}, n = {r.closed:,}) against {_pct(base)} with other "
                         f"competitors (adjusted p {_eq(r.p_adjusted)}).",
                         f"面对 {r.competitor} 时本公司赢单率为 {_pct(r.win_rate)}（95% 区间 {_pct(r.ci_low)}–"
                         f"{_pct(r.ci_high)}，n = {r.closed:,}），面对其他竞品时为 {_pct(base)}"
                         f"（校正后 p {_eq(r.p_adjusted)}）。"))
    return rows


def _priority(topic: str) -> int:
    """Order within a quadrant: what changed recently and affects everything first."""
    kind = topic.split(":")[0]
    if kind == "share_change" and topic.endswith(f":{ALL}"):
        return 1
    return {"undercut": 0, "feature": 0, "share:lead": 1, "share_change": 2, "win_rate": 3, "lost_reason": 1,
            "dearer": 2, "share_trend": 4}.get(kind if kind != "share" else topic, 5)


def build(prices=None, share=None, winloss=None, features=None, threshold: float = 0.05) -> SwotAnalysis:
    """The ``swot`` table from whichever sections are on (see the module docstring).

    Parameters
    ----------
    prices, share, winloss, features : Section or None
        The analyses of :mod:`prices`, :mod:`share`, :mod:`winloss` and :mod:`features`.
    threshold : float
        ``undercut_threshold`` (for the wording only).
    """
    out = SwotAnalysis()
    rows: list[tuple] = []
    if features is not None and features.ok:
        rows += _feature_points(features)
    if share is not None and share.ok:
        rows += _share_points(share)
    if prices is not None and prices.ok:
        rows += _price_points(prices, threshold)
    if winloss is not None and winloss.ok:
        rows += _winloss_points(winloss)
    if not rows:
        out.off("No SWOT point: none of the competitor sections found a clear strength, weakness, opportunity "
                "or threat (or they are all switched off).",
                "没有 SWOT 要点：各竞品分析部分均未发现明确的优势、劣势、机会或威胁（或均已关闭）。")
        return out
    df = pd.DataFrame(rows, columns=SWOT_COLUMNS)
    df["_q"] = df["quadrant"].map({q: i for i, q in enumerate(QUADRANTS)})
    df["_p"] = [_priority(t) for t in df["topic"]]
    out.table = df.sort_values(["_q", "_p"], kind="stable").drop(columns=["_q", "_p"]).reset_index(drop=True)
    return out


def localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A display copy: ``quadrant`` in ``lang`` and the point's text as ``point``."""
    out = df.copy()
    k = 1 if lang == "zh" else 0
    out["quadrant"] = out["quadrant"].map(lambda v: QUADRANT_LABELS.get(v, (v, v))[k])
    out["point"] = out["text_zh" if lang == "zh" else "text_en"]
    out["source"] = out["source"].map(lambda v: TABLE_LABELS.get(v, (v, v))[k])
    return out
