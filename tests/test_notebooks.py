"""Every notebook: stored clean, thin, and executed by papermill on small data with real assertions."""

import json
import re

import nbformat
import pandas as pd
import papermill as pm
import pytest

from workbench import quality
from workbench.data import load_dataset
from workbench.notebooks import NOTEBOOKS
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.runner import headline_of
from workbench.sample import generate_sample

NOTEBOOK_FILES = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_every_notebook_is_registered():
    assert {p.stem for p in NOTEBOOK_FILES} <= set(NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_stored_clean_and_thin(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "strip outputs"
    assert not any(re.search(r"^\s*(def|class)\s", "".join(c["source"]), re.M) for c in code), \
        "functions and classes belong in workbench/"
    tags = [t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])]
    assert tags.count("parameters") == 1
    md = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    en = sum("lang-en" in c["metadata"].get("tags", []) for c in md)
    zh = sum("lang-zh" in c["metadata"].get("tags", []) for c in md)
    assert en == zh > 0, "every markdown cell needs its English and Chinese twin"
    # the runner's own parameters are kept apart from the analyst's, under a marker line
    params = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    lines = "".join(params["source"]).split("\n")
    marker = next(i for i, line in enumerate(lines) if line.startswith("# --- set by the runner"))
    internal = {"output_dir", "interactive", "dataset_cache", "run_tables_dir", "previous_run_dir"}
    names = [line.split("=")[0].strip() for line in lines if "=" in line and not line.startswith("#")]
    positions = {n: i for i, n in enumerate(line.split("=")[0].strip() for line in lines)}
    assert all(positions[n] > marker for n in names if n in internal)
    assert all(positions[n] < marker for n in names if n not in internal)


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    generate_sample(folder, seed=3, scale=0.2)
    return folder


def _execute(stem, tmp_path, **params):
    out = tmp_path / f"{stem}.out.ipynb"
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{stem}.ipynb"), str(out), parameters=params,
                        kernel_name="python3", cwd=str(PROJ_ROOT), progress_bar=False)
    return nbformat.read(out, as_version=4)



def _stderr(nb):
    return [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_data_quality_notebook(small_sample, tmp_path, lang):
    tables = tmp_path / "tables"
    nb = _execute("00_data_quality", tmp_path, data_dir=str(small_sample), lang=lang,
                  output_dir=str(tables), interactive=False)
    assert _stderr(nb) == []  # nothing leaks into the report
    ds = load_dataset(small_sample, strict=False)
    summary = quality.quality_summary(ds)
    head = headline_of(nb)
    assert f"{summary['total_rows']:,}" in head and f"{summary['overall_score']:.1f}" in head
    assert f"{summary['problems']}" in head
    written = {p.stem for p in tables.glob("*.csv")}
    assert written == {"fix_list", "table_overview", "column_completeness", "invalid_values", "duplicates",
                       "orphans", "freshness", "missing_tables", "row_audit", "row_audit_reasons"}
    # every row accounted for: rows read = rows used + dropped, per table, as the loader counted them
    audit = pd.read_csv(tables / "row_audit.csv", encoding="utf-8-sig").set_index("table")
    assert (audit["rows_read"] == audit["rows_used"] + audit["rows_dropped"]).all()
    assert {t: int(n) for t, n in audit["rows_used"].items()} == {t: len(df) for t, df in ds.tables.items()}
    ov = pd.read_csv(tables / "table_overview.csv", encoding="utf-8-sig")
    loaded = ov.loc[ov["status"] == "loaded"].set_index("table")["rows"]
    assert {t: int(n) for t, n in loaded.items()} == {t: len(df) for t, df in ds.tables.items()}
    fixes = pd.read_csv(tables / "fix_list.csv", encoding="utf-8-sig")
    assert fixes["rank"].tolist() == list(range(1, len(fixes) + 1)) and fixes["tier"].is_monotonic_increasing
    # the planted stale inventory table is found
    fresh = pd.read_csv(tables / "freshness.csv", encoding="utf-8-sig").set_index("table")
    assert bool(fresh.loc["inventory", "stale"]) and not bool(fresh.loc["orders", "stale"])


@pytest.mark.slow
def test_data_quality_notebook_masks_pii(small_sample, tmp_path):
    tables = tmp_path / "tables"
    _execute("00_data_quality", tmp_path, data_dir=str(small_sample), mask_pii=True,
             output_dir=str(tables), interactive=False)
    dups = pd.read_csv(tables / "duplicates.csv", encoding="utf-8-sig")
    names = " ".join(dups["names"].dropna().astype(str)) if "names" in dups else ""
    raw = load_dataset(small_sample, strict=False)["customers"]["name"].dropna()
    assert not any(n in names for n in raw.head(200))  # no real customer name survives masking
