"""Roles in the attribution report: an ``assister`` needs both more credit than last touch and journeys that
convert better when it touched them; a channel only credited more is a ``frequent_touch`` (issue 16 follow-up)."""

import math

import numpy as np
import pandas as pd
import pytest

import workbench.attribution as at
from workbench.attribution import compare
from workbench.attribution.tables import TABLES
from workbench.reporting import Formatter
from workbench.summary import findings

Z = 1.959963984540054  # the 97.5% normal quantile
Z3 = 2.3939797998185104  # the 1 - 0.05 / 6 normal quantile: simultaneous 95% over 3 channels (Bonferroni)


def _wilson(x: int, n: int, Z: float = Z) -> tuple[float, float]:
    """Wilson score interval, written out (Newcombe 1998, method 3)."""
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return centre - half, centre + half


def _newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z) -> tuple[float, float, float]:
    """Difference of two proportions with Newcombe's hybrid score interval (1998, method 10), by hand."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = _wilson(x1, n1, z)
    l2, u2 = _wilson(x2, n2, z)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _journeys(paths: list[tuple[str, bool]]):
    """Journeys J0, J1, ... from ``("A>B", converted)``; touches one hour apart, conversions after the last."""
    touches, outcomes = [], []
    start = pd.Timestamp("2026-01-01")
    for i, (path, conv) in enumerate(paths):
        chs = path.split(">")
        touches += [(f"J{i}", start + pd.Timedelta(hours=k), c) for k, c in enumerate(chs)]
        outcomes.append((f"J{i}", conv, start + pd.Timedelta(days=1) if conv else pd.NaT, 10.0 if conv else 0.0))
    return at.build_journeys(pd.DataFrame(touches, columns=["journey_id", "ts", "channel_id"]),
                             pd.DataFrame(outcomes, columns=["journey_id", "converted", "converted_at", "value"]))


HAND = [("A>B", True), ("A", True), ("B", False), ("C>A", False), ("C", False), ("A>A>C", True), ("B>C", True),
        ("B", False), ("C>B", False)]
# A touched J0 J1 J3 J5: 4 journeys, 3 converted (J5 touched it twice: counted once); not: 5 journeys, 1 converted
# B touched J0 J2 J6 J7 J8: 5 journeys, 2 converted; not: J1 J3 J4 J5, 4 journeys, 2 converted
# C touched J3 J4 J5 J6 J8: 5 journeys, 2 converted; not: 4 journeys, 2 converted
EXPECTED = {"A": (3, 4, 1, 5), "B": (2, 5, 2, 4), "C": (2, 5, 2, 4)}


def test_touch_evidence_equals_an_independent_computation():
    ev = compare.touch_evidence(_journeys(HAND)).set_index("channel_id")
    assert list(ev.index) == ["A", "B", "C"]
    for ch, (x1, n1, x2, n2) in EXPECTED.items():
        r = ev.loc[ch]
        assert (r["touched_journeys"], r["untouched_journeys"]) == (n1, n2)
        assert r["touched_conversion_rate"] == pytest.approx(x1 / n1)
        assert r["untouched_conversion_rate"] == pytest.approx(x2 / n2)
        d, lo, hi = _newcombe(x1, n1, x2, n2, Z3)
        assert r["touched_difference"] == pytest.approx(d)
        assert r["touched_difference_low"] == pytest.approx(lo, abs=1e-9)
        assert r["touched_difference_high"] == pytest.approx(hi, abs=1e-9)
    # A: 75% against 20%, +55 pp, yet 9 journeys cannot exclude no difference
    assert ev.loc["A", "touched_difference_low"] < 0 < ev.loc["A", "touched_difference_high"]
    # the intervals are simultaneous over the 3 channels: wider than one 95% interval
    assert ev.loc["A", "touched_difference_low"] < _newcombe(3, 4, 1, 5)[1]


def test_a_channel_on_every_journey_has_no_comparison():
    ev = compare.touch_evidence(_journeys([("A>B", True), ("A", False), ("B>A", True)])).set_index("channel_id")
    assert ev.loc["A", "touched_journeys"] == 3 and ev.loc["A", "untouched_journeys"] == 0
    assert ev.loc["A", ["untouched_conversion_rate", "touched_difference", "touched_difference_low",
                        "touched_difference_high"]].isna().all()
    assert ev.loc["B", "touched_difference"] == pytest.approx(1.0 - 0.0)


def _credit(rows):
    """A credit table from ``(channel, model, share, low, high)`` (100 conversions)."""
    c = pd.DataFrame(rows, columns=["channel_id", "model", "share", "share_low", "share_high"])
    c["conversions"] = 100 * c["share"]
    return c


def _evidence(rows):
    """``(channel, touched n, touched x, untouched n, untouched x)`` -> the evidence table, intervals by hand."""
    out = []
    for ch, n1, x1, n2, x2 in rows:
        d, lo, hi = _newcombe(x1, n1, x2, n2)
        out.append((ch, n1, x1 / n1, n2, x2 / n2, d, lo, hi))
    return pd.DataFrame(out, columns=["channel_id", *compare.EVIDENCE_COLUMNS])


CREDIT = _credit([
    ("AS", "last_touch", 0.02, np.nan, np.nan), ("AS", "markov", 0.20, 0.18, 0.22),   # credited more, converts more
    ("FT", "last_touch", 0.01, np.nan, np.nan), ("FT", "markov", 0.04, 0.03, 0.05),   # credited more, converts alike
    ("CL", "last_touch", 0.60, np.nan, np.nan), ("CL", "markov", 0.45, 0.40, 0.50),   # credited less
    ("EV", "last_touch", 0.37, np.nan, np.nan), ("EV", "markov", 0.31, 0.20, 0.40),   # interval over last touch
])
EVIDENCE = _evidence([("AS", 2500, 500, 7500, 700), ("FT", 450, 55, 9550, 1145), ("CL", 2500, 450, 7500, 750),
                      ("EV", 1000, 120, 9000, 1080)])


def test_roles_need_both_credit_and_evidence():
    shift = compare.credit_shift(CREDIT, "markov", {"AS": "Ads"}, EVIDENCE).set_index("channel_id")
    assert shift["role"].to_dict() == {"AS": "assister", "FT": "frequent_touch", "CL": "closer", "EV": "even"}
    assert list(shift.reset_index().columns) == list(TABLES["attribution_shift"])
    assert shift.loc["FT", "touched_difference"] == pytest.approx(55 / 450 - 1145 / 9550)
    assert shift.loc["FT", "touched_difference_low"] < 0 < shift.loc["FT", "touched_difference_high"]
    assert shift.loc["AS", "touched_difference_low"] > 0
    # the closer converts better when touched, yet is credited below last touch: still a closer
    assert shift.loc["CL", "touched_difference_low"] > 0
    # without evidence no channel is called an assister: credit alone does not show what a channel adds
    bare = compare.credit_shift(CREDIT, "markov").set_index("channel_id")
    assert bare.loc["AS", "role"] == "frequent_touch" and bare["touched_difference"].isna().all()
    # a channel on every journey (nothing to compare with) is not an assister either
    ev = EVIDENCE.copy()
    ev.loc[ev["channel_id"] == "AS", ["untouched_journeys", "untouched_conversion_rate", "touched_difference",
                                      "touched_difference_low", "touched_difference_high"]] = [0, np.nan, np.nan,
                                                                                                np.nan, np.nan]
    assert compare.credit_shift(CREDIT, "markov", None, ev).set_index("channel_id").loc["AS", "role"] == \
        "frequent_touch"


def _fill(s: dict, lang: str) -> str:
    f = Formatter(lang)
    return s[lang].format(**{k: (f(v.value, v.kind) if hasattr(v, "kind") else v)
                             for k, v in s.items() if k not in ("en", "zh")})


def test_sentences_carry_the_evidence():
    shift = compare.credit_shift(CREDIT, "markov", {"AS": "Ads"}, EVIDENCE)
    sents = compare.assister_sentences(shift, ("Markov removal effect", "Markov 移除效应"))
    assert [s["role"] for s in sents] == ["assister", "frequent_touch"]
    en = _fill(sents[0], "en")
    assert en.startswith("AS Ads is credited with 20.0% of conversions") and "assists more than it closes" in en
    assert "journeys it touched converted 20.0% (n = 2,500) against 9.3% without it (n = 7,500)" in en
    assert "+10.7 pp" in en
    ft_en, ft_zh = _fill(sents[1], "en"), _fill(sents[1], "zh")
    assert "assists" not in ft_en and "how often it appears" in ft_en and "12.2% (n = 450)" in ft_en
    assert "助攻" not in ft_zh and "它出现得多" in ft_zh and "12.2%" in ft_zh


def test_summary_never_cites_a_frequent_touch_as_an_assister(tmp_path):
    folder = tmp_path / "25_channel_attribution"
    folder.mkdir()
    shift = compare.credit_shift(CREDIT, "markov", {"AS": "Ads"}, EVIDENCE)
    shift.loc[shift["channel_id"] == "FT", "shift"] = 0.5  # the largest shift belongs to the frequent toucher
    shift.to_csv(folder / "attribution_shift.csv", index=False)
    f, _ = findings.collect(tmp_path)
    assert len(f) == 1
    r = f.iloc[0]  # the assister (+18 pp), not the frequent toucher's larger shift
    assert r["row_key"] == "channel_id=AS" and r["value"] == pytest.approx(0.18)
    assert "AS Ads is credited with 20.0%" in r["finding_en"] and "assists more than it closes" in r["finding_en"]
    assert "Journeys it touched converted 20.0% against 9.3% without it (+10.7 pp" in r["finding_en"]
    assert "它触达的路径转化率为 20.0%" in r["finding_zh"] and "FT" not in r["finding_en"]
    # without the assister: the closer is cited, never the frequent toucher
    shift.loc[shift["channel_id"].isin(["FT", "CL"])].to_csv(folder / "attribution_shift.csv", index=False)
    r = findings.collect(tmp_path)[0].iloc[0]
    assert r["row_key"] == "channel_id=CL" and "closes more than it assists" in r["finding_en"]
    # only a frequent toucher: nothing is cited
    shift.loc[shift["channel_id"] == "FT"].to_csv(folder / "attribution_shift.csv", index=False)
    assert findings.collect(tmp_path)[0].empty


def test_headline_names_touches_without_a_channel_in_the_readers_language():
    from types import SimpleNamespace

    import pandas as pd

    from workbench.attribution import compare
    from workbench.data.aliases import BLANK

    shift = pd.DataFrame({"channel_id": [BLANK, "CH01"], "channel_name": [BLANK, "Direct"], "shift": [0.2, -0.2],
                          "model_share": [0.3, 0.5], "last_touch_share": [0.1, 0.7]})
    h = compare.headline(SimpleNamespace(n_journeys=10, conversions=4), shift, ("Markov", "Markov"))
    assert h["channel"] == "(blank)" and h["channel_zh"] == "（空白）"
    assert "{channel_zh}" in h["zh"] and "{channel}" in h["en"]
