"""What a run returns: the outcome of each notebook and of the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.data.loader import Dataset


@dataclass
class NotebookResult:
    """The outcome of one notebook in a run."""

    stem: str
    title: str
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    headline: str | None = None
    html: str | None = None
    tables: list[str] = field(default_factory=list)
    reason: str | None = None  # why skipped
    error: dict | None = None  # cell, ename, evalue, traceback
    timings: dict = field(default_factory=dict)  # execute / export seconds
    translations: dict = field(default_factory=dict)  # lang -> html page of the same report
    headlines: dict = field(default_factory=dict)  # lang -> headline of that language's page
    pages: dict = field(default_factory=dict)  # lang -> page (the primary one and the translations)
    keys: dict = field(default_factory=dict)  # lang -> reuse key (workbench.reuse)
    reused_from: str | None = None  # the run whose identical result this one links


@dataclass
class RunResult:
    """The outcome of a run: where it was published and what happened to each notebook."""

    run_id: str
    status: str
    path: Path
    notebooks: list[NotebookResult]
    seconds: float
    phases: dict = field(default_factory=dict)  # seconds: plan, validate_load, cache, notebooks, publish

    @property
    def index(self) -> Path:
        return self.path / "index.html"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class Patch:
    """One slice of a run: the whole dataset, or one fan-out value."""

    value: str | None
    folder: Path
    ds: Dataset | None
    results: dict = field(default_factory=dict)

    @property
    def rel(self) -> str:
        return "" if self.value is None else f"{self.folder.parent.name}/{self.folder.name}/"
