"""The result tables ``90_executive_summary`` writes, with their columns in order (its ``NotebookSpec.tables``).

A contract: other notebooks (the executive summary) and users read them; ``Report.save`` refuses a
table or a column that is not declared here, and a test checks that a run writes every table
not in :data:`OPTIONAL`.
"""

TABLES: dict[str, tuple[str, ...]] = {
    "action_effects": (
        "action_id", "description", "level", "key", "kpi", "start_date", "method", "effect", "ci_low",
        "ci_high", "p_value", "before", "after", "comparison_units", "n", "note",
    ),
    "findings": (
        "area", "finding_en", "finding_zh", "value", "kind", "ci_low", "ci_high", "n", "period",
        "basis_en", "basis_zh", "report", "source", "column", "row_key",
    ),
    "period_changes": (
        "source", "item", "metric", "previous", "current", "change", "ci_low", "ci_high", "p_value",
        "p_adjusted", "n_previous", "n_current", "changed", "note",
    ),
    "recommended_actions": (
        "rank", "area", "action_en", "action_zh", "value", "value_low", "value_high", "per",
        "value_year", "value_year_low", "value_year_high", "basis_en", "basis_zh", "report", "source",
    ),
}

OPTIONAL: frozenset[str] = frozenset()
"""Tables written only when the data calls for them."""
