"""The channel notebook executed by papermill on a small generated sample, in English and Chinese."""

import json

import nbformat
import pandas as pd
import papermill as pm
import pytest

from workbench.channels import ChannelParams, analyse_funnel, prepare_leads
from workbench.data import load_dataset
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.reporting.checks import data_names, english_words
from workbench.runner import headline_of
from workbench.sample import generate_sample

STEM = "20_channel_evaluation"
RESULT_TABLES = {"channel_conversion", "channel_economics", "stage_conversion", "diagnosis", "budget_recommendation",
                 "channel_verdict", "channel_returns", "budget_plan"}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample_ch")
    generate_sample(folder, seed=3, scale=0.3)  # ~3,000 leads: the planted effects still show
    return folder


def _run(folder, out, lang):
    tables = out / "tables"
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{STEM}.ipynb"), str(out / "out.ipynb"), kernel_name="python3",
                        parameters={"data_dir": str(folder), "lang": lang, "output_dir": str(tables),
                                    "interactive": False, "n_draws": 100},
                        cwd=str(PROJ_ROOT), progress_bar=False)
    return nbformat.read(out / "out.ipynb", as_version=4), tables



@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_channel_notebook(small, tmp_path, lang):
    nb, tables = _run(small, tmp_path, lang)
    stderr = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert stderr == []
    head = headline_of(nb)
    assert "CH02 经销商" in head and "方案报价" in head
    assert ("leaks at" in head and "/month" in head) if lang == "en" else ("流失" in head and "/月" in head)
    written = {p.stem for p in tables.glob("*.csv")}
    assert RESULT_TABLES <= written
    # the headline and the verdict table say the same thing
    verdict = pd.read_csv(tables / "channel_verdict.csv", encoding="utf-8-sig")
    assert verdict["channel_id"].iloc[0] == "CH02" and verdict["verdict"].iloc[0] == "fix_stage"
    assert {"channel_id", "leads", "conversion_rate", "conversion_rank", "roi", "roi_rank", "won_revenue_month",
            "budget_change", "leaking_stage", "stage_gap_value_month", "stage_gap_value_low", "stage_gap_value_high",
            "verdict", "criterion"} <= set(verdict.columns)
    conv = pd.read_csv(tables / "channel_conversion.csv", encoding="utf-8-sig")
    assert list(conv.columns[:1]) == ["channel_id"]
    assert {"channel_id", "leads", "won", "conversion_rate", "ci_low", "ci_high"} <= set(conv.columns)
    # the same figures as the package computes in-process on the same data
    ds = load_dataset(small, strict=False)
    ld = prepare_leads(ds.tables, ChannelParams())
    ref = analyse_funnel(ds.tables, ld, ChannelParams()).conversion.set_index("channel_id")
    got = conv.set_index("channel_id")
    assert got["leads"].to_dict() == ref["leads"].to_dict() and got["won"].to_dict() == ref["won"].to_dict()
    assert (got["ci_low"] <= got["conversion_rate"]).all() and (got["conversion_rate"] <= got["ci_high"]).all()
    diag = pd.read_csv(tables / "diagnosis.csv", encoding="utf-8-sig")
    failing = diag.loc[diag["failing"].astype(bool) & (diag["channel_id"] == "CH02"), "from_stage"].tolist()
    assert failing == ["方案报价", "商务谈判"]
    plan = pd.read_csv(tables / "budget_recommendation.csv", encoding="utf-8-sig")
    assert plan["recommended_spend"].sum() <= plan["current_spend"].sum() * (1 + 1e-9)
    stages = pd.read_csv(tables / "stage_conversion.csv", encoding="utf-8-sig")
    assert set(stages["channel_id"]) == {"(all)", "CH01", "CH02", "CH06", "CH07"}
    econ = pd.read_csv(tables / "channel_economics.csv", encoding="utf-8-sig")
    assert {"revenue", "gross_margin", "orders", "aov", "new_customers", "spend", "cac", "roi", "roas"} <= set(econ)
    # the stale inventory is said to be stale
    html = json.dumps([o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])],
                      ensure_ascii=False)
    assert ("Inventory is stale" in html) if lang == "en" else ("库存数据已过期" in html)
    assert "Weakest" not in html and "最弱渠道" not in html
    if lang == "zh":  # every word a Chinese reader sees is Chinese, except names from the data and allowed terms
        page = "\n".join([o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])]
                         + [c.source for c in nb.cells if "lang-zh" in c.metadata.get("tags", [])])
        assert english_words(page, data_names(ds.tables)) == {}
