"""The executive summary's figure: did our actions work (a forest plot, one panel per KPI)."""

from __future__ import annotations

import pandas as pd

from workbench import theme
from workbench.summary.fmt import fmt

KPI_KINDS = {"conversion_rate": ("share", "pp"), "revenue": ("money_month", "money_month"), "orders": ("num", "num"),
             "nps": ("points", "points"), "csat": ("num2", "num2")}
"""KPI -> (kind of its level, kind of a change of it): a rate's effect is in percentage points."""


def plot_effects(effects: pd.DataFrame, rpt):
    """Forest plot: each measured action's effect with its 95% interval, one panel per KPI (own scale and unit)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    e = effects.loc[effects["effect"].notna()].reset_index(drop=True)
    groups = list(e.groupby("kpi", sort=True))
    heights = [max(len(g), 1) + 1 for _, g in groups] or [2]
    fig, axes = plt.subplots(len(heights), 1, figsize=(8.5, 0.55 * sum(heights) + 1.6), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    for ax, (kpi, g) in zip(axes[:, 0], groups, strict=False):
        g = g.reset_index(drop=True)
        step = KPI_KINDS.get(kpi, ("num", "num"))[1]
        for yy, r in g.iterrows():
            c = "#009E73" if r["ci_low"] > 0 else "#D55E00" if r["ci_high"] < 0 else "#999999"
            ax.errorbar([r["effect"]], [yy], xerr=theme.error_bars([r["effect"]], [r["ci_low"]], [r["ci_high"]]),
                        fmt="o", color=c, ecolor=c, capsize=3)
            label = fmt(r["effect"], step, rpt.lang, rpt.currency, signed=True)
            ax.annotate(f"{label}  (n = {fmt(r['n'], 'count', rpt.lang)})", (r["effect"], yy),
                        textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_yticks(range(len(g)), [f"{a} · {k}" if isinstance(k, str) else str(a)
                                      for a, k in zip(g["action_id"], g["key"], strict=True)])
        ax.set_ylim(-0.7, len(g) - 0.3)
        ax.set_title(rpt.t(f"kpi_{kpi}"), loc="left", fontsize=10)
        ax.grid(axis="y", visible=False)
        tick = "money" if step.startswith("money") else step  # ticks in the KPI's own unit, never "1e6"
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda x, _pos, k=tick: fmt(x, k, rpt.lang, rpt.currency, signed=True)))
    axes[-1, 0].set_xlabel(rpt.t("effect_axis"))
    fig.suptitle(rpt.t("effects_title"))
    return fig
