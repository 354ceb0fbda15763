"""Channel evaluation and optimisation (``20_channel_evaluation``).

Which channels convert and pay, why a weak one is weak, and where money should move:

- :mod:`~workbench.channels.prepare` — messy lead exports made fit for a funnel (statuses,
  unknown sources, stages, creation cohorts), every problem kept as a note;
- :mod:`~workbench.channels.funnel` — conversion by creation cohort with Wilson intervals, omnibus
  and corrected pairwise tests, empirical-Bayes ranking, funnel plot, Kaplan-Meier time to close;
- :mod:`~workbench.channels.diagnosis` — each channel's gap split into volume, stages, deal size,
  cycle time; failing stages, the reps and regions behind them, feedback scores;
- :mod:`~workbench.channels.economics` — revenue, margin, orders, AOV, new customers, spend, CAC,
  ROI, ROAS and trends per channel and period;
- :mod:`~workbench.channels.matrices` — channel × product / segment / region, inventory cover;
- :mod:`~workbench.channels.budget` — response curves with carry-over and saturation, the
  constrained optimiser and the what-if table;
- :mod:`~workbench.channels.verdict` — one verdict per channel on one stated criterion, reconciling
  conversion, return and the budget move (``channel_verdict``);
- :mod:`~workbench.channels.labels`, :mod:`~workbench.channels.plots` and
  :mod:`~workbench.channels.views` — the label catalogue, figures and what the report shows.

Use from a notebook as ``import workbench.channels as ch``.
"""

from __future__ import annotations

from workbench._lazy import attach as _attach

# Names are imported on first use: the notebook registry imports ``workbench.channels.params``
# to validate parameters, and that must not pull in matplotlib, scipy and statsmodels.
__getattr__, __dir__ = _attach(__name__, {
    "budget": ["Allocation", "ResponseFit", "fit_response", "optimise", "plan_summary", "what_if"],
    "diagnosis": ["Diagnosis", "diagnose", "feedback_by_channel"],
    "economics": ["ECONOMICS_COLUMNS", "Economics", "channel_economics", "channel_returns", "customer_value"],
    "evaluate": ["FunnelResults", "analyse_funnel", "channel_matrices"],
    "funnel": ["CONVERSION_COLUMNS", "channel_conversion", "cohort_conversion", "conversion_tests",
               "stage_conversion", "time_to_close"],
    "labels": ["LABELS"],
    "matrices": ["channel_matrix", "inventory_cover"],
    "params": ["ChannelParams"],
    "prepare": ["LeadData", "UNKNOWN", "analysis_date", "prepare_leads"],
    "verdict": ["channel_verdict", "reconcile"],
    "views": ["cohort_sentence", "headline", "show_cohorts", "show_components", "show_conversion", "show_curves",
              "show_diagnosis", "show_drivers", "show_economics", "show_economics_summary", "show_economics_table",
              "show_feedback", "show_inventory", "show_lost_reasons", "show_matrix", "show_notes", "show_plan",
              "show_returns", "show_stage_funnel", "show_stages", "show_table", "show_tests", "show_time_to_close",
              "show_verdict", "show_what_if"],
})

__all__ = [
    "Allocation", "CONVERSION_COLUMNS", "ChannelParams", "Diagnosis", "ECONOMICS_COLUMNS", "Economics", "FunnelResults",
    "LABELS", "LeadData", "ResponseFit", "UNKNOWN", "analyse_funnel", "analysis_date", "channel_conversion",
    "channel_economics", "channel_matrices", "channel_matrix", "channel_returns", "channel_verdict",
    "cohort_conversion", "cohort_sentence", "conversion_tests", "customer_value", "diagnose", "feedback_by_channel",
    "fit_response", "headline", "inventory_cover", "optimise", "plan_summary", "plots", "prepare_leads", "reconcile",
    "show_cohorts", "show_components", "show_conversion", "show_curves", "show_diagnosis", "show_drivers",
    "show_economics", "show_economics_summary", "show_economics_table", "show_feedback", "show_inventory",
    "show_lost_reasons", "show_matrix", "show_notes", "show_plan", "show_returns", "show_stage_funnel", "show_stages",
    "show_table", "show_tests", "show_time_to_close", "show_verdict", "show_what_if", "stage_conversion",
    "time_to_close", "what_if",
]
