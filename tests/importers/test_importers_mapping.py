"""Any CSV/XLSX through a mapping file; the example mappings on the real public exports."""

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main
from workbench.data import load_dataset
from workbench.importers import MappingError, import_mapping
from workbench.paths import PROJ_ROOT

MAPPINGS = PROJ_ROOT / "params" / "mappings"

CRM = """Opportunity,Client,Client name,Owner,Stage,Created,Closed,Value,Source,Notes
OP-1,K1,Kappa Ltd,ann,Won,3/7/2024,4/1/2024,"$1,200.00",Web,first
OP-2,K2,Lambda plc,bob,Lost,3/9/2024,4/2/2024,$300,Referral,
OP-3,K1,Kappa Ltd,ann,Open,12/30/2024,,$50,Web,
OP-4,K3,Mu & Co,bob,Spam,1/2/2025,,,Web,
OP-5,K3,Mu and Co,bob,Open,,,,Web,
"""

MAPPING = """
name: Tiny CRM
currency: USD
date_formats: ['%m/%d/%Y']
tables:
  leads:
    file: crm.csv
    columns:
      lead_id: Opportunity
      created_date: Created
      closed_date: Closed
      channel_id: {column: Source, values: {Web: web, Referral: referral}}
      status: {column: Stage, values: {Won: won, Lost: lost, Open: open, Spam: __drop__}}
      stage: Stage
      amount: Value
      rep_id: Owner
      customer_id: Client
    keep: [Notes]
    drop_blank: [created_date]
  customers:
    file: crm.csv
    one_row_per: customer_id
    columns:
      customer_id: Client
      name: Client name
      created_date: {column: Created, agg: min}
  channels:
    rows:
      - {channel_id: web, name: Website, type: ecommerce}
      - {channel_id: referral, name: Referral, type: partner}
"""


@pytest.fixture
def crm(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "crm.csv").write_text(CRM, encoding="utf-8")
    m = tmp_path / "tiny.yaml"
    m.write_text(MAPPING, encoding="utf-8")
    return tmp_path / "in", m


def test_order_lines_keep_their_line_identity(tmp_path):
    """Two lines equal on every mapped column are two lines; a line repeating another cell for cell is reported."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "lines.csv").write_text(
        "Invoice,Date,Customer,Item,Description,Qty,Price\n"
        "I1,2024-01-02,C1,A,red mug,1,10\n"
        "I1,2024-01-02,C1,A,blue mug,1,10\n"  # same on the model's columns, another product variant
        "I2,2024-01-03,C2,B,plate,2,5\n"
        "I2,2024-01-03,C2,B,plate,2,5\n", encoding="utf-8")  # a true repeat of line 4
    mapping = {"tables": {"orders": {"file": "lines.csv", "columns": {
        "order_id": "Invoice", "order_date": "Date", "customer_id": "Customer", "product_id": "Item",
        "amount": {"expr": "Qty * Price"}}}}}
    import_mapping(mapping, input=tmp_path / "in", out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    assert ds["orders"]["line_id"].astype(int).tolist() == [2, 3, 4, 4]
    assert ds["orders"]["amount"].sum() == 40.0  # nothing dropped
    dup = [w for w in ds.warnings if w.kind == "exact_duplicate"]
    assert [(w.count, w.money) for w in dup] == [(1, 10.0)]
    # a source line id is mapped as line_id; a column of another name is still refused
    mapping["tables"]["orders"]["columns"]["line_id"] = "Description"
    import_mapping(mapping, input=tmp_path / "in", out=tmp_path / "ds2")
    assert load_dataset(tmp_path / "ds2")["orders"]["line_id"].tolist() == ["red mug", "blue mug", "plate", "plate"]
    mapping["tables"]["orders"]["columns"]["row_no"] = "Description"
    with pytest.raises(MappingError, match="'row_no' is not a column of orders"):
        import_mapping(mapping, input=tmp_path / "in", out=tmp_path / "ds3")


def test_mapping_file_import(crm, tmp_path):
    folder, m = crm
    report = import_mapping(m, input=folder, out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    leads = ds["leads"]
    assert leads[["lead_id", "status", "channel_id", "amount", "rep_id", "customer_id"]].values.tolist() == [
        ["OP-1", "won", "web", 1200.0, "ann", "K1"], ["OP-2", "lost", "referral", 300.0, "bob", "K2"],
        ["OP-3", "open", "web", 50.0, "ann", "K1"]]
    assert leads["created_date"].tolist() == [pd.Timestamp(d) for d in ("2024-03-07", "2024-03-09", "2024-12-30")]
    assert leads["closed_date"].tolist()[:2] == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-04-02")]
    assert leads["notes"].tolist()[0] == "first"
    cust = ds["customers"].set_index("customer_id")
    assert cust["name"].to_dict() == {"K1": "Kappa Ltd", "K2": "Lambda plc", "K3": "Mu & Co"}
    assert cust.loc["K1", "created_date"] == pd.Timestamp("2024-03-07")
    assert ds["channels"]["type"].tolist() == ["ecommerce", "partner"] and ds.meta.currency == "USD"
    assert report.tables == {"leads": 3, "customers": 3, "channels": 2}
    assert [(d["reason"], d["rows"], d["examples"]) for d in report.dropped] == [
        ("status mapped to __drop__", 1, ["OP-4"]), ("no created_date (drop_blank)", 1, ["OP-5"])]
    assert any("1 customer_id(s) have more than one name" in w for w in report.warnings)
    status_map = next(x for x in report.mapped if x["to"] == "leads.status")["values"]
    assert status_map["Spam"] == {"to": "__drop__", "rows": 1} and status_map["Won"] == {"to": "won", "rows": 1}
    assert json.loads((tmp_path / "ds" / "import_report.json").read_text(encoding="utf-8"))["dropped"][0]["rows"] == 1


def _variant(crm, tmp_path, old, new):
    folder, m = crm
    m.write_text(MAPPING.replace(old, new), encoding="utf-8")
    return folder, m


@pytest.mark.parametrize(("old", "new", "message"), [
    ("tables:\n  leads:", "tables:\n  lead:", "'lead' is not a table of the data model (did you mean 'leads'?)"),
    ("      rep_id: Owner", "      rep: Owner", "'rep' is not a column of leads (did you mean 'rep_id'?)"),
    ("      created_date: Created\n", "", "the required column(s) created_date are not mapped"),
    ("    one_row_per:", "    one_row:", "unknown key 'tables.customers.one_row'"),
    ("currency: USD", "curency: USD", "unknown key 'curency' (did you mean 'currency'?)"),
    ("      amount: Value", "      amount: Valeu", "column 'Valeu' (mapped to leads.amount) is not in the file; "
                                                  "closest: 'Value'"),
    ("Open: open, ", "", "column 'Stage': 1 value(s) the mapping to leads.status does not know: 'Open' (2 rows)"),
    ("    drop_blank: [created_date]\n", "", "1 row(s) have no value for the required leads.created_date "
                                              "(from Created) (line 6). Give a fill value"),
    ("date_formats: ['%m/%d/%Y']", "date_formats: ['%d/%m/%Y']", "column 'Created': 1 value cannot be read as dates, "
                                                                 "e.g. '12/30/2024' (line 4)"),
    ("    one_row_per: customer_id\n", "", "4 rows share a customers key (customer_id) with different values, e.g. K1, K3 (lines 2, 4, 5, 6)"),
])
def test_mapping_errors_name_the_fix(crm, tmp_path, old, new, message):
    folder, m = _variant(crm, tmp_path, old, new)
    with pytest.raises(MappingError) as err:
        import_mapping(m, input=folder, out=tmp_path / "ds")
    assert message in str(err.value)
    assert not (tmp_path / "ds").exists()


def test_xlsx_source_and_single_file_input(tmp_path):
    df = pd.DataFrame({"单号": ["A1", "A1", "A2"], "日期": ["2024-01-02", "2024-01-02", "2024年1月3日"],
                       "客户": ["C1", "C1", "C2"], "金额": ["¥1,000.00", "￥20", "3.5万"]})
    with pd.ExcelWriter(tmp_path / "sales.xlsx") as w:
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="封面", index=False)
        df.to_excel(w, sheet_name="明细", index=False)
    m = tmp_path / "m.yaml"
    m.write_text("tables:\n  orders:\n    file: sales.xlsx\n    sheet: 明细\n    columns:\n      order_id: 单号\n"
                 "      order_date: 日期\n      customer_id: 客户\n      amount: 金额\n", encoding="utf-8")
    import_mapping(m, input=tmp_path / "sales.xlsx", out=tmp_path / "ds")
    o = load_dataset(tmp_path / "ds")["orders"]
    assert o["amount"].tolist() == [1000.0, 20.0, 35000.0]
    assert o["order_date"].tolist()[-1] == pd.Timestamp("2024-01-03")


def test_cli_import_mapping(crm, tmp_path, capsys):
    folder, m = crm
    assert main(["import", "mapping", "--mapping", str(m), "--input", str(folder), "--out", str(tmp_path / "ds")]) == 0
    assert "dropped 1 row(s) of crm.csv: status mapped to __drop__ e.g. OP-4" in capsys.readouterr().out
    assert main(["import", "mapping", "--mapping", str(m), "--input", str(folder), "--out", str(tmp_path / "ds")]) == 2
    assert "pass --force" in capsys.readouterr().err


# ----------------------------------------------------------------------------- real public data



@pytest.mark.real
def test_superstore(real_data, tmp_path):
    report = import_mapping(MAPPINGS / "superstore.yaml", input=real_data / "superstore", out=tmp_path / "ds")
    assert report.files[0]["rows_read"] == 9_994 and report.tables == {"orders": 9_994, "customers": 793,
                                                                        "products": 1_862}
    raw = pd.read_csv(tmp_path / "ds" / "orders.csv", dtype={"order_id": str})
    assert raw["order_id"].nunique() == 5_009 and raw["customer_id"].nunique() == 793
    assert round(raw["amount"].sum(), 2) == 2_297_200.86
    assert round((raw["amount"] - raw["cost"]).sum(), 2) == 286_397.02  # Profit
    ds = load_dataset(tmp_path / "ds")  # strict
    assert ds["orders"]["order_date"].min() == pd.Timestamp("2016-01-03")  # M/D/YYYY read as such
    # line identity: lines 3406 and 3407 agree on every mapped column but are two Row IDs, two sales
    assert [w for w in ds.warnings if w.kind == "exact_duplicate"] == []
    orders = ds["orders"]
    assert len(orders) == 9_994 and round(orders["amount"].sum(), 2) == 2_297_200.86
    assert orders["line_id"].astype(str).nunique() == 9_994 and report.columns["superstore.csv"][
        "orders.line_id"] == "Row ID"
    twins = orders.loc[orders["line_id"].astype(str).isin(["3406", "3407"])]
    assert len(twins) == 2 and twins.drop(columns="line_id").duplicated().sum() == 1
    assert ds["customers"].set_index("customer_id").loc["CG-12520", "name"] == "Claire Gute"
    # the import's own audit: every line read is written, the money with it
    sales = pd.to_numeric(pd.read_csv(real_data / "superstore" / "superstore.csv", dtype=str)["Sales"]).sum()
    orders_audit = next(a for a in report.audit if a["table"] == "orders")
    assert orders_audit == {"table": "orders", "rows_written": 9_994, "rows_dropped": 0,
                            "money_written": round(sales, 2), "money_dropped": 0.0}


@pytest.mark.real
def test_maven_pipeline(real_data, tmp_path):
    src = real_data / "maven_crm_sales_opportunities"
    report = import_mapping(MAPPINGS / "maven_sales_pipeline.yaml", input=src, out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    leads = ds["leads"]
    # independent computation from the raw file
    raw = pd.read_csv(src / "sales_pipeline.csv", dtype=str)
    won = raw["deal_stage"].eq("Won")
    assert leads["status"].value_counts().to_dict() == {"won": int(won.sum()), "lost": 2_473, "open": 1_589}
    assert int(won.sum()) == 4_238
    assert leads.loc[leads["status"] == "won", "amount"].sum() == pd.to_numeric(raw.loc[won, "close_value"]).sum() \
        == 10_005_534
    assert report.dropped == [{"table": "leads", "file": "sales_pipeline.csv", "reason": "no created_date (drop_blank)",
                               "rows": 500, "examples": raw.loc[raw["engage_date"].isna(), "opportunity_id"].head(5).tolist(),
                               "money": pd.to_numeric(raw.loc[raw["engage_date"].isna(), "close_value"]).sum()}]
    # rows and money read reconcile with rows and money written plus what was dropped, and why
    a = next(a for a in report.audit if a["table"] == "leads")
    assert a["rows_written"] + a["rows_dropped"] == len(raw) == 8_800
    assert a["money_written"] + a["money_dropped"] == pd.to_numeric(raw["close_value"]).sum()
    assert len(ds["reps"]) == 35 and ds["reps"]["manager"].nunique() == 6 and ds["reps"]["region"].nunique() == 3
    assert "technolgy" not in set(ds["customers"]["industry"]) and "technology" in set(ds["customers"]["industry"])
    assert ds["stages"]["stage"].tolist() == ["Engaging", "Won"]
    assert set(leads.loc[leads["status"] == "lost", "stage"]) == {"Engaging"}  # engaged, then lost
    assert leads["customer_id"].isna().sum() == raw.loc[raw["engage_date"].notna(), "account"].isna().sum()
    assert not ds.errors and not [w for w in ds.warnings if w.kind != "unknown_file"]


@pytest.mark.real
@pytest.mark.slow
def test_online_retail(real_data, tmp_path):
    report = import_mapping(MAPPINGS / "online_retail.yaml", input=real_data / "uci_online_retail",
                            out=tmp_path / "ds")
    assert report.files[0]["rows_read"] == 541_909 and report.tables["orders"] == 541_909
    assert report.filled[0] == {"table": "orders", "column": "customer_id", "value": "GUEST", "rows": 135_080,
                                "reason": "blank CustomerID"}
    raw = pd.read_csv(tmp_path / "ds" / "orders.csv", dtype={"order_id": str, "customer_id": str, "product_id": str})
    assert raw["order_id"].nunique() == 25_900
    assert raw.loc[raw["customer_id"] != "GUEST", "customer_id"].nunique() == 4_372
    assert raw["order_id"].str.startswith("C").sum() == 9_288 and (raw.loc[raw["order_id"].str.startswith("C"),
                                                                           "amount"] <= 0).all()
    assert raw["amount"].sum() == pytest.approx(9_747_747.93, abs=0.01)
    ds = load_dataset(tmp_path / "ds")  # strict
    # line identity: every line is kept, revenue stays whole; the 5,268 lines that repeat an earlier line
    # cell for cell are reported with their money (the 2 that differ only in Description are not repeats)
    assert len(ds["orders"]) == 541_909 and ds["orders"]["amount"].sum() == pytest.approx(9_747_747.93, abs=0.01)
    assert [w.count for w in ds.warnings if w.kind == "exact_duplicate"] == [5_268]
    assert raw["line_id"].nunique() == 541_909 - 5_268 and report.columns["online_retail.csv.gz"][
        "orders.line_id"] == "(line number in the file)"
    assert len(ds["customers"]) == 4_373 and "GUEST" in set(ds["customers"]["customer_id"])
    assert ds["customers"].set_index("customer_id").loc["12346", "region"] == "United Kingdom"
    assert len(ds["products"]) == raw["product_id"].nunique()


@pytest.mark.real
@pytest.mark.slow
def test_workbench_runs_on_the_maven_import(real_data, tmp_path):
    out = tmp_path / "maven"
    assert main(["import", "mapping", "--mapping", str(MAPPINGS / "maven_sales_pipeline.yaml"),
                 "--input", str(real_data / "maven_crm_sales_opportunities"), "--out", str(out)]) == 0
    assert main(["run", "--data", str(out), "--only", "00_data_quality", "20_channel_evaluation",
                 "--out", str(tmp_path / "reports")]) == 0
    run = json.loads(next(Path(tmp_path / "reports").glob("*/run.json")).read_text(encoding="utf-8"))
    assert run["status"] == "ok"


def test_status_spellings_through_the_shared_alias_table(tmp_path):
    """No value map needed for Closed Won / 赢单 / 丢单: the importers use the loader's alias table."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "crm.csv").write_text(
        "id,created,status,source\nL1,2024-01-02,Closed Won,web\nL2,2024-01-03,赢单,web\n"
        "L3,2024-01-04,丢单,web\nL4,2024-01-05,In Progress,web\nL5,2024-01-06,closed-lost,web\n", encoding="utf-8")
    mapping = {"tables": {"leads": {"file": "crm.csv", "columns": {
        "lead_id": "id", "created_date": "created", "status": "status", "channel_id": "source"}},
        "channels": {"rows": [{"channel_id": "web", "name": "Web", "type": "ecommerce"}]}}}
    import_mapping(mapping, input=tmp_path / "in", out=tmp_path / "ds")
    leads = load_dataset(tmp_path / "ds")["leads"]
    assert leads["status"].tolist() == ["won", "won", "lost", "open", "lost"]
    (tmp_path / "in" / "crm.csv").write_text("id,created,status,source\nL1,2024-01-02,Closed Wonn,web\n",
                                             encoding="utf-8")
    with pytest.raises(MappingError, match=r"'Closed Wonn' \(1 rows; did you mean closedwon → won"):
        import_mapping(mapping, input=tmp_path / "in", out=tmp_path / "ds2")
    # the params-style value_aliases section adds spellings, for the importer as for the loader
    mapping["value_aliases"] = {"leads.status": {"Closed Wonn": "won"}}
    import_mapping(mapping, input=tmp_path / "in", out=tmp_path / "ds3")
    assert load_dataset(tmp_path / "ds3")["leads"]["status"].tolist() == ["won"]
    mapping["value_aliases"] = {"leads.statuz": {"Closed Wonn": "won"}}
    with pytest.raises(MappingError, match="value_aliases: 'leads.statuz' is no column of the data model"):
        import_mapping(mapping, input=tmp_path / "in", out=tmp_path / "ds4")
