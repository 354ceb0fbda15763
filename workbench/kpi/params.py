"""``30_kpi_review`` parameters: KPI definitions, review periods, forecast, control charts, incentives.

Everything a reviewer may want to change lives here and is validated before any
work starts: an unknown KPI, a custom formula naming a measure that does not
exist or a tier table out of order fails with the list of valid choices.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.kpi.formula import BUILTIN_KPIS, check_formula
from workbench.params import NotebookParams

Level = Literal["company", "channel", "region", "team", "rep"]
Granularity = Literal["month", "quarter", "year", "fiscal_quarter", "fiscal_year"]

DEFAULT_TRAINING_PLAYBOOK: dict[str, str] = {"方案报价": "方案呈现与报价策略", "商务谈判": "商务谈判与促成技巧",
                                             "需求确认": "需求挖掘（SPIN）"}
"""The bundled sample's stages and their training modules; replace with your own stages in params
(a stage not listed gets ``coaching: <stage>``)."""


class CustomKpi(BaseModel):
    """A KPI defined by a formula over the base measures (see :data:`workbench.kpi.formula.MEASURES`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    formula: str = Field(description="arithmetic over measures, e.g. 'revenue / orders'")
    higher_is_better: bool = Field(True, description="False for a KPI such as a return rate")

    @field_validator("formula")
    @classmethod
    def _valid(cls, v: str) -> str:
        check_formula(v)
        return v


class IncentivePlan(BaseModel):
    """A commission and bonus plan, paid per rep and plan period on net revenue.

    ``tiers`` are marginal bands ``[from_attainment, rate]``: with
    ``[[0, 0.02], [0.8, 0.04], [1.0, 0.06]]`` the revenue up to 80 % of target earns 2 %,
    the revenue between 80 % and 100 % earns 4 %, and above 100 % earns 6 %.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Granularity = Field("quarter", description="plan period")
    tiers: list[list[float]] = Field([[0.0, 0.02], [0.8, 0.04], [1.0, 0.06]],
                                     description="marginal bands [from attainment, commission rate]")
    accelerator: float = Field(1.5, ge=1.0, description="rate multiplier on revenue above accelerator_above")
    accelerator_above: float = Field(1.0, ge=0.0, description="attainment from which the accelerator applies")
    cap_attainment: float = Field(2.0, ge=0.0, description="revenue above this attainment earns nothing; 0 = no cap")
    cap_amount: float = Field(0.0, ge=0.0, description="most one rep is paid in one period; 0 = no cap")
    team_bonus_threshold: float = Field(1.0, ge=0.0, description="team attainment that pays the team bonus")
    team_bonus_amount: float = Field(3000.0, ge=0.0, description="bonus per active rep of a team at threshold")
    clawback_returns: bool = Field(True, description="returns reduce the commissioned revenue")

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: list[list[float]]) -> list[list[float]]:
        if not v or any(len(t) != 2 for t in v):
            raise ValueError("tiers must be a non-empty list of [from_attainment, rate] pairs")
        starts = [t[0] for t in v]
        if starts[0] != 0 or starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError(f"tier starts must begin at 0 and increase, got {starts}")
        if any(not 0 <= t[1] <= 1 for t in v):
            raise ValueError("tier rates must lie between 0 and 1")
        return v


class KpiParams(NotebookParams):
    """``30_kpi_review``: targets vs actuals, will we hit the target, control charts, scorecards, incentives."""

    kpis: list[str] = Field(list(BUILTIN_KPIS), description="KPIs to review (built-in names or custom_kpis keys)")
    custom_kpis: dict[str, CustomKpi] = Field(
        {"avg_order_value": CustomKpi(formula="revenue / orders")},
        description="KPIs defined by a formula over the base measures")
    levels: list[Level] = Field(["company", "channel", "region", "team", "rep"], description="levels reviewed")
    period: Granularity = Field("month", description="review period: month, quarter, year, fiscal_quarter or fiscal_year")
    review_periods: int = Field(12, ge=1, le=120, description="number of most recent complete periods reviewed")
    green_at: float = Field(1.0, gt=0, description="attainment from which a light is green")
    amber_at: float = Field(0.9, gt=0, description="attainment from which a light is amber (red below)")
    region_fallback: list[Literal["customers", "reps"]] = Field(
        ["customers", "reps"], description="where a blank order region is taken from, in order")
    prorate: Literal["days", "equal"] = Field("days", description="how a longer target is split into months")
    gap_level: Level = Field("region", description="level whose revenue gap is split into volume, price, mix")
    gap_base: Literal["last_year", "previous_period"] = Field("last_year", description="base of the gap split")
    forecast_period: str = Field("", description="plan period (2026, 2026-Q4, 2026-10, FY2026 or 2025-11..2026-10); "
                                                 "when over at as_of the next one of the same length is forecast; "
                                                 "empty = 12-month plan years from the first revenue target month")
    backtest_cutoff: str = Field("", description="date YYYY-MM-DD the back-test of the last closed plan period "
                                                 "stands on; empty = a quarter of the period before its end")
    forecast_levels: list[Level] = Field(["company", "channel", "region", "team", "rep"],
                                         description="levels that get a P(hit target)")
    forecast_model: Literal["auto", "level", "trend"] = Field(
        "auto", description="run-rate model: auto (AICc per level: trend and seasonality if they pay), "
                            "level (simple exponential smoothing) or trend (damped trend)")
    select_keys: int = Field(10, ge=0, description="levels with at most this many keys choose the model "
                                                    "form per key; larger levels once on their total")
    interval: float = Field(0.8, gt=0.5, lt=1.0, description="width of forecast intervals")
    draws: int = Field(10000, ge=100, le=200000, description="Monte Carlo draws of the open pipeline")
    max_model_keys: int = Field(300, ge=1, description="keys per level fitted one by one with statsmodels ETS")
    maturity_days: int = Field(90, ge=0, description="leads younger than this are left out when learning win rates")
    pooling_strength: float = Field(20.0, ge=0, description="prior weight (in leads) pulling a channel's stage "
                                                            "rate towards all channels")
    use_crm_probability: bool = Field(False, description="use stages.probability instead of learned rates")
    control_baseline: str = Field("", description="frozen baseline YYYY-MM..YYYY-MM; empty = first 12 months")
    control_level: Level = Field("team", description="level of the conversion p-charts")
    xmr_level: Level = Field("region", description="level of the XmR charts")
    xmr_kpis: list[str] = Field(["revenue"], description="KPIs charted as XmR")
    laney: Literal["auto", "always", "never"] = Field("auto", description="Laney p' when over-dispersed")
    run_length: int = Field(8, ge=5, le=12, description="points in a row on one side of the centre that signal")
    min_leads: int = Field(20, ge=1, description="fewer closed leads than this: insufficient data")
    max_open_share: float = Field(0.2, ge=0, le=1, description="a lead cohort with more still open is immature")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="false discovery rate for training needs")
    inactive_days: int = Field(60, ge=7, description="a rep with no activity for this long has probably left")
    training_playbook: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_TRAINING_PLAYBOOK),
        description="stage name (or A→B) to training module; a stage not listed gets 'coaching: <stage>'")
    incentive_plan: IncentivePlan = Field(IncentivePlan(), description="commission and bonus plan")
    incentive_what_if: dict[str, dict[str, Any]] = Field(
        {"accelerator 2.0": {"accelerator": 2.0}, "no cap": {"cap_attainment": 0.0},
         "no team bonus": {"team_bonus_amount": 0.0}},
        description="plan variants: name to changed plan fields")
    random_seed: int = Field(7, description="seed of the Monte Carlo draws")

    @model_validator(mode="after")
    def _check(self) -> KpiParams:
        known = set(BUILTIN_KPIS) | set(self.custom_kpis)
        bad = [k for k in [*self.kpis, *self.xmr_kpis] if k not in known]
        if bad:
            raise ValueError(f"unknown KPI(s) {bad}; valid: {sorted(known)}")
        clash = set(self.custom_kpis) & set(BUILTIN_KPIS)
        if clash:
            raise ValueError(f"custom KPI name(s) {sorted(clash)} clash with built-in KPIs")
        if self.amber_at > self.green_at:
            raise ValueError("amber_at must not exceed green_at")
        fields = set(IncentivePlan.model_fields)
        for name, change in self.incentive_what_if.items():
            wrong = set(change) - fields
            if wrong:
                raise ValueError(f"what-if '{name}' changes unknown plan field(s) {sorted(wrong)}; "
                                 f"valid: {sorted(fields)}")
            IncentivePlan(**{**self.incentive_plan.model_dump(), **change})
        from workbench.kpi.periods import parse_range

        for name in ("control_baseline",):
            v = getattr(self, name)
            if v:
                parse_range(v)
        if self.forecast_period:
            from workbench.kpi.periods import months_of

            months_of(self.forecast_period)
        if self.backtest_cutoff:
            import datetime as dt

            try:
                dt.date.fromisoformat(self.backtest_cutoff)
            except ValueError:
                raise ValueError(f"backtest_cutoff must be YYYY-MM-DD, got {self.backtest_cutoff!r}") from None
        return self
