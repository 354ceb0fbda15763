"""One verdict per channel: the stage-gap value by hand, consistency with the budget plan and the headline."""

import json

import numpy as np
import pandas as pd
import pytest

from workbench.channels import (
    ChannelParams,
    analyse_funnel,
    channel_economics,
    channel_returns,
    channel_verdict,
    customer_value,
    fit_response,
    headline,
    optimise,
    plan_summary,
    prepare_leads,
    show_verdict,
)
from workbench.channels.labels import LABELS
from workbench.channels.verdict import stage_gap_value
from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR
from workbench.reporting import Report

AS_OF = pd.Timestamp("2026-01-31")


def _leads(cid: str, n: int, reach: list[int], won: int, amount: float) -> list[dict]:
    """``n`` leads of one channel created in January 2025: ``reach[k]`` of them reach stage k+1, ``won`` win."""
    rows = []
    stages = ["S1", "S2", "S3"]
    for i in range(n):
        furthest = max(k for k in range(3) if i < reach[k])
        w = i < won
        rows.append({"lead_id": f"{cid}-{i}", "created_date": pd.Timestamp("2025-01-10"), "channel_id": cid,
                     "status": "won" if w else "lost", "stage": stages[furthest],
                     "closed_date": pd.Timestamp("2025-02-10"), "amount": amount if w else np.nan})
    return rows


@pytest.fixture(scope="module")
def small():
    # A leaks at S3 -> won (30 of 150 against 180 of 300 for B and C pooled); every other step is equal
    leads = pd.DataFrame(_leads("A", 400, [400, 200, 150], 30, 1000.0) + _leads("B", 400, [400, 200, 150], 90, 500.0)
                         + _leads("C", 400, [400, 200, 150], 90, 500.0))
    tables = {"leads": leads, "stages": pd.DataFrame({"stage": ["S1", "S2", "S3"], "order": [1, 2, 3]})}
    p = ChannelParams(n_draws=300)
    ld = prepare_leads(tables, p, as_of=AS_OF)
    res = analyse_funnel(tables, ld, p)
    econ = channel_economics(tables, ld, p, AS_OF)
    plan = optimise(fit_response(tables, ld, p, AS_OF), p)
    return ld, res, econ, plan, p, channel_verdict(ld, res, econ, plan, p)


def test_stage_gap_value_by_hand(small):
    _, _, _, _, _, v = small
    a = v.set_index("channel_id").loc["A"]
    # W = 30 won x 1000 over one mature cohort month; raising S3 -> won from 0.2 to 0.6 triples it
    w = 30 * 1000.0 / 1
    assert a["won_revenue_month"] == pytest.approx(w)
    assert (a["leaking_from"], a["leaking_to"]) == ("S3", "won")
    assert a["stage_rate"] == pytest.approx(0.2) and a["benchmark_stage_rate"] == pytest.approx(0.6)
    assert a["stage_gap_value_month"] == pytest.approx(w * (0.6 / 0.2 - 1))  # 60,000 per month
    assert 0 < a["stage_gap_value_low"] < 60_000 < a["stage_gap_value_high"]
    assert (a["verdict"], a["criterion"]) == ("fix_stage", "stage_gap_value")
    # B and C leak nowhere and have no spend: they hold, and say why
    rest = v.set_index("channel_id").loc[["B", "C"]]
    assert (rest["verdict"] == "hold").all() and (rest["criterion"] == "no_response_curve").all()
    assert v["channel_id"].iloc[0] == "A"  # the largest value at stake comes first


def test_stage_gap_interval_is_calibrated_by_draws():
    # two steps: the value multiplies the step ratios; the interval narrows with more leads
    mine = pd.DataFrame({"advanced": [50, 20], "resolved": [100, 50]})
    bench = pd.DataFrame({"advanced": [60, 30], "resolved": [100, 50]})
    won = np.r_[np.full(20, 500.0), np.zeros(80)]
    v, lo, hi = stage_gap_value(won, 2, mine, bench, n_draws=2000, seed=1)
    assert v == pytest.approx(20 * 500 / 2 * ((0.6 / 0.5) * (0.6 / 0.4) - 1))
    assert lo < v < hi
    big_mine, big_bench = mine * 10, bench * 10
    v2, lo2, hi2 = stage_gap_value(np.tile(won, 10), 20, big_mine, big_bench, n_draws=2000, seed=1)
    assert v2 == pytest.approx(v) and (hi2 - lo2) < (hi - lo)
    # a benchmark no better than the channel is worth nothing
    assert stage_gap_value(won, 2, mine, mine, n_draws=200)[0] == pytest.approx(0.0)


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE_DIR, strict=False)
    p = ChannelParams(n_draws=200)
    ld = prepare_leads(ds.tables, p)
    res = analyse_funnel(ds.tables, ld, p)
    econ = channel_economics(ds.tables, ld, p, ld.as_of)
    plan = optimise(fit_response(ds.tables, ld, p, ld.as_of), p)
    return ds, ld, res, econ, plan, p, channel_verdict(ld, res, econ, plan, p)


def test_verdict_reconciles_with_the_budget_plan(sample):
    _, ld, _, _, plan, p, v = sample
    vv = v.set_index("channel_id")
    t = plan.table.set_index("channel_id")
    # budget_change is the plan's recommended minus current spend per month, for every channel with spend
    assert vv.loc[t.index, "budget_change"].to_numpy() == pytest.approx(
        (t["recommended_spend"] - t["current_spend"]).to_numpy())
    top_up = t["change"].idxmax()
    rpt = Report(p, labels=LABELS)
    page = show_verdict(rpt, v, ld).markup
    if vv.loc[top_up, "verdict"] in ("fix_stage", "cut"):
        # the page must say why the channel to fix still gets the largest increase
        assert vv.loc[top_up, "note"] == "budget_up_while_fixing"
        assert f"{ld.label(top_up)}: fix" in page and "The plan still adds" in page
    for _, row in vv.iterrows():
        if row["verdict"] == "cut":
            assert row["budget_change"] < 0
        if row["verdict"] == "grow":
            assert row["budget_change"] > 0 and row["budget_value_low"] > 0
        if row["verdict"] == "fix_stage":
            assert row["stage_gap_value_low"] > 0 and row["leaking_stage"]
    # planted: CH02 leaks at 方案报价 -> 赢单 and that is worth more than its budget move
    ch02 = vv.loc["CH02"]
    assert (ch02["verdict"], ch02["leaking_from"], ch02["leaking_to"]) == ("fix_stage", "方案报价", "赢单")
    assert ch02["stage_gap_value_month"] > abs(ch02["budget_value_change"])
    # ranks: 1 = best; CH02 converts worst of the four lead channels, CH01 has the best ROI
    assert ch02["conversion_rank"] == 4 and vv["roi_rank"].min() == 1 and vv["roi"].idxmax() == "CH01"


def test_headline_states_the_verdict(sample):
    _, ld, res, _, _, _, v = sample
    h = headline(ld, res, v)
    top = v.iloc[0]
    assert h["ch"] == ld.label(top["channel_id"]) == "CH02 经销商"
    assert top["verdict"] == "fix_stage" and "leaks" in h["en"] and "Weakest" not in h["en"]
    assert h["gap"].value == pytest.approx(top["stage_gap_value_month"]) and h["gap"].kind == "money_month"
    assert (h["a"], h["b"]) == (top["leaking_from"], top["leaking_to"])
    for lang in ("en", "zh"):
        rpt = Report(ChannelParams(lang=lang), labels=LABELS)
        text = rpt.text(h[lang] if lang == "en" else h["zh"], **{k: x for k, x in h.items() if k not in ("en", "zh")})
        assert ("/month" in text) if lang == "en" else ("/月" in text)  # money states its period


def test_returns_and_plan_tables(sample):
    ds, ld, _, econ, plan, _, _ = sample
    r = channel_returns(econ, ds.tables, customer_value(ds, ld.as_of))
    tot = r.loc[r["scope"] == "total"].iloc[0]
    ch = r.loc[(r["scope"] == "channel") & r["spend"].notna()]
    assert tot["roi"] == pytest.approx((ch["gross_margin"].sum() - ch["spend"].sum()) / ch["spend"].sum(), rel=1e-3)
    assert tot["roi"] < 0  # the sample's channels together lose money on spend
    ecom = r.loc[(r["scope"] == "type") & (r["key"] == "ecommerce")].iloc[0]
    members = ch.loc[ch["channel_type"] == "ecommerce"]
    assert set(members["key"]) == {"CH03", "CH04", "CH08"}
    assert ecom["roi"] == pytest.approx((members["gross_margin"].sum() - members["spend"].sum())
                                        / members["spend"].sum()) and ecom["roi"] < 0
    assert (ch["clv_cac"] < 1).all() and ch["clv_cac"].notna().all()
    assert (r["window"] == "2025-11..2026-10").all()
    b = plan_summary(plan).iloc[0]
    assert b["value_change_year"] == pytest.approx(12 * b["value_change_month"])
    assert b["value_change_low"] < b["value_change_month"] < b["value_change_high"]
    assert b["value_change_year_low"] == pytest.approx(12 * b["value_change_low"])


def test_cac_is_one_measure_in_both_reports(sample):
    """Channel economics and the segmentation's CLV / CAC cite the same CAC for every channel."""
    ds, ld, _, econ, _, _, _ = sample
    seg = customer_value(ds, ld.as_of).set_index("acquisition_channel_id")
    mine = econ.summary.set_index("channel_id")
    both = [c for c in seg.index if c in mine.index and np.isfinite(seg.loc[c, "cac"])]
    assert len(both) == 8
    for c in both:
        assert seg.loc[c, "cac"] == pytest.approx(mine.loc[c, "cac"])
        assert seg.loc[c, "cac_window"] == mine.loc[c, "window"] == "2025-11..2026-10"
    # the figure the sales director saw twice: CH02 over the last 12 complete months
    assert mine.loc["CH02", "cac"] == pytest.approx(64750.31, abs=0.01)
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))
    assert truth  # the sample is the planted one
