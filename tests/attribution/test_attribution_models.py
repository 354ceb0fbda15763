"""Journeys and the rule-based models on small hand-computed paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.attribution import build_journeys, heuristic_credit, path_summary
from workbench.exceptions import DataError

T0 = pd.Timestamp("2026-01-01")


def make(paths: dict[str, tuple[list[str], bool, float]], *, gap_days: float = 1.0):
    """Touches one ``gap_days`` apart; a conversion ``gap_days`` after the last touch."""
    rows, outs = [], []
    for jid, (chans, conv, value) in paths.items():
        for i, c in enumerate(chans):
            rows.append((jid, T0 + pd.Timedelta(days=gap_days * i), c))
        end = T0 + pd.Timedelta(days=gap_days * len(chans))
        outs.append((jid, conv, end if conv else pd.NaT, value if conv else 0.0))
    touches = pd.DataFrame(rows, columns=["journey_id", "ts", "channel_id"])
    outcomes = pd.DataFrame(outs, columns=["journey_id", "converted", "converted_at", "value"])
    return touches, outcomes


SMALL = {
    "j1": (["A", "B", "C"], True, 100.0),
    "j2": (["B"], True, 50.0),
    "j3": (["A", "C"], False, 0.0),
    "j4": (["C", "A", "A", "B"], True, 10.0),
}


def credit(j, model, **kw) -> dict[str, tuple[float, float]]:
    df = heuristic_credit(j, model, **kw)
    return {r.channel: (r.conversions, r.value) for r in df.itertuples()}


@pytest.fixture
def small():
    return build_journeys(*make(SMALL))


def test_build_journeys_orders_and_counts(small):
    j = small
    assert j.channels == ["A", "B", "C"]
    assert j.n_journeys == 4 and j.conversions == 3 and j.value == 160.0
    t = j.touches[j.touches["journey"] == j.journeys.set_index("journey_id").loc["j4", "journey"]]
    assert t["channel"].tolist() == ["C", "A", "A", "B"]
    assert t["pos"].tolist() == [0, 1, 2, 3]
    # conversion one day after the last touch, touches one day apart
    assert t["days_before_end"].tolist() == [4.0, 3.0, 2.0, 1.0]
    # a journey that did not convert ends at its last touch
    t3 = j.touches[j.touches["journey"] == j.journeys.set_index("journey_id").loc["j3", "journey"]]
    assert t3["days_before_end"].tolist() == [1.0, 0.0]


def test_build_journeys_drops_and_reports():
    touches, outcomes = make({"a": (["X", "Y"], True, 5.0), "b": (["Y"], False, 0.0)})
    extra = pd.DataFrame([
        ("a", T0 + pd.Timedelta(days=30), "Z"),       # after a's conversion (day 2)
        ("a", T0 - pd.Timedelta(days=100), "Z"),      # outside a 60-day look-back
        ("c", pd.NaT, "X"),                           # no time
        ("d", T0, " "),                               # blank channel
        ("e", T0, "X"),                               # no outcome row: not converted
    ], columns=touches.columns)
    outcomes = pd.concat([outcomes, pd.DataFrame(
        [("f", True, T0, 9.0)], columns=outcomes.columns)])   # converted, no touch
    j = build_journeys(pd.concat([touches, extra]), outcomes, lookback_days=60)
    c = j.counts
    assert c["touches_in"] == 8
    assert c["touches_after_conversion"] == 1
    assert c["touches_outside_lookback"] == 1
    assert c["touches_missing"] == 2
    assert c["journeys_without_outcome"] == 1
    assert c["conversions_without_touches"] == 1
    assert j.journeys["journey_id"].tolist() == ["a", "b", "e"]
    assert j.channels == ["X", "Y"]
    assert j.conversions == 1 and j.value == 5.0


def test_build_journeys_errors_name_the_problem():
    touches, outcomes = make({"a": (["X"], True, 5.0)})
    with pytest.raises(DataError, match="channel_id"):
        build_journeys(touches.drop(columns="channel_id"), outcomes)
    for bad in (-1.0, "¥12", float("inf")):
        with pytest.raises(DataError, match=r"value.*'a'"):
            build_journeys(touches, outcomes.assign(value=bad))
    # a won journey without an amount still counts as a conversion, with value 0
    j = build_journeys(touches, outcomes.assign(value=[None]))
    assert j.conversions == 1 and j.value == 0.0 and j.counts["conversions_without_value"] == 1
    with pytest.raises(DataError, match="unique"):
        build_journeys(touches, pd.concat([outcomes, outcomes]))
    with pytest.raises(DataError, match="converted"):
        build_journeys(touches, outcomes.assign(converted="maybe"))


def test_paths_grouped_exactly():
    paths = {f"j{i}": (p, i % 2 == 0, 1.0) for i, p in enumerate(
        [["A", "B"], ["A", "B"], ["B", "A"], ["A"], ["A", "B", "A"], ["A", "B"], ["A"]])}
    j = build_journeys(*make(paths))
    labels = j.path_labels()
    p = j.paths.assign(label=labels.reindex(j.paths["path"]).to_numpy()).set_index("label")
    assert p.loc["A > B", "journeys"] == 3 and p.loc["A > B", "conversions"] == 1   # j0 (won), j1, j5
    assert p.loc["A", "journeys"] == 2 and p.loc["A", "conversions"] == 1           # j3, j6 (won)
    assert p.loc["B > A", "journeys"] == 1 and p.loc["A > B > A", "journeys"] == 1
    assert len(p) == 4
    lengths, top = path_summary(j, top=2)
    assert lengths["n_touches"].tolist() == [1, 2, 3]
    assert lengths["journeys"].tolist() == [2, 4, 1]
    assert lengths["conversions"].tolist() == [1, 2, 1]
    assert top["path"].tolist() == ["A > B", "A"]
    assert top["conversion_rate"].tolist() == pytest.approx([1 / 3, 0.5])


def test_first_and_last_touch(small):
    assert credit(small, "first_touch") == {"A": (1.0, 100.0), "B": (1.0, 50.0), "C": (1.0, 10.0)}
    assert credit(small, "last_touch") == {"A": (0.0, 0.0), "B": (2.0, 60.0), "C": (1.0, 100.0)}


def test_linear(small):
    c = credit(small, "linear")
    # j1: A,B,C 1/3 each of 100; j2: B 1 of 50; j4: C 1/4, A 2/4, B 1/4 of 10
    assert c["A"] == pytest.approx((1 / 3 + 0.5, 100 / 3 + 5))
    assert c["B"] == pytest.approx((1 / 3 + 1 + 0.25, 100 / 3 + 50 + 2.5))
    assert c["C"] == pytest.approx((1 / 3 + 0.25, 100 / 3 + 2.5))


def test_time_decay(small):
    c = credit(small, "time_decay", half_life_days=1.0)
    # j1 days 3,2,1 -> raw 1/8,1/4,1/2 -> 1/7,2/7,4/7; j4 days 4,3,2,1 -> 1,2,4,8 /15
    assert c["A"][0] == pytest.approx(1 / 7 + (2 + 4) / 15)
    assert c["B"][0] == pytest.approx(2 / 7 + 1 + 8 / 15)
    assert c["C"][0] == pytest.approx(4 / 7 + 1 / 15)
    assert c["C"][1] == pytest.approx(400 / 7 + 10 / 15)
    # a very long half-life tends to linear, a very short one to last touch
    lin = credit(small, "linear")
    slow = credit(small, "time_decay", half_life_days=1e9)
    assert all(slow[k][0] == pytest.approx(lin[k][0]) for k in lin)
    fast = credit(small, "time_decay", half_life_days=1e-3)
    assert fast["B"][0] == pytest.approx(2.0) and fast["C"][0] == pytest.approx(1.0)


def test_position_based(small):
    c = credit(small, "position_based")
    # j1: A .4, B .2, C .4; j2: B 1; j4: C .4, A .1 + .1, B .4
    assert c["A"][0] == pytest.approx(0.4 + 0.2)
    assert c["B"][0] == pytest.approx(0.2 + 1 + 0.4)
    assert c["C"][0] == pytest.approx(0.4 + 0.4)
    two = build_journeys(*make({"x": (["P", "Q"], True, 8.0)}))
    assert credit(two, "position_based") == {"P": (0.5, 4.0), "Q": (0.5, 4.0)}
    c = credit(two, "position_based", position_weights=(0.3, 0.1))
    assert c["P"][0] == pytest.approx(0.75)


@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear", "time_decay", "position_based"])
def test_heuristic_invariants(model):
    rng = np.random.default_rng(3)
    chans = list("ABCDE")
    paths = {f"j{i}": (list(rng.choice(chans[:4], rng.integers(1, 7))), bool(rng.random() < 0.4),
                       float(rng.integers(1, 100))) for i in range(300)}
    j = build_journeys(*make(paths))
    df = heuristic_credit(j, model)
    assert df["conversions"].sum() == pytest.approx(j.conversions)
    assert df["value"].sum() == pytest.approx(j.value)
    assert (df["conversions"] >= 0).all()
    assert "E" not in j.channels   # never touched: no row, hence no credit
    # renaming channels permutes the credit and changes nothing else
    rename = {"A": "d", "B": "c", "C": "b", "D": "a"}
    j2 = build_journeys(*make({k: ([rename[c] for c in p], cv, v) for k, (p, cv, v) in paths.items()}))
    df2 = heuristic_credit(j2, model).set_index("channel")
    for r in df.itertuples():
        assert df2.loc[rename[r.channel], "conversions"] == pytest.approx(r.conversions)


def test_unknown_model_lists_choices(small):
    with pytest.raises(ValueError, match="position_based"):
        heuristic_credit(small, "u_shape")


def test_ids_as_numbers_or_padded_text_match():
    # an export gives ids as numbers in one table and padded text in the other
    touches = pd.DataFrame({"journey_id": [1, 2, 2], "ts": ["2026-01-01", "2026-01-02", "2026-01-03"],
                            "channel_id": ["=cmd()", " <b>x</b> ", "直销"]})
    outcomes = pd.DataFrame({"journey_id": ["1 ", " 2"], "converted": [1, 0],
                             "converted_at": ["2026-01-05", None], "value": ["12.5", None]})
    j = build_journeys(touches, outcomes)
    assert j.counts["journeys_without_outcome"] == 0
    assert j.journeys["journey_id"].tolist() == ["1", "2"]
    assert j.journeys["value"].tolist() == [12.5, 0.0]
    assert j.channels == ["<b>x</b>", "=cmd()", "直销"]   # data text kept as it is (views escape it)
    assert j.touches["days_before_end"].tolist() == [4.0, 1.0, 0.0]
