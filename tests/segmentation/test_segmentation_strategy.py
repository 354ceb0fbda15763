"""Playbook, CRM list and tier migration."""

from pathlib import Path

import pandas as pd
import pytest

import workbench.segmentation as seg
from workbench.data import load_dataset
from workbench.data.loader import Dataset, DatasetMeta
from workbench.paths import SAMPLE_DIR


def test_first_matching_play_wins():
    p = seg.SegmentationParams()
    value = pd.DataFrame({
        "customer_id": list("abcdef"), "rfm_segment": ["At risk", "Champions", "At risk", "Lost", "New", "Loyal"],
        "tier": ["VIP", "VIP", "key", "regular", "regular", "regular"],
        "potential": ["high", "high", "low", "high", "low", "medium"],
        "revenue_window": [1.0] * 6, "clv": [2.0] * 6, "p_alive": [0.5] * 6, "value_score": range(6)})
    plays = seg.assign_plays(value, p)
    assert plays["play"].tolist() == ["vip_save", "vip_care", "key_winback", "grow_potential", "nurture_new",
                                      "reward_loyal"]
    assert plays.loc[0, "action_zh"].startswith("一周内")
    tab = seg.strategy_table(plays, p).set_index("play")
    assert tab["customers"].sum() == 6 and tab.loc["keep_in_touch", "customers"] == 0
    assert tab.loc["vip_save", "value_at_stake"] == 2.0


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE_DIR)
    p = seg.SegmentationParams()
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    value = seg.value_tiers(rfm, seg.clv_table(prep, rfm, p), p)
    return ds, p, prep, rfm, value


def test_crm_export(sample):
    ds, p, prep, rfm, value = sample
    plays = seg.assign_plays(value, p)
    attrs = seg.attributes(prep, rfm, ds)
    exp = seg.crm_export(plays, rfm, attrs, None, p)
    assert len(exp) == len(rfm) and exp["customer_id"].is_unique
    known = exp["customer_id"].isin(ds["customers"]["customer_id"])  # the planted orphans have no name
    assert exp.loc[known, "name"].notna().all() and exp.loc[~known, "name"].isna().all()
    assert exp["recommended_action_en"].iloc[0] == p.playbook[0]["action"]
    assert exp["recommended_action_zh"].iloc[0] == p.playbook[0]["action_zh"]
    assert set(exp["tier_zh"]) == {"VIP 客户", "重点客户", "普通客户", "低价值客户"}
    assert set(exp["tier_en"]) == {"VIP", "Key", "Regular", "Low value"}
    # the list does not depend on the report language (mask_pii only empties the name)
    zh = seg.crm_export(plays, rfm, attrs, None, p.model_copy(update={"lang": "zh"}))
    pd.testing.assert_frame_equal(zh, exp)
    masked = seg.crm_export(plays, rfm, attrs, None, p.model_copy(update={"mask_pii": True}))
    assert list(masked.columns) == list(exp.columns) and masked["name"].isna().all()
    assert set(zh["tier"]) == set(p.tier_names)  # keys stay canonical


def test_migration(sample):
    ds, p, prep, _, value = sample
    trans, problem = seg.tier_migration(prep, value, p)
    assert problem is None and trans.attrs["previous_date"] == pd.Timestamp("2026-05-04")
    assert trans["customers"].sum() == len(value)
    shares = trans.groupby("previous_tier")["share_of_previous"].sum()
    assert shares.round(9).eq(1.0).all()
    vip = trans.loc[trans["previous_tier"] == "VIP"].set_index("current_tier")
    # most key accounts stay on top; nobody jumps from VIP to low value in half a year
    assert vip.loc["VIP", "share_of_previous"] > 0.6 and "low value" not in vip.index
    assert set(trans["movement"]) == {"up", "down", "same", "new"}
    late = p.model_copy(update={"migration_days": 1000})
    assert seg.tier_migration(prep, value, late)[1] is not None


def test_migration_by_hand():
    rows = [("1", "2026-01-10", "A", 100.0), ("2", "2026-01-20", "B", 10.0), ("3", "2026-03-01", "B", 500.0),
            ("4", "2026-03-05", "C", 50.0)]
    o = pd.DataFrame(rows, columns=["order_id", "order_date", "customer_id", "amount"])
    o["order_date"] = pd.to_datetime(o["order_date"])
    ds = Dataset(Path("."), DatasetMeta(), {"orders": o}, {}, [])
    p = seg.SegmentationParams(as_of="2026-03-31", migration_days=60,
                               tier_rules=[{"tier": "top", "top_share": 0.5}, {"tier": "rest", "top_share": 1.0}],
                               playbook=[{"play": "all", "action": "x"}])
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    value = seg.value_tiers(rfm, seg.clv_table(prep, rfm, p), p)  # too few buyers: current value only
    trans, _ = seg.tier_migration(prep, value, p)
    got = {(r.previous_tier, r.current_tier): (r.customers, r.movement) for r in trans.itertuples()}
    # on 2026-01-30: A top (100), B rest (10); on 2026-03-31: B top (510), A and C rest
    assert got == {("top", "rest"): (1, "down"), ("rest", "top"): (1, "up"), ("(new)", "rest"): (1, "new")}
