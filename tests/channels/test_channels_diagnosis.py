"""The diagnosis finds the planted weak channel and stage of the bundled sample, and its arithmetic holds."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from workbench.channels import analyse_funnel, prepare_leads
from workbench.channels.diagnosis import feedback_by_channel, localise
from workbench.channels.params import ChannelParams
from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE_DIR, strict=False)
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))
    p = ChannelParams()
    ld = prepare_leads(ds.tables, p)
    return ds, truth, p, ld, analyse_funnel(ds.tables, ld, p)


def test_weak_channel_and_failing_stage_are_found(sample):
    _, truth, _, ld, res = sample
    weak = truth["weak_channel"]
    diag = res.diagnosis
    assert diag.weakest == weak["channel_id"] == "CH02"
    s = diag.summary.set_index("channel_id").loc["CH02"]
    # planted: P(won | reached 方案报价) 0.15 against 0.45; the failing span runs 方案报价 -> 赢单
    assert (s["failing_from"], s["failing_to"]) == (weak["from_stage"], weak["to_stage"]) == ("方案报价", "赢单")
    assert s["rate_from_low"] <= weak["rate"] <= s["rate_from_high"]
    assert s["rate_from"] == pytest.approx(weak["observed_rate"], abs=0.01)  # mature cohorts vs all closed leads
    assert s["benchmark_rate_from"] == pytest.approx(weak["other_rate"], abs=0.04)
    failing = diag.components.loc[(diag.components["channel_id"] == "CH02") & diag.components["failing"]]
    assert failing["from_stage"].tolist() == ["方案报价", "商务谈判"]
    # CH02 has the most leads: its gap is not volume
    conv = res.conversion.set_index("channel_id")
    assert conv["leads"].idxmax() == "CH02" and conv.loc["CH02", "rank"] == conv["rank"].max()
    assert s["main_gap"] == "商务谈判 → 赢单"


def test_decomposition_multiplies_back(sample):
    _, _, p, ld, res = sample
    comp = res.diagnosis.components
    conv = res.conversion.set_index("channel_id")
    months = ld.leads.loc[ld.leads["mature"], "cohort"].nunique()
    mature = ld.leads.loc[ld.leads["mature"] & ld.leads["won"]]
    for cid in ("CH01", "CH02", "CH06", "CH07"):
        c = comp.loc[comp["channel_id"] == cid]
        parts = c.loc[c["contribution"].notna() & (c["component"] != "total"), "contribution"].sum()
        assert c.loc[c["component"] == "total", "contribution"].iloc[0] == pytest.approx(parts)
        others = [x for x in ("CH01", "CH02", "CH06", "CH07") if x != cid]
        won_rev = mature.loc[mature["channel_id"] == cid, "amount"].sum() / months
        bench_rev = (mature.loc[mature["channel_id"].isin(others), "amount"].sum() / months / len(others))
        assert math.exp(parts) == pytest.approx(won_rev / bench_rev, rel=1e-9)
        vol = c.loc[c["component"] == "volume"].iloc[0]
        assert vol["value"] == pytest.approx(conv.loc[cid, "leads"] / months)


def test_reps_do_not_drive_the_planted_gap(sample):
    _, _, _, _, res = sample
    d = res.diagnosis
    spread = d.spread.set_index(["channel_id", "level"])
    # the weakness was planted for the whole channel: reps do not differ significantly
    assert not spread.loc[("CH02", "rep"), "concentrated"]
    dr = d.drivers.loc[(d.drivers["channel_id"] == "CH02") & (d.drivers["level"] == "rep")]
    assert dr["shortfall"].sum() == pytest.approx((dr["expected_won"] - dr["won"]).sum())
    assert dr["share_of_shortfall"].sum() == pytest.approx(1.0)
    assert dr["shortfall"].is_monotonic_decreasing
    reasons = d.lost_reasons.loc[d.lost_reasons["channel_id"] == "CH02"]
    assert reasons["share"].sum() == pytest.approx(1.0)


def test_low_nps_channel_is_flagged(sample):
    ds, truth, p, _, res = sample
    fb = res.feedback.set_index("channel_id")
    low = truth["low_nps_channel"]
    assert fb.index[fb["low_nps"]].tolist() == [low["channel_id"]] == ["CH07"]
    for cid, mean in low["observed_mean_nps"].items():
        assert fb.loc[cid, "nps_mean"] == pytest.approx(mean, abs=1e-6)
    assert fb.loc["CH07", "nps_ci_high"] < fb.drop(index="CH07")["nps_ci_low"].min()
    nps = res.diagnosis.components.query("channel_id == 'CH07' and component == 'nps'").iloc[0]
    assert nps["value"] == pytest.approx(low["observed_mean_nps"]["CH07"], abs=1e-6) and nps["significant"]


def test_localised_labels(sample):
    *_, res = sample
    zh = localise(res.diagnosis, "zh")
    en = localise(res.diagnosis, "en")
    assert "阶段 方案报价 → 商务谈判" in set(zh["component_label"])
    assert "Lead volume (leads / month)" in set(en["component_label"])


def test_feedback_without_channel_is_empty():
    fb = pd.DataFrame({"response_id": ["a"], "date": [pd.Timestamp("2026-01-01")], "nps": [9.0]})
    assert feedback_by_channel({"feedback": fb}, ChannelParams()).empty
    assert feedback_by_channel({}, ChannelParams()).empty


def test_best_benchmark_and_too_few_channels():
    rows = []
    for ch, n, w in (("A", 100, 30), ("B", 100, 10)):
        for i in range(n):
            rows.append({"lead_id": f"{ch}{i}", "created_date": pd.Timestamp("2026-01-01"), "channel_id": ch,
                         "status": "won" if i < w else "lost", "closed_date": pd.Timestamp("2026-01-20"),
                         "amount": 10.0})
    leads = pd.DataFrame(rows)
    p = ChannelParams(benchmark="best", min_leads=20)
    ld = prepare_leads({"leads": leads}, p, as_of="2026-12-31")
    res = analyse_funnel({"leads": leads}, ld, p)
    s = res.diagnosis.summary.set_index("channel_id")
    # no stages: one leads -> won comparison; B is significantly below A
    assert (s.loc["B", "failing_from"], s.loc["B", "failing_to"]) == ("lead", "won")
    assert s.loc["B", "rate_from"] == pytest.approx(0.1) and s.loc["B", "benchmark_rate_from"] == pytest.approx(0.3)
    one = leads.loc[leads["channel_id"] == "A"]
    ld1 = prepare_leads({"leads": one}, p, as_of="2026-12-31")
    res1 = analyse_funnel({"leads": one}, ld1, p)
    assert res1.diagnosis.weakest is None and res1.diagnosis.notes
    assert np.isnan(res1.tests.omnibus["p_value"])
