"""The KPI review on real public exports (../shared/data/real; skipped when absent).

Maven CRM pipeline: win rates and won value per agent, manager and office equal an
independent pandas computation. The data carry no targets; the test derives them
as documented here: each manager's quarterly revenue target is 110 % of what the
manager's agents actually won in that quarter, so every manager's attainment over
2017 must come out at exactly 1 / 1.1 (and the quarter targets are prorated into a
monthly review on the way). Superstore: revenue and margin totals from the README,
and region x month attainment against targets derived as 110 % of the same month a
year earlier.
"""

import numpy as np
import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.kpi import actuals as A
from workbench.kpi import attainment as T
from workbench.kpi import team as TM
from workbench.kpi.params import KpiParams

pytestmark = pytest.mark.real


def _maven(real_data, folder):
    src = real_data / "maven_crm_sales_opportunities"
    raw = pd.read_csv(src / "sales_pipeline.csv", dtype=str)
    teams = pd.read_csv(src / "sales_teams.csv", dtype=str)
    eng = raw.loc[raw["deal_stage"] != "Prospecting"]  # never engaged: no creation date
    status = eng["deal_stage"].map({"Won": "won", "Lost": "lost", "Engaging": "open"})
    pd.DataFrame({"lead_id": eng["opportunity_id"], "created_date": eng["engage_date"], "channel_id": "crm",
                  "status": status, "closed_date": eng["close_date"], "amount": eng["close_value"],
                  "rep_id": eng["sales_agent"]}).to_csv(folder / "leads.csv", index=False)
    won = eng.loc[eng["deal_stage"] == "Won"]
    pd.DataFrame({"order_id": won["opportunity_id"], "order_date": won["close_date"],
                  "customer_id": won["account"].fillna("(no account)"), "amount": won["close_value"],
                  "channel_id": "crm", "rep_id": won["sales_agent"]}).to_csv(folder / "orders.csv", index=False)
    pd.DataFrame({"channel_id": ["crm"], "type": ["direct"]}).to_csv(folder / "channels.csv", index=False)
    pd.DataFrame({"rep_id": teams["sales_agent"], "name": teams["sales_agent"], "team": teams["manager"],
                  "region": teams["regional_office"]}).to_csv(folder / "reps.csv", index=False)
    won = won.merge(teams, on="sales_agent")
    q = pd.PeriodIndex(pd.to_datetime(won["close_date"]), freq="Q").astype(str).str.replace("Q", "-Q")
    tg = won.assign(q=q, v=won["close_value"].astype(float)).groupby(["q", "manager"])["v"].sum() * 1.1
    pd.DataFrame({"period": [a for a, _ in tg.index], "kpi": "revenue", "level": "team",
                  "key": [b for _, b in tg.index], "target": tg.round(2).to_numpy()}).to_csv(folder / "targets.csv",
                                                                                            index=False)
    return eng, teams


def test_maven_win_rates_and_won_value_per_agent_manager_office(real_data, tmp_path):
    eng, teams = _maven(real_data, tmp_path)
    ds = load_dataset(tmp_path)
    p = KpiParams(kpis=["revenue", "orders", "conversion_rate"], custom_kpis={}, review_periods=15,
                  levels=["company", "team", "region", "rep"])
    kd = A.prepare(ds, p)
    assert T.review_months(kd, p) == (2016 * 12 + 9, 2017 * 12 + 11)  # 2016-10 .. 2017-12: every engaged deal
    # independent computation from the raw export
    e = eng.merge(teams, on="sales_agent", how="left").assign(
        won=lambda d: d["deal_stage"].eq("Won"), lost=lambda d: d["deal_stage"].eq("Lost"),
        value=lambda d: np.where(d["deal_stage"].eq("Won"), d["close_value"].astype(float), 0.0))
    assert (int(e["won"].sum()), int(e["lost"].sum()), e["value"].sum()) == (4238, 2473, 10_005_534)
    sc = TM.rep_scorecard(kd, None, p).set_index("rep_id")
    assert len(sc) == 35 and int((sc["leads"] > 0).sum()) == 30
    by_agent = e.groupby("sales_agent")[["won", "lost", "value"]].sum()
    assert sc.loc[by_agent.index, "won"].tolist() == by_agent["won"].astype(int).tolist()
    assert sc.loc[by_agent.index, "lost"].tolist() == by_agent["lost"].astype(int).tolist()
    assert sc.loc[by_agent.index, "revenue"].tolist() == pytest.approx(by_agent["value"].tolist())
    assert sc.loc[by_agent.index, "win_rate"].tolist() == pytest.approx(
        (by_agent["won"] / (by_agent["won"] + by_agent["lost"])).tolist())
    assert sc.loc["Darcel Schlecht", "won"] == 349  # the top agent by won deals
    for level, col in (("team", "manager"), ("region", "regional_office")):
        m = A.measures(kd, level, "year").groupby("key")[["won", "lost", "won_value", "revenue"]].sum()
        ind = e.groupby(col)[["won", "lost", "value"]].sum()
        assert m.loc[ind.index, "won"].tolist() == ind["won"].tolist()
        assert m.loc[ind.index, "lost"].tolist() == ind["lost"].tolist()
        assert m.loc[ind.index, "won_value"].tolist() == pytest.approx(ind["value"].tolist())
        assert m.loc[ind.index, "revenue"].tolist() == pytest.approx(ind["value"].tolist())
    assert len(A.measures(kd, "team", "year")["key"].unique()) == 6
    assert len(A.measures(kd, "region", "year")["key"].unique()) == 3
    # quarterly targets, monthly review: prorated by days, then summed back over the window
    att = T.attainment_table(kd, p)
    assert att.loc[att["level"] == "team", "period"].str.len().eq(7).all()  # monthly rows
    s = T.attainment_summary(att, kd, p)
    team = s.loc[(s["level"] == "team") & (s["kpi"] == "revenue")]
    assert len(team) == 6 and team["attainment"].tolist() == pytest.approx([1 / 1.1] * 6, rel=1e-6)
    assert (team["light"] == "amber").all()


def test_superstore_actuals_and_attainment_by_region_month(real_data, tmp_path):
    raw = pd.read_csv(real_data / "superstore" / "superstore.csv", encoding="utf-8-sig", dtype=str)
    date = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y")  # US dates
    sales, profit = raw["Sales"].astype(float), raw["Profit"].astype(float)
    pd.DataFrame({"order_id": raw["Order ID"], "order_date": date.dt.strftime("%Y-%m-%d"),
                  "customer_id": raw["Customer ID"], "amount": raw["Sales"], "product_id": raw["Product ID"],
                  "quantity": raw["Quantity"], "cost": (sales - profit).round(4), "region": raw["Region"]}
                 ).to_csv(tmp_path / "orders.csv", index=False)
    month = date.dt.strftime("%Y-%m")
    lines = pd.DataFrame({"o": raw["Order ID"], "p": raw["Product ID"], "d": date, "s": sales, "q": raw["Quantity"],
                          "c": raw["Customer ID"], "r": raw["Region"], "pr": profit})
    rev = sales[~lines.duplicated()].groupby([month[~lines.duplicated()], raw["Region"][~lines.duplicated()]]).sum()
    prev = rev.rename(lambda m: f"{int(m[:4]) + 1}{m[4:]}", level=0)  # the same month a year later
    tg = (prev.loc[prev.index.get_level_values(0) <= "2019-12"] * 1.1).round(2)
    pd.DataFrame({"period": tg.index.get_level_values(0), "kpi": "revenue", "level": "region",
                  "key": tg.index.get_level_values(1), "target": tg.to_numpy()}).to_csv(tmp_path / "targets.csv",
                                                                                       index=False)
    ds = load_dataset(tmp_path)
    p = KpiParams(kpis=["revenue", "orders", "margin"], custom_kpis={}, levels=["company", "region"],
                  review_periods=48)
    kd = A.prepare(ds, p)
    # one line repeats another exactly (Row ID aside): the loader reports it and keeps it (a real second line
    # of the same product), so every line counts and the totals are Superstore's own
    (dup,) = [w for w in ds.warnings if w.kind == "exact_duplicate"]
    assert dup.count == int(lines.duplicated().sum()) == 1
    tot = A.kpi_actuals(kd, ["company"], "year").pivot_table(index="period", columns="kpi", values="actual")
    assert tot["revenue"].sum() == pytest.approx(2_297_200.86, abs=0.01)
    m = A.measures(kd, "company", "year")
    margin = m["costed_revenue"].sum() - m["cost"].sum()
    assert margin == pytest.approx(286_397.02, abs=0.05)
    assert m["orders"].sum() == 5009
    att = T.attainment_table(kd, p).set_index(["period", "key"])
    reg = att.loc[att["level"] == "region"]
    assert len(reg) == 36 * 4  # 2017-01 .. 2019-12, four regions
    got = reg["attainment"]
    want = (rev / (tg.reindex(rev.index))).dropna()
    assert got.loc[want.index].to_numpy() == pytest.approx(want.to_numpy(), rel=1e-6)
