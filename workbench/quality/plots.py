"""Figures of the data quality report: score per table and completeness of the incomplete columns.

Both axes run 0 to 100 (a score, a percentage); the labels sit inside the plot area.
Figures take the report only for their words (``rpt.t``).
"""

from __future__ import annotations

import pandas as pd

GOOD_SCORE = 90
FAIR_SCORE = 75
"""Colour bands of scores and completeness (in %): green from 90, amber from 75, red below."""


def _colour(value: float) -> str:
    from workbench.theme import BAD, GOOD, WARN

    return GOOD if value >= GOOD_SCORE else WARN if value >= FAIR_SCORE else BAD


def _pct(p: float) -> str:
    """A percentage for a bar label: whole numbers, but never 100% or 0% for a value that is not."""
    text = f"{p:.0f}"
    if (text == "100" and p < 100) or (text == "0" and p > 0):
        text = f"{p:.1f}"
    return text + "%"


def _label_bars(ax, values, texts) -> None:
    """Write each bar's text inside the bar when the bar is long, after it otherwise (x runs 0..100)."""
    for y, (v, text) in enumerate(zip(values, texts, strict=True)):
        inside = v >= 55
        ax.text(v - 1 if inside else v + 1, y, text, va="center", ha="right" if inside else "left", fontsize=9,
                color="white" if inside else "black")


def plot_scores(rpt, overview: pd.DataFrame):
    """Horizontal bars: score (0..100) per scored table, labelled with its score and row count.

    Parameters
    ----------
    rpt : Report
    overview : DataFrame
        :func:`~workbench.quality.overview.table_overview`; tables without a score are left out.
    """
    import matplotlib.pyplot as plt

    # worst at the top, as in the completeness chart (barh draws the first row at the bottom)
    ov = overview.loc[overview["score"].notna()].sort_values(["score", "table"], ascending=[False, False])
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(ov), 3) + 1))
    ax.barh(ov["table"], ov["score"], color=[_colour(s) for s in ov["score"]])
    texts = [f"{score:.1f}  (n = {'–' if pd.isna(rows) else f'{int(rows):,}'})"
             for score, rows in zip(ov["score"], ov["rows"], strict=True)]
    _label_bars(ax, list(ov["score"]), texts)
    ax.set_xlim(0, 100)
    ax.set_xlabel(rpt.t("score_axis"))
    ax.set_title(rpt.t("dq_scores"))
    ax.grid(axis="y", visible=False)
    return fig


def plot_completeness(rpt, completeness: pd.DataFrame, top: int = 25):
    """Columns below 100 % complete, worst first: completeness = filled / rows, labelled ``filled / rows``.

    Parameters
    ----------
    rpt : Report
    completeness : DataFrame
        :func:`~workbench.quality.completeness.column_completeness`.
    top : int
        Number of columns shown.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    gaps = completeness.loc[completeness["present"] & (completeness["completeness"] < 1)]
    gaps = gaps.sort_values(["completeness", "table", "column"], kind="stable").head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.34 * max(len(gaps), 3) + 1))
    if gaps.empty:
        ax.text(0.5, 0.5, rpt.t("all_complete"), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    pct = (gaps["completeness"] * 100).tolist()
    ax.barh(gaps["table"] + "." + gaps["column"], pct, color=[_colour(p) for p in pct])
    texts = [f"{_pct(p)}  ({int(f):,} / {int(n):,})"
             for p, f, n in zip(pct, gaps["filled"], gaps["rows"], strict=True)]
    _label_bars(ax, pct, texts)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    ax.set_xlabel(rpt.t("completeness_axis"))
    ax.set_title(rpt.t("dq_completeness"))
    ax.grid(axis="y", visible=False)
    return fig
