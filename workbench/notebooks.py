"""The registry of analysis notebooks: parameters schema, tables needed, titles.

The runner runs the notebooks registered here that exist under ``notebooks/``;
a notebook whose required tables are absent from the dataset is skipped with a
visible note in the index.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.params import DataQualityParams, NotebookParams


@dataclass(frozen=True)
class NotebookSpec:
    """What the runner needs to know about one notebook."""

    stem: str
    title_en: str
    title_zh: str
    params: type[NotebookParams]
    requires: tuple[str, ...] = ()  # tables without which the notebook cannot say anything

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


NOTEBOOKS: dict[str, NotebookSpec] = {
    s.stem: s
    for s in [
        NotebookSpec("00_data_quality", "Data quality", "数据质量", DataQualityParams, ()),
    ]
}
