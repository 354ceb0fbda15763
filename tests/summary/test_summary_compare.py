"""Period over period: only changes beyond noise are called changes."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench.summary.compare import (
    compare_distribution,
    compare_price_index,
    compare_rates,
    compare_runs,
    month_over_month,
    nps_difference,
    two_proportions,
)


def test_two_proportions_hand_computed():
    diff, lo, hi, p = two_proportions(20, 100, 40, 100)
    assert diff == pytest.approx(0.2)
    se = np.sqrt(0.2 * 0.8 / 100 + 0.4 * 0.6 / 100)
    assert (lo, hi) == pytest.approx((0.2 - 1.959964 * se, 0.2 + 1.959964 * se), abs=1e-5)
    assert p < 0.01


def test_compare_rates_calls_only_real_changes():
    prev = pd.DataFrame({"channel_id": ["A", "B", "C"], "won": [100, 20, 5], "leads": [1000, 100, 10]})
    curr = pd.DataFrame({"channel_id": ["A", "B", "D"], "won": [200, 22, 1], "leads": [1000, 100, 3]})
    out = compare_rates(prev, curr, ["channel_id"], "won", "leads", "x").set_index("item")
    assert bool(out.loc["A", "changed"]) and not bool(out.loc["B", "changed"])  # 10%→20% on 1,000; 20%→22% on 100
    assert out.loc["C", "note"] == "only in one run" and out.loc["D", "note"] == "only in one run"
    assert out.loc["A", "p_adjusted"] >= out.loc["A", "p_value"]  # Holm never lowers a p-value


def test_compare_distribution():
    prev = pd.DataFrame({"segment": ["VIP"] * 50 + ["Lost"] * 950})
    curr = pd.DataFrame({"segment": ["VIP"] * 20 + ["Lost"] * 980})
    out = compare_distribution(prev, curr, "segment", "x").set_index("item")
    assert out.loc["VIP", "change"] == pytest.approx(-0.03) and bool(out.loc["VIP", "changed"])
    assert "chi-square" in out["note"].iloc[0]


def test_compare_runs_reads_result_tables(tmp_path):
    for run, won in (("prev", 100), ("curr", 300)):
        d = tmp_path / run / "tables" / "20_channel_evaluation"
        d.mkdir(parents=True)
        pd.DataFrame({"channel_id": ["CH01"], "leads": [1000], "won": [won], "conversion_rate": [won / 1000],
                      "ci_low": [0], "ci_high": [1]}).to_csv(d / "channel_conversion.csv", index=False, encoding="utf-8-sig")
    out = compare_runs(tmp_path / "curr", tmp_path / "prev")
    assert out["changed"].tolist() == [True] and out["change"].iloc[0] == pytest.approx(0.2)
    assert compare_runs(tmp_path / "curr", None).empty  # no previous run: nothing to compare


def test_month_over_month_revenue_xmr():
    months = pd.period_range("2026-01", "2026-10", freq="M")
    amounts = [100, 104, 98, 101, 99, 103, 100, 102, 100, 160]  # a jump in October
    orders = pd.DataFrame({"order_date": months.to_timestamp() + pd.Timedelta(days=3), "amount": amounts,
                           "channel_id": "CH01"})
    orders = pd.concat([orders, orders.assign(channel_id="CH02", amount=amounts[:9] + [104])])
    out = month_over_month(orders, None, pd.Timestamp("2026-10-31")).set_index("item")
    assert bool(out.loc["CH01", "changed"]) and not bool(out.loc["CH02", "changed"])


def test_nps_difference_hand_computed():
    # run 1: 50 promoters, 30 detractors of 200 (NPS 10); run 2: 90 and 20 of 200 (NPS 35)
    diff, lo, hi, p = nps_difference(50, 30, 200, 90, 20, 200)
    v0 = (0.25 + 0.15 - 0.10 ** 2) / 200
    v1 = (0.45 + 0.10 - 0.35 ** 2) / 200
    se = 100 * np.sqrt(v0 + v1)
    assert diff == pytest.approx(25.0)
    assert (lo, hi) == pytest.approx((25 - 1.959964 * se, 25 + 1.959964 * se), abs=1e-4)
    assert p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(25 / se / math.sqrt(2)))), rel=1e-6)


def test_compare_nps_and_csat_from_result_tables(tmp_path):
    def nps(pro, det, n):
        return {"n": n, "promoters": pro, "detractors": det, "passives": n - pro - det}

    for run, rows in (("prev", {("channel", "CH01"): nps(500, 100, 1000), ("channel", "CH07"): nps(30, 30, 100),
                                ("period", "2026-09"): nps(10, 10, 50)}),
                      ("curr", {("channel", "CH01"): nps(350, 250, 1000), ("channel", "CH07"): nps(33, 30, 100),
                                ("period", "2026-09"): nps(40, 1, 50)})):
        d = tmp_path / run / "tables" / "50_market_feedback"
        d.mkdir(parents=True)
        pd.DataFrame([{"dimension": k[0], "group": k[1], **v} for k, v in rows.items()]).to_csv(
            d / "nps.csv", index=False, encoding="utf-8-sig")
        sat = 800 if run == "prev" else 700
        pd.DataFrame({"dimension": ["channel"], "group": ["CH01"], "n": [1000], "satisfied": [sat]}).to_csv(
            d / "csat.csv", index=False, encoding="utf-8-sig")
    out = compare_runs(tmp_path / "curr", tmp_path / "prev")
    n = out.loc[out["metric"] == "NPS"].set_index("item")
    assert n.loc["channel / CH01", "change"] == pytest.approx(-30.0) and bool(n.loc["channel / CH01", "changed"])
    assert n.loc["channel / CH07", "change"] == pytest.approx(3.0) and not bool(n.loc["channel / CH07", "changed"])
    assert "period / 2026-09" not in n.index  # a period row is not a run-to-run change
    c = out.loc[out["source"] == "50_market_feedback/csat"].set_index("item")
    assert c.loc["channel / CH01", "change"] == pytest.approx(-0.1) and bool(c.loc["channel / CH01", "changed"])


def test_compare_price_index_latest_month_on_log_scale():
    def table(month, idx, half_log, n):
        t = stats.t.ppf(0.975, n - 1)
        s = half_log / t
        return pd.DataFrame({"competitor": ["优居科技"], "category": ["智能门锁"], "channel_id": ["all"], "month": [month],
                             "n_obs": [n], "price_index": [idx], "ci_low": [idx * np.exp(-t * s)],
                             "ci_high": [idx * np.exp(t * s)], "gap_pct": [idx / 100 - 1]})

    prev = table("2026-02", 100.0, 0.02, 40)
    curr = pd.concat([table("2026-02", 100.0, 0.02, 40), table("2026-03", 85.0, 0.02, 40)])
    out = compare_price_index(prev, curr, "x")
    assert len(out) == 1 and out["change"].iloc[0] == pytest.approx(-15.0) and bool(out["changed"].iloc[0])
    se = np.hypot(0.02 / stats.t.ppf(0.975, 39), 0.02 / stats.t.ppf(0.975, 39))
    assert out["p_value"].iloc[0] == pytest.approx(2 * stats.norm.sf(abs(np.log(0.85)) / se))
    # the same latest month in both runs is not a new observation
    assert compare_price_index(prev, prev, "x").empty


def test_restated_figures_with_blank_keys(tmp_path):
    # company-level attainment rows have no key (blank, read back as NaN): a restatement there is
    # named, not a crash
    for run, actual in (("prev", 100.0), ("curr", 120.0)):
        d = tmp_path / run / "tables" / "30_kpi_review"
        d.mkdir(parents=True)
        pd.DataFrame({"period": ["2026-09", "2026-09"], "level": ["company", "region"], "key": ["", "华东"],
                      "kpi": ["revenue", "revenue"], "actual": [actual, 50.0], "target": [100.0, 50.0],
                      "attainment": [actual / 100, 1.0]}).to_csv(d / "attainment.csv", index=False, encoding="utf-8-sig")
    out = compare_runs(tmp_path / "curr", tmp_path / "prev")
    assert out["item"].tolist() == ["2026-09 / company /  / revenue"]
    assert out["change"].iloc[0] == pytest.approx(20.0) and not out["changed"].iloc[0]
