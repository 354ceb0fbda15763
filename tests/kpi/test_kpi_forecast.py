"""Will we hit it: closed-form SES interval, pipeline Monte Carlo, learned win rates; the planted region miss."""

import json

import numpy as np
import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.kpi import actuals as A
from workbench.kpi import forecast as FC
from workbench.kpi.params import KpiParams
from workbench.paths import SAMPLE_DIR


def test_ses_closed_form_matches_simulation():
    rng = np.random.default_rng(1)
    alpha, s, w = 0.3, 10.0, np.array([0.5, 1.0, 1.0])
    Y = 100 + rng.normal(0, s, (1, 400))
    mu, sd = FC.ses_closed_form(Y, alpha, w)
    # simulate the SES model forward from the same final level
    level = Y[0, 0]
    for y in Y[0, 1:]:
        level += alpha * (y - level)
    e = rng.normal(0, sd[0] / np.sqrt(((w + alpha * np.array([2.0, 1.0, 0.0])) ** 2).sum()), (200_000, 3))
    lv = np.full(200_000, level)
    tot = np.zeros(200_000)
    for j in range(3):
        tot += w[j] * (lv + e[:, j])
        lv = lv + alpha * e[:, j]
    assert mu[0] == pytest.approx(level * w.sum())
    assert tot.std() == pytest.approx(sd[0], rel=0.01)


def test_pipeline_monte_carlo_sums_deals_per_key():
    deals = pd.DataFrame({"amount": [100.0, 200.0, 50.0], "q": [1.0, 0.0, 0.5], "region": ["A", "A", "B"],
                          "company": ["", "", ""]})
    sim = FC.simulate_pipeline(deals, ["company", "region"], draws=4000, interval=0.8, seed=1).set_index(["level", "key"])
    assert sim.loc[("region", "A"), "pipeline_mean"] == 100.0  # certain and impossible deals
    assert sim.loc[("region", "B"), "pipeline_mean"] == pytest.approx(25.0, abs=2.0)
    assert sim.loc[("company", ""), "pipeline_deals"] == 3
    assert (sim.loc[("region", "B"), "pipeline_low"], sim.loc[("region", "B"), "pipeline_high"]) == (0.0, 50.0)


@pytest.fixture(scope="module")
def backtest():
    ds = load_dataset(SAMPLE_DIR, strict=False)
    p = KpiParams(forecast_period="2025-11..2026-10", backtest_cutoff="2026-07-31", draws=2000,
                  forecast_levels=["company", "channel", "region"])
    kd = A.prepare(ds, p)
    return kd, p, FC.backtest_table(kd, p)


def test_planted_region_miss_gets_low_p_hit(backtest):
    kd, p, fc = backtest
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))
    reg = fc.loc[fc["level"] == "region"].set_index("key")
    miss = truth["missed_target_region"]["region"]
    assert reg.loc[miss, "p_hit"] < 0.01 and reg.loc[miss, "light"] == "red"
    assert reg["p_hit"].idxmin() == miss
    assert (reg["period"] == "2025-11..2026-10").all() and (reg["cutoff"] == pd.Timestamp("2026-07-31")).all()
    assert reg.loc[miss, "model"] in {"ses", "damped_trend", "ses_seasonal", "damped_trend_seasonal"}
    assert reg.loc[miss, "n_months"] == 21
    # back-test: the forecast at the end of July lands near what happened by October
    final = reg.loc[miss, "actual_final"] / reg.loc[miss, "target"]
    assert final == pytest.approx(truth["missed_target_region"]["attainment"], abs=0.002)
    assert reg.loc[miss, "expected_attainment"] == pytest.approx(final, abs=0.03)
    assert reg.loc[miss, "forecast_low"] <= reg.loc[miss, "actual_final"] <= reg.loc[miss, "forecast_high"]
    assert (fc["forecast_low"] <= fc["forecast_mean"]).all() and (fc["forecast_mean"] <= fc["forecast_high"]).all()
    # open deals exist and add up over regions to the company pipeline
    comp = fc.loc[fc["level"] == "company"].iloc[0]
    assert comp["pipeline_deals"] > 100
    assert reg["pipeline_deals"].sum() + 0 <= comp["pipeline_deals"]


def test_learned_win_rates_recover_weak_channel_and_beat_crm(backtest):
    kd, p, _ = backtest
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["weak_channel"]
    rates = FC.stage_rates(kd, p).set_index(["stage", "channel_id"])
    r = rates.loc[(truth["from_stage"], truth["channel_id"])]
    assert r["p_won"] == pytest.approx(truth["rate"], abs=0.03)
    assert rates.loc[(truth["from_stage"], "CH01"), "p_won"] == pytest.approx(truth["other_rate"], abs=0.05)
    scores, rel = FC.calibration(kd, p)
    s = scores.set_index(["method", "event"])["brier"]
    assert s[("learned", "won_closed_deals")] < s[("crm_probability", "won_closed_deals")]
    assert rel["n"].sum() == scores.iloc[0]["deals"]
    assert ((rel["ci_low"] <= rel["observed"]) & (rel["observed"] <= rel["ci_high"])).all()


def test_closed_period_moves_on_and_missing_targets(backtest):
    kd, _, _ = backtest  # as_of 2026-10-31, targets 2024-11..2026-10
    # 2026-Q1 is over: the forecast moves to the next three months not over, 2026-10..2026-12, standing on as_of;
    # its targets cover October only, so no P(hit); the back-test is 2026-07..2026-09 from 2026-08-31
    p = KpiParams(forecast_period="2026-Q1", forecast_levels=["region"], draws=200)
    fc = FC.forecast_table(kd, p)
    assert (fc["period"] == "2026-10..2026-12").all() and (fc["cutoff"] == kd.as_of).all()
    assert fc["p_hit"].isna().all() and len(fc) == 7 and (fc["model"] != "period_closed").all()
    assert any("only part of 2026-10..2026-12" in n.en.format(**n.values) for n in kd.notes)
    bt = FC.backtest_table(kd, p)
    assert (bt["period"] == "2026-07..2026-09").all() and (bt["cutoff"] == pd.Timestamp("2026-08-31")).all()
    assert bt["p_hit"].between(0, 1).all() and bt["actual_final"].notna().all()
    # FY2026 is still open on 2026-10-31: forecast as given, Nov-Dec 2026 have no targets: no P(hit)
    p2 = KpiParams(forecast_period="FY2026", forecast_levels=["region"], draws=200)
    fc2 = FC.forecast_table(kd, p2)
    assert (fc2["period"] == "FY2026").all() and fc2["p_hit"].isna().all() and len(fc2) == 7
    assert any("only part of FY2026" in n.en.format(**n.values) for n in kd.notes)


# ----------------------------------------------------------------------------- model form


MONTHS24 = np.arange(2024 * 12 + 10, 2024 * 12 + 34)  # 2024-11 .. 2026-10


def _planted(kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(24)
    if kind == "flat":
        return 100 * rng.lognormal(0, 0.10, 24)
    if kind == "trend":
        return (100 + 6 * t) * rng.lognormal(0, 0.05, 24)
    season = np.where(MONTHS24 % 12 == 10, 2.2, np.where(MONTHS24 % 12 == 5, 1.6, 1.0))  # Nov, Jun peaks
    return 100 * season * rng.lognormal(0, 0.08, 24)


def test_choose_form_finds_planted_trend_and_seasonality():
    flat = FC.choose_form(_planted("flat", 1), MONTHS24)
    assert not flat.damped_trend and flat.season is None
    trend = FC.choose_form(_planted("trend", 1), MONTHS24)
    assert trend.damped_trend and trend.season is None
    seas = FC.choose_form(_planted("season", 1), MONTHS24)
    assert seas.season is not None and not seas.damped_trend
    # indices have mean 1; the planted November peak is 2.2 / mean(2.2, 1.6, 1 x 10) = 1.91
    assert np.mean(seas.season) == pytest.approx(1.0)
    assert seas.season[10] == pytest.approx(2.2 / (13.8 / 12), abs=0.15)
    assert seas.code == "ses_seasonal" and trend.code == "damped_trend" and flat.code == "ses"
    # forced forms
    assert FC.choose_form(_planted("season", 1), MONTHS24, "level").season is None
    assert FC.choose_form(_planted("flat", 1), MONTHS24, "trend").damped_trend


def test_trend_and_seasonal_forms_forecast_better_than_simple_smoothing():
    # trend: the next three months' mean is 100 + 6 * 25 = 250; SES stays near the last level
    y = _planted("trend", 2)
    sims, _ = FC.ets_paths(y, 3, seed=0, damped_trend=True)
    ses, _ = FC.ets_paths(y, 3, seed=0)
    truth = 100 + 6 * np.arange(24, 27)
    assert abs(sims.mean(axis=0) - truth).mean() < abs(ses.mean(axis=0) - truth).mean()
    assert sims.mean(axis=0) == pytest.approx(truth, rel=0.08)
    # season: next November (month % 12 == 10) forecast ~ 2.2 x the base level of 100
    y = _planted("season", 3)
    form = FC.choose_form(y, MONTHS24)
    nxt = np.array([2026 * 12 + 10])  # 2026-11
    x = y / form.index(MONTHS24)
    sims, _ = FC.ets_paths(x, 1, seed=0)
    nov = float((sims[:, 0] * form.index(nxt)[0]).mean())
    assert nov == pytest.approx(220, rel=0.15)
