"""Channel economics by hand on tiny tables: revenue, margin, orders, AOV, new customers, CAC, ROI, ROAS."""

import numpy as np
import pandas as pd
import pytest

from workbench.channels import channel_economics, prepare_leads
from workbench.channels.economics import spend_by_month
from workbench.channels.params import ChannelParams

AS_OF = pd.Timestamp("2026-03-31")


def _orders():
    return pd.DataFrame({
        "order_id": ["O1", "O1", "O2", "O3", "O3-R", "O4", "O5"],
        "order_date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-01-20", "2026-02-03", "2026-02-10",
                                      "2026-02-15", "2026-03-01"]),
        "customer_id": ["C1", "C1", "C2", "C1", "C1", "C3", "C4"],
        "amount": [100.0, 50.0, 200.0, 300.0, -100.0, 80.0, 40.0],
        "channel_id": ["A", "A", "A", "A", "A", "B", None],
        "product_id": ["P1", "P2", "P1", "P1", "P1", "P2", "P2"],
        "quantity": [1.0, 1.0, 2.0, 3.0, -1.0, 1.0, 1.0],
        "cost": [60.0, 20.0, 120.0, 180.0, -60.0, np.nan, 10.0],
    })


def _tables():
    customers = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"],
                              "created_date": pd.to_datetime(["2026-01-05", "2026-01-20", "2025-06-01", "2026-03-01"]),
                              "acquisition_channel_id": ["A", "A", "B", None]})
    spend = pd.DataFrame({"period": ["2026-01", "2026-02", "2026-Q1"], "channel_id": ["A", "A", "B"],
                          "amount": [100.0, 50.0, 90.0]})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "unit_cost": [60.0, 25.0]})
    return {"orders": _orders(), "customers": customers, "spend": spend, "products": products,
            "channels": pd.DataFrame({"channel_id": ["A", "B"], "name": ["甲", "乙"]})}


def test_monthly_economics_by_hand():
    econ = channel_economics(_tables(), None, ChannelParams(trend_months=3), AS_OF)
    t = econ.table.set_index(["channel_id", "period"])
    jan = t.loc[("A", "2026-01")]
    assert jan["revenue"] == 350 and jan["orders"] == 2 and jan["aov"] == 175
    assert jan["gross_margin"] == pytest.approx(350 - 200) and jan["margin_rate"] == pytest.approx(150 / 350)
    assert jan["new_customers"] == 2 and jan["spend"] == 100
    assert jan["cac"] == 50 and jan["roas"] == 3.5 and jan["roi"] == pytest.approx((150 - 100) / 100)
    feb = t.loc[("A", "2026-02")]
    # the return is netted: revenue 300 - 100, one order, AOV on positive sales
    assert feb["revenue"] == 200 and feb["orders"] == 1 and feb["aov"] == 300
    assert feb["gross_margin"] == pytest.approx(200 - 120) and feb["new_customers"] == 0 and np.isnan(feb["cac"])
    # B: cost missing on its line -> quantity x unit_cost (25); quarterly spend spread over three months
    bfeb = t.loc[("B", "2026-02")]
    assert bfeb["gross_margin"] == pytest.approx(80 - 25) and bfeb["spend"] == pytest.approx(30)
    assert t.loc[("B", "2026-01"), "spend"] == pytest.approx(30) and np.isnan(t.loc[("B", "2026-01"), "revenue"])
    # the order without a channel is kept as the (blank) bucket
    assert t.loc[("(blank)", "2026-03"), "revenue"] == 40
    texts = " | ".join(n.en.format(**n.values) for n in econ.notes)
    assert "1 order line(s) without a cost" in texts and "spread evenly" in texts and "without a channel" in texts


def test_summary_window_and_total():
    econ = channel_economics(_tables(), None, ChannelParams(trend_months=3), AS_OF)
    assert econ.window == ("2026-01", "2026-03")
    s = econ.summary.set_index("channel_id")
    assert s.loc["A", "revenue"] == 550 and s.loc["A", "spend"] == 150 and s.loc["A", "new_customers"] == 2
    assert s.loc["A", "roas"] == pytest.approx(550 / 150)
    assert s.loc["(total)", "revenue"] == 550 + 80 + 40
    assert s.index[-1] == "(total)"


def test_quarter_period():
    econ = channel_economics(_tables(), None, ChannelParams(period="quarter", trend_months=3), AS_OF)
    t = econ.table.set_index(["channel_id", "period"])
    assert t.loc[("A", "2026Q1"), "revenue"] == 550 and t.loc[("B", "2026Q1"), "spend"] == pytest.approx(90)
    assert t.loc[("A", "2026Q1"), "orders"] == 3


def test_new_customers_from_first_orders_without_customers_table():
    tables = _tables()
    del tables["customers"]
    econ = channel_economics(tables, None, ChannelParams(trend_months=3), AS_OF)
    t = econ.table.set_index(["channel_id", "period"])
    # first orders: C1, C2 in January (the first month is left out), C3 in Feb (B), C4 in March (unknown)
    assert t.loc[("A", "2026-01"), "new_customers"] == 0 and t.loc[("B", "2026-02"), "new_customers"] == 1
    assert any("first month 2026-01 is left out" in n.en.format(**n.values) for n in econ.notes)


def test_without_orders_revenue_comes_from_won_leads():
    leads = pd.DataFrame({"lead_id": ["a", "b", "c"], "created_date": pd.to_datetime(["2026-01-01"] * 3),
                          "channel_id": ["A", "A", "B"], "status": ["won", "lost", "won"],
                          "closed_date": pd.to_datetime(["2026-02-01", "2026-02-01", "2026-03-05"]),
                          "amount": [500.0, 99.0, 70.0]})
    p = ChannelParams(trend_months=3)
    ld = prepare_leads({"leads": leads}, p, as_of=AS_OF)
    econ = channel_economics({"leads": leads}, ld, p, AS_OF)
    t = econ.table.set_index(["channel_id", "period"])
    assert econ.source == "leads"
    assert t.loc[("A", "2026-02"), "revenue"] == 500 and t.loc[("A", "2026-02"), "orders"] == 1
    assert np.isnan(t.loc[("A", "2026-02"), "gross_margin"])
    texts = " | ".join(n.en for n in econ.notes)
    assert "No orders table" in texts and "No spend table" in texts


def test_trend_is_log_linear_growth():
    months = pd.period_range("2025-04", "2026-03", freq="M")
    rev = 1000 * 1.05 ** np.arange(12)
    orders = pd.DataFrame({"order_id": [f"O{i}" for i in range(12)],
                           "order_date": [m.start_time + pd.Timedelta(days=3) for m in months],
                           "customer_id": "C", "amount": rev, "channel_id": "A"})
    econ = channel_economics({"orders": orders}, None, ChannelParams(trend_months=12), AS_OF)
    a = econ.summary.set_index("channel_id").loc["A"]
    assert a["revenue_growth"] == pytest.approx(0.05, abs=1e-9)


def test_spend_periods():
    sp, notes = spend_by_month(pd.DataFrame({"period": ["2026", "2026-02"], "channel_id": ["A", "A"],
                                             "amount": [120.0, 5.0]}))
    got = sp.set_index("month")["spend"]
    assert len(got) == 12 and got["2026-01"] == 10 and got["2026-02"] == 15 and notes
