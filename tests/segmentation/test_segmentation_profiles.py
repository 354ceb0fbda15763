"""Profiles by attribute (with fallbacks from orders), Wilson intervals, CAC and CLV / CAC by hand."""

from pathlib import Path

import pandas as pd
import pytest

import workbench.segmentation as seg
from workbench.data.loader import Dataset, DatasetMeta


def _orders():
    rows = [("O1", "2026-01-05", "A", 100.0, "CH1", "华东"), ("O2", "2026-02-05", "A", 100.0, "CH2", "华南"),
            ("O3", "2026-03-05", "A", 100.0, "CH2", "华东"), ("O4", "2026-02-10", "B", 50.0, "CH2", "华南"),
            ("O5", "2026-03-20", "C", 30.0, "CH2", "华南"), ("O6", "2025-12-20", "D", 80.0, "CH1", None)]
    o = pd.DataFrame(rows, columns=["order_id", "order_date", "customer_id", "amount", "channel_id", "region"])
    o["order_date"] = pd.to_datetime(o["order_date"])
    o["region"] = o["region"].astype("str")
    return o


def _spend():
    return pd.DataFrame({"period": ["2026-01", "2026-02", "2026-03", "2026-Q1"], "channel_id": ["CH2"] * 3 + ["CH1"],
                         "amount": [30.0, 30.0, 30.0, 500.0]})


def test_attributes_fall_back_to_orders():
    ds = Dataset(Path("."), DatasetMeta(), {"orders": _orders()}, {}, [])
    p = seg.SegmentationParams(as_of="2026-03-31")
    prep = seg.prepare(ds, p)
    a = seg.attributes(prep, seg.rfm_table(prep, p), ds).set_index("customer_id")
    assert a.attrs["source"] == {"name": "none", "region": "orders", "industry": "none",
                                 "acquisition_channel_id": "orders"}
    assert a.loc["A", "region"] == "华东" and a.loc["B", "region"] == "华南" and pd.isna(a.loc["D", "region"])
    assert a["acquisition_channel_id"].to_dict() == {"A": "CH1", "B": "CH2", "C": "CH2", "D": "CH1"}
    assert a["industry"].isna().all()


def test_profile_by_region_with_wilson_interval():
    ds = Dataset(Path("."), DatasetMeta(), {"orders": _orders()}, {}, [])
    p = seg.SegmentationParams(as_of="2026-03-31", tier_rules=[{"tier": "VIP", "top_share": 0.25},
                                                               {"tier": "rest", "top_share": 1.0}],
                               playbook=[{"play": "all", "action": "x"}], min_group_size=2)
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    value = seg.value_tiers(rfm, seg.ClvResult(pd.DataFrame(), None, seg.Problem("", "")), p)
    attrs = seg.attributes(prep, rfm, ds)
    tab = seg.profile_by("region", attrs, rfm, value, p).set_index("group")
    assert tab.loc["华东", ["customers", "revenue", "vip_customers"]].tolist() == [1, 300.0, 1]  # A is the top 25 %
    assert tab.loc["华南", ["customers", "revenue", "vip_customers"]].tolist() == [2, 80.0, 0]
    assert tab.loc["(unknown)", "customers"] == 1
    lo, hi = tab.loc["华东", ["vip_ci_low", "vip_ci_high"]]
    assert lo == pytest.approx(0.2065, abs=1e-3) and hi == pytest.approx(1.0)  # Wilson for 1 of 1
    assert bool(tab.loc["华东", "small_group"]) and not bool(tab.loc["华南", "small_group"])
    assert seg.profile_by("industry", attrs, rfm, value, p).empty


def test_channel_value_cac_by_hand():
    cust = pd.DataFrame({"customer_id": ["A", "B", "C", "D"], "created_date": pd.to_datetime(
        ["2025-06-01", "2026-02-01", "2026-03-15", "2025-12-01"]), "acquisition_channel_id": ["CH1", "CH2", "CH2", "CH1"]})
    for c in ("customer_id", "acquisition_channel_id"):
        cust[c] = cust[c].astype("str")
    ds = Dataset(Path("."), DatasetMeta(), {"orders": _orders(), "customers": cust, "spend": _spend()}, {}, [])
    p = seg.SegmentationParams(as_of="2026-03-31")
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    value = seg.value_tiers(rfm, seg.ClvResult(pd.DataFrame(), None, seg.Problem("", "")), p)
    attrs = seg.attributes(prep, rfm, ds)
    cv = seg.channel_value(prep, attrs, rfm, value, ds, p).set_index("acquisition_channel_id")
    assert cv.attrs["acquired_from"] == "created_date" and cv.attrs["value_basis"] == "revenue"
    # CH2: spend 90 over 2026-01..03; B and C were created in those months -> CAC 45; value (50 + 30) / 2 = 40
    assert cv.loc["CH2", ["customers", "spend", "new_customers", "cac"]].tolist() == [2, 90.0, 2, 45.0]
    assert cv.loc["CH2", "value_per_new_customer"] == 40.0 and cv.loc["CH2", "clv_cac"] == pytest.approx(40 / 45)
    # CH1's quarterly spend counts in the shared CAC window (workbench.measures, the 12 complete months
    # 2025-04..2026-03): A and D were created in it -> 500 / 2
    assert cv.loc["CH1", ["spend", "new_customers", "cac"]].tolist() == [500.0, 2, 250.0]
    assert cv.loc["CH1", "revenue"] == 380.0 and set(cv["cac_window"]) == {"2025-04..2026-03"}
    sc = seg.segment_channel(attrs, rfm, value)
    assert sc["customers"].sum() == 4 and sc["revenue"].sum() == rfm["monetary"].sum()
