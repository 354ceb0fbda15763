"""KPI formulas and periods: safe parsing, evaluation, additivity, period arithmetic."""

import numpy as np
import pandas as pd
import pytest

from workbench.exceptions import ParamsError
from workbench.kpi import formula as F
from workbench.kpi import periods as P
from workbench.kpi.params import KpiParams


def test_formula_evaluates_measures_and_guards_division():
    cols = {"revenue": np.array([100.0, 50.0]), "orders": np.array([4.0, 0.0])}
    got = F.evaluate("revenue / orders", cols)
    assert got[0] == 25.0 and np.isnan(got[1])  # x/0 is missing, not inf
    assert F.evaluate("-(revenue - 2 * orders) + 1", cols).tolist() == [-91.0, -49.0]
    assert F.is_additive("revenue - cost") and not F.is_additive("won / leads")
    assert F.source_of("won / leads") == "leads" and F.source_of("revenue / leads") == "mixed"


@pytest.mark.parametrize("bad", ["__import__('os')", "revenue.real", "revnue / orders", "revenue ** 2", "[1]"])
def test_formula_rejects_code_and_unknown_names(bad):
    with pytest.raises(ValueError):
        F.check_formula(bad)


def test_params_reject_bad_custom_kpi_and_unknown_kpi():
    with pytest.raises(ParamsError, match="unknown measure 'revnue'"):
        KpiParams.from_namespace({"custom_kpis": {"x": {"formula": "revnue / orders"}}})
    with pytest.raises(ParamsError, match="unknown KPI"):
        KpiParams.from_namespace({"kpis": ["revenue", "profit"]})
    with pytest.raises(ParamsError, match="tier starts"):
        KpiParams.from_namespace({"incentive_plan": {"tiers": [[0.5, 0.1], [0.2, 0.2]]}})
    with pytest.raises(ParamsError, match="unknown plan field"):
        KpiParams.from_namespace({"incentive_what_if": {"x": {"acelerator": 2}}})


def test_periods():
    m = P.month_of(pd.Series(pd.to_datetime(["2026-03-31", "2025-11-01"])))
    assert [P.month_label(x) for x in m] == ["2026-03", "2025-11"]
    assert P.label(m[0], "quarter") == "2026-Q1" and P.label(m[0], "year") == "2026"
    assert P.label(m[0], "fiscal_year", 4) == "FY2025" and P.label(m[0], "fiscal_year", 1) == "FY2026"
    assert [P.month_label(x) for x in P.months_of("FY2025", 4)][::11] == ["2025-04", "2026-03"]
    assert len(P.months_of("2025-11..2026-10")) == 12 and len(P.months_of("2026-Q2")) == 3
    with pytest.raises(ValueError, match="cannot read period"):
        P.months_of("2026-13")


def test_fiscal_quarters():
    # fiscal year from April: 2026-03 is the last month of FY2025 Q4; 2025-04 opens FY2025 Q1
    m = {lab: P.months_of(lab) for lab in ("2026-03", "2025-04", "2025-07", "2026-01")}
    got = {lab: P.label(v[0], "fiscal_quarter", 4) for lab, v in m.items()}
    assert got == {"2026-03": "FY2025-Q4", "2025-04": "FY2025-Q1", "2025-07": "FY2025-Q2", "2026-01": "FY2025-Q4"}
    assert [P.month_label(x) for x in P.months_of("FY2025-Q4", 4)] == ["2026-01", "2026-02", "2026-03"]
    assert [P.month_label(x) for x in P.months_of("FY2026-Q1", 1)] == ["2026-01", "2026-02", "2026-03"]
    # every month of a fiscal year falls in exactly one of its four quarters, three months each
    months = P.months_of("FY2025", 10)
    labels = P.labels(np.array(months), "fiscal_quarter", 10)
    assert list(pd.Series(labels).value_counts().sort_index()) == [3, 3, 3, 3]
    assert all(P.months_of(lab, 10)[0] in months for lab in set(labels))
