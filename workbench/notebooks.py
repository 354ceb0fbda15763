"""The registry of analysis notebooks: parameters schema, tables needed, titles.

The runner runs the notebooks registered here that exist under ``notebooks/``;
a notebook whose required tables are absent from the dataset is skipped with a
visible note in the index. Params models are named by dotted path and imported
on first use, so an analysis package is only imported when its notebook runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workbench.params import NotebookParams


@dataclass(frozen=True)
class NotebookSpec:
    """What the runner needs to know about one notebook."""

    stem: str
    title_en: str
    title_zh: str
    params_path: str | type[NotebookParams]  # "package.module:Class" or the class itself
    requires: tuple[str, ...] = ()  # tables without which the notebook cannot say anything
    phase: int = 1  # 2: runs after the others of its run and reads their result tables
    tables_path: str | Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Its result tables: ``"package.module"`` holding ``TABLES`` (and ``OPTIONAL``), or the dict itself."""

    @property
    def tables(self) -> dict[str, tuple[str, ...]]:
        """The result tables the notebook writes: ``{name: columns}`` (``Report.save`` refuses others)."""
        if isinstance(self.tables_path, str):
            return dict(importlib.import_module(self.tables_path).TABLES) if self.tables_path else {}
        return dict(self.tables_path)

    @property
    def optional_tables(self) -> frozenset[str]:
        """Declared tables written only when the data calls for them (a suggestion list, a rare case)."""
        if isinstance(self.tables_path, str) and self.tables_path:
            return frozenset(getattr(importlib.import_module(self.tables_path), "OPTIONAL", ()))
        return frozenset()

    @property
    def params(self) -> type[NotebookParams]:
        """The notebook's params model (imported on first use)."""
        if isinstance(self.params_path, str):
            module, _, name = self.params_path.partition(":")
            return getattr(importlib.import_module(module), name)
        return self.params_path

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


NOTEBOOKS: dict[str, NotebookSpec] = {
    s.stem: s
    for s in [
        NotebookSpec("00_data_quality", "Data quality", "数据质量", "workbench.quality.params:DataQualityParams",
                     tables_path="workbench.quality.tables"),
        NotebookSpec("10_customer_segmentation", "Customer segmentation", "客户分群",
                     "workbench.segmentation.params:SegmentationParams", ("orders",),
                     tables_path="workbench.segmentation.tables"),
        NotebookSpec("20_channel_evaluation", "Channel evaluation", "渠道评估与优化",
                     "workbench.channels.params:ChannelParams", ("leads",),
                     tables_path="workbench.channels.tables"),
        NotebookSpec("25_channel_attribution", "Channel attribution", "渠道多触点归因",
                     "workbench.attribution.params:AttributionParams", (),
                     tables_path="workbench.attribution.tables"),
        NotebookSpec("30_kpi_review", "KPI review and sales team", "KPI 复盘与销售团队",
                     "workbench.kpi.params:KpiParams", ("orders",),
                     tables_path="workbench.kpi.tables"),
        NotebookSpec("40_competitor_analysis", "Competitor analysis", "竞品分析",
                     "workbench.competitors.params:CompetitorParams", (),
                     tables_path="workbench.competitors.views"),
        NotebookSpec("50_market_feedback", "Market feedback", "市场反馈",
                     "workbench.feedback.params:FeedbackParams", ("feedback",),
                     tables_path="workbench.feedback.views"),
        NotebookSpec("90_executive_summary", "Executive summary", "管理层摘要",
                     "workbench.summary.params:SummaryParams", (), phase=2,
                     tables_path="workbench.summary.tables"),
    ]
}


def read_result(tables_dir: str | Path, stem: str, table: str):
    """A result table of a run, read by its declaration: ``None`` when the run did not write it.

    Raises ``KeyError`` when ``stem`` does not declare ``table`` (a reader of an undeclared table
    would silently find nothing), and keeps only the declared columns, in their order.
    """
    from workbench.reporting.export import read_csv

    spec = NOTEBOOKS[stem]
    if spec.tables and table not in spec.tables:
        raise KeyError(f"{stem} declares no result table {table!r}; it declares {sorted(spec.tables)}")
    path = Path(tables_dir) / stem / f"{table}.csv"
    if not path.exists():
        return None
    df = read_csv(path)
    cols = list(spec.tables.get(table, ()))
    return df[[c for c in cols if c in df.columns]] if cols else df
