"""The result tables ``10_customer_segmentation`` writes, with their columns in order (its ``NotebookSpec.tables``).

A contract: other notebooks (the executive summary) and users read them; ``Report.save`` refuses a
table or a column that is not declared here, and a test checks that a run writes every table
not in :data:`OPTIONAL`.
"""

TABLES: dict[str, tuple[str, ...]] = {
    "channel_value": (
        "acquisition_channel_id", "acquisition_channel", "customers", "revenue", "margin", "clv",
        "clv_margin", "clv_per_customer", "new_customers", "spend", "cac", "value_per_new_customer",
        "clv_cac", "cac_window", "small_group",
    ),
    "cluster_k": (
        "k", "silhouette", "inertia", "ari_mean", "ari_min", "chosen",
    ),
    "cluster_stability": (
        "k", "n_bootstrap", "ari_mean", "ari_min", "stability",
    ),
    "clusters": (
        "cluster", "customers", "share_customers", "share_revenue", "median_recency_days",
        "mean_frequency", "median_monetary", "median_tenure_days", "top_channel", "top_channel_share",
        "top_category", "top_category_share", "clv_per_customer", "profile", "profile_zh",
    ),
    "clv": (
        "customer_id", "frequency_days", "recency_model_days", "T_days", "p_alive",
        "expected_purchases", "expected_order_value", "clv", "clv_margin", "value_score", "tier",
        "potential",
    ),
    "clv_holdout": (
        "calibration_purchases", "customers", "actual_mean", "predicted_mean", "baseline_mean",
    ),
    "clv_holdout_scores": (
        "metric", "actual", "predicted", "baseline", "n",
    ),
    "clv_params": (
        "fit", "model", "parameter", "value", "se", "ci_low", "ci_high", "n_customers", "n_repeat",
        "population",
    ),
    "crm_export": (
        "customer_id", "name", "rfm_segment", "tier", "potential", "cluster", "play",
        "recommended_action_en", "recommended_action_zh", "rfm_segment_en", "rfm_segment_zh", "tier_en",
        "tier_zh", "potential_en", "potential_zh", "play_en", "play_zh", "recency_days", "frequency",
        "monetary", "revenue_window", "p_alive", "clv",
    ),
    "crm_import_fxiaoke": (
        "客户编号", "客户名称", "客户级别", "标签",
    ),
    "crm_import_zoho": (
        "Record Id", "Account Name", "Tag", "Workbench Tier", "Workbench Potential", "Workbench RFM Segment",
        "Workbench Play", "Workbench Action",
    ),
    "profile_acquisition_channel": (
        "group", "customers", "share_customers", "revenue", "share_revenue", "revenue_per_customer",
        "clv_per_customer", "vip_customers", "vip_share", "vip_ci_low", "vip_ci_high", "small_group",
    ),
    "profile_industry": (
        "group", "customers", "share_customers", "revenue", "share_revenue", "revenue_per_customer",
        "clv_per_customer", "vip_customers", "vip_share", "vip_ci_low", "vip_ci_high", "small_group",
    ),
    "profile_region": (
        "group", "customers", "share_customers", "revenue", "share_revenue", "revenue_per_customer",
        "clv_per_customer", "vip_customers", "vip_share", "vip_ci_low", "vip_ci_high", "small_group",
    ),
    "rfm": (
        "customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
        "segment", "rfm_segment", "rfm_code", "first_purchase", "last_purchase", "revenue_window",
        "margin", "returns",
    ),
    "rfm_scores": (
        "dimension", "method", "cut_points", "score_1", "score_2", "score_3", "score_4", "score_5",
    ),
    "segment_channel": (
        "rfm_segment", "acquisition_channel", "customers", "revenue", "margin", "clv",
    ),
    "segment_rules": (
        "rule", "rfm_segment", "r_range", "f_range", "m_range",
    ),
    "segments": (
        "rfm_segment", "customers", "share_customers", "revenue_window", "share_revenue_window",
        "monetary", "share_revenue", "mean_recency_days", "mean_frequency", "median_monetary", "clv",
        "clv_per_customer",
    ),
    "strategy": (
        "play", "action", "action_zh", "customers", "share_customers", "revenue_window",
        "value_at_stake", "mean_p_alive",
    ),
    "tier_transitions": (
        "previous_tier", "current_tier", "customers", "share_of_previous", "movement", "revenue_window",
    ),
    "tiers": (
        "tier", "customers", "revenue_window", "clv", "min_value_score", "share_customers",
        "share_revenue_window", "share_clv",
    ),
}

OPTIONAL: frozenset[str] = frozenset({"crm_import_zoho", "crm_import_fxiaoke"})
"""Tables written only when the data calls for them: a CRM's import layout only for data imported from it."""
