"""The summary's inputs besides the result tables it cites: which run it reads, what to compare it with."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench import paths
from workbench.reporting import Notes
from workbench.summary import compare


def period_changes(params, ds, ref_date: pd.Timestamp) -> tuple[pd.DataFrame, Notes]:
    """This run against the previous complete run of the same params; without one (said in a
    note), the last complete month against the one before, from the data.

    Returns
    -------
    (changes, notes) : the comparisons (:data:`workbench.summary.compare.COLUMNS`) and the notes
    a reader must see.
    """
    notes = Notes()
    if params.previous_run_dir:
        changes = compare.compare_runs(compare.run_folder(params.run_tables_dir), params.previous_run_dir)
        if len(changes):
            return changes, notes
    else:
        notes.note("No previous complete run of these params: comparing the last complete month with the one "
                   "before, from the data.", "没有相同参数的上次完整运行：改为用数据比较最近一个完整月与前一个月。")
    return compare.month_over_month(ds.tables.get("orders"), ds.tables.get("leads"), ref_date), notes


def channels(ds) -> pd.DataFrame | None:
    """The dataset's channels table (``channel_id``, ``type``): which channels are e-commerce."""
    return ds.tables.get("channels")


@dataclass
class RunSource:
    """Where the summary reads its result tables.

    In a run of the runner, the run's own ``tables/`` (``run_dir`` is ``None``: findings cite
    ``tables/...`` inside the run, links go to the report pages beside the summary). Run
    interactively (JupyterLab, plain papermill), the latest published run's: findings cite
    that run's folder and link to its pages. ``tables_dir`` is ``None`` when there is none,
    and ``notes`` say what to do.
    """

    tables_dir: Path | None
    run_dir: Path | None = None
    notes: Notes = field(default_factory=Notes)

    @property
    def href(self) -> str:
        """Prefix of links to the read run's report pages: ``""`` beside them, else relative to
        ``notebooks/`` (JupyterLab resolves a link in an output against the notebook's folder)."""
        if self.run_dir is None:
            return ""
        return Path(os.path.relpath(self.run_dir, paths.NOTEBOOKS_DIR)).as_posix() + "/"

    def page(self, report: str, lang: str) -> str:
        """The link to ``report``'s page (``20_channel_evaluation.html``) in ``lang``.

        A run names its first language's pages ``<stem>.html`` and the others' ``<stem>.<lang>.html``;
        the page that exists in the run folder is linked (the pages of the other reports are written
        before the summary runs), else ``<stem>.zh.html`` for Chinese, ``<stem>.html`` otherwise.
        """
        stem = Path(str(report)).name.removesuffix(".html")
        folder = self.run_dir or (self.tables_dir.parent if self.tables_dir is not None else None)
        if folder is not None:
            for name in (f"{stem}.{lang}.html", f"{stem}.html"):
                if (folder / name).exists():
                    return self.href + name
        return self.href + (f"{stem}.zh.html" if lang == "zh" else f"{stem}.html")

    def cite(self, findings: pd.DataFrame) -> pd.DataFrame:
        """``findings`` whose ``source`` names a file that exists: the published run's, when read from one."""
        if self.run_dir is None or findings.empty:
            return findings
        try:
            where = self.run_dir.relative_to(paths.PROJ_ROOT).as_posix()
        except ValueError:  # a reports folder outside the project
            where = self.run_dir.as_posix()
        out = findings.copy()
        out["source"] = where + "/" + out["source"].astype(str)
        return out


def run_source(params, reports_dir: str | Path | None = None) -> RunSource:
    """The tables the summary reads: the runner's run, else the latest published run, else none (said).

    Parameters
    ----------
    params : SummaryParams
        ``run_tables_dir`` set (by the runner) wins.
    reports_dir : path, optional
        Where runs are published; default :data:`workbench.paths.REPORTS_DIR`.
    """
    if params.run_tables_dir:
        return RunSource(Path(params.run_tables_dir))
    notes = Notes()
    run = paths.latest_run(reports_dir)
    if run is None:
        where = Path(reports_dir or paths.REPORTS_DIR)
        notes.off("No published run to summarise in {where}: the summary reads the result tables of the other "
                  "reports. Run `make reports` first (or `.venv/bin/workbench run --params params/sample.yaml`), "
                  "then run this notebook again.",
                  "{where} 中没有已发布的运行可供汇总：管理层摘要读取其他报告的结果表。请先运行 `make reports`"
                  "（或 `.venv/bin/workbench run --params params/sample.yaml`），再重新运行本笔记本。",
                  where=str(where))
        return RunSource(None, None, notes)
    notes.note("Run interactively: the findings are those of the latest published run, {run} ({where}); "
               "they and their links cite that run's files. `make reports` publishes a new one.",
               "交互运行：以下发现取自最近一次已发布的运行 {run}（{where}），引用和链接均指向该运行的文件。"
               "运行 `make reports` 可发布新的运行。", run=run.name, where=str(run))
    return RunSource(run / "tables", run, notes)
