"""Figures of the channel notebook: pure functions returning a matplotlib Figure, labelled in the report language.

Each takes the result object of its analysis and the notebook's :class:`~workbench.report.Report`
(for labels and language). None of them shows, saves or closes the figure.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from workbench import theme
from workbench.channels.budget import Allocation, ResponseFit, curve_points, observed_points
from workbench.channels.diagnosis import Diagnosis
from workbench.channels.funnel import ALL, TimeToClose
from workbench.channels.matrices import Inventory, Matrix
from workbench.channels.prepare import UNKNOWN
from workbench.theme import BAD, GOOD, NEUTRAL, PALETTE, WARN

_OTHER_COLOURS = [c for c in PALETTE if c not in (BAD, "#F0E442")]  # BAD marks the focus; yellow reads badly


def _label(cid: str, name) -> str:
    return f"{cid} {name}" if isinstance(name, str) and name and name != cid else str(cid)


def _txt(rpt, en: str, zh: str | None = None, **values) -> str:
    """A chart label in the report's language; data names stay plain text (a chart is not HTML)."""
    template = zh if (rpt.lang == "zh" and zh) else en
    return template.format(**{k: rpt.fmt.value(v) for k, v in values.items()})


def _empty(rpt, en: str, zh: str):
    fig, ax = plt.subplots(figsize=(8, 1.6))
    ax.text(0.5, 0.5, _txt(rpt, en, zh), ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def _money_axis(ax, axis: str = "y", rpt=None):
    """Money ticks in thousands / millions (万 / 亿 on a Chinese report)."""
    zh = rpt is not None and rpt.lang == "zh"

    def fmt(v, _):
        a = abs(v)
        if zh:
            if a >= 1e8:
                return f"{v / 1e8:.1f}亿"
            return f"{v / 1e4:.0f}万" if a >= 1e4 else f"{v:.0f}"
        if a >= 1e6:
            return f"{v / 1e6:.1f}M"
        if a >= 1e3:
            return f"{v / 1e3:.0f}k"
        return f"{v:.0f}"
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(fmt))


def plot_conversion(conv: pd.DataFrame, rpt):
    """Conversion per channel with its 95 % Wilson interval; the shrunk rate as a diamond; thin channels grey."""
    c = conv.loc[conv["leads"] > 0].iloc[::-1]
    if c.empty:
        return _empty(rpt, "No leads in mature cohorts.", "成熟批次中没有线索。")
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(c) + 1.4))
    y = np.arange(len(c))
    grey = c["insufficient_data"].to_numpy() | (c["channel_id"] == UNKNOWN).to_numpy()
    colours = [NEUTRAL if g else PALETTE[0] for g in grey]
    ax.hlines(y, c["ci_low"], c["ci_high"], colors=colours, lw=2.5)
    ax.scatter(c["conversion_rate"], y, color=colours, zorder=3, s=36, label=rpt.t("conversion_rate"))
    ax.scatter(c["shrunk_rate"], y, marker="D", facecolor="white", edgecolor=WARN, zorder=4, s=30,
               label=rpt.t("shrunk_rate"))
    labels = [f"{_label(r.channel_id, r.channel_name)}  (n={int(r.leads):,})" for r in c.itertuples()]
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_xlim(left=0)
    ax.set_xlabel(rpt.t("conversion_rate"))
    ax.set_title(rpt.t("ch_conversion"))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="y", visible=False)
    return fig


def plot_funnel(fp: pd.DataFrame, rpt):
    """Funnel plot: conversion against leads, with 95 % and 99.8 % binomial control limits around the pooled rate."""
    if fp.empty:
        return _empty(rpt, "No channel to plot.", "没有可绘制的渠道。")
    from workbench.channels.funnel import control_limits

    p0 = float(fp["pooled"].iloc[0])
    n = np.linspace(max(5, fp["leads"].min() * 0.5), fp["leads"].max() * 1.3, 200)
    fig, ax = plt.subplots(figsize=(8, 4.6))
    for z, ls, lab in ((1.959964, "--", "95%"), (3.090232, ":", "99.8%")):
        lo, hi = control_limits(p0, n, z)
        ax.plot(n, lo, ls, color=NEUTRAL, lw=1)
        ax.plot(n, hi, ls, color=NEUTRAL, lw=1, label=_txt(rpt, "{lab} control limits", "{lab} 控制限", lab=lab))
    ax.axhline(p0, color="black", lw=0.8)
    col = fp["outside"].map({"above": GOOD, "below": BAD}).fillna(PALETTE[0])
    col = np.where(fp["insufficient_data"], NEUTRAL, col)
    ax.scatter(fp["leads"], fp["conversion_rate"], c=col, s=50, zorder=3)
    for r in fp.itertuples():
        ax.annotate(_label(r.channel_id, r.channel_name), (r.leads, r.conversion_rate), xytext=(5, 4),
                    textcoords="offset points", fontsize=9)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.set_xlabel(rpt.t("leads"))
    ax.set_ylabel(rpt.t("conversion_rate"))
    ax.set_title(rpt.t("ch_funnel_plot"))
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_stages(sc: pd.DataFrame, rpt, highlight: str | None = None):
    """Stage conversion per channel (rate and 95 % interval at each step), pooled channels in black."""
    if sc.empty:
        return _empty(rpt, "No stages to show.", "没有阶段数据。")
    steps = sc.drop_duplicates("step").sort_values("step")
    won = "赢单" if rpt.lang == "zh" else "won"
    ticks = [f"{a}\n→ {b if b != 'won' else won}" for a, b in zip(steps["from_stage"], steps["to_stage"], strict=True)]
    chans = [c for c in sc["channel_id"].unique() if c != ALL]
    fig, ax = plt.subplots(figsize=(8.5, 4.6))
    width = 0.8 / max(len(chans), 1)
    for i, cid in enumerate(chans):
        d = sc.loc[sc["channel_id"] == cid].sort_values("step")
        x = np.arange(len(d)) - 0.4 + width * (i + 0.5)
        colour = BAD if cid == highlight else _OTHER_COLOURS[i % len(_OTHER_COLOURS)]
        # clipped at 0: at a rate of 1 the Wilson bound can come out a rounding error below it
        yerr = theme.error_bars(d["conversion_rate"], d["ci_low"], d["ci_high"])
        ax.errorbar(x, d["conversion_rate"], yerr=yerr,
                    fmt="o", color=colour, ms=5, capsize=2, lw=1.4 if cid == highlight else 1, label=cid)
    pooled = sc.loc[sc["channel_id"] == ALL].sort_values("step")
    ax.plot(np.arange(len(pooled)), pooled["conversion_rate"], "_", color="black", ms=28, mew=2,
            label=_txt(rpt, "all channels", "全部渠道"))
    ax.set_xticks(np.arange(len(ticks)), ticks, fontsize=9)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.set_ylabel(rpt.t("conversion_rate"))
    ax.set_title(rpt.t("ch_stages"))
    ax.legend(fontsize=8, frameon=False, ncol=min(len(chans) + 1, 5), loc="upper center",
              bbox_to_anchor=(0.5, -0.18))
    return fig


def plot_cohorts(cc: pd.DataFrame, rpt, names: dict | None = None):
    """Conversion by creation cohort, one panel per channel with its 95 % band; cohorts not yet mature hollow."""
    cc = cc.loc[cc["channel_id"] != UNKNOWN]
    if cc.empty:
        return _empty(rpt, "No cohorts to show.", "没有批次数据。")
    names = names or {}
    chans = list(cc.groupby("channel_id")["leads"].sum().sort_values(ascending=False).index)[:8]
    ncol = 2 if len(chans) > 1 else 1
    nrow = math.ceil(len(chans) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(10, 2.3 * nrow + 0.9), squeeze=False, sharex=True, sharey=True)
    cohorts = sorted(cc["cohort"].unique())
    pos = {c: i for i, c in enumerate(cohorts)}
    top = float(cc.loc[cc["mature"], "ci_high"].max()) if cc["mature"].any() else float(cc["ci_high"].max())
    for ax, cid in zip(axes.ravel(), chans, strict=False):
        d = cc.loc[cc["channel_id"] == cid].sort_values("cohort")
        x = d["cohort"].map(pos).to_numpy()
        m = d["mature"].to_numpy()
        ax.fill_between(x, d["ci_low"], d["ci_high"], color=PALETTE[0], alpha=0.15, lw=0)
        ax.plot(x, d["conversion_rate"], "-", color=PALETTE[0], lw=1)
        ax.scatter(x[m], d["conversion_rate"].to_numpy()[m], color=PALETTE[0], s=12, zorder=3)
        ax.scatter(x[~m], d["conversion_rate"].to_numpy()[~m], facecolor="white", edgecolor=PALETTE[0], s=12,
                   zorder=3)
        pooled = d.loc[d["mature"], "won"].sum() / max(d.loc[d["mature"], "leads"].sum(), 1)
        ax.axhline(pooled, color=NEUTRAL, ls="--", lw=0.8)
        ax.set_title(f"{_label(cid, names.get(cid))}  (n={int(d['leads'].sum()):,})", fontsize=9)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(0, min(1.0, top * 1.1) if np.isfinite(top) and top > 0 else 1.0)
    step = max(1, len(cohorts) // 8)
    for ax in axes.ravel():
        ax.set_xticks(range(0, len(cohorts), step), cohorts[::step], rotation=45, ha="right", fontsize=7)
        ax.tick_params(axis="y", labelsize=8)
    for ax in axes.ravel()[len(chans):]:
        ax.set_axis_off()
    fig.suptitle(rpt.t("ch_cohorts") + _txt(rpt, " (dashed: mature-cohort rate)", "（虚线：成熟批次整体转化率）"),
                 fontsize=11)
    fig.tight_layout()
    return fig


def plot_time_to_close(ttc: TimeToClose, rpt):
    """Share of leads closed against days since creation, one Kaplan-Meier curve per channel."""
    if not ttc.curves:
        return _empty(rpt, "No closed leads with dates.", "没有带日期的已关闭线索。")
    fig, ax = plt.subplots(figsize=(8, 4.2))
    i = 0
    for cid, cur in ttc.curves.items():
        if cid == ALL:
            continue
        ax.step(cur["days"], cur["share_closed"], where="post", color=PALETTE[i % len(PALETTE)], lw=1.4, label=cid)
        i += 1
    if ALL in ttc.curves:
        cur = ttc.curves[ALL]
        ax.step(cur["days"], cur["share_closed"], where="post", color="black", lw=1, ls="--",
                label=_txt(rpt, "all channels", "全部渠道"))
    q99 = ttc.summary["p75_days"].max()
    ax.set_xlim(0, max(30, float(q99) * 2.2) if np.isfinite(q99) else None)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(_txt(rpt, "Days since the lead was created", "线索创建后的天数"))
    ax.set_ylabel(_txt(rpt, "Share closed", "已关闭占比"))
    ax.set_title(rpt.t("ch_ttc"))
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_diagnosis(diag: Diagnosis, rpt, max_channels: int = 6):
    """Per channel, the effect of each factor on won revenue against the benchmark (failing stages in red)."""
    comp = diag.components
    if comp.empty:
        return _empty(rpt, "Nothing to diagnose.", "没有可诊断的渠道。")
    from workbench.channels.diagnosis import localise

    loc = localise(diag, rpt.lang)
    loc = loc.loc[loc["contribution"].notna() & (loc["component"] != "total")]
    ids = list(dict.fromkeys(loc["channel_id"]))[:max_channels]
    if diag.weakest in ids:
        ids.remove(diag.weakest)
        ids.insert(0, diag.weakest)
    ncol = 2 if len(ids) > 1 else 1
    nrow = math.ceil(len(ids) / ncol)
    k = loc.groupby("channel_id").size().max()
    fig, axes = plt.subplots(nrow, ncol, figsize=(10, (0.32 * k + 1.1) * nrow), squeeze=False, sharex=True)
    names = diag.summary.set_index("channel_id")["channel_name"]
    lim = float(np.nanmax(np.abs(loc["contribution"]))) * 1.15 if len(loc) else 1.0
    for ax, cid in zip(axes.ravel(), ids, strict=False):
        d = loc.loc[loc["channel_id"] == cid].iloc[::-1]
        colour = np.where(d["failing"], BAD, np.where(d["contribution"] < 0, WARN, GOOD))
        ax.barh(d["component_label"], d["contribution"], color=colour)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(_label(cid, names.get(cid, "")), fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlim(-lim, lim)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"×{math.exp(v):.2g}"))
        ax.grid(axis="y", visible=False)
    for ax in axes.ravel()[len(ids):]:
        ax.set_axis_off()
    fig.suptitle(rpt.t("ch_diagnosis"), fontsize=12)
    fig.supxlabel(_txt(rpt, "Multiplier on won revenue against the benchmark (log scale)",
                           "相对基准的赢单收入倍数（对数刻度）"), fontsize=9)
    fig.tight_layout()
    return fig


def plot_drivers(diag: Diagnosis, rpt, channel: str | None = None, top: int = 20):
    """Win rate after the failing stage per rep of ``channel`` (default the weakest), 95 % intervals, benchmark line."""
    channel = channel or diag.weakest
    d = diag.drivers
    d = d.loc[(d["channel_id"] == channel) & (d["level"] == "rep")] if len(d) else d
    if d is None or d.empty:
        return _empty(rpt, "No failing stage with reps to show.", "没有可按销售拆分的薄弱阶段。")
    d = d.sort_values("rate").tail(top)
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(d) + 1.4))
    y = np.arange(len(d))
    grey = d["insufficient_data"].to_numpy()
    ax.hlines(y, d["ci_low"], d["ci_high"], colors=np.where(grey, NEUTRAL, PALETTE[0]), lw=2)
    ax.scatter(d["rate"], y, color=np.where(grey, NEUTRAL, PALETTE[0]), zorder=3, s=24)
    bench = float(d["benchmark_rate"].iloc[0])
    ax.axvline(bench, color=GOOD, ls="--", lw=1.2, label=rpt.t("benchmark_rate"))
    pooled = d["won"].sum() / max(d["closed"].sum(), 1)
    ax.axvline(pooled, color=BAD, ls=":", lw=1.2, label=_txt(rpt, "{c} overall", "{c} 整体", c=channel))
    ax.set_yticks(y, [f"{k}  (n={int(n):,})" for k, n in zip(d["key"], d["closed"], strict=True)], fontsize=8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, max(1.0 * bench * 1.3, float(d["ci_high"].max()) * 1.05))
    ax.set_title(rpt.t("ch_drivers") + f" — {channel}")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.grid(axis="y", visible=False)
    return fig


def plot_feedback(fb: pd.DataFrame, rpt, names: dict | None = None):
    """Mean NPS (0–10) per channel with its 95 % interval; significantly low channels in red."""
    if fb.empty:
        return _empty(rpt, "No feedback by channel.", "没有按渠道的反馈。")
    d = fb.sort_values("nps_mean")
    names = names or {}
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(d) + 1.3))
    y = np.arange(len(d))
    colour = np.where(d["low_nps"], BAD, PALETTE[0])
    ax.hlines(y, d["nps_ci_low"], d["nps_ci_high"], colors=colour, lw=2.5)
    ax.scatter(d["nps_mean"], y, color=colour, zorder=3, s=36)
    ax.set_yticks(y, [f"{_label(c, names.get(c))}  (n={int(n):,})" for c, n in zip(d["channel_id"], d["nps_n"],
                                                                                 strict=True)])
    ax.set_xlim(max(0.0, math.floor(float(d["nps_ci_low"].min()) - 1)), 10)
    ax.set_xlabel(rpt.t("nps_mean"))
    ax.set_title(rpt.t("ch_feedback"))
    ax.grid(axis="y", visible=False)
    return fig


def plot_revenue(table: pd.DataFrame, rpt, top: int = 8):
    """Revenue per period of the largest channels (lines)."""
    if table.empty or table["revenue"].notna().sum() == 0:
        return _empty(rpt, "No revenue to show.", "没有收入数据。")
    t = table.loc[table["revenue"].notna()]
    biggest = t.groupby("channel_id")["revenue"].sum().sort_values(ascending=False).head(top).index
    fig, ax = plt.subplots(figsize=(9, 4.2))
    periods = sorted(t["period"].unique())
    pos = {p: i for i, p in enumerate(periods)}
    for i, cid in enumerate(biggest):
        d = t.loc[t["channel_id"] == cid].sort_values("period")
        ax.plot(d["period"].map(pos), d["revenue"], "-o", ms=3, lw=1.3, color=PALETTE[i % len(PALETTE)],
                label=_label(cid, d["channel_name"].iloc[0]))
    step = max(1, len(periods) // 12)
    ax.set_xticks(range(0, len(periods), step), periods[::step], rotation=45, ha="right", fontsize=8)
    _money_axis(ax, "y", rpt)
    quarterly = any("Q" in str(p) for p in periods)
    ax.set_ylabel(_txt(rpt, "Revenue ({s} per quarter)" if quarterly else "Revenue ({s} per month)",
                       "收入（{s}/季度）" if quarterly else "收入（{s}/月）", s=rpt.fmt.symbol.strip()))
    ax.set_title(rpt.t("ch_revenue"))
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def plot_roas(summary: pd.DataFrame, rpt):
    """ROAS (revenue per unit of spend) and CAC per channel over the summary window."""
    s = summary.loc[(summary["channel_id"] != "(total)") & summary["roas"].notna()].sort_values("roas")
    if s.empty:
        return _empty(rpt, "No spend: ROAS and CAC cannot be shown.", "没有费用数据：无法显示 ROAS 与获客成本。")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 0.45 * len(s) + 1.5), sharey=True)
    labels = [_label(r.channel_id, r.channel_name) for r in s.itertuples()]
    a1.barh(labels, s["roas"], color=np.where(s["roas"] >= 1, GOOD, BAD))
    a1.axvline(1, color="black", lw=0.8)
    a1.set_xlabel(rpt.t("roas"))
    a2.barh(labels, s["cac"], color=PALETTE[0])
    _money_axis(a2, "x", rpt)
    a2.set_xlabel(_txt(rpt, "CAC ({s} per new customer)", "获客成本（{s}/新客户）", s=rpt.fmt.symbol.strip()))
    for a in (a1, a2):
        a.grid(axis="y", visible=False)
    fig.suptitle(rpt.t("ch_roas"), fontsize=12)
    fig.tight_layout()
    return fig


def plot_matrix(m: Matrix, rpt):
    """Heatmap of each channel's revenue share over the dimension's values."""
    import seaborn as sns

    if not m.available:
        return _empty(rpt, "Not available.", "无可用数据。")
    w = m.wide.set_index("channel_id")
    share = w.drop(columns=["channel_name", "revenue", "orders"]).astype(float)
    share.index = [_label(c, n) for c, n in zip(w.index, w["channel_name"], strict=True)]
    fig, ax = plt.subplots(figsize=(min(1.0 * share.shape[1] + 3, 13), 0.45 * len(share) + 1.6))
    sns.heatmap(share * 100, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax, vmin=0,
                annot_kws={"fontsize": 8}, linewidths=0.5)
    ax.grid(False)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=35, labelsize=8)
    ax.tick_params(axis="y", labelsize=8)
    title = {"product": ("Revenue share by product category (%)", "各渠道收入的品类构成（%）"),
             "segment": ("Revenue share by customer segment (%)", "各渠道收入的客户细分构成（%）"),
             "region": ("Revenue share by region (%)", "各渠道收入的区域构成（%）")}[m.dimension]
    ax.set_title(_txt(rpt, *title))
    return fig


def plot_inventory(inv: Inventory, rpt, overstock_months: float):
    """Stock cover (months of sales) per channel at its latest snapshot, with the overstock line."""
    if not inv.available:
        return _empty(rpt, "No inventory to show.", "没有库存数据。")
    d = inv.by_channel.sort_values("cover_months")
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(d) + 1.4))
    labels = [_label(r.channel_id, r.channel_name) for r in d.itertuples()]
    ax.barh(labels, d["cover_months"], color=np.where(d["overstock"], BAD, PALETTE[0]))
    ax.axvline(overstock_months, color=BAD, ls="--", lw=1)
    ax.set_xlabel(rpt.t("cover_months"))
    title = rpt.t("ch_inventory") + (_txt(rpt, " — stale snapshot {d}", "（快照已过期：{d}）", d=inv.snapshot)
                                     if inv.stale else "")
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    return fig


def plot_curves(fit: ResponseFit, rpt, allocation: Allocation | None = None):
    """Small multiples: each channel's monthly outcome against steady monthly spend, 95 % band, observed months."""
    if not fit.channels:
        return _empty(rpt, "No response curves.", "没有响应曲线。")
    pts = curve_points(fit)
    obs = observed_points(fit)
    n = len(fit.channels)
    ncol = 4 if n > 4 else n
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.9 * ncol + 0.6, 2.5 * nrow + 0.8), squeeze=False)
    cur = fit.curves.set_index("channel_id")
    rec = allocation.table.set_index("channel_id")["recommended_spend"] if allocation is not None and len(
        allocation.table) else pd.Series(dtype=float)
    metric_words = {"leads": _txt(rpt, "leads", "线索"), "orders": _txt(rpt, "orders", "订单"),
                    "revenue": _txt(rpt, "revenue", "收入")}
    for ax, c in zip(axes.ravel(), fit.channels, strict=False):
        p = pts.loc[pts["channel_id"] == c]
        o = obs.loc[obs["channel_id"] == c]
        ax.fill_between(p["spend"], p["low"], p["high"], color=PALETTE[0], alpha=0.18, lw=0)
        ax.plot(p["spend"], p["expected"], color=PALETTE[0], lw=1.5)
        ax.scatter(o["effective_spend"], o["y"], s=9, color="black", alpha=0.6)
        s0 = cur.loc[c, "current_spend"]
        ax.axvline(s0, color=NEUTRAL, ls="--", lw=1)
        if c in rec.index and np.isfinite(rec[c]) and abs(rec[c] - s0) > 1e-6 * max(s0, 1):
            ax.axvline(rec[c], color=GOOD if rec[c] > s0 else BAD, ls="-", lw=1.2)
        b = cur.loc[c, "exponent"]
        ax.set_title(f"{_label(c, cur.loc[c, 'channel_name'])}  b={b:.2f}", fontsize=9)
        ax.set_ylabel(metric_words.get(cur.loc[c, "metric"], ""), fontsize=8)
        _money_axis(ax, "x", rpt)
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
        ax.set_xlim(left=0)
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    fig.suptitle(rpt.t("ch_curves") + _txt(rpt, "; carry-over λ = {lam}", "；滞后系数 λ = {lam}",
                                               lam=f"{fit.carry_over:.2f}"), fontsize=11)
    fig.supxlabel(_txt(rpt, "Monthly spend (grey dashed: now; coloured: recommended)",
                           "月费用（灰色虚线：当前；彩色实线：建议）"), fontsize=9)
    fig.tight_layout()
    return fig


def plot_allocation(al: Allocation, rpt):
    """Current against recommended monthly spend per channel."""
    t = al.table
    if t.empty or t["recommended_spend"].isna().all():
        return _empty(rpt, "No recommendation.", "没有建议方案。")
    t = t.sort_values("current_spend")
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(t) + 1.4))
    y = np.arange(len(t))
    ax.barh(y - 0.2, t["current_spend"], height=0.4, color=NEUTRAL, label=rpt.t("current_spend"))
    colour = np.where(t["change"] > 0, GOOD, np.where(t["change"] < 0, BAD, PALETTE[0]))
    ax.barh(y + 0.2, t["recommended_spend"], height=0.4, color=colour, label=rpt.t("recommended_spend"))
    ax.set_yticks(y, [_label(c, n) for c, n in zip(t["channel_id"], t["channel_name"], strict=True)])
    _money_axis(ax, "x", rpt)
    from matplotlib.patches import Patch

    ax.set_title(rpt.t("ch_allocation"))
    ax.legend(handles=[Patch(color=NEUTRAL, label=rpt.t("current_spend")),
                       Patch(color=GOOD, label=_txt(rpt, "recommended: more", "建议：增加")),
                       Patch(color=BAD, label=_txt(rpt, "recommended: less", "建议：减少"))],
              fontsize=8, frameon=False, loc="lower right")
    ax.grid(axis="y", visible=False)
    return fig


def plot_what_if(w: pd.DataFrame, rpt):
    """Expected monthly value of the best split at each budget, with its 95 % band, and of the current split scaled."""
    if w.empty or w["expected_value"].isna().all():
        return _empty(rpt, "No what-if table.", "没有假设分析。")
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.fill_between(w["budget"], w["value_low"], w["value_high"], color=PALETTE[0], alpha=0.18, lw=0)
    ax.plot(w["budget"], w["expected_value"], "-o", color=PALETTE[0], label=_txt(rpt, "best split", "最优结构"))
    ax.plot(w["budget"], w["value_current_split"], "--s", color=NEUTRAL, label=rpt.t("value_current_split"))
    now = w.loc[np.isclose(w["budget_multiple"], 1.0), "budget"]
    if len(now):
        ax.axvline(float(now.iloc[0]), color="black", lw=0.8, ls=":")
    _money_axis(ax, "x", rpt)
    _money_axis(ax, "y", rpt)
    ax.set_xlabel(_txt(rpt, "Budget ({s} per month)", "预算（{s}/月）", s=rpt.fmt.symbol.strip()))
    ax.set_ylabel(_txt(rpt, "Expected value ({s} per month)", "预期值（{s}/月）", s=rpt.fmt.symbol.strip()))
    ax.set_title(rpt.t("ch_what_if"))
    ax.legend(fontsize=8, frameon=False)
    return fig
