"""The executive summary notebook end to end (papermill, en and zh): headline figures equal the tables cited."""

import nbformat
import pandas as pd
import papermill as pm
import pytest

from workbench.data import load_dataset
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.reporting.checks import data_names, english_words
from workbench.runner import export_html, headline_of
from workbench.sample import generate_sample
from workbench.summary.findings import collect


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    generate_sample(root / "data", seed=3, scale=0.2)
    t = root / "tables" / "20_channel_evaluation"
    t.mkdir(parents=True)
    pd.DataFrame({"channel_id": ["CH01", "CH02"], "leads": [400, 900], "won": [180, 90],
                  "conversion_rate": [0.45, 0.10], "ci_low": [0.40, 0.08], "ci_high": [0.50, 0.12]}).to_csv(
        t / "channel_conversion.csv", index=False, encoding="utf-8-sig")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary_notebook(run_folder, tmp_path, lang):
    out, tables = tmp_path / "out.ipynb", tmp_path / "tables"
    pm.execute_notebook(str(NOTEBOOKS_DIR / "90_executive_summary.ipynb"), str(out), kernel_name="python3",
                        parameters={"data_dir": str(run_folder / "data"), "lang": lang, "output_dir": str(tables),
                                    "interactive": False, "run_tables_dir": str(run_folder / "tables")},
                        cwd=str(PROJ_ROOT), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    assert [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"] == []
    findings, _ = collect(run_folder / "tables")
    saved = pd.read_csv(tables / "findings.csv", encoding="utf-8-sig")
    assert saved["value"].tolist() == findings["value"].tolist() == [0.10] and saved["kind"].tolist() == ["share"]
    shown = "\n".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "10.0%" in shown and ">0.1<" not in shown  # the share shows as a percentage, not a raw 0.1
    if lang == "zh":  # every word a Chinese reader sees is Chinese, except names from the data and allowed terms
        page = export_html(nb, "zh", "run", title="管理层摘要")
        assert english_words(page, data_names(load_dataset(run_folder / "data").tables)) == {"run": 1}
    head = headline_of(nb)
    assert ("1 findings from 1 reports" in head) if lang == "en" else ("来自 1 份报告的 1 项发现" in head)
    effects = pd.read_csv(tables / "action_effects.csv", encoding="utf-8-sig").set_index("action_id")
    assert effects.loc["A007", "method"] == "did_rates" and effects.loc["A007", "effect"] > 0
    assert {"period_changes", "recommended_actions"} <= {p.stem for p in tables.glob("*.csv")}
