"""Figures of the market feedback report: pure functions of its tables, returning matplotlib Figures.

Titles and labels follow the report's language (``rpt.lang``). A group with too few responses has no
estimate in the tables, so it gets no point and no interval here either: its row says "too few responses".
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench import theme
from workbench.feedback.nps import DIMENSION_LABELS, UNKNOWN, too_few


def _t(rpt, en: str, zh: str) -> str:
    return zh if rpt.lang == "zh" else en


def _dim(rpt, d: str) -> str:
    return DIMENSION_LABELS.get(d, (d, d))[1 if rpt.lang == "zh" else 0]


def _dots(ax, t: pd.DataFrame, value: str, lo: str, hi: str, rpt):
    """Point and interval per group; a group with too few responses gets the words instead."""
    y = np.arange(len(t))
    few = t["insufficient"].astype(bool).to_numpy()
    ok = t.loc[~few]
    ax.errorbar(ok[value], y[~few], xerr=theme.error_bars(ok[value], ok[lo], ok[hi]), fmt="none",
                ecolor=theme.NEUTRAL, capsize=3)
    ax.scatter(ok[value], y[~few], zorder=3, color=theme.PALETTE[0])
    for yi in y[few]:
        ax.text(0.02, yi, too_few(rpt.lang), transform=ax.get_yaxis_transform(), va="center", ha="left",
                color=theme.NEUTRAL, fontsize=10, fontstyle="italic")
    ax.set_yticks(y, [f"{g} (n = {n:,})" for g, n in zip(t["group"], t["n"], strict=True)])
    ax.set_ylim(-0.6, len(t) - 0.4)  # every row in view, also those without a point


def nps_by_group(nps: pd.DataFrame, dimension: str, rpt):
    """NPS with its 95% interval per group of one dimension, best at the top."""
    t = nps.loc[nps["dimension"].eq(dimension)].sort_values("nps", na_position="first")
    t = t.assign(group=t["group"].replace({UNKNOWN: _t(rpt, "unknown", "未知")}))
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(t) + 1.6))
    _dots(ax, t, "nps", "ci_low", "ci_high", rpt)
    overall = nps.loc[nps["dimension"].eq("overall"), "nps"]
    if len(overall):
        ax.axvline(overall.iloc[0], color=theme.WARN, ls="--", lw=1)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(_t(rpt, "NPS (-100 to 100), 95% interval; dashed: overall", "NPS（-100 至 100），95% 区间；虚线：总体"))
    ax.set_title(_t(rpt, f"NPS by {_dim(rpt, dimension)}", f"按{_dim(rpt, dimension)}的 NPS"))
    fig.tight_layout()
    return fig


def csat_by_group(csat: pd.DataFrame, dimension: str, rpt):
    """Mean CSAT with its 95% interval per group of one dimension."""
    t = csat.loc[csat["dimension"].eq(dimension)].sort_values("mean_csat", na_position="first")
    t = t.assign(group=t["group"].replace({UNKNOWN: _t(rpt, "unknown", "未知")}))
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(t) + 1.6))
    _dots(ax, t, "mean_csat", "ci_low", "ci_high", rpt)
    ax.set_xlabel(_t(rpt, "mean CSAT (1-5), 95% interval", "平均满意度（1-5），95% 区间"))
    ax.set_title(_t(rpt, f"CSAT by {_dim(rpt, dimension)}", f"按{_dim(rpt, dimension)}的满意度"))
    fig.tight_layout()
    return fig


def trend(nps: pd.DataFrame, csat: pd.DataFrame, rpt):
    """NPS and mean CSAT per period with 95% bands."""
    panels = [(nps, "nps", "NPS"), (csat, "mean_csat", _t(rpt, "mean CSAT", "平均满意度"))]
    panels = [p for p in panels if len(p[0]) and p[0]["dimension"].eq("period").any()]
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(5.2 * max(len(panels), 1), 3.6), squeeze=False)
    for ax, (tbl, col, label) in zip(axes.ravel(), panels, strict=False):
        t = tbl.loc[tbl["dimension"].eq("period")].sort_values("group")
        x = np.arange(len(t))
        ax.fill_between(x, t["ci_low"], t["ci_high"], color=theme.PALETTE[0], alpha=0.15, lw=0)
        ax.plot(x, t[col], marker="o", color=theme.PALETTE[0])
        ax.set_xticks(x, t["group"], rotation=30, ha="right")
        ax.set_title(label)
    fig.suptitle(_t(rpt, "By period (band: 95% interval)", "按期间（色带：95% 区间）"))
    fig.tight_layout()
    return fig


def theme_shares(themes: pd.DataFrame, rpt):
    """Share of detractor and promoter comments mentioning each theme."""
    t = themes.sort_values("diff")
    lab = t["label_zh" if rpt.lang == "zh" else "label_en"]
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(t) + 1.6))
    ax.barh(y - 0.2, 100 * t["share_detractors"], height=0.4, color=theme.BAD,
            label=_t(rpt, f"detractors (n = {int(t['n_detractors'].max()):,})",
                     f"贬损者（n = {int(t['n_detractors'].max()):,}）"))
    ax.barh(y + 0.2, 100 * t["share_promoters"], height=0.4, color=theme.GOOD,
            label=_t(rpt, f"promoters (n = {int(t['n_promoters'].max()):,})",
                     f"推荐者（n = {int(t['n_promoters'].max()):,}）"))
    ax.set_yticks(y, lab)
    ax.set_xlabel(_t(rpt, "share of commented responses mentioning the theme (%)", "提及该主题的评论占比（%）"))
    ax.set_title(_t(rpt, "What detractors and promoters talk about", "贬损者与推荐者在谈论什么"))
    ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(1.0, 0.0))
    fig.tight_layout()
    return fig


def driver_effects(drivers: pd.DataFrame, outcome_label: str, rpt):
    """Effects of one outcome's regression with 95% intervals (grey: no clear effect)."""
    t = drivers.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(t) + 1.6))
    y = np.arange(len(t))
    sure = (t["ci_low"] > 0) | (t["ci_high"] < 0)
    ax.errorbar(t["effect"], y, xerr=theme.error_bars(t["effect"], t["ci_low"], t["ci_high"]), fmt="none",
                ecolor=theme.NEUTRAL, capsize=3)
    ax.scatter(t["effect"], y, zorder=3, c=[theme.PALETTE[0] if s else theme.NEUTRAL for s in sure])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [f"{f}: {lv}" for f, lv in zip(t["factor"], t["level"], strict=True)])
    ax.set_xlabel(_t(rpt, f"difference in {outcome_label} against the reference (points), 95% interval",
                     f"{outcome_label}与对照组之差（分），95% 区间"))
    ax.set_title(_t(rpt, f"What goes with {outcome_label}", f"与{outcome_label}相关的因素"))
    fig.tight_layout()
    return fig
