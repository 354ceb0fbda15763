"""The data layer: the canonical model, loading, coercion and validation."""

from workbench.data.loader import Dataset, DatasetMeta, Issue, format_issues, load_dataset
from workbench.data.schema import TABLE_NAMES, TABLES

__all__ = ["Dataset", "DatasetMeta", "Issue", "TABLES", "TABLE_NAMES", "format_issues", "load_dataset"]
