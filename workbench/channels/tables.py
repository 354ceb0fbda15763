"""The result tables of ``20_channel_evaluation`` and their columns, in order (for ``NotebookSpec.tables``).

Kept apart from the analysis modules so the notebook registry can read it without importing them.
A test checks that a run writes exactly these columns.
"""

from __future__ import annotations

TABLES: dict[str, tuple[str, ...]] = {
    "budget_plan": (
        "objective", "feasible", "budget", "current_total", "recommended_total", "value_current",
        "value_change_month", "value_change_low", "value_change_high", "value_change_year",
        "value_change_year_low", "value_change_year_high", "channels_up", "channels_down"
    ),
    "budget_recommendation": (
        "channel_id", "channel_name", "in_optimiser", "reason", "current_spend", "recommended_spend", "change",
        "change_pct", "low_bound", "high_bound", "expected_value_current", "expected_value_recommended",
        "value_change", "change_low", "change_high", "marginal_roas_current", "marginal_roas_recommended"
    ),
    "channel_conversion": (
        "channel_id", "channel_name", "leads", "won", "lost", "open", "conversion_rate", "ci_low", "ci_high",
        "open_share", "win_rate_closed", "closed_ci_low", "closed_ci_high", "shrunk_rate", "shrunk_low",
        "shrunk_high", "insufficient_data", "rank", "leads_all"
    ),
    "channel_economics": (
        "channel_id", "channel_name", "period", "revenue", "gross_margin", "margin_rate", "orders", "aov",
        "new_customers", "spend", "cac", "roi", "roas"
    ),
    "channel_economics_summary": (
        "channel_id", "channel_name", "revenue", "sales", "gross_margin", "amount_costed", "orders",
        "new_customers", "spend", "margin_rate", "aov", "cac", "roi", "roas", "revenue_prev", "revenue_growth",
        "growth_ci_low", "growth_ci_high", "trend_months", "window"
    ),
    "channel_returns": (
        "scope", "key", "channel_type", "revenue", "gross_margin", "spend", "roi", "roas", "new_customers",
        "cac", "value_per_new_customer", "clv_cac", "window"
    ),
    "channel_verdict": (
        "channel_id", "channel_name", "leads", "conversion_rate", "conversion_rank", "roi", "roi_rank",
        "won_revenue_month", "revenue_month", "current_spend", "budget_change", "budget_change_pct",
        "budget_value_change", "budget_value_low", "budget_value_high", "marginal_roas", "leaking_stage",
        "leaking_from", "leaking_to", "stage_rate", "benchmark_stage_rate", "stage_gap_value_month",
        "stage_gap_value_low", "stage_gap_value_high", "verdict", "criterion", "note"
    ),
    "cohort_conversion": ("channel_id", "cohort", "mature", "leads", "won", "lost", "open", "conversion_rate", "ci_low", "ci_high"),
    "diagnosis": (
        "channel_id", "channel_name", "component", "from_stage", "to_stage", "value", "benchmark_value",
        "ratio", "contribution", "effect", "n", "benchmark_n", "p_value", "p_adj", "significant", "failing",
        "step"
    ),
    "diagnosis_drivers": (
        "channel_id", "level", "key", "name", "closed", "won", "rate", "ci_low", "ci_high", "shrunk_rate",
        "benchmark_rate", "expected_won", "shortfall", "share_of_shortfall", "insufficient_data"
    ),
    "diagnosis_summary": (
        "channel_id", "channel_name", "leads", "conversion_rate", "shrunk_rate", "revenue_ratio", "main_gap",
        "main_gap_effect", "failing_from", "failing_to", "rate_from", "rate_from_low", "rate_from_high",
        "benchmark_rate_from", "n_from", "median_days", "benchmark_median_days", "nps_mean", "nps_n",
        "nps_score", "csat_mean", "low_nps", "benchmark", "failing_step", "failing_last_step",
        "conversion_p_adj", "below_others"
    ),
    "feedback_by_channel": (
        "channel_id", "responses", "nps_n", "nps_mean", "nps_ci_low", "nps_ci_high", "nps_score", "csat_n",
        "csat_mean", "csat_ci_low", "csat_ci_high", "nps_p_value", "nps_p_adj", "low_nps", "insufficient_data"
    ),
    "inventory_cover": (
        "channel_id", "channel_name", "snapshot", "skus", "on_hand", "units_sold", "overstock_skus",
        "overstock_units", "units_per_month", "cover_months", "sell_through", "overstock"
    ),
    "inventory_overstock": (
        "channel_id", "channel_name", "product_id", "snapshot", "on_hand", "units_sold", "units_per_month",
        "cover_months", "sell_through", "overstock"
    ),
    "lost_reasons": ("channel_id", "lost_reason", "lost", "share", "benchmark_share"),
    "matrix_product": ("channel_id", "key", "revenue", "orders", "share"),
    "matrix_region": ("channel_id", "key", "revenue", "orders", "share"),
    "matrix_segment": ("channel_id", "key", "revenue", "orders", "share"),
    "pairwise_tests": (
        "channel_a", "channel_b", "leads_a", "leads_b", "rate_a", "rate_b", "difference", "p_value", "p_adj",
        "significant", "method"
    ),
    "response_curves": (
        "channel_id", "channel_name", "metric", "months", "intercept", "exponent", "exponent_se",
        "exponent_ci_low", "exponent_ci_high", "seasonality", "value_per_unit", "margin_rate", "current_spend",
        "supported", "reason", "expected_outcome", "expected_value", "marginal_roas"
    ),
    "stage_conversion": (
        "channel_id", "step", "from_stage", "to_stage", "entered", "resolved", "advanced", "conversion_rate",
        "ci_low", "ci_high", "closed_after", "won_after", "won_rate_after", "won_ci_low", "won_ci_high",
        "insufficient_data"
    ),
    "stage_funnel": ("channel_id", "order", "stage", "reached", "share"),
    "time_to_close": (
        "channel_id", "leads", "closed", "censored", "median_days", "median_ci_low", "median_ci_high",
        "p75_days", "closed_by_30d", "closed_by_60d", "closed_by_90d", "closed_by_180d"
    ),
    "what_if": (
        "budget_multiple", "budget", "expected_value", "value_low", "value_high", "change_vs_current",
        "change_low", "change_high", "value_current_split", "marginal_roas", "feasible"
    ),
}
