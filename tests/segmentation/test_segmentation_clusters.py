"""Clusters: features, k by silhouette among stable solutions, bootstrap ARI, profiles in words."""

import json

import numpy as np
import pandas as pd
import pytest

import workbench.segmentation as seg
from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR
from workbench.segmentation import clusters as cl_mod


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE_DIR)
    p = seg.SegmentationParams(n_bootstrap=5)
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    return ds, p, prep, rfm, seg.cluster_customers(prep, rfm, ds, p)


def test_features(sample):
    ds, _, prep, rfm, _ = sample
    f = seg.features(prep, rfm, ds)
    assert len(f.raw) == len(rfm) and set(f.mix_columns) == {"channel", "product"}
    for cols in f.mix_columns.values():
        assert np.allclose(f.raw[cols].sum(axis=1), 1.0)
    # channel types; an id the channels table does not know (the planted orphan CH99) stays itself
    assert {f.labels[c] for c in f.mix_columns["channel"]} - set(ds["channels"]["type"]) <= {"CH99", "other"}
    one = rfm.iloc[0]
    assert f.raw.loc[one["customer_id"], "feat_order_value"] == pytest.approx(one["monetary"] / one["frequency"])


def test_choice_of_k_and_stability(sample):
    _, p, _, rfm, cl = sample
    assert cl.ok and p.k_min <= cl.k <= p.k_max
    kt = cl.k_table
    chosen = kt.loc[kt["chosen"]].iloc[0]
    assert chosen["k"] == cl.k and chosen["ari_mean"] >= cl_mod.STABLE and cl.stability == "stable"
    # no stable k has a better silhouette than the chosen one
    stable = kt.loc[kt["ari_mean"] >= cl_mod.STABLE]
    assert chosen["silhouette"] == stable["silhouette"].max()
    assert len(cl.ari) == p.n_bootstrap
    # every customer has a cluster, numbered by size
    assert cl.labels.index.equals(pd.Index(rfm["customer_id"]))
    sizes = cl.labels.value_counts().sort_index()
    assert sizes.index.tolist() == list(range(1, cl.k + 1)) and sizes.is_monotonic_decreasing


def test_profiles_describe_the_key_accounts(sample):
    _, _, _, rfm, cl = sample
    prof = cl_mod.profiles(cl, rfm, None)
    assert prof["customers"].sum() == len(rfm) and prof["share_revenue"].sum() == pytest.approx(1.0)
    assert prof["profile"].str.len().gt(0).all() and prof["profile_zh"].str.len().gt(0).all()
    # the planted B2B key accounts sit in a high-spend, frequent cluster
    richest = prof.loc[prof["median_monetary"].idxmax()]
    assert "high net revenue to date" in richest["profile"] and "消费额高" in richest["profile_zh"]
    assert richest["mean_frequency"] > 1.8 * rfm["frequency"].mean()
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["vip_segment"]["customer_ids"]
    assert cl.labels.reindex(truth).eq(richest["cluster"]).mean() >= 0.9


def test_deterministic(sample):
    ds, p, prep, rfm, cl = sample
    again = seg.cluster_customers(prep, rfm, ds, p)
    pd.testing.assert_series_equal(cl.labels, again.labels)
    pd.testing.assert_frame_equal(cl.k_table, again.k_table)


def test_too_few_customers(sample):
    ds, p, prep, rfm, _ = sample
    res = seg.cluster_customers(prep, rfm.head(20), ds, p)
    assert not res.ok and res.problem.values == {"need": 30, "per": 10, "k": 3, "n": 20}
    assert cl_mod.profiles(res, rfm, None).empty
