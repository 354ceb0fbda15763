"""The KPI notebook: papermill smoke test in en and zh on a small generated sample, and the section
functions on datasets without targets or leads (notes, never a traceback)."""

import shutil

import nbformat
import pandas as pd
import papermill as pm
import pytest

import workbench.kpi as kpi
from workbench.data import load_dataset
from workbench.paths import NOTEBOOKS_DIR, PROJ_ROOT
from workbench.report import Report
from workbench.reporting.checks import data_names, english_words
from workbench.runner import export_html, headline_of
from workbench.sample import generate_sample

TABLES = {"attainment", "attainment_summary", "gap_split", "forecast", "forecast_backtest", "calibration",
          "control_signals",
          "rep_scorecard", "leaderboard", "training_needs", "incentives", "incentive_what_if"}


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kpi_sample")
    generate_sample(folder, seed=3, scale=0.3)
    return folder



@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_kpi_notebook(small_sample, tmp_path, lang):
    tables = tmp_path / "tables"
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOKS_DIR / "30_kpi_review.ipynb"), str(out), kernel_name="python3",
                        cwd=str(PROJ_ROOT), progress_bar=False,
                        parameters={"data_dir": str(small_sample), "lang": lang, "output_dir": str(tables),
                                    "interactive": False, "draws": 1000, "max_model_keys": 20})
    nb = nbformat.read(out, as_version=4)
    assert [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"] == []
    head = headline_of(nb)
    # the worst region, and the forecast of the next open plan year (the sample's targets end at as_of)
    assert "西南" in head and "2026-11..2027-10" in head
    assert ("no revenue target is set" in head) if lang == "en" else ("尚未设定收入目标" in head)
    assert {p.stem for p in tables.glob("*.csv")} == TABLES
    att = pd.read_csv(tables / "attainment.csv", encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    assert list(att.columns[:7]) == ["period", "level", "key", "kpi", "actual", "target", "attainment"]
    s = pd.read_csv(tables / "attainment_summary.csv", encoding="utf-8-sig")
    reg = s.loc[(s["kpi"] == "revenue") & (s["level"] == "region")].set_index("key")
    assert reg.loc["西南", "light"] == "red" and reg["attainment"].idxmin() == "西南"
    fc = pd.read_csv(tables / "forecast.csv", encoding="utf-8-sig")
    assert (fc["period"] == "2026-11..2027-10").all() and fc["p_hit"].isna().all()
    assert set(fc["level"]) == {"company", "channel", "region"}  # no targets: teams and reps are not forecast
    bt = pd.read_csv(tables / "forecast_backtest.csv", encoding="utf-8-sig")
    br = bt.loc[bt["level"] == "region"].set_index("key")
    assert (bt["period"] == "2025-11..2026-10").all() and (bt["cutoff"] == "2026-07-31").all()
    assert br.loc["西南", "p_hit"] < 0.05 and br["p_hit"].idxmin() == "西南"
    assert set(bt["level"]) == {"company", "channel", "region", "team", "rep"}
    sig = pd.read_csv(tables / "control_signals.csv", encoding="utf-8-sig")
    assert len(sig) and set(sig["direction"]) <= {"up", "down"} and "signal" not in sig
    text = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert ("不是噪声" in text) if lang == "zh" else ("not noise" in text)
    sc = pd.read_csv(tables / "rep_scorecard.csv", encoding="utf-8-sig")
    assert len(sc) == 60 and {"win_rate_low", "win_rate_high", "rank_low", "rank_high"} <= set(sc.columns)
    inc = pd.read_csv(tables / "incentives.csv", encoding="utf-8-sig")
    assert inc["total_pay"].to_numpy() == pytest.approx((inc["commission"] + inc["team_bonus"]).to_numpy(), abs=0.01)
    if lang == "zh":  # every word a reader sees is Chinese, a name from the data or an allowed term
        page = export_html(nb, "zh", "2026")
        names = data_names(dict(load_dataset(small_sample, strict=False).tables))
        assert english_words(page, names) == {}


def _run_sections(ds, params, tmp_path):
    """Every notebook cell's function, in order, outside a kernel."""
    rpt = Report(params, labels=kpi.LABELS)
    kd = kpi.prepare(ds, params)
    att = kpi.attainment_table(kd, params)
    summary = kpi.attainment_summary(att, kd, params)
    fc = kpi.forecast_table(kd, params)
    h = kpi.headline(kd, summary, fc, params)
    kpi.show_attainment(rpt, att, summary, kd, params)
    kpi.show_gap(rpt, kpi.gap_table(kd, att, params), kd, params)
    kpi.show_forecast(rpt, fc, kd, params)
    kpi.show_backtest(rpt, kpi.backtest_table(kd, params), kd, params)
    scores, rel = kpi.calibration(kd, params)
    kpi.show_calibration(rpt, scores, rel, kpi.stage_rates(kd, params))
    charts, signals = kpi.control_charts(kd, params)
    kpi.show_control(rpt, charts, signals, kd, params)
    sc = kpi.rep_scorecard(kd, att, params)
    kpi.show_scorecard(rpt, sc, kd, params)
    kpi.show_training(rpt, kpi.training_needs(kd, params), kd, params)
    kpi.show_incentives(rpt, kpi.incentive_pay(kd, params), kpi.what_if(kd, params), kd, params)
    kpi.show_definitions(rpt, kd)
    kpi.show_notes(rpt, kd, title=True)
    return kd, att, fc, h, sc


def test_sections_without_targets_and_without_leads(small_sample, tmp_path):
    data = tmp_path / "d"
    shutil.copytree(small_sample, data)
    (data / "targets.csv").unlink()
    for t in ("leads", "stage_history", "stages"):
        (data / f"{t}.csv").unlink()
    ds = load_dataset(data, strict=False)
    params = kpi.KpiParams(data_dir=str(data), draws=200, forecast_levels=["company", "region"])
    kd, att, fc, h, sc = _run_sections(ds, params, tmp_path)
    assert att.empty and "no revenue targets" in h["en"]
    assert fc["p_hit"].isna().all() and len(fc) == 8  # company + 7 regions, forecast without P(hit)
    assert "conversion_rate" not in kd.kpis
    assert any("needs the leads table" in n.en.format(**n.values) for n in kd.notes)
    assert sc["win_rate"].isna().all() and len(sc) == 60


def test_sections_with_bad_targets(small_sample, tmp_path):
    """Quarter targets for a monthly review, a key without data, a period without actuals."""
    data = tmp_path / "d"
    shutil.copytree(small_sample, data)
    t = pd.read_csv(data / "targets.csv", dtype=str, keep_default_na=False)
    t = t.loc[~((t["kpi"] == "revenue") & (t["level"] == "region"))]
    extra = pd.DataFrame({"period": ["2026-Q1", "2026-Q2", "2026-Q1", "2027-Q1"], "kpi": "revenue",
                          "level": "region", "key": ["西南", "西南", "西藏", "华东"], "target": ["2e6", "2e6", "1e5", "1e6"]})
    pd.concat([t, extra]).to_csv(data / "targets.csv", index=False)
    ds = load_dataset(data, strict=False)
    params = kpi.KpiParams(data_dir=str(data), draws=200, forecast_levels=["region"])
    kd, att, fc, h, sc = _run_sections(ds, params, tmp_path)
    reg = att.loc[(att["level"] == "region") & (att["kpi"] == "revenue")].set_index(["period", "key"])
    assert reg.loc[("2026-01", "西南"), "target"] == pytest.approx(2e6 * 31 / 90)
    assert reg.loc[("2026-01", "西藏"), "status"] == "no_data_key"
    assert (reg.xs("华东", level="key")["status"] == "no_actuals").all()
    text = " ".join(n.en.format(**n.values) for n in kd.notes)
    assert "spread over months" in text and "no data at all" in text and "outside the data" in text
