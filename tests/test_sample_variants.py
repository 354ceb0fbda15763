"""Benchmark variants of the sample: more regions, more reps, more leads.

Each variant is compared with the base sample of the same seed and scale: the
reshaping must keep every order's amount, send every new region / rep back to
the original one it came from, and keep target and market-share totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data.loader import load_dataset
from workbench.sample import build_sample, generate_sample
from workbench.sample_variants import allocate

SCALE = 0.3


@pytest.fixture(scope="module")
def base():
    return build_sample(seed=7, scale=SCALE)


@pytest.fixture(scope="module")
def variant():
    return build_sample(seed=7, scale=SCALE, regions=30, reps=500)


def test_allocate_is_proportional_and_exact():
    got = allocate(30, np.array([0.30, 0.22, 0.18, 0.11, 0.10, 0.05, 0.04]))
    assert got.sum() == 30 and got.min() >= 1
    assert list(got) == [9, 7, 5, 3, 3, 2, 1]  # 23 spare seats by largest remainder
    with pytest.raises(ValueError, match="at least 1"):
        allocate(3, np.ones(7))


def test_thirty_regions_each_back_to_its_parent(base, variant):
    (b, _), (v, truth) = base, variant
    parent = truth["variant"]["region_parent"]
    assert len(parent) == 30 and v["reps"]["region"].nunique() == 30
    assert set(parent.values()) == set(b["reps"]["region"])
    # orders: same rows, same amounts, the new region's parent is the old region
    assert len(v["orders"]) == len(b["orders"])
    np.testing.assert_array_equal(v["orders"]["amount"], b["orders"]["amount"])
    back = v["orders"]["region"].map(lambda r: parent.get(r, r))
    assert (back.to_numpy() == b["orders"]["region"].to_numpy()).all()
    cback = v["customers"]["region"].map(lambda r: parent.get(r, r))
    assert (cback.to_numpy() == b["customers"]["region"].to_numpy()).all()
    # an order of a customer in the same region lands in the customer's sub-region
    c = v["customers"].drop_duplicates("customer_id").set_index("customer_id")["region"]
    o = v["orders"].loc[v["orders"]["customer_id"].isin(c.index)]
    same_parent = o["region"].map(lambda r: parent.get(r, r)) == o["customer_id"].map(c).map(lambda r: parent.get(r, r))
    assert (o.loc[same_parent, "region"] == o.loc[same_parent, "customer_id"].map(c)).all()


def test_region_targets_and_market_share_keep_their_totals(base, variant):
    (b, _), (v, truth) = base, variant
    parent = truth["variant"]["region_parent"]
    bt = b["targets"].loc[b["targets"]["level"] == "region"].groupby(["period", "kpi", "key"])["target"].sum()
    vt = v["targets"].loc[v["targets"]["level"] == "region"]
    vt = vt.assign(key=vt["key"].map(parent)).groupby(["period", "kpi", "key"])["target"].sum()
    pd.testing.assert_series_equal(vt.round(2), bt.round(2), check_exact=False, atol=0.011)
    bm = b["market_share"].groupby(["period", "competitor", "region"])["sales"].sum()
    vm = v["market_share"].assign(region=v["market_share"]["region"].map(lambda r: parent.get(r, r)))
    vm = vm.groupby(["period", "competitor", "region"])["sales"].sum()
    pd.testing.assert_series_equal(vm, bm, check_exact=False, atol=0.011)
    # every other target row is untouched
    others = ~v["targets"]["level"].isin(["region", "rep"])
    assert others.sum() == (~b["targets"]["level"].isin(["region", "rep"])).sum()
    # the region-level action follows its region into a sub-region of it
    act = v["actions"].loc[v["actions"]["level"] == "region", "key"]
    assert len(act) and all(parent[k] == "西南" for k in act)


def test_reps_split_within_their_team(base, variant):
    (b, _), (v, truth) = base, variant
    parent = truth["variant"]["rep_parent"]
    assert len(v["reps"]) == 500 and v["reps"]["rep_id"].is_unique
    assert set(parent.values()) == set(b["reps"]["rep_id"])
    per_parent = pd.Series(parent).value_counts()
    assert per_parent.max() - per_parent.min() <= 1  # dealt evenly
    team = b["reps"].set_index("rep_id")["team"]
    assert (v["reps"]["rep_id"].map(parent).map(team) == v["reps"]["team"]).all()
    for name in ("orders", "leads"):
        back = v[name]["rep_id"].map(lambda r: parent.get(r, r))
        assert (back.to_numpy() == b[name]["rep_id"].to_numpy()).all(), name
    used = v["orders"]["rep_id"].loc[lambda s: s != ""].nunique()
    assert used > 400  # the orders really are spread over the new reps
    bt = b["targets"].loc[b["targets"]["level"] == "rep"].groupby(["period", "key"])["target"].sum()
    vt = v["targets"].loc[v["targets"]["level"] == "rep"]
    vt = vt.assign(key=vt["key"].map(parent)).groupby(["period", "key"])["target"].sum()
    pd.testing.assert_series_equal(vt, bt, check_exact=False, atol=0.011)


def test_lead_scale_grows_the_leads_only():
    b, _ = build_sample(seed=7, scale=SCALE)
    v, truth = build_sample(seed=7, scale=SCALE, lead_scale=2 * SCALE)
    assert truth["variant"]["lead_scale"] == 2 * SCALE
    assert 1.8 < len(v["leads"]) / len(b["leads"]) < 2.2
    assert 0.95 < len(v["orders"]) / len(b["orders"]) < 1.25  # won leads add B2B orders only


def test_variant_folder_loads_without_errors(tmp_path):
    truth = generate_sample(tmp_path, seed=7, scale=0.2, regions=12, reps=150)
    ds = load_dataset(tmp_path, strict=False)
    assert not ds.errors, ds.errors
    assert ds["reps"]["region"].nunique() == 12 and len(ds["reps"]) == 150
    assert truth["row_counts"]["reps"] == 150


def test_variant_arguments_are_checked():
    with pytest.raises(ValueError, match="regions=5"):
        build_sample(seed=7, scale=0.1, regions=5)
    with pytest.raises(ValueError, match="reps=10"):
        build_sample(seed=7, scale=0.1, reps=10)
    with pytest.raises(ValueError, match="lead_scale"):
        build_sample(seed=7, scale=0.1, lead_scale=0)
