"""Action effects: planted effects recovered; a missing side gives a note, not a number."""

import numpy as np
import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.paths import SAMPLE_DIR
from workbench.summary.actions import did_rates, did_regression, interrupted_time_series


def _rate_panel(rng, effect, units=12, periods=18, start=10, n=200, base=0.2):
    rows = []
    for u in range(units):
        for t in range(periods):
            p = base + 0.01 * u + (effect if (u == 0 and t >= start) else 0.0)
            rows.append({"unit": f"U{u}", "period": t, "hits": rng.binomial(n, p), "n": n})
    return pd.DataFrame(rows)


def test_did_rates_recovers_planted_effect():
    rng = np.random.default_rng(1)
    res = did_rates(_rate_panel(rng, 0.10), "U0", 10)
    assert res["effect"] == pytest.approx(0.10, abs=0.03)
    assert res["ci_low"] < 0.10 < res["ci_high"] and res["comparison_units"] == 11


def test_did_rates_null_effect_interval_covers_zero():
    res = did_rates(_rate_panel(np.random.default_rng(2), 0.0), "U0", 10)
    assert res["ci_low"] < 0 < res["ci_high"]


def test_did_rates_hand_computed():
    panel = pd.DataFrame({"unit": ["A", "A", "B", "B"], "period": [1, 2, 1, 2],
                          "hits": [10, 30, 20, 25], "n": [100, 100, 100, 100]})
    res = did_rates(panel, "A", 2)
    assert res["effect"] == pytest.approx((0.30 - 0.10) - (0.25 - 0.20))
    var = 0.1 * 0.9 / 100 + 0.3 * 0.7 / 100 + 0.2 * 0.8 / 100 + 0.25 * 0.75 / 100
    assert res["se"] == pytest.approx(np.sqrt(var))


def test_empty_comparison_group_is_a_note():
    panel = pd.DataFrame({"unit": ["A", "A"], "period": [1, 2], "hits": [1, 2], "n": [10, 10]})
    res = did_rates(panel, "A", 2)
    assert "effect" not in res and "comparison before" in res["note"]


def test_no_data_after_start_is_a_note():
    panel = pd.DataFrame({"unit": ["A", "B"], "period": [1, 1], "hits": [1, 2], "n": [10, 10]})
    assert "treated after" in did_rates(panel, "A", 5)["note"]


def test_regression_and_its():
    rng = np.random.default_rng(3)
    rows = [{"unit": f"U{u}", "period": t, "value": 100 + 5 * u + 2 * t + (30 if u == 0 and t >= 8 else 0)
             + rng.normal(0, 3)} for u in range(12) for t in range(16)]
    panel = pd.DataFrame(rows)
    reg = did_regression(panel, "U0", 8)
    assert reg["effect"] == pytest.approx(30, abs=4) and reg["se_type"] == "clustered by unit"
    its = interrupted_time_series(panel.loc[panel["unit"] == "U0"], 8)
    assert its["ci_low"] < 30 < its["ci_high"]
    short = interrupted_time_series(panel.loc[(panel["unit"] == "U0") & (panel["period"] < 9)], 8)
    assert "1 after" in short["note"]


def test_sample_training_action_recovered():
    """The planted training of team 华东二组 (truth: +0.12 win rate from 2026-03-01)."""
    import json

    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["training_action"]
    ds = load_dataset(SAMPLE_DIR)
    leads = ds["leads"].merge(ds["reps"][["rep_id", "team"]], on="rep_id", how="left")
    closed = leads.loc[leads["team"].notna() & leads["status"].isin(["won", "lost"])
                       & (leads["created_date"] < "2026-08-01")].copy()  # recent cohorts are still open
    closed["period"] = closed["created_date"].dt.to_period("M")
    panel = (closed.assign(hits=closed["status"].eq("won")).groupby(["team", "period"])
             .agg(hits=("hits", "sum"), n=("hits", "size")).reset_index().rename(columns={"team": "unit"}))
    res = did_rates(panel, truth["team"], pd.Period(truth["start_date"][:7], "M"))
    assert res["effect"] == pytest.approx(truth["uplift"], abs=0.04)
    assert res["ci_low"] > 0
