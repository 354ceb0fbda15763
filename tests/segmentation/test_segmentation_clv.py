"""CLV: the frequency / recency / T summary, fit guards, the holdout check, tiers and the planted VIPs."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench.segmentation as seg
from workbench.data import load_dataset
from workbench.data.loader import Dataset, DatasetMeta
from workbench.paths import SAMPLE_DIR
from workbench.segmentation import clv as clv_mod


def _ds(rows):
    o = pd.DataFrame(rows, columns=["order_id", "order_date", "customer_id", "amount"])
    o["order_date"] = pd.to_datetime(o["order_date"])
    o["amount"] = o["amount"].astype(float)
    return Dataset(Path("."), DatasetMeta(), {"orders": o}, {}, [])


def test_summary_by_hand():
    p = seg.SegmentationParams(as_of="2026-01-31")
    prep = seg.prepare(_ds([
        ("1", "2026-01-01", "A", 10), ("2", "2026-01-01", "A", 20),  # same day: one transaction of 30
        ("3", "2026-01-11", "A", 60), ("3-R", "2026-01-12", "A", -30),  # netted: 30
        ("4", "2026-01-21", "B", 5),
    ]), p)
    trans = seg.transactions(prep)
    assert trans.groupby("customer_id")["value"].apply(list).to_dict() == {"A": [30.0, 30.0], "B": [5.0]}
    s = seg.summary(trans, prep.analysis_date)
    assert s.loc["A", ["frequency", "recency", "T", "mean_value"]].tolist() == [1, 10.0, 30.0, 30.0]
    assert s.loc["B", ["frequency", "recency", "T", "mean_value"]].tolist() == [0, 0.0, 10.0, 5.0]


def test_too_few_repeat_buyers_and_one_day():
    p = seg.SegmentationParams(min_repeat_buyers=5)
    rows = [(str(i), "2026-01-01", f"C{i}", 10) for i in range(20)] + [("x", "2026-02-01", "C1", 10)]
    prep = seg.prepare(_ds(rows), p)
    res = seg.clv_table(prep, seg.rfm_table(prep, p), p)
    assert not res.ok and "Only 1 customers bought more than once" in res.problem.en.format(**{
        k: v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v for k, v in res.problem.values.items()})
    prep1 = seg.prepare(_ds([(str(i), "2026-01-01", f"C{i % 7}", 10) for i in range(30)]), p)
    res1 = seg.clv_table(prep1, seg.rfm_table(prep1, p), p)
    assert not res1.ok and "Every purchase falls on one day" in res1.problem.en
    value = seg.value_tiers(seg.rfm_table(prep1, p), res1, p)
    assert (value["potential"] == "unknown").all() and value["clv"].isna().all()
    hold = seg.holdout_check(prep1, p)
    assert not hold.ok and "holdout check of 180 days needs at least 240" in hold.problem.en.format(
        **hold.problem.values)


def test_rank_tiers_shares_and_ties():
    rules = [{"tier": "top", "top_share": 0.25}, {"tier": "mid", "top_share": 0.5}, {"tier": "rest", "top_share": 1.0}]
    got = clv_mod.rank_tiers(pd.Series([5.0, 5.0, 1.0, 3.0, 0.0, 2.0, 4.0, 9.0]), pd.Series(list("abcdefgh")),
                             rules, "tier")
    # ranked h, a, b, g, d, f, c, e: the tie a/b broken by id
    assert got.tolist() == ["top", "mid", "rest", "rest", "rest", "rest", "mid", "top"]  # rank / 8 <= 0.25, 0.5
    assert clv_mod.rank_tiers(pd.Series([1.0]), pd.Series(["a"]), rules, "tier").tolist() == ["rest"]


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE_DIR)
    p = seg.SegmentationParams()
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    hold = seg.holdout_check(prep, p)
    res = seg.clv_table(prep, rfm, p)
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["vip_segment"]
    return p, prep, rfm, hold, res, seg.value_tiers(rfm, res, p), truth


def test_holdout_check_scores(sample):
    _, _, _, hold, _, _, _ = sample
    assert hold.ok and hold.cal_end == pd.Timestamp("2026-05-04")
    s = hold.scores.set_index("metric")
    act, pred = s.loc["purchases_total", ["actual", "predicted"]]
    assert abs(pred - act) / act < 0.15  # total holdout purchases within 15 %
    assert abs(s.loc["revenue_total", "predicted"] / s.loc["revenue_total", "actual"] - 1) < 0.2
    assert s.loc["mae_purchases", "predicted"] < s.loc["mae_purchases", "baseline"]  # beats the naive baseline
    bf = hold.by_frequency
    assert bf["customers"].sum() == s.loc["purchases_total", "n"]
    # more purchases before the cut-off -> more after, in the data and in the prediction
    assert bf["actual_mean"].iloc[-1] > bf["actual_mean"].iloc[0] and bf["predicted_mean"].is_monotonic_increasing


def test_clv_params_and_per_customer(sample):
    _, _, rfm, hold, res, _, _ = sample
    params = seg.clv_params_table(res, hold)
    assert set(params["fit"]) == {"calibration", "full"}
    assert set(params["parameter"]) == {"r", "alpha", "a", "b", "p", "q", "v"}
    assert (params["value"] > 0).all()
    full = params.loc[params["fit"] == "full"].set_index("parameter")
    assert full.loc["r", "ci_low"] < full.loc["r", "value"] < full.loc["r", "ci_high"]
    t = res.table
    assert len(t) == len(rfm) and t["p_alive"].between(0, 1).all() and (t["clv"] > 0).all()
    assert t["clv_margin"].le(t["clv"]).all()
    # a customer with more repeat purchases is expected to buy more, other things equal
    assert t.groupby("frequency_days")["expected_purchases"].mean().iloc[:6].is_monotonic_increasing


def test_planted_vips_are_the_top_tier(sample):
    p, _, _, _, _, value, truth = sample
    is_vip = value["customer_id"].isin(truth["customer_ids"])
    top = value["tier"] == p.tier_names[0]
    assert top.mean() == pytest.approx(0.05, abs=0.001)
    recall = (top & is_vip).sum() / is_vip.sum()
    precision = (top & is_vip).sum() / top.sum()
    assert recall >= 0.65 and precision >= 0.5  # base rate of VIPs is 4 %
    assert value.loc[is_vip, "tier"].isin(p.tier_names[:2]).mean() >= 0.95
    rev = value["revenue_window"].clip(lower=0)
    assert rev[top].sum() / rev.sum() >= truth["revenue_share"]  # top 5 % hold at least the planted 40 %
    assert value.loc[is_vip, "potential"].eq("high").mean() >= 0.95


def test_clv_deterministic(sample):
    p, prep, rfm, _, res, _, _ = sample
    again = seg.clv_table(prep, rfm, p)
    pd.testing.assert_frame_equal(res.table, again.table)
    assert np.isfinite(res.fit.value_corr)
