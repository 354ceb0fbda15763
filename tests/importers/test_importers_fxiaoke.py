"""Fxiaoke (纷享销客) exports → canonical tables: Chinese labels and API names, epoch ms, GBK, renamed labels."""

import pandas as pd
import pytest

from workbench.cli import main
from workbench.data import load_dataset
from workbench.importers import MappingError, import_fxiaoke
from workbench.sample import build_sample


def ms(day: str) -> str:
    """Epoch milliseconds of midnight in Beijing, as the open API writes dates."""
    return str(int(pd.Timestamp(day, tz="Asia/Shanghai").timestamp() * 1000))


def write_xlsx(path, df, title=None, sheet="Sheet1"):
    with pd.ExcelWriter(path) as w:
        start = 0
        if title:
            pd.DataFrame([[title]]).to_excel(w, sheet_name=sheet, index=False, header=False)
            start = 1
        df.to_excel(w, sheet_name=sheet, index=False, startrow=start)
    return path


def write_csv_gbk(path, df, title=None):
    text = (title + "\n" if title else "") + df.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(text.encode("gbk"))
    return path


CUSTOMERS = pd.DataFrame({
    "客户名称": ["星河科技有限公司", "华东贸易有限公司", "华东贸易有限公司", "蓝海酒店", "作废客户"],
    "客户级别": ["A类", "B类", "C类", "A类", "C类"],
    "客户来源": ["展会", "电话营销", "代理商", "展会", "其他"],
    "行业": ["制造业", "批发零售", "批发零售", "酒店", None],
    "区域": ["华东", "华东", "华南", "西南", "华北"],
    "城市": ["上海", "杭州", "广州", "成都", "北京"],
    "负责人": ["张三", "李四", "李四", "张三", "李四"],
    "负责人所在部门": ["华东一部", "华东二部", "华东二部", "华东一部", "华东二部"],
    "创建时间": ["2024-01-05 10:00", "2024-02-01 09:00", "2024-02-03 09:00", "2024-03-01 11:00", "2024-03-02 11:00"],
    "生命状态": ["正常", "正常", "正常", "正常", "作废"],
})
OPPS = pd.DataFrame({
    "商机名称": ["星河门锁项目", "华东贸易年框", "蓝海客房改造", "星河二期", "无效商机", "蓝海大堂"],
    "客户名称": ["星河科技有限公司", "华东贸易有限公司", "蓝海酒店", "星河科技有限公司", "蓝海酒店", "蓝海酒店"],
    "销售阶段": ["赢单", "输单", "方案/报价", "验证客户", "无效", "谈判审核"],
    "商机状态": ["赢单", "输单", "进行中", "进行中", "无效", "进行中"],
    "商机金额": ["120,000.00", "3.5万", "88000", "", "1", "￥50,000.00"],
    "结单日期": [ms("2024-04-01"), ms("2024-04-20"), ms("2024-09-30"), "", "", ms("2024-10-31")],
    "赢率": ["100%", "0%", "60%", "10%", "0%", "80%"],
    "负责人": ["张三", "李四", "张三", "张三", "李四", "张三"],
    "输单原因": ["", "价格过高", "", "", "", ""],
    "创建时间": [ms("2024-02-01"), ms("2024-02-10"), ms("2024-03-05"), ms("2024-03-06"), ms("2024-03-07"),
             ms("2024-03-08")],
})


@pytest.fixture
def display_exports(tmp_path):
    """客户 as Excel with a title row; 商机 as a CSV re-saved by Excel in GBK, with a title row."""
    c = write_xlsx(tmp_path / "客户.xlsx", CUSTOMERS, title="客户列表 导出时间：2024-11-27")
    o = write_csv_gbk(tmp_path / "商机.csv", OPPS, title="商机列表")
    return c, o


def test_display_label_exports(display_exports, tmp_path):
    out = tmp_path / "ds"
    report = import_fxiaoke(list(display_exports), out=out)
    ds = load_dataset(out)
    cust = ds["customers"]
    assert cust["customer_id"].tolist() == ["星河科技有限公司", "华东贸易有限公司", "华东贸易有限公司 (2)", "蓝海酒店"]
    assert cust.set_index("customer_id").loc["星河科技有限公司", ["tier", "acquisition_channel_id", "industry",
                                                             "region", "city"]].tolist() == [
        "A类", "展会", "制造业", "华东", "上海"]
    leads = ds["leads"]
    # 无效 (invalid) is a deal closed without a sale: lost, as the loader's alias table says, not dropped
    assert leads["lead_id"].tolist() == [f"FX-OPP-00000{i}" for i in range(1, 7)]
    assert leads["status"].tolist() == ["won", "lost", "open", "open", "lost", "open"]
    assert leads["amount"].tolist()[:3] == [120000.0, 35000.0, 88000.0] and pd.isna(leads["amount"][3])
    assert leads["amount"][4] == 1.0 and leads["amount"][5] == 50000.0
    # epoch ms in Beijing time: the same calendar day, closed_date only on closed deals
    assert leads["created_date"][0] == pd.Timestamp("2024-02-01") and leads["closed_date"][0] == pd.Timestamp("2024-04-01")
    assert pd.isna(leads["closed_date"][2]) and leads["expected_close_date"][2] == "2024-09-30"
    assert leads["probability"].astype(float).tolist() == [1.0, 0.0, 0.6, 0.1, 0.0, 0.8]  # extras load as text
    # linked by name: the ambiguous name stays unlinked, the others link
    assert leads["customer_id"].tolist()[0] == "星河科技有限公司" and pd.isna(leads["customer_id"][1])
    assert any("华东贸易有限公司 (1)" in w and "more than one customer" in w for w in report.warnings)
    # channel: the opportunity has no source of its own, its customer's 客户来源 is used
    assert leads["channel_id"].tolist() == ["展会", "(blank)", "展会", "展会", "展会", "展会"]
    assert leads["lost_reason"].tolist()[1] == "价格过高" and leads["rep_id"].tolist()[0] == "张三"
    # 输单 as a stage is where a deal closed, not a stage reached: blank, and not a pipeline stage
    assert ds["stages"]["stage"].tolist() == ["验证客户", "方案/报价", "谈判审核", "赢单"]
    assert pd.isna(leads["stage"][1]) and leads["crm_stage"][1] == "输单"
    assert pd.isna(leads["stage"][4]) and leads["crm_stage"][4] == "无效"
    assert ds["reps"].set_index("rep_id")["team"].to_dict() == {"张三": "华东一部", "李四": "华东二部"}
    ch = ds["channels"].set_index("channel_id")["type"].to_dict()
    assert ch == {"代理商": "distributor", "展会": "direct", "电话营销": "telesales"}  # (blank) is no channel
    assert ds.meta.currency == "CNY"
    # the report: files, drops with reasons, fills
    assert [(f["file"], f["header_line"], f["encoding"]) for f in report.files] == [
        ("客户.xlsx", 2, None), ("商机.csv", 2, "gb18030")]
    dropped = {(d["table"], d["reason"]): d["rows"] for d in report.dropped}
    assert dropped == {("customers", "生命状态 is 作废 (voided)"): 1}
    assert report.tables == {"leads": 6, "stages": 4, "customers": 4, "reps": 2, "channels": 3}
    assert {"table": "leads", "column": "channel_id", "value": "(blank)", "rows": 1,
            "reason": "no source on the opportunity or its customer"} in report.filled


def test_api_name_exports_with_ids(tmp_path):
    cust = pd.DataFrame({"_id": ["65a0c1", "65a0c2"], "name": ["星河科技", "蓝海酒店"],
                         "account_level": ["A", "B"], "account_source": ["合作伙伴", "天猫"],
                         "create_time": [int(ms("2023-12-31")), int(ms("2024-01-02"))]})
    opps = pd.DataFrame({"_id": ["op1", "op2"], "name": ["门锁", "客房"], "account_id": ["65a0c1", "65a0c9"],
                         "account_id__r": ["星河科技", "新客户"], "sales_stage": ["赢单", "需求确定"],
                         "amount": ["12000.00", "800.5"], "close_date": [ms("2024-05-01"), ms("2024-06-01")],
                         "owner": ['["1001"]', '["1002"]'], "owner__r": ["张三", "李四"],
                         "create_time": [ms("2024-03-01"), ms("2024-03-02")]})
    orders = pd.DataFrame({"name": ["SO-2024-0001", "SO-2024-0002"], "account_id": ["65a0c1", "65a0c2"],
                           "order_time": [int(ms("2024-05-02")), int(ms("2024-05-03"))],
                           "order_amount": ["¥12,000.00", "¥3,000.00"], "received_amount": ["12000", "0"],
                           "owner": ["1001", "1001"], "life_status": ["normal", "invalid"]})
    paths = [write_xlsx(tmp_path / f"{n}.xlsx", df) for n, df in (("a", cust), ("b", opps), ("c", orders))]
    report = import_fxiaoke(paths, out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    leads = ds["leads"]
    assert leads[["lead_id", "status", "amount", "customer_id", "rep_id"]].values.tolist() == [
        ["op1", "won", 12000.0, "65a0c1", "1001"], ["op2", "open", 800.5, "65a0c9", "1002"]]
    assert leads["created_date"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02")]
    assert leads["channel_id"].tolist() == ["合作伙伴", "(blank)"]  # op2's customer is not in the 客户 export
    cust_out = ds["customers"].set_index("customer_id")
    assert cust_out.loc["65a0c9", "name"] == "新客户"  # known by id from the opportunity: a stub
    assert cust_out.loc["65a0c1", "created_date"] == pd.Timestamp("2023-12-31")
    o = ds["orders"]
    assert o[["order_id", "customer_id", "amount", "rep_id"]].values.tolist() == [
        ["SO-2024-0001", "65a0c1", 12000.0, "1001"]]
    assert o["order_date"].tolist() == [pd.Timestamp("2024-05-02")] and o["paid_amount"].tolist() == ["12000"]
    assert ds["reps"].set_index("rep_id")["name"].to_dict() == {"1001": "张三", "1002": "李四"}
    assert [d["reason"] for d in report.dropped] == ["life_status is 作废 (voided)"]


def test_tenant_renamed_labels_through_a_mapping(tmp_path):
    opps = OPPS.rename(columns={"商机金额": "签约金额(元)", "商机状态": "跟进状态"}).drop(columns=["销售阶段"])
    p = write_xlsx(tmp_path / "商机.xlsx", opps)
    with pytest.raises(MappingError, match="neither a status .* nor a stage column"):
        import_fxiaoke(opportunities=p, out=tmp_path / "ds")
    m = tmp_path / "fx.yaml"
    m.write_text("columns:\n  opportunities:\n    status: 跟进状态\n    amount: 签约金额(元)\n"
                 "values:\n  status: {无效: lost}\ncurrency: CNY\n", encoding="utf-8")
    report = import_fxiaoke(opportunities=p, out=tmp_path / "ds", mapping=m)
    leads = load_dataset(tmp_path / "ds")["leads"]
    assert leads["status"].tolist() == ["won", "lost", "open", "open", "lost", "open"]  # 无效 kept as lost
    assert leads["amount"].tolist()[0] == 120000.0 and report.columns["商机.xlsx"]["amount"] == "签约金额(元)"


def test_unknown_status_values_and_wrong_object(display_exports, tmp_path):
    c, o = display_exports
    bad = OPPS.assign(商机状态=["赢单", "丢单", "进行中", "暂停", "暂停", "进行中"])
    p = write_csv_gbk(tmp_path / "bad.csv", bad)
    with pytest.raises(MappingError) as err:
        import_fxiaoke(opportunities=p, out=tmp_path / "ds")
    msg = str(err.value)
    # 丢单 is in the shared alias table (lost); 暂停 (paused) is not
    assert "bad.csv, column '商机状态': 1 value(s) the mapping to status does not know: '暂停' (2 rows)" in msg
    assert "(first at line 5, 6)" in msg and "values: {status:" in msg
    with pytest.raises(MappingError, match="given as a Fxiaoke 客户 .* looks like 商机"):
        import_fxiaoke(customers=o, out=tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_duplicate_order_numbers(tmp_path):
    orders = pd.DataFrame({"销售订单编号": ["SO1", "SO1"], "客户名称": ["甲", "甲"],
                           "下单日期": ["2024-01-02", "2024-01-03"], "订单金额": ["100", "200"]})
    p = write_xlsx(tmp_path / "订单.xlsx", orders)
    with pytest.raises(MappingError, match="column '销售订单编号': 1 record id\\(s\\) appear on 2 rows"):
        import_fxiaoke([p], out=tmp_path / "ds")


def test_cli_import_fxiaoke(display_exports, tmp_path, capsys):
    c, o = display_exports
    assert main(["import", "fxiaoke", "--customers", str(c), "--opportunities", str(o),
                 "--out", str(tmp_path / "ds")]) == 0
    assert "wrote   leads: 6 rows" in capsys.readouterr().out


# ----------------------------------------------------------------------------- round trip

_STATUS_ZH = {"won": "赢单", "lost": "输单", "open": "进行中"}


def _blank(df):
    return df.astype(object).where(df.notna() & df.astype(str).ne(""), None)


def test_sample_round_trip_through_fxiaoke_layout(tmp_path):
    """The sample company as Fxiaoke exports (labels, epoch ms, amount strings, a renamed label), imported back."""
    t, _ = build_sample(seed=3, scale=0.05)
    leads, cust, reps, ch = t["leads"], t["customers"], t["reps"], t["channels"]
    ch_name = ch.set_index("channel_id")["name"]
    cust_name = cust.set_index("customer_id")["name"]
    rep_name = reps.set_index("rep_id")["name"]
    customers = pd.DataFrame({
        "客户编号": cust["customer_id"], "客户名称": cust["name"], "客户级别": cust["tier"],
        "客户来源": cust["acquisition_channel_id"].map(ch_name), "行业": cust["industry"], "区域": cust["region"],
        "城市": cust["city"], "创建时间": cust["created_date"].map(ms),
    })
    opps = pd.DataFrame({
        "商机编号": leads["lead_id"], "商机名称": "商机" + leads["lead_id"],
        "客户名称": leads["customer_id"].map(cust_name), "销售阶段": leads["stage"],
        "商机状态": leads["status"].map(_STATUS_ZH), "预计签约额": leads["amount"].map(lambda v: f"{v:,.2f}"),
        "结单日期": leads["closed_date"].map(lambda d: ms(d) if d else ""), "负责人": leads["rep_id"].map(rep_name),
        "员工编号": leads["rep_id"], "商机来源": leads["channel_id"].map(ch_name), "输单原因": leads["lost_reason"],
        "竞争对手": leads["competitor"], "创建时间": leads["created_date"].map(ms),
    })
    orders = t["orders"].groupby("order_id", as_index=False).agg(
        order_date=("order_date", "first"), customer_id=("customer_id", "first"), amount=("amount", "sum"))
    so = pd.DataFrame({"销售订单编号": orders["order_id"], "客户ID": orders["customer_id"],
                       "客户名称": orders["customer_id"].map(cust_name), "下单日期": orders["order_date"],
                       "订单金额": orders["amount"].map(lambda v: f"¥{v:,.2f}")})
    write_xlsx(tmp_path / "客户.xlsx", customers, title="客户")
    write_csv_gbk(tmp_path / "商机.csv", opps)
    write_xlsx(tmp_path / "销售订单.xlsx", so)
    m = tmp_path / "fx.yaml"
    m.write_text(
        "columns:\n  opportunities:\n    amount: 预计签约额\n    owner_id: 员工编号\n"
        f"values:\n  channel_id: {{{', '.join(f'{n}: {i}' for i, n in ch_name.items())}}}\n"
        f"channel_types: {{{', '.join(f'{i}: {ty}' for i, ty in ch.set_index('channel_id')['type'].items())}}}\n",
        encoding="utf-8")
    report = import_fxiaoke(out=tmp_path / "ds", customers=tmp_path / "客户.xlsx",
                            opportunities=tmp_path / "商机.csv", orders=tmp_path / "销售订单.xlsx", mapping=m)
    ds = load_dataset(tmp_path / "ds")

    dupe_names = set(cust.loc[cust["name"].duplicated(keep=False), "name"])
    ambiguous = leads["customer_id"].map(cust_name).isin(dupe_names)
    got = ds["leads"].set_index("lead_id").loc[leads["lead_id"]].reset_index()
    want = leads.assign(created_date=pd.to_datetime(leads["created_date"]),
                        closed_date=pd.to_datetime(leads["closed_date"].replace("", None)))
    cols = ["lead_id", "created_date", "channel_id", "status", "stage", "closed_date", "amount", "rep_id",
            "lost_reason", "competitor"]
    pd.testing.assert_frame_equal(_blank(got[cols]), _blank(want[cols]), check_dtype=False)
    # customers linked by name (the 商机 display export has no customer id): equal, except names two customers share
    assert (got.loc[~ambiguous, "customer_id"].fillna("") == leads.loc[~ambiguous, "customer_id"]).all()
    assert got.loc[ambiguous, "customer_id"].isna().all()
    if ambiguous.any():
        assert any("more than one customer" in w for w in report.warnings)

    ccols = ["customer_id", "name", "industry", "region", "city", "created_date", "acquisition_channel_id", "tier"]
    gc = ds["customers"].set_index("customer_id").loc[cust["customer_id"]].reset_index()
    wc = cust.assign(created_date=pd.to_datetime(cust["created_date"]))
    pd.testing.assert_frame_equal(_blank(gc[ccols]), _blank(wc[ccols]), check_dtype=False)
    go = ds["orders"].set_index("order_id").loc[orders["order_id"]].reset_index()
    assert (go["customer_id"] == orders["customer_id"]).all()
    assert go["order_date"].tolist() == pd.to_datetime(orders["order_date"]).tolist()
    assert go["amount"].round(2).tolist() == orders["amount"].round(2).tolist()
    gs = ds["stages"].set_index("stage")
    pd.testing.assert_series_equal(gs["probability"], t["stages"].set_index("stage")["probability"], check_dtype=False)
    assert gs["order"].tolist() == t["stages"]["order"].tolist()
    gch = ds["channels"].set_index("channel_id")
    assert gch[["name", "type"]].to_dict("index") == ch.set_index("channel_id").loc[gch.index, ["name", "type"]].to_dict("index")


def test_example_override_file_is_valid(tmp_path):
    from workbench.paths import PROJ_ROOT

    opps = OPPS.rename(columns={"商机金额": "签约金额(元)", "商机状态": "跟进状态"}).assign(员工编号="E1")
    p = write_xlsx(tmp_path / "商机.xlsx", opps)
    import_fxiaoke(opportunities=p, out=tmp_path / "ds",
                   mapping=PROJ_ROOT / "params" / "mappings" / "fxiaoke_overrides.example.yaml")
    leads = load_dataset(tmp_path / "ds")["leads"]
    assert leads["status"].tolist()[4] == "lost" and set(leads["rep_id"]) == {"E1"}


def test_missing_creation_date_is_not_offered_another_date_field(tmp_path):
    """Issue 13: without 创建时间 the message named 预计成交日期 (the expected close date) as the fix."""
    o = OPPS.drop(columns=["创建时间"]).rename(columns={"结单日期": "预计成交日期"})
    o.to_csv(tmp_path / "商机.csv", index=False)
    with pytest.raises(MappingError) as err:
        import_fxiaoke([tmp_path / "商机.csv"], out=tmp_path / "out")
    msg = str(err.value)
    assert "'created' (looked for '创建时间'" in msg
    assert "Columns found: 商机名称, 客户名称, 销售阶段, 商机状态, 商机金额, 预计成交日期, 赢率" in msg
    assert "closest" not in msg and "{created: '预计成交日期'}" not in msg
    assert "{created: '<your column>'}" in msg
    assert not (tmp_path / "out").exists()


def test_a_renamed_creation_date_is_still_suggested(tmp_path):
    o = OPPS.rename(columns={"创建时间": "创建时间(北京)"})
    o.to_csv(tmp_path / "商机.csv", index=False)
    with pytest.raises(MappingError, match=r"closest: '创建时间\(北京\)'"):
        import_fxiaoke([tmp_path / "商机.csv"], out=tmp_path / "out")


# ----------------------------------------------------------------------------- 线索 and 订单产品

FX_LEADS = pd.DataFrame({
    "姓名": ["王一", "王二", "王三", "王四", "王五"],
    "公司": ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司"],
    "线索状态": ["跟进中", "已转换", "无效", "未分配", ""],
    "线索来源": ["渠道伙伴", "展会", "", "渠道伙伴", "官网"],
    "无效原因": ["", "", "联系不上", "", ""],
    "负责人": ["张三", "张三", "李四", "", "李四"],
    "创建时间": ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"],
})


def test_leads_export_alone(tmp_path):
    p = write_xlsx(tmp_path / "线索.xlsx", FX_LEADS)
    report = import_fxiaoke([p], out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    leads = ds["leads"]
    assert leads["lead_id"].tolist() == [f"FX-LEAD-00000{i}" for i in range(1, 6)]
    assert leads["status"].tolist() == ["open", "won", "lost", "open", "open"]  # blank: a lead not yet worked
    assert leads["channel_id"].tolist() == ["渠道伙伴", "展会", "(blank)", "渠道伙伴", "官网"]
    assert leads["lost_reason"].fillna("").tolist() == ["", "", "联系不上", "", ""]
    assert leads["company"].tolist() == ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司"]
    types = ds["channels"].set_index("channel_id")["type"].to_dict()
    assert types["渠道伙伴"] == "partner" and types["展会"] == "direct"
    assert {"table": "leads", "column": "status", "value": "open", "rows": 1,
            "reason": "blank 线索状态 (a lead not yet worked)"} in report.filled


def test_leads_with_opportunities_count_a_converted_lead_once(tmp_path):
    o = write_csv_gbk(tmp_path / "商机.csv", OPPS)
    p = write_xlsx(tmp_path / "线索.xlsx", FX_LEADS)
    report = import_fxiaoke(opportunities=o, leads=p, out=tmp_path / "ds")
    leads = load_dataset(tmp_path / "ds")["leads"]
    assert leads["record_type"].value_counts().to_dict() == {"opportunity": 6, "lead": 4}
    assert "FX-LEAD-000002" not in set(leads["lead_id"])
    dropped = {d["reason"]: d["rows"] for d in report.dropped if d["table"] == "leads"}
    assert dropped["线索状态 is 已转换 (converted): the opportunity it became is imported from the 商机 export"] == 1


ORDERS = pd.DataFrame({"销售订单编号": ["SO1", "SO2", "SO3"], "客户名称": ["甲", "乙", "甲"],
                       "下单日期": ["2024-03-01", "2024-03-02", "2024-03-05"],
                       "订单金额": ["300", "1,000", "50"], "已回款金额": ["300", "0", "50"]})
LINES = pd.DataFrame({
    "订单产品编号": ["L1", "L2", "L3", "L4"],
    "销售订单编号": ["SO1", "SO1", "SO2", "SO2"],
    "产品名称": ["门锁A", "门锁B", "门锁A", "安装服务"],
    "产品编码": ["P-A", "P-B", "P-A", ""],
    "数量": ["2", "1", "5", "1"],
    "销售单价": ["100", "100", "180", "200"],
    "小计": ["200", "100", "900", ""],
    "价格": ["120", "100", "120", "200"],
})


def test_order_product_lines_become_order_lines(tmp_path):
    so = write_xlsx(tmp_path / "销售订单.xlsx", ORDERS)
    op = write_xlsx(tmp_path / "订单产品.xlsx", LINES)
    report = import_fxiaoke([so, op], out=tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    o = ds["orders"]
    assert o[["order_id", "product_id", "amount", "customer_id"]].fillna("").values.tolist() == [
        ["SO1", "P-A", 200.0, "甲"], ["SO1", "P-B", 100.0, "甲"], ["SO2", "P-A", 900.0, "乙"],
        ["SO2", "安装服务", 200.0, "乙"], ["SO3", "", 50.0, "甲"]]
    assert o["order_date"].tolist()[:3] == [pd.Timestamp("2024-03-01")] * 2 + [pd.Timestamp("2024-03-02")]
    assert o["quantity"].fillna(-1).tolist() == [2, 1, 5, 1, -1]
    # money: lines add up to 1,450 while the headers say 1,350; paid counted once per order
    assert o["amount"].sum() == 1450.0
    assert pd.to_numeric(o["paid_amount"]).sum() == 350.0
    assert any("1 order(s) whose 订单产品 lines do not add up" in w and "+100.00" in w for w in report.warnings)
    assert any("SO3" in w and "no 订单产品 line" in w for w in report.warnings)
    assert {"table": "orders", "column": "amount", "value": "(数量 × 销售单价)", "rows": 1,
            "reason": "blank 小计: quantity times unit price"} in report.filled
    prod = ds["products"].set_index("product_id")
    assert prod["name"].to_dict() == {"P-A": "门锁A", "P-B": "门锁B", "安装服务": "安装服务"}
    assert prod["list_price"].to_dict() == {"P-A": 120.0, "P-B": 100.0, "安装服务": 200.0}
    assert o["line_id"].fillna("").tolist() == ["L1", "L2", "L3", "L4", ""]


def test_order_product_lines_alone_carry_their_own_date_and_customer(tmp_path):
    lines = LINES.drop(columns=["订单产品编号"]).assign(
        下单日期=["2024-03-01", "2024-03-01", "2024-03-02", ""], 客户名称=["甲", "甲", "乙", "乙"])
    lines.loc[4] = lines.loc[0]  # a second identical line of SO1 (same product, same quantity)
    op = write_xlsx(tmp_path / "订单产品.xlsx", lines)
    report = import_fxiaoke(order_products=op, out=tmp_path / "ds")
    o = load_dataset(tmp_path / "ds")["orders"]
    # the line without a date is dropped and counted; the identical lines share a line_id (line 2)
    assert o["order_id"].tolist() == ["SO1", "SO1", "SO2", "SO1"]
    assert o["line_id"].astype(str).tolist() == ["2", "3", "4", "2"]
    assert o["amount"].sum() == 200 + 100 + 900 + 200
    assert {(d["table"], d["reason"]): d["rows"] for d in report.dropped} == {
        ("orders", "no order date (下单日期) on the line or its 销售订单"): 1}


def test_api_order_lines_name_their_order_by_its_id(tmp_path):
    orders = pd.DataFrame({"_id": ["o1", "o2"], "name": ["SO-1", "SO-2"], "account_id": ["c1", "c2"],
                           "order_time": [ms("2024-05-02"), ms("2024-05-03")], "order_amount": ["30", "5"]})
    lines = pd.DataFrame({"_id": ["l1", "l2", "l3"], "order_id": ["o1", "o1", "o2"],
                          "product_id__r": ["门锁A", "门锁B", "门锁A"], "quantity": ["1", "2", "1"],
                          "sales_price": ["10", "10", "5"], "subtotal": ["10", "20", "5"]})
    paths = [write_xlsx(tmp_path / f"{n}.xlsx", df) for n, df in (("so", orders), ("lines", lines))]
    report = import_fxiaoke(paths, out=tmp_path / "ds")
    o = load_dataset(tmp_path / "ds")["orders"]
    assert o[["order_id", "customer_id", "amount"]].values.tolist() == [
        ["SO-1", "c1", 10.0], ["SO-1", "c1", 20.0], ["SO-2", "c2", 5.0]]
    assert o["order_date"].tolist() == [pd.Timestamp("2024-05-02")] * 2 + [pd.Timestamp("2024-05-03")]
    assert not any("not in the 销售订单 export" in w for w in report.warnings)


def test_cli_names_order_products_and_leads(tmp_path, capsys):
    so = write_xlsx(tmp_path / "a.xlsx", ORDERS)
    op = write_xlsx(tmp_path / "b.xlsx", LINES)
    le = write_xlsx(tmp_path / "c.xlsx", FX_LEADS)
    assert main(["import", "fxiaoke", "--orders", str(so), "--order-products", str(op), "--leads", str(le),
                 "--out", str(tmp_path / "ds")]) == 0
    out = capsys.readouterr().out
    assert "wrote   leads" in out and "wrote   orders" in out
    # the same as handing the files by position (each recognised from its headers)
    import_fxiaoke([so, op, le], out=tmp_path / "by_headers")
    named, guessed = load_dataset(tmp_path / "ds"), load_dataset(tmp_path / "by_headers")
    for table in ("orders", "leads"):
        assert len(named[table]) > 0 and named[table].equals(guessed[table])
