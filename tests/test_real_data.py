"""The data layer on real public exports (../shared/data/real; skipped when absent).

Importers for these sources arrive with the CRM importer capability; here the
columns are renamed in the test and the loader's coercion, validation and counts
are checked against the figures published in the data's README.
"""

import shutil

import pandas as pd
import pytest

from workbench.data import load_dataset
from workbench.exceptions import DataError

pytestmark = pytest.mark.real


def test_maven_pipeline_as_leads(real_data, tmp_path):
    raw = pd.read_csv(real_data / "maven_crm_sales_opportunities" / "sales_pipeline.csv", dtype=str)
    status = raw["deal_stage"].map({"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"})
    leads = pd.DataFrame({
        "lead_id": raw["opportunity_id"], "created_date": raw["engage_date"], "channel_id": "crm",
        "status": status, "stage": raw["deal_stage"], "closed_date": raw["close_date"],
        "amount": raw["close_value"], "rep_id": raw["sales_agent"],
    })
    leads.to_csv(tmp_path / "leads.csv", index=False)
    # Prospecting deals were never engaged: a blank required created_date, named with its count
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    (issue,) = err.value.issues
    assert (issue.column, issue.kind, issue.count) == ("created_date", "blank_required", 500)
    leads.loc[raw["deal_stage"] != "Prospecting"].to_csv(tmp_path / "leads.csv", index=False)
    ds = load_dataset(tmp_path)
    got = ds["leads"]
    assert got["status"].value_counts().to_dict() == {"won": 4238, "lost": 2473, "open": 1589}
    assert got.loc[got["status"] == "won", "amount"].sum() == 10_005_534
    assert got["closed_date"].isna().sum() == 1589  # open deals have no close date
    assert got["rep_id"].nunique() == 30  # 35 agents in sales_teams.csv, 30 with engaged deals (counted with awk)


@pytest.mark.slow
def test_online_retail_as_orders(real_data, tmp_path):
    raw = pd.read_csv(real_data / "uci_online_retail" / "online_retail.csv.gz", dtype=str, keep_default_na=False)
    amount = pd.to_numeric(raw["Quantity"]) * pd.to_numeric(raw["UnitPrice"])
    orders = pd.DataFrame({
        "order_id": raw["InvoiceNo"], "order_date": raw["InvoiceDate"], "customer_id": raw["CustomerID"],
        "amount": amount.map(lambda x: f"{x:,.2f}"),  # thousands separators, as a spreadsheet shows them
        "product_id": raw["StockCode"], "quantity": raw["Quantity"], "region": raw["Country"],
    })
    orders.to_csv(tmp_path / "orders.csv", index=False)
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    (issue,) = err.value.issues
    assert (issue.column, issue.kind, issue.count) == ("customer_id", "blank_required", 135_080)

    orders["customer_id"] = orders["customer_id"].replace("", "GUEST")
    orders.to_csv(tmp_path / "orders.csv", index=False)
    ds = load_dataset(tmp_path, keep_duplicate_lines=False)  # kept by default (tests/data/test_data_audit.py)
    (dup,) = [w for w in ds.warnings if w.kind == "exact_duplicate"]
    got = ds["orders"]
    assert len(got) + dup.count == 541_909
    dropped = orders.duplicated()  # what the loader dropped, found independently
    assert dropped.sum() == dup.count
    total = got["amount"].sum() + amount[dropped].round(2).sum()
    assert total == pytest.approx(9_747_747.93, abs=1.0)  # per-line rounding to cents
    cancelled = got["order_id"].str.startswith("C").sum() + orders.loc[dropped, "order_id"].str.startswith("C").sum()
    assert cancelled == 9_288
    assert got["order_date"].min() == pd.Timestamp("2010-12-01 08:26") and got["order_date"].max().year == 2011
    assert got["order_id"].nunique() == 25_900 and got["region"].nunique() == 38


def test_superstore_needs_a_mapping(real_data, tmp_path):
    shutil.copy(real_data / "superstore" / "superstore.csv", tmp_path / "orders.csv")
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    msg = str(err.value)
    # BOM and CRLF read fine; "Order ID" is recognised as order_id, only 'amount' is missing
    (issue,) = err.value.issues
    assert issue.column == "amount" and "found row_id, order_id, order_date" in msg and "sales" in msg

