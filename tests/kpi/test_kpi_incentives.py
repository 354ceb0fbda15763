"""Incentives: the plan pays what a hand calculation pays on three reps; clawback, caps, team bonus, what-if."""

import numpy as np
import pytest

from workbench.data import load_dataset
from workbench.kpi import actuals as A
from workbench.kpi import incentives as I
from workbench.kpi.params import IncentivePlan, KpiParams

PLAN = IncentivePlan()  # tiers 2 % / 4 % from 80 % / 6 % from 100 %, x1.5 above 100 %, nothing above 200 %


def test_commission_by_hand_on_three_reps():
    pay, acc, cut = I.commission(np.array([50_000.0, 90_000.0, 250_000.0]), np.array([100_000.0] * 3), PLAN)
    # A: 50k at 2 %; B: 80k at 2 % + 10k at 4 %; C: 80k at 2 % + 20k at 4 % + 100k at 6 % x 1.5, the last 50k capped
    assert pay.tolist() == pytest.approx([1_000.0, 2_000.0, 1_600 + 800 + 9_000])
    assert acc.tolist() == pytest.approx([0.0, 0.0, 3_000.0])
    assert cut.tolist() == pytest.approx([0.0, 0.0, 50_000 * 0.06 * 1.5])
    capped = IncentivePlan(cap_amount=10_000.0)
    assert I.commission(np.array([250_000.0]), np.array([100_000.0]), capped)[0][0] == 10_000.0
    # no target: the first tier's rate on everything
    assert I.commission(np.array([250_000.0]), np.array([np.nan]), PLAN)[0][0] == pytest.approx(5_000.0)


def _ds(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "order_id,order_date,customer_id,amount,rep_id\n"
        "O1,2026-01-15,C1,52000,RA\nO2,2026-02-10,C1,-2000,RA\nO3,2026-02-11,C2,90000,RB\n"
        "O4,2026-03-01,C3,150000,RC\nO5,2026-03-20,C3,100000,RC\n", encoding="utf-8")
    (tmp_path / "reps.csv").write_text("rep_id,name,team\nRA,甲,T1\nRB,乙,T1\nRC,丙,T2\n", encoding="utf-8")
    (tmp_path / "targets.csv").write_text(
        "period,kpi,level,key,target\n2026-Q1,revenue,rep,RA,100000\n2026-Q1,revenue,rep,RB,100000\n"
        "2026-Q1,revenue,rep,RC,100000\n2026-Q1,revenue,team,T1,200000\n2026-Q1,revenue,team,T2,200000\n",
        encoding="utf-8")
    return load_dataset(tmp_path, strict=False)


def test_incentives_on_a_tiny_company(tmp_path):
    p = KpiParams(kpis=["revenue"], custom_kpis={}, as_of="2026-03-31", review_periods=3)
    kd = A.prepare(_ds(tmp_path), p)
    inc = I.incentive_pay(kd, p).set_index("rep_id")
    assert inc["period"].unique().tolist() == ["2026-Q1"]
    assert inc.loc["RA", "credited"] == 50_000 and inc.loc["RA", "returns"] == 2_000
    assert inc.loc["RA", "clawback"] == pytest.approx(52_000 * 0.02 - 50_000 * 0.02)
    assert inc["commission"].to_dict() == pytest.approx({"RA": 1_000.0, "RB": 2_000.0, "RC": 11_400.0})
    # T1 reaches 140k of 200k: no bonus; T2 reaches 250k of 200k: its one rep gets the bonus
    assert inc["team_bonus"].to_dict() == {"RA": 0.0, "RB": 0.0, "RC": 3_000.0}
    s = I.cost_summary(inc.reset_index())
    assert s["total_cost"] == pytest.approx(17_400.0) and s["cost_share"] == pytest.approx(17_400 / 390_000)
    wi = I.what_if(kd, p).set_index("scenario")
    assert wi.loc["no team bonus", "delta"] == pytest.approx(-3_000.0)
    assert wi.loc["no cap", "delta"] == pytest.approx(50_000 * 0.06 * 1.5)
    assert wi.loc["accelerator 2.0", "delta"] == pytest.approx(100_000 * 0.06 * 0.5)
    off = KpiParams(kpis=["revenue"], custom_kpis={}, as_of="2026-03-31", review_periods=3,
                    incentive_plan={"clawback_returns": False})
    assert I.incentive_pay(kd, off).set_index("rep_id").loc["RA", "commission"] == pytest.approx(52_000 * 0.02)
