"""Parameters of ``25_channel_attribution`` (validated before any work starts)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from workbench.params import NotebookParams

MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley")
"""Every attribution model the report can show, heuristics first."""
DATA_DRIVEN = ("markov", "shapley")


class AttributionParams(NotebookParams):
    """``25_channel_attribution``: which channels assist, not only which close, with intervals."""

    models: list[str] = Field(default_factory=lambda: list(MODELS),
                              description=f"models shown side by side, of {', '.join(MODELS)}")
    chosen_model: Literal["markov", "shapley"] = Field(
        "markov", description="the data-driven model that feeds the channel economics and the budget")
    markov_order: Literal["auto", 1, 2, 3] = Field(
        "auto", description="order of the Markov chain: auto = the order with the best fit (see the fit table)")
    lookback_days: int = Field(
        0, ge=0, le=3650, description="touches more than this many days before the conversion are left out (0: all)")
    half_life_days: float = Field(7.0, gt=0, le=365, description="half-life of the time-decay model, in days")
    n_boot: int = Field(200, ge=0, le=5000, description="bootstrap resamples of journeys behind the intervals (0: none)")
    seed: int = Field(7, description="random seed of the bootstrap")
    journey_by: Literal["auto", "lead", "customer"] = Field(
        "auto", description="what one journey is: a lead (ends in a won lead), a customer (ends in an order) "
                            "or auto = leads where touches name one, customers otherwise")
    top_paths: int = Field(20, ge=1, le=500, description="distinct paths shown, most frequent first")
    min_conversions: int = Field(
        30, ge=1, description="fewer conversions than this: the models are not run (too few to tell channels apart)")
    budget_on_attributed: bool = Field(
        True, description="also fit the budget optimiser's response data with the chosen model's attributed revenue")

    @field_validator("n_boot")
    @classmethod
    def _n_boot(cls, v: int) -> int:
        if v == 1:
            raise ValueError("n_boot must be 0 (no intervals) or at least 2 resamples, got 1")
        return v

    @field_validator("models")
    @classmethod
    def _models(cls, v: list[str]) -> list[str]:
        bad = [m for m in v if m not in MODELS]
        if bad:
            raise ValueError(f"Invalid models: {bad}. Valid options are: {list(MODELS)}")
        if not v:
            raise ValueError(f"name at least one model of {list(MODELS)}")
        return list(dict.fromkeys(v))
