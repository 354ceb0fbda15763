"""Markov removal effects, Shapley values and bootstrap intervals: hand-computed cases,
invariants, planted assisting channels and a comparison with the ChannelAttribution package."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_attribution_models import make

import workbench.attribution as at
from workbench.attribution.shapley import shapley_from_sets

T0 = pd.Timestamp("2026-01-01")


def by_channel(df: pd.DataFrame, col: str = "conversions") -> dict[str, float]:
    key = "channel" if "channel" in df else "channel_id"
    return dict(zip(df[key], df[col], strict=True))


# -- Markov -------------------------------------------------------------------------------------

FOUR = {"a": (["C1", "C2", "C3"], True, 10.0), "b": (["C1"], False, 0.0), "c": (["C2", "C3"], False, 0.0),
        "d": (["C1", "C1", "C2"], True, 3.0)}


def test_markov_order1_hand_computed():
    j = at.build_journeys(*make(FOUR))
    r = at.markov_credit(j, 1)
    # start->C1 3/4, start->C2 1/4; C1->C2 2/3 (self-loop C1->C1 only delays), C1->null 1/3;
    # C2->C3 2/3, C2->conv 1/3; C3->conv 1/2, C3->null 1/2.
    # P(C3)=1/2, P(C2)=1/3+2/3*1/2=2/3, P(C1)=2/3*2/3=4/9, P=3/4*4/9+1/4*2/3=1/2.
    assert r.fit["conversion_probability"] == pytest.approx(0.5)
    # C1 removed: 1/4*2/3 = 1/6 -> 2/3; C2 removed: 0 -> 1; C3 removed: 3/4*2/3*1/3+1/4*1/3 = 1/4 -> 1/2
    assert r.removal_effects.to_dict() == pytest.approx({"C1": 2 / 3, "C2": 1.0, "C3": 0.5})
    total = 2 / 3 + 1 + 0.5
    assert by_channel(r.credit) == pytest.approx({"C1": 2 * (2 / 3) / total, "C2": 2 / total, "C3": 2 * 0.5 / total})
    # value: expected value solves the same chain with mean value per conversion transition
    # (C3: 10/2 per visit, C2: 3/3): E=3/4*(2/3*(1+2/3*5))+1/4*(1+2/3*5)=13/4; removal effects
    # C1: 1-(1/4*13/3)/(13/4)=2/3, C2: 1, C3: 1-(3/4*2/3*1+1/4*1)/(13/4)=10/13
    re_v = np.array([2 / 3, 1.0, 10 / 13])
    assert r.credit["value"].tolist() == pytest.approx((13 * re_v / re_v.sum()).tolist())
    t = r.transitions.set_index(["from_state", "to_state"])["probability"]
    assert t[("(start)", "C1")] == pytest.approx(0.75)
    assert t[("C1", "C1")] == pytest.approx(0.25)       # counted, one of four transitions out of C1
    assert t[("C3", "(null)")] == pytest.approx(0.5)


def test_markov_order2_hand_computed():
    j = at.build_journeys(*make(FOUR))
    r = at.markov_credit(j, 2)
    # states are the first two touches, then sliding pairs: a: C1C2 > C2C3 > conv; b: C1 > null;
    # c: C2C3 > null; d: C1C1 > C1C2 > conv. P = 1/4*3/4 + 1/4*0 + 1/4*1/2 + 1/4*3/4 = 1/2.
    assert r.fit["conversion_probability"] == pytest.approx(0.5)
    assert r.fit["states"] == 4
    # C1 removed: only start>C2C3 (1/4*1/2) -> 3/4; C2: 0 -> 1; C3: 1/4*1/2 + 1/4*1/2 = 1/4 -> 1/2
    assert r.removal_effects.to_dict() == pytest.approx({"C1": 0.75, "C2": 1.0, "C3": 0.5})
    assert by_channel(r.credit) == pytest.approx({"C1": 2 * 0.75 / 2.25, "C2": 2 / 2.25, "C3": 1 / 2.25})
    r3 = at.markov_credit(j, 3)
    # order 3: a ends in C1C2C3 (converts), d in C1C1C2 (converts): C1 and C2 are on every converting
    # state, C3 on one of two.
    assert r3.removal_effects.to_dict() == pytest.approx({"C1": 1.0, "C2": 1.0, "C3": 0.5})


def test_markov_fit_statistics_and_order_choice():
    j = at.build_journeys(*make(FOUR))
    r = at.markov_credit(j, 1)
    # transitions out of start (3:1), C1 (1 self, 2 to C2, 1 null), C2 (2 C3, 1 conv), C3 (1:1)
    ll = 3 * np.log(3 / 4) + np.log(1 / 4) + np.log(1 / 4) + 2 * np.log(1 / 2) + np.log(1 / 4) \
        + 2 * np.log(2 / 3) + np.log(1 / 3) + 2 * np.log(1 / 2)
    assert r.fit["log_likelihood"] == pytest.approx(ll)
    assert r.fit["parameters"] == 1 + 2 + 1 + 1
    assert r.fit["aic"] == pytest.approx(2 * 5 - 2 * ll)
    assert r.fit["bic"] == pytest.approx(5 * np.log(13) - 2 * ll)   # 4 + 4 + 3 + 2 transitions observed

    # order 2 data: conversion depends on the channel before the last one
    rng = np.random.default_rng(5)
    paths = {}
    for i in range(6000):
        seq = list(rng.choice(["A", "B"], 3))
        p = 0.6 if seq[1] == "A" else 0.05
        paths[f"j{i}"] = (seq, bool(rng.random() < p), 1.0)
    fit = at.markov_order_fit(at.build_journeys(*make(paths)))
    assert fit["order"].tolist() == [1, 2, 3]
    assert fit["chosen"].sum() == 1
    assert fit.loc[fit["chosen"], "order"].item() == 2      # 3 is no better within one SE
    assert fit["holdout_log_loss"].iloc[1] < fit["holdout_log_loss"].iloc[0]
    assert (np.diff(fit["log_likelihood"]) >= -1e-9).all()   # nested: more order, more likelihood

    # first-order data (conversion depends on the last channel only): the rule keeps order 1
    paths = {}
    for i in range(6000):
        seq = list(rng.choice(["A", "B"], 3))
        paths[f"k{i}"] = (seq, bool(rng.random() < (0.5 if seq[-1] == "A" else 0.1)), 1.0)
    fit = at.markov_order_fit(at.build_journeys(*make(paths)))
    assert fit.attrs["chosen"] == 1 and fit.loc[fit["chosen"], "order"].item() == 1


def test_markov_invariants_and_permutation():
    rng = np.random.default_rng(11)
    paths = {f"j{i}": (list(rng.choice(list("WXYZ"), rng.integers(1, 6))), bool(rng.random() < 0.3),
                       float(rng.integers(1, 50))) for i in range(800)}
    j = at.build_journeys(*make(paths))
    rename = {"W": "z", "X": "y", "Y": "x", "Z": "w"}
    j2 = at.build_journeys(*make({k: ([rename[c] for c in p], cv, v) for k, (p, cv, v) in paths.items()}))
    for order in (1, 2, 3):
        r = at.markov_credit(j, order)
        assert r.credit["conversions"].sum() == pytest.approx(j.conversions)
        assert r.credit["value"].sum() == pytest.approx(j.value)
        assert ((r.removal_effects >= 0) & (r.removal_effects <= 1)).all()
        c2 = by_channel(at.markov_credit(j2, order).credit)
        for ch, v in by_channel(r.credit).items():
            assert c2[rename[ch]] == pytest.approx(v)
    with pytest.raises(ValueError, match="Valid options"):
        at.markov_credit(j, 0)


# -- Shapley ------------------------------------------------------------------------------------

def test_shapley_two_channels_hand_computed():
    paths = {}
    for i in range(10):
        paths[f"a{i}"] = (["A"], i < 2, 1.0)              # v(A) = 0.2
        paths[f"b{i}"] = (["B"], i < 1, 1.0)              # v(B) = 0.1
        paths[f"ab{i}"] = (["A", "B"] if i % 2 else ["B", "A", "B"], i < 5, 2.0)   # v(AB) = 0.5
    j = at.build_journeys(*make(paths))
    r = at.shapley_credit(j, "rate")
    # {A,B} journeys: phi_A = (0.2 + (0.5 - 0.1)) / 2 = 0.3, phi_B = 0.2, times 10 journeys
    assert by_channel(r) == pytest.approx({"A": 2 + 3.0, "B": 1 + 2.0})
    # value per journey: v(A)=0.2, v(B)=0.1, v(AB)=1.0 -> phi_A = (0.2 + 0.9)/2 = 0.55
    assert by_channel(r, "value") == pytest.approx({"A": 2 + 5.5, "B": 1 + 4.5})
    # Zhao et al. (2018): the 5 conversions of {A,B} are shared equally; non-conversions ignored
    z = at.shapley_credit(j)
    assert by_channel(z) == pytest.approx({"A": 2 + 2.5, "B": 1 + 2.5})
    assert by_channel(z, "value") == pytest.approx({"A": 2 + 5.0, "B": 1 + 5.0})


def test_shapley_three_channels_against_the_definition():
    # v on sets of {A, B, C} as bit masks; n journeys per set
    masks = np.array([0b001, 0b010, 0b011, 0b110, 0b111])
    n = np.array([10.0, 20.0, 10.0, 5.0, 8.0])
    conv = np.array([1.0, 4.0, 5.0, 2.0, 6.0])
    from itertools import permutations

    def phi(v, t):  # Shapley of v restricted to subsets of t, averaging over orderings
        members = [c for c in range(3) if t >> c & 1]
        out = np.zeros(3)
        perms = list(permutations(members))
        for order in perms:
            s = 0
            for c in order:
                out[c] += v(s | 1 << c) - v(s)
                s |= 1 << c
        return out / len(perms)

    rate = {int(m): c / k for m, c, k in zip(masks, conv, n, strict=True)}
    got = shapley_from_sets(masks, n, conv, 3, "rate")
    want = sum(k * phi(lambda s: rate.get(s, 0.0), int(m)) for m, k in zip(masks, n, strict=True))
    assert got == pytest.approx(want)
    assert got.sum() == pytest.approx(conv.sum())
    # Zhao: v(S) = conversions of journeys whose set is a subset of S, Shapley of the full game
    zhao = shapley_from_sets(masks, n, conv, 3)
    total = lambda s: sum(c for m, c in zip(masks, conv, strict=True) if int(m) & ~s == 0)  # noqa: E731
    assert zhao == pytest.approx(phi(total, 0b111))
    assert zhao.tolist() == pytest.approx([1 + 5 / 2 + 6 / 3, 4 + 5 / 2 + 2 / 2 + 6 / 3, 2 / 2 + 6 / 3])


def test_shapley_too_many_channels_is_a_clear_error():
    chans = [f"c{i:02d}" for i in range(at.MAX_SHAPLEY_CHANNELS + 1)]
    j = at.build_journeys(*make({f"j{i}": ([c], i % 2 == 0, 1.0) for i, c in enumerate(chans)}))
    with pytest.raises(ValueError, match=r"at most 16 channels.*17"):
        at.shapley_credit(j, "rate")
    assert at.shapley_credit(j)["conversions"].sum() == pytest.approx(9)   # the closed form has no limit


# -- attribute and the bootstrap ----------------------------------------------------------------

def random_paths(n: int, seed: int = 1, chans: str = "ABCD") -> dict:
    rng = np.random.default_rng(seed)
    return {f"j{i}": (list(rng.choice(list(chans), rng.integers(1, 6))), bool(rng.random() < 0.3),
                      float(rng.integers(1, 50))) for i in range(n)}


def test_attribute_columns_sums_and_intervals():
    j = at.build_journeys(*make(random_paths(1500)))
    df = at.attribute(j, n_boot=60, seed=3)
    assert list(df.columns) == at.ATTRIBUTION_COLUMNS
    assert df["model"].unique().tolist() == list(at.MODELS)
    sums = df.groupby("model")[["conversions", "value", "share"]].sum()
    assert np.allclose(sums["conversions"], j.conversions)
    assert np.allclose(sums["value"], j.value)
    assert np.allclose(sums["share"], 1.0)
    assert (df["conversions_low"] <= df["conversions"]).all() and (df["conversions"] <= df["conversions_high"]).all()
    assert (df["share_low"] <= df["share"]).all() and (df["share"] <= df["share_high"]).all()
    assert (df["value_low"] <= df["value"]).all() and (df["value"] <= df["value_high"]).all()
    assert df.attrs["markov_order"] in (1, 2, 3) and df.attrs["n_boot"] == 60
    # the point estimates are those of the single-model functions
    lt = df[df["model"] == "last_touch"].set_index("channel_id")["conversions"]
    assert lt.to_dict() == pytest.approx(by_channel(at.heuristic_credit(j, "last_touch")))
    none = at.attribute(j, models=("linear",), n_boot=0)
    assert none["conversions_low"].isna().all() and len(none) == 4
    with pytest.raises(ValueError, match="Valid options"):
        at.attribute(j, models=("markov", "data_driven"))


def test_bootstrap_intervals_shrink_with_more_data():
    base = random_paths(400, seed=2)
    small = at.build_journeys(*make(base))
    big = at.build_journeys(*make({f"{k}_{r}": v for r in range(16) for k, v in base.items()}))
    w_small = at.attribute(small, models=("linear", "markov", "shapley"), markov_order=1, n_boot=200)
    w_big = at.attribute(big, models=("linear", "markov", "shapley"), markov_order=1, n_boot=200)
    width = lambda d: (d["share_high"] - d["share_low"]).to_numpy()   # noqa: E731
    ratio = width(w_big) / width(w_small)
    # 16 times the journeys: intervals about 4 times narrower
    assert np.all(ratio < 0.4) and np.median(ratio) == pytest.approx(0.25, abs=0.07)
    # same shares for the same journeys repeated
    assert w_big["share"].to_numpy() == pytest.approx(w_small["share"].to_numpy())


def test_bootstrap_covers_the_truth_in_repeated_samples():
    # linear credit of A in a population where its expected share is known: 95 % intervals cover
    # the population value in most of 30 samples (binomial: at least 24 of 30 at 95 % coverage)
    rng = np.random.default_rng(8)
    hits = 0
    for s in range(30):
        paths = {f"j{i}": (["A"] if rng.random() < 0.5 else ["B"], bool(rng.random() < 0.3), 1.0)
                 for i in range(300)}
        df = at.attribute(at.build_journeys(*make(paths)), models=("linear",), n_boot=200, seed=s)
        a = df[df["channel_id"] == "A"].iloc[0]
        hits += a["share_low"] <= 0.5 <= a["share_high"]
    assert hits >= 24


# -- planted assisting channels -----------------------------------------------------------------

def journeys_from_sets(sets: list[list[str]], conv: np.ndarray) -> at.Journeys:
    rows = [(f"j{i}", T0 + pd.Timedelta(days=k), c) for i, s in enumerate(sets) for k, c in enumerate(s)]
    touches = pd.DataFrame(rows, columns=["journey_id", "ts", "channel_id"])
    outcomes = pd.DataFrame({"journey_id": [f"j{i}" for i in range(len(sets))], "converted": conv,
                             "converted_at": T0 + pd.Timedelta(days=30), "value": np.where(conv, 10.0, 0.0)})
    return at.build_journeys(touches, outcomes)


def test_planted_assister_additive_effect():
    """A is always the first touch and rarely the last; each channel adds a known conversion
    probability (beta), so its true incremental conversions are beta x journeys exposed."""
    rng = np.random.default_rng(0)
    n, beta = 30000, {"A": 0.15, "B": 0.08, "C": 0.08, "D": 0.08}
    others = rng.random((n, 3)) < 0.5
    has_a = rng.random(n) < 0.4
    has_a |= ~others.any(axis=1)
    sets = [(["A"] if has_a[i] else []) + [c for c in rng.permutation(list("BCD"))
                                           if others[i, "BCD".index(c)]] for i in range(n)]
    p = has_a * beta["A"] + others @ np.array([beta["B"], beta["C"], beta["D"]])
    conv = rng.random(n) < p
    truth_a = has_a.sum() * beta["A"]
    j = journeys_from_sets(sets, conv)
    df = at.attribute(j, models=("last_touch", "markov", "shapley"), markov_order=1, n_boot=100,
                      shapley_characteristic="rate")
    a = df[df["channel_id"] == "A"].set_index("model")
    # every channel set is observed, so the conversion-rate game is unbiased for additive effects
    assert a.loc["shapley", "conversions"] == pytest.approx(truth_a, rel=0.06)
    assert a.loc["shapley", "conversions_low"] <= truth_a * 1.03
    assert a.loc["shapley", "conversions_high"] >= truth_a * 0.97
    assert a.loc["last_touch", "conversions"] < 0.35 * truth_a
    # Markov removal effects are not incremental effects: with additive effects every channel on a
    # converting path is "necessary", so A lands between last touch and its truth.
    assert a.loc["last_touch", "conversions"] < a.loc["markov", "conversions"] < truth_a
    # Zhao's formula shares each set's conversions equally: A, the strongest, gets less than its truth
    zhao = by_channel(at.shapley_credit(j))["A"]
    assert a.loc["last_touch", "conversions"] < zhao < truth_a


def test_planted_assister_multiplicative_lift():
    """The sample company's story: a lead arrives through one source channel (always last); the
    assister's early exposure (probability q) multiplies the chance of winning by 1 + lift. With
    lift = 1 its true share of conversions, q lift / (1 + q lift), is what Markov (order 1) and
    Shapley (Zhao's formula) give: q / (1 + q) and q (1 + lift) / (2 (1 + q lift))."""
    rng = np.random.default_rng(1)
    n, q, lift, p0 = 40000, 0.3, 1.0, 0.1
    source = rng.choice(list("BCD"), n)
    exposed = rng.random(n) < q
    sets = [(["A"] if exposed[i] else []) + [source[i]] for i in range(n)]
    conv = rng.random(n) < p0 * (1 + lift * exposed)
    truth_share = exposed.sum() * p0 * lift / conv.sum()   # expected extra wins over all wins
    df = at.attribute(journeys_from_sets(sets, conv), models=("last_touch", "markov", "shapley"),
                      markov_order=1, n_boot=100)
    a = df[df["channel_id"] == "A"].set_index("model")
    for m in ("markov", "shapley"):
        assert a.loc[m, "share"] == pytest.approx(truth_share, abs=0.02)
        assert a.loc[m, "share_low"] - 0.01 <= truth_share <= a.loc[m, "share_high"] + 0.01
    assert a.loc["last_touch", "share"] == 0.0


# -- the ChannelAttribution package (GPL-3, test-only comparison) ---------------------------------

def test_markov_matches_channelattribution():
    ca = pytest.importorskip("ChannelAttribution", reason="ChannelAttribution (GPL-3) is not installed; "
                             "it is an optional test-only reference")
    j = at.build_journeys(*make(random_paths(3000, seed=4)))
    labels = j.path_labels()
    p = j.paths
    data = pd.DataFrame({"path": labels.reindex(p["path"]).to_numpy(), "conv": p["conversions"].to_numpy(),
                         "null": (p["journeys"] - p["conversions"]).to_numpy(), "value": p["value"].to_numpy()})
    for order in (1, 2):
        ref = ca.markov_model(data, var_path="path", var_conv="conv", var_null="null", var_value="value",
                              order=order, verbose=0, flg_pro=False, seed=1, out_more=True, max_step=50)
        ours = at.markov_credit(j, order)
        # ChannelAttribution estimates removal effects by simulating walks. Its default max_step
        # (the longest observed path, 5 here) cuts walks short and lowers every removal effect by
        # about 0.02; with walks of up to 50 steps it agrees with the exact solution to simulation
        # error.
        want = ref["removal_effects"].set_index("channel_name")["removal_effects_conversion"]
        assert ours.removal_effects.to_dict() == pytest.approx(want.to_dict(), abs=0.01)
        want_c = ref["result"].set_index("channel_name")["total_conversions"]
        assert by_channel(ours.credit) == pytest.approx(want_c.to_dict(), abs=0.01 * j.conversions)


def test_attribute_without_conversions_gives_zero_credit(recwarn):
    j = at.build_journeys(*make({"a": (["X", "Y"], False, 0.0), "b": (["Y"], False, 0.0)}))
    df = at.attribute(j, n_boot=20)
    assert (df["conversions"] == 0).all() and (df["value"] == 0).all() and (df["share"] == 0).all()
    assert df["share_low"].isna().all()          # a share of no conversions is undefined
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
