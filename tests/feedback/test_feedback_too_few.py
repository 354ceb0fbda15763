"""Too few responses: a group below ``min_responses`` keeps its counts but gets no estimate, no interval and no
rank, in the tables, the charts and the headline (one response once read "NPS 100.0 (95% CI 100.0 to 100.0, n = 1)")."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from workbench import theme
from workbench.feedback import nps, plots, summary


class _Rpt:
    def __init__(self, lang):
        self.lang = lang


def _responses():
    """Channel A: 40 answers (NPS 25); channel B: 30 answers (NPS -20); channel C: one answer of 10."""
    a = [10] * 10 + [9] * 10 + [7] * 10 + [3] * 10 + [6] * 10
    a = a[:40]  # 20 promoters, 10 passives, 10 detractors
    b = [10] * 6 + [8] * 12 + [2] * 12
    scores = a + b + [10]
    r = pd.DataFrame({"nps": np.asarray(scores, dtype=float),
                      "csat": np.asarray([4.0, 5.0] * 20 + [3.0, 2.0, 4.0] * 10 + [5.0]),
                      "channel": ["A"] * 40 + ["B"] * 30 + ["C"],
                      "period": ["2026-Q1"] * 35 + ["2026-Q2"] * 36, "overall": "all"})
    r["nps_group"] = nps.nps_group(r["nps"])
    return r


def test_one_response_gets_no_estimate_and_no_interval():
    t = nps.nps_table(_responses(), ["overall", "channel"], min_responses=30).set_index("group")
    c = t.loc["C"]
    assert (c["n"], c["promoters"], c["detractors"]) == (1, 1, 0)  # the counts stay
    assert bool(c["insufficient"])
    assert c[nps.NPS_ESTIMATES].isna().all()  # no NPS 100.0, no "interval" 100.0 to 100.0
    b = t.loc["B"]  # exactly the minimum: estimated
    assert not b["insufficient"] and b["nps"] == pytest.approx(100 * (6 - 12) / 30)
    assert b["ci_low"] < b["nps"] < b["ci_high"]
    assert t.loc["A", "nps"] == pytest.approx(100 * (20 - 10) / 40)
    cs = nps.csat_table(_responses(), ["channel"], 30, 4).set_index("group")
    assert bool(cs.loc["C", "insufficient"]) and cs.loc["C", nps.CSAT_ESTIMATES].isna().all()
    assert cs.loc["A", "mean_csat"] == 4.5


def test_too_few_is_said_in_words_in_both_languages():
    t = nps.nps_table(_responses(), ["channel"], 30)
    en = nps.localise(t, "en", 30).set_index("group")
    zh = nps.localise(t, "zh", 30).set_index("group")
    assert en.loc["C", "insufficient"] == "too few responses (fewer than 30)"
    assert zh.loc["C", "insufficient"] == "样本不足（少于 30 条）"
    assert en.loc["A", "insufficient"] == "" and zh.loc["A", "insufficient"] == ""


def test_headline_never_cites_a_group_with_too_few_responses():
    r = _responses()
    r.loc[r["channel"].eq("C"), "nps"] = 0.0  # the single answer would make C the lowest channel
    r["nps_group"] = nps.nps_group(r["nps"])
    sc = nps.ScoreAnalysis(nps=nps.nps_table(r, ["overall", "channel"], 30),
                           csat=nps.csat_table(r, ["overall", "channel"], 30, 4), nps_ok=True, csat_ok=True)
    h = summary.headline(sc)
    assert h["ch"] == "B" and h["ch_n"] == 30
    # the whole survey below the minimum: the headline says so instead of an NPS
    small = nps.ScoreAnalysis(nps=nps.nps_table(r.head(12), ["overall"], 30),
                              csat=nps.csat_table(r.head(12), ["overall"], 30, 4), nps_ok=True, csat_ok=True)
    h = summary.headline(small)
    assert h["en"].startswith("Too few responses for an NPS (n = {n})") and h["n"] == 12 and "nps" not in h
    assert "样本不足" in h["zh"]


@pytest.mark.parametrize("lang, words", [("en", "too few responses"), ("zh", "样本不足")])
def test_chart_shows_words_not_a_point(lang, words):
    theme.apply(lang)
    t = nps.nps_table(_responses(), ["overall", "channel"], 30)
    fig = plots.nps_by_group(t, "channel", _Rpt(lang))
    ax = fig.axes[0]
    texts = [x.get_text() for x in ax.texts]
    assert texts == [words]  # one group (C) with too few responses
    points = np.vstack([c.get_offsets() for c in ax.collections if len(c.get_offsets())
                        and c.get_offsets().shape[1] == 2 and type(c).__name__ == "PathCollection"])
    assert len(points) == 2 and set(np.round(points[:, 0], 6)) == {25.0, -20.0}  # A and B only
    matplotlib.pyplot.close(fig)


def test_period_change_needs_the_minimum_in_both_periods():
    r = _responses()
    ch = nps.period_changes(r, 0.05, by_channel=True, min_responses=30)
    overall = ch.loc[ch["scope"].eq("all")]
    assert len(overall) == 2 and not overall["insufficient"].any()  # 35 and 36 answers
    small = ch.loc[ch["scope"].eq("A")]  # A: 35 then 5 answers
    assert small["insufficient"].all() and small[["value_from", "value_to", "change", "p_value"]].isna().all().all()
    assert small[["n_from", "n_to"]].iloc[0].tolist() == [35, 5]
    assert not small["significant"].any()
