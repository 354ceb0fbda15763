"""What the competitor notebook shows: tables and notes, through the report.

Views take the report first and only render. Numbers are computed in the analysis modules; words
come from :data:`workbench.competitors.labels.LABELS` (the report's catalogue) and the ``localise``
copies of each module (the workbench's own codes in the reader's language); numbers are formatted
by the report's one formatter: shares as %, differences of shares in percentage points, relative
price gaps as signed %, sales with their currency and period, counts as integers, p-values as
``< 0.001``. Result tables are saved as computed; only the shown copy is localised or cut.
"""

from __future__ import annotations

import pandas as pd

from workbench.competitors import features, names, prices, share, swot, winloss
from workbench.competitors.share import _period_kind

COUNTS = ["n_obs", "n_before", "dates_in_run", "rows", "closed", "won", "lost", "with_competitor", "rank",
          "n_players", "n_ratings", "n_periods", "n"]
PRICE_FORMATS = {**dict.fromkeys(COUNTS, "count"), "price_index": "num", "ci_low": "num", "ci_high": "num",
                 "index_before": "num", "median_ratio": "num2", "gap_pct": "change", "gap_p10": "change",
                 "gap_median": "change", "gap_p90": "change", "share_undercut": "share", "since": "date"}
SHARE_FORMATS = {**dict.fromkeys(COUNTS, "count"), "share": "share", "share_prev": "share",
                 "baseline_share": "share", "share_first": "share", "share_latest": "share", "change_pp": "pp",
                 "change_vs_baseline": "change", "z": "num2", "p_value": "p", "p_adjusted": "p",
                 "slope_pp": "num2", "slope_low": "num2", "slope_high": "num2", "is_us": "bool",
                 "beyond_noise": "bool"}
"""Share trends stay in points per period with two decimals (the header says so): a bound of -0.02 must
not read as 0.0."""
WINLOSS_FORMATS = {**dict.fromkeys(COUNTS, "count"), "win_rate": "share", "ci_low": "share", "ci_high": "share",
                   "share_of_closed": "share", "top_lost_reason_share": "share", "share_of_lost": "share",
                   "cum_share": "share", "p_value": "p", "p_adjusted": "p", "insufficient": "bool",
                   "effect_pp": "pp", "effect_low": "pp", "effect_high": "pp", "odds_ratio": "num2",
                   "or_low": "num2", "or_high": "num2"}
FEATURE_FORMATS = {**dict.fromkeys(COUNTS, "count"), "score": "num", "our_score": "num", "diff_vs_us": "num",
                   "competitor_mean": "num2", "competitor_max": "num", "gap_vs_mean": "num2"}
POINTS = ["change_pp", "effect_pp", "effect_low", "effect_high"]
"""Columns the result tables keep in percentage points (2.1); shown through the ``pp`` kind (0.021)."""
MONEY_BY_PERIOD = {"month": "money_month", "quarter": "money_quarter", "year": "money_year"}
TABLES: dict[str, list[str]] = {
    "competitor_names": ["table", "raw", "canonical", "rows", "how"],
    "name_suggestions": ["name", "looks_like", "rows"],
    "undercuts": prices.UNDERCUT_COLUMNS, "price_gaps": prices.GAP_COLUMNS, "price_index": prices.INDEX_COLUMNS,
    "market_share": share.SHARE_COLUMNS, "share_trend": share.TREND_COLUMNS,
    "competitor_winloss": winloss.WINLOSS_COLUMNS, "lost_reasons": winloss.REASON_COLUMNS,
    "winloss_model": winloss.MODEL_COLUMNS, "feature_summary": features.SUMMARY_COLUMNS,
    "feature_comparison": features.FEATURE_COLUMNS, "swot": swot.SWOT_COLUMNS,
}

OPTIONAL = frozenset({"name_suggestions"})
"""Tables written only when the data calls for them."""
"""The result tables these views save, with their columns (for the notebook's declaration)."""


def _points_as_shares(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in POINTS:
        if c in out:
            out[c] = out[c].astype("float64") / 100
    return out


def _sales_kind(table: pd.DataFrame) -> str:
    """``money_quarter`` for quarterly market share data (sales per period), and so on."""
    if table.empty:
        return "money"
    kind = str(_period_kind(table["period"].astype("str").head(1))[0])
    return MONEY_BY_PERIOD.get(kind, "money")


def name_mapping(rpt, cx):
    """The merged competitor spellings (saved as ``competitor_names``), or a note that none needed merging."""
    if not len(cx.mapping):
        return rpt.note("No spelling needed merging.", "没有需要合并的名称写法。")
    return rpt.table(cx.mapping, "competitor_names", shown=names.localise(cx.mapping, rpt.lang),
                     formats={"rows": "count"})


def name_suggestions(rpt, cx):
    """Names that look like one competitor spelt two ways (saved as ``name_suggestions``)."""
    if not len(cx.suggestions):
        return None
    return rpt.table(cx.suggestions, "name_suggestions", formats={"rows": "count"})


def undercuts(rpt, pa):
    """Where we are undercut and since when (saved as ``undercuts``)."""
    if not pa.ok:
        return None
    return rpt.table(pa.undercuts, "undercuts", shown=prices.localise(pa.undercuts, rpt.lang),
                     columns=prices.UNDERCUT_SHOWN, formats=PRICE_FORMATS,
                     empty=("No competitor undercuts us.", "没有竞品低价竞争。"))


def price_gaps(rpt, pa):
    """Distribution of recent price gaps per competitor and category (saved as ``price_gaps``)."""
    if not pa.ok:
        return None
    return rpt.table(pa.gaps, "price_gaps", shown=prices.localise(pa.gaps, rpt.lang), formats=PRICE_FORMATS)


def price_index(rpt, pa):
    """The latest month of each competitor and category; the full monthly table saved as ``price_index``."""
    if not pa.ok:
        return None
    return rpt.table(pa.index, "price_index", shown=prices.localise(prices.latest_rows(pa.index), rpt.lang),
                     formats=PRICE_FORMATS, max_rows=60)


def share_flags(rpt, sa):
    """Share changes beyond noise, most recent first."""
    if not sa.ok:
        return None
    shown = _points_as_shares(share.localise(share.flagged(sa.table), rpt.lang))
    return rpt.table(shown, columns=share.FLAG_SHOWN, formats=SHARE_FORMATS,
                     empty=("No share change beyond noise.", "没有超出噪声的份额变化。"),
                     headers={"share": "market_share"})


def share_trend(rpt, sa):
    """Our share trend against the leader's per region (saved as ``share_trend``)."""
    if not sa.ok:
        return None
    return rpt.table(sa.trends, "share_trend", shown=_points_as_shares(share.localise(sa.trends, rpt.lang)),
                     formats=SHARE_FORMATS)


def share_latest(rpt, sa):
    """Every region and player in the latest period; the full history saved as ``market_share``."""
    if not sa.ok:
        return None
    shown = _points_as_shares(share.localise(share.latest_rows(sa.table), rpt.lang))
    return rpt.table(sa.table, "market_share", shown=shown, columns=share.SHOWN,
                     formats={**SHARE_FORMATS, "sales": _sales_kind(sa.table)}, headers={"share": "market_share"},
                     max_rows=60)


def win_rates(rpt, wl):
    """Win rate per competitor named on the lead (saved as ``competitor_winloss``)."""
    if not (wl.ok and len(wl.table)):
        return None
    return rpt.table(wl.table, "competitor_winloss", shown=winloss.localise(wl.table, rpt.lang),
                     columns=winloss.WINLOSS_SHOWN, formats=WINLOSS_FORMATS)


def lost_reasons(rpt, wl):
    """Lost reasons by frequency (saved as ``lost_reasons``)."""
    if not (wl.ok and len(wl.reasons)):
        return None
    return rpt.table(wl.reasons, "lost_reasons", formats=WINLOSS_FORMATS)


def win_model(rpt, wl):
    """The logistic model of winning, each term read in words (saved as ``winloss_model``)."""
    if not wl.model_ok:
        return None
    shown = _points_as_shares(winloss.localise(wl.model, rpt.lang))
    return rpt.table(wl.model, "winloss_model", shown=shown, columns=winloss.MODEL_SHOWN, formats=WINLOSS_FORMATS)


def feature_summary(rpt, fa):
    """Per dimension: our score against the competitors' and the verdict (saved as ``feature_summary``)."""
    if not fa.ok:
        return None
    return rpt.table(fa.summary, "feature_summary", shown=features.localise(fa.summary, rpt.lang),
                     formats=FEATURE_FORMATS)


def feature_comparison(rpt, fa):
    """Every player's score per dimension (saved as ``feature_comparison``)."""
    if not fa.ok:
        return None
    return rpt.table(fa.table, "feature_comparison", shown=features.localise(fa.table, rpt.lang),
                     formats=FEATURE_FORMATS, max_rows=60)


def swot_table(rpt, sw):
    """The SWOT points with their figures and source tables (saved as ``swot``)."""
    if not sw.ok:
        return None
    return rpt.table(sw.table, "swot", shown=swot.localise(sw.table, rpt.lang),
                     columns=["quadrant", "point", "source"], headers={"source": "source_table"}, max_rows=60)
