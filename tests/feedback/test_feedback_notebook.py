"""The market feedback notebook end to end (papermill, en and zh): headline, result tables, planted effects."""

import json

import nbformat
import pandas as pd
import papermill as pm
import pytest

from workbench.data import load_dataset
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.reporting.checks import data_names, english_words
from workbench.runner import export_html
from workbench.sample import generate_sample

STEM = "50_market_feedback"
TABLES = {"nps", "csat", "period_changes", "drivers", "comment_themes", "verbatims", "follow_ups"}


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample50")
    generate_sample(folder, seed=3, scale=0.2)
    return folder


@pytest.fixture(scope="module")
def runs(small_sample, tmp_path_factory):
    """The notebook run once in each language: ``{lang: (outputs, tables folder)}``."""
    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"run50_{lang}")
        tables = folder / "tables"
        pm.execute_notebook(str(NOTEBOOKS_DIR / f"{STEM}.ipynb"), str(folder / "out.ipynb"), kernel_name="python3",
                            cwd=str(PROJ_ROOT), progress_bar=False,
                            parameters={"data_dir": str(small_sample), "lang": lang, "output_dir": str(tables),
                                        "interactive": False})
        nb = nbformat.read(folder / "out.ipynb", as_version=4)
        out[lang] = ([o for c in nb.cells for o in c.get("outputs", [])], tables, nb)
    return out


@pytest.mark.slow
def test_chinese_page_has_no_english_words(small_sample, runs):
    page = export_html(runs["zh"][2], "zh", "样本")
    names = data_names(load_dataset(small_sample, strict=False).tables)
    assert english_words(page, names) == {}
    assert "平均推荐意愿分" in page and "价值层级" in page and "客户分群" not in page


@pytest.mark.slow
def test_result_tables_identical_in_en_and_zh(runs):
    en, zh = runs["en"][1], runs["zh"][1]
    names = sorted(p.name for p in en.glob("*.csv"))
    assert names == sorted(p.name for p in zh.glob("*.csv")) and len(names) >= len(TABLES)
    for name in names:
        assert (en / name).read_bytes() == (zh / name).read_bytes(), name


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_feedback_notebook(small_sample, runs, lang):
    outputs, tables, _ = runs[lang]
    assert [o for o in outputs if o.get("name") == "stderr"] == []
    head = next(o["metadata"]["workbench"]["headline"] for o in outputs
                if o.get("metadata", {}).get("workbench", {}).get("headline"))
    # the headline's overall NPS equals an independent computation on the loaded data
    fb = load_dataset(small_sample, strict=False)["feedback"]
    s = fb["nps"].dropna()
    expect = 100 * ((s >= 9).mean() - (s <= 6).mean())
    assert f"NPS {expect:.1f}" in head and f"n = {len(s):,}" in head
    truth = json.loads((small_sample / "truth.json").read_text(encoding="utf-8"))["low_nps_channel"]
    assert f"{truth['channel_id']} {truth['channel_name']}" in head
    assert {p.stem for p in tables.glob("*.csv")} >= TABLES
    t = pd.read_csv(tables / "nps.csv", encoding="utf-8-sig")
    assert set(t["dimension"]) == {"overall", "channel", "tier", "region", "period"}  # canonical in any language
    ch = t.loc[t["dimension"].eq("channel")].set_index("group")
    assert ch.loc[f"{truth['channel_id']} {truth['channel_name']}", "mean_score_0_10"] == pytest.approx(
        truth["observed_mean_nps"][truth["channel_id"]], abs=1e-4)  # CSVs keep 4 decimals
    themes = pd.read_csv(tables / "comment_themes.csv", encoding="utf-8-sig")
    assert set(themes["theme"]) == {"delivery", "price", "after_sales", "quality", "installation", "service"}
    assert (themes["mentions"] > 0).all()
    f = pd.read_csv(tables / "follow_ups.csv", encoding="utf-8-sig")
    assert len(f) > 0 and (f["nps"].le(6) | f["csat"].le(2)).all()
    d = pd.read_csv(tables / "drivers.csv", encoding="utf-8-sig")
    assert d.loc[d["level"].eq("CH07 电话销售") & d["outcome"].eq("nps"), "ci_high"].iloc[0] < 0
    html = " ".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert ("What detractors and promoters talk about" in html) if lang == "en" else ("贬损者与推荐者在谈论什么" in html)

