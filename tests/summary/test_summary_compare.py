"""Period over period: only changes beyond noise are called changes."""

import numpy as np
import pandas as pd
import pytest

from workbench.summary.compare import (
    compare_distribution,
    compare_rates,
    compare_runs,
    month_over_month,
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
