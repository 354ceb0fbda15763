"""Comments: language told apart, Chinese themes found with jieba in the sample's planted comments, shares
among detractors and promoters by hand, verbatims, follow-ups; empty and foreign comments noted."""

import numpy as np
import pandas as pd
import pytest

import workbench.feedback as fbk
from workbench.data import load_dataset
from workbench.feedback import comments
from workbench.feedback.nps import nps_group
from workbench.paths import PROJ_ROOT
from workbench.sample import _COMMENTS


def _templates():
    """The sample's planted comments: theme -> (positive, negative) x (zh, en) x 3 variants."""
    rows = [(theme, lang, text) for theme, sides in _COMMENTS.items() for side in sides
            for lang, texts in zip(("zh", "en"), side, strict=True) for text in texts]
    return pd.DataFrame(rows, columns=["theme", "lang", "text"])


def test_languages():
    s = pd.Series(["物流很快", "Fast delivery, thank you", "Livraison très rapide", "配達が遅い", "배송이 느려요",
                   "Доставка быстрая", "", "   ", None, "👍👍"])
    assert comments.detect_language(s).tolist() == ["zh", "en", "other", "other", "other", "other", "empty",
                                                    "empty", "empty", "other"]


def test_planted_chinese_and_english_themes_found():
    t = _templates()
    lang = comments.detect_language(t["text"])
    assert (lang == t["lang"]).all()
    flags = comments.tag_themes(t["text"], lang, comments.lexicon())
    own = np.array([flags.at[i, th] for i, th in zip(t.index, t["theme"], strict=True)])
    assert own.all(), t.loc[~own, "text"].tolist()  # every planted comment carries its own theme
    assert flags.sum(axis=1).le(2).all() and (flags.sum(axis=1) == 1).mean() > 0.9


def test_segmentation_rejects_substrings_that_are_not_words():
    s = pd.Series(["这个评价很好", "价格很贵"])  # 价 inside 评价 is not the price word 价格
    flags = comments.tag_themes(s, pd.Series(["zh", "zh"]), comments.lexicon())
    assert flags["price"].tolist() == [False, True]
    assert "价格" in comments.segment(["价格合理"], ("价格",))[0]  # found inside a longer dictionary word


def test_extra_theme_words_from_params():
    lex = comments.lexicon({"delivery": ["顺丰"], "packaging": ["泡沫", r"bubble ?wrap"]})
    s = pd.Series(["顺丰到得快", "泡沫太少了", "not enough bubble wrap"])
    flags = comments.tag_themes(s, comments.detect_language(s), lex)
    assert flags["delivery"].tolist() == [True, False, False]
    assert flags["packaging"].tolist() == [False, True, True]


def _resp(nps_scores, texts, dates=None):
    r = pd.DataFrame({"response_id": [f"R{i}" for i in range(len(texts))], "nps": nps_scores,
                      "csat": np.nan, "comment": texts, "customer_id": "C1", "channel": "CH1",
                      "date": pd.to_datetime(dates or ["2026-10-01"] * len(texts))})
    r["nps_group"] = nps_group(r["nps"])
    return r


def test_theme_shares_among_detractors_and_promoters_by_hand():
    r = _resp([2, 3, 5, 10, 9, 9, 10, 8],
              ["物流太慢", "物流太慢，价格贵", "质量差", "价格实惠", "Fast delivery", "great", "", "物流还行"])
    lang = comments.detect_language(r["comment"])
    lex = comments.lexicon()
    flags = comments.tag_themes(r["comment"], lang, lex)
    t = comments.theme_table(r, lang, flags, lex, min_responses=3).set_index("theme")
    # detractors with a comment: 3 (two mention delivery); promoters with a comment: 3 (one mentions delivery)
    assert (t.loc["delivery", "n_detractors"], t.loc["delivery", "n_promoters"]) == (3, 3)
    assert t.loc["delivery", "share_detractors"] == pytest.approx(2 / 3)
    assert t.loc["delivery", "share_promoters"] == pytest.approx(1 / 3)
    assert t.loc["delivery", "mentions"] == 4 and t.loc["delivery", "share_all"] == pytest.approx(4 / 7)
    assert t.loc["delivery", "diff_low"] < t.loc["delivery", "diff"] < t.loc["delivery", "diff_high"]
    assert not t["insufficient"].any()
    # with the default minimum of 30 answers per group, 3 detractors and 3 promoters give no estimate
    few = comments.theme_table(r, lang, flags, lex).set_index("theme")
    assert few["insufficient"].all() and few["mentions"].equals(t["mentions"])
    assert few[["share_detractors", "share_promoters", "diff", "diff_low", "diff_high", "p_value"]].isna().all().all()


def test_follow_ups_low_scores_with_a_comment_recent_first():
    r = _resp([1, 6, 6, 9, 2], ["退货太麻烦", "物流慢", "", "很好", "old complaint"],
              ["2026-10-01", "2026-10-20", "2026-10-21", "2026-10-22", "2026-01-01"])
    r.loc[1, "customer_id"] = np.nan
    lang = comments.detect_language(r["comment"])
    lex = comments.lexicon()
    flags = comments.tag_themes(r["comment"], lang, lex)
    f = comments.follow_ups(r, lang, flags, lex, pd.Timestamp("2026-10-31"), 6, 2, 90, 10)
    assert f["response_id"].tolist() == ["R0", "R1"]  # empty comment, promoter and old response left out
    assert f["priority"].tolist() == [1, 2] and f["contactable"].tolist() == [True, False]
    assert f["themes"].tolist() == ["after-sales", "delivery"]


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(PROJ_ROOT / "data" / "sample", strict=False)
    params = fbk.FeedbackParams()
    fd = fbk.nps.prepare(ds, params)
    return ds, fd, comments.analyse(fd, params)


def test_sample_comments(sample):
    ds, fd, cm = sample
    langs = cm.languages.set_index("language")["responses"].to_dict()
    assert langs["empty"] == 250  # truth.json: imperfections.empty_text
    assert langs["zh"] + langs["en"] + langs["empty"] == len(ds["feedback"])
    assert any("250 responses (10.0%) have an empty comment" in n.text("en") for n in cm.notes)
    t = cm.themes.set_index("theme")
    # the telesales 'service' complaints are planted in the low-NPS channel: far more among detractors
    assert t.loc["service", "diff_low"] > 0.1 and t.loc["service", "p_adjusted"] < 0.001
    assert cm.verbatims.groupby("theme").size().le(3).all() and set(cm.verbatims["theme"]) == set(t.index)
    f = cm.follow_ups
    assert len(f) > 0 and (f["date"] >= fd.as_of - pd.Timedelta(days=90)).all()
    assert (f["nps"].le(6) | f["csat"].le(2)).all()


def test_foreign_and_empty_comments_noted_never_a_traceback(sample):
    _, fd, _ = sample
    r = fd.responses.copy()
    r.loc[r.index[:5], "comment"] = "Le produit est arrivé en retard"
    fd2 = type(fd)(responses=r, as_of=fd.as_of, dimensions=fd.dimensions, segment_by=fd.segment_by)
    cm = comments.analyse(fd2, fbk.FeedbackParams())
    assert cm.ok and any("5 comments are in a language" in n.text("en") for n in cm.notes)
    fd3 = type(fd)(responses=r.assign(comment=np.nan), as_of=fd.as_of, dimensions=fd.dimensions)
    cm3 = comments.analyse(fd3, fbk.FeedbackParams())
    assert not cm3.ok and "comment is empty" in cm3.notes[0].text("en")
    fd4 = type(fd)(responses=r.assign(comment="Доставка"), as_of=fd.as_of, dimensions=fd.dimensions)
    cm4 = comments.analyse(fd4, fbk.FeedbackParams())
    assert not cm4.ok and "No comment in Chinese or English" in cm4.notes[-1].text("en")
