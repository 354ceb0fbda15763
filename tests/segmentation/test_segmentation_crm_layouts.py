"""Back into the CRM: Zoho and Fxiaoke import layouts only with the CRM's own ids; otherwise a note, never invented ids."""

import pandas as pd
import pytest

import workbench as wb
import workbench.segmentation as seg
from workbench.data import load_dataset
from workbench.importers import import_fxiaoke, import_mapping, import_zoho
from workbench.paths import SAMPLE_DIR
from workbench.privacy import mask_dataset

ZOHO_ACCOUNTS = """Record Id,Account Owner.id,Account Owner,Account Name,Account Type,Industry,Rating,Billing City,Billing State,Billing Country,Created Time
4876876000000111001,zcrm_4876876000000223001,Alice Wong,Acme Ltd,Customer,Manufacturing,Active,Leeds,West Yorkshire,UK,2023-11-02 10:00:00
4876876000000111002,zcrm_4876876000000223002,Bob Li,Beta Co,Prospect,Retail,,Shanghai,,China,2024-01-20 09:00:00
4876876000000111003,zcrm_4876876000000223002,Bob Li,"=HYPERLINK(""http://x"")",Customer,Retail,,Shanghai,,China,2024-01-20 09:00:00
"""


def _orders(ids: list[str]) -> pd.DataFrame:
    """Three to five orders per customer over a year (enough for RFM; CLV may or may not fit)."""
    rows = []
    for i, cid in enumerate(ids):
        for k in range(3 + i % 3):
            rows.append({"order_id": f"SO-{i}-{k}", "order_date": f"2024-{1 + (k * 3 + i) % 12:02d}-15",
                         "customer_id": cid, "amount": 1000.0 * (i + 1) + 10 * k})
    return pd.DataFrame(rows)


def _segment(folder, **params):
    """What the notebook computes, from the dataset folder to the CRM layouts."""
    ds = load_dataset(folder)
    p = seg.SegmentationParams(data_dir=str(folder), min_repeat_buyers=5, **params)
    if p.mask_pii:  # as the runner hands a masked run its dataset
        mask_dataset(ds)
    prep = seg.prepare(ds, p)
    rfm = seg.rfm_table(prep, p)
    value = seg.value_tiers(rfm, seg.clv_table(prep, rfm, p), p)
    plays = seg.assign_plays(value, p)
    attrs = seg.attributes(prep, rfm, ds)
    export = seg.crm_export(plays, rfm, attrs, None, p)
    return ds, p, export, seg.crm_layouts(plays, rfm, attrs, None, ds, p)


@pytest.fixture
def zoho_ds(tmp_path):
    """Zoho Accounts imported; Zoho has no orders module, so orders keyed by the account Record Id come beside it."""
    src = tmp_path / "Accounts.csv"
    src.write_text(ZOHO_ACCOUNTS, encoding="utf-8-sig")
    out = tmp_path / "ds"
    import_zoho([src], out=out, currency="USD")
    _orders(["4876876000000111001", "4876876000000111002", "4876876000000111003"]).to_csv(
        out / "orders.csv", index=False)
    return out


def test_import_records_provenance(zoho_ds):
    meta = load_dataset(zoho_ds).meta
    assert meta.source == "zoho" and meta.crm_ids == {"customers.customer_id": "Record Id"}


def test_zoho_layout_carries_zoho_record_ids(zoho_ds):
    ds, p, export, lay = _segment(zoho_ds)
    z = lay["zoho"]
    assert z.ok and z.source == "zoho" and z.id_field == "Record Id"
    t = z.table
    assert list(t.columns) == seg.strategy.ZOHO_COLUMNS
    # every account, with its own Zoho Record Id and name, in the list's order
    assert t["Record Id"].tolist() == export["customer_id"].tolist()
    assert sorted(t["Record Id"]) == ["4876876000000111001", "4876876000000111002", "4876876000000111003"]
    names = dict(zip(t["Record Id"], t["Account Name"], strict=True))
    assert names["4876876000000111001"] == "Acme Ltd" and names["4876876000000111002"] == "Beta Co"
    # tags: value tier; RFM segment; play, in English (zoho_lang), ;-separated
    row = export.iloc[0]
    assert t["Tag"].iloc[0] == f"{row['tier_en']};{row['rfm_segment_en']};{row['play_en']}"
    assert t["Workbench Tier"].tolist() == export["tier_en"].tolist()
    assert t["Workbench Action"].tolist() == export["recommended_action_en"].tolist()
    # the Fxiaoke layout is not written with Zoho ids
    f = lay["fxiaoke"]
    assert not f.ok and f.reason == "other_source" and f.source == "zoho"


def test_zoho_layout_language_and_tags_are_params_not_the_report_language(zoho_ds):
    _, _, export, en = _segment(zoho_ds)
    _, _, _, zh_report = _segment(zoho_ds, lang="zh")
    pd.testing.assert_frame_equal(en["zoho"].table, zh_report["zoho"].table)
    _, _, _, zh = _segment(zoho_ds, zoho_lang="zh", crm_tags=["play"])
    assert zh["zoho"].table["Tag"].tolist() == export["play_zh"].tolist()
    assert zh["zoho"].table["Workbench Action"].tolist() == export["recommended_action_zh"].tolist()


def test_masked_run_keeps_record_ids_and_empties_names(zoho_ds):
    _, _, _, lay = _segment(zoho_ds, mask_pii=True)
    t = lay["zoho"].table
    assert t["Account Name"].isna().all()
    assert sorted(t["Record Id"]) == ["4876876000000111001", "4876876000000111002", "4876876000000111003"]


FX_CUSTOMERS = pd.DataFrame({
    "客户编号": ["KH-0001", "KH-0002", "KH-0003", "KH-0004"],
    "客户名称": ["星河科技有限公司", "华东贸易有限公司", "蓝海酒店", "山川物流"],
    "客户级别": ["A类", "B类", "C类", "C类"],
    "创建时间": ["2023-01-05 10:00", "2023-02-01 09:00", "2023-03-01 11:00", "2023-03-02 11:00"],
})


def _fx_orders(id_column: str, ids: list[str]) -> pd.DataFrame:
    o = _orders(ids)
    return pd.DataFrame({"销售订单编号": o["order_id"], id_column: o["customer_id"], "下单日期": o["order_date"],
                         "订单金额": o["amount"].map(lambda v: f"¥{v:,.2f}")})


def test_fxiaoke_layout_by_customer_number(tmp_path):
    FX_CUSTOMERS.to_excel(tmp_path / "客户.xlsx", index=False)
    _fx_orders("客户编码", FX_CUSTOMERS["客户编号"].tolist()).to_excel(tmp_path / "销售订单.xlsx", index=False)
    out = tmp_path / "ds"
    import_fxiaoke(out=out, customers=tmp_path / "客户.xlsx", orders=tmp_path / "销售订单.xlsx")
    assert load_dataset(out).meta.crm_ids == {"customers.customer_id": "客户编号"}
    ds, p, export, lay = _segment(out)
    f = lay["fxiaoke"]
    assert f.ok and list(f.table.columns) == ["客户编号", "客户名称", "客户级别", "标签"]
    t = f.table
    assert t["客户编号"].tolist() == export["customer_id"].tolist()
    assert sorted(t["客户编号"]) == ["KH-0001", "KH-0002", "KH-0003", "KH-0004"]
    # 客户级别 is the value tier through fxiaoke_levels; 标签 in Chinese (fxiaoke_lang)
    assert t["客户级别"].tolist() == export["tier"].map(p.fxiaoke_levels).tolist()
    assert t["标签"].tolist() == (export["tier_zh"].astype("str") + ";" + export["rfm_segment_zh"].astype("str") + ";" + export["play_zh"].astype("str")).tolist()
    assert f.unknown_levels == [] and f.left_out == 0  # A类/B类/C类 are the levels the tenant uses
    z = lay["zoho"]
    assert not z.ok and z.reason == "other_source" and z.source == "fxiaoke"
    # levels the tenant does not have are named
    _, p2, _, lay2 = _segment(out, fxiaoke_levels={"VIP": "重要客户", "key": "A类", "regular": "C类",
                                                   "low value": "C类"})
    assert lay2["fxiaoke"].unknown_levels == ["重要客户"]
    # the Chinese page of a Fxiaoke dataset: Chinese words, the CRM's headers and the data's ids only
    from workbench.reporting.checks import english_words

    page = _html(lay2, p2.model_copy(update={"lang": "zh"}))
    assert "参数中设置的客户级别 重要客户 不在导入客户现有的级别中" in page
    assert "VIP 客户 → 重要客户；重点客户 → A类" in page
    assert english_words(page, ["KH"]) == {}


def test_fxiaoke_data_ids_with_a_number_column_use_the_number(tmp_path):
    cust = FX_CUSTOMERS.assign(_id=["65a0c1", "65a0c2", "65a0c3", "65a0c4"])
    cust.to_excel(tmp_path / "客户.xlsx", index=False)
    _fx_orders("客户ID", cust["_id"].tolist()).to_excel(tmp_path / "销售订单.xlsx", index=False)
    out = tmp_path / "ds"
    import_fxiaoke(out=out, customers=tmp_path / "客户.xlsx", orders=tmp_path / "销售订单.xlsx")
    assert load_dataset(out).meta.crm_ids == {"customers.customer_id": "_id",
                                              "customers.customer_number": "客户编号"}
    _, _, export, lay = _segment(out)
    number = dict(zip(cust["_id"], cust["客户编号"], strict=True))
    assert lay["fxiaoke"].table["客户编号"].tolist() == export["customer_id"].map(number).tolist()

    # without the number column: Fxiaoke data ids are not 客户编号, so no file and a note saying so
    cust.drop(columns="客户编号").to_excel(tmp_path / "客户.xlsx", index=False)
    import_fxiaoke(out=out, customers=tmp_path / "客户.xlsx", orders=tmp_path / "销售订单.xlsx", force=True)
    _, p, _, lay = _segment(out)
    f = lay["fxiaoke"]
    assert not f.ok and f.reason == "no_crm_ids" and f.id_field == "_id"
    html = _html(lay, p)
    assert "no 客户编号 (the ids are Fxiaoke data ids, _id)" in html


def _html(layouts, p):
    rpt = wb.Report(p, labels=seg.LABELS)
    return seg.show_crm_layouts(rpt, layouts, p).data


def test_sample_gets_the_generic_list_and_says_why(tmp_path):
    ds, p, export, lay = _segment(SAMPLE_DIR)
    assert len(export) > 100
    assert (lay["zoho"].ok, lay["zoho"].reason, lay["fxiaoke"].ok, lay["fxiaoke"].reason) == (
        False, "no_source", False, "no_source")
    en = _html(lay, p)
    assert "these customer ids are not Zoho Record Ids: the dataset was not imported from a CRM" in en
    assert "these customer ids are not Fxiaoke 客户编号" in en and "match on Account Name instead" in en
    zh = _html(lay, p.model_copy(update={"lang": "zh"}))
    assert "这些客户编号不是 Zoho 的记录 ID：该数据集不是从 CRM 导入的" in zh
    assert "这些客户编号不是纷享销客的客户编号" in zh
    from workbench.reporting.checks import english_words

    assert english_words(zh) == {}


def test_mapping_import_is_named_as_the_source(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _orders(["C1", "C2", "C3"]).rename(columns={"order_id": "单号"}).to_csv(src / "sales.csv", index=False)
    mapping = {"name": "ERP", "tables": {"orders": {"file": "sales.csv", "columns": {
        "order_id": "单号", "order_date": "order_date", "customer_id": "customer_id", "amount": "amount"}}}}
    import_mapping(mapping, input=src, out=tmp_path / "ds")
    assert load_dataset(tmp_path / "ds").meta.source == "mapping"
    _, p, _, lay = _segment(tmp_path / "ds")
    assert lay["zoho"].reason == "other_source" and lay["zoho"].source == "mapping"
    assert "the dataset came from files imported through a mapping file" in _html(lay, p)


def test_tiers_without_a_level_are_left_blank_and_named(tmp_path):
    FX_CUSTOMERS.to_excel(tmp_path / "客户.xlsx", index=False)
    _fx_orders("客户编码", FX_CUSTOMERS["客户编号"].tolist()).to_excel(tmp_path / "销售订单.xlsx", index=False)
    import_fxiaoke(out=tmp_path / "ds", customers=tmp_path / "客户.xlsx", orders=tmp_path / "销售订单.xlsx")
    rules = [{"tier": "top", "top_share": 0.5}, {"tier": "rest", "top_share": 1.0}]
    _, p, export, lay = _segment(tmp_path / "ds", tier_rules=rules, fxiaoke_levels={"top": "A类"},
                                 playbook=[{"play": "all", "action": "x"}])
    f = lay["fxiaoke"]
    assert f.unmapped_tiers == ["rest"]
    level = dict(zip(f.table["客户编号"], f.table["客户级别"], strict=True))
    tier = dict(zip(export["customer_id"], export["tier"], strict=True))
    assert {k: (v if isinstance(v, str) else None) for k, v in level.items()} == {
        k: ("A类" if t == "top" else None) for k, t in tier.items()}
    assert "have no 客户级别 in fxiaoke_levels" in _html(lay, p)


def test_views_save_the_layouts_with_the_crms_own_headers(zoho_ds, tmp_path):
    ds, p, export, lay = _segment(zoho_ds)
    out = tmp_path / "tables"
    for lang in ("en", "zh"):
        q = p.model_copy(update={"lang": lang, "output_dir": str(out / lang)})
        html = seg.show_crm_layouts(wb.Report(q, labels=seg.LABELS), lay, q).data
        if lang == "en":
            assert "Zoho CRM: 3 accounts, keyed by the Zoho Record Id" in html and "<th" in html
            assert "these customer ids are not Fxiaoke 客户编号: the dataset came from Zoho CRM" in html
        else:
            assert "Zoho CRM：3 个客户，以导出时的 Zoho 记录 ID 为键" in html
            assert "这些客户编号不是纷享销客的客户编号：数据来自Zoho CRM" in html
        assert "Record Id" in html and "Account Name" in html  # the CRM's own headers, not translated
    en = pd.read_csv(out / "en" / "crm_import_zoho.csv", encoding="utf-8-sig", dtype=str)
    zh = pd.read_csv(out / "zh" / "crm_import_zoho.csv", encoding="utf-8-sig", dtype=str)
    pd.testing.assert_frame_equal(en, zh)  # the same file whatever the report's language
    assert list(en.columns) == seg.strategy.ZOHO_COLUMNS
    assert sorted(en["Record Id"]) == ["4876876000000111001", "4876876000000111002", "4876876000000111003"]
    assert not (out / "en" / "crm_import_fxiaoke.csv").exists()


def test_ids_masked_as_personal_data_are_left_out_and_counted(zoho_ds):
    from types import SimpleNamespace

    ds, p, export, _ = _segment(zoho_ds)
    masked = export.copy()
    masked.loc[0, "customer_id"] = mask_dataset(SimpleNamespace(
        tables={"customers": pd.DataFrame({"customer_id": ["13800138000"]})}, issues=[])).tables[
        "customers"]["customer_id"][0]
    assert masked.loc[0, "customer_id"].startswith("[phone-")
    z = seg.strategy.layouts_of(masked, ds, p)["zoho"]
    assert z.left_out == 1 and z.table["Record Id"].tolist() == export["customer_id"].tolist()[1:]
    assert "1 customer(s) have no id the CRM can match" in _html({"zoho": z}, p)
