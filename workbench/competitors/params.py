"""Parameters of ``40_competitor_analysis`` (validated before any work starts)."""

from __future__ import annotations

from pydantic import Field, field_validator

from workbench.params import NotebookParams

DEFAULT_ALIASES: dict[str, list[str]] = {"优居科技": ["优居", "Youju Tech", "Youju"]}
"""The bundled sample's spellings of one competitor; replace with your own in params."""


class CompetitorParams(NotebookParams):
    """``40_competitor_analysis``: price position, market share, win/loss, features and SWOT."""

    competitor_aliases: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_ALIASES.items()},
        description="canonical competitor name -> other spellings merged into it (case and spaces are ignored)",
    )
    own_name: str = Field("", description="our name in competitor tables; empty = company_name of dataset.yaml")
    price_currency: str = Field(
        "", description="currency of competitor prices that have no currency column; empty = the dataset's")
    fx_rates: dict[str, float] = Field(
        default_factory=dict,
        description="units of our currency per unit of a foreign price currency, e.g. {'USD': 7.2}")
    price_factors: dict[str, float] = Field(
        default_factory=dict,
        description="multiplier per competitor for prices kept in another unit, e.g. {'X': 0.01} for fen")
    max_price_ratio: float = Field(
        3.0, gt=1.0, le=100.0,
        description="a competitor category whose median price is more than this many times ours (or less than "
                    "one over it) is set aside as a unit or currency error")
    undercut_threshold: float = Field(
        0.05, gt=0.0, lt=0.5, description="a competitor at least this much cheaper than us undercuts us")
    min_undercut_dates: int = Field(
        3, ge=1, le=50, description="observation dates in a row needed before an undercut is called")
    recent_months: int = Field(3, ge=1, le=24, description="months that make up the current price position")
    share_baseline_periods: int = Field(
        4, ge=1, le=12, description="previous periods a market share is compared against")
    share_fdr: float = Field(
        0.10, gt=0.0, lt=0.5, description="false discovery rate of flagged share changes (Benjamini-Hochberg)")
    min_closed_share: float = Field(
        0.9, gt=0.0, le=1.0,
        description="creation months with at least this share of leads closed enter the win rates")
    min_leads: int = Field(30, ge=1, description="fewer closed leads than this: a win rate is marked insufficient")
    feature_margin: float = Field(
        1.0, gt=0.0, description="score points above or below the competitors' mean that make a clear strength "
                                 "or weakness")

    @field_validator("competitor_aliases")
    @classmethod
    def _aliases_unique(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        seen: dict[str, str] = {}
        for canonical, spellings in v.items():
            for s in [canonical, *spellings]:
                key = " ".join(str(s).split()).casefold()
                if key in seen and seen[key] != canonical:
                    raise ValueError(f"spelling {s!r} is mapped to both {seen[key]!r} and {canonical!r}")
                seen[key] = canonical
        return v

    @field_validator("fx_rates", "price_factors")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, x in v.items() if not x > 0]
        if bad:
            raise ValueError(f"rates and factors must be positive numbers; check {bad}")
        return v
