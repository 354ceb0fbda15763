"""The two areas' label catalogues: no key with two meanings, every shown column has a Chinese header."""

import workbench.competitors as comp
import workbench.feedback as fbk
from workbench.competitors import prices, share, views, winloss
from workbench.feedback import comments, nps
from workbench.feedback import views as fviews
from workbench.reporting import conflicts


def test_no_key_has_two_meanings():
    assert conflicts([comp.LABELS, fbk.LABELS]) == []


def _header(cat, col, headers=None):
    return cat.t((headers or {}).get(col, col), "zh")


def test_every_shown_column_has_a_chinese_header():
    shown = [(fbk.LABELS, [(nps.NPS_SHOWN, None), (nps.CSAT_SHOWN, None), (nps.CHANGE_SHOWN, fviews.CHANGE_HEADERS),
                          (comments.THEME_SHOWN, None), (comments.FOLLOW_COLUMNS, None),
                          (["label", "nps_group", "date", "channel", "nps", "comment", "language", "responses",
                            "share", "count", "lang"], None), (["term"], {"term": "unthemed_word"})]),
             (comp.LABELS, [(prices.UNDERCUT_SHOWN, None), (prices.GAP_COLUMNS, None), (prices.INDEX_COLUMNS, None),
                           (share.FLAG_SHOWN, {"share": "market_share"}), (share.TREND_COLUMNS, None),
                           (share.SHOWN, {"share": "market_share"}), (winloss.WINLOSS_SHOWN, None),
                           (winloss.MODEL_SHOWN, None), (winloss.REASON_COLUMNS, None),
                           (["table", "raw", "canonical", "rows", "how", "name", "looks_like"], None),
                           (["quadrant", "point"], None), (["source"], {"source": "source_table"})])]
    missing = []
    for cat, groups in shown:
        for cols, headers in groups:
            for c in cols:
                zh = _header(cat, c, headers)
                if zh == (headers or {}).get(c, c) and c not in ("nps",):  # the key itself: no label
                    missing.append((cat.area, c))
    assert missing == []
    assert fbk.LABELS.t("mean_score_0_10", "zh") == "平均推荐意愿分（0-10）"
    assert comp.LABELS.t("market_share", "zh") == "市场份额"
    assert set(views.POINTS) >= {"change_pp", "effect_pp"}  # shown as pp, not as bare numbers


def test_saved_tables_match_their_declared_columns():
    """Every table the views save has exactly the columns views.TABLES lists (what the notebook declares)."""
    from workbench.competitors.prepare import prepare as cprep
    from workbench.data import load_dataset
    from workbench.feedback import drivers
    from workbench.paths import PROJ_ROOT

    ds = load_dataset(PROJ_ROOT / "data" / "sample", strict=False)
    p = fbk.FeedbackParams()
    fd = fbk.prepare(ds, p)
    sc, cm = nps.analyse(fd, p), comments.analyse(fd, p)
    dr = drivers.analyse(fd, cm, ds, p)
    got = {"nps": sc.nps, "csat": sc.csat, "period_changes": sc.changes, "drivers": dr.table,
           "comment_themes": cm.themes, "verbatims": cm.verbatims, "unthemed_terms": cm.unthemed_terms,
           "follow_ups": cm.follow_ups}
    assert {k: list(v.columns) for k, v in got.items()} == fviews.TABLES
    cp = comp.CompetitorParams()
    cx = cprep(ds, cp)
    pa, sa = comp.prices.analyse(cx, cp), comp.share.analyse(cx, cp)
    wl, fa = comp.winloss.analyse(cx, cp, pa), comp.features.analyse(cx, cp)
    sw = comp.swot.build(pa, sa, wl, fa)
    got = {"competitor_names": cx.mapping, "name_suggestions": cx.suggestions, "undercuts": pa.undercuts,
           "price_gaps": pa.gaps, "price_index": pa.index, "market_share": sa.table, "share_trend": sa.trends,
           "competitor_winloss": wl.table, "lost_reasons": wl.reasons, "winloss_model": wl.model,
           "feature_summary": fa.summary, "feature_comparison": fa.table, "swot": sw.table}
    assert {k: list(v.columns) for k, v in got.items()} == views.TABLES
