"""Figures of the competitor analysis: pure functions of the analyses, returning matplotlib Figures.

Titles and labels follow the report's language (``rpt.lang``); colours come from the
house theme (:mod:`workbench.theme`), with our own series first and thickest.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench import theme
from workbench.competitors.base import ALL
from workbench.competitors.features import feature_label


def _t(rpt, en: str, zh: str) -> str:
    return zh if rpt.lang == "zh" else en


def _colours(names, own=None) -> dict:
    others = [n for n in names if n != own]
    pal = theme.PALETTE[1:] if own is not None else theme.PALETTE
    out = {n: pal[i % len(pal)] for i, n in enumerate(sorted(others))}
    if own is not None:
        out[own] = theme.PALETTE[0]
    return out


def _grid(n: int, ncols: int = 3, w: float = 4.0, h: float = 2.8):
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(w * ncols, h * nrows), squeeze=False, sharey=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


# ----------------------------------------------------------------------------- prices


def price_heatmap(pa, rpt):
    """Recent price index per competitor x category (100 = our price; blue = they are cheaper)."""
    m = pa.gaps.pivot(index="competitor", columns="category", values="price_index")
    fig, ax = plt.subplots(figsize=(1.3 * m.shape[1] + 3, 0.55 * m.shape[0] + 1.8))
    span = max(5.0, float(np.nanmax(np.abs(m.to_numpy() - 100))))
    im = ax.imshow(m.to_numpy(), cmap="RdBu", vmin=100 - span, vmax=100 + span, aspect="auto")
    ax.set_xticks(range(m.shape[1]), m.columns, rotation=30, ha="right")
    ax.set_yticks(range(m.shape[0]), m.index)
    ax.grid(False)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = m.iat[i, j]
            if pd.notna(v):
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=9,
                        color="white" if abs(v - 100) > 0.6 * span else "black")
    fig.colorbar(im, ax=ax, shrink=0.8, label=_t(rpt, "price index (us = 100)", "价格指数（本公司 = 100）"))
    ax.set_title(_t(rpt, f"Competitor price index since {pa.recent_from}", f"{pa.recent_from} 以来竞品价格指数"))
    fig.tight_layout()
    return fig


def price_lines(pa, rpt, threshold: float):
    """Monthly price index per category (all channels), one line per competitor; undercut starts marked."""
    idx = pa.index.loc[pa.index["channel_id"].eq(ALL)].copy()
    idx["m"] = pd.PeriodIndex(idx["month"], freq="M").to_timestamp()
    cats = sorted(idx["category"].unique())
    colours = _colours(idx["competitor"].unique())
    fig, axes = _grid(len(cats))
    for ax, cat in zip(axes, cats, strict=False):
        d = idx.loc[idx["category"].eq(cat)]
        ax.axhspan(100 * (1 - threshold), 100 * (1 + threshold), color=theme.NEUTRAL, alpha=0.15, lw=0)
        ax.axhline(100, color=theme.NEUTRAL, lw=1)
        for comp, g in d.groupby("competitor"):
            ax.plot(g["m"], g["price_index"], color=colours[comp], lw=1.6, label=comp)
        for r in pa.undercuts.loc[pa.undercuts["category"].eq(cat) & pa.undercuts["status"].eq("new")].itertuples():
            ax.axvline(r.since, color=colours.get(r.competitor, theme.BAD), ls="--", lw=1)
            ax.text(r.since, 0.97, f" {r.since:%Y-%m-%d}", transform=ax.get_xaxis_transform(), fontsize=8,
                    va="top", ha="left", color=theme.BAD)
        ax.set_title(cat)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    handles = {c: plt.Line2D([], [], color=col, lw=2) for c, col in colours.items()}
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=min(len(handles), 5), frameon=False)
    fig.suptitle(_t(rpt, "Monthly price index by category (grey band: within the undercut threshold)",
                    "各品类月度价格指数（灰带：低价阈值以内）"))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def gap_histograms(pa, rpt, threshold: float):
    """Distribution of observed price gaps (competitor / our price - 1) since the recent months began."""
    obs = pa.observations.loc[pa.observations["month"] >= pa.recent_from]
    comps = sorted(obs["competitor"].unique())
    colours = _colours(comps)
    fig, axes = _grid(len(comps), ncols=min(len(comps), 4), w=3.4, h=2.6)
    gaps = 100 * (obs["ratio"] - 1)
    bins = np.linspace(max(gaps.min(), -60), min(gaps.max(), 60), 30) if len(gaps) else 10
    for ax, comp in zip(axes, comps, strict=False):
        g = gaps[obs["competitor"].eq(comp)]
        ax.hist(g.clip(-60, 60), bins=bins, color=colours[comp], alpha=0.85)
        ax.axvline(0, color="black", lw=1)
        ax.axvline(-100 * threshold, color=theme.BAD, ls="--", lw=1)
        ax.set_title(f"{comp} (n = {len(g):,})")
        ax.set_xlabel(_t(rpt, "price gap to us (%)", "与本公司价差（%）"))
    fig.suptitle(_t(rpt, f"Price gaps since {pa.recent_from} (red line: undercut threshold)",
                    f"{pa.recent_from} 以来的价差分布（红线：低价阈值）"))
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- share


def share_lines(sa, rpt):
    """Share of every player over time, all regions together; changes beyond noise ringed."""
    t = sa.table.loc[sa.table["region"].eq(ALL)]
    colours = _colours(t["competitor"].unique(), sa.own if sa.own in set(t["competitor"]) else None)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for comp, g in t.groupby("competitor"):
        us = comp == sa.own
        ax.plot(g["period"], 100 * g["share"], marker="o", ms=4, lw=3 if us else 1.6, color=colours[comp],
                label=f"{comp} ({_t(rpt, 'us', '本公司')})" if us else comp)
        f = g.loc[g["beyond_noise"]]
        ax.scatter(f["period"], 100 * f["share"], s=160, facecolors="none", edgecolors=theme.BAD, lw=2, zorder=5)
    ax.set_ylabel(_t(rpt, "share (%)", "份额（%）"))
    ax.set_title(_t(rpt, "Market share, all regions (red ring: change beyond noise)",
                    "市场份额（全部区域；红圈：超出噪声的变化）"))
    ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    ax.tick_params(axis="x", labelrotation=30)
    fig.tight_layout()
    return fig


def share_us_vs_leader(sa, rpt):
    """Per region: our share and the leader's (or the challenger's) over time."""
    t = sa.table.loc[sa.table["region"].ne(ALL)]
    tr = sa.trends.loc[sa.trends["region"].ne(ALL)]
    regions = sorted(tr["region"].unique())
    fig, axes = _grid(len(regions), ncols=4, w=3.2, h=2.5)
    for ax, region in zip(axes, regions, strict=False):
        for r in tr.loc[tr["region"].eq(region)].itertuples():
            g = t.loc[t["region"].eq(region) & t["competitor"].eq(r.competitor)]
            us = r.role == "us"
            ax.plot(g["period"], 100 * g["share"], marker="o", ms=3, lw=2.5 if us else 1.5,
                    color=theme.PALETTE[0] if us else theme.PALETTE[1], label=r.competitor)
        ax.set_title(region)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.legend(frameon=False, fontsize=7)
    fig.suptitle(_t(rpt, "Our share against the leader's by region (%)", "各区域本公司与领先者份额对比（%）"))
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- win/loss


def win_rates(wl, rpt, none_label: str):
    """Win rate per competitor with its 95% Wilson interval (insufficient samples greyed)."""
    t = wl.table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(t) + 1.5))
    y = np.arange(len(t))
    col = [theme.NEUTRAL if i else theme.PALETTE[0] for i in t["insufficient"]]
    ax.errorbar(100 * t["win_rate"], y, xerr=theme.error_bars(100 * t["win_rate"], 100 * t["ci_low"], 100 * t["ci_high"]),
                fmt="none", ecolor=theme.NEUTRAL, capsize=3)
    ax.scatter(100 * t["win_rate"], y, c=col, zorder=3)
    labels = [f"{none_label if c == 'none' else c} (n = {n:,})" for c, n in zip(t["competitor"], t["closed"],
                                                                                 strict=True)]
    ax.set_yticks(y, labels)
    ax.axvline(100 * wl.overall_rate, color=theme.WARN, ls="--", lw=1)
    ax.set_xlabel(_t(rpt, "win rate of closed leads (%), 95% interval; dashed: all leads",
                     "已结束线索赢单率（%），95% 区间；虚线：全部线索"))
    ax.set_title(_t(rpt, "Win rate by competitor named on the lead", "按线索所记录竞品的赢单率"))
    fig.tight_layout()
    return fig


def lost_reasons_pareto(wl, rpt):
    """Pareto chart of lost reasons: counts as bars, cumulative share as a line."""
    r = wl.reasons
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(r["lost_reason"], r["lost"], color=theme.PALETTE[0])
    ax.set_ylabel(_t(rpt, "lost leads", "丢单数"))
    ax2 = ax.twinx()
    ax2.plot(r["lost_reason"], 100 * r["cum_share"], color=theme.BAD, marker="o")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel(_t(rpt, "cumulative share (%)", "累计占比（%）"))
    ax2.grid(False)
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(_t(rpt, "Why leads are lost (Pareto)", "丢单原因帕累托图"))
    fig.tight_layout()
    return fig


def model_effects(model: pd.DataFrame, rpt):
    """Average change in win probability (percentage points) per factor, with 95% intervals."""
    m = model.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(m) + 1.5))
    y = np.arange(len(m))
    sure = (m["or_low"] > 1) | (m["or_high"] < 1)
    ax.errorbar(m["effect_pp"], y, xerr=theme.error_bars(m["effect_pp"], m["effect_low"], m["effect_high"]),
                fmt="none", ecolor=theme.NEUTRAL, capsize=3)
    ax.scatter(m["effect_pp"], y, c=[theme.PALETTE[0] if s else theme.NEUTRAL for s in sure], zorder=3)
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(y, m["term"])
    ax.set_xlabel(_t(rpt, "change in win probability (percentage points), 95% interval",
                     "赢单概率变化（百分点），95% 区间"))
    ax.set_title(_t(rpt, "What goes with winning (logistic regression)", "与赢单相关的因素（逻辑回归）"))
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- features


def feature_heatmap(fa, rpt):
    """Scores per player and dimension (us on the first row)."""
    m = fa.matrix
    fig, ax = plt.subplots(figsize=(1.2 * m.shape[1] + 3, 0.55 * m.shape[0] + 1.8))
    im = ax.imshow(m.to_numpy(dtype=float), cmap="Blues", aspect="auto")
    ax.set_xticks(range(m.shape[1]), [feature_label(d, rpt.lang) for d in m.columns], rotation=30, ha="right")
    ax.set_yticks(range(m.shape[0]), m.index)
    ax.grid(False)
    hi = np.nanmax(m.to_numpy(dtype=float))
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = m.iat[i, j]
            if pd.notna(v):
                ax.text(j, i, f"{v:g}", ha="center", va="center", color="white" if v > 0.7 * hi else "black")
    if fa.own in m.index:
        ax.get_yticklabels()[0].set_fontweight("bold")
    fig.colorbar(im, ax=ax, shrink=0.8, label=_t(rpt, "score", "得分"))
    ax.set_title(_t(rpt, "Feature scores by player", "各参与者功能维度得分"))
    fig.tight_layout()
    return fig


def feature_radar(fa, rpt):
    """Radar of every player's scores, ours thick."""
    m = fa.matrix
    dims = list(m.columns)
    ang = np.linspace(0, 2 * np.pi, len(dims), endpoint=False).tolist()
    colours = _colours(m.index, fa.own if fa.own in m.index else None)
    fig, ax = plt.subplots(figsize=(6, 6), subplot_kw={"polar": True})
    for name, row in m.iterrows():
        v = row.to_numpy(dtype=float).tolist()
        us = name == fa.own
        ax.plot(ang + ang[:1], v + v[:1], color=colours[name], lw=3 if us else 1.3, label=name)
        if us:
            ax.fill(ang + ang[:1], v + v[:1], color=colours[name], alpha=0.12)
    ax.set_xticks(ang, [feature_label(d, rpt.lang) for d in dims])
    ax.set_title(_t(rpt, "Feature comparison", "功能维度对比"))
    ax.legend(frameon=False, fontsize=8, loc="upper right", bbox_to_anchor=(1.3, 1.1))
    fig.tight_layout()
    return fig
