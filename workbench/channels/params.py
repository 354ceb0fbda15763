"""Parameters of ``20_channel_evaluation`` (channel funnel, economics, diagnosis, budget)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from workbench.params import NotebookParams

STATUSES = ("open", "won", "lost")


class ChannelParams(NotebookParams):
    """``20_channel_evaluation``: which channels convert and pay, why a weak one is weak, where money should go."""

    # -- leads and the funnel -----------------------------------------------------------
    cohort: Literal["month", "quarter"] = Field(
        "month", description="creation cohort of a lead: month or quarter")
    mature_after_days: int = Field(
        120, ge=0, le=3650,
        description="a cohort counts in conversion rates once its last day is this many days before the analysis date")
    min_leads: int = Field(
        50, ge=1, description="channels (and reps) with fewer leads in mature cohorts are flagged insufficient data")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="significance level of the tests")
    p_adjust: Literal["holm", "fdr_bh"] = Field(
        "holm", description="multiple-comparison correction: holm (family-wise) or fdr_bh (false discovery rate)")
    unknown_sources: list[str] = Field(
        default_factory=list,
        description="channel ids that mean no known source, e.g. ['unknown', '未知'] (compared case-insensitively); "
                    "blanks always are, and a value not listed here is a source of its own")
    # -- diagnosis ------------------------------------------------------------------------
    benchmark: Literal["others", "best"] = Field(
        "others", description="compare each channel with the other channels pooled, or with the best channel")
    failing_ratio: float = Field(
        0.85, gt=0, lt=1,
        description="a stage fails when its conversion is significantly below the benchmark and under this share of it")
    # -- economics and matrices -------------------------------------------------------------
    period: Literal["month", "quarter"] = Field("month", description="period of the channel economics table")
    trend_months: int = Field(12, ge=3, le=60, description="months over which revenue trends are fitted")
    segment_column: str = Field("industry", description="customers column used as the segment of the matrix")
    # -- inventory --------------------------------------------------------------------------
    overstock_months: float = Field(3.0, gt=0, description="stock cover above this many months of sales is overstock")
    cover_window_days: int = Field(90, ge=7, le=730, description="days of sales before a snapshot that set the sales rate")
    inventory_stale_days: int = Field(45, ge=1, description="an inventory snapshot older than this is stale")
    # -- budget -----------------------------------------------------------------------------
    response_metric: Literal["auto", "leads", "orders", "revenue"] = Field(
        "auto", description="what spend drives: auto = leads for channels with leads, orders otherwise")
    seasonality: Literal["by_type", "none"] = Field(
        "by_type", description="month-of-year effects shared by channels of one type (needs 2+ channels, 24+ months)")
    min_history_months: int = Field(12, ge=6, description="months of spend and outcome needed for a response curve")
    baseline_months: int = Field(12, ge=1, le=36, description="months whose mean spend is the current split")
    objective: Literal["revenue", "margin", "target"] = Field(
        "revenue", description="maximise revenue or margin, or reach revenue_target at least cost")
    revenue_target: float = Field(0.0, ge=0, description="monthly revenue to reach when objective is target")
    total_budget: float = Field(0.0, ge=0, description="monthly budget to split; 0 = the current total")
    max_increase: float = Field(0.5, ge=0, le=10, description="largest increase of a channel's spend, as a share")
    max_decrease: float = Field(0.5, ge=0, le=1, description="largest cut of a channel's spend, as a share")
    hold_fixed: list[str] = Field(default_factory=list, description="channel ids whose spend stays as it is")
    channel_limits: dict[str, list[float]] = Field(
        default_factory=dict,
        description="per-channel [largest cut, largest increase] as shares, overriding the two above")
    what_if_levels: list[float] = Field(
        default_factory=lambda: [0.8, 0.9, 1.0, 1.1, 1.25, 1.5],
        description="total budgets of the what-if table, as multiples of the current total")
    n_draws: int = Field(400, ge=50, le=5000, description="simulation draws behind the intervals of the budget plan")
    seed: int = Field(7, description="random seed of the simulation draws")

    @field_validator("channel_limits")
    @classmethod
    def _limits_pairs(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        for cid, pair in v.items():
            if len(pair) != 2 or not (0 <= pair[0] <= 1) or pair[1] < 0:
                raise ValueError(f"channel_limits[{cid!r}] must be [cut 0..1, increase >= 0], got {pair}")
        return v

    @field_validator("what_if_levels")
    @classmethod
    def _levels_positive(cls, v: list[float]) -> list[float]:
        bad = [x for x in v if not x > 0]
        if bad:
            raise ValueError(f"what_if_levels must be > 0, got {bad}")
        return sorted(set(v))
