"""Parameters of ``50_market_feedback`` (validated before any work starts)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from workbench.params import NotebookParams


class FeedbackParams(NotebookParams):
    """``50_market_feedback``: NPS and CSAT with intervals, drivers, comment themes and follow-ups."""

    period: Literal["month", "quarter", "year"] = Field("quarter", description="period length of the trends")
    segment_by: Literal["tier", "industry", "source"] = Field(
        "tier", description="customers.tier, customers.industry or feedback.source as the segment")
    min_responses: int = Field(
        30, ge=1, description="fewer responses than this: a group is marked insufficient and not ranked")
    csat_satisfied_min: int = Field(4, ge=1, le=5, description="CSAT at or above this counts as satisfied")
    change_alpha: float = Field(
        0.05, gt=0.0, lt=0.5, description="significance level of period changes (Holm-adjusted)")
    theme_words: dict[str, list[str]] = Field(
        default_factory=dict,
        description="extra words per comment theme (Chinese words or English regular expressions); "
                    "a new key adds a theme")
    verbatims_per_theme: int = Field(3, ge=1, le=20, description="example comments shown per theme")
    follow_up_max_nps: int = Field(6, ge=0, le=10, description="NPS at or below this with a comment needs a follow-up")
    follow_up_max_csat: int = Field(2, ge=1, le=5, description="CSAT at or below this with a comment needs a follow-up")
    follow_up_days: int = Field(90, ge=1, description="only responses of the last this many days are followed up")
    follow_up_limit: int = Field(200, ge=1, description="longest follow-up list")

    @field_validator("theme_words")
    @classmethod
    def _words(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = [k for k, words in v.items() if not k.strip() or any(not str(w).strip() for w in words)]
        if bad:
            raise ValueError(f"theme names and words must not be empty; check {bad}")
        return v
