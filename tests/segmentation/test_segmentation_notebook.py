"""The segmentation notebook run by papermill on a small generated sample, in English and Chinese."""

import nbformat
import pandas as pd
import papermill as pm
import pytest

from workbench.data import load_dataset
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.reporting.checks import data_names, english_words, visible_text
from workbench.runner import export_html, headline_of
from workbench.sample import generate_sample

STEM = "10_customer_segmentation"


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seg_sample")
    truth = generate_sample(folder, seed=3, scale=0.2)
    return folder, truth


def _run(folder, out, lang):
    tables = out / "tables"
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{STEM}.ipynb"), str(out / "out.ipynb"),
                        parameters={"data_dir": str(folder), "lang": lang, "output_dir": str(tables),
                                    "interactive": False, "n_bootstrap": 4},
                        kernel_name="python3", cwd=str(PROJ_ROOT), progress_bar=False)
    return nbformat.read(out / "out.ipynb", as_version=4), tables



@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_segmentation_notebook(small_sample, tmp_path, lang):
    folder, truth = small_sample
    nb, tables = _run(folder, tmp_path, lang)
    stderr = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert stderr == []  # no warning leaks into the report
    written = {p.stem for p in tables.glob("*.csv")}
    assert {"rfm", "segments", "clv", "clv_params", "clusters", "tier_transitions", "crm_export"} <= written
    rfm = pd.read_csv(tables / "rfm.csv", encoding="utf-8-sig", dtype={"customer_id": str})
    assert list(rfm.columns[:8]) == ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score",
                                     "m_score", "segment"]  # fixed by the data model
    assert rfm["segment"].equals(rfm["rfm_segment"])
    vip = truth["vip_segment"]
    clv = pd.read_csv(tables / "clv.csv", encoding="utf-8-sig")
    top = clv.loc[clv["tier"] == "VIP", "customer_id"]
    assert top.isin(vip["customer_ids"]).mean() >= 0.5  # the planted key accounts lead the top tier
    assert rfm.loc[rfm["customer_id"].isin(vip["customer_ids"]), "rfm_segment"].eq("Champions").mean() >= 0.75
    head = headline_of(nb)
    n = f"{len(rfm):,}"
    page = export_html(nb, lang, "test run")
    if lang == "zh":
        assert head.startswith(f"截至 2026-10-31 共有 {n} 个产生购买的客户") and "最高价值层级（VIP 客户）" in head
        # every word on the Chinese page is Chinese, a name from the data or an allowed term (RFM, CLV ...)
        names = data_names(load_dataset(folder).tables) | {"test", "run"}
        assert english_words(page, names) == {}
        assert "RFM 分群" in visible_text(page) and "冠军客户" in visible_text(page)
    else:
        assert head.startswith(f"{n} customers with purchases as of 2026-10-31. The top value tier (VIP), "
                               f"{len(top):,} customers")
        assert "CLV model on a 180-day holdout" in head
        assert "Net revenue, last 365 days (¥)" in visible_text(page)
    params = pd.read_csv(tables / "clv_params.csv", encoding="utf-8-sig")
    assert set(params["fit"]) == {"calibration", "full"} and (params["value"] > 0).all()
    trans = pd.read_csv(tables / "tier_transitions.csv", encoding="utf-8-sig")
    assert trans["customers"].sum() == len(rfm)
    crm = pd.read_csv(tables / "crm_export.csv", encoding="utf-8-sig")
    assert len(crm) == len(rfm) and crm["recommended_action_en"].notna().all()
    if lang == "zh":
        assert crm["tier_zh"].isin(["VIP 客户", "重点客户", "普通客户", "低价值客户"]).all()
    # the sample is not from a CRM: no CRM import layout, and the page says why instead of inventing ids
    assert not (tables / "crm_import_zoho.csv").exists() and not (tables / "crm_import_fxiaoke.csv").exists()
    said = visible_text(page)
    if lang == "zh":
        assert "这些客户编号不是 Zoho 的记录 ID：该数据集不是从 CRM 导入的" in said
    else:
        assert "these customer ids are not Zoho Record Ids: the dataset was not imported from a CRM" in said
