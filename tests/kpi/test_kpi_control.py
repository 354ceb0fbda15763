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
    charts, sig = C.control_charts(kd, p)
    team = sig.loc[(sig["key"] == truth["team"]) & (sig["kpi"] == "conversion_rate") & (sig["phase"] == "review")]
    after = team.loc[team["last_period"] >= truth["start_date"][:7]]
    assert len(after) and (after["direction"] == "up").all()
    assert (after["action_id"] == truth["action_id"]).any()
    act = after.loc[after["action_id"] == truth["action_id"]].iloc[0]
    assert act["action_start"] == truth["start_date"][:10] and isinstance(act["action_description"], str)
    pts = next(v for k, v in charts.items() if k[2] == truth["team"] and k[3] == "conversion_rate")
    base = pts.loc[pts["month"] < "2025-11"]
    assert pts["center"].iloc[0] == pytest.approx(base["x"].sum() / base["n"].sum())
    assert pts["center"].iloc[0] == pytest.approx(truth["before_rate"], abs=0.03)
    # no other team shows a sustained rise after the action date
    others = sig.loc[(sig["kpi"] == "conversion_rate") & (sig["key"] != truth["team"]) & (sig["rule"] == 4)
                     & (sig["direction"] == "up") & (sig["first_period"] >= "2026-03")]
    assert others.empty


def test_region_patches_with_sparse_teams(tmp_path):
    # fan-out over 30 sub-regions: a team's reps in a small patch have months with no lead, order or
    # response at all; those months must become empty points (they used to crash: text columns were
    # filled with 0, which pandas 3 refuses)
    from workbench import fanout
    from workbench.sample import generate_sample

    generate_sample(tmp_path, seed=7, scale=0.5, regions=30)
    ds = load_dataset(tmp_path, strict=False)
    p = KpiParams()
    sparse = 0
    for value in fanout.patch_values(ds, "region"):
        kd = A.prepare(fanout.filter_dataset(ds, "region", value), p)
        months = set(range(kd.first_month, kd.last_month + 1))
        m = A.measures(kd, p.control_level, "month", (kd.first_month, kd.last_month))
        have = m.groupby("key")["period"].nunique()
        sparse += int((have < len(months)).sum())
        charts, _ = C.control_charts(kd, p)
        for (_chart, _level, _key, kpi), pts in charts.items():
            if kpi == "conversion_rate":
                assert len(pts) == len(months)
                assert (pts.loc[pts["n"] == 0, "judged"] == False).all()  # noqa: E712 - numpy bools
    assert sparse > 0  # the case really occurred
