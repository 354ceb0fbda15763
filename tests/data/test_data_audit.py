"""An audit of every row: rows and money read vs used, every difference explained by a reason."""

import gzip
import json

import pandas as pd
import pytest
from conftest import write

from workbench.data import load_dataset
from workbench.data.loader import REASON_COLUMNS
from workbench.paths import SAMPLE_DIR


def _explained(ds):
    """Every table: read - dropped (by listed reasons) == used, for rows and money."""
    r = ds.audit_reasons
    for row in ds.audit.itertuples():
        dropped = r.loc[(r["table"] == row.table) & (r["action"] == "dropped")]
        assert row.rows_read - dropped["rows"].sum() == row.rows_used, row.table
        assert row.money_read - dropped["money"].sum() == pytest.approx(row.money_used, abs=0.01), row.table
        assert row.reconciled, row.table


def test_bundled_sample_reconciles_to_its_files():
    ds = load_dataset(SAMPLE_DIR)
    _explained(ds)
    a = ds.audit.set_index("table")
    for t in ("orders", "leads", "spend", "customers", "feedback"):
        raw = pd.read_csv(SAMPLE_DIR / f"{t}.csv", dtype=str, keep_default_na=False,
                          encoding="gb18030" if t == "customers" else "utf-8")
        assert a.loc[t, "rows_read"] == len(raw), t
    raw = pd.read_csv(SAMPLE_DIR / "orders.csv", dtype=str, keep_default_na=False)
    dup = raw.duplicated()  # the sample's double import, found independently
    amount = pd.to_numeric(raw["amount"])
    assert a.loc["orders", "money_read"] == pytest.approx(amount.sum(), abs=0.01)
    assert (a.loc["orders", "rows_dropped"], a.loc["orders", "money_dropped"]) == (dup.sum(), pytest.approx(amount[dup].sum()))
    assert a.loc["orders", "rows_used"] == len(ds["orders"]) == len(raw) - dup.sum()
    assert ds.audit_reasons.loc[ds.audit_reasons["table"] == "orders", "reason"].tolist() == ["duplicate_line"]
    rec = json.loads(json.dumps(ds.audit_record()))  # goes into run.json as it is
    assert {t["table"] for t in rec["tables"]} == set(ds.tables) and set(rec["reasons"][0]) == set(REASON_COLUMNS)


def test_rejected_and_header_only_tables_are_accounted_for(tiny):
    write(tiny, "leads.csv", "lead_id,created_date,channel_id,status,amount\nL1,2026-01-01,CH1,maybe,5\n")
    write(tiny, "spend.csv", "period,channel_id,amount\n")
    ds = load_dataset(tiny, strict=False)
    a = ds.audit.set_index("table")
    assert (a.loc["leads", "rows_read"], a.loc["leads", "rows_used"], a.loc["leads", "money_dropped"]) == (1, 0, 5.0)
    assert (a.loc["spend", "rows_read"], a.loc["spend", "rows_used"]) == (0, 0)
    assert ds.audit_reasons.set_index("table").loc["leads", "reason"] == "table_rejected"
    _explained(ds)


def test_dropped_future_lines_carry_their_money(tiny):
    write(tiny, "orders.csv", "order_id,order_date,customer_id,amount\nO1,2026-03-05,C1,100\n"
          "O2,2099-12-31,C2,1000000\nO3,1900-01-01,C1,7\n")
    ds = load_dataset(tiny, today=pd.Timestamp("2026-11-30").date())
    a = ds.audit.set_index("table").loc["orders"]
    assert (a["rows_read"], a["rows_used"], a["money_read"], a["money_used"]) == (3, 1, 1_000_107.0, 100.0)
    reasons = ds.audit_reasons.set_index("reason")
    assert reasons.loc["implausible_date", "rows"] == 2 and reasons.loc["implausible_date", "money"] == 1_000_007.0
    _explained(ds)


@pytest.mark.real
def test_maven_pipeline_reconciles_with_status_aliases(real_data, tmp_path):
    raw = pd.read_csv(real_data / "maven_crm_sales_opportunities" / "sales_pipeline.csv", dtype=str)
    leads = raw.rename(columns={"opportunity_id": "lead_id", "engage_date": "created_date",
                                "deal_stage": "status", "close_date": "closed_date", "close_value": "amount",
                                "sales_agent": "rep_id"})
    leads["channel_id"] = raw["product"]
    leads = leads.loc[raw["deal_stage"] != "Prospecting"]  # never engaged: no created_date
    leads.to_csv(tmp_path / "leads.csv", index=False)
    ds = load_dataset(tmp_path, today=pd.Timestamp("2026-01-01").date())
    got = ds["leads"]  # Won / Lost / Engaging mapped by the alias table, no status_map needed
    assert got["status"].value_counts().to_dict() == {"won": 4238, "lost": 2473, "open": 1589}  # README
    assert got.loc[got["status"] == "won", "amount"].sum() == 10_005_534
    a = ds.audit.set_index("table").loc["leads"]
    assert a["rows_read"] == a["rows_used"] == 8_300
    _explained(ds)


@pytest.mark.real
@pytest.mark.slow
def test_online_retail_reconciles_and_keeps_lines_that_differ_outside_the_model(real_data, tmp_path):
    with gzip.open(real_data / "uci_online_retail" / "online_retail.csv.gz", "rt", encoding="utf-8") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
    orders = raw.rename(columns={"InvoiceNo": "order_id", "InvoiceDate": "order_date", "CustomerID": "customer_id",
                                 "StockCode": "product_id", "Quantity": "quantity", "Country": "region"})
    amount = (pd.to_numeric(raw["Quantity"]) * pd.to_numeric(raw["UnitPrice"])).round(2)
    orders["amount"] = amount.map(lambda x: f"{x:.2f}")
    orders["customer_id"] = orders["customer_id"].replace("", "GUEST")
    orders.to_csv(tmp_path / "orders.csv", index=False)
    ds = load_dataset(tmp_path)
    a = ds.audit.set_index("table").loc["orders"]
    assert a["rows_read"] == a["rows_used"] == 541_909  # README: nothing lost
    assert a["money_read"] == a["money_used"] == pytest.approx(9_747_747.93, abs=1.0)
    (w,) = [w for w in ds.warnings if w.kind == "exact_duplicate"]
    assert w.count == orders.duplicated().sum()  # every source column, Description and UnitPrice included
    assert w.count < orders[["order_id", "order_date", "customer_id", "amount", "product_id", "quantity",
                             "region"]].duplicated().sum()
    _explained(ds)
    dropped = load_dataset(tmp_path, keep_duplicate_lines=False)
    _explained(dropped)
    assert dropped.audit.set_index("table").loc["orders", "rows_used"] == 541_909 - w.count
