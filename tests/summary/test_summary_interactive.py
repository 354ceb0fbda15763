"""The executive summary run interactively (JupyterLab, plain papermill): it reads the latest published
run's tables by itself, cites files that exist, or says exactly what it needs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from workbench import paths
from workbench.runner import headline_of
from workbench.summary.findings import collect
from workbench.summary.params import SummaryParams
from workbench.summary.prepare import run_source

RUN = "20260401-080000-sample"


@pytest.fixture
def reports(tmp_path):
    """A reports folder holding one published run (channel_conversion only) and ``latest`` pointing at it."""
    root = tmp_path / "reports"
    t = root / RUN / "tables" / "20_channel_evaluation"
    t.mkdir(parents=True)
    pd.DataFrame({"channel_id": ["CH01", "CH02"], "leads": [400, 900], "won": [180, 90],
                  "conversion_rate": [0.45, 0.10], "ci_low": [0.40, 0.08], "ci_high": [0.50, 0.12]}).to_csv(
        t / "channel_conversion.csv", index=False, encoding="utf-8-sig")
    (root / RUN / "20_channel_evaluation.html").write_text("<html></html>", encoding="utf-8")
    (root / paths.LATEST).symlink_to(RUN)
    return root


def test_runner_run_reads_its_own_tables(tmp_path):
    src = run_source(SummaryParams(run_tables_dir=str(tmp_path / "tables")), reports_dir=tmp_path / "none")
    assert src.tables_dir == tmp_path / "tables" and src.run_dir is None and src.notes.notes == []
    assert src.href == ""
    findings = pd.DataFrame({"source": ["tables/20_channel_evaluation/channel_conversion.csv"]})
    assert src.cite(findings) is findings  # a published run's findings cite tables/... inside that run


def test_interactive_run_reads_the_latest_published_run(reports):
    src = run_source(SummaryParams(), reports_dir=reports)
    assert src.run_dir == (reports / RUN).resolve() and src.tables_dir == src.run_dir / "tables"
    assert src.notes.ok and RUN in src.notes.notes[0].text("en") and RUN in src.notes.notes[0].text("zh")
    findings, _ = collect(src.tables_dir)
    cited = src.cite(findings)
    assert len(cited) == 1 and Path(cited["source"].iloc[0]).exists()  # absolute: the reports folder is outside
    assert (paths.NOTEBOOKS_DIR / src.href / "20_channel_evaluation.html").resolve().exists()


def test_latest_without_tables_or_missing_is_no_run(tmp_path):
    assert paths.latest_run(tmp_path) is None
    (tmp_path / "r1").mkdir()
    (tmp_path / paths.LATEST).symlink_to("r1")
    assert paths.latest_run(tmp_path) is None  # a run without result tables (a fan-out run) is not read
    src = run_source(SummaryParams(), reports_dir=tmp_path)
    assert src.tables_dir is None and not src.notes.ok
    assert "Run `make reports` first" in src.notes.notes[0].text("en")
    assert "请先运行 `make reports`" in src.notes.notes[0].text("zh")


def _papermill(tmp_path, reports_dir: Path, *args) -> nbformat.NotebookNode:
    """The summary as JupyterLab runs it: default parameters, working directory notebooks/."""
    out = tmp_path / "out.ipynb"
    env = {**os.environ, "WORKBENCH_REPORTS_DIR": str(reports_dir)}
    res = subprocess.run([str(Path(sys.executable).parent / "papermill"), str(paths.NOTEBOOKS_DIR /
                          "90_executive_summary.ipynb"), str(out), "-k", "python3", "--cwd",
                          str(paths.NOTEBOOKS_DIR), *args], env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return nbformat.read(out, as_version=4)


def _html(nb) -> str:
    return "\n".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_summary_notebook_with_default_params_reads_the_published_run(tmp_path, reports):
    nb = _papermill(tmp_path, reports)
    assert "1 findings from 1 reports" in headline_of(nb)
    shown = _html(nb)
    assert f"latest published run, {RUN}" in shown
    (link,) = re.findall(r'<a href="([^"]+)" title="([^"]+)"', shown)
    href, cite = link
    assert (paths.NOTEBOOKS_DIR / href).resolve() == (reports / RUN / "20_channel_evaluation.html").resolve()
    assert Path(cite).exists() and cite.endswith(f"{RUN}/tables/20_channel_evaluation/channel_conversion.csv")


@pytest.mark.slow
def test_summary_notebook_without_a_published_run_says_what_it_needs(tmp_path):
    (tmp_path / "empty").mkdir()
    nb = _papermill(tmp_path, tmp_path / "empty", "-p", "lang", "zh")
    head = headline_of(nb)
    assert "请先运行 `make reports`" in head and "0 项发现" not in head


@pytest.mark.parametrize("primary", ["en", "zh"])
def test_links_go_to_the_page_of_the_readers_language(tmp_path, primary):
    """A run names its first language's pages <stem>.html and the other's <stem>.<lang>.html: a Chinese-first
    run (params/sample_zh.yaml) has no <stem>.zh.html, so a fixed '.zh.html' link would be dead."""
    run = tmp_path / "run"
    (run / "tables").mkdir(parents=True)
    other = "zh" if primary == "en" else "en"
    for name in ("20_channel_evaluation.html", f"20_channel_evaluation.{other}.html"):
        (run / name).write_text("<html></html>", encoding="utf-8")
    src = run_source(SummaryParams(run_tables_dir=str(run / "tables")))
    assert src.page("20_channel_evaluation.html", primary) == "20_channel_evaluation.html"
    assert src.page("20_channel_evaluation.html", other) == f"20_channel_evaluation.{other}.html"
    # a page not (yet) written: the usual names
    assert src.page("30_kpi_review.html", "zh") == "30_kpi_review.zh.html"
    assert src.page("30_kpi_review.html", "en") == "30_kpi_review.html"
