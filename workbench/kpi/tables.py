"""The result tables ``30_kpi_review`` writes, with their columns in order (its ``NotebookSpec.tables``).

A contract: other notebooks (the executive summary) and users read them; ``Report.save`` refuses a
table or a column that is not declared here, and a test checks that a run writes every table
not in :data:`OPTIONAL`.
"""

TABLES: dict[str, tuple[str, ...]] = {
    "attainment": (
        "period", "level", "key", "kpi", "actual", "target", "attainment", "light", "n", "status",
        "higher_is_better", "open_share", "months_covered",
    ),
    "attainment_summary": (
        "window", "level", "key", "kpi", "actual", "target", "attainment", "light", "periods",
        "red_periods", "n",
    ),
    "calibration": (
        "method", "event", "horizon_days", "deals", "brier", "mean_predicted", "observed",
    ),
    "control_signals": (
        "chart", "level", "key", "kpi", "rule", "first_period", "last_period", "direction", "value",
        "center", "phase", "action_id", "action_start", "action_description",
    ),
    "forecast": (
        "level", "key", "kpi", "period", "cutoff", "target", "actual_to_date", "forecast_mean",
        "forecast_low", "forecast_high", "expected_attainment", "p_hit", "light", "model", "n_months",
        "pipeline_deals", "pipeline_mean", "pipeline_low", "pipeline_high", "p_pipeline_covers_gap",
        "actual_final",
    ),
    "forecast_backtest": (
        "level", "key", "kpi", "period", "cutoff", "target", "actual_to_date", "forecast_mean",
        "forecast_low", "forecast_high", "expected_attainment", "p_hit", "light", "model", "n_months",
        "pipeline_deals", "pipeline_mean", "pipeline_low", "pipeline_high", "p_pipeline_covers_gap",
        "actual_final",
    ),
    "gap_split": (
        "level", "key", "window", "base", "base_revenue", "revenue", "gap_vs_base", "volume", "price",
        "mix", "target", "gap_vs_target", "volume_vs_target",
    ),
    "incentive_what_if": (
        "scenario", "changes", "total_cost", "commission", "team_bonus", "clawback", "credited",
        "cost_share", "reps_paid", "max_pay", "reps_above_target", "delta",
    ),
    "incentives": (
        "period", "rep_id", "name", "team", "status", "sales", "returns", "credited", "target",
        "attainment", "commission", "accelerator_extra", "capped", "clawback", "team_bonus",
        "total_pay",
    ),
    "leaderboard": (
        "rank", "rank_low", "rank_high", "rep_id", "name", "team", "won", "lost", "win_rate",
        "win_rate_low", "win_rate_high", "win_rate_pooled", "verdict", "revenue", "attainment",
    ),
    "rep_scorecard": (
        "rep_id", "name", "team", "region", "channel_id", "status", "revenue", "orders", "target",
        "attainment", "attainment_low", "attainment_high", "leads", "won", "lost", "open", "win_rate",
        "win_rate_low", "win_rate_high", "win_rate_pooled", "rank", "rank_low", "rank_high", "verdict",
        "avg_deal_size", "cycle_days_median",
    ),
    "training_needs": (
        "rep_id", "name", "team", "transition", "rep_rate", "rep_n", "ci_low", "ci_high", "team_rate",
        "team_n", "gap", "p_value", "q_value", "channel_expected", "explained_by_channel",
        "suggested_training",
    ),
}

OPTIONAL: frozenset[str] = frozenset()
"""Tables written only when the data calls for them."""
