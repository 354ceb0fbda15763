"""Importers: CRM exports (Zoho CRM, Fxiaoke 纷享销客) and any CSV/XLSX through a mapping file,
written as a dataset folder in the canonical model (see ``docs/importers.md``).

Each importer reads the source files, maps columns and values, and writes the
dataset atomically with an ``import_report.json``; an error names the file, the
column and the values, and leaves nothing behind.
"""

from workbench.importers.fxiaoke import import_fxiaoke
from workbench.importers.mapping import import_mapping
from workbench.importers.read import read_source
from workbench.importers.report import ImportReport, MappingError
from workbench.importers.values import DROP
from workbench.importers.zoho import import_zoho

__all__ = ["DROP", "ImportReport", "MappingError", "import_fxiaoke", "import_mapping", "import_zoho", "read_source"]
