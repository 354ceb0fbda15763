"""Drivers: the statsmodels regression in plain words; theme effects equal statsmodels; the sample's channel."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import workbench.feedback as fbk
from workbench.data import load_dataset
from workbench.feedback import drivers
from workbench.paths import PROJ_ROOT


def test_theme_effects_equal_statsmodels_hc1():
    rng = np.random.default_rng(1)
    X = np.column_stack([np.ones(400), rng.random(400), rng.random(400) < 0.5])
    V = (rng.random((400, 2)) < 0.3).astype(float)
    y = X @ [5.0, 1.0, -0.5] + V @ [0.8, 0.0] + rng.normal(0, 1 + V[:, 0], 400)
    got = drivers.theme_effects(X, y, V)
    for j in range(2):
        res = sm.OLS(y, np.column_stack([X, V[:, j]])).fit(cov_type="HC1")
        assert got[j] == pytest.approx((res.params[-1], res.bse[-1]), rel=1e-9)


def test_rare_levels_pooled_and_a_duplicate_factor_dropped():
    rng = np.random.default_rng(2)
    n = 300
    channel = rng.choice(["A", "B"], n, p=[0.65, 0.35])
    channel[:5] = "tiny"
    seg = np.where(np.arange(n) < 60, "unknown", rng.choice(["x", "y"], n))
    frame = pd.DataFrame({"nps": rng.integers(0, 11, n).astype(float), "channel": channel, "tier": seg,
                          "source": np.where(seg == "unknown", "social", "survey")})
    frame.loc[channel == "B", "nps"] = frame.loc[channel == "B", "nps"].clip(upper=4)
    t, fit, err, dropped = drivers.fit_drivers(frame, "nps", ["channel", "tier", "source"], [], 30)
    assert err is None and dropped == ["source"]  # 'social' is exactly the 'unknown' segment
    assert "other" in set(t.loc[t["factor"].eq("channel"), "level"])  # 'tiny' (5 answers) pooled
    b = t.loc[t["level"].eq("B")].iloc[0]
    assert b["reference"] == "A" and b["ci_high"] < 0 and "lower" in b["sentence_en"]
    assert fit[0] == n


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(PROJ_ROOT / "data" / "sample", strict=False)
    params = fbk.FeedbackParams()
    fd = fbk.nps.prepare(ds, params)
    cm = fbk.comments.analyse(fd, params)
    return drivers.analyse(fd, cm, ds, params)


def test_sample_telesales_drives_satisfaction_down(sample):
    t = sample.table
    assert set(t["outcome"]) == {"nps", "csat"}
    for outcome in ("nps", "csat"):
        top = drivers.clear_effects(t.loc[t["outcome"].eq(outcome)]).iloc[0]
        assert (top["factor"], top["level"]) == ("channel", "CH07 电话销售") and top["ci_high"] < 0
        assert "lower" in top["sentence_en"] and "低" in top["sentence_zh"]
    nps_eff = t.loc[t["outcome"].eq("nps") & t["level"].eq("CH07 电话销售"), "effect"].iloc[0]
    assert -3.5 < nps_eff < -2.3  # planted mean 5.0 against about 8 elsewhere
    assert {"channel", "tier", "category", "theme"} <= set(t["factor"])
    assert any("duplicates another" in n.text("en") for n in sample.notes)


def test_latest_category_before_the_response():
    resp = pd.DataFrame({"customer_id": ["C1", "C1", "C2", None], "date": pd.to_datetime(
        ["2026-01-10", "2026-03-10", "2026-01-01", "2026-01-01"])})
    orders = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "order_date": pd.to_datetime(
        ["2026-01-01", "2026-02-01", "2026-02-01"]), "product_id": ["P1", "P2", "P1"]})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "category": ["lock", "cam"]})
    got = drivers.latest_category(resp, orders, products)
    assert got.iloc[:2].tolist() == ["lock", "cam"] and got.iloc[2:].isna().all()
