"""Control charts: limits computed by hand on small series, Laney p', run rules, the planted team uplift."""

import json

import numpy as np
import pytest

from workbench.data import load_dataset
from workbench.kpi import actuals as A
from workbench.kpi import control as C
from workbench.kpi.params import KpiParams
from workbench.paths import SAMPLE_DIR


def test_p_chart_limits_by_hand():
    x, n = [10, 12, 8, 30], [100, 100, 80, 100]
    pts = C.p_chart(x, n, [True, True, True, False], laney="never")
    pbar = 30 / 280
    assert pts["center"].iloc[0] == pytest.approx(pbar)
    s = np.sqrt(pbar * (1 - pbar) / 80)
    assert pts["ucl"].iloc[2] == pytest.approx(pbar + 3 * s) and pts["lcl"].iloc[2] == pytest.approx(pbar - 3 * s)
    assert pts["z"].iloc[3] == pytest.approx((0.30 - pbar) / np.sqrt(pbar * (1 - pbar) / 100))
    assert not pts["laney"].any()


def test_laney_widens_limits_when_over_dispersed():
    x = [5, 40, 8, 35, 6, 38, 7, 36]
    n = [100] * 8
    base = [True] * 8
    plain = C.p_chart(x, n, base, laney="never")
    lp = C.p_chart(x, n, base, laney="auto")
    assert bool(lp["laney"].iloc[0])
    z = plain["z"].to_numpy()
    sz = np.mean(np.abs(np.diff(z))) / 1.128
    assert lp["sigma_z"].iloc[0] == pytest.approx(sz) and sz > 1
    assert lp["ucl"].iloc[0] - lp["center"].iloc[0] == pytest.approx(min(3 * plain["sigma"].iloc[0] * sz, 1 - plain["center"].iloc[0]))


def test_xmr_limits_by_hand():
    v = [10.0, 12.0, 11.0, 15.0, 30.0]
    pts = C.xmr(v, [True, True, True, True, False])
    mrbar = (2 + 1 + 4) / 3
    assert pts["center"].iloc[0] == pytest.approx(12.0)
    assert pts["ucl"].iloc[0] == pytest.approx(12 + 2.66 * mrbar) and pts["lcl"].iloc[0] == pytest.approx(12 - 2.66 * mrbar)
    assert pts["mr_ucl"].iloc[0] == pytest.approx(3.267 * mrbar)
    eps = C.run_rules(pts["z"], pts["x"])
    assert {"rule": 1, "start": 4, "end": 4, "direction": "up"} in eps


def test_run_rules():
    z = [0.5, 0.2, 0.1, 0.3, 0.4, 0.6, 0.2, 0.1, -1]  # eight above the centre
    assert [e["rule"] for e in C.run_rules(z, run_length=8)] == [4]
    assert C.run_rules(z, run_length=8, judged=[True] * 7 + [False, True]) == []  # a gap breaks the run
    assert C.run_rules([0, 2.5, 0.5, 2.2])[0]["rule"] == 2
    assert C.run_rules([1, 2, 3, 4, 5, 6], values=[1, 2, 3, 4, 5, 6], run_length=12)[-1]["rule"] == 5


def test_planted_training_uplift_signals_after_the_action():
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))["training_action"]
    ds = load_dataset(SAMPLE_DIR, strict=False)
    p = KpiParams(control_baseline="2024-11..2025-10")
    kd = A.prepare(ds, p)
    charts, sig = C.control_charts(kd, p, "en")
    team = sig.loc[(sig["key"] == truth["team"]) & (sig["kpi"] == "conversion_rate") & (sig["phase"] == "review")]
    after = team.loc[team["last_period"] >= truth["start_date"][:7]]
    assert len(after) and (after["direction"] == "up").all()
    assert (after["action_id"] == truth["action_id"]).any()
    assert "A007" in " ".join(after["signal"]) and "not noise" in after["signal"].iloc[0]
    pts = next(v for k, v in charts.items() if k[2] == truth["team"] and k[3] == "conversion_rate")
    base = pts.loc[pts["month"] < "2025-11"]
    assert pts["center"].iloc[0] == pytest.approx(base["x"].sum() / base["n"].sum())
    assert pts["center"].iloc[0] == pytest.approx(truth["before_rate"], abs=0.03)
    # no other team shows a sustained rise after the action date
    others = sig.loc[(sig["kpi"] == "conversion_rate") & (sig["key"] != truth["team"]) & (sig["rule"] == 4)
                     & (sig["direction"] == "up") & (sig["first_period"] >= "2026-03")]
    assert others.empty


def test_team_with_months_without_leads_gets_zero_months():
    # a team whose leads stop for two months (a fan-out patch often looks like this): those months
    # are empty points, not a crash (text columns used to be filled with 0 and pandas refused)
    ds = load_dataset(SAMPLE_DIR, strict=False)
    leads = ds.tables["leads"]
    team_reps = set(ds.tables["reps"].loc[ds.tables["reps"]["team"] == "华东一组", "rep_id"])
    gap = leads["rep_id"].isin(team_reps) & leads["created_date"].between("2025-06-01", "2025-07-31 23:59")
    ds.tables["leads"] = leads.loc[~gap].reset_index(drop=True)
    p = KpiParams()
    kd = A.prepare(ds, p)
    charts, _ = C.control_charts(kd, p, "en")
    pts = next(v for k, v in charts.items() if k[2] == "华东一组" and k[3] == "conversion_rate")
    empty = pts.loc[pts["month"].isin(["2025-06", "2025-07"])]
    assert len(empty) == 2 and (empty["n"] == 0).all() and not empty["judged"].any()
    assert gap.sum() > 20  # the team really had leads in those months
