"""Every report section on bad inputs: a clear note, never a traceback or silent nonsense."""

import html
import re
from pathlib import Path

import pandas as pd

import workbench.segmentation as seg
from workbench.data.loader import Dataset, DatasetMeta
from workbench.report import Report


def _ds(rows, customers=None):
    o = pd.DataFrame(rows, columns=["order_id", "order_date", "customer_id", "amount"])
    o["order_date"] = pd.to_datetime(o["order_date"])
    o["amount"] = o["amount"].astype(float)
    tables = {"orders": o}
    if customers is not None:
        tables["customers"] = customers
    return Dataset(Path("."), DatasetMeta(), tables, {}, [])


def whole_report(ds, tmp_path, **values):
    """The notebook's sequence of calls, outside a kernel: (headline text, page text, tables written)."""
    params = seg.SegmentationParams(output_dir=str(tmp_path / "tables"), interactive=False, **values)
    prep = seg.prepare(ds, params)
    rpt = Report(params, labels=seg.report_labels(params, prep))
    rfm = seg.rfm_table(prep, params)
    holdout = seg.holdout_check(prep, params)
    clv = seg.clv_table(prep, rfm, params)
    value = seg.value_tiers(rfm, clv, params)
    h = seg.headline(prep, rfm, value, holdout, params)
    headline = rpt.text(h.pop("en"), h.pop("zh"), **h)
    cl = seg.cluster_customers(prep, rfm, ds, params)
    attrs = seg.attributes(prep, rfm, ds)
    plays = seg.assign_plays(value, params)
    parts = [seg.show_data_notes(rpt, prep, params), seg.show_scores(rpt, rfm, params),
             seg.show_segment_rules(rpt, params), seg.show_rf_grid(rpt, rfm), seg.show_segments(rpt, rfm, value, params),
             seg.show_rfm(rpt, rfm, params), seg.show_holdout(rpt, holdout, params), seg.show_clv_params(rpt, clv, holdout),
             seg.show_clv(rpt, clv, value, params), seg.show_tiers(rpt, value, params), seg.show_k_choice(rpt, cl),
             seg.show_cluster_profiles(rpt, cl, rfm, value, params), seg.show_profiles(rpt, attrs, rfm, value, params),
             seg.show_channel_value(rpt, prep, attrs, rfm, value, ds, params),
             seg.show_migration(rpt, prep, value, params), seg.show_playbook(rpt, plays, params),
             seg.show_crm_export(rpt, plays, rfm, attrs, cl, params)]
    page = html.unescape(" ".join(p._repr_html_() for p in parts if p is not None))
    page = re.sub(r"<(style)\b.*?</\1>", " ", page, flags=re.S)  # the table views' own CSS
    written = {p.stem for p in (tmp_path / "tables").glob("*.csv")}
    return html.unescape(headline), page, written


ROWS = [("O1", "2026-01-01", "A", 100.0), ("O2", "2026-02-01", "A", 50.0), ("O3", "2026-02-01", "B", 20.0)]
RESULT_TABLES = {"rfm", "segments", "clv", "clv_params", "clusters", "tier_transitions", "clv_holdout",
                 "clv_holdout_scores", "cluster_k", "cluster_stability"}


def test_analysis_date_before_the_data(tmp_path):
    head, page, written = whole_report(_ds(ROWS), tmp_path, as_of="2020-01-01")
    assert head.startswith("The analysis date 2020-01-01 is before the first order (2026-01-01)")
    assert "Set as_of to a date between 2026-01-01 and 2026-02-01" in page
    assert page.count("this section has nothing to show") >= 10
    assert RESULT_TABLES <= written  # empty but present, so scripts reading them do not break
    assert pd.read_csv(tmp_path / "tables" / "rfm.csv").empty


def test_single_customer_without_customers_table(tmp_path):
    head, page, written = whole_report(_ds(ROWS[:2]), tmp_path)
    assert head.startswith("1 customers with purchases as of 2026-02-01")
    assert "Only 1 customers: quantile scores and value tiers are ranks within a very small group" in page
    assert "Only 1 customers bought more than once up to 2026-02-01 (at least 30 are needed)" in page
    assert "Clustering needs at least 30 customers" in page
    assert "No industry for the customers" in page and "No region for the customers" in page
    assert "No acquisition channel for the customers" in page  # orders without channel_id: no fallback
    assert "There is no previous period to compare with" in page
    assert "No monthly spend for the acquisition channels" in page
    assert RESULT_TABLES <= written
    rfm = pd.read_csv(tmp_path / "tables" / "rfm.csv", encoding="utf-8-sig")
    assert rfm[["customer_id", "frequency", "monetary"]].values.tolist() == [["A", 2, 150.0]]


def test_every_order_on_one_day(tmp_path):
    rows = [(f"O{i}", "2026-03-01", f"C{i % 40}", 10.0 + i) for i in range(80)]
    head, page, _ = whole_report(_ds(rows), tmp_path)
    assert "No CLV model" in head
    assert "Every purchase falls on one day (2026-03-01)" in page
    assert "Ties leave some scores without customers" in page  # recency 0 for everyone
    assert "the data cover 0 days up to the analysis date" in page.lower()


def test_customer_with_only_returns(tmp_path):
    rows = ROWS + [("X1-R", "2026-01-15", "R", -40.0)]
    _, page, _ = whole_report(_ds(rows), tmp_path)
    assert "1 customers have no purchase up to the analysis date" in page and "-¥40" in page


def test_too_few_repeat_buyers(tmp_path):
    rows = [(f"O{i}", f"2025-{1 + i % 12:02d}-{1 + i % 27:02d}", f"C{i}", 10.0) for i in range(60)]
    rows += [("R1", "2025-12-30", "C1", 5.0), ("R2", "2025-12-30", "C2", 5.0)]
    head, page, _ = whole_report(_ds(rows), tmp_path)
    assert "No CLV model" in head
    assert "Only 2 customers bought more than once up to 2025-12-30 (at least 30 are needed)" in page
    assert "Without a CLV model, value tiers rank customers by current value alone" in page


def test_no_customers_table_in_chinese(tmp_path):
    rows = [(f"O{i}", f"2025-{1 + i % 12:02d}-{1 + i % 27:02d}", f"C{i % 50}", 10.0 + i) for i in range(200)]
    head, page, _ = whole_report(_ds(rows), tmp_path, lang="zh", n_bootstrap=3)
    assert head.startswith("截至 2025-12-27 共有 50 个产生购买的客户")
    assert "客户缺少行业信息（客户表或该字段缺失）：本节跳过" in page and "没有按月的投放费用数据" in page
