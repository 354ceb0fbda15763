"""Fxiaoke (纷享销客) exports: 客户, 商机, 销售订单, 订单产品 and 线索 into the canonical model.

Fxiaoke exports Excel (sometimes CSV saved again by Excel in GBK) with Chinese
display labels (``客户名称``, ``销售阶段``, ``商机金额`` ...), or — from the open API
and integration tools — API names (``name``, ``owner``, ``sales_stage``, ``amount``,
``close_date``, ``account_source``) with dates as epoch milliseconds and amounts as
strings. Tenants rename labels: the defaults below cover the standard ones, and a
user mapping file adds aliases (``columns: {opportunities: {amount: 预计金额}}``),
value maps and stage orders.

What becomes what:

==============  ==============================================================
Fxiaoke         canonical
==============  ==============================================================
客户 (Account)   ``customers``: 客户级别 → tier, 客户来源 → acquisition channel,
                行业, 区域 or 省份 → region, 城市
商机             ``leads`` (record_type opportunity when 线索 come too): status
(Opportunity)   from 商机状态 through the shared alias table (赢单 → won, 输单 →
                lost, 进行中 → open, 无效 → lost), or from 销售阶段 when there is
                no status column; ``closed_date`` from 结单日期 of closed deals;
                channel from the opportunity's own 来源, else its customer's
                客户来源
线索 (Leads)     ``leads`` (record_type lead): status from 线索状态 (未分配, 跟进中
                → open, 已转换 → won, 无效 → lost); with a 商机 export beside,
                a converted lead is left out (counted in the report): the
                opportunity it became stands for it
销售订单         ``orders`` (one row per order): 下单日期, 订单金额; 已回款金额
(SalesOrder)    is kept as ``paid_amount``
订单产品         ``orders`` one row per product line instead (amount from 小计,
(order lines)   else 数量 × 销售单价; date and customer from its 销售订单) and
                ``products``; an order without lines stays one line; lines that
                do not add up to 订单金额 are reported
负责人           ``reps`` (team from 负责人所在部门)
==============  ==============================================================

Records whose 生命状态 (life status) is 作废 (voided) are dropped and counted.
Epoch timestamps are UTC: they are read as wall-clock time in ``Asia/Shanghai``
(``timezone:`` in a mapping file changes it), so 2024-04-01 00:00 in Beijing stays
2024-04-01.

Joins: an opportunity or order links to its customer through the customer id
column (``客户ID`` / ``account_id``) when the export has one; otherwise through the
customer name, and names shared by two customers are left unlinked with a warning
listing them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from workbench.importers.fields import Field, VendorOverrides, load_overrides, norm, norm_series
from workbench.importers.read import SourceFile, read_source
from workbench.importers.report import ImportReport, MappingError
from workbench.importers.tables import (
    Export,
    channels_table,
    check_record_ids,
    drop_rows,
    frame,
    leave_blank,
    line_ids,
    link_by_name,
    merged_values,
    reps_table,
    stages_table,
)
from workbench.importers.values import is_drop, map_values, raise_bad, status_values, to_probability
from workbench.importers.write import check_output, write_dataset

log = logging.getLogger(__name__)

OBJECT_NAMES = {"customers": "客户 (customers)", "opportunities": "商机 (opportunities)",
                "orders": "销售订单 (sales orders)", "order_products": "订单产品 (order product lines)",
                "leads": "线索 (leads)"}
TIMEZONE = "Asia/Shanghai"

_OWNER_ID = Field("owner_id", ("负责人ID", "负责人id", "负责人工号", "owner", "owner_id"))
_OWNER = Field("owner_name", ("负责人", "负责人名称", "owner__r", "owner_name", "负责人姓名"))
_DEPT = Field("department", ("负责人所在部门", "负责人主属部门", "所属部门", "owner_department", "归属部门"))
_CREATED = Field("created", ("创建时间", "create_time", "创建日期", "created_time"))
_LIFE = Field("life_status", ("生命状态", "life_status"))
_ACC_ID = Field("account_id", ("客户ID", "客户id", "account_id", "客户编码", "customer_id"))
_ACC_NAME = Field("account_name", ("客户名称", "account_id__r", "account_name", "客户", "客户全称"))

FIELDS: dict[str, tuple[Field, ...]] = {
    "customers": (
        Field("record_id", ("_id", "客户ID", "客户id", "数据ID", "id", "account_id")),
        Field("number", ("客户编号", "account_no", "客户编码")),
        Field("name", ("客户名称", "name", "公司名称", "客户全称"), True),
        Field("tier", ("客户级别", "account_level", "客户等级", "客户分级")),
        Field("source", ("客户来源", "account_source", "来源", "source")),
        Field("industry", ("行业", "industry", "一级行业", "industry_level1", "所属行业")),
        Field("region", ("区域", "所属区域", "大区", "销售区域", "region", "省份", "省", "province")),
        Field("city", ("城市", "市", "city")),
        Field("deal_status", ("成交状态", "deal_status")),
        _OWNER_ID, _OWNER, _DEPT, _CREATED, _LIFE,
    ),
    "opportunities": (
        Field("record_id", ("_id", "商机ID", "商机id", "数据ID", "商机编号", "id")),
        Field("name", ("商机名称", "name")),
        _ACC_ID, _ACC_NAME,
        Field("stage", ("销售阶段", "sales_stage", "商机阶段", "阶段", "stage")),
        Field("status", ("商机状态", "阶段状态", "biz_status", "sales_status", "status", "商机阶段状态")),
        Field("amount", ("商机金额", "amount", "金额", "预计金额", "商机金额(元)")),
        Field("close_date", ("结单日期", "预计成交日期", "预计结单日期", "close_date", "成交日期", "预计签单日期")),
        Field("probability", ("赢率", "probability", "赢率(%)", "成交概率")),
        Field("source", ("商机来源", "来源", "source", "opportunity_source", "线索来源")),
        Field("lost_reason", ("输单原因", "输单理由", "lose_reason", "lost_reason", "丢单原因")),
        Field("competitor", ("竞争对手", "competitor", "竞品")),
        _OWNER_ID, _OWNER, _DEPT,
        Field("created", _CREATED.aliases, True),
        _LIFE,
    ),
    "orders": (
        Field("record_id", ("销售订单编号", "订单编号", "销售订单号", "name", "_id", "订单ID", "订单id"), True),
        _ACC_ID, _ACC_NAME,
        Field("order_date", ("下单日期", "order_time", "订单日期", "下单时间"), True),
        Field("amount", ("订单金额", "order_amount", "订单总金额", "销售订单金额", "金额"), True),
        Field("paid", ("已回款金额", "received_amount", "payment_amount", "回款金额")),
        Field("order_status", ("订单状态", "order_status", "状态")),
        _OWNER_ID, _OWNER, _DEPT, _CREATED, _LIFE,
    ),
    "order_products": (
        Field("record_id", ("订单产品编号", "订单产品ID", "订单产品id", "_id")),
        Field("order", ("销售订单编号", "销售订单", "订单编号", "销售订单号", "order_id__r", "order_id"), True),
        Field("product_code", ("产品编码", "产品编号", "product_code", "产品代码")),
        Field("product_name", ("产品名称", "product_id__r", "product_name", "产品")),
        Field("category", ("产品分类", "产品类别", "category", "product_category")),
        Field("quantity", ("数量", "quantity", "订购数量")),
        Field("unit_price", ("销售单价", "sales_price", "单价", "成交单价")),
        Field("list_price", ("价格", "标准价格", "product_price", "价目表价格")),
        Field("subtotal", ("小计", "subtotal", "产品金额", "金额", "小计金额")),
        _ACC_ID, _ACC_NAME,
        Field("order_date", ("下单日期", "order_time", "订单日期")),
        _OWNER_ID, _OWNER, _DEPT, _LIFE,
    ),
    "leads": (
        Field("record_id", ("_id", "线索ID", "线索id", "线索编号", "数据ID", "id")),
        Field("name", ("姓名", "线索名称", "name", "联系人姓名")),
        Field("company", ("公司", "公司名称", "company", "单位名称")),
        Field("status", ("线索状态", "处理状态", "状态", "biz_status", "leads_status"), True),
        Field("source", ("线索来源", "来源", "source", "leads_source")),
        Field("close_reason", ("无效原因", "关闭原因", "close_reason", "invalid_reason")),
        _OWNER_ID, _OWNER, _DEPT,
        Field("created", _CREATED.aliases, True),
        _LIFE,
    ),
}

SIGNATURES: dict[str, tuple[str, ...]] = {
    "customers": ("客户级别", "account_level", "客户来源", "account_source", "成交状态", "deal_status", "客户编号",
                  "account_no", "公司名称"),
    "opportunities": ("商机名称", "销售阶段", "sales_stage", "商机金额", "赢率", "商机状态", "结单日期", "预计成交日期",
                      "close_date", "biz_status", "probability", "输单原因"),
    "orders": ("销售订单编号", "下单日期", "order_time", "订单金额", "order_amount", "已回款金额", "订单状态",
               "received_amount"),
    "order_products": ("订单产品编号", "产品名称", "product_id__r", "销售单价", "sales_price", "小计", "subtotal", "数量",
                       "quantity", "产品编码"),
    "leads": ("线索来源", "线索状态", "线索名称", "leads_status", "leads_source", "无效原因", "线索池", "公司",
              "处理状态"),
}

STATUS = status_values({
    # Fxiaoke's own spellings on top of the shared alias table (赢单, 输单, 进行中, 无效 → lost ...):
    # an invalid deal closed without a sale, so it counts as lost, as the loader counts it.
    "invalid": "lost", "running": "open",
})
STAGES: tuple[tuple[str, int, float, str], ...] = (
    # 纷享销客's standard sales process, then common tenant spellings of the same steps.
    ("验证客户", 1, 0.10, "open"), ("初步接洽", 1, 0.10, "open"),
    ("需求确定", 2, 0.30, "open"), ("需求确认", 2, 0.25, "open"),
    ("方案/报价", 3, 0.60, "open"), ("方案报价", 3, 0.50, "open"),
    ("谈判审核", 4, 0.80, "open"), ("商务谈判", 4, 0.75, "open"),
    ("赢单", 5, 1.00, "won"), ("输单", 6, 0.00, "lost"), ("无效", 7, 0.00, "lost"),
)
LEAD_STATUS = status_values({
    # 线索 (LeadsObj) 状态: still being worked, converted into a customer / opportunity, or closed as invalid.
    "未分配": "open", "待分配": "open", "待处理": "open", "跟进中": "open", "处理中": "open", "已处理": "open",
    "已转换": "won", "转换": "won", "已转化": "won", "无效": "lost", "已关闭": "lost", "关闭": "lost",
    "un_assigned": "open", "un_processed": "open", "processed": "open", "transformed": "won", "closed": "lost",
})
LIFE_DROP = ("作废", "invalid", "已作废")
CHANNEL_TYPES = {
    "电话营销": "telesales", "电销": "telesales", "电话销售": "telesales", "400电话": "telesales",
    "代理商": "distributor", "经销商": "distributor", "渠道": "distributor", "分销": "distributor",
    "合作伙伴": "partner", "伙伴推荐": "partner", "渠道伙伴": "partner",
    "天猫": "ecommerce", "京东": "ecommerce", "抖音": "ecommerce", "电商": "ecommerce", "网店": "ecommerce",
    "门店": "retail", "零售": "retail",
    "直销": "direct", "地推": "direct", "展会": "direct", "会议营销": "direct", "客户介绍": "direct",
    "转介绍": "direct", "陌拜": "direct", "老客户介绍": "direct",
}
UNKNOWN_CHANNEL = "未知"  # a literal 未知 in the data: its own channel, never where blanks go
VALUE_FIELDS = ("status", "lead_status", "stage", "channel_id", "tier", "industry", "region")


def detect_object(src: SourceFile) -> tuple[str | None, dict[str, int]]:
    """Which Fxiaoke object an export holds, by the headers only that object has."""
    cols = {norm(c) for c in src.frame.columns}
    scores = {m: len(cols & {norm(s) for s in sig}) for m, sig in SIGNATURES.items()}
    best = max(scores, key=scores.get)
    return (best if scores[best] else None), scores


def _hints() -> list[str]:
    return [a for fs in FIELDS.values() for f in fs for a in f.aliases] + [s for v in SIGNATURES.values() for s in v]


def read_exports(
    files: Iterable[str | Path] = (),
    *,
    customers: str | Path | None = None,
    opportunities: str | Path | None = None,
    orders: str | Path | None = None,
    order_products: str | Path | None = None,
    leads: str | Path | None = None,
    sheet: str | None = None,
) -> dict[str, SourceFile]:
    """Read Fxiaoke exports: named ones as their object (checked), the others by their headers."""
    hints = _hints()
    out: dict[str, SourceFile] = {}
    named = {"customers": customers, "opportunities": opportunities, "orders": orders,
             "order_products": order_products, "leads": leads}
    for obj, path in named.items():
        if path is None:
            continue
        src = read_source(path, hints, sheet)
        found, scores = detect_object(src)
        if found is not None and found != obj and scores[found] > scores[obj]:
            sig = [c for c in src.frame.columns if norm(c) in {norm(s) for s in SIGNATURES[found]}]
            raise MappingError(f"{src.label}: given as a Fxiaoke {OBJECT_NAMES[obj]} export, but it looks like "
                               f"{OBJECT_NAMES[found]} (it has {', '.join(sig[:4])}); pass it as --{found.replace('_', '-')} {src.path}")
        out[obj] = src
    for path in files:
        src = read_source(path, hints, sheet)
        obj, _ = detect_object(src)
        if obj is None:
            raise MappingError(f"{src.label}: cannot tell which Fxiaoke object this export holds (none of "
                               f"客户级别, 客户来源, 商机名称, 销售阶段, 销售订单编号, 下单日期, 产品名称, 小计, 线索状态, "
                               f"线索来源 is there); pass it as --customers, --opportunities, --orders, "
                               f"--order-products or --leads")
        if obj in out:
            raise MappingError(f"{src.label}: a second {OBJECT_NAMES[obj]} export (the first is {out[obj].label})")
        out[obj] = src
    if not out:
        raise MappingError("no Fxiaoke export given; pass the 客户, 商机, 销售订单, 订单产品 or 线索 exports")
    return out


def _export(obj: str, src: SourceFile, ov: VendorOverrides, report: ImportReport) -> Export:
    return Export(obj, src, FIELDS[obj], ov, report, f"Fxiaoke {OBJECT_NAMES[obj]} export")


def _drop_voided(m: Export, df: pd.DataFrame, table: str, id_column: str) -> pd.DataFrame:
    if not m.has("life_status"):
        return df
    life = norm_series(m.text("life_status").reindex(df.index))
    return drop_rows(df, life.isin([norm(v) for v in LIFE_DROP]), report=m.report, table=table, file=m.src.label,
                     reason=f"{m.cols['life_status']} is 作废 (voided)", id_column=id_column)


def _owners(m: Export) -> pd.DataFrame:
    name = m.text("owner_name")
    rep = m.ids("owner_id") if m.has("owner_id") else name
    return pd.DataFrame({"rep_id": rep, "name": name if m.has("owner_name") else pd.NA,
                         "team": m.text("department")}, index=m.index)


def _customers(m: Export, report: ImportReport) -> pd.DataFrame:
    name = m.text("name")
    if m.has("record_id"):
        cid = m.ids("record_id")
    elif m.has("number"):
        cid = m.ids("number")
    else:
        cid = name  # no id exported: the name is the key, and names are checked for repeats below
        report.warn(f"{m.src.label}: no customer id column (_id, 客户ID or 客户编号); customers are identified by "
                    f"their name")
    owners = _owners(m)
    df = pd.DataFrame({
        "customer_id": cid, "name": name, "industry": m.mapped("industry", "industry"),
        "region": m.mapped("region", "region"), "city": m.text("city"),
        "created_date": m.get("created", "customers", "created_date"),
        "acquisition_channel_id": m.mapped("source", "channel_id", "customers", "acquisition_channel_id"),
        "tier": m.mapped("tier", "tier"),
        "rep_id": owners["rep_id"], "deal_status": m.text("deal_status"),
    }, index=m.index)
    if m.has("number") and m.has("record_id"):
        df["customer_number"] = m.text("number")
    df = _drop_voided(m, df, "customers", "customer_id")
    id_col = m.cols.get("record_id") or m.cols.get("number") or m.cols["name"]
    if not (m.has("record_id") or m.has("number")):
        # Two customers with one name and nothing else to tell them apart: keep both, suffix the second.
        raw = m.src.frame.loc[df.index]
        exact = raw.duplicated(keep="first")
        df = drop_rows(df, exact, report=report, table="customers", file=m.src.label,
                       reason="exact repeat of an earlier row", id_column="customer_id")
        rep = df["customer_id"].notna() & df["customer_id"].duplicated(keep="first")
        if rep.any():
            n = df.groupby("customer_id").cumcount() + 1
            df.loc[rep, "customer_id"] = df.loc[rep, "customer_id"] + " (" + n[rep].astype(str) + ")"
            report.warn(f"{m.src.label}: {int(rep.sum())} customer name(s) appear on more than one row with "
                        f"different details (e.g. {df.loc[rep, 'name'].iloc[0]}); the repeats get ids like "
                        f"'{df.loc[rep, 'customer_id'].iloc[0]}', and opportunities naming them stay unlinked")
        return df
    return check_record_ids(df, "customer_id", src=m.src, source_column=id_col, report=report, table="customers")


def _link_customer(m: Export, cust: pd.DataFrame | None, report: ImportReport, what: str) -> pd.Series:
    """Customer id of each row: by id column when exported, else by name through the customers export."""
    if m.has("account_id"):
        return m.ids("account_id")
    names = m.text("account_name")
    if not m.has("account_name"):
        return names
    if cust is None:
        report.warn(f"{m.src.label}: no customer id column and no 客户 export; the customer name is used as its id")
        return names
    directory = pd.DataFrame({"id": cust["customer_id"], "name": cust["name"]})
    ids = link_by_name(names, directory, report=report, what=m.src.label, target="customer")
    unknown = names.notna() & ids.isna() & ~names.map(norm, na_action="ignore").isin(
        directory["name"].map(norm, na_action="ignore"))
    if unknown.any():
        listed = names[unknown].value_counts()
        report.warn(f"{m.src.label}: {len(listed)} customer name(s) are not in the 客户 export and stay unlinked "
                    f"on {int(unknown.sum())} {what}(s): " + ", ".join(listed.index[:8].astype(str)))
    return ids


def _opportunities(m: Export, cust: pd.DataFrame | None, ov: VendorOverrides, report: ImportReport) -> pd.DataFrame:
    src = m.src
    if not (m.has("status") or m.has("stage")):
        raise MappingError(f"{src.label}: the opportunity export has neither a status (商机状态 / biz_status) nor a "
                           f"stage column (销售阶段 / sales_stage); columns found: {', '.join(src.frame.columns)}. "
                           f"Name one in a mapping file, e.g. columns: {{opportunities: {{status: '<your column>'}}}}")
    stage_raw = m.raw("stage") if m.has("stage") else None
    user_stage_status = {s.stage: s.status for s in ov.stages if s.status}
    if m.has("status"):
        status = map_values(m.raw("status"), merged_values(ov, "status", STATUS), src=src, column=m.cols["status"],
                            target="status", report=report,
                            how_to_map="values: {status: {'<商机状态>': open | won | lost | __drop__}}")
        if stage_raw is not None:  # a blank status with a terminal stage: the stage tells
            by_stage = map_values(stage_raw, {s: st for s, _, _, st in STAGES if st != "open"} | user_stage_status,
                                  src=src, column=m.cols["stage"], target="status", unknown="blank")
            status = status.where(status.notna(), by_stage)
        blank = status.isna()
        if blank.any():
            raise_bad(blank, m.raw("status").fillna("(blank)"), src=src, column=m.cols["status"],
                      expected="an opportunity status (赢单, 输单, 进行中, 无效)")
    else:
        status = map_values(stage_raw, merged_values(ov, "status", {s: st for s, _, _, st in STAGES}
                                                     | user_stage_status),
                            src=src, column=m.cols["stage"], target="status", report=report,
                            how_to_map="values: {status: {'<销售阶段>': open | won | lost | __drop__}} (no 商机状态 "
                                       "column: the stage decides)")
        blank = status.isna()
        if blank.any():
            raise_bad(blank, stage_raw.fillna("(blank)"), src=src, column=m.cols["stage"], expected="a sales stage")
    stage = m.mapped("stage", "stage", "leads", "stage") if m.has("stage") else m.blank()
    if stage_raw is not None:
        # 输单 / 无效 as a stage name is where the deal closed, not a stage reached: left blank.
        closing = {s for s, _, _, st in STAGES if st != "open" and st != "won"} | {
            s for s, st in user_stage_status.items() if st == "lost"}
        terminal = norm_series(stage_raw).isin({norm(x) for x in closing})
        stage = stage.where(~terminal)
    close = m.get("close_date", "leads", "closed_date")
    closed = status.isin(["won", "lost"])
    owners = _owners(m)
    df = pd.DataFrame({
        "lead_id": m.ids("record_id") if m.has("record_id") else pd.NA,
        "created_date": m.get("created", "leads", "created_date"),
        "channel_id": m.mapped("source", "channel_id", "leads", "channel_id"),
        "status": status, "stage": stage, "closed_date": close.where(closed),
        "amount": m.get("amount", "leads", "amount"), "rep_id": owners["rep_id"],
        "customer_id": _link_customer(m, cust, report, "opportunity"),
        "lost_reason": m.text("lost_reason").where(status.eq("lost")),
        "competitor": m.text("competitor"),
        "expected_close_date": close.where(~closed),
        "opportunity_name": m.text("name"), "crm_stage": m.text("stage"),
        "customer_name": m.text("account_name"),
    }, index=m.index)
    if m.has("probability"):
        df["probability"] = to_probability(m.number("probability"))
    if not m.has("record_id"):
        # Display exports carry no id: the row number is the only stable key.
        df["lead_id"] = [f"FX-OPP-{i + 1:06d}" for i in range(len(df))]
        report.warn(f"{src.label}: no opportunity id column (_id / 商机ID); ids FX-OPP-000001 ... were given by "
                    f"row order: re-importing a different export gives different ids")
    else:
        df = check_record_ids(df, "lead_id", src=src, source_column=m.cols["record_id"], report=report, table="leads")
    df = _drop_voided(m, df, "leads", "lead_id")
    df = drop_rows(df, is_drop(df["status"]), report=report, table="leads", file=src.label,
                   reason=f"{m.cols.get('status', m.cols.get('stage'))} mapped to __drop__",
                   id_column="lead_id")
    return df


def _orders(m: Export, cust: pd.DataFrame | None, report: ImportReport) -> pd.DataFrame:
    owners = _owners(m)
    df = pd.DataFrame({
        "order_id": m.ids("record_id"), "order_date": m.get("order_date", "orders", "order_date"),
        "customer_id": _link_customer(m, cust, report, "order"),
        "amount": m.get("amount", "orders", "amount"), "rep_id": owners["rep_id"],
        "paid_amount": m.number("paid"), "order_status": m.text("order_status"),
        "customer_name": m.text("account_name"),
    }, index=m.index)
    df = check_record_ids(df, "order_id", src=m.src, source_column=m.cols["record_id"], report=report, table="orders")
    df = _drop_voided(m, df, "orders", "order_id")
    no_cust = df["customer_id"].isna()
    return drop_rows(df, no_cust, report=report, table="orders", file=m.src.label,
                     reason="no customer could be linked (customer_id is required in orders)", id_column="order_id")


def _leads(m: Export, ov: VendorOverrides, report: ImportReport, with_opportunities: bool) -> pd.DataFrame:
    """线索 (leads): status from 线索状态; a converted lead is the opportunity it became when 商机 is imported."""
    src = m.src
    status = map_values(m.raw("status"), merged_values(ov, "lead_status", LEAD_STATUS), src=src,
                        column=m.cols["status"], target="status", report=report,
                        how_to_map="values: {lead_status: {'<线索状态>': open | won | lost | __drop__}}")
    blank = status.isna()
    if blank.any():  # a lead nobody has worked on yet
        status = status.where(~blank, "open")
        report.fill("leads", "status", "open", int(blank.sum()), f"blank {m.cols['status']} (a lead not yet worked)")
    owners = _owners(m)
    df = pd.DataFrame({
        "lead_id": m.ids("record_id") if m.has("record_id") else pd.NA,
        "created_date": m.get("created", "leads", "created_date"),
        "channel_id": m.mapped("source", "channel_id", "leads", "channel_id"),
        "status": status, "stage": pd.NA, "rep_id": owners["rep_id"],
        "customer_id": pd.NA, "customer_name": pd.NA,
        "lost_reason": m.text("close_reason").where(status.eq("lost")),
        "record_type": "lead", "lead_status": m.text("status"), "company": m.text("company"),
    }, index=m.index)
    if not m.has("record_id"):
        df["lead_id"] = [f"FX-LEAD-{i + 1:06d}" for i in range(len(df))]
        report.warn(f"{src.label}: no lead id column (_id / 线索ID); ids FX-LEAD-000001 ... were given by row order")
    else:
        df = check_record_ids(df, "lead_id", src=src, source_column=m.cols["record_id"], report=report, table="leads")
    df = _drop_voided(m, df, "leads", "lead_id")
    df = drop_rows(df, is_drop(df["status"]), report=report, table="leads", file=src.label,
                   reason=f"{m.cols['status']} mapped to __drop__", id_column="lead_id")
    if with_opportunities:
        # Fxiaoke keeps a converted lead (已转换) beside the opportunity it became: counting both
        # would count one deal twice, so the opportunity stands for it (as Zoho's Deals do).
        df = drop_rows(df, df["status"].eq("won"), report=report, table="leads", file=src.label,
                       reason=f"{m.cols['status']} is 已转换 (converted): the opportunity it became is imported "
                              f"from the 商机 export", id_column="lead_id")
    return df


def _order_lines(m: Export, cust: pd.DataFrame | None, report: ImportReport) -> pd.DataFrame:
    """订单产品 (order product lines): one canonical order line each, money from 小计 (or 数量 × 销售单价)."""
    src = m.src
    order_id = m.ids("order")
    if order_id.isna().any():
        raise_bad(order_id.isna(), m.raw("order").fillna("(blank)"), src=src, column=m.cols["order"],
                  expected="the order the line belongs to (销售订单编号)")
    qty = m.number("quantity")
    price = m.number("unit_price")
    if m.has("subtotal"):
        amount = m.get("subtotal", "orders", "amount")
        derived = amount.isna() & qty.notna() & price.notna()
        if derived.any():
            amount = amount.where(~derived, qty * price)
            report.fill("orders", "amount", "(数量 × 销售单价)", int(derived.sum()),
                        f"blank {m.cols['subtotal']}: quantity times unit price")
    elif m.has("quantity") and m.has("unit_price"):
        amount = qty * price
        report.warn(f"{src.label}: no 小计 (subtotal) column; line amounts are {m.cols['quantity']} × "
                    f"{m.cols['unit_price']}")
    else:
        raise MappingError(f"{src.label}: the 订单产品 export has no line amount: neither 小计 (subtotal) nor both "
                           f"数量 and 销售单价; columns found: {', '.join(map(str, src.frame.columns))}")
    code = m.ids("product_code")
    owners = _owners(m)
    df = pd.DataFrame({
        "order_id": order_id, "order_date": m.get("order_date", "orders", "order_date"),
        "customer_id": _link_customer(m, cust, report, "order line"),
        "amount": amount, "product_id": code.fillna(m.text("product_name")), "quantity": qty,
        "rep_id": owners["rep_id"], "product_name": m.text("product_name"), "category": m.text("category"),
        "list_price": m.number("list_price"), "customer_name": m.text("account_name"),
    }, index=m.index)
    if m.has("record_id"):
        df["line_id"] = m.ids("record_id")
        df = check_record_ids(df, "line_id", src=src, source_column=m.cols["record_id"], report=report,
                              table="orders")
    else:  # no 订单产品编号: the line of the export keeps two like lines of one order apart
        df["line_id"] = line_ids(src).astype(str)
    return _drop_voided(m, df, "orders", "order_id")


def _orders_from_lines(lines: pd.DataFrame, orders: pd.DataFrame | None, src: SourceFile,
                       report: ImportReport) -> pd.DataFrame:
    """Order lines with their order's date, customer and owner; orders without lines stay one line each."""
    lines = lines.copy()
    if orders is not None:
        head = orders.set_index("order_id")
        for col in ("order_date", "customer_id", "rep_id", "customer_name"):
            if col in head:  # the order's value, else the line's own
                got, own = lines["order_id"].map(head[col]), lines[col]
                lines[col] = got if own.isna().all() else got.where(got.notna(), own)
        missing = ~lines["order_id"].isin(head.index)
        if missing.any():
            report.warn(f"{src.label}: {int(missing.sum()):,} line(s) of {lines.loc[missing, 'order_id'].nunique():,} "
                        f"order(s) not in the 销售订单 export (e.g. {lines.loc[missing, 'order_id'].iloc[0]}); their "
                        f"own date and customer columns are used")
        total = lines.groupby("order_id")["amount"].sum()
        both = head.index.intersection(total.index)
        diff = (total.reindex(both) - head.loc[both, "amount"]).round(2)
        off = diff[diff.abs() > 0.005]
        if len(off):
            report.warn(f"{len(off):,} order(s) whose 订单产品 lines do not add up to the 订单金额 (order-level "
                        f"discounts?), by {off.sum():,.2f} in all (e.g. {off.index[0]}: {off.iloc[0]:+,.2f}); the "
                        f"lines' 小计 are used")
        # Order-level figures go on the order's first line only, so a sum over lines counts each order once.
        first = ~lines["order_id"].duplicated()
        for col in ("order_amount", "paid_amount", "order_status"):
            src_col = "amount" if col == "order_amount" else col
            if src_col in head:
                lines[col] = lines["order_id"].map(head[src_col]).where(first)
        alone = orders.loc[~orders["order_id"].isin(lines["order_id"])]
        if len(alone):
            report.warn(f"{len(alone):,} order(s) of the 销售订单 export have no 订单产品 line (e.g. "
                        f"{alone['order_id'].iloc[0]}); each is kept as one line of its 订单金额")
            lines = pd.concat([lines, alone.assign(order_amount=alone["amount"])], ignore_index=True)
    for col, what in (("order_date", "no order date (下单日期) on the line or its 销售订单"),
                      ("customer_id", "no customer could be linked (customer_id is required in orders)")):
        lines = drop_rows(lines, lines[col].isna(), report=report, table="orders", file=src.label, reason=what,
                          id_column="order_id")
    return lines


def _products(lines: pd.DataFrame) -> pd.DataFrame | None:
    """One row per product of the order lines: the most frequent name and category, the median list price."""
    d = lines.dropna(subset=["product_id"])
    if not len(d):
        return None
    g = d.groupby("product_id", sort=True)
    out = {"product_id": pd.Series(g.size().index)}
    for col, name in (("product_name", "name"), ("category", "category")):
        mode = d.dropna(subset=[col]).groupby("product_id")[col].agg(lambda x: x.value_counts().index[0])
        out[name] = out["product_id"].map(mode)
    price = pd.to_numeric(d["list_price"], errors="coerce")
    if price.notna().any():
        out["list_price"] = out["product_id"].map(price.groupby(d["product_id"]).median())
    return frame("products", out)


def _crm_ids(mods: Mapping[str, Export]) -> dict[str, str]:
    """Which customer columns hold Fxiaoke's own ids: ``_id`` (the data id) and 客户编号 (what an import matches on).

    Customers identified by their name (no id exported) hold no CRM id, and neither do ids
    mixed from different fields.
    """
    number = {norm("客户编号"), norm("客户编码")}
    c = mods.get("customers")
    if c is not None:
        if c.has("record_id"):
            return {"customers.customer_id": "_id", **({"customers.customer_number": "客户编号"} if c.has("number")
                                                       else {})}
        return {"customers.customer_id": "客户编号"} if c.has("number") else {}
    linking = [m for k, m in mods.items() if k in ("opportunities", "orders", "order_products")]
    if not linking or not all(m.has("account_id") for m in linking):
        return {}  # linked by name: the names are the ids
    cols = {norm(m.cols["account_id"]) for m in linking}
    if cols <= number:
        return {"customers.customer_id": "客户编号"}
    return {"customers.customer_id": "_id"} if not cols & number else {}


def build_tables(sources: Mapping[str, SourceFile], overrides: VendorOverrides | None = None,
                 report: ImportReport | None = None) -> tuple[dict[str, pd.DataFrame], ImportReport]:
    """Canonical tables from read Fxiaoke exports (``{object: SourceFile}``, see :func:`read_exports`).

    Returns
    -------
    (tables, report)
        ``customers``, ``leads``, ``orders``, ``reps``, ``channels``, ``stages`` as far
        as the exports hold them.
    """
    ov = overrides or VendorOverrides()
    if ov.timezone is None:
        ov = ov.model_copy(update={"timezone": TIMEZONE})
    report = report or ImportReport("fxiaoke")
    mods = {k: _export(k, src, ov, report) for k, src in sources.items()}
    tables: dict[str, pd.DataFrame] = {}
    cust = _customers(mods["customers"], report) if "customers" in mods else None
    leads = _opportunities(mods["opportunities"], cust, ov, report) if "opportunities" in mods else None
    orders = _orders(mods["orders"], cust, report) if "orders" in mods else None
    if "leads" in mods:
        fx_leads = _leads(mods["leads"], ov, report, with_opportunities=leads is not None)
        if leads is not None:
            leads = leads.assign(record_type="opportunity")
            both = pd.concat([leads, fx_leads], ignore_index=True)
            dup = both["lead_id"].duplicated(keep=False)
            if dup.any():
                raise MappingError(f"{int(dup.sum())} rows of the 商机 and 线索 exports share an id (e.g. "
                                   f"{both.loc[dup, 'lead_id'].iloc[0]}); is one file given twice?")
            leads = both
        else:
            leads = fx_leads
    products = None
    if "order_products" in mods:
        m = mods["order_products"]
        lines = _order_lines(m, cust, report)
        if "orders" in mods:
            # An API line names its order by the order's _id, while the order's number (name)
            # is its id here: a line that names an _id is given the order's number.
            om = mods["orders"]
            id_cols = [c for c in om.src.frame.columns if norm(c) in (norm("_id"), norm("订单ID"))
                       and c != om.cols.get("record_id")]
            if id_cols:
                alt = pd.Series(om.ids("record_id").to_numpy(), index=om.src.frame[id_cols[0]].astype(str).to_numpy())
                alt = alt[~alt.index.duplicated()]
                lines["order_id"] = lines["order_id"].map(alt).fillna(lines["order_id"])
        products = _products(lines)
        orders = _orders_from_lines(lines, orders, m.src, report)
        orders = orders.drop(columns=["product_name", "category", "list_price"], errors="ignore")

    if leads is not None:
        blank = leads["channel_id"].isna()
        if blank.any() and cust is not None:
            via = leads.loc[blank, "customer_id"].map(cust.set_index("customer_id")["acquisition_channel_id"])
            got = via.notna()
            leads.loc[via.index[got], "channel_id"] = via[got]
            report.fill("leads", "channel_id", "(客户来源)", int(got.sum()),
                        "the opportunity has no source of its own: its customer's 客户来源")
            blank = leads["channel_id"].isna()
        leave_blank(leads, blank, ov, report, "no source on the opportunity or its customer")
        tables["leads"] = frame("leads", leads)
        if leads["stage"].notna().any():
            tables["stages"] = stages_table(leads, STAGES, ov)

    stubs = []
    for df, what in ((leads, "opportunities"), (orders, "orders")):
        if df is None:
            continue
        known = set(cust["customer_id"]) if cust is not None else set()
        s = df.loc[df["customer_id"].notna() & ~df["customer_id"].isin(known), ["customer_id", "customer_name"]]
        if len(s):
            stubs.append(s.rename(columns={"customer_name": "name"}))
            if cust is not None:
                report.warn(f"{s['customer_id'].nunique()} customer(s) linked from {what} by id are not in the 客户 "
                            f"export; added to customers with id and name only")
    if stubs:
        s = pd.concat(stubs).drop_duplicates("customer_id")
        cust = pd.concat([cust, s], ignore_index=True) if cust is not None else s
    if cust is not None:
        tables["customers"] = frame("customers", cust.drop(columns=["rep_id"], errors="ignore"))
        report.crm_ids.update(_crm_ids(mods))
    if orders is not None:
        tables["orders"] = frame("orders", orders)
    if products is not None:
        tables["products"] = products

    reps = reps_table([_owners(m) for m in mods.values()], report)
    if reps is not None:
        tables["reps"] = reps
    used = []
    if "leads" in tables:
        used += tables["leads"]["channel_id"].tolist()
    if "customers" in tables and "acquisition_channel_id" in tables["customers"]:
        used += tables["customers"]["acquisition_channel_id"].tolist()
    ch = channels_table(used, ov, CHANNEL_TYPES, UNKNOWN_CHANNEL, "未知来源")
    if ch is not None:
        tables["channels"] = ch
    return tables, report


def import_fxiaoke(
    files: Iterable[str | Path] = (),
    *,
    out: str | Path,
    customers: str | Path | None = None,
    opportunities: str | Path | None = None,
    orders: str | Path | None = None,
    order_products: str | Path | None = None,
    leads: str | Path | None = None,
    mapping: str | Path | Mapping | None = None,
    sheet: str | None = None,
    currency: str | None = None,
    name: str | None = None,
    force: bool = False,
) -> ImportReport:
    """Import Fxiaoke exports into a dataset folder (atomically) and return the report.

    Parameters
    ----------
    files : iterable of path
        Exports whose object is told from their headers.
    out : path
        The dataset folder to write; must not exist (or be empty) unless ``force``.
    customers, opportunities, orders, order_products, leads : path, optional
        Exports named by object (checked against their headers): 客户, 商机, 销售订单,
        订单产品 (order product lines: the orders table gets one row per line) and 线索.
    mapping : path or dict, optional
        A user mapping file: aliases for renamed labels, value maps, stages, time zone.
    sheet : str, optional
        Sheet of the XLSX exports to read.
    currency, name : str, optional
        ``dataset.yaml`` values (default currency CNY).
    force : bool
        Replace an existing output folder.
    """
    check_output(out, force)
    ov = load_overrides(mapping, modules={k: [f.name for f in v] for k, v in FIELDS.items()},
                        value_fields=VALUE_FIELDS)
    sources = read_exports(files, customers=customers, opportunities=opportunities, orders=orders,
                           order_products=order_products, leads=leads, sheet=sheet)
    tables, report = build_tables(sources, ov, ImportReport("fxiaoke"))
    meta = {"name": name or ov.name or "纷享销客导入", "currency": currency or ov.currency or "CNY",
            "company_name": ov.company_name, "fiscal_year_start": ov.fiscal_year_start}
    write_dataset(out, tables, report=report, meta=meta, force=force)
    return report
