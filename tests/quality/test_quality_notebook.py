"""The data quality notebook executed by papermill on a small generated sample, in English and Chinese."""

import re

import nbformat
import pandas as pd
import papermill as pm
import pytest

from workbench import quality as q
from workbench.data import load_dataset
from workbench.data.schema import TABLES
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.reporting.checks import ALLOWED_TERMS, data_names, english_words, visible_text
from workbench.runner import export_html, headline_of
from workbench.sample import generate_sample

STEM = "00_data_quality"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample_dq")
    generate_sample(folder, seed=3, scale=0.2)
    return folder


def _run(folder, out, lang):
    tables = out / "tables"
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{STEM}.ipynb"), str(out / "out.ipynb"), kernel_name="python3",
                        parameters={"data_dir": str(folder), "lang": lang, "output_dir": str(tables),
                                    "interactive": False},
                        cwd=str(PROJ_ROOT), progress_bar=False)
    return nbformat.read(out / "out.ipynb", as_version=4), tables


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_quality_notebook(small, tmp_path, lang):
    nb, tables = _run(small, tmp_path, lang)
    ds = load_dataset(small, strict=False)
    # the fix list as written is the package's, ranked by impact
    fixes = pd.read_csv(tables / "fix_list.csv", encoding="utf-8-sig")
    ref = q.fix_list(ds, top=10)
    assert fixes["kind"].tolist() == ref["kind"].tolist()
    assert fixes["impact"].is_monotonic_decreasing and fixes["tier"].is_monotonic_increasing
    # every table of the model was supplied: the 'tables not supplied' section is absent
    assert len(pd.read_csv(tables / "missing_tables.csv", encoding="utf-8-sig")) == 0
    page = export_html(nb, lang, "test run")
    assert "tables-not-supplied" not in page and "JupyterLab" not in visible_text(page)
    head = headline_of(nb)
    assert f"{q.quality_summary(ds)['overall_score']:.1f}" in head
    if lang == "zh":
        names = data_names(ds.tables) | set(TABLES) | {c for s in TABLES.values() for c in s.column_names}
        names |= {f.path.name for f in ds.files.values()} | {f.encoding for f in ds.files.values() if f.encoding}
        assert english_words(page, names, allowed=ALLOWED_TERMS | {"test", "run"}) == {}
        assert "优先修复" in head
    else:
        assert re.search(r"\d+ problems found, \d+ stale tables?\.", head)
