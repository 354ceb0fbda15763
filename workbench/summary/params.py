"""Parameters of the executive summary notebook (``90_executive_summary``)."""

from __future__ import annotations

from pydantic import Field

from workbench.params import NotebookParams


class SummaryParams(NotebookParams):
    """``90_executive_summary``: headline findings of the run, period over period, action effects."""

    run_tables_dir: str = Field("", description="the run's tables folder (set by the runner)")
    previous_run_dir: str = Field("", description="previous complete run of the same params (set by the runner)")
    top_actions: int = Field(8, ge=1, le=50, description="recommended actions listed")
    action_min_periods: int = Field(3, ge=2, le=24, description="months needed before and after an action")
    action_cohort_lag_days: int = Field(
        90, ge=0, le=365, description="leads created this close to the end are still open: left out of rates")
