"""Executive summary: findings equal the result tables they cite; actions from the data."""

import pandas as pd
import pytest
from conftest import write

from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR
from workbench.summary.actions import evaluate_actions
from workbench.summary.findings import collect


def _table(root, stem, name, df):
    d = root / stem
    d.mkdir(parents=True, exist_ok=True)
    df.to_csv(d / f"{name}.csv", index=False, encoding="utf-8-sig")


def test_findings_cite_their_tables(tmp_path):
    _table(tmp_path, "20_channel_evaluation", "channel_conversion", pd.DataFrame({
        "channel_id": ["CH01", "CH02", "CH09"], "leads": [400, 900, 5], "won": [180, 90, 5],
        "conversion_rate": [0.45, 0.10, 1.0], "ci_low": [0.40, 0.08, 0.57], "ci_high": [0.50, 0.12, 1.0]}))
    _table(tmp_path, "30_kpi_review", "attainment", pd.DataFrame({
        "period": ["2026-10", "2026-10"], "level": ["region", "region"], "key": ["西南", "华东"], "kpi": "revenue",
        "actual": [77.0, 105.0], "target": [100.0, 100.0], "attainment": [0.77, 1.05]}))
    findings, actions = collect(tmp_path, "CNY")
    ch = findings.loc[findings["area"] == "channels"].iloc[0]
    assert ch["figure"] == 0.10 and ch["n"] == 900  # CH09 (5 leads) is too small to be called best
    assert "45.0%" in ch["finding_en"] and "do not overlap" in ch["finding_en"]
    kpi = findings.loc[findings["area"] == "kpi"].iloc[0]
    assert kpi["figure"] == 0.77 and "西南" in kpi["finding_zh"]
    assert actions["value_at_stake"].tolist() == [23.0] and actions["rank"].tolist() == [1]


def test_no_tables_no_findings(tmp_path):
    f, a = collect(tmp_path / "nothing")
    assert f.empty and a.empty


def test_actions_on_the_sample():
    ds = load_dataset(SAMPLE_DIR)
    res = evaluate_actions(ds, pd.Timestamp("2026-10-31")).set_index("action_id")
    a7 = res.loc["A007"]
    assert a7["method"] == "did_rates" and a7["effect"] == pytest.approx(0.12, abs=0.04) and a7["ci_low"] > 0
    assert res["note"].isna().all() or res["effect"].notna().sum() >= 5


def test_action_bad_inputs(tmp_path):
    write(tmp_path, "orders.csv", "order_id,order_date,customer_id,amount,channel_id\n"
          "O1,2026-01-05,C1,10,CH1\nO2,2026-02-05,C1,10,CH1\n")
    write(tmp_path, "actions.csv", "action_id,start_date,description,level,key,kpi\n"
          "A1,2026-06-01,late,channel,CH1,revenue\nA2,2026-01-01,no comparison,channel,CH1,revenue\n"
          "A3,2026-01-01,odd kpi,channel,CH1,happiness\nA4,2026-01-01,no kpi,channel,CH1,\n"
          "A5,2026-01-01,unknown key,channel,CH9,revenue\n")
    res = evaluate_actions(load_dataset(tmp_path), pd.Timestamp("2026-03-01")).set_index("action_id")
    assert "no revenue data after the start" in res.loc["A1", "note"]
    assert res.loc["A2", "method"] == "interrupted_time_series" and "no comparison group" in res.loc["A2", "note"]
    assert "cannot be measured" in res.loc["A3", "note"] and "no KPI given" in res.loc["A4", "note"]
    assert "no revenue data for channel 'CH9'" in res.loc["A5", "note"]


def test_undercut_nps_and_budget_findings(tmp_path):
    _table(tmp_path, "40_competitor_analysis", "undercuts", pd.DataFrame({
        "competitor": ["优居科技", "海岚"], "category": ["智能门锁", "音箱"], "since": ["2026-03-01", "2024-11-01"],
        "status": ["new", "since_start"], "price_index": [84.9, 90.0], "ci_low": [84.8, 89.9],
        "ci_high": [85.0, 90.1], "n_obs": [200, 400]}))
    _table(tmp_path, "50_market_feedback", "nps", pd.DataFrame({
        "dimension": ["overall", "channel", "channel"], "group": ["all", "CH07 电话销售", "CH01 直销"],
        "n": [2500, 227, 296], "nps": [18.4, -71.8, 32.8], "ci_low": [15.5, -78.6, 25.0], "ci_high": [21.4, -65.0, 40.6]}))
    _table(tmp_path, "20_channel_evaluation", "budget_recommendation", pd.DataFrame({
        "channel_id": ["CH01", "CH02"], "in_optimiser": [True, True], "change": [100.0, -100.0],
        "value_change": [30.0, -10.0], "change_low": [10.0, -20.0], "change_high": [50.0, 0.0]}))
    findings, actions = collect(tmp_path, "CNY")
    by = findings.set_index("area")
    assert by.loc["competitors", "figure"] == 84.9 and "2026-03-01" in by.loc["competitors", "finding_en"]
    assert by.loc["feedback", "figure"] == -71.8 and by.loc["feedback", "n"] == 227
    (a,) = actions.itertuples(index=False)
    assert a.value_at_stake == 20.0 and "¥100" in a.action_en  # moves half the absolute changes
