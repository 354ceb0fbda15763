"""Parameters of ``00_data_quality``: how old a table may be, and how long the fix list is."""

from __future__ import annotations

from pydantic import Field

from workbench.params import NotebookParams


class DataQualityParams(NotebookParams):
    """``00_data_quality``: completeness, validity, duplicates, orphans, freshness."""

    stale_after_days: int = Field(45, ge=1, description="a table whose last date is older is stale")
    top_fixes: int = Field(10, ge=1, le=100, description="length of the what-to-fix-first list")
