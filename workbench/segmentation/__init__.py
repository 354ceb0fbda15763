"""Customer segmentation (``10_customer_segmentation``): RFM, value and potential tiers, CLV, clusters, playbook.

Used by the notebook as ``import workbench.segmentation as seg``::

    prep = seg.prepare(ds, params)                 # orders as of the analysis date, returns netted
    rpt = wb.Report(params, labels=seg.report_labels(params, prep), currency=...)  # LABELS, this run's periods
    rfm = seg.rfm_table(prep, params)              # recency, frequency, monetary, scores, segment
    holdout = seg.holdout_check(prep, params)      # BG/NBD + Gamma-Gamma on a calibration window
    clv = seg.clv_table(prep, rfm, params)         # the same models on all data: P(alive), CLV
    value = seg.value_tiers(rfm, clv, params)      # value tier and potential per customer
    cl = seg.cluster_customers(prep, rfm, ds, params)
    attrs = seg.attributes(prep, rfm, ds)
    plays = seg.assign_plays(value, params)

and one ``seg.show_*(rpt, ...)`` per report section. Method and choices:
``docs/segmentation.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import attach as _attach

if TYPE_CHECKING:
    from workbench.reporting import Catalogue
    from workbench.segmentation.params import SegmentationParams
    from workbench.segmentation.prepare import Prepared

# Imported on first use (the modules too: ``seg.clv``): the runner imports
# ``workbench.segmentation.params`` to validate parameters, without statsmodels, scipy,
# matplotlib, scikit-learn or lifetimes.
__getattr__, __dir__ = _attach(__name__, {
    "clusters": ["Clusters", "cluster_customers", "features"],
    "clv": ["ClvResult", "Holdout", "clv_params_table", "clv_result_table", "clv_table", "holdout_check",
            "summary", "transactions", "value_tiers"],
    "labels": ["LABELS"],
    "params": ["SegmentationParams"],
    "prepare": ["Prepared", "Problem", "prepare", "restrict"],
    "profiles": ["attributes", "channel_value", "profile_by", "segment_channel"],
    "rfm": ["assign_segments", "rfm_table", "score", "score_table", "segment_rules_table", "segment_summary"],
    "strategy": ["CrmLayout", "assign_plays", "crm_export", "crm_layouts", "strategy_table", "tier_migration"],
    "strategy_views": ["show_crm_export", "show_crm_layouts", "show_migration", "show_playbook"],
    "views": ["headline", "show_channel_value", "show_cluster_profiles", "show_clv", "show_clv_params",
              "show_data_notes", "show_holdout", "show_k_choice", "show_profiles", "show_rf_grid", "show_rfm",
              "show_scores", "show_segment_rules", "show_segments", "show_tiers"],
})


def report_labels(params: SegmentationParams, prep: Prepared) -> Catalogue:
    """The report's catalogue: :data:`LABELS` with this run's periods (value window, CLV horizon,
    analysis date, CAC months) filled into the headers."""
    from workbench.segmentation.labels import for_run

    return for_run(params, prep.analysis_date)


__all__ = [
    "LABELS", "labels", "report_labels", "SegmentationParams", "Prepared", "Problem", "ClvResult", "Holdout", "Clusters",
    "prepare", "restrict", "rfm_table", "score", "score_table", "assign_segments", "segment_rules_table", "segment_summary",
    "transactions", "summary", "holdout_check", "clv_table", "clv_params_table", "clv_result_table", "value_tiers",
    "features", "cluster_customers", "attributes", "profile_by", "segment_channel", "channel_value",
    "assign_plays", "strategy_table", "crm_export", "crm_layouts", "CrmLayout", "tier_migration",
    "headline", "show_data_notes", "show_scores", "show_segment_rules", "show_rf_grid", "show_segments", "show_rfm",
    "show_holdout", "show_clv_params", "show_clv", "show_tiers", "show_k_choice", "show_cluster_profiles",
    "show_profiles", "show_channel_value", "show_migration", "show_playbook", "show_crm_export", "show_crm_layouts",
]
