"""The data layer: the canonical model, reading, value aliases, loading, coercion, validation and audit."""

from workbench.data.aliases import BLANK
from workbench.data.loader import Dataset, DatasetMeta, Issue, format_issues, load_dataset
from workbench.data.read import RawFile, read_file
from workbench.data.schema import TABLE_NAMES, TABLES

__all__ = ["BLANK", "Dataset", "DatasetMeta", "Issue", "RawFile", "TABLES", "TABLE_NAMES", "format_issues",
           "load_dataset", "read_file"]
