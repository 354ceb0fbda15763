"""NPS and CSAT: intervals equal hand computations, out-of-range scores noted, period changes tested,
the sample's low-NPS channel recovered."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import workbench.feedback as fbk
from workbench.data import load_dataset
from workbench.feedback import nps
from workbench.paths import PROJ_ROOT

SAMPLE = PROJ_ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE, strict=False)
    params = fbk.FeedbackParams()
    fd = nps.prepare(ds, params)
    return ds, fd, nps.analyse(fd, params)


def _responses(scores, csat=None, channel="C1", period="2026-Q1"):
    n = len(scores)
    r = pd.DataFrame({"nps": np.asarray(scores, dtype=float), "csat": np.asarray(csat if csat is not None
                                                                                  else [np.nan] * n, dtype=float),
                      "channel": channel, "period": period, "overall": "all"})
    r["nps_group"] = nps.nps_group(r["nps"])
    return r


def test_nps_interval_by_hand():
    r = _responses([10, 9, 9, 10, 9, 7, 8, 8, 3, 0])  # 5 promoters, 3 passives, 2 detractors
    t = nps.nps_table(r, ["overall"], min_responses=10).iloc[0]
    assert (t["promoters"], t["passives"], t["detractors"], t["n"]) == (5, 3, 2, 10)
    assert t["nps"] == pytest.approx(30.0)
    se = 100 * np.sqrt((0.5 + 0.2 - 0.3 ** 2) / 10)  # variance of the +1/0/-1 scores
    assert t["ci_low"] == pytest.approx(30 - 1.959964 * se, abs=1e-4)
    assert t["ci_high"] == pytest.approx(30 + 1.959964 * se, abs=1e-4)
    assert t["mean_score_0_10"] == pytest.approx(7.3) and not bool(t["insufficient"])


def test_nps_interval_is_clipped_to_its_scale():
    t = nps.nps_table(_responses([10, 10, 9, 6]), ["overall"], 1).iloc[0]
    assert t["ci_high"] <= 100 and t["ci_low"] >= -100


def test_csat_mean_interval_and_wilson_by_hand():
    r = _responses([np.nan] * 5, csat=[1, 2, 3, 4, 5])
    t = nps.csat_table(r, ["overall"], 1, satisfied_min=4).iloc[0]
    half = stats.t.ppf(0.975, 4) * np.std([1, 2, 3, 4, 5], ddof=1) / np.sqrt(5)
    assert (t["mean_csat"], t["ci_low"], t["ci_high"]) == pytest.approx((3.0, 3 - half, 3 + half))
    # Wilson by hand: 2 satisfied of 5
    p, n, z = 0.4, 5, 1.959964
    centre, rad = (p + z * z / (2 * n)) / (1 + z * z / n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (
        1 + z * z / n)
    assert t["satisfied"] == 2 and (t["sat_ci_low"], t["sat_ci_high"]) == pytest.approx((centre - rad, centre + rad),
                                                                                       abs=1e-5)


def test_period_change_z_test_by_hand():
    a = _responses([10] * 6 + [5] * 4, period="2026-Q1")
    b = _responses([10] * 3 + [5] * 7, period="2026-Q2")
    ch = nps.period_changes(pd.concat([a, b], ignore_index=True), 0.05, by_channel=False, min_responses=10)
    row = ch.loc[ch["metric"].eq("nps")].iloc[0]
    se1, se2 = [100 * np.sqrt((p + d - (p - d) ** 2) / 10) for p, d in ((0.6, 0.4), (0.3, 0.7))]
    assert row["change"] == pytest.approx(-60.0)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(60 / np.hypot(se1, se2)))
    assert (row["n_from"], row["n_to"]) == (10, 10)


def test_scores_outside_their_scale_are_noted_not_used():
    fb = pd.DataFrame({"nps": [11, 5, -1, 9], "csat": [0, 3, 6, 5]})
    out, counts = nps.clean_scores(fb)
    assert counts == {"nps": 2, "csat": 2}
    assert out["nps"].isna().tolist() == [True, False, True, False]


def test_loader_out_of_range_values_are_noted(tmp_path):
    (tmp_path / "feedback.csv").write_text(
        "response_id,date,channel_id,nps,csat,comment\nF1,2026-01-02,C1,11,4,好\nF2,2026-01-03,C1,9,7,\n"
        "F3,2026-01-04,C1,3,2,太慢\n", encoding="utf-8")
    ds = load_dataset(tmp_path, strict=False)
    fd = nps.prepare(ds, fbk.FeedbackParams())
    text = " ".join(n.text("en") for n in fd.notes)
    assert "1 nps value(s)" in text and "1 csat value(s)" in text
    sc = nps.analyse(fd, fbk.FeedbackParams(min_responses=1))
    assert sc.nps.loc[sc.nps["dimension"].eq("overall"), "n"].iloc[0] == 2


def test_sample_low_nps_channel(sample):
    _, _, sc = sample
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))["low_nps_channel"]
    ch = sc.nps.loc[sc.nps["dimension"].eq("channel")].copy()
    ch["cid"] = ch["group"].str.split().str[0]
    got = ch.set_index("cid")["mean_score_0_10"].to_dict()
    assert got == pytest.approx(truth["observed_mean_nps"], abs=1e-6)
    worst = ch.sort_values("nps").iloc[0]
    assert worst["group"] == f"{truth['channel_id']} {truth['channel_name']}"
    others = ch.loc[ch["cid"].ne(truth["channel_id"])]
    assert worst["ci_high"] < others["ci_low"].min()  # clearly below every other channel
    head = fbk.summary.headline(sc)
    assert head["ch"] == "CH07 电话销售" and head["n"] == 2500


def test_sample_csat_out_of_range_already_missing(sample):
    ds, fd, sc = sample
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))["imperfections"]
    bad = truth["out_of_range"]["feedback.csat"]
    assert sc.csat.loc[sc.csat["dimension"].eq("overall"), "n"].iloc[0] == len(ds["feedback"]) - bad
    assert any(f"{bad} csat value(s)" in n.text("en") for n in fd.notes)


def test_sample_dimensions_add_up(sample):
    _, fd, sc = sample
    t = sc.nps
    total = t.loc[t["dimension"].eq("overall"), "n"].iloc[0]
    for d in ("channel", "tier", "region", "period"):
        assert t.loc[t["dimension"].eq(d), "n"].sum() == total
    assert set(t.loc[t["dimension"].eq("period"), "group"]) >= {"2025-Q1", "2026-Q3"}


def test_no_feedback_table_switches_everything_off(tmp_path):
    (tmp_path / "orders.csv").write_text("order_id,order_date,customer_id,amount\nO1,2026-01-01,C1,10\n",
                                         encoding="utf-8")
    ds = load_dataset(tmp_path, strict=False)
    params = fbk.FeedbackParams()
    fd = nps.prepare(ds, params)
    sc = nps.analyse(fd, params)
    cm = fbk.comments.analyse(fd, params)
    dr = fbk.drivers.analyse(fd, cm, ds, params)
    assert not any(s.ok for s in (fd, sc, cm, dr)) and all(s.notes for s in (fd, sc, cm, dr))
    assert fbk.summary.headline(sc, cm)["en"] == "No feedback scores to analyse."
