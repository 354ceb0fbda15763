"""Funnel figures on hand-made leads: counts by hand, intervals and tests equal statsmodels' own."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import (
    proportion_confint,
    proportions_chisquare,
    proportions_ztest,
)

from workbench.channels import stats as st
from workbench.channels.funnel import (
    ALL,
    channel_conversion,
    cohort_conversion,
    control_limits,
    conversion_tests,
    funnel_plot_data,
    stage_conversion,
    time_to_close,
)
from workbench.channels.params import ChannelParams
from workbench.channels.prepare import UNKNOWN, prepare_leads

AS_OF = "2026-06-30"
STAGES = pd.DataFrame({"stage": ["S1", "S2", "S3"], "order": [1, 2, 3]})


def _make(spec):
    """``spec``: channel -> list of (n, status, stage, days_to_close or None, created)."""
    rows = []
    k = 0
    for ch, items in spec.items():
        for n, status, stage, days, created in items:
            for _ in range(n):
                k += 1
                c = pd.Timestamp(created)
                rows.append({"lead_id": f"L{k}", "created_date": c, "channel_id": ch, "status": status,
                             "stage": stage, "closed_date": c + pd.Timedelta(days=days) if days is not None else pd.NaT,
                             "amount": 1000.0 if status == "won" else np.nan, "rep_id": f"R{ch}{k % 2}"})
    return pd.DataFrame(rows)


SPEC = {
    # A: 60 leads in January: 15 won, 35 lost (20 at S1, 10 at S2, 5 at S3), 10 open at S2
    "A": [(15, "won", "S3", 20, "2026-01-10"), (20, "lost", "S1", 5, "2026-01-10"),
          (10, "lost", "S2", 10, "2026-01-10"), (5, "lost", "S3", 30, "2026-01-10"),
          (10, "open", "S2", None, "2026-01-10"),
          (7, "open", "S1", None, "2026-06-01")],  # a young cohort: left out of rates
    # B: 80 leads: 8 won, 72 lost at S1
    "B": [(8, "won", "S3", 40, "2026-01-15"), (72, "lost", "S1", 3, "2026-01-15")],
    # C: rare channel, 12 leads
    "C": [(3, "won", "S3", 15, "2026-02-01"), (9, "lost", "S2", 8, "2026-02-01")],
    # unknown source
    "": [(5, "won", "S3", 10, "2026-01-20"), (5, "lost", "S1", 10, "2026-01-20")],
}


@pytest.fixture(scope="module")
def ld():
    return prepare_leads({"leads": _make(SPEC), "stages": STAGES}, ChannelParams(mature_after_days=90), as_of=AS_OF)


@pytest.fixture(scope="module")
def params():
    return ChannelParams(mature_after_days=90, min_leads=50)


def test_conversion_counts_by_hand(ld, params):
    conv = channel_conversion(ld, params).set_index("channel_id")
    assert conv.loc["A", ["leads", "won", "lost", "open"]].tolist() == [60, 15, 35, 10]
    assert conv.loc["A", "leads_all"] == 67  # the June cohort is not mature
    assert conv.loc["B", ["leads", "won", "lost", "open"]].tolist() == [80, 8, 72, 0]
    assert conv.loc["A", "conversion_rate"] == pytest.approx(15 / 60)
    assert conv.loc["A", "win_rate_closed"] == pytest.approx(15 / 50)
    assert conv.loc["A", "open_share"] == pytest.approx(10 / 60)
    lo, hi = proportion_confint(15, 60, alpha=0.05, method="wilson")
    assert (conv.loc["A", "ci_low"], conv.loc["A", "ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
    # C has 12 leads < 50: flagged, not ranked; the unknown source is shown but not ranked
    assert bool(conv.loc["C", "insufficient_data"]) and pd.isna(conv.loc["C", "rank"])
    assert pd.isna(conv.loc[UNKNOWN, "rank"]) and conv.loc[UNKNOWN, "leads"] == 10
    assert conv.loc["A", "rank"] == 1 and conv.loc["B", "rank"] == 2
    # shrunk rates lie between the raw rate and the pooled rate of the known channels
    pooled = (15 + 8 + 3) / (60 + 80 + 12)
    for c in ("A", "B", "C"):
        raw, shr = conv.loc[c, "conversion_rate"], conv.loc[c, "shrunk_rate"]
        assert min(raw, pooled) - 1e-9 <= shr <= max(raw, pooled) + 1e-9


def test_tests_equal_statsmodels(ld, params):
    conv = channel_conversion(ld, params)
    t = conversion_tests(conv, params)
    chi2, p, _ = proportions_chisquare(np.array([15, 8]), np.array([60, 80]))
    assert t.omnibus["chi2"] == pytest.approx(chi2) and t.omnibus["p_value"] == pytest.approx(p)
    # the same as scipy's contingency test without continuity correction
    c2, p2, _, _ = chi2_contingency([[15, 45], [8, 72]], correction=False)
    assert t.omnibus["chi2"] == pytest.approx(c2) and t.omnibus["p_value"] == pytest.approx(p2)
    assert t.left_out == ["C"]
    (row,) = t.pairwise.to_dict("records")
    _, pz = proportions_ztest([15, 8], [60, 80])
    assert row["p_value"] == pytest.approx(pz) and row["p_adj"] == pytest.approx(pz)  # one comparison
    assert row["method"] == "Holm"


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_adjust_equals_multipletests(method):
    rng = np.random.default_rng(1)
    p = np.r_[rng.uniform(0, 0.1, 7), rng.uniform(0, 1, 9), [0.0, 1.0, 0.05, 0.05]]
    mine, rej = st.adjust(p, method, 0.05)
    ref, ref_rej = st.adjust_statsmodels(p, method, 0.05)
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12)
    assert (rej == ref_rej).all()
    with_nan, _ = st.adjust(np.r_[np.nan, p], method)
    assert np.isnan(with_nan[0]) and np.allclose(with_nan[1:], ref)
    with pytest.raises(ValueError, match="Valid options are: holm, fdr_bh"):
        st.adjust(p, "bonferroni")


def test_wilson_matches_statsmodels_and_handles_zero():
    lo, hi = st.wilson([0, 3, 10, 0], [0, 10, 10, 5])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    for i, (k, n) in enumerate([(3, 10), (10, 10), (0, 5)], start=1):
        a, b = proportion_confint(k, n, method="wilson")
        assert (lo[i], hi[i]) == pytest.approx((a, b))


def test_stage_conversion_uses_resolved_leads(ld, params):
    sc = stage_conversion(ld, params)
    a = sc.loc[sc["channel_id"] == "A"].set_index("step")
    # A, mature: reach S1 all 60; S2: 15 won + 10 lost@S2 + 5 lost@S3 + 10 open@S2 = 40; S3: 15 + 5 = 20
    # S1->S2 resolved = 60 (every lead at S1 moved on or closed); advanced 40
    assert a.loc[1, ["entered", "resolved", "advanced"]].tolist() == [60, 60, 40]
    # S2->S3: 40 entered, the 10 open at S2 are unresolved; advanced 20 of 30
    assert a.loc[2, ["entered", "resolved", "advanced"]].tolist() == [40, 30, 20]
    # S3->won (S3 is not a won stage here): 20 entered, all closed, 15 won
    assert a.loc[3, ["from_stage", "to_stage", "resolved", "advanced"]].tolist() == ["S3", "won", 20, 15]
    # P(won | reached S2) among closed: 15 of 30
    assert a.loc[2, "won_rate_after"] == pytest.approx(0.5)
    pooled = sc.loc[(sc["channel_id"] == ALL) & (sc["step"] == 1)].iloc[0]
    # pooled over known sources only: A 60 + B 80 + C 12
    assert pooled["entered"] == 152


def test_time_to_close_is_kaplan_meier_with_open_leads_censored(ld, params):
    ttc = time_to_close(ld, params)
    a = ttc.summary.set_index("channel_id").loc["A"]
    lf = ld.leads.loc[ld.leads["channel_id"] == "A"]
    sf = SurvfuncRight(lf["duration_days"].to_numpy(float), lf["event"].to_numpy(float))
    assert a["median_days"] == sf.quantile(0.5)
    assert a["leads"] == 67 and a["closed"] == 50 and a["censored"] == 17
    # by hand: closes at 5 d (20), 10 d (10), 20 d (15), 30 d (5); 7 June leads censored at 29 d, 10 at 171 d
    s30 = (47 / 67) * (37 / 47) * (22 / 37) * (10 / 15)
    assert a["closed_by_30d"] == pytest.approx(1 - s30)
    # counting the young open leads as never closing would understate it
    assert a["closed_by_30d"] > lf["event"].sum() / len(lf)
    assert a["median_days"] == 20
    assert np.isfinite(ttc.logrank["p_value"])
    assert ALL in ttc.curves and ttc.curves["A"]["share_closed"].is_monotonic_increasing


def test_funnel_plot_limits(ld, params):
    conv = channel_conversion(ld, params)
    fp = funnel_plot_data(conv).set_index("channel_id")
    p0 = 26 / 152
    assert fp["pooled"].iloc[0] == pytest.approx(p0)
    lo, hi = control_limits(p0, np.array([60.0]), 1.959964)
    assert fp.loc["A", "low95"] == pytest.approx(lo[0]) and fp.loc["A", "high95"] == pytest.approx(hi[0])
    assert hi[0] == pytest.approx(p0 + 1.959964 * np.sqrt(p0 * (1 - p0) / 60))
    assert UNKNOWN not in fp.index


def test_cohort_table(ld, params):
    cc = cohort_conversion(ld, params)
    a = cc.loc[cc["channel_id"] == "A"].set_index("cohort")
    assert a.loc["2026-01", ["leads", "won", "open"]].tolist() == [60, 15, 10] and bool(a.loc["2026-01", "mature"])
    assert a.loc["2026-06", "leads"] == 7 and not a.loc["2026-06", "mature"]
