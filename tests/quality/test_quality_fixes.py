"""The fix list: ranked by impact (then rows affected), impact never rounded away, tiers by impact."""

from __future__ import annotations

import pytest

from workbench import quality as q
from workbench.data.loader import load_dataset


def _write(folder, name, lines):
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def planted(tmp_path):
    """2,000 orders: 1 points to an unknown customer (tiny share, heavy kind), every region is blank
    (share 1 of a light kind), and 300 have no channel_id (an optional foreign key)."""
    n = 2000
    lines = ["order_id,order_date,customer_id,amount,region,channel_id"]
    for i in range(n):
        cust = "C404" if i == 0 else "C1"
        channel = "" if i < 300 else "CH1"
        lines.append(f"O{i},2026-03-{1 + i % 28:02d},{cust},{i + 1},,{channel}")
    _write(tmp_path, "orders.csv", lines)
    _write(tmp_path, "customers.csv", ["customer_id,name", "C1,One"])
    _write(tmp_path, "channels.csv", ["channel_id,name", "CH1,Direct"])
    return load_dataset(tmp_path, strict=False)


def _row(fl, **where):
    sel = fl
    for k, v in where.items():
        sel = sel.loc[sel[k] == v]
    assert len(sel) == 1, where
    return sel.iloc[0]


def test_ranked_by_impact_not_by_kind(planted):
    fl = q.fix_list(planted, top=None)
    blank = _row(fl, kind="missing_values", column="region")
    orphan = _row(fl, kind="orphan_key", column="customer_id")
    # independent arithmetic: weight x share
    assert blank.impact == pytest.approx(q.KIND_WEIGHTS["missing_values"] * q.ROLE_WEIGHTS["optional"] * 1.0)
    assert orphan.impact == pytest.approx(q.KIND_WEIGHTS["orphan_key"] * q.ROLE_WEIGHTS["required"] / 2000)
    assert orphan.impact > 0  # 1 row in 2,000 is a small problem, not none
    assert blank["rank"] < orphan["rank"]  # 0.5 ranks above 0.001
    assert fl["impact"].is_monotonic_decreasing
    assert fl["rank"].tolist() == list(range(1, len(fl) + 1))
    assert fl["tier"].is_monotonic_increasing
    assert (blank.tier, orphan.tier) == (2, 3)
    assert set(fl.loc[fl["impact"] >= q.MATERIAL_IMPACT, "tier"]) <= {1, 2}


def test_errors_lead(tmp_path):
    # leads: status blank in a required column (an error) and blanks in two optional columns
    lines = ["lead_id,created_date,channel_id,status,lost_reason,competitor"]
    for i in range(10):
        status = "" if i == 0 else "open"
        lines.append(f"L{i},2026-01-{i + 1:02d},CH1,{status},{'' if i < 4 else 'price'},{'' if i < 9 else 'X'}")
    _write(tmp_path, "leads.csv", lines)
    fl = q.fix_list(load_dataset(tmp_path, strict=False), top=None)
    first = fl.iloc[0]
    assert bool(first.blocking) and first.tier == 1 and first.impact >= 3
    assert (first.table, first.column) == ("leads", "status")
    assert not fl.iloc[1:]["blocking"].any()


def test_equal_impact_goes_to_more_rows(tmp_path):
    # half of 10 orders lack a region, half of 100 customers lack a city: same impact, 5 against 50 rows
    _write(tmp_path, "orders.csv", ["order_id,order_date,customer_id,amount,region"]
           + [f"O{i},2026-03-{i + 1:02d},C{i},{i + 1},{'' if i < 5 else 'North'}" for i in range(10)])
    _write(tmp_path, "customers.csv", ["customer_id,city"]
           + [f"C{i},{'' if i < 50 else 'Xian'}" for i in range(100)])
    fl = q.fix_list(load_dataset(tmp_path, strict=False), top=None)
    city, region = _row(fl, column="city"), _row(fl, column="region")
    assert city.impact == pytest.approx(region.impact)
    assert (city.rows_affected, region.rows_affected) == (50, 5)
    assert city["rank"] < region["rank"]


def test_problem_text_has_correct_plurals(planted):
    fl = q.fix_list(planted, top=None)
    assert _row(fl, kind="orphan_key", column="customer_id").problem.startswith("1 row points to a ")
    assert "row(s)" not in " ".join(fl["problem"])
