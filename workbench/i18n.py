"""Report labels in English and Chinese (``lang: en|zh`` in params).

Result-table CSVs keep their canonical English column names (they are a
contract); only what a reader sees — table headers, axis labels, sentences — is
translated. A key without a translation falls back to itself, so a new column
shows its canonical name rather than breaking a report.
"""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # generic
    "table": ("Table", "数据表"),
    "column": ("Column", "字段"),
    "file": ("File", "文件"),
    "encoding": ("Encoding", "编码"),
    "present": ("Present", "是否存在"),
    "status": ("Status", "状态"),
    "loaded": ("loaded", "已加载"),
    "rejected": ("rejected", "被拒绝"),
    "absent": ("absent", "缺失"),
    "date_column": ("Date column", "日期字段"),
    "reference_date": ("Reference date", "基准日"),
    "implausible_dates": ("Implausible dates", "不合理日期"),
    "description": ("Description", "说明"),
    "required_columns": ("Required columns", "必填字段"),
    "possible_file": ("Possible file", "疑似文件"),
    "kind": ("Kind", "类型"),
    "rows_with_value": ("Rows with a value", "有值行数"),
    "distinct_values": ("Distinct values", "不同取值数"),
    "ref_column": ("Referenced column", "引用字段"),
    "match_key": ("Match key", "匹配键"),
    "names": ("Names", "名称"),
    "unreadable": ("Unreadable", "无法识别"),
    "blocking": ("Blocking", "阻断"),
    "weight": ("Weight", "权重"),
    "columns_total": ("Columns in model", "模型字段数"),
    "errors": ("Errors", "错误"),
    "warnings": ("Warnings", "警告"),
    "format": ("Format", "格式"),
    "required": ("Required", "必填"),
    "rows": ("Rows", "行数"),
    "rows_read": ("Rows read", "读取行数"),
    "columns_present": ("Columns", "字段数"),
    "date_from": ("From", "起始日期"),
    "date_to": ("To", "截止日期"),
    "last_date": ("Last date", "最新日期"),
    "days_since_last": ("Days since last", "距今天数"),
    "stale": ("Stale", "数据过期"),
    "completeness": ("Completeness", "完整率"),
    "filled": ("Filled", "已填"),
    "missing": ("Missing", "缺失"),
    "invalid_cells": ("Invalid cells", "无效值"),
    "duplicate_rows": ("Duplicate rows", "重复行"),
    "duplicate_keys": ("Duplicate keys", "重复主键"),
    "orphan_rows": ("Orphan rows", "孤立记录"),
    "score": ("Score", "得分"),
    "rank": ("Rank", "排名"),
    "tier": ("Tier", "优先级"),
    "problem": ("Problem", "问题"),
    "rows_affected": ("Rows affected", "影响行数"),
    "share": ("Share", "占比"),
    "impact": ("Impact", "影响度"),
    "how_to_fix": ("How to fix", "修复建议"),
    "count": ("Count", "数量"),
    "expected": ("Expected", "期望"),
    "message": ("Message", "说明"),
    "example_rows": ("Example rows", "示例行号"),
    "examples": ("Examples", "示例"),
    "ref_table": ("Refers to", "引用表"),
    "ids": ("Ids", "编号"),
    "name": ("Name", "名称"),
    "level": ("Level", "级别"),
    "needed_by": ("Needed by", "需要它的报告"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "n": ("n", "样本量"),
    # report furniture
    "headline": ("Headline", "要点"),
    "note": ("Note", "注意"),
    "section_off": ("Section switched off", "本节已关闭"),
    "no_data": ("No data", "无数据"),
    "insufficient_data": ("Insufficient data", "数据不足"),
    "generated": ("Generated", "生成时间"),
    "dataset": ("Dataset", "数据集"),
    "as_of": ("As of", "分析基准日"),
    "parameters": ("Parameters", "参数"),
    # data quality
    "dq_title": ("Data quality report", "数据质量报告"),
    "dq_overview": ("Tables at a glance", "数据表概览"),
    "dq_scores": ("Quality score per table", "各数据表质量得分"),
    "dq_completeness": ("Completeness per column", "各字段完整率"),
    "dq_invalid": ("Invalid values", "无效值"),
    "dq_duplicates": ("Duplicates", "重复记录"),
    "dq_orphans": ("Orphan keys", "孤立外键"),
    "dq_freshness": ("Freshness", "数据时效"),
    "dq_fixes": ("What to fix first", "优先修复清单"),
    "dq_missing_tables": ("Tables not supplied", "未提供的数据表"),
    "dq_explorer": ("Explore a table", "数据表浏览"),
}


def register(labels: dict[str, tuple[str, str]]) -> None:
    """Add an analysis module's labels (``{key: (english, chinese)}``); existing keys win."""
    for key, pair in labels.items():
        LABELS.setdefault(key, pair)


def t(key: str, lang: str = "en") -> str:
    """The label of ``key`` in ``lang`` (``en`` or ``zh``); the key itself when unknown."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]


def translate_columns(columns, lang: str) -> list[str]:
    """Display names of result-table columns."""
    return [t(str(c), lang) for c in columns]
