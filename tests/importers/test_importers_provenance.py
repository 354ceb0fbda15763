"""Provenance: an import records where the tables came from and which ids are the CRM's, and the segmentation
report writes a CRM's import layout only with that CRM's own ids (the importers' own fixtures)."""

import json

import pandas as pd
import yaml
from test_importers_fxiaoke import CUSTOMERS, OPPS, write_csv_gbk, write_xlsx
from test_importers_zoho import ACCOUNTS, DEALS, LEADS

import workbench as wb
import workbench.segmentation as seg
from workbench.data import load_dataset
from workbench.importers import import_fxiaoke, import_zoho

ZOHO_ACCOUNT_IDS = ["zcrm_4876876000000111001", "zcrm_4876876000000111002"]


def _orders(ids: list[str], id_column: str = "customer_id") -> pd.DataFrame:
    rows = []
    for i, cid in enumerate(ids):
        for k in range(2 + i % 3):
            rows.append({"order_id": f"SO-{i}-{k}", "order_date": f"2024-{1 + (4 * k + i) % 12:02d}-10",
                         id_column: cid, "amount": 500.0 * (i + 1) + k})
    return pd.DataFrame(rows)


def _layouts(folder):
    ds = load_dataset(folder)
    p = seg.SegmentationParams(data_dir=str(folder), min_repeat_buyers=5)
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    value = seg.value_tiers(rfm, seg.clv_table(prep, rfm, p), p)
    plays = seg.assign_plays(value, p)
    attrs = seg.attributes(prep, rfm, ds)
    return p, seg.crm_export(plays, rfm, attrs, None, p), seg.crm_layouts(plays, rfm, attrs, None, ds, p)


def test_zoho_fixture_round_trip(tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    for name, text in (("Deals.csv", DEALS), ("Accounts.csv", ACCOUNTS), ("Leads.csv", LEADS)):
        (d / name).write_text(text, encoding="utf-8-sig")
    out = tmp_path / "ds"
    import_zoho(sorted(d.iterdir()), out=out, currency="USD")
    meta = yaml.safe_load((out / "dataset.yaml").read_text(encoding="utf-8"))
    assert meta["source"] == "zoho"
    assert meta["crm_ids"] == {"customers.customer_id": "Record Id", "leads.lead_id": "Record Id"}
    assert json.loads((out / "import_report.json").read_text(encoding="utf-8"))["crm_ids"] == meta["crm_ids"]

    # Zoho has no orders module: the ERP's orders keyed by the account Record Id go beside the import
    _orders(ZOHO_ACCOUNT_IDS).to_csv(out / "orders.csv", index=False)
    p, export, lay = _layouts(out)
    z = lay["zoho"]
    assert z.ok and z.table["Record Id"].tolist() == export["customer_id"].tolist()
    assert sorted(z.table["Record Id"]) == ZOHO_ACCOUNT_IDS
    assert dict(zip(z.table["Record Id"], z.table["Account Name"], strict=True)) == {
        "zcrm_4876876000000111001": "Acme Ltd", "zcrm_4876876000000111002": "Beta Co"}
    assert not lay["fxiaoke"].ok and lay["fxiaoke"].reason == "other_source"


def test_fxiaoke_display_fixture_has_no_customer_numbers(tmp_path):
    """The list-view fixture has no id column: customers are known by name, so no Fxiaoke layout is written."""
    c = write_xlsx(tmp_path / "客户.xlsx", CUSTOMERS, title="客户列表 导出时间：2024-11-27")
    o = write_csv_gbk(tmp_path / "商机.csv", OPPS, title="商机列表")
    so = _orders(["星河科技有限公司", "蓝海酒店"], "客户名称").rename(
        columns={"order_id": "销售订单编号", "order_date": "下单日期", "amount": "订单金额"})
    s = write_xlsx(tmp_path / "销售订单.xlsx", so)
    out = tmp_path / "ds"
    import_fxiaoke([c, o, s], out=out)
    meta = load_dataset(out).meta
    assert meta.source == "fxiaoke" and meta.crm_ids == {}
    p, export, lay = _layouts(out)
    assert sorted(export["customer_id"]) == ["星河科技有限公司", "蓝海酒店"]  # names, not 客户编号
    f = lay["fxiaoke"]
    assert not f.ok and f.reason == "no_crm_ids" and f.id_field is None
    page = seg.show_crm_layouts(wb.Report(p, labels=seg.LABELS), lay, p).data
    assert "its customers carry no 客户编号 (the 客户 export had no id column, so customers are identified by " \
           "their names)" in page
    assert "these customer ids are not Zoho Record Ids: the dataset came from Fxiaoke (纷享销客)" in page


def test_fxiaoke_api_fixture_records_data_ids(tmp_path):
    cust = pd.DataFrame({"_id": ["65a0c1", "65a0c2"], "name": ["星河科技", "蓝海酒店"]})
    orders = pd.DataFrame({"name": ["SO-1", "SO-2"], "account_id": ["65a0c1", "65a0c2"],
                           "order_time": ["2024-05-02", "2024-05-03"], "order_amount": ["100", "200"]})
    a, b = write_xlsx(tmp_path / "a.xlsx", cust), write_xlsx(tmp_path / "b.xlsx", orders)
    import_fxiaoke(out=tmp_path / "ds", customers=a, orders=b)
    assert load_dataset(tmp_path / "ds").meta.crm_ids == {"customers.customer_id": "_id"}
    # orders alone link customers by their data id: stubs with that id
    import_fxiaoke(out=tmp_path / "ds2", orders=b)
    assert load_dataset(tmp_path / "ds2").meta.crm_ids == {"customers.customer_id": "_id"}
