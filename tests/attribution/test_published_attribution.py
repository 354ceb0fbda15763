"""Published worked examples of Markov removal effects, reproduced to the digits they publish."""

from __future__ import annotations

import pytest
from test_attribution_models import make

import workbench.attribution as at


def test_bryl_2016_analyzecore_three_paths():
    """Sergey Bryl (2016), "Marketing Multi-Channel Attribution model with R (part 1: Markov chains
    concept)", AnalyzeCore, https://analyzecore.com/2016/08/03/attribution-model-r-part-1/ .

    Paths C1 > C2 > C3 (converted), C1 (not), C2 > C3 (not). Published: probability of conversion
    0.33 (1/3); with C1 removed 0.1667 (1/6), so C1's removal effect is 0.5; C2 and C3 have removal
    effect 1; weighted, C1 gets 0.2 of the conversion and C2 and C3 0.4 each. (The same figures are
    the test values of the JavaScript port github.com/JesseCastro/markovattribution, test/test.js,
    "derived from" that article, with a conversion value of 1000: 200 / 400 / 400.)
    """
    j = at.build_journeys(*make({"p1": (["C1", "C2", "C3"], True, 1000.0), "p2": (["C1"], False, 0.0),
                                 "p3": (["C2", "C3"], False, 0.0)}))
    r = at.markov_credit(j, order=1)
    assert round(r.fit["conversion_probability"], 2) == 0.33
    assert r.fit["conversion_probability"] == pytest.approx(1 / 3)
    assert r.removal_effects["C1"] == pytest.approx(1 - (1 / 6) / (1 / 3))
    assert r.removal_effects.to_dict() == pytest.approx({"C1": 0.5, "C2": 1.0, "C3": 1.0})
    credit = r.credit.set_index("channel")
    assert credit["conversions"].to_dict() == pytest.approx({"C1": 0.2, "C2": 0.4, "C3": 0.4})
    assert credit["value"].to_dict() == pytest.approx({"C1": 200.0, "C2": 400.0, "C3": 400.0})
    # the published transition matrix: start -> C1 2/3, C1 -> C2 1/2, C1 -> null 1/2, C2 -> C3 1,
    # C3 -> conversion 1/2, C3 -> null 1/2
    t = r.transitions.set_index(["from_state", "to_state"])["probability"]
    assert t.to_dict() == pytest.approx({
        ("(start)", "C1"): 2 / 3, ("(start)", "C2"): 1 / 3, ("C1", "C2"): 0.5, ("C1", "(null)"): 0.5,
        ("C2", "C3"): 1.0, ("C3", "(conversion)"): 0.5, ("C3", "(null)"): 0.5})


def test_puzyrov_2019_simple_explanation_of_removal_effect():
    """Serhii Puzyrov (2019), "Markov Chain Attribution – Simple Explanation Of Removal Effect",
    https://serhiipuzyrov.com/2019/07/markov-chain-attribution-simple-explanation-of-removal-effect/ .

    Paths: google ads (2 conversions), mailing (1), google ads > mailing (1), google ads (0).
    Published transition probabilities: google ads > conv 0.5, google ads > mailing 0.25,
    google ads > null 0.25, mailing > conv 1, start > google ads 0.8, start > mailing 0.2.
    From these, P(conv) = 0.8 * (0.5 + 0.25) + 0.2 = 0.8; without google ads 0.2 (removal effect
    0.75); without mailing 0.4 (0.5); of 4 conversions google ads gets 2.4 and mailing 1.6.
    """
    paths = {"g1": (["google ads"], True, 1.0), "g2": (["google ads"], True, 1.0),
             "m1": (["mailing"], True, 1.0), "gm": (["google ads", "mailing"], True, 1.0),
             "g0": (["google ads"], False, 0.0)}
    r = at.markov_credit(at.build_journeys(*make(paths)), order=1)
    t = r.transitions.set_index(["from_state", "to_state"])["probability"]
    assert t.to_dict() == pytest.approx({
        ("google ads", "(conversion)"): 0.5, ("google ads", "mailing"): 0.25, ("google ads", "(null)"): 0.25,
        ("mailing", "(conversion)"): 1.0, ("(start)", "google ads"): 0.8, ("(start)", "mailing"): 0.2})
    assert r.fit["conversion_probability"] == pytest.approx(0.8)
    assert r.removal_effects.to_dict() == pytest.approx({"google ads": 0.75, "mailing": 0.5})
    assert r.credit.set_index("channel")["conversions"].to_dict() == pytest.approx(
        {"google ads": 2.4, "mailing": 1.6})
