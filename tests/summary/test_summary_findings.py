"""Executive summary: findings equal the result tables they cite, actions are forward-looking and ranked per year."""

import re

import numpy as np
import pandas as pd
import pytest
from conftest import write

from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR
from workbench.reporting.checks import english_words
from workbench.summary.actions import evaluate_actions
from workbench.summary.findings import collect
from workbench.summary.fmt import fmt, interval
from workbench.summary.views import actions_view, changes_view, effects_view, findings_view

AS_OF = pd.Timestamp("2026-10-31")
CHANNELS = pd.DataFrame({"channel_id": ["CH01", "CH02", "CH03", "CH04"],
                         "type": ["direct", "distributor", "ecommerce", "ecommerce"]})


def _table(root, stem, name, df):
    d = root / stem
    d.mkdir(parents=True, exist_ok=True)
    df.to_csv(d / f"{name}.csv", index=False, encoding="utf-8-sig")


def _budget(root, with_total=True):
    """Two channels whose summed bounds (10+(-20), 50+0) differ from the joint interval of the total (12, 30)."""
    _table(root, "20_channel_evaluation", "budget_recommendation", pd.DataFrame({
        "channel_id": ["CH01", "CH02"], "in_optimiser": [True, True], "current_spend": [1000.0, 1000.0],
        "recommended_spend": [1100.0, 900.0], "change": [100.0, -100.0], "value_change": [30.0, -10.0],
        "change_low": [10.0, -20.0], "change_high": [50.0, 0.0]}))
    if with_total:
        _table(root, "20_channel_evaluation", "what_if", pd.DataFrame({
            "budget_multiple": [0.9, 1.0, 1.1], "budget": [1800.0, 2000.0, 2200.0],
            "change_vs_current": [5.0, 20.0, 40.0], "change_low": [1.0, 12.0, 30.0], "change_high": [9.0, 30.0, 52.0],
            "marginal_roas": [np.nan, 0.075, 0.1], "feasible": [True, True, True]}))


@pytest.fixture
def run(tmp_path):
    """Result tables of a small run, one per extractor, with figures known by construction."""
    _table(tmp_path, "10_customer_segmentation", "segments", pd.DataFrame({
        "rfm_segment": ["Champions", "Lost"], "customers": [757, 13339], "share_customers": [0.0537, 0.9463],
        "share_revenue": [0.40494794, 0.59505206]}))
    _table(tmp_path, "10_customer_segmentation", "channel_value", pd.DataFrame({
        "acquisition_channel_id": ["CH01", "CH02", "(unknown)"], "acquisition_channel": ["直销", "经销商", "(unknown)"],
        "clv_per_customer": [22774.9, 23823.6, np.nan], "cac": [30835.4, 69975.3, np.nan],
        "clv_cac": [0.738596, 0.340457, np.nan]}))
    _table(tmp_path, "20_channel_evaluation", "channel_conversion", pd.DataFrame({
        "channel_id": ["CH01", "CH02", "CH09"], "leads": [400, 900, 5], "won": [180, 90, 5],
        "conversion_rate": [0.45, 0.10, 1.0], "ci_low": [0.40, 0.08, 0.57], "ci_high": [0.50, 0.12, 1.0]}))
    _table(tmp_path, "20_channel_evaluation", "channel_economics_summary", pd.DataFrame({
        "channel_id": ["CH01", "CH02", "CH03", "CH04", "(total)"], "channel_name": ["直销", "经销商", "天猫", "京东", None],
        "gross_margin": [13e6, 5e6, 2e6, 1e6, 21e6], "spend": [7e6, 8e6, 12e6, 8e6, 35e6],
        "roi": [6 / 7, -3 / 8, -10 / 12, -7 / 8, -14 / 35], "trend_months": [12, 12, 12, 12, np.nan]}))
    _budget(tmp_path)
    _table(tmp_path, "30_kpi_review", "attainment_summary", pd.DataFrame({
        "window": "2025-11..2026-10", "level": "region", "key": ["西南", "华东", "华北"], "kpi": "revenue",
        "actual": [7059958.42, 105.0, 99.0], "target": [9166000.0, 100.0, 100.0],
        "attainment": [7059958.42 / 9166000.0, 1.05, 0.99]}))
    _table(tmp_path, "50_market_feedback", "nps", pd.DataFrame({
        "dimension": ["overall", "channel", "channel"], "group": ["all", "CH07 电话销售", "CH01 直销"],
        "n": [2500, 227, 296], "nps": [18.44, -71.806167, 32.8], "ci_low": [15.5, -78.6, 25.0],
        "ci_high": [21.4, -65.0, 40.6], "mean_score": [7.8, 5.127753, 8.2]}))
    return tmp_path


def _cited(root, finding) -> float:
    """The table cell a finding cites (``source``, ``column``, ``row_key`` ``a=b, c=d``)."""
    t = pd.read_csv(root / finding["source"].removeprefix("tables/"), encoding="utf-8-sig", dtype=str)
    for part in finding["row_key"].split(", "):
        k, v = part.split("=", 1)
        t = t.loc[t[k] == v]
    assert len(t) == 1, finding["row_key"]
    return float(t.iloc[0][finding["column"]])


def test_findings_equal_the_cells_they_cite(run):
    findings, _ = collect(run, "CNY", AS_OF, CHANNELS)
    assert {"customers", "channels", "kpi", "feedback"} <= set(findings["area"])
    cited = findings.loc[findings["row_key"].str.contains("=")]
    assert len(cited) >= 6
    for _, f in cited.iterrows():
        assert f["value"] == pytest.approx(_cited(run, f)), f["finding_en"]
    for lang in ("en", "zh"):  # a share shows as the cited value x 100, in the table and in the sentence
        view = findings_view(findings, lang)
        for (_, f), figure, text in zip(findings.iterrows(), view["figure"], view["finding"], strict=True):
            if f["kind"] == "share":
                pct = f"{100 * f['value']:.1f}%"
                assert figure == pct and pct in text


def test_the_largest_findings_are_there(run):
    f = collect(run, "CNY", AS_OF, CHANNELS)[0].set_index("source")
    roi = f.loc["tables/20_channel_evaluation/channel_economics_summary.csv"]
    assert roi["value"] == pytest.approx(-0.4) and roi["period"] == "2025-11..2026-10"
    assert "-40.0% in total" in roi["finding_en"] and "3 of 4 channels lose money" in roi["finding_en"]
    assert "e-commerce (CH03 天猫, CH04 京东) -85.0% together" in roi["finding_en"]  # (3e6 - 20e6) / 20e6
    clv = f.loc["tables/10_customer_segmentation/channel_value.csv"]
    assert "below 1 for every channel" in clv["finding_en"] and "0.34 (CH02 经销商)" in clv["finding_en"]
    wi = f.loc["tables/20_channel_evaluation/what_if.csv"]
    assert wi["value"] == 0.1 and "+¥5/month (95% interval +¥1 to +¥9/month)" in wi["finding_en"]
    nps = f.loc["tables/50_market_feedback/nps.csv"]
    assert nps["value"] == pytest.approx(-71.806167) and "-71.8" in nps["finding_en"]
    assert "5.1" not in nps["finding_en"] and "mean" not in nps["finding_en"]  # a mean 0-10 score is not an NPS


def test_interval_of_the_total_is_the_joint_one_not_the_summed_bounds(run):
    _, actions = collect(run, "CNY", AS_OF, CHANNELS)
    (a,) = actions.itertuples(index=False)
    assert (a.value, a.value_low, a.value_high) == (20.0, 12.0, 30.0)  # the what-if table's total at 100%
    assert (a.value_low, a.value_high) != (10.0 - 20.0, 50.0 + 0.0)
    assert "+¥20/month (95% interval +¥12 to +¥30/month)" in a.action_en and "¥100/month" in a.action_en


def test_interval_of_the_total_propagated_without_the_total_table(tmp_path):
    _budget(tmp_path, with_total=False)
    (a,) = collect(tmp_path, "CNY", AS_OF)[1].itertuples(index=False)
    half = np.hypot(20.0, 10.0)  # half-widths of the two channels' intervals, in quadrature
    assert (a.value_low, a.value_high) == pytest.approx((20 - half, 20 + half))
    assert a.value_low > -10.0 and a.value_high < 50.0  # narrower than the summed bounds
    assert "propagated" in a.basis_en


def test_no_action_for_a_period_that_has_ended(run):
    findings, actions = collect(run, "CNY", AS_OF, CHANNELS)
    kpi = findings.loc[findings["area"] == "kpi"].iloc[0]
    assert kpi["value"] == pytest.approx(0.770233, abs=1e-6) and "has ended" in kpi["finding_en"]
    assert (actions["area"] != "kpi").all()
    assert not actions["action_en"].str.contains("2025-11..2026-10").any()


def test_a_period_ends_on_its_last_day(tmp_path):
    from workbench.summary.findings import Context, _ended

    assert _ended("2025-11..2026-10", Context(as_of=pd.Timestamp("2026-10-31")))
    assert not _ended("2025-11..2026-10", Context(as_of=pd.Timestamp("2026-10-15")))  # two weeks left to act
    assert _ended("2026-Q3", Context(as_of=pd.Timestamp("2026-10-01"))) and not _ended("2026-Q4", Context(
        as_of=pd.Timestamp("2026-10-31")))


def test_actions_ranked_by_value_per_year(tmp_path):
    """A ¥20/month re-split (¥240 a year) outranks a one-off ¥100 shortfall of an open year."""
    _budget(tmp_path)
    _table(tmp_path, "30_kpi_review", "forecast", pd.DataFrame({
        "level": "region", "key": ["西南", "华东", "华北"], "kpi": "revenue",
        "period": ["2026-01..2026-12", "2026-01..2026-12", "2025-01..2025-12"],
        "target": [1000.0, 1000.0, 1000.0], "forecast_mean": [900.0, 1100.0, 500.0],
        "forecast_low": [850.0, 1050.0, 450.0], "forecast_high": [960.0, 1150.0, 550.0]}))
    _, actions = collect(tmp_path, "CNY", AS_OF)
    assert actions["area"].tolist() == ["channels", "kpi"] and actions["rank"].tolist() == [1, 2]
    assert actions["value_year"].tolist() == [240.0, 100.0]  # 12 x 20 per month; the open year's gap once
    kpi = actions.iloc[1]
    assert (kpi["value_low"], kpi["value_high"]) == (40.0, 150.0) and "西南" in kpi["action_zh"]
    assert actions["value_year"].is_monotonic_decreasing  # 华北's year has ended: no action; 华东 is ahead


MONEY = re.compile(r"[−+-]?¥[\d,]+(?:\.\d+)?")


def test_every_money_figure_says_its_period(run):
    findings, actions = collect(run, "CNY", AS_OF, CHANNELS)
    texts = list(findings["finding_en"]) + list(findings["finding_zh"]) + list(actions["action_en"])
    texts += list(actions["action_zh"])
    for lang in ("en", "zh"):
        texts += actions_view(actions, lang)["value_year"].tolist() + actions_view(actions, lang)["interval_year"].tolist()
    for text in texts:
        for m in MONEY.finditer(text):
            tail = text[m.end():m.end() + 8]
            windowed = re.search(r"\d{4}-\d{2}\.\.\d{4}-\d{2}", text)
            to_tail = re.match(r" (to|至) [−+-]?¥[\d,]+/(month|year|月|年)", tail + text[m.end() + 8:m.end() + 40])
            assert tail.startswith(("/month", "/year", "/月", "/年")) or windowed or to_tail, (m.group(), text)


def test_no_raw_floats_scientific_notation_or_negative_zero(run):
    findings, actions = collect(run, "CNY", AS_OF, CHANNELS)
    for lang in ("en", "zh"):
        cells = findings_view(findings, lang).to_numpy().ravel().tolist() + \
            actions_view(actions, lang).to_numpy().ravel().tolist()
        for c in map(str, cells):
            assert not re.search(r"\d[eE][+-]?\d", c) and "−0.0%" not in c and "-0.0%" not in c and "-0.0" not in c, c
            assert not re.fullmatch(r"[\d,]+\.0", c), c  # a count never shows as 89.0
    assert findings_view(findings, "en").set_index("figure").index.str.contains("%").sum() >= 4


def test_formatter_kinds():
    assert fmt(0.405, "share") == "40.5%" and fmt(0.021, "pp") == "+2.1 pp" and fmt(0.021, "pp", "zh") == "+2.1 个百分点"
    assert fmt(-0.0004, "share") not in ("-0.0%", "−0.0%") and fmt(-0.0004, "pp") not in ("-0.0 pp", "−0.0 pp")
    assert fmt(259707.6, "money_month") == "¥259,708/month" and fmt(-5, "money_year", "zh") == "-¥5/年"
    assert fmt(89.0, "count") == "89" and fmt(5.4e-20, "p") == "< 0.001" and fmt(0.0123, "p") == "0.012"
    assert interval(145793.2, 247235.9, "money_month", signed=True) == "+¥145,793 to +¥247,236/month"


def test_changes_view_rates_in_points_and_p_values():
    changes = pd.DataFrame({"source": ["data", "x/y"], "item": ["channel / CH01 直销", "A"], "metric": ["won/leads", "revenue 1→2"],
                            "previous": [0.10, 1000.4], "current": [0.12, 1200.0], "change": [0.02, 199.6],
                            "ci_low": [0.005, -50.0], "ci_high": [0.035, 450.0], "p_value": [1e-20, np.nan],
                            "p_adjusted": [5.4e-20, np.nan], "n_previous": [89.0, 23], "n_current": [100.0, 1],
                            "changed": [True, False], "note": [None, None]})
    v = changes_view(changes, "zh").iloc[0]
    assert (v["previous"], v["current"], v["change"]) == ("10.0%", "12.0%", "+2.0 个百分点")
    assert v["p_adjusted"] == "< 0.001" and v["n_previous"] == "89" and v["source"] == "数据"
    assert v["item"] == "渠道 / CH01 直销"
    r = changes_view(changes, "en").iloc[1]
    assert r["change"] == "+¥200/month" and r["interval"] == "-¥50 to +¥450/month" and r["p_adjusted"] == "–"


def test_channel_verdict_replaces_the_diagnosis_and_agrees_with_it(run):
    _table(run, "20_channel_evaluation", "diagnosis_summary", pd.DataFrame({
        "channel_id": ["CH02"], "below_others": [True], "failing_from": ["方案报价"], "failing_to": ["赢单"],
        "rate_from": [0.14], "rate_from_low": [0.12], "rate_from_high": [0.16], "benchmark_rate_from": [0.46],
        "n_from": [1682]}))
    assert "tables/20_channel_evaluation/diagnosis_summary.csv" in set(collect(run, "CNY", AS_OF)[0]["source"])
    _table(run, "20_channel_evaluation", "channel_verdict", pd.DataFrame({
        "channel_id": ["CH01", "CH02"], "leads": [400, 900], "conversion_rate": [0.45, 0.10],
        "conversion_rank": [1, 2], "roi": [0.8, -0.36], "roi_rank": [1, 2], "won_revenue_month": [2e6, 1e6],
        "budget_change": [100.0, -100.0], "leaking_stage": [None, "方案报价"], "stage_gap_value_month": [np.nan, 50.0],
        "stage_gap_value_low": [np.nan, 30.0], "stage_gap_value_high": [np.nan, 70.0], "verdict": ["grow", "fix_stage"],
        "criterion": ["budget_response", "stage_gap_value"], "note": [None, "budget_up_while_fixing"]}))
    findings, actions = collect(run, "CNY", AS_OF)
    assert "tables/20_channel_evaluation/diagnosis_summary.csv" not in set(findings["source"])
    (v,) = findings.loc[findings["source"] == "tables/20_channel_evaluation/channel_verdict.csv"].to_dict("records")
    assert v["value"] == 50.0 and v["kind"] == "money_month" and _cited(run, v) == 50.0
    assert "fix the leaking stage: CH02 (方案报价)" in v["finding_en"] and "grow budget: CH01" in v["finding_en"]
    assert "修复流失阶段：CH02（方案报价）" in v["finding_zh"] and "+¥50/month (95% interval +¥30 to +¥70/month)" in \
        v["finding_en"]
    assert "CH02 still gets more budget while its stage is fixed" in v["finding_en"]  # said, not contradicted
    fix = actions.loc[actions["source"] == "tables/20_channel_evaluation/channel_verdict.csv"].iloc[0]
    assert (fix["value_year"], fix["value_year_low"], fix["value_year_high"]) == (600.0, 360.0, 840.0)
    assert actions["rank"].iloc[0] == 1 and actions.iloc[0]["value_year"] == 600.0  # above the re-split (240)


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
    zh = effects_view(res.reset_index(), "zh")["note"]  # the reasons read in Chinese (data names aside)
    assert english_words(" ".join(zh), names={"CH1", "CH9", "happiness"}) == {}
    assert zh.iloc[4] == "渠道“CH9”没有月收入数据"


def test_undercut_finding(tmp_path):
    _table(tmp_path, "40_competitor_analysis", "undercuts", pd.DataFrame({
        "competitor": ["优居科技", "海岚"], "category": ["智能门锁", "音箱"], "since": ["2026-03-01", "2024-11-01"],
        "status": ["new", "since_start"], "price_index": [84.9, 90.0], "ci_low": [84.8, 89.9],
        "ci_high": [85.0, 90.1], "n_obs": [200, 400]}))
    (f,) = collect(tmp_path, "CNY")[0].itertuples(index=False)
    assert f.value == 84.9 and f.kind == "points" and "2026-03-01" in f.finding_en and f.n == 200
