"""Attainment: targets spread and regrouped, statuses for bad inputs, lights, gap split; the planted region miss."""

import json

import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.kpi import actuals as A
from workbench.kpi import attainment as T
from workbench.kpi.params import KpiParams
from workbench.paths import SAMPLE_DIR

ORDERS = """order_id,order_date,customer_id,amount,channel_id,product_id,quantity,rep_id,region
O1,2026-01-10,C1,1000,CH1,P1,10,R1,华东
O2,2026-01-20,C2,500,CH1,P2,5,R2,
O3,2026-02-05,C1,1200,CH1,P1,12,R1,华东
O4,2026-02-15,C3,300,CH2,P1,3,,华东
O5,2026-03-03,C1,-100,CH1,P1,-1,R1,华东
O6,2026-03-10,C2,800,CH1,P2,8,R2,华南
"""
TARGETS = """period,kpi,level,key,target
2026-Q1,revenue,region,华东,3000
2026-01,revenue,region,华南,400
2026-01,revenue,region,西藏,100
2026-05,revenue,company,,1000
2026-02,revenue,rep,R1,1000
2026-03,revenue,rep,R1,1000
"""


def _ds(tmp_path, targets=TARGETS, extra=None):
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "customers.csv").write_text("customer_id,region\nC1,华东\nC2,华南\nC3,华东\n", encoding="utf-8")
    (tmp_path / "reps.csv").write_text("rep_id,name,team,region\nR1,甲,一组,华东\nR2,乙,一组,华南\n", encoding="utf-8")
    if targets is not None:
        (tmp_path / "targets.csv").write_text(targets, encoding="utf-8")
    for name, text in (extra or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return load_dataset(tmp_path, strict=False)


def _params(**kw):
    base = {"kpis": ["revenue", "orders"], "custom_kpis": {}, "as_of": "2026-03-31", "review_periods": 3}
    return KpiParams(**{**base, **kw})


def test_quarter_target_prorated_by_days_and_statuses(tmp_path):
    p = _params()
    kd = A.prepare(_ds(tmp_path), p)
    att = T.attainment_table(kd, p).set_index(["period", "level", "key"])
    east = att.xs(("region", "华东"), level=("level", "key"))
    assert east.loc["2026-01", "target"] == pytest.approx(3000 * 31 / 90)
    assert east.loc["2026-02", "target"] == pytest.approx(3000 * 28 / 90)
    assert east.loc["2026-01", "attainment"] == pytest.approx(1000 / (3000 * 31 / 90))
    assert east.loc["2026-02", "actual"] == 1500  # the rep-less order still counts for its region
    assert list(east["light"]) == ["amber", "green", "red"]
    # the blank region of O2 was taken from the customer
    assert att.loc[("2026-01", "region", "华南"), "actual"] == 500
    assert att.loc[("2026-01", "region", "西藏"), "status"] == "no_data_key"
    assert pd.isna(att.loc[("2026-01", "region", "西藏"), "attainment"])
    assert att.loc[("2026-05", "company", ""), "status"] == "no_actuals"
    assert att.loc[("2026-03", "rep", "R1"), "actual"] == -100  # the return nets
    text = " ".join(n.en for n in kd.notes)
    assert "no data at all" in text and "outside the data" in text and "spread over months" in text


def test_quarter_review_of_monthly_targets_and_partial_coverage(tmp_path):
    p = _params(period="quarter", review_periods=1)
    kd = A.prepare(_ds(tmp_path), p)
    att = T.attainment_table(kd, p).set_index(["period", "level", "key"])
    assert att.loc[("2026-Q1", "region", "华东"), "attainment"] == pytest.approx(2400 / 3000)
    # 华南 has a target for January only: the quarter is only partly covered, no attainment
    assert att.loc[("2026-Q1", "region", "华南"), "status"] == "partial_target"
    s = T.attainment_summary(T.attainment_table(kd, p), kd, p).set_index(["level", "key"])
    assert s.loc[("region", "华东"), "light"] == "red" and s.loc[("region", "华东"), "window"] == "2026-01..2026-03"


def test_conflicting_duplicate_targets_switch_targets_off_with_a_note(tmp_path):
    dup = TARGETS + "2026-01,revenue,region,华南,450\n"
    p = _params()
    kd = A.prepare(_ds(tmp_path, dup), p)
    assert kd.targets is None
    assert any("targets were rejected" in n.en for n in kd.notes)
    assert T.attainment_table(kd, p).empty


def test_rep_who_left_is_marked(tmp_path):
    reps = "rep_id,name,team,region,leave_date\nR1,甲,一组,华东,2026-03-02\nR2,乙,一组,华南,\n"
    p = _params()
    kd = A.prepare(_ds(tmp_path, extra={"reps.csv": reps}), p)
    att = T.attainment_table(kd, p).set_index(["period", "level", "key"])
    assert att.loc[("2026-03", "rep", "R1"), "status"] == "left"
    assert att.loc[("2026-02", "rep", "R1"), "status"] == "ok"
    assert any("left or stopped working" in n.en for n in kd.notes)


def test_price_volume_mix_by_hand():
    base = pd.DataFrame({"product_id": ["P1", "P2"], "revenue": [1000.0, 500.0], "quantity": [10.0, 10.0]})
    cur = pd.DataFrame({"product_id": ["P1", "P2"], "revenue": [1320.0, 200.0], "quantity": [12.0, 4.0]})
    r = T.price_volume_mix(cur, base, target=1800.0)
    assert (r["volume"], r["price"], r["mix"]) == pytest.approx((-300.0, 120.0, 200.0))
    assert r["volume_vs_target"] == pytest.approx(-600.0)
    assert r["volume_vs_target"] + r["price"] + r["mix"] == pytest.approx(r["gap_vs_target"]) == -280.0
    # a new product has no price effect; the parts still add up
    cur2 = pd.concat([cur, pd.DataFrame({"product_id": ["P3"], "revenue": [90.0], "quantity": [3.0]})])
    r2 = T.price_volume_mix(cur2, base)
    assert r2["volume"] + r2["price"] + r2["mix"] == pytest.approx(r2["gap_vs_base"]) and r2["price"] == 120.0


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE_DIR, strict=False)
    p = KpiParams()
    kd = A.prepare(ds, p)
    return kd, p, T.attainment_table(kd, p)


def test_planted_region_miss_is_red(sample):
    kd, p, att = sample
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["missed_target_region"]
    s = T.attainment_summary(att, kd, p)
    reg = s.loc[(s["kpi"] == "revenue") & (s["level"] == "region")].set_index("key")
    assert s["window"].iloc[0] == "..".join(truth["periods"])
    # blank order regions are attributed through the customer: the clean-data attainment is recovered
    assert reg.loc[truth["region"], "attainment"] == pytest.approx(truth["attainment"], abs=0.002)
    assert reg.loc[truth["region"], "light"] == "red" and reg.loc[truth["region"], "red_periods"] >= 10
    for region, value in truth["other_regions_attainment"].items():
        assert reg.loc[region, "attainment"] == pytest.approx(value, abs=0.003)
        assert reg.loc[region, "light"] != "red"


def test_sample_gap_split_adds_up_and_blames_volume(sample):
    kd, p, att = sample
    gap = T.gap_table(kd, att, p).set_index("key")
    sw = gap.loc["西南"]
    assert sw["volume_vs_target"] + sw["price"] + sw["mix"] == pytest.approx(sw["gap_vs_target"])
    assert sw["gap_vs_target"] < -1.5e6 and abs(sw["volume_vs_target"]) > 5 * abs(sw["price"])
