"""Win/loss: mature cohorts only, Wilson intervals, Pareto of lost reasons, the model; spellings merged."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import workbench.competitors as comp
from workbench.competitors import winloss
from workbench.data import load_dataset
from workbench.paths import PROJ_ROOT


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(PROJ_ROOT / "data" / "sample", strict=False)
    params = comp.CompetitorParams()
    cx = comp.prepare(ds, params)
    pa = comp.prices.analyse(cx, params)
    return ds, cx, winloss.analyse(cx, params, pa)


def _leads():
    # Jan: 4 closed; Feb: 1 closed of 3 (an immature cohort)
    return pd.DataFrame({
        "lead_id": list("abcdefg"),
        "created_date": pd.to_datetime(["2026-01-05"] * 4 + ["2026-02-03"] * 3),
        "status": ["won", "lost", "lost", "won", "lost", "open", "open"],
        "competitor": ["A", "A", "B", np.nan, "A", "A", np.nan],
        "lost_reason": [np.nan, "price", "price", np.nan, "timing", np.nan, np.nan],
    })


def test_immature_cohorts_are_left_out():
    closed, cohorts = winloss.mature_closed(_leads(), 0.9)
    assert closed["lead_id"].tolist() == list("abcd")
    assert cohorts.set_index("cohort")["used"].to_dict() == {"2026-01": True, "2026-02": False}


def test_win_rates_and_wilson_by_hand():
    closed, _ = winloss.mature_closed(_leads(), 0.9)
    t = winloss.win_rates(closed, min_leads=2).set_index("competitor")
    assert t.loc["A", ["closed", "won", "lost"]].tolist() == [2, 1, 1]
    lo, hi = proportion_confint(1, 2, method="wilson")
    assert (t.loc["A", "ci_low"], t.loc["A", "ci_high"]) == pytest.approx((lo, hi))
    assert t.loc["none", "closed"] == 1 and bool(t.loc["none", "insufficient"])
    assert t.loc["A", "top_lost_reason"] == "price" and t.loc["A", "top_lost_reason_share"] == 1.0


def test_lost_reasons_pareto():
    leads = pd.DataFrame({"status": ["lost"] * 6 + ["won"], "lost_reason": list("aaabbc") + [np.nan],
                          "competitor": ["X", np.nan, np.nan, "Y", np.nan, np.nan, np.nan]})
    r = winloss.lost_reasons(leads)
    assert r["lost_reason"].tolist() == ["a", "b", "c"] and r["lost"].tolist() == [3, 2, 1]
    assert r["cum_share"].tolist() == pytest.approx([0.5, 5 / 6, 1.0])
    assert r["with_competitor"].tolist() == [1, 1, 0]


def test_sample_spellings_merged_in_win_rates(sample):
    ds, cx, wl = sample
    raw = ds["leads"]
    closed, _ = winloss.mature_closed(raw, comp.CompetitorParams().min_closed_share)
    variants = ["优居科技", "优居", "Youju Tech"]
    n = int(closed["competitor"].isin(variants).sum())
    t = wl.table.set_index("competitor")
    assert t.loc["优居科技", "closed"] == n
    assert not set(variants[1:]) & set(t.index)
    assert t["closed"].sum() == len(closed) == wl.n_closed
    assert (t["ci_low"] <= t["win_rate"]).all() and (t["win_rate"] <= t["ci_high"]).all()
    assert set(cx.mapping["raw"]) == {"优居", "Youju Tech"}


def test_sample_lost_reasons_and_model(sample):
    _, _, wl = sample
    assert wl.reasons.iloc[0]["lost_reason"] == "价格过高"
    assert wl.reasons["cum_share"].iloc[-1] == pytest.approx(1.0)
    assert wl.model_ok
    m = wl.model.set_index("term")
    assert {"competitor_involved", "price_gap_pp", "log2_amount"} <= set(m.index)
    assert m.loc["competitor_involved", "or_high"] < 1  # a named competitor goes with losing here
    assert (m["or_low"] <= m["odds_ratio"]).all() and (m["odds_ratio"] <= m["or_high"]).all()
    assert m["reading_en"].str.len().gt(20).all() and m["reading_zh"].str.contains("赢单概率|无明确影响").all()


def test_too_few_events_leave_the_model_out():
    frame = pd.DataFrame({"won": [1, 0, 0, 0], "competitor_involved": [1, 0, 1, 0], "price_gap_pp": 0.0,
                          "channel_id": "C1", "log2_amount": [1.0, 2.0, 3.0, 4.0]})
    model, err = winloss.win_model(frame)
    assert model.empty and "needed" in err[0] and "至少需要" in err[1]
