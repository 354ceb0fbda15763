"""Tests of the data quality checks (workbench.quality) on tiny hand-counted datasets written as CSV."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench import quality as q
from workbench.data.loader import load_dataset
from workbench.data.schema import TABLES


def write(folder, name: str, text: str) -> None:
    (folder / name).write_text(text.strip() + "\n", encoding="utf-8")


def load(folder):
    return load_dataset(folder, strict=False, keep_duplicate_lines=False)


# 12 lines, 2 of them exact repeats (dropped): 10 rows. region blank in 2 of the 10.
# customer_id C9 (2 rows) and C8 (1 row) are not in customers; channel X (1 row, also C9) not in channels.
ORDERS = """
order_id,order_date,customer_id,amount,channel_id,region
O1,2026-03-01,C1,100,CH1,North
O2,2026-03-02,C2,200,CH1,North
O3,2026-03-03,C3,300,CH2,
O4,2026-03-04,C1,400,CH2,South
O5,2026-03-05,C9,500,CH1,South
O6,2026-03-06,C9,600,X,
O7,2026-03-07,C8,700,CH1,East
O8,2026-03-08,C2,800,CH2,East
O9,2026-03-09,C3,900,CH1,West
O10,2026-03-31,C1,1000,CH2,West
O1,2026-03-01,C1,100,CH1,North
O2,2026-03-02,C2,200,CH1,North
"""

# Last created_date 2025-12-21: 100 days before 2026-03-31, the last order.
CUSTOMERS = """
customer_id,name,created_date
C1,星辰科技有限公司,2025-01-01
C2, 星辰科技 ,2025-06-01
C3,Acme Co.,2025-12-21
C4,ACME,2025-03-01
C5,月亮贸易,2025-04-01
"""

# A feed: its last response 2025-12-21 is 100 days before 2026-03-31, the last order.
FEEDBACK = """
response_id,date,nps
R1,2025-06-01,9
R2,2025-12-21,3
"""

CHANNELS = """
channel_id,name,type
CH1,Direct,direct
CH2,Shop,webshop
"""


@pytest.fixture
def shop(tmp_path):
    write(tmp_path, "orders.csv", ORDERS)
    write(tmp_path, "customers.csv", CUSTOMERS)
    write(tmp_path, "channels.csv", CHANNELS)
    write(tmp_path, "feedback.csv", FEEDBACK)
    return load(tmp_path)


def row(df: pd.DataFrame, **where) -> pd.Series:
    sel = df
    for k, v in where.items():
        sel = sel.loc[sel[k] == v]
    assert len(sel) == 1, f"expected one row where {where}, got {len(sel)}"
    return sel.iloc[0]


# ----------------------------------------------------------------------------- completeness


def test_column_completeness_counts_blanks(shop):
    cc = q.column_completeness(shop)
    region = row(cc, table="orders", column="region")
    assert (region.rows, region.filled, region.missing) == (10, 8, 2)
    assert region.completeness == pytest.approx(0.8)
    assert bool(region.present) and not bool(region.required)
    assert (cc["filled"] + cc["missing"] == cc["rows"]).all()


def test_absent_optional_column_is_listed(shop):
    cc = q.column_completeness(shop)
    qty = row(cc, table="orders", column="quantity")
    assert not bool(qty.present)
    assert (qty.filled, qty.completeness) == (0, 0.0)
    assert set(cc.loc[cc["table"] == "orders", "column"]) == set(TABLES["orders"].column_names)


def test_unreadable_cells_count_as_missing(shop):
    cc = q.column_completeness(shop)
    t = row(cc, table="channels", column="type")
    assert (t.filled, t.missing, t.unreadable) == (1, 1, 1)


# ----------------------------------------------------------------------------- overview


def test_overview_rows_trace_to_exact_duplicates(shop):
    ov = q.table_overview(shop).set_index("table")
    o = ov.loc["orders"]
    assert (o.rows_read, o.rows, o.duplicate_rows) == (12, 10, 2)
    assert o.rows_read - o.rows == o.duplicate_rows
    assert o.columns_present == 6 and o.columns_total == 10
    # 8 of 10 region cells and every other of the 6 present columns filled
    assert o.completeness == pytest.approx((5 * 10 + 8) / 60)
    assert o.file == "orders.csv" and o.encoding == "utf-8" and o.status == "loaded"


def test_overview_lists_every_table_and_absent_ones(shop):
    ov = q.table_overview(shop)
    assert list(ov["table"]) == list(TABLES)
    absent = ov.loc[ov["table"] == "leads"].iloc[0]
    assert not bool(absent.present) and absent.status == "absent"
    assert pd.isna(absent.score) and pd.isna(absent.rows)
    assert set(ov.loc[ov["present"], "table"]) == {"orders", "customers", "channels", "feedback"}


def test_overview_invalid_cells_trace_to_invalid_values(shop):
    ov = q.table_overview(shop).set_index("table")
    inv = q.invalid_values(shop).groupby("table")["count"].sum()
    for t in ("orders", "customers", "channels"):
        assert ov.loc[t, "invalid_cells"] == inv.get(t, 0)
    assert ov.loc["channels", "invalid_cells"] == 1


# ----------------------------------------------------------------------------- invalid values


def test_invalid_values_from_issues(shop):
    iv = q.invalid_values(shop)
    t = row(iv, table="channels", column="type")
    assert t.kind == "invalid" and t["count"] == 1 and t.level == "warning"
    assert t.example_rows == "3"  # CH2 sits on line 3 of channels.csv
    assert t.share == pytest.approx(0.5)
    assert "direct" in t.expected


def test_implausible_date_reported_and_ignored_for_reference(tmp_path):
    # 2019 data with a year typo 2023 (possible, but far after the rest of the column)
    lines = ["order_id,order_date,customer_id,amount"]
    lines += [f"O{m},2019-{m:02d}-10,C1,1" for m in range(1, 12)]  # 11 dates, last 2019-11-10
    lines.append("O99,2023-03-10,C1,1")
    write(tmp_path, "orders.csv", "\n".join(lines))
    ds = load(tmp_path)
    assert q.reference_date(ds) == pd.Timestamp("2019-11-10")
    iv = q.invalid_values(ds)
    bad = row(iv, kind="implausible_date")
    assert (bad.table, bad.column, bad["count"]) == ("orders", "order_date", 1)
    fr = row(q.freshness(ds), table="orders")
    assert fr.date_to == pd.Timestamp("2019-11-10") and fr.implausible_dates == 1
    assert row(q.fix_list(ds, top=None), kind="implausible_date").rows_affected == 1


def test_impossible_dates_from_the_loader_are_listed_and_fixed(tmp_path):
    # a date after the run date cannot be true: the loader leaves the row out and says so
    lines = ["order_id,order_date,customer_id,amount"]
    lines += [f"O{m},2026-{m:02d}-10,C1,1" for m in range(1, 11)]
    lines.append("O99,2062-03-10,C1,1")
    write(tmp_path, "orders.csv", "\n".join(lines))
    ds = load(tmp_path)
    bad = row(q.invalid_values(ds), kind="date_in_future")
    assert (bad.column, bad["count"]) == ("order_date", 1)
    fix = row(q.fix_list(ds, top=None), kind="date_in_future")
    assert fix.rows_affected == 1 and fix.impact == pytest.approx(
        q.KIND_WEIGHTS["date_in_future"] * q.ROLE_WEIGHTS["required"] / 11, abs=1e-6)


def test_blank_kept_as_bucket_counts_as_missing(tmp_path):
    # orders.channel_id classifies rows: the loader keeps a blank as '(blank)'; it is still a blank,
    # and not an orphan of channels
    lines = ["order_id,order_date,customer_id,amount,channel_id"]
    lines += [f"O{i},2026-03-{i + 1:02d},C1,1,{'' if i < 3 else 'CH1'}" for i in range(10)]
    write(tmp_path, "orders.csv", "\n".join(lines))
    write(tmp_path, "channels.csv", "channel_id,name\nCH1,Direct")
    ds = load(tmp_path)
    assert (ds["orders"]["channel_id"] == "(blank)").sum() == 3
    r = row(q.column_completeness(ds), table="orders", column="channel_id")
    assert (r.filled, r.missing) == (7, 3)
    assert row(q.fix_list(ds, top=None), kind="missing_values", column="channel_id").rows_affected == 3
    assert row(q.orphans(ds), table="orders", column="channel_id").orphan_rows == 0
    assert row(q.table_overview(ds), table="orders").completeness == pytest.approx(1 - 3 / (10 * 5))


def test_few_dates_are_never_implausible(tmp_path):
    write(
        tmp_path,
        "orders.csv",
        """
order_id,order_date,customer_id,amount
O1,2023-01-10,C1,1
O2,2026-03-10,C1,1
""",
    )
    ds = load(tmp_path)
    assert q.reference_date(ds) == pd.Timestamp("2026-03-10")
    assert len(q.invalid_values(ds)) == 0


def test_blank_required_rejects_table_and_scores_zero(tmp_path):
    write(
        tmp_path,
        "leads.csv",
        """
lead_id,created_date,channel_id,status
L1,2026-01-01,CH1,open
L2,2026-01-02,CH1,
L3,2026-01-03,CH1,won
""",
    )
    ds = load(tmp_path)
    iv = q.invalid_values(ds)
    blank = row(iv, kind="blank_required")
    assert (blank.table, blank.column, blank["count"], blank.level) == (
        "leads",
        "status",
        1,
        "error",
    )
    ov = row(q.table_overview(ds), table="leads")
    assert ov.status == "rejected" and bool(ov.present) and not bool(ov.loaded)
    assert ov.score == 0.0 and ov.rows_read == 3 and ov.errors == 1


# ----------------------------------------------------------------------------- duplicates


def test_normalise_company_name():
    names = pd.Series(
        [
            "星辰科技有限公司",
            " 星辰科技 ",
            "星辰科技股份有限公司",
            "Acme Co., Ltd.",
            "ACME",
            "Tesco",
            "有限公司",
            None,
        ],
        dtype="str",
    )
    keys = q.normalise_company_name(names).tolist()
    assert keys[:3] == ["星辰科技"] * 3
    assert keys[3:6] == ["acme", "acme", "tesco"]
    assert keys[6] == "有限公司" or pd.isna(keys[6])  # a bare legal form is no name to match on
    assert pd.isna(keys[7])


def test_duplicates_exact_rows_and_possible_customers(shop):
    d = q.duplicates(shop)
    exact = row(d, kind="exact_duplicate")
    assert (exact.table, exact["count"]) == ("orders", 2)
    assert exact.example_rows == "12, 13"  # lines of the repeated O1 and O2
    groups = d.loc[d["kind"] == "possible_duplicate_customer"].set_index("match_key")
    assert set(groups.index) == {"星辰科技", "acme"}
    assert groups.loc["星辰科技", "ids"] == "C1, C2" and groups.loc["星辰科技", "count"] == 2
    assert groups.loc["acme", "ids"] == "C3, C4"
    assert "星辰科技有限公司" in groups.loc["星辰科技", "names"]


def test_no_customers_no_possible_duplicates(tmp_path):
    write(tmp_path, "orders.csv", "order_id,order_date,customer_id,amount\nO1,2026-01-01,C1,1")
    ds = load(tmp_path)
    assert len(q.possible_duplicate_customers(ds)) == 0
    assert len(q.duplicates(ds)) == 0


# ----------------------------------------------------------------------------- orphans


def test_orphans_counts_shares_and_examples(shop):
    o = q.orphans(shop)
    cust = row(o, table="orders", column="customer_id")
    assert (cust.ref_table, cust.rows, cust.orphan_rows, cust.distinct_values) == (
        "customers",
        10,
        3,
        2,
    )
    assert cust.share == pytest.approx(0.3)
    assert cust.examples == "C9, C8"  # most frequent first
    chan = row(o, table="orders", column="channel_id")
    assert (chan.orphan_rows, chan.examples) == (1, "X")
    # same counts as the loader's orphan_key issues
    loader = {(i.table, i.column): i.count for i in shop.issues if i.kind == "orphan_key"}
    assert loader == {("orders", "customer_id"): 3, ("orders", "channel_id"): 1}
    # the row with channel X also has customer C9: 3 rows carry at least one orphan
    assert row(q.table_overview(shop), table="orders").orphan_rows == 3


def test_orphans_skip_fk_to_absent_table(shop):
    # orders.product_id -> products: neither column nor table here; customers' channel column absent
    assert set(q.orphans(shop)["column"]) == {"customer_id", "channel_id"}


# ----------------------------------------------------------------------------- freshness


def test_reference_date_and_staleness(shop):
    assert q.reference_date(shop) == pd.Timestamp("2026-03-31")
    fr = q.freshness(shop, stale_after_days=45).set_index("table")
    assert fr.loc["feedback", "days_since_last"] == 100
    assert bool(fr.loc["feedback", "stale"])
    # master data does not go stale: customers' last created_date is 100 days old too
    assert fr.loc["customers", "days_since_last"] == 100 and pd.isna(fr.loc["customers", "stale"])
    assert fr.loc["orders", "days_since_last"] == 0 and not bool(fr.loc["orders", "stale"])
    assert "channels" not in fr.index  # no date column
    relaxed = q.freshness(shop, stale_after_days=100).set_index("table")
    assert not bool(relaxed.loc["feedback", "stale"])


def test_as_of_overrides_reference_date(shop):
    assert q.reference_date(shop, "2026-04-30 15:00") == pd.Timestamp("2026-04-30")
    fr = q.freshness(shop, as_of="2026-04-30").set_index("table")
    assert fr.loc["orders", "days_since_last"] == 30


def test_periods_and_plans(tmp_path):
    write(tmp_path, "spend.csv", "period,channel_id,amount\n2026-01,CH1,10\n2026-Q1,CH2,20")
    write(tmp_path, "targets.csv", "period,kpi,level,key,target\n2027,revenue,company,,100")
    ds = load(tmp_path)
    # only period tables: the end of the last spend period; targets (plans) never count
    assert q.reference_date(ds) == pd.Timestamp("2026-03-31")
    fr = q.freshness(ds).set_index("table")
    assert fr.loc["spend", "date_from"] == pd.Timestamp("2026-01-01")
    assert fr.loc["targets", "date_to"] == pd.Timestamp("2027-12-31")
    assert fr.loc["targets", "days_since_last"] < 0 and pd.isna(fr.loc["targets", "stale"])


# ----------------------------------------------------------------------------- scores


def _clean_orders(n: int = 10) -> str:
    lines = ["order_id,order_date,customer_id,amount,region"]
    lines += [f"O{i},2026-03-{i + 1:02d},C1,{i * 10},North" for i in range(n)]
    return "\n".join(lines)


def test_clean_table_scores_100(tmp_path):
    write(tmp_path, "orders.csv", _clean_orders())
    sc = q.table_scores(q_ds := load(tmp_path))
    o = row(sc, table="orders")
    assert o.score == 100.0
    assert pd.isna(o.integrity)  # nothing to check against
    assert q.quality_summary(q_ds)["overall_score"] == 100.0


def test_scores_bounded_and_monotone(tmp_path):
    base = _clean_orders()
    scores = []
    for extra in (0, 2, 5):  # more repeated lines, more blank regions
        folder = tmp_path / f"d{extra}"
        folder.mkdir()
        lines = base.splitlines()
        lines += lines[1 : 1 + extra]
        for k in range(1, 1 + extra):
            lines[k] = lines[k].rsplit(",", 1)[0] + ","
        write(folder, "orders.csv", "\n".join(lines))
        scores.append(row(q.table_overview(load(folder)), table="orders").score)
    assert all(0 <= s <= 100 for s in scores)
    assert scores[0] > scores[1] > scores[2]


def test_score_components_by_hand(shop):
    sc = q.table_scores(shop).set_index("table")
    o = sc.loc["orders"]
    assert o.uniqueness == pytest.approx(1 - 2 / 12)
    assert o.integrity == pytest.approx(1 - 3 / 10)
    assert o.validity == 1.0 and o.freshness == 1.0
    w = q.SCORE_WEIGHTS
    expected = 100 * sum(w[c] * o[c] for c in w) / sum(w.values())
    assert o.score == pytest.approx(expected, abs=0.05)
    # feedback: 100 days old with stale_after_days=45 -> freshness 0; customers: not tracked
    assert sc.loc["feedback", "freshness"] == 0.0
    assert sc.loc["feedback", "score"] < 100
    assert pd.isna(sc.loc["customers", "freshness"])
    assert (sc["score"].between(0, 100)).all()


def test_quality_summary_row_weighted(shop):
    s = q.quality_summary(shop)
    sc = q.table_scores(shop)
    expected = (sc["score"] * sc["rows"]).sum() / sc["rows"].sum()
    assert s["overall_score"] == pytest.approx(expected, abs=0.05)
    assert (s["tables_loaded"], s["tables_rejected"], s["tables_absent"]) == (4, 0, len(TABLES) - 4)
    assert s["total_rows"] == 10 + 5 + 2 + 2
    assert s["worst_table"] == sc.sort_values("score").iloc[0]["table"]
    assert s["stale_tables"] == ["feedback"]
    assert s["reference_date"] == pd.Timestamp("2026-03-31")
    assert s["problems"] == len(q.fix_list(shop, top=None))


# ----------------------------------------------------------------------------- fix list


def test_fix_list_ranks_required_above_optional(tmp_path):
    # 1 of 10 orders points to an unknown customer (required column);
    # 2 of 10 have no region (optional): more rows, but the lesser problem.
    lines = _clean_orders().splitlines()
    lines[1] = lines[1].replace(",C1,", ",C404,")
    lines[2] = lines[2].rsplit(",", 1)[0] + ","
    lines[3] = lines[3].rsplit(",", 1)[0] + ","
    write(tmp_path, "orders.csv", "\n".join(lines))
    write(tmp_path, "customers.csv", "customer_id,name\nC1,One")
    fl = q.fix_list(load(tmp_path), top=None)
    orphan = row(fl, kind="orphan_key")
    blank = row(fl, kind="missing_values", column="region")
    assert (orphan.rows_affected, blank.rows_affected) == (1, 2)
    assert orphan.share == pytest.approx(0.1) and blank.share == pytest.approx(0.2)
    assert orphan["rank"] < blank["rank"]
    assert orphan.impact == pytest.approx(
        q.KIND_WEIGHTS["orphan_key"] * q.ROLE_WEIGHTS["required"] * 0.1, abs=1e-4
    )
    assert blank.impact == pytest.approx(
        q.KIND_WEIGHTS["missing_values"] * q.ROLE_WEIGHTS["optional"] * 0.2, abs=1e-4
    )
    assert list(fl["rank"]) == list(range(1, len(fl) + 1))
    assert fl["how_to_fix"].str.len().gt(0).all()


def test_fix_list_errors_first_and_top(tmp_path, shop):
    write(
        tmp_path,
        "leads.csv",
        """
lead_id,created_date,channel_id,status
L1,2026-01-01,CH1,open
L2,2026-01-02,CH1,
""",
    )
    fl = q.fix_list(load(tmp_path), top=None)
    first = fl.iloc[0]
    assert bool(first.blocking) and (first.table, first.column) == ("leads", "status")
    assert first.rows_affected == 1
    full = q.fix_list(shop, top=None)
    assert len(q.fix_list(shop, top=3)) == min(3, len(full))
    assert full["impact"].is_monotonic_decreasing
    kinds = set(full["kind"])
    assert {
        "exact_duplicate",
        "orphan_key",
        "missing_values",
        "stale",
        "possible_duplicate_customer",
        "invalid",
    } <= kinds


# ----------------------------------------------------------------------------- absent tables


def test_missing_tables(shop, tmp_path):
    mt = q.missing_tables(shop)
    assert set(mt["table"]) == set(TABLES) - {"orders", "customers", "channels", "feedback"}
    leads = row(mt, table="leads")
    assert leads.required_columns == "lead_id, created_date, channel_id, status"
    # a misnamed file is shown as a likely candidate and in the fix list
    folder = tmp_path / "misnamed"
    folder.mkdir()
    write(folder, "customers.csv", "customer_id\nC1")
    write(folder, "order.csv", "order_id,order_date,customer_id,amount\nO1,2026-01-01,C1,1")
    ds = load(folder)
    assert row(q.missing_tables(ds), table="orders").possible_file == "order.csv"
    fl = q.fix_list(ds, top=None)
    assert row(fl, kind="misnamed_file").table == "orders"


def test_empty_folder_does_not_crash(tmp_path):
    ds = load(tmp_path)
    assert pd.isna(q.reference_date(ds))
    assert len(q.table_overview(ds)) == len(TABLES)
    s = q.quality_summary(ds)
    assert s["tables_loaded"] == 0 and math.isnan(s["overall_score"]) and s["worst_table"] is None
    assert len(q.column_completeness(ds)) == 0 and len(q.orphans(ds)) == 0
