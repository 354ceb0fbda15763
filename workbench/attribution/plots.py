"""Figures of the channel attribution report: pure functions of its tables, returning matplotlib Figures.

Words come from the report (``rpt.t(key)``), so a figure follows the page's language; channel names
are data and are never read as TeX (the house theme turns ``text.parse_math`` off).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from workbench import theme
from workbench.data.aliases import BLANK


def _channel_label(cid: str, names: dict[str, str], rpt=None) -> str:
    if cid == BLANK and rpt is not None:  # touches without a channel, named in the reader's language
        return rpt.t("blank")
    name = names.get(cid, cid)
    return f"{cid} {name}" if name != cid else cid


def models_side_by_side(credit: pd.DataFrame, rpt, names: dict[str, str] | None = None,
                        models: list[str] | None = None):
    """Share of conversions credited to each channel by each model, with the 95% interval as error bars.

    Channels are ordered by their last-touch share (largest at the top); a model without an interval
    (no bootstrap) shows the point only.
    """
    names = names or {}
    models = models or list(dict.fromkeys(credit["model"]))
    order = (credit.loc[credit["model"] == "last_touch"].set_index("channel_id")["share"]
             .reindex(sorted(set(credit["channel_id"]))).fillna(0.0).sort_values(kind="stable"))
    channels = list(order.index)
    y = np.arange(len(channels))
    h = 0.8 / max(len(models), 1)
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(channels) * max(len(models), 2) / 2 + 1.8))
    for i, m in enumerate(models):
        d = credit.loc[credit["model"] == m].set_index("channel_id").reindex(channels)
        pos = y - 0.4 + h * (i + 0.5)
        share = d["share"].fillna(0.0).to_numpy(dtype=float)
        ax.barh(pos, share, height=h, color=theme.PALETTE[i % len(theme.PALETTE)], label=rpt.t(m))
        ok = d["share_low"].notna().to_numpy() & d["share_high"].notna().to_numpy()
        if ok.any():
            ax.errorbar(share[ok], pos[ok], xerr=theme.error_bars(share[ok], d["share_low"].to_numpy()[ok],
                                                                d["share_high"].to_numpy()[ok]),
                        fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    ax.set_yticks(y, [_channel_label(c, names, rpt) for c in channels])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(rpt.t("axis_share") + (" (95% 区间)" if rpt.lang == "zh" else " (95% interval)"))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def path_lengths(lengths: pd.DataFrame, rpt):
    """Journeys by number of touches (bars) and the conversion of each length (points)."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    x = lengths["n_touches"].to_numpy()
    ax.bar(x, lengths["journeys"], color=theme.PALETTE[0])
    ax.set_xlabel(rpt.t("axis_touches"))
    ax.set_ylabel(rpt.t("axis_journeys"))
    ax2 = ax.twinx()
    ax2.plot(x, lengths["conversion_rate"], "o-", color=theme.PALETTE[1])
    ax2.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax2.set_ylabel(rpt.t("axis_conversion"))
    ax2.grid(False)
    ax.set_xticks(x)
    fig.tight_layout()
    return fig
