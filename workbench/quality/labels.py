"""Labels of the data quality report (English, Chinese): ``LABELS``, a :class:`~workbench.reporting.Catalogue`.

Result tables keep canonical column names and codes (``out_of_range``, ``loaded``,
``tier``); these labels are what a reader sees. Keys are the column names, the issue
codes of the loader and of this package (:data:`ISSUE_KINDS`), schema kinds as
``kind_<kind>`` (``kind_money``), tiers as ``tier_<n>``, the advice of the fix list as
``advice_<kind>`` and the problem sentence of the fix list as ``problem_<kind>``.
"""

from __future__ import annotations

from workbench.reporting.labels import Catalogue

ISSUE_KINDS: dict[str, tuple[str, str]] = {
    # errors of the loader: the table is rejected and a strict run stops
    "missing_column": ("Required column missing", "缺少必填字段"),
    "blank_required": ("Required value blank", "必填字段为空"),
    "duplicate_key": ("Duplicate key", "主键重复"),
    "no_rows": ("File without rows", "文件没有数据行"),
    "unreadable": ("File cannot be read", "文件无法读取"),
    "ambiguous_table": ("Several files for one table", "同一数据表有多个文件"),
    "duplicate_stage_order": ("Two stages share an order", "阶段顺序重复"),
    "no_tables": ("No table files", "没有数据表文件"),
    # warnings and notes of the loader
    "invalid": ("Unreadable value", "无法识别的值"),
    "out_of_range": ("Value out of range", "超出取值范围"),
    "exact_duplicate": ("Exact duplicate rows", "完全重复的行"),
    "orphan_key": ("Orphan key", "引用了不存在的记录"),
    "closed_before_created": ("Closed before created", "关闭日期早于创建日期"),
    "unknown_file": ("Unrecognised file", "无法识别的文件"),
    "unknown_key": ("Unrecognised setting", "无法识别的设置项"),
    "impossible_value": ("Impossible value", "不可能的数值"),
    "date_in_future": ("Date after the run date", "日期晚于运行日期"),
    "date_too_early": ("Date too early", "日期过早"),
    "blank_bucketed": ("Blank kept as (blank)", "空值归为（空白）"),
    "value_mapped": ("Value mapped by alias", "取值已按别名映射"),
    # found by this package
    "misnamed_file": ("File name looks wrong", "文件名疑似写错"),
    "implausible_date": ("Implausible date", "日期明显不合理"),
    "possible_duplicate_customer": ("Possible duplicate customer", "疑似重复客户"),
    "stale": ("Stale", "数据过期"),
    "missing_values": ("Blank values", "字段有空值"),
}
"""Every issue code a data quality table can hold, with its label."""

HOW_TO_FIX: dict[str, tuple[str, str]] = {
    "missing_column": ("Add the column under its canonical name, or map it in the column-mapping YAML.",
                       "按标准字段名补充该列，或在字段映射文件中配置映射。"),
    "blank_required": ("Fill the value in the listed rows, or remove rows that are not real records.",
                       "补全所列行的值，或删除并非真实记录的行。"),
    "invalid": ("Correct the listed cells to the expected format (see Invalid values).",
                "将所列单元格改为期望的格式（见“无效值”一节）。"),
    "out_of_range": ("Correct the values to the allowed range; check the unit (0..1 against percent).",
                     "将数值改到允许范围内；检查单位（0–1 与百分数）。"),
    "duplicate_key": ("Keep one row per key: remove the outdated row or merge the two.",
                      "每个主键只保留一行：删除过时的行或合并两行。"),
    "no_rows": ("Export the table again: the file has a header but no rows.",
                "重新导出该表：文件只有表头没有数据。"),
    "unreadable": ("Save the file again as UTF-8 CSV or XLSX and check that it opens.",
                   "将文件另存为 UTF-8 编码的 CSV 或 XLSX，并确认能正常打开。"),
    "ambiguous_table": ("Keep exactly one file for the table and move the others out of the folder.",
                        "每张数据表只保留一个文件，把其余文件移出文件夹。"),
    "duplicate_stage_order": ("Give every stage its own order number (1, 2, 3 ...).",
                              "为每个阶段设置不同的顺序号（1、2、3……）。"),
    "misnamed_file": ("Rename the file to '{table}.csv' (or .xlsx/.parquet).",
                      "将文件重命名为 {table}.csv（或 .xlsx / .parquet）。"),
    "exact_duplicate": ("Remove the repeated rows at the source if they are a double import "
                        "(or set duplicate_lines: drop in dataset.yaml).",
                        "如果是重复导入，请在源头删除重复行（或在数据集配置文件中设置删除重复行）。"),
    "orphan_key": ("Add the missing {ref_table} rows, or correct the ids (typos, spaces, leading zeros).",
                   "补充缺失的 {ref_table} 记录，或更正编号（错字、空格、前导零）。"),
    "implausible_date": ("Correct the dates far after the rest of the data (a typo in the year?).",
                         "更正远晚于其他数据的日期（年份是否写错？）。"),
    "possible_duplicate_customer": ("Merge the duplicate customer records in the CRM and keep one customer_id.",
                                    "在 CRM 中合并重复的客户记录，只保留一个客户编号。"),
    "closed_before_created": ("Correct closed_date or created_date of these leads.",
                              "更正这些线索的关闭日期或创建日期。"),
    "stale": ("Export fresh data, or set as_of to the date the data really ends.",
              "导出最新数据，或把分析基准日设为数据真实的截止日期。"),
    "stale_plan": ("Add the {table} of the current period.", "补充本期的 {table} 数据。"),
    "no_tables": ("Put one file per table in the folder, named <table>.csv, .xlsx or .parquet.",
                  "在文件夹中为每张数据表放一个文件，命名为 <数据表>.csv、.xlsx 或 .parquet。"),
    "missing_values": ("Fill the column at the source (make it mandatory in the CRM) or accept the gap.",
                       "在源头补全该字段（在 CRM 中设为必填），或接受此缺口。"),
    "unknown_file": ("Rename the file to a table name of the data model, or move it out of the folder.",
                     "把文件重命名为数据模型中的表名，或移出文件夹。"),
    "unknown_key": ("Remove the setting or correct its name in dataset.yaml.",
                    "删除该设置项，或在数据集配置文件中更正其名称。"),
    "impossible_value": ("Correct the values at the source (a unit or an export error?).",
                         "在源头更正这些数值（是否单位或导出有误？）。"),
    "date_in_future": ("Correct the dates at the source: rows with an impossible required date are left out.",
                       "在源头更正这些日期：必填日期不可能的行已被排除在分析之外。"),
    "date_too_early": ("Correct the dates at the source (a placeholder such as 1900-01-01?).",
                       "在源头更正这些日期（是否用了 1900-01-01 之类的占位值？）。"),
    "blank_bucketed": ("Fill the value at the source; until then the rows count under (blank).",
                       "在源头补全该值；补全前这些行计入（空白）。"),
    "value_mapped": ("Nothing to fix: the values were read through their aliases.",
                     "无需修复：这些取值已按别名读取。"),
    "other": ("Correct the data at the source; see the message.", "请在源头更正数据，详见说明。"),
}
"""Advice of the fix list by issue code: English (also written to the CSV) and Chinese.
``{table}`` and ``{ref_table}`` are filled in."""

PROBLEMS: dict[str, tuple[str, str]] = {
    "problem_blocking": ("{label}: the table is rejected and the reports stop", "{label}：该表被拒绝，报告无法运行"),
    "problem_orphan_key": ("{label}: not in {ref}", "{label}：{ref} 中不存在"),
    "problem_stale": ("{label}: every row is out of date", "{label}：全部行均已过时"),
    "problem_misnamed_file": ("{label}: the table is absent, but a file looks like it",
                              "{label}：缺少该表，但有文件疑似是它"),
}
"""Sentences of the fix list's problem column, built by the view from the row's numbers."""

LABELS = Catalogue("quality", {
    **ISSUE_KINDS,
    **{f"advice_{k}": v for k, v in HOW_TO_FIX.items()},
    **PROBLEMS,
    # columns
    "encoding": ("Encoding", "编码"),
    "format": ("Format", "格式"),
    "present": ("Present", "是否存在"),
    "loaded": ("loaded", "已加载"),
    "rejected": ("rejected", "被拒绝"),
    "absent": ("absent", "缺失"),
    "date_column": ("Date column", "日期字段"),
    "reference_date": ("Reference date", "基准日"),
    "implausible_dates": ("Implausible dates", "不合理日期"),
    "required_columns": ("Required columns", "必填字段"),
    "possible_file": ("Possible file", "疑似文件"),
    "rows_with_value": ("Rows with a value", "有值行数"),
    "distinct_values": ("Distinct orphan values", "不同孤立值数"),
    "ref_column": ("Referenced column", "引用字段"),
    "ref_table": ("Refers to", "引用表"),
    "match_key": ("Match key", "匹配键"),
    "names": ("Names", "名称"),
    "ids": ("Ids", "编号"),
    "unreadable_cells": ("Unreadable", "无法识别"),
    "blocking": ("Blocking", "阻断"),
    "weight": ("Weight", "权重"),
    "columns_present": ("Columns", "字段数"),
    "columns_total": ("Columns in model", "模型字段数"),
    "errors": ("Errors", "错误"),
    "warnings": ("Warnings", "警告"),
    "required": ("Required", "必填"),
    "rows_read": ("Rows read", "读取行数"),
    "date_from": ("From", "起始日期"),
    "date_to": ("To", "截止日期"),
    "days_since_last": ("Days since last date", "距最新日期天数"),
    "completeness": ("Completeness", "完整率"),
    "filled": ("Filled", "已填"),
    "missing": ("Missing", "缺失"),
    "invalid_cells": ("Invalid cells", "无效值"),
    "duplicate_rows": ("Duplicate rows", "重复行"),
    "duplicate_keys": ("Duplicate keys", "重复主键"),
    "orphan_rows": ("Orphan rows", "孤立记录"),
    "tier": ("Priority", "优先级"),
    "problem": ("Problem", "问题"),
    "rows_affected": ("Rows affected", "影响行数"),
    "impact": ("Impact (weight × share)", "影响度（权重 × 占比）"),
    "how_to_fix": ("How to fix", "修复建议"),
    "expected": ("Expected", "期望"),
    "example_rows": ("Example rows", "示例行号"),
    "examples": ("Examples", "示例"),
    "needed_by": ("Needed by", "需要它的报告"),
    # values
    "error": ("error", "错误"),
    "warning": ("warning", "警告"),
    "tier_1": ("1 · stops the reports", "1 · 阻断报告"),
    "tier_2": ("2 · fix soon", "2 · 尽快修复"),
    "tier_3": ("3 · minor", "3 · 次要"),
    "kind_id": ("id", "编号"),
    "kind_text": ("text", "文本"),
    "kind_date": ("date", "日期"),
    "kind_period": ("period", "期间"),
    "kind_money": ("money", "金额"),
    "kind_number": ("number", "数值"),
    "kind_category": ("category", "类别"),
    # what a value should be (invalid values)
    "expect_range": ("a value from {lo} to {hi}", "{lo} 至 {hi} 之间的值"),
    "expect_one_of": ("one of {values}", "以下之一：{values}"),
    "expect_id": ("an id", "编号"),
    "expect_text": ("text", "文本"),
    "expect_money": ("an amount, e.g. 1234.50, 1,234.50 or ¥1,234", "金额，如 1234.50、1,234.50 或 ¥1,234"),
    "expect_number": ("a number, e.g. 12, 1,234.5 or 12.5%", "数值，如 12、1,234.5 或 12.5%"),
    "expect_date": ("a date, e.g. 2026-03-31 or 2026/3/31", "日期，如 2026-03-31 或 2026/3/31"),
    "expect_period": ("a period, e.g. 2026-03, 2026-Q1 or 2026", "期间，如 2026-03、2026-Q1 或 2026"),
    "expect_category": ("an allowed value", "允许的取值"),
    "expect_value": ("a value", "非空值"),
    "expect_date_until": ("a date no later than {date}", "不晚于 {date} 的日期"),
    "expect_closed_after_created": ("closed_date on or after created_date", "关闭日期不早于创建日期"),
    # titles and axes
    "dq_scores": ("Quality score per table", "各数据表质量得分"),
    "dq_completeness": ("Completeness of the incomplete columns", "未填写完整的字段的完整率"),
    "dq_missing_tables": ("Tables not supplied", "未提供的数据表"),
    "score_axis": ("Score (0–100)", "得分（0–100）"),
    "all_complete": ("Every column is complete.", "所有字段都已填写完整。"),
    "completeness_axis": ("Completeness: filled / rows", "完整率：已填 / 总行数"),
})
"""The quality report's catalogue (common words from :data:`workbench.reporting.COMMON`)."""


def issue_label(kind: str, lang: str = "en") -> str:
    """The label of an issue code in ``lang`` (the code itself when unknown)."""
    return LABELS.t(kind, lang)
