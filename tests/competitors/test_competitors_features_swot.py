"""Feature comparison verdicts and the SWOT: every point cites its figure; sections off without their tables."""

import pandas as pd
import pytest

import workbench.competitors as comp
from workbench.competitors import features, swot
from workbench.data import load_dataset
from workbench.paths import PROJ_ROOT


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(PROJ_ROOT / "data" / "sample", strict=False)
    params = comp.CompetitorParams()
    cx = comp.prepare(ds, params)
    pa = comp.prices.analyse(cx, params)
    sa = comp.share.analyse(cx, params)
    wl = comp.winloss.analyse(cx, params, pa)
    fa = features.analyse(cx, params)
    return cx, pa, sa, wl, fa, swot.build(pa, sa, wl, fa, params.undercut_threshold)


def test_feature_table_by_hand():
    f = pd.DataFrame({"competitor": ["us", "us", "A", "A", "B", "B"], "dimension": ["q", "p"] * 3,
                      "score": [8.0, 5.0, 6.0, 7.0, 6.0, 9.0]})
    t = features.feature_table(f, "us").set_index(["competitor", "dimension"])
    assert t.loc[("A", "q"), "diff_vs_us"] == -2 and t.loc[("us", "q"), "rank"] == 1
    assert t.loc[("A", "q"), "rank"] == 2 and t.loc[("B", "q"), "rank"] == 2  # ties share the better rank
    s = features.dimension_summary(t.reset_index(), "us", 1.0).set_index("dimension")
    assert s.loc["q", "verdict"] == "strength" and s.loc["q", "gap_vs_mean"] == 2
    assert s.loc["p", "verdict"] == "weakness" and s.loc["p", "best_competitor"] == "B"


def test_sample_feature_verdicts(sample):
    fa = sample[4]
    v = fa.summary.set_index("dimension")["verdict"].to_dict()
    assert v == {"quality": "strength", "price": "weakness", "service": "par", "delivery": "par", "brand": "par"}
    assert fa.matrix.index[0] == "星辰智能" and fa.matrix.shape == (5, 5)


def test_sample_swot_cites_its_figures(sample):
    sw = sample[5]
    t = sw.table
    assert set(t["quadrant"]) == {"strength", "weakness", "opportunity", "threat"}
    threat = t.loc[t["quadrant"].eq("threat")].iloc[0]  # the new undercut comes first
    assert threat["topic"] == "undercut:优居科技:智能门锁"
    assert "2026-03-01" in threat["text_en"] and "2026-03-01" in threat["text_zh"] and threat["n"] > 0
    assert "84." in threat["text_en"] or "85." in threat["text_en"]
    gain = t.loc[t["topic"].eq("share_change:优居科技:all")]
    assert len(gain) == 1 and gain.iloc[0]["quadrant"] == "threat" and "2026-Q2" in gain.iloc[0]["text_en"]
    s = t.loc[t["quadrant"].eq("strength"), "text_en"].str.cat(sep=" ")
    assert "quality" in s and "8" in s
    assert t["text_en"].str.contains(r"\d").all() and t["text_zh"].str.contains(r"\d").all()
    assert set(t["source"]) <= {"feature_comparison", "market_share", "share_trend", "undercuts", "price_gaps",
                                "lost_reasons", "competitor_winloss"}


def test_headline_names_the_undercut(sample):
    cx, pa, sa, wl, _, sw = sample
    h = comp.summary.headline(cx, pa, sa, wl, sw)
    assert h["u_comp"] == "优居科技" and h["u_since"] == "2026-03-01" and h["s_rank"] == 1


def test_everything_off_without_competitor_tables():
    cx = comp.CompetitorData(tables={}, own=None)
    p = comp.CompetitorParams()
    parts = [comp.prices.analyse(cx, p), comp.share.analyse(cx, p), comp.winloss.analyse(cx, p),
             features.analyse(cx, p)]
    assert not any(s.ok for s in parts) and all(s.notes for s in parts)
    sw = swot.build(*parts[:3], parts[3])
    assert not sw.ok and sw.table.empty
    assert comp.summary.headline(cx, *parts[:3], sw)["en"] == "No competitor data to analyse."


def test_feature_names_and_swot_read_in_chinese(sample):
    sw = sample[5].table
    assert features.feature_label("Quality", "zh") == "质量" and features.feature_label("ease-of-use", "en") == \
        "ease of use"
    assert features.feature_label("耐用度", "zh") == "耐用度"  # a name only the data knows stays as spelt
    feat = sw.loc[sw["topic"].str.startswith("feature:")].set_index("topic")
    assert feat.loc["feature:quality", "text_zh"].startswith("质量：") and "quality" not in feat["text_zh"].str.cat()
    assert feat.loc["feature:price", "text_zh"].startswith("价格：")
    assert feat.loc["feature:price", "text_en"].startswith("price:")
    # p-values in sentences: "= 0.013" or "< 0.001", never "= 0.000"
    assert not sw["text_en"].str.contains("p = 0.000").any() and not sw["text_zh"].str.contains("p = 0.000").any()
    shown = features.localise(sample[4].summary, "zh")
    assert set(shown["dimension"]) == {"质量", "价格", "服务", "交付", "品牌"}
    assert set(shown["verdict"]) == {"优势", "劣势", "持平"}
