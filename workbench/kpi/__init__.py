"""KPI review and sales team (``30_kpi_review``): targets vs actuals, will we hit the target,
control charts, rep scorecards, training needs and incentives.

Use from the notebook as ``import workbench.kpi as kpi``::

    kd = kpi.prepare(ds, params)              # attribute rows to months and levels
    att = kpi.attainment_table(kd, params)    # per period x level x key x KPI
    fc = kpi.forecast_table(kd, params)       # the next open plan period: run-rate + pipeline, P(hit target)
    bt = kpi.backtest_table(kd, params)       # the same forecast for the last closed period, as a check
    charts, signals = kpi.control_charts(kd, params)
    sc = kpi.rep_scorecard(kd, att, params)
    tn = kpi.training_needs(kd, params)
    inc = kpi.incentive_pay(kd, params)

Compute functions never take a language: every result table is the same in en and zh
(codes such as ``ses`` or ``won_closed_deals``); the views put codes into words with
:mod:`workbench.kpi.labels`. See ``docs/kpi.md`` for every definition.
"""

from workbench._lazy import attach as _attach

# Imported on first use (the modules too: ``kpi.views``): the runner imports
# ``workbench.kpi.params`` to validate parameters, without scipy, statsmodels or matplotlib.
__getattr__, __dir__ = _attach(__name__, {
    "actuals": ["KpiData", "kpi_actuals", "measures", "prepare"],
    "attainment": ["attainment_summary", "attainment_table", "gap_table", "price_volume_mix", "review_months",
                   "target_months", "targets_by_period"],
    "control": ["control_charts", "p_chart", "run_rules", "xmr"],
    "forecast": ["backtest_table", "calibration", "forecast_table", "plan_periods", "stage_rates"],
    "incentives": ["commission", "cost_summary", "incentive_pay", "what_if"],
    "labels": ["LABELS"],
    "params": ["IncentivePlan", "KpiParams"],
    "team": ["leaderboard", "rep_scorecard", "stage_conversion", "training_needs"],
    "views": ["formula_measures", "headline", "kpi_definitions", "show_attainment", "show_backtest",
              "show_calibration", "show_control", "show_definitions", "show_forecast", "show_gap",
              "show_incentives", "show_notes", "show_scorecard", "show_training"],
})

__all__ = [
    "LABELS",    "KpiData", "KpiParams", "IncentivePlan", "prepare", "measures", "kpi_actuals", "attainment_table",
    "attainment_summary", "gap_table", "price_volume_mix", "review_months", "target_months", "targets_by_period",
    "control_charts", "p_chart", "xmr", "run_rules", "forecast_table", "backtest_table", "plan_periods", "calibration", "stage_rates", "commission",
    "incentive_pay", "cost_summary", "what_if", "rep_scorecard", "leaderboard", "stage_conversion", "training_needs",
    "headline", "kpi_definitions", "formula_measures", "show_notes", "show_attainment", "show_gap", "show_forecast",
    "show_backtest", "show_definitions",
    "show_calibration", "show_control", "show_scorecard", "show_training", "show_incentives",
]
