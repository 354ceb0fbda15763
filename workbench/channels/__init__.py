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

import importlib

# Names are imported on first use: the notebook registry imports ``workbench.channels.params``
# to validate parameters, and that must not pull in matplotlib, scipy and statsmodels.
_EXPORTS: dict[str, str] = {
    "ChannelParams": "params",
    "UNKNOWN": "prepare", "LeadData": "prepare", "analysis_date": "prepare", "prepare_leads": "prepare",
    "CONVERSION_COLUMNS": "funnel", "channel_conversion": "funnel", "cohort_conversion": "funnel",
    "conversion_tests": "funnel", "stage_conversion": "funnel", "time_to_close": "funnel",
    "Diagnosis": "diagnosis", "diagnose": "diagnosis", "feedback_by_channel": "diagnosis",
    "ECONOMICS_COLUMNS": "economics", "Economics": "economics", "channel_economics": "economics",
    "channel_returns": "economics", "customer_value": "economics", "plan_summary": "budget",
    "channel_verdict": "verdict", "reconcile": "verdict", "LABELS": "labels",
    "FunnelResults": "evaluate", "analyse_funnel": "evaluate", "channel_matrices": "evaluate",
    "channel_matrix": "matrices", "inventory_cover": "matrices",
    "Allocation": "budget", "ResponseFit": "budget", "fit_response": "budget", "optimise": "budget",
    "what_if": "budget",
    **{name: "views" for name in (
        "cohort_sentence", "headline", "show_cohorts", "show_components", "show_conversion", "show_curves",
        "show_diagnosis", "show_drivers", "show_economics", "show_economics_summary", "show_economics_table",
        "show_feedback", "show_inventory", "show_lost_reasons", "show_matrix", "show_notes", "show_plan",
        "show_returns", "show_stage_funnel", "show_stages", "show_table", "show_tests", "show_time_to_close",
        "show_verdict", "show_what_if")},
}
_MODULES = ("budget", "diagnosis", "economics", "evaluate", "funnel", "labels", "matrices", "params", "plots",
            "prepare", "stats", "verdict", "views")

__all__ = sorted([*_EXPORTS, "plots"])


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS, *_MODULES])
