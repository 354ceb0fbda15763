"""The competitor notebook end to end (papermill): headline, result tables, planted effects, sections off."""

import json
import shutil

import nbformat
import pandas as pd
import papermill as pm
import pytest

from workbench.data import load_dataset
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.reporting.checks import data_names, english_words
from workbench.runner import export_html
from workbench.sample import generate_sample

STEM = "40_competitor_analysis"
TABLES = {"competitor_names", "undercuts", "price_gaps", "price_index", "market_share", "share_trend",
          "competitor_winloss", "lost_reasons", "winloss_model", "feature_summary", "feature_comparison", "swot"}


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample40")
    generate_sample(folder, seed=3, scale=0.2)
    return folder


def _run(tmp_path, **params):
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{STEM}.ipynb"), str(out), parameters={"interactive": False, **params},
                        kernel_name="python3", cwd=str(PROJ_ROOT), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    head = next((o["metadata"]["workbench"]["headline"] for o in outputs
                 if o.get("metadata", {}).get("workbench", {}).get("headline")), None)
    stderr = [o.get("text", "") for o in outputs if o.get("name") == "stderr"]
    html = " ".join(o.get("data", {}).get("text/html", "") for o in outputs)
    return head, stderr, html, nb


@pytest.fixture(scope="module")
def runs(small_sample, tmp_path_factory):
    """The notebook run once in each language: ``{lang: (headline, stderr, html, tables folder)}``."""
    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"run40_{lang}")
        out[lang] = (*_run(folder, data_dir=str(small_sample), lang=lang, output_dir=str(folder / "tables")),
                     folder / "tables")
    return out


@pytest.mark.slow
def test_result_tables_identical_in_en_and_zh(runs):
    en, zh = runs["en"][4], runs["zh"][4]
    names = sorted(p.name for p in en.glob("*.csv"))
    assert names == sorted(p.name for p in zh.glob("*.csv")) and len(names) == len(TABLES)
    for name in names:
        assert (en / name).read_bytes() == (zh / name).read_bytes(), name


@pytest.mark.slow
def test_chinese_page_has_no_english_words(small_sample, runs):
    page = export_html(runs["zh"][3], "zh", "样本")
    names = data_names(load_dataset(small_sample, strict=False).tables)
    assert english_words(page, names) == {}
    assert "质量" in page and "竞争对手" in page


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_competitor_notebook(small_sample, runs, lang):
    head, stderr, html, _, tables = runs[lang]
    assert stderr == []
    truth = json.loads((small_sample / "truth.json").read_text(encoding="utf-8"))["undercut"]
    assert truth["competitor"] in head and truth["start_date"] in head and truth["category"] in head
    assert ("market share" in head) if lang == "en" else ("市场份额" in head)
    assert {p.stem for p in tables.glob("*.csv")} == TABLES
    u = pd.read_csv(tables / "undercuts.csv", encoding="utf-8-sig")
    new = u.loc[u["status"].eq("new")].iloc[0]
    assert (new["competitor"], new["category"], new["since"]) == (truth["competitor"], truth["category"],
                                                                 truth["start_date"])
    wl = pd.read_csv(tables / "competitor_winloss.csv", encoding="utf-8-sig")
    assert "优居" not in set(wl["competitor"]) and "Youju Tech" not in set(wl["competitor"])
    sw = pd.read_csv(tables / "swot.csv", encoding="utf-8-sig")
    assert {"strength", "weakness", "threat"} <= set(sw["quadrant"])
    assert ("Feature comparison" in html) if lang == "en" else ("功能维度对比" in html)


@pytest.mark.slow
def test_competitor_notebook_with_only_orders_and_feedback(small_sample, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for f in ("orders.csv", "feedback.csv", "customers.csv", "channels.csv", "dataset.yaml"):
        shutil.copy(small_sample / f, folder / f)
    tables = tmp_path / "tables"
    head, stderr, html, _ = _run(tmp_path, data_dir=str(folder), output_dir=str(tables))
    assert stderr == [] and head == "No competitor data to analyse."
    for table in ("competitor_prices", "market_share", "competitor_features", "leads"):
        assert f"no {table} table" in html
    assert not list(tables.glob("*.csv"))
