"""Response curves recover the planted shapes; the optimiser respects every constraint and the budget."""

import json

import numpy as np
import pandas as pd
import pytest

from workbench.channels import fit_response, optimise, prepare_leads, what_if
from workbench.channels.budget import adstock, curve_points
from workbench.channels.params import ChannelParams
from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR

EXPONENT_TOLERANCE = 0.10  # |fitted - planted| exponent on the scale-1 sample (24 months)
CARRY_OVER_TOLERANCE = 0.10


@pytest.fixture(scope="module")
def sample():
    ds = load_dataset(SAMPLE_DIR, strict=False)
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["spend_response"]
    p = ChannelParams(n_draws=200)
    ld = prepare_leads(ds.tables, p)
    return ds, truth, p, ld, fit_response(ds.tables, ld, p, ld.as_of)


def test_planted_response_shapes_are_recovered(sample):
    _, truth, _, _, fit = sample
    assert abs(fit.carry_over - truth["carry_over"]) <= CARRY_OVER_TOLERANCE
    assert fit.carry_over_ci[0] <= truth["carry_over"] <= fit.carry_over_ci[1]
    c = fit.curves.set_index("channel_id")
    assert c["supported"].all() and set(c.index) == set(truth["channels"])
    covered = 0
    for cid, t in truth["channels"].items():
        assert abs(c.loc[cid, "exponent"] - t["exponent"]) <= EXPONENT_TOLERANCE, cid
        assert c.loc[cid, "metric"] == t["metric"]
        covered += c.loc[cid, "exponent_ci_low"] <= t["exponent"] <= c.loc[cid, "exponent_ci_high"]
        assert bool(c.loc[cid, "seasonality"]) == (t["seasonality"] == "ecommerce")  # retail is alone in its type
    assert covered >= 7  # 95 % intervals: at most one miss in eight is expected


def test_adstock_recursion():
    got = adstock(np.array([100.0, 0.0, 50.0]), 0.5)
    assert got.tolist() == [200.0, 100.0, 100.0]  # starts at the steady state 100 / (1 - 0.5)


def _check(al, p, budget):
    t = al.table.set_index("channel_id")
    tol = 1e-6 * budget
    assert t["recommended_spend"].sum() <= budget + tol
    free = t.loc[t["in_optimiser"]]
    cut = pd.Series({c: p.channel_limits.get(c, [p.max_decrease, p.max_increase])[0] for c in free.index})
    inc = pd.Series({c: p.channel_limits.get(c, [p.max_decrease, p.max_increase])[1] for c in free.index})
    assert np.allclose(free["low_bound"], free["current_spend"] * (1 - cut))
    assert np.allclose(free["high_bound"], free["current_spend"] * (1 + inc))
    assert (free["recommended_spend"] >= free["low_bound"] - tol).all()
    assert (free["recommended_spend"] <= free["high_bound"] + tol).all()
    fixed = t.loc[~t["in_optimiser"]]
    assert np.allclose(fixed["recommended_spend"], fixed["current_spend"])
    return t


@pytest.mark.parametrize("kw, factor", [
    ({}, 1.0),
    ({"max_increase": 0.2, "max_decrease": 0.1}, 1.0),
    ({"hold_fixed": ["CH01", "CH03"]}, 1.0),
    ({"max_increase": 0.3}, 1.15),
    ({}, 0.7),
    ({"objective": "margin"}, 1.0),
    ({"channel_limits": {"CH02": [0.0, 0.1], "CH05": [0.05, 0.0]}}, 1.0),
])
def test_optimiser_respects_every_constraint(sample, kw, factor):
    ds, _, base, ld, fit = sample
    p = base.model_copy(update=kw)
    total = fit.curves["current_spend"].sum()
    f2 = fit_response(ds.tables, ld, p, ld.as_of) if "objective" in kw else fit
    al = optimise(f2, p, budget=total * factor)
    assert al.feasible
    t = _check(al, p, total * factor)
    for cid in kw.get("hold_fixed", []):
        assert t.loc[cid, "recommended_spend"] == t.loc[cid, "current_spend"] and not t.loc[cid, "in_optimiser"]
    if factor == 1.0:
        # the best split is never worse than today's, and its interval is ordered
        assert al.change >= -1e-6 and al.change_low <= al.change <= al.change_high
        assert al.recommended_total == pytest.approx(total, rel=1e-6)


def test_budget_below_the_constraints_gives_no_recommendation(sample):
    _, _, p, _, fit = sample
    total = fit.curves["current_spend"].sum()
    al = optimise(fit, p, budget=total * 0.3)  # cuts are limited to 50 %
    assert not al.feasible and al.table["recommended_spend"].isna().all()
    assert "below what the constraints allow" in al.notes[0].en


def test_budget_above_the_largest_increases_is_left_unspent(sample):
    _, _, p, _, fit = sample
    total = fit.curves["current_spend"].sum()
    al = optimise(fit, p, budget=total * 2)
    t = _check(al, p, total * 2)
    assert np.allclose(t["recommended_spend"], t["current_spend"] * 1.5)
    assert any("stays unspent" in n.en for n in al.notes)


def test_target_objective_reaches_the_target_at_least_cost(sample):
    ds, _, base, ld, fit = sample
    target = fit.value(fit.curves.set_index("channel_id").loc[fit.channels, "current_spend"].to_numpy()).sum()
    p = base.model_copy(update={"objective": "target", "revenue_target": float(target)})
    al = optimise(fit, p)
    rec = al.table.set_index("channel_id").loc[fit.channels, "recommended_spend"].to_numpy()
    assert fit.value(rec).sum() >= target * (1 - 1e-6)
    # the same revenue costs less once the split is optimised
    assert rec.sum() < fit.curves["current_spend"].sum()


def test_what_if_grows_with_the_budget(sample):
    _, _, p, _, fit = sample
    w = what_if(fit, p)
    assert w["budget_multiple"].tolist() == p.what_if_levels and w["feasible"].all()
    assert w["expected_value"].is_monotonic_increasing
    assert (w["value_low"] <= w["expected_value"]).all() and (w["expected_value"] <= w["value_high"]).all()
    assert (w["expected_value"] >= w["value_current_split"] - 1e-6).all()
    one = w.loc[w["budget_multiple"] == 1.0].iloc[0]
    assert one["change_vs_current"] == pytest.approx(optimise(fit, p).change, rel=1e-6)
    pts = curve_points(fit, n=10)
    assert (pts["low"] <= pts["expected"] + 1e-9).all() and (pts["expected"] <= pts["high"] + 1e-9).all()


def _synthetic(months=30, seed=5):
    rng = np.random.default_rng(seed)
    per = pd.period_range("2024-01", periods=months, freq="M")
    rows, orders = [], []
    spec = {"A": (0.6, 200e3), "B": (0.3, 100e3), "FLAT": (0.5, 50e3), "NONE": (0.0, 80e3), "GHOST": (0.5, 60e3)}
    k = 0
    for cid, (b, base) in spec.items():
        s = base * (np.ones(months) if cid == "FLAT" else rng.lognormal(0, 0.6, months))
        ad = adstock(s, 0.3)
        lam = 120 * (ad / ad.mean()) ** b
        # NONE: counts that do not follow spend at all (alternating 110 / 130)
        y = np.where(np.arange(months) % 2, 110, 130) if cid == "NONE" else rng.poisson(lam)
        for m, sp, n in zip(per, s, y, strict=True):
            rows.append({"period": str(m), "channel_id": cid, "amount": round(float(sp), 2)})
            if cid == "GHOST":
                continue
            for _ in range(n):
                k += 1
                orders.append({"order_id": f"O{k}", "order_date": m.start_time + pd.Timedelta(days=int(rng.integers(0, 27))),
                               "customer_id": f"C{k}", "amount": 100.0, "channel_id": cid})
    return {"spend": pd.DataFrame(rows), "orders": pd.DataFrame(orders),
            "channels": pd.DataFrame({"channel_id": list(spec), "type": ["other"] * 5})}


def test_synthetic_curves_and_unsupported_channels():
    tables = _synthetic()
    p = ChannelParams(n_draws=100, seasonality="none")
    fit = fit_response(tables, None, p, pd.Timestamp("2026-06-30"))
    c = fit.curves.set_index("channel_id")
    assert abs(c.loc["A", "exponent"] - 0.6) < 0.1 and abs(c.loc["B", "exponent"] - 0.3) < 0.12
    assert abs(fit.carry_over - 0.3) < 0.15
    assert c.loc["FLAT", "reason"] == "flat_spend"
    assert c.loc["NONE", "reason"] == "no_effect"
    assert c.loc["GHOST", "reason"] == "no_outcome"  # spend, but neither leads nor orders
    assert fit.channels == ["A", "B"]
    al = optimise(fit, p)
    t = _check(al, p, al.budget)
    assert t.loc["GHOST", "recommended_spend"] == t.loc["GHOST", "current_spend"]
    text = " ".join(n.en.format(**n.values) for n in fit.notes)
    assert "No response curve for FLAT, GHOST, NONE" in text


def test_short_history_and_no_spend():
    tables = _synthetic(months=8)
    fit = fit_response(tables, None, ChannelParams(), pd.Timestamp("2026-06-30"))
    assert set(fit.curves["reason"]) <= {"short_history", "no_outcome"} and not fit.channels
    al = optimise(fit, ChannelParams())
    assert not al.feasible and "nothing to optimise" in al.notes[0].en
    assert what_if(fit, ChannelParams()).empty
    none = fit_response({}, None, ChannelParams(), pd.Timestamp("2026-06-30"))
    assert none.curves.empty and "No spend table" in none.notes[0].en
