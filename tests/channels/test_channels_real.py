"""The channel analysis on a real, messy CRM export (Maven CRM Sales Opportunities; skipped when absent).

The pipeline has no channel column: the product, or the rep's regional office (via sales_teams),
plays the channel. Its stage names (Won / Lost / Engaging / Prospecting) are not ours, 500
Prospecting deals were never engaged (no created date), every open deal lacks a close date and
most deals created late in the window never closed. The figures are checked against counts made
independently with pandas and against the README.
"""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportions_chisquare

from workbench.channels import (
    ChannelParams,
    analyse_funnel,
    channel_economics,
    fit_response,
    headline,
    optimise,
    plots,
    prepare_leads,
    show_components,
    show_diagnosis,
    show_tests,
)
from workbench.params import NotebookParams
from workbench.report import Report

matplotlib.use("Agg")
pytestmark = pytest.mark.real



def _load(real_data):
    folder = real_data / "maven_crm_sales_opportunities"
    raw = pd.read_csv(folder / "sales_pipeline.csv", dtype=str)
    teams = pd.read_csv(folder / "sales_teams.csv", dtype=str)
    leads = pd.DataFrame({
        "lead_id": raw["opportunity_id"], "created_date": pd.to_datetime(raw["engage_date"]),
        "channel_id": raw["product"], "status": raw["deal_stage"], "stage": raw["deal_stage"],
        "closed_date": pd.to_datetime(raw["close_date"]), "amount": pd.to_numeric(raw["close_value"]),
        "rep_id": raw["sales_agent"]})
    reps = teams.rename(columns={"sales_agent": "rep_id", "regional_office": "region"})
    return leads, reps


def test_product_as_channel(real_data):
    leads, reps = _load(real_data)
    p = ChannelParams()
    ld = prepare_leads({"leads": leads, "reps": reps}, p)
    assert ld.as_of == pd.Timestamp("2017-12-31")
    # README: 8,800 opportunities; the 500 Prospecting deals have no engage date
    assert ld.counts["rows_read"] == 8800 and ld.counts["no_created"] == 500 and ld.counts["kept"] == 8300
    assert ld.leads["status"].value_counts().to_dict() == {"won": 4238, "lost": 2473, "open": 1589}
    assert ld.leads.loc[ld.leads["won"], "amount"].sum() == 10_005_534
    res = analyse_funnel({"leads": leads}, ld, p)
    conv = res.conversion.set_index("channel_id")
    # independent count: deals engaged in months ending >= 120 days before 2017-12-31
    mature = leads.dropna(subset=["created_date"])
    mature = mature.loc[mature["created_date"].dt.to_period("M").dt.end_time.dt.normalize()
                        <= pd.Timestamp("2017-12-31") - pd.Timedelta(days=120)]
    by = mature.groupby("channel_id")
    assert conv["leads"].to_dict() == by.size().to_dict()
    assert conv["won"].to_dict() == by["status"].agg(lambda s: int((s == "Won").sum())).to_dict()
    # GTK 500 has 40 deals: insufficient data, not ranked, not tested
    assert bool(conv.loc["GTK 500", "insufficient_data"]) and pd.isna(conv.loc["GTK 500", "rank"])
    ok = conv.loc[~conv["insufficient_data"]]
    chi2, pval, _ = proportions_chisquare(ok["won"].to_numpy(), ok["leads"].to_numpy())
    assert res.tests.omnibus["chi2"] == pytest.approx(chi2) and res.tests.omnibus["p_value"] == pytest.approx(pval)
    # products convert alike: nobody is called weak, and the headline says so
    assert pval > 0.05 and res.diagnosis.weakest is None
    h = headline(ld, res)
    assert h["en"].startswith("No channel converts significantly below") and h["p"] == f"p = {pval:.3f}"
    # many deals of mature cohorts never closed: the sentence warns that rates are lower bounds
    assert (conv["open_share"] > 0.10).any()
    # no stages table: leads -> won only
    assert res.stages.empty and any("No stages table" in n.en for n in ld.notes)
    # Kaplan-Meier: open deals censored at the analysis date
    ttc = res.time_to_close.summary.set_index("channel_id")
    g = ld.leads.loc[ld.leads["channel_id"] == "GTX Basic"]
    sf = SurvfuncRight(g["duration_days"].to_numpy(float), g["event"].to_numpy(float))
    assert ttc.loc["GTX Basic", "median_days"] == sf.quantile(0.5)
    assert ttc.loc["GTX Basic", "censored"] == (g["status"] == "open").sum()


def test_office_as_channel_with_messy_edits(real_data, tmp_path):
    leads, reps = _load(real_data)
    office = leads["rep_id"].map(reps.set_index("rep_id")["region"])
    messy = leads.assign(channel_id=office.to_numpy())
    # what real exports also do: blank and "unknown" sources, a rare source, odd statuses, bad dates
    messy.loc[messy.index[:40], "channel_id"] = ""
    messy.loc[messy.index[40:60], "channel_id"] = "Unknown"
    messy.loc[messy.index[60:95], "channel_id"] = "Partner portal"
    messy.loc[messy.index[95:100], "status"] = "On hold"
    won = messy.index[(messy["status"] == "Won")][:7]
    messy.loc[won, "closed_date"] = messy.loc[won, "created_date"] - pd.Timedelta(days=3)
    p = ChannelParams()
    tables = {"leads": messy, "reps": reps}
    ld = prepare_leads(tables, p)
    text = " | ".join(n.text("en") for n in ld.notes)
    assert "status outside open / won / lost ('On hold' ×5)" in text
    # 40 blank sources are the (blank) bucket; "Unknown" in the data is a source of its own
    assert "40 lead(s) (0.5%) have no source" in text
    assert "7 lead(s) were closed before they were created" in text
    res = analyse_funnel(tables, ld, p)
    conv = res.conversion.set_index("channel_id")
    assert {"Central", "East", "West", "(blank)", "Unknown", "Partner portal"} <= set(conv.index)
    assert bool(conv.loc["Partner portal", "insufficient_data"]) and pd.isna(conv.loc["Partner portal", "rank"])
    assert pd.isna(conv.loc["(blank)", "rank"]) and conv.loc["(blank)", "leads_all"] == 40
    # the rest of the notebook runs on it without a traceback: economics from won deals, no spend
    econ = channel_economics(tables, ld, p, ld.as_of)
    assert econ.source == "leads" and econ.summary.loc[econ.summary["channel_id"] == "(total)", "revenue"].iloc[0] > 0
    fit = fit_response(tables, ld, p, ld.as_of)
    assert fit.curves.empty and not optimise(fit, p).feasible
    rpt = Report(NotebookParams(output_dir=str(tmp_path)))
    for shown in (show_tests(rpt, res.tests), show_diagnosis(rpt, res.diagnosis, ld), show_components(rpt, res.diagnosis)):
        assert shown is not None
    for fig in (plots.plot_conversion(res.conversion, rpt), plots.plot_funnel(res.funnel_plot, rpt),
                plots.plot_cohorts(res.cohorts, rpt), plots.plot_time_to_close(res.time_to_close, rpt),
                plots.plot_diagnosis(res.diagnosis, rpt), plots.plot_stages(res.stages, rpt),
                plots.plot_curves(fit, rpt), plots.plot_revenue(econ.table, rpt)):
        assert fig.axes
        rpt.figure(fig)
    assert np.isfinite(res.time_to_close.summary["median_days"]).all()
