"""workbench.measures: the one definition of conversion, win rate of closed, CAC, ROI, on frames counted by hand."""

import numpy as np
import pandas as pd
import pytest

from workbench import measures

AS_OF = pd.Timestamp("2026-03-31")


def test_conversion_and_win_rate_are_different_measures():
    leads = pd.DataFrame({
        "channel_id": ["A"] * 6 + ["B"] * 3,
        "created_date": pd.to_datetime(["2025-10-05"] * 5 + ["2026-03-01"] + ["2025-09-01"] * 3),
        "status": ["won", "won", "lost", "open", "open", "won", "won", "lost", "lost"]})
    out = measures.cohort_conversion(leads, AS_OF, mature_after_days=120).set_index("channel_id")
    # A: the March 2026 lead is not mature; of 5 mature leads 2 won, 1 lost, 2 open
    assert out.loc["A", ["leads", "won", "lost", "open"]].tolist() == [5, 2, 1, 2]
    assert out.loc["A", "conversion_rate"] == pytest.approx(2 / 5)
    assert out.loc["A", "win_rate_closed"] == pytest.approx(2 / 3)
    assert out.loc["B", "conversion_rate"] == pytest.approx(1 / 3) == out.loc["B", "win_rate_closed"]
    # a cohort is mature when its last day is at least 120 days old: 2025-11 ends 2025-11-30 (121 days)
    m = measures.mature(pd.Series(pd.to_datetime(["2025-11-15", "2025-12-01"])), AS_OF, 120)
    assert m.tolist() == [True, False]
    assert np.isnan(measures.conversion_rate([0], [0])[0])


def test_complete_months_and_cac_by_hand():
    assert measures.complete_months("2026-03-31", 3) == (pd.Period("2026-01", "M"), pd.Period("2026-03", "M"))
    assert measures.complete_months("2026-03-30", 3) == (pd.Period("2025-12", "M"), pd.Period("2026-02", "M"))
    spend, coarse = measures.monthly_spend(pd.DataFrame({"period": ["2026-Q1", "2026-02", "2025-12"],
                                                         "channel_id": ["A", "B", "B"],
                                                         "amount": [300.0, 50.0, 999.0]}))
    assert coarse == 1
    customers = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4"],
                              "created_date": pd.to_datetime(["2026-01-03", "2026-02-10", "2025-12-20", "2026-03-01"]),
                              "acquisition_channel_id": ["A", "A", "B", "B"]})
    acq = measures.acquisitions(customers, None)
    assert acq.attrs["source"] == "customers"
    c = measures.cac(spend, acq, measures.complete_months(AS_OF, 3)).set_index("channel_id")
    # A: 300 over Jan-Mar, 2 new customers; B: 50 in the window (December is outside), 1 new customer (c4)
    assert c.loc["A", ["spend", "new_customers", "cac"]].tolist() == [300.0, 2, 150.0]
    assert c.loc["B", ["spend", "new_customers", "cac"]].tolist() == [50.0, 1, 50.0]
    assert (c["cac_window"] == "2026-01..2026-03").all()


def test_acquisitions_from_first_orders_leave_the_first_month_out():
    orders = pd.DataFrame({"customer_id": ["c1", "c1", "c2", "c3"], "channel_id": ["A", "B", "B", "A"],
                           "order_date": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-02-03", "2026-01-20"]),
                           "amount": [10.0, 20.0, 30.0, -5.0]})
    acq = measures.acquisitions(None, orders)
    # c1 first bought in January (the data's first month: left out); c3 only returned goods
    assert acq.attrs["source"] == "first_order" and acq.attrs["first_month"] == "2026-01"
    assert acq[["customer_id", "channel_id", "month"]].values.tolist() == [["c2", "B", "2026-02"]]


def test_roi_and_roas():
    assert measures.roi([150.0, 50.0], [100.0, 0.0]).tolist()[0] == pytest.approx(0.5)
    assert np.isnan(measures.roi([50.0], [0.0])[0])
    assert measures.roas([300.0], [100.0])[0] == pytest.approx(3.0)
