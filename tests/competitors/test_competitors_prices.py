"""Price position: conversions, the Jevons index by hand, undercuts dated, and the sample's planted undercut."""

import json

import numpy as np
import pandas as pd
import pytest

import workbench.competitors as comp
from workbench.competitors import prices
from workbench.data import load_dataset
from workbench.paths import PROJ_ROOT

SAMPLE = PROJ_ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE, strict=False)
    params = comp.CompetitorParams()
    cx = comp.prepare(ds, params)
    return ds, cx, prices.analyse(cx, params)


def _products():
    return pd.DataFrame({"product_id": ["P1", "P2", "P3"], "category": ["lock", "lock", "cam"],
                         "list_price": [100.0, 300.0, 50.0]})


def test_convert_prices_currency_column_fx_rates_and_factors():
    p = pd.DataFrame({"competitor": ["A", "A", "B", "C"], "price": [10.0, 100.0, 5000.0, 7.0],
                      "currency": ["USD", "", "CNY", "EUR"]})
    out, unknown = prices.convert_prices(p, "CNY", fx_rates={"usd": 7.2}, price_factors={"B": 0.01})
    assert out["price"].tolist() == [72.0, 100.0, 50.0]
    assert out["currency"].tolist() == ["USD", "CNY", "CNY"]
    assert unknown.to_dict() == {"EUR": 1}  # no rate: set aside, never guessed


def test_rmb_and_yuan_spellings_are_our_currency():
    p = pd.DataFrame({"competitor": ["A", "A"], "price": [1.0, 2.0], "currency": ["RMB", "元"]})
    out, unknown = prices.convert_prices(p, "CNY")
    assert len(out) == 2 and unknown.empty


def test_observations_use_product_then_category_reference():
    p = pd.DataFrame({"date": pd.to_datetime(["2026-01-01"] * 4), "competitor": ["A"] * 4,
                      "product_id": ["P1", np.nan, "P9", np.nan], "category": [np.nan, "lock", "cam", "tv"],
                      "channel_id": ["C1"] * 4, "price": [90.0, 180.0, 55.0, 10.0]})
    obs, dropped = prices.price_observations(p, _products())
    assert obs["our_price"].tolist() == [100.0, 200.0, 50.0]  # product, lock mean (100+300)/2, cam via category
    assert obs["ratio"].round(3).tolist() == [0.9, 0.9, 1.1]
    assert obs["level"].tolist() == ["product", "category", "category"]
    assert dropped["no_reference"] == 1  # 'tv' is a category we do not sell


def test_price_index_is_a_geometric_mean_with_a_t_interval():
    obs = pd.DataFrame({"competitor": "A", "category": "lock", "channel_id": ["C1", "C1", "C2"],
                        "month": "2026-01", "ratio": [0.8, 0.9, 1.0]})
    idx = prices.price_index(obs)
    pooled = idx.loc[idx["channel_id"].eq("all")].iloc[0]
    assert pooled["n_obs"] == 3
    assert pooled["price_index"] == pytest.approx(100 * (0.8 * 0.9 * 1.0) ** (1 / 3))
    lr = np.log([0.8, 0.9, 1.0])
    half = 4.302652729911275 * lr.std(ddof=1) / np.sqrt(3)  # t(0.975, 2)
    assert pooled["ci_low"] == pytest.approx(100 * np.exp(lr.mean() - half))
    c1 = idx.loc[idx["channel_id"].eq("C1")].iloc[0]
    assert c1["price_index"] == pytest.approx(100 * np.sqrt(0.72)) and c1["n_obs"] == 2
    c2 = idx.loc[idx["channel_id"].eq("C2")].iloc[0]
    assert np.isnan(c2["ci_low"])  # one observation: no interval


def test_undercut_dated_at_the_first_date_it_never_came_back():
    dates = pd.date_range("2026-01-01", periods=10, freq="7D")
    ratio = [1.0, 0.99, 1.01, 0.90, 1.0, 0.85, 0.86, 0.84, 0.85, 0.86]  # a one-off dip, then a real cut
    obs = pd.DataFrame({"date": dates, "competitor": "A", "category": "lock", "channel_id": "C1", "ratio": ratio})
    u = prices.undercuts(obs, threshold=0.05, min_dates=3)
    assert len(u) == 1
    r = u.iloc[0]
    assert r["since"] == dates[5] and r["status"] == "new" and r["dates_in_run"] == 5
    assert r["price_index"] == pytest.approx(100 * np.exp(np.log(ratio[5:]).mean()))
    assert r["index_before"] == pytest.approx(100 * np.exp(np.log(ratio[:5]).mean()))
    # a standing difference is dated from the start; a competitor at parity is no undercut
    obs2 = obs.assign(ratio=0.9)
    assert prices.undercuts(obs2, 0.05, 3).iloc[0]["status"] == "since_start"
    assert prices.undercuts(obs.assign(ratio=0.97), 0.05, 3).empty


def test_sample_planted_undercut_found_and_dated(sample):
    _, _, pa = sample
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))["undercut"]
    new = pa.undercuts.loc[pa.undercuts["status"].eq("new")]
    assert len(new) == 1
    r = new.iloc[0]
    assert (r["competitor"], r["category"]) == (truth["competitor"], truth["category"])
    assert f"{r['since']:%Y-%m-%d}" == truth["start_date"]
    assert r["price_index"] == pytest.approx(100 * (1 - truth["discount"]), abs=1.0)
    assert abs(r["index_before"] - 100) <= 100 * truth["before_band"]
    assert r["channels"] == "CH03, CH04, CH05"
    # the monthly index shows it too: February at parity, March at 85
    idx = pa.index.loc[pa.index["competitor"].eq("优居科技") & pa.index["category"].eq("智能门锁")
                       & pa.index["channel_id"].eq("all")].set_index("month")["price_index"]
    assert abs(idx["2026-02"] - 100) < 2.5 and abs(idx["2026-03"] - 85) < 1.5


def test_sample_price_gaps_position(sample):
    _, _, pa = sample
    g = pa.gaps.set_index(["competitor", "category"])
    assert g.loc[("优居科技", "智能门锁"), "position"] == "cheaper"
    assert g.loc[("安途智能", "智能门锁"), "position"] == "dearer"  # planted at 1.08 x ours
    assert (g["gap_p10"] <= g["gap_median"]).all() and (g["gap_median"] <= g["gap_p90"]).all()
    assert g["n_obs"].sum() == (pa.observations["month"] >= pa.recent_from).sum()


def test_prices_in_another_currency_are_set_aside_with_a_note(sample):
    ds, _, _ = sample
    ds2 = type(ds)(ds.root, ds.meta, dict(ds.tables), ds.files, ds.issues)
    cp = ds.tables["competitor_prices"].copy()
    usd = cp["competitor"].eq("海岚电子")
    cp.loc[usd, "price"] = (cp.loc[usd, "price"] / 7.2).round(2)  # recorded in dollars, no currency column
    ds2.tables["competitor_prices"] = cp
    params = comp.CompetitorParams()
    pa = prices.analyse(comp.prepare(ds2, params), params)
    assert set(pa.set_aside["competitor"]) == {"海岚电子"}
    assert any("another currency or unit" in n.text("en") for n in pa.notes)
    assert "海岚电子" not in set(pa.index["competitor"])
    # stating the currency fixes it
    cp["currency"] = np.where(usd, "USD", "CNY")
    ds2.tables["competitor_prices"] = cp
    params = comp.CompetitorParams(fx_rates={"USD": 7.2})
    pa = prices.analyse(comp.prepare(ds2, params), params)
    assert pa.set_aside.empty and "海岚电子" in set(pa.index["competitor"])
    assert any("converted" in n.text("en") for n in pa.notes)


def test_price_section_off_without_its_tables(sample):
    ds, _, _ = sample
    ds2 = type(ds)(ds.root, ds.meta, {"orders": ds.tables["orders"]}, ds.files, [])
    params = comp.CompetitorParams()
    cx = comp.prepare(ds2, params)
    assert not cx.ok and "No competitor data" in cx.notes[0].text("en")
    pa = prices.analyse(cx, params)
    assert not pa.ok and "competitor_prices" in pa.notes[0].text("en")
