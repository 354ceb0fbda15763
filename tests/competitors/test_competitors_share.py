"""Market share: shares and ranks by hand, changes beyond noise flagged, trends; the sample's planted gain."""

import numpy as np
import pandas as pd
import pytest

import workbench.competitors as comp
from workbench.competitors import share
from workbench.data import load_dataset
from workbench.paths import PROJ_ROOT


@pytest.fixture(scope="module")
def sample_share():
    ds = load_dataset(PROJ_ROOT / "data" / "sample", strict=False)
    params = comp.CompetitorParams()
    return share.analyse(comp.prepare(ds, params), params)


def test_shares_and_ranks_by_hand():
    ms = pd.DataFrame({"period": ["2026-Q1"] * 4, "competitor": ["us", "A", "us", "A"],
                       "region": ["N", "N", "S", "S"], "sales": [60.0, 40.0, 10.0, 30.0]})
    t = share.shares(ms, "us").set_index(["region", "competitor"])
    assert t.loc[("N", "us"), "share"] == pytest.approx(0.6) and t.loc[("N", "us"), "rank"] == 1
    assert t.loc[("S", "us"), "share"] == pytest.approx(0.25) and t.loc[("S", "us"), "rank"] == 2
    assert t.loc[("all", "us"), "share"] == pytest.approx(70 / 140) and bool(t.loc[("all", "us"), "is_us"])
    assert t.groupby(level="region")["share"].sum().round(12).eq(1).all()


def test_a_step_beyond_noise_is_flagged_and_noise_is_not():
    rng = np.random.default_rng(0)
    periods = [f"{y}-Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)]
    rows = []
    for i, p in enumerate(periods):
        for r in range(6):
            rows.append((p, "us", f"R{r}", 100 * np.exp(rng.normal(0, 0.03))))
            step = 1.4 if (i >= 9 and r == 0) else 1.0  # A gains 40% in one region from period 9
            rows.append((p, "A", f"R{r}", 80 * step * np.exp(rng.normal(0, 0.03))))
    t, noise = share.flag_changes(share.shares(pd.DataFrame(rows, columns=["period", "competitor", "region",
                                                                         "sales"]), "us"), 4, 0.1)
    flagged = t.loc[t["beyond_noise"]]
    top = flagged.loc[flagged["z"].abs().idxmax()]
    assert (top["region"], top["period"], top["competitor"]) == ("R0", periods[9], "A")
    assert top["change_vs_baseline"] == pytest.approx(0.24, abs=0.05)  # 40% more sales: share 44% -> 53%
    # elsewhere only noise: false alarms stay a small minority of ~200 screened changes (FDR 10%)
    others = flagged.loc[~flagged["region"].isin(["R0", "all"])]
    assert len(others) <= 3 and len(others) < len(flagged) / 2
    assert 0 < noise["region"] < 0.05 and 0 < noise["all"] < noise["region"]


def test_sample_youju_gain_from_2026_q2_flagged(sample_share):
    t = sample_share.table
    allr = t.loc[t["region"].eq("all") & t["beyond_noise"]]
    assert allr[["period", "competitor"]].values.tolist() == [["2026-Q2", "优居科技"]]
    r = allr.iloc[0]
    # planted: its sales ratio to ours x1.12 from 2026-Q2; as a share of the whole market that is ~+9%
    assert 0.05 < r["change_vs_baseline"] < 0.15 and r["z"] > 3
    ours = t.loc[t["region"].eq("all") & t["is_us"] & t["period"].eq("2026-Q3")].iloc[0]
    assert ours["rank"] == 1 and ours["competitor"] == "星辰智能"


def test_sample_trends_us_against_the_challenger(sample_share):
    tr = sample_share.trends.set_index(["region", "role"])
    assert tr.loc[("all", "us"), "competitor"] == "星辰智能"
    assert tr.loc[("all", "challenger"), "competitor"] == "优居科技"
    assert tr.loc[("all", "challenger"), "slope_low"] > 0  # the challenger's share rises
    assert (sample_share.trends["n_periods"] == 7).all()


def test_share_section_off_without_market_share():
    cx = comp.CompetitorData(tables={}, own="us")
    sa = share.analyse(cx, comp.CompetitorParams())
    assert not sa.ok and "market_share" in sa.notes[0].text("en")


def test_mixed_period_lengths_keep_the_commonest():
    ms = pd.DataFrame({"period": ["2026-Q1", "2026-Q1", "2026-Q2", "2026-Q2", "2026-03"],
                       "competitor": ["us", "A", "us", "A", "us"], "region": "N", "sales": 1.0})
    cx = comp.CompetitorData(tables={"market_share": ms}, own="us")
    sa = share.analyse(cx, comp.CompetitorParams())
    assert set(sa.table["period"]) == {"2026-Q1", "2026-Q2"}
    assert any("mixes period lengths" in n.text("en") for n in sa.notes)
