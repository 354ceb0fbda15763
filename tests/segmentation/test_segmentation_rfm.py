"""RFM as of an analysis date: returns netted, cancelled orders no purchase, tie-proof scores, segments."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench.segmentation as seg
from workbench.data import load_dataset
from workbench.data.loader import Dataset, DatasetMeta
from workbench.paths import SAMPLE_DIR


def make_ds(orders: list[tuple], customers: pd.DataFrame | None = None, **tables) -> Dataset:
    """A dataset from (order_id, date, customer_id, amount, channel_id) tuples, typed like the loader's."""
    o = pd.DataFrame(orders, columns=["order_id", "order_date", "customer_id", "amount", "channel_id"])
    o["order_date"] = pd.to_datetime(o["order_date"])
    o["amount"] = o["amount"].astype(float)
    for c in ("order_id", "customer_id", "channel_id"):
        o[c] = o[c].astype("str")
    t = {"orders": o, **tables}
    if customers is not None:
        t["customers"] = customers
    return Dataset(Path("."), DatasetMeta(), t, {}, [])


ORDERS = [
    # A: two purchases, the second partly returned (credit note linked by -R)
    ("O1", "2026-01-01", "A", 100.0, "CH1"),
    ("O2", "2026-02-01", "A", 50.0, "CH1"),
    ("O2", "2026-02-01", "A", 30.0, "CH1"),
    ("O2-R", "2026-02-10", "A", -30.0, "CH1"),
    # B: one purchase fully returned (a cancelled order: no purchase), one real purchase
    ("O3", "2026-01-15", "B", 200.0, "CH2"),
    ("O3-R", "2026-01-20", "B", -200.0, "CH2"),
    ("O4", "2026-03-01", "B", 80.0, "CH2"),
    # C: only a credit note for something bought before the data
    ("X9-R", "2026-02-01", "C", -40.0, "CH1"),
    # D: a purchase and an unlinked credit (UCI-style cancellation id)
    ("O5", "2026-03-10", "D", 60.0, "CH2"),
    ("C77", "2026-03-11", "D", -10.0, "CH2"),
    # GUEST placeholder and a line after the analysis date
    ("O6", "2026-03-05", "GUEST", 999.0, "CH1"),
    ("O7", "2026-04-02", "A", 500.0, "CH1"),
]


@pytest.fixture
def params():
    return seg.SegmentationParams(as_of="2026-03-31", ignore_customer_ids=["GUEST"])


def test_prepare_counts_what_it_drops_and_links(params):
    prep = seg.prepare(make_ds(ORDERS), params)
    f = prep.facts
    assert prep.analysis_date == pd.Timestamp("2026-03-31")
    assert (f["lines_in"], f["lines_ignored"], f["lines_after"], f["lines_used"]) == (12, 1, 1, 10)
    assert (f["return_lines"], f["return_amount"]) == (4, -280.0)
    assert f["linked_return_lines"] == 2  # O2-R and O3-R; X9-R has no order, C77 is not linked
    assert f["cancelled_orders"] == 1  # O3 nets to zero
    assert (f["customers"], f["buyers"], f["no_purchase"], f["no_purchase_amount"]) == (4, 3, 1, -40.0)


def test_rfm_by_hand(params):
    rfm = seg.rfm_table(seg.prepare(make_ds(ORDERS), params), params).set_index("customer_id")
    assert list(rfm.index) == ["A", "B", "D"]  # C has only a credit note, GUEST is ignored
    assert rfm.loc["A", ["recency_days", "frequency", "monetary"]].tolist() == [58, 2, 150.0]  # 100 + 80 - 30
    assert rfm.loc["B", ["recency_days", "frequency", "monetary"]].tolist() == [30, 1, 80.0]  # O3 cancelled
    assert rfm.loc["D", ["recency_days", "frequency", "monetary"]].tolist() == [21, 1, 50.0]  # credit counts
    assert rfm.loc["A", "returns"] == -30.0 and rfm.loc["B", "returns"] == -200.0
    assert rfm.loc["A", "first_purchase"] == pd.Timestamp("2026-01-01")
    # frequency cuts 1,2,3,5: one order scores 1, two orders 2
    assert rfm["f_score"].to_dict() == {"A": 2, "B": 1, "D": 1}


def test_no_linking_when_pattern_empty():
    p = seg.SegmentationParams(as_of="2026-03-31", ignore_customer_ids=["GUEST"], return_link_pattern="")
    rfm = seg.rfm_table(seg.prepare(make_ds(ORDERS), p), p).set_index("customer_id")
    # O3-R stands alone: O3 counts as a purchase, monetary still nets to 80
    assert rfm.loc["B", ["frequency", "monetary"]].tolist() == [2, 80.0]


def test_scores_survive_ties():
    # 60 % one-order customers: one score for all of them, never split
    vals = pd.Series([1] * 60 + [2] * 20 + [3] * 10 + [8] * 10)
    cuts = np.quantile(vals, [0.2, 0.4, 0.6, 0.8])
    s = seg.score(vals, cuts)
    assert set(s[:60]) == {1} and set(s[60:80]) == {4} and set(s[80:]) == {5}
    # recency: fewer days is better; a value equal to a cut point falls in the lower bin
    r = seg.score(pd.Series([0, 10, 11, 50, 51, 400]), np.array([10, 50, 100, 200]), higher_is_better=False)
    assert r.tolist() == [5, 5, 4, 4, 3, 1]


def test_segments_first_rule_wins():
    scores = pd.DataFrame({"r_score": [5, 5, 3, 1, 2], "f_score": [5, 1, 2, 4, 1], "m_score": [1, 1, 1, 1, 5]})
    rules = [{"rfm_segment": "Top", "r": [4, 5], "f": [4, 5]}, {"rfm_segment": "Recent", "r": [4, 5]},
             {"rfm_segment": "Big", "m": [5, 5]}]
    assert seg.assign_segments(scores, rules).tolist() == ["Top", "Recent", "Other", "Other", "Big"]


def test_default_rules_cover_every_score_pair():
    p = seg.SegmentationParams()
    grid = pd.DataFrame([(r, f, 3) for r in range(1, 6) for f in range(1, 6)],
                        columns=["r_score", "f_score", "m_score"])
    assert "Other" not in set(seg.assign_segments(grid, p.segment_rules))


def test_analysis_date_before_data_is_a_clear_problem():
    p = seg.SegmentationParams(as_of="2020-01-01")
    prep = seg.prepare(make_ds(ORDERS), p)
    assert not prep.ok and "before the first order (2026-01-01)" in prep.problem.en.format(
        **{k: (v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v) for k, v in prep.problem.values.items()})
    assert seg.rfm_table(prep, p).empty
    # the data model fixes the first eight columns (segment = the RFM segment); rfm_segment names it apart
    assert list(seg.rfm_table(prep, p).columns[:9]) == ["customer_id", "recency_days", "frequency", "monetary",
                                                        "r_score", "f_score", "m_score", "segment", "rfm_segment"]


def test_only_returns_is_no_purchase():
    p = seg.SegmentationParams()
    prep = seg.prepare(make_ds([("A1-R", "2026-01-01", "A", -5.0, "CH1")]), p)
    assert not prep.ok and prep.facts["no_purchase"] == 1
    assert "No customer made a purchase" in prep.problem.en


def test_single_customer_and_one_day():
    p = seg.SegmentationParams()
    prep = seg.prepare(make_ds([("O1", "2026-01-01", "A", 5.0, "CH1"), ("O2", "2026-01-01", "A", 7.0, "CH1")]), p)
    rfm = seg.rfm_table(prep, p)
    assert rfm[["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"]].iloc[0].tolist() == \
        [0, 2, 12.0, 5, 2, 1]
    assert rfm["rfm_segment"].iloc[0] == "Potential loyalists"


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE_DIR)
    p = seg.SegmentationParams()
    prep = seg.prepare(ds, p)
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))
    return ds, p, prep, seg.rfm_table(prep, p), truth


def test_sample_vips_are_champions(sample):
    _, _, _, rfm, truth = sample
    vip = rfm.loc[rfm["customer_id"].isin(truth["vip_segment"]["customer_ids"])]
    assert len(vip) >= 0.99 * truth["vip_segment"]["n_customers"]
    shares = vip["rfm_segment"].value_counts(normalize=True)
    assert shares["Champions"] >= 0.75 and shares["Champions"] + shares["Loyal"] >= 0.9
    champions = rfm.loc[rfm["rfm_segment"] == "Champions"]
    # Champions hold the planted key accounts' share of revenue (truth: about 40 %)
    assert champions["monetary"].sum() / rfm["monetary"].sum() >= truth["vip_segment"]["revenue_share"] - 0.02
    # the planted frequency gap is there: VIPs about 7.5 orders, others about 1.5
    assert vip["frequency"].mean() == pytest.approx(truth["vip_segment"]["mean_orders_vip"], rel=0.1)


def test_sample_returns_and_totals(sample):
    ds, _, prep, rfm, _ = sample
    o = ds["orders"]
    assert prep.facts["return_lines"] == int(o["order_id"].str.endswith("-R").sum())
    # every line is in RFM monetary or in the no-purchase customers' net
    total = rfm["monetary"].sum() + prep.facts["no_purchase_amount"]
    assert total == pytest.approx(o["amount"].sum(), abs=0.01)


def test_restrict_equals_prepare_at_that_date(sample):
    ds, p, prep, _, _ = sample
    earlier = seg.prepare(ds, p, analysis_date="2026-03-15")
    cut = seg.restrict(prep, "2026-03-15")
    assert cut.facts == earlier.facts
    pd.testing.assert_frame_equal(seg.rfm_table(cut, p), seg.rfm_table(earlier, p))


def test_deterministic(sample):
    ds, p, _, rfm, _ = sample
    again = seg.rfm_table(seg.prepare(ds, p), p)
    pd.testing.assert_frame_equal(rfm, again)


def test_score_table_and_rules_table(sample):
    _, p, _, rfm, _ = sample
    tab = seg.score_table(rfm, p).set_index("dimension")
    assert tab.loc["frequency", "method"] == "fixed" and tab.loc["recency_days", "method"] == "quantile"
    assert (tab[[f"score_{s}" for s in range(1, 6)]].sum(axis=1) == len(rfm)).all()
    assert tab.loc["frequency", "score_1"] == int((rfm["frequency"] == 1).sum())
    rules = seg.segment_rules_table(p)
    assert rules["rfm_segment"].tolist() == p.rfm_segment_names and rules.loc[0, "r_range"] == "4–5"
    summary = seg.segment_summary(rfm, p)
    assert summary["customers"].sum() == len(rfm) and summary["rfm_segment"].tolist() == p.rfm_segment_names
