"""The one place that says which result tables the executive summary reads, and which columns it needs.

Every extractor of :mod:`~workbench.summary.findings` and every comparison of
:mod:`~workbench.summary.compare` reads through :func:`read` by a name of
:data:`SOURCES`; the tables themselves are read through their notebooks' declarations
(:func:`workbench.notebooks.read_result`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """One result table of another notebook: where it is and the columns the summary relies on."""

    stem: str
    table: str
    columns: tuple[str, ...]

    @property
    def path(self) -> str:
        """The table's path relative to the run folder (what a finding cites)."""
        return f"tables/{self.stem}/{self.table}.csv"

    @property
    def report(self) -> str:
        """The report that explains the table."""
        return f"{self.stem}.html"


SOURCES: dict[str, Source] = {
    "quality_overview": Source("00_data_quality", "table_overview", ("table", "score", "rows")),
    "quality_fixes": Source("00_data_quality", "fix_list", ("table", "kind")),
    "segments": Source("10_customer_segmentation", "segments", ("customers", "share_customers", "share_revenue")),
    "rfm": Source("10_customer_segmentation", "rfm", ("customer_id", "monetary")),
    "channel_value": Source("10_customer_segmentation", "channel_value",
                            ("acquisition_channel_id", "acquisition_channel", "clv_per_customer", "cac", "clv_cac")),
    "channel_conversion": Source("20_channel_evaluation", "channel_conversion",
                                 ("channel_id", "leads", "won", "conversion_rate", "ci_low", "ci_high")),
    "diagnosis_summary": Source("20_channel_evaluation", "diagnosis_summary",
                                ("channel_id", "below_others", "failing_from", "failing_to", "rate_from",
                                 "rate_from_low", "rate_from_high", "benchmark_rate_from", "n_from")),
    "channel_economics": Source("20_channel_evaluation", "channel_economics_summary",
                                ("channel_id", "gross_margin", "spend", "roi", "trend_months")),
    "budget": Source("20_channel_evaluation", "budget_recommendation",
                     ("channel_id", "in_optimiser", "current_spend", "recommended_spend", "change", "value_change",
                      "change_low", "change_high")),
    "what_if": Source("20_channel_evaluation", "what_if",
                      ("budget_multiple", "budget", "change_vs_current", "change_low", "change_high",
                       "marginal_roas", "feasible")),
    "channel_verdict": Source("20_channel_evaluation", "channel_verdict",
                              ("channel_id", "budget_change", "leaking_stage", "stage_gap_value_month",
                               "stage_gap_value_low", "stage_gap_value_high", "verdict", "criterion")),
    "attainment_summary": Source("30_kpi_review", "attainment_summary",
                                 ("window", "level", "key", "kpi", "actual", "target", "attainment")),
    "attainment": Source("30_kpi_review", "attainment",
                         ("period", "level", "key", "kpi", "actual", "target", "attainment")),
    "forecast": Source("30_kpi_review", "forecast",
                       ("level", "key", "kpi", "period", "target", "forecast_mean", "forecast_low", "forecast_high")),
    "undercuts": Source("40_competitor_analysis", "undercuts",
                        ("competitor", "category", "since", "status", "price_index", "ci_low", "ci_high", "n_obs")),
    "price_index": Source("40_competitor_analysis", "price_index",
                          ("competitor", "category", "month", "n_obs", "price_index", "ci_low", "ci_high")),
    "nps": Source("50_market_feedback", "nps", ("dimension", "group", "n", "nps", "ci_low", "ci_high")),
    "attribution_shift": Source("25_channel_attribution", "attribution_shift",
                                ("channel_id", "channel_name", "model", "last_touch_share", "model_share",
                                 "model_share_low", "model_share_high", "shift", "role")),
    "csat": Source("50_market_feedback", "csat", ("dimension", "group", "satisfied", "n")),
}

TEXT_COLUMNS = ("key", "channel_id", "customer_id", "acquisition_channel_id", "group")


def read_table(tables_dir: str | Path, stem: str, table: str) -> pd.DataFrame | None:
    """One result table of the run by its notebook's declaration, or ``None`` when it was not written.

    A table the notebook does not declare is logged and read as absent (the summary says which
    reports it read rather than fail).
    """
    from workbench.notebooks import read_result

    try:
        df = read_result(tables_dir, stem, table)
    except KeyError as exc:
        log.warning("summary: %s", exc)
        return None
    if df is None:
        return None
    for c in TEXT_COLUMNS:  # ids and keys compare as text
        if c in df.columns:
            df[c] = df[c].map(_text, na_action="ignore")
    return df


def _text(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def read(tables_dir: str | Path, name: str, *, allow_empty: bool = False) -> pd.DataFrame | None:
    """The table ``name`` of :data:`SOURCES`, or ``None`` when it is absent, empty or lacks a needed column.

    Raises
    ------
    KeyError
        ``name`` is not in :data:`SOURCES` (the message lists the valid names).
    """
    if name not in SOURCES:
        raise KeyError(f"Invalid source {name!r}. Valid options are: {sorted(SOURCES)}")
    src = SOURCES[name]
    df = read_table(tables_dir, src.stem, src.table)
    if df is None or (len(df) == 0 and not allow_empty) or not set(src.columns) <= set(df.columns):
        return None
    return df
