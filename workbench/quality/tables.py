"""The result tables ``00_data_quality`` writes, with their columns in order (its ``NotebookSpec.tables``).

A contract: other notebooks (the executive summary) and users read them; ``Report.save`` refuses a
table or a column that is not declared here, and a test checks that a run writes every table
not in :data:`OPTIONAL`.
"""

TABLES: dict[str, tuple[str, ...]] = {
    "column_completeness": (
        "table", "column", "kind", "required", "present", "rows", "filled", "missing", "unreadable",
        "completeness",
    ),
    "duplicates": (
        "table", "kind", "column", "count", "match_key", "ids", "names", "example_rows", "message",
    ),
    "fix_list": (
        "rank", "table", "column", "kind", "problem", "rows_affected", "share", "blocking", "weight",
        "impact", "tier", "how_to_fix",
    ),
    "freshness": (
        "table", "date_column", "date_from", "date_to", "implausible_dates", "reference_date",
        "days_since_last", "stale",
    ),
    "invalid_values": (
        "table", "column", "kind", "level", "count", "share", "example_rows", "expected", "message",
    ),
    "missing_tables": (
        "table", "description", "required_columns", "possible_file", "needed_by",
    ),
    "orphans": (
        "table", "column", "ref_table", "ref_column", "rows", "rows_with_value", "orphan_rows", "share",
        "distinct_values", "examples",
    ),
    "table_overview": (
        "table", "status", "present", "loaded", "file", "format", "encoding", "rows_read", "rows",
        "duplicate_rows", "duplicate_keys", "columns_present", "columns_total", "date_from", "date_to",
        "days_since_last", "stale", "completeness", "invalid_cells", "orphan_rows", "errors",
        "warnings", "score",
    ),
    "row_audit": (
        "table", "file", "rows_read", "rows_used", "rows_dropped", "rows_changed", "money_column",
        "money_read", "money_used", "money_dropped", "reconciled",
    ),
    "row_audit_reasons": (
        "table", "reason", "action", "column", "rows", "money",
    ),
}

OPTIONAL: frozenset[str] = frozenset()
"""Tables written only when the data calls for them."""
