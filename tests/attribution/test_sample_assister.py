"""The planted assisting channel of the bundled sample is recovered (issue 16).

The sample (``workbench/sample_touchpoints.py``) plants CH08: leads see its ads at random with
probability q, and seeing them doubles a lead's chance of being won; its true share of the
conversions is in ``truth.json``. The data-driven models must credit it near what they should,
and last touch must under-credit it.
"""

import json

import numpy as np
import pandas as pd
import pytest

import workbench.attribution as at
from workbench.attribution import compare
from workbench.attribution.params import AttributionParams
from workbench.attribution.prepare import prepare
from workbench.data import load_dataset
from workbench.paths import PROJ_ROOT

SAMPLE = PROJ_ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    ds = load_dataset(SAMPLE)
    ad = prepare(ds, AttributionParams())
    j = at.build_journeys(ad.touches, ad.outcomes)
    return truth["assisting_channel"], ds, ad, j


def _share(credit: pd.DataFrame, channel: str) -> float:
    c = credit.set_index("channel")["conversions"]
    return float(c.get(channel, 0.0) / c.sum())


def test_truth_matches_the_files(sample):
    """The truth's counts, recomputed from the CSV files with plain pandas."""
    t, _, _, _ = sample
    tp = pd.read_csv(SAMPLE / "touchpoints.csv", dtype=str)
    leads = pd.read_csv(SAMPLE / "leads.csv", dtype=str)
    exposed = set(tp.loc[tp["channel_id"] == t["channel_id"], "lead_id"])
    won = leads.loc[leads["status"] == "won", "lead_id"]
    assert len(exposed) == t["exposed_leads"]
    assert int(won.isin(exposed).sum()) == t["exposed_won"] and len(won) == t["won"]
    lift = t["lift"]
    assert t["true_share"] == pytest.approx(t["exposed_won"] * lift / (1 + lift) / t["won"], abs=1e-6)
    # exposure is random with probability q, and exposure doubles the chance of winning:
    # among won leads the exposed share is q (1 + lift) / (1 + q lift) in expectation (binomial se ~ 1.4 pp)
    q = t["exposure"]
    assert t["path_share_won"] == pytest.approx(q * (1 + lift) / (1 + q * lift), abs=0.045)
    assert len(exposed) / len(leads) == pytest.approx(q, abs=0.03)


def test_paths_are_consistent_with_the_leads(sample):
    _, ds, ad, j = sample
    leads = ds["leads"].set_index("lead_id")
    t = ad.touches.merge(ad.outcomes, on="journey_id")
    # no touch after a won lead's close (the end of its closing day)
    assert not (t["converted"] & (t["ts"] > t["converted_at"])).any()
    assert j.counts["touches_after_conversion"] == 0 and j.counts["conversions"] == int((leads["status"] == "won").sum())
    # every lead has a touch by its lead source on the day it was created (the touch that made it a lead)
    tt = ad.touches.assign(source=ad.touches["journey_id"].map(leads["channel_id"]),
                           created=ad.touches["journey_id"].map(leads["created_date"]))
    creating = tt.loc[(tt["channel_id"] == tt["source"]) & (tt["ts"].dt.normalize() == tt["created"])]
    assert creating["journey_id"].nunique() == len(leads)
    # and the very last touch of a journey is its lead source for most leads
    final = ad.touches.sort_values(["journey_id", "ts"]).groupby("journey_id")["channel_id"].last()
    assert (final == leads.loc[final.index, "channel_id"]).mean() > 0.9


def test_data_driven_models_recover_the_assister_and_last_touch_under_credits_it(sample):
    t, _, _, j = sample
    ch = t["channel_id"]
    truth = t["true_share"]
    fit = at.markov_order_fit(j)
    order = int(fit.loc[fit["chosen"], "order"].iloc[0])
    markov = _share(at.markov_credit(j, order).credit, ch)
    shapley = _share(at.shapley_credit(j), ch)
    last = _share(at.heuristic_credit(j, "last_touch"), ch)
    # Markov removal effects: near the true share (the random touches of other channels take a little)
    assert markov == pytest.approx(truth, rel=0.2)
    assert markov == pytest.approx(t["model_expectations"]["markov_order_1"], rel=0.2)
    # Shapley values (Zhao et al. 2018, each conversion split among its path's channels): near the truth too
    assert shapley == pytest.approx(truth, rel=0.2)
    assert shapley == pytest.approx(t["model_expectations"]["shapley_zhao_2018"], rel=0.2)
    # the conversion-rate game splits the lift shared with the lead source evenly: half the truth
    rate_game = _share(at.shapley_credit(j, characteristic="rate"), ch)
    assert rate_game == pytest.approx(t["model_expectations"]["shapley_conversion_rate_game"], rel=0.25)
    # last touch: the assister is rarely last, so it gets a fraction of its true share
    assert last == pytest.approx(t["last_touch_share"], abs=0.005)
    assert last < truth / 5 and markov > 5 * last and shapley > 5 * last and rate_game > 3 * last


def test_the_report_says_it_assists_more_than_it_closes(sample):
    t, _, _, j = sample
    p = AttributionParams(n_boot=30, models=["last_touch", "markov"])
    credit = at.attribute(j, models=("last_touch", "markov"), n_boot=30, seed=3)
    shift = compare.credit_shift(credit, "markov", {t["channel_id"]: "抖音旗舰店"}, compare.touch_evidence(j))
    top = shift.iloc[0]
    assert top["channel_id"] == t["channel_id"] and top["role"] == "assister"
    assert top["model_share_low"] > top["last_touch_share"]
    assert np.isclose(shift["model_share"].sum(), 1.0) and np.isclose(shift["last_touch_share"].sum(), 1.0)
    s = compare.assister_sentences(shift, ("Markov removal effect", "Markov 移除效应"))[0]
    assert s["channel"] == "CH08 抖音旗舰店" and "assists more than it closes" in s["en"]
    assert s["share"].value == pytest.approx(top["model_share"]) and s["lt"].value == pytest.approx(top["last_touch_share"])
    assert p.chosen_model == "markov"


RANDOM = ["CH03", "CH04", "CH05"]
"""The sample's channels that touch leads at random with no effect on winning (``workbench/sample_touchpoints.py``)."""


@pytest.fixture(scope="module")
def evidence(sample):
    return compare.touch_evidence(sample[3]).set_index("channel_id")


def test_touch_evidence_matches_the_files(sample, evidence):
    """Journeys each channel touched and their conversion, recomputed from the CSV files with plain pandas."""
    tp = pd.read_csv(SAMPLE / "touchpoints.csv", dtype=str)
    won = pd.read_csv(SAMPLE / "leads.csv", dtype=str).set_index("lead_id")["status"].eq("won")
    won = won.loc[won.index.isin(tp["lead_id"])]
    for ch in ["CH08", *RANDOM]:
        touched = won.index.isin(tp.loc[tp["channel_id"] == ch, "lead_id"])
        r = evidence.loc[ch]
        assert r["touched_journeys"] == touched.sum() and r["untouched_journeys"] == (~touched).sum()
        assert r["touched_conversion_rate"] == pytest.approx(won[touched].mean())
        assert r["untouched_conversion_rate"] == pytest.approx(won[~touched].mean())


def test_the_planted_assister_is_an_assister_and_random_touches_are_not(sample, evidence):
    t, _, _, j = sample
    # CH08 doubles the chance of winning: touched journeys convert about twice as often, clearly
    ch = evidence.loc[t["channel_id"]]
    assert ch["touched_difference_low"] > 0.05
    assert ch["touched_conversion_rate"] / ch["untouched_conversion_rate"] == pytest.approx(1 + t["lift"], rel=0.15)
    # the channels touched at random convert like the rest: each interval holds 0
    for c in RANDOM:
        assert evidence.loc[c, "touched_difference_low"] < 0 < evidence.loc[c, "touched_difference_high"], c
        assert abs(evidence.loc[c, "touched_difference"]) < 0.03, c
    credit = at.attribute(j, models=("last_touch", "markov", "shapley"), n_boot=30, seed=3)
    for model in ("markov", "shapley"):
        shift = compare.credit_shift(credit, model, None, evidence.reset_index()).set_index("channel_id")
        assert shift.loc[t["channel_id"], "role"] == "assister", model
        for c in RANDOM:
            # the models credit them above last touch (they sit on converting paths) ...
            assert shift.loc[c, "model_share_low"] > shift.loc[c, "last_touch_share"], (model, c)
            # ... but they are not called assisters
            assert shift.loc[c, "role"] == "frequent_touch", (model, c)
        assert (shift["role"] == "assister").sum() == 1, model
        sents = compare.assister_sentences(shift.reset_index(), ("m", "m"))
        assert [s["channel"] for s in sents if s["role"] == "assister"] == [t["channel_id"]]
