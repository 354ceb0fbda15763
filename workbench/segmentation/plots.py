"""Figures of the segmentation report: pure functions from tables to a matplotlib Figure.

Titles, axis labels and the workbench's own codes come from the report's catalogue
(``report.t``, :func:`~workbench.segmentation.labels.code_label`); the report's theme
(fonts with CJK glyphs, palette, no maths in data labels) is applied by :class:`workbench.Report`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench import theme
from workbench.segmentation.labels import HEADER_KEYS, code_label


def _t(report, key: str) -> str:
    """A title or axis label from the report's catalogue (periods filled in for this run)."""
    return report.t(HEADER_KEYS.get(key, key))


def _empty(report, title_key: str):
    fig, ax = plt.subplots(figsize=(8, 2))
    ax.text(0.5, 0.5, _t(report, "no_data"), ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    ax.set_title(_t(report, title_key))
    return fig


def _heatmap(ax, values: np.ndarray, text: list[list[str]], cmap: str = "Blues"):
    finite = values[np.isfinite(values)]
    vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    ax.imshow(np.nan_to_num(values), cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
    for i, row in enumerate(text):
        for j, t in enumerate(row):
            v = values[i, j]
            dark = np.isfinite(v) and v > 0.6 * vmax
            ax.text(j, i, t, ha="center", va="center", fontsize=8, color="white" if dark else "#222222")
    ax.grid(False)


def plot_rf_grid(rfm: pd.DataFrame, report):
    """R score (rows, 5 on top) x F score (columns): customers per cell, labelled with its segment."""
    if rfm.empty:
        return _empty(report, "seg_rfm_scores")
    counts = rfm.groupby(["r_score", "f_score"]).size().unstack(fill_value=0).reindex(
        index=range(5, 0, -1), columns=range(1, 6), fill_value=0)
    seg = rfm.groupby(["r_score", "f_score"])["rfm_segment"].agg(lambda s: s.value_counts().index[0])
    text = []
    for r in counts.index:
        row = []
        for f in counts.columns:
            n = int(counts.loc[r, f])
            name = code_label(report, "rfm_segment", seg.get((r, f), "")) if n else ""
            row.append(f"{name}\n{n:,}" if n else "–")
        text.append(row)
    fig, ax = plt.subplots(figsize=(8, 4.6))
    _heatmap(ax, counts.to_numpy(dtype=float), text)
    ax.set_xticks(range(5), [str(f) for f in counts.columns])
    ax.set_yticks(range(5), [str(r) for r in counts.index])
    ax.set_xlabel(_t(report, "f_score"))
    ax.set_ylabel(_t(report, "r_score"))
    ax.set_title(_t(report, "seg_rfm_scores"))
    return fig


def plot_segments(segments: pd.DataFrame, report):
    """Share of customers and share of net revenue of the value window per RFM segment (horizontal bars)."""
    if segments.empty or segments["customers"].sum() == 0:
        return _empty(report, "seg_segment_sizes")
    s = segments.iloc[::-1]
    y = np.arange(len(s))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(s) + 1.2))
    ax.barh(y + 0.2, s["share_customers"] * 100, height=0.38, color=theme.PALETTE[0],
            label=_t(report, "seg_share_of_customers"))
    ax.barh(y - 0.2, s["share_revenue_window"].fillna(0) * 100, height=0.38, color=theme.PALETTE[1],
            label=_t(report, "seg_share_of_revenue"))
    for yi, (n, c) in enumerate(zip(s["customers"], s["share_customers"], strict=True)):
        ax.text(c * 100 + 0.5, yi + 0.2, f"n={int(n):,}", va="center", fontsize=8)
    ax.set_yticks(y, [code_label(report, "rfm_segment", v) for v in s["rfm_segment"]])
    ax.set_xlabel(_t(report, "seg_share_axis"))
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", visible=False)
    ax.set_title(_t(report, "seg_segment_sizes"))
    return fig


def plot_holdout(by_frequency: pd.DataFrame, report):
    """Mean holdout purchases by calibration purchases: actual, BG/NBD prediction and naive baseline."""
    if by_frequency.empty:
        return _empty(report, "seg_holdout")
    x = np.arange(len(by_frequency))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(x, by_frequency["actual_mean"], marker="o", color=theme.PALETTE[0], label=_t(report, "actual"))
    ax.plot(x, by_frequency["predicted_mean"], marker="s", color=theme.PALETTE[1], label=_t(report, "predicted"))
    ax.plot(x, by_frequency["baseline_mean"], marker="^", linestyle="--", color=theme.NEUTRAL,
            label=_t(report, "baseline"))
    ax.set_xticks(x, [f"{c}\n(n={int(n):,})" for c, n in zip(by_frequency["calibration_purchases"],
                                                               by_frequency["customers"], strict=True)], fontsize=8)
    ax.set_xlabel(_t(report, "seg_holdout_x"))
    ax.set_ylabel(_t(report, "seg_holdout_y"))
    ax.legend(fontsize=8)
    ax.set_title(_t(report, "seg_holdout"))
    return fig


def plot_tier_potential(value: pd.DataFrame, tiers: list[str], potentials: list[str], report):
    """Customers per value tier (rows) and potential (columns)."""
    if value.empty:
        return _empty(report, "seg_tier_matrix")
    cols = potentials + [p for p in value["potential"].unique() if p not in potentials]
    tab = pd.crosstab(value["tier"], value["potential"]).reindex(index=tiers, columns=cols, fill_value=0)
    tab = tab.loc[:, tab.sum() > 0]
    text = [[f"{int(v):,}" for v in row] for row in tab.to_numpy()]
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(tab) + 1.5))
    _heatmap(ax, tab.to_numpy(dtype=float), text)
    ax.set_xticks(range(tab.shape[1]), [code_label(report, "potential", c) for c in tab.columns])
    ax.set_yticks(range(tab.shape[0]), [code_label(report, "tier", t) for t in tab.index])
    ax.set_xlabel(_t(report, "potential"))
    ax.set_ylabel(_t(report, "tier"))
    ax.set_title(_t(report, "seg_tier_matrix"))
    return fig


def plot_k_choice(k_table: pd.DataFrame, report):
    """Silhouette by number of clusters, the chosen k marked."""
    if k_table.empty:
        return _empty(report, "seg_k_choice")
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(k_table["k"], k_table["silhouette"], marker="o", color=theme.PALETTE[0])
    best = k_table.loc[k_table["chosen"]]
    ax.scatter(best["k"], best["silhouette"], s=140, facecolors="none", edgecolors=theme.BAD, linewidths=2,
               zorder=3)
    ax.set_xticks(k_table["k"])
    ax.set_xlabel(_t(report, "k"))
    ax.set_ylabel(_t(report, "silhouette"))
    ax.set_title(_t(report, "seg_k_choice"))
    return fig


def plot_transitions(transitions: pd.DataFrame, tiers: list[str], report):
    """Previous tier (rows) to current tier (columns): share of the previous tier, with counts."""
    if transitions.empty:
        return _empty(report, "seg_transitions")
    rows = [t for t in [*tiers, "(new)"] if t in set(transitions["previous_tier"])]
    counts = transitions.pivot_table(index="previous_tier", columns="current_tier", values="customers",
                                     aggfunc="sum", fill_value=0).reindex(index=rows, columns=tiers, fill_value=0)
    shares = counts.div(counts.sum(axis=1).where(counts.sum(axis=1) > 0), axis=0)
    text = [[f"{s:.0%}\n{int(n):,}" if n else "–" for s, n in zip(srow, nrow, strict=True)]
            for srow, nrow in zip(shares.to_numpy(), counts.to_numpy(), strict=True)]
    fig, ax = plt.subplots(figsize=(7.5, 0.7 * len(rows) + 1.6))
    _heatmap(ax, shares.to_numpy(dtype=float), text, cmap="Oranges")
    ax.set_xticks(range(len(tiers)), [code_label(report, "tier", t) for t in tiers])
    ax.set_yticks(range(len(rows)), [code_label(report, "tier", t) for t in rows])
    ax.set_xlabel(_t(report, "current_tier"))
    ax.set_ylabel(_t(report, "previous_tier"))
    ax.set_title(_t(report, "seg_transitions"))
    return fig


def plot_segment_channel(sc: pd.DataFrame, segments: list[str], report, top: int = 8):
    """Share of net revenue by RFM segment (rows) and acquisition channel (columns, the largest ``top``)."""
    if sc.empty:
        return _empty(report, "seg_channel_matrix")
    chans = sc.groupby("acquisition_channel")["revenue"].sum().sort_values(ascending=False).index[:top]
    rows = [s for s in segments if s in set(sc["rfm_segment"])]
    rev = sc.pivot_table(index="rfm_segment", columns="acquisition_channel", values="revenue", aggfunc="sum",
                         fill_value=0.0).reindex(index=rows, columns=chans, fill_value=0.0)
    n = sc.pivot_table(index="rfm_segment", columns="acquisition_channel", values="customers", aggfunc="sum",
                       fill_value=0).reindex(index=rows, columns=chans, fill_value=0)
    total = rev.to_numpy().clip(min=0).sum()
    share = rev / total if total > 0 else rev * np.nan
    text = [[f"{s:.1%}\nn={int(k):,}" if k else "–" for s, k in zip(srow, nrow, strict=True)]
            for srow, nrow in zip(share.to_numpy(), n.to_numpy(), strict=True)]
    fig, ax = plt.subplots(figsize=(max(7.0, 1.1 * len(chans) + 2), 0.55 * len(rows) + 1.8))
    _heatmap(ax, share.to_numpy(dtype=float), text, cmap="Greens")
    ax.set_xticks(range(len(chans)), [code_label(report, "word", c) if c == "(unknown)" else str(c)
                                      for c in chans], rotation=20, ha="right")
    ax.set_yticks(range(len(rows)), [code_label(report, "rfm_segment", s) for s in rows])
    ax.set_xlabel(_t(report, "acquisition_channel"))
    ax.set_ylabel(_t(report, "rfm_segment"))
    ax.set_title(_t(report, "seg_channel_matrix"))
    return fig
