"""Data quality (``00_data_quality``): is the data complete, valid, unique, linked and fresh?

Used by the notebook as ``wb.quality`` (or ``import workbench.quality as q``)::

    ref = q.reference_date(ds, params.as_of or None)
    rpt.headline(**q.headline(ds, ref, params.stale_after_days))
    q.show_fix_list(rpt, q.fix_list(ds, ref, params.stale_after_days, top=params.top_fixes))
    q.show_overview(rpt, q.table_overview(ds, ref, params.stale_after_days))
    ...

- :mod:`~workbench.quality.params` — the notebook's parameters;
- :mod:`~workbench.quality.prepare` — shared facts (reference date, date profiles, orphan masks);
- analyses: :mod:`~workbench.quality.completeness`, :mod:`~workbench.quality.validity`,
  :mod:`~workbench.quality.duplicates`, :mod:`~workbench.quality.orphans`,
  :mod:`~workbench.quality.freshness`, :mod:`~workbench.quality.overview` (table overview and
  scores), :mod:`~workbench.quality.fixes` (what to fix first), :mod:`~workbench.quality.summary`
  (headline numbers);
- :mod:`~workbench.quality.labels`, :mod:`~workbench.quality.plots` and
  :mod:`~workbench.quality.views` — what the report shows.

Every analysis takes a loaded :class:`~workbench.data.loader.Dataset` (``strict=False``) and
returns a tidy DataFrame with canonical column names and codes; nothing there reads files,
prints, plots or knows the report's language.
"""

from __future__ import annotations

from workbench._lazy import attach as _attach

# Imported on first use (the modules too: ``q.views``): ``workbench.params`` imports
# ``workbench.quality.params``, and the runner every area's params; none of them needs the analyses.
__getattr__, __dir__ = _attach(__name__, {
    "params": ["DataQualityParams"],
    "completeness": ["column_completeness"],
    "duplicates": ["COMPANY_SUFFIXES_CN", "COMPANY_SUFFIXES_LATIN", "duplicates", "normalise_company_name",
                   "possible_duplicate_customers"],
    "fixes": ["KIND_WEIGHTS", "MATERIAL_IMPACT", "ROLE_WEIGHTS", "fix_list"],
    "freshness": ["DEFAULT_STALE_AFTER_DAYS", "freshness"],
    "labels": ["HOW_TO_FIX", "ISSUE_KINDS", "LABELS", "issue_label"],
    "orphans": ["orphans"],
    "overview": ["SCORE_WEIGHTS", "missing_tables", "missing_tables_report", "table_overview", "table_scores"],
    "prepare": ["IMPLAUSIBLE_GAP_DAYS", "IMPLAUSIBLE_MIN_ROWS", "IMPLAUSIBLE_QUANTILE", "PLAN_TABLES",
                "reference_date"],
    "summary": ["headline", "quality_summary"],
    "validity": ["VALIDITY_KINDS", "invalid_values"],
    "views": ["FIX_COLUMNS", "OVERVIEW_COLUMNS", "show_audit", "show_completeness", "show_completeness_chart",
              "show_duplicates", "show_errors", "show_fix_list", "show_freshness", "show_invalid_values",
              "show_missing_tables", "show_orphans", "show_overview", "show_scores"],
})

__all__ = [
    "DataQualityParams", "LABELS", "ISSUE_KINDS", "HOW_TO_FIX", "issue_label",
    "DEFAULT_STALE_AFTER_DAYS", "SCORE_WEIGHTS", "KIND_WEIGHTS", "ROLE_WEIGHTS", "MATERIAL_IMPACT", "PLAN_TABLES",
    "IMPLAUSIBLE_QUANTILE", "IMPLAUSIBLE_GAP_DAYS", "IMPLAUSIBLE_MIN_ROWS", "VALIDITY_KINDS",
    "COMPANY_SUFFIXES_CN", "COMPANY_SUFFIXES_LATIN",
    "reference_date", "column_completeness", "invalid_values", "normalise_company_name",
    "possible_duplicate_customers", "duplicates", "orphans", "freshness", "table_overview", "table_scores",
    "missing_tables", "missing_tables_report", "fix_list", "quality_summary", "headline",
    "FIX_COLUMNS", "OVERVIEW_COLUMNS", "show_audit", "show_errors", "show_fix_list", "show_overview", "show_scores",
    "show_completeness", "show_completeness_chart", "show_invalid_values", "show_duplicates", "show_orphans",
    "show_freshness", "show_missing_tables",
]

