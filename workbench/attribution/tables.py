"""The result tables of ``25_channel_attribution`` and their columns, in order (for ``NotebookSpec.tables``).

Kept apart from the analysis modules so the notebook registry can read it without importing them.
A test checks that a run writes exactly these columns; the executive summary reads
``attribution_shift`` through :func:`workbench.notebooks.read_result`.
"""

from __future__ import annotations

ATTRIBUTION_COLUMNS = ("channel_id", "model", "conversions", "conversions_low", "conversions_high", "value",
                       "value_low", "value_high", "share", "share_low", "share_high")
"""Columns of :func:`workbench.attribution.attribute` (the contract between the models and this report)."""

TABLES: dict[str, tuple[str, ...]] = {
    "journey_counts": ("measure", "count"),
    "path_lengths": ("n_touches", "journeys", "conversions", "conversion_rate"),
    "attribution_paths": ("path", "journeys", "conversions", "conversion_rate", "value"),
    "channel_attribution": ATTRIBUTION_COLUMNS,
    "markov_order_fit": ("order", "states", "parameters", "log_likelihood", "aic", "bic", "holdout_log_loss",
                         "chosen"),
    "attribution_shift": ("channel_id", "channel_name", "model", "last_touch_share", "model_share",
                          "model_share_low", "model_share_high", "shift", "touched_journeys",
                          "touched_conversion_rate", "untouched_journeys", "untouched_conversion_rate",
                          "touched_difference", "touched_difference_low", "touched_difference_high", "role"),
    "attributed_economics": ("channel_id", "channel_name", "model", "conversions", "conversions_low",
                             "conversions_high", "value", "value_low", "value_high", "spend", "cac", "cac_low",
                             "cac_high", "roas", "roas_low", "roas_high", "margin_rate", "roi", "roi_low",
                             "roi_high", "window"),
    "attributed_budget": ("channel_id", "channel_name", "value_factor", "current_spend",
                          "recommended_spend_last_touch", "recommended_spend_attributed", "change_attributed"),
}

OPTIONAL = frozenset({"attributed_budget", "markov_order_fit"})
"""Tables written only when the data calls for them (spend with response curves; a Markov model asked for)."""
