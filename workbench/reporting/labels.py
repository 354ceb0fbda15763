"""Label catalogues: one per area, each key with one English and one Chinese text.

An area's ``labels.py`` defines ``LABELS = Catalogue("channels", {...})``; its
report looks labels up there first and then in :data:`COMMON` (the words every
report uses). There is no global registry: two areas may not give one key two
meanings, which :func:`conflicts` finds (a test runs it over every area).

Keys are the canonical column names and codes of result tables (``leads``,
``out_of_range``) or short snake-case names for report words. A key without a
label shows as itself, so a new column never breaks a report; the zh-page test
catches it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping

AREAS = ("quality", "segmentation", "channels", "attribution", "kpi", "competitors", "feedback", "summary")
"""The analysis areas; each has ``workbench/<area>/labels.py`` with a ``LABELS`` catalogue."""


class Catalogue(Mapping):
    """The labels of one area: ``{key: (english, chinese)}``.

    Parameters
    ----------
    area : str
        The area's name (``channels``); shown in error messages.
    labels : dict
        ``{key: (english, chinese)}``.
    parents : iterable of Catalogue
        Catalogues consulted after this one (default: :data:`COMMON`).
    """

    def __init__(self, area: str, labels: Mapping[str, tuple[str, str]], parents: Iterable[Catalogue] | None = None):
        bad = [k for k, v in labels.items() if not (isinstance(v, tuple) and len(v) == 2 and all(isinstance(s, str) for s in v))]
        if bad:
            raise ValueError(f"Catalogue {area!r}: labels {bad[:5]} are not (english, chinese) pairs of text")
        self.area = area
        self._own = dict(labels)
        self.parents = tuple(parents) if parents is not None else ((COMMON,) if area != "common" else ())

    def __getitem__(self, key: str) -> tuple[str, str]:
        if key in self._own:
            return self._own[key]
        for p in self.parents:
            if key in p:
                return p[key]
        raise KeyError(key)

    def __iter__(self):
        seen = set(self._own)
        yield from self._own
        for p in self.parents:
            for k in p:
                if k not in seen:
                    seen.add(k)
                    yield k

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @property
    def own(self) -> dict[str, tuple[str, str]]:
        """The labels this area defines itself (not its parents')."""
        return dict(self._own)

    def t(self, key: str, lang: str = "en") -> str:
        """The label of ``key`` in ``lang``; the key itself when unknown."""
        try:
            en, zh = self[key]
        except KeyError:
            return str(key)
        return zh if lang == "zh" else en

    def with_parents(self, *others: Catalogue) -> Catalogue:
        """This catalogue, also consulting ``others`` (e.g. the summary reading every area's codes)."""
        return Catalogue(self.area, self._own, parents=(*others, *self.parents))

    def __repr__(self) -> str:
        return f"Catalogue({self.area!r}, {len(self._own)} labels)"


COMMON = Catalogue("common", {
    # report furniture
    "headline": ("Headline", "要点"),
    "note": ("Note", "注意"),
    "contents": ("Contents", "目录"),
    "back_to_index": ("All reports", "全部报告"),
    "other_language": ("中文", "English"),
    "section_off": ("Section switched off", "本节已关闭"),
    "no_data": ("No data", "无数据"),
    "insufficient_data": ("insufficient data", "数据不足"),
    "too_few": ("too few", "样本过少"),
    "nothing_to_show": ("Nothing to show.", "没有可显示的内容。"),
    "generated": ("Generated", "生成时间"),
    "dataset": ("Dataset", "数据集"),
    "as_of": ("As of", "分析基准日"),
    "parameters": ("Parameters", "参数"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "unknown": ("unknown", "未知"),
    "blank": ("(blank)", "（空白）"),
    "total": ("(total)", "（合计）"),
    "all": ("(all)", "（全部）"),
    "other": ("other", "其他"),
    # generic columns
    "table": ("Table", "数据表"),
    "column": ("Column", "字段"),
    "file": ("File", "文件"),
    "status": ("Status", "状态"),
    "description": ("Description", "说明"),
    "kind": ("Kind", "类型"),
    "name": ("Name", "名称"),
    "level": ("Level", "级别"),
    "rows": ("Rows", "行数"),
    "count": ("Count", "数量"),
    "share": ("Share", "占比"),
    "rank": ("Rank", "排名"),
    "score": ("Score", "得分"),
    "message": ("Message", "说明"),
    "period": ("Period", "期间"),
    "month": ("Month", "月份"),
    "date": ("Date", "日期"),
    "n": ("n", "样本量"),
    "ci_low": ("95% CI low", "95% 置信下限"),
    "ci_high": ("95% CI high", "95% 置信上限"),
    "p_value": ("p-value", "p 值"),
    "p_adj": ("p (adjusted)", "校正后 p 值"),
    "p_adjusted": ("p (adjusted)", "校正后 p 值"),
    "channel_id": ("Channel", "渠道"),
    "channel": ("Channel", "渠道"),
    "region": ("Region", "区域"),
    "team": ("Team", "团队"),
    "rep_id": ("Rep", "销售代表"),
    "rep": ("Rep", "销售代表"),
    "customer_id": ("Customer", "客户"),
    "competitor": ("Competitor", "竞争对手"),
    "product_id": ("Product", "产品"),
    "revenue": ("Revenue", "收入"),
    "leads": ("Leads", "线索数"),
    "orders": ("Orders", "订单数"),
    "customers": ("Customers", "客户数"),
    "won": ("Won", "赢单"),
    "lost": ("Lost", "输单"),
    "open": ("Open", "未关闭"),
    "conversion_rate": ("Conversion (won / leads, mature cohorts)", "转化率（赢单/线索，成熟批次）"),
    "win_rate_closed": ("Win rate of closed leads", "已关闭线索赢单率"),
    "light": ("Status light", "信号灯"),
    "green": ("green", "绿灯"),
    "amber": ("amber", "黄灯"),
    "red": ("red", "红灯"),
    # units shown after headers
    "unit_month": ("per month", "每月"),
    "unit_year": ("per year", "每年"),
    "unit_quarter": ("per quarter", "每季度"),
    "unit_pp": ("pp", "个百分点"),
    "table_rows": ("{n} rows.", "共 {n} 行。"),
    "table_row": ("1 row.", "共 1 行。"),
    "table_cut": ("Showing the first {k} of {n} rows.", "显示 {n} 行中的前 {k} 行。"),
    "full_table": ("Full table (CSV)", "完整数据（CSV）"),
    # the Excel workbook of a report (workbench/reporting/excel.py)
    "xlsx_link": ("Excel workbook ({n} tables)", "Excel 工作簿（{n} 张表）"),
    "excel_workbook": ("Excel workbook", "Excel 工作簿"),
    "xlsx_about": ("About", "说明"),
    "xlsx_sheet": ("Sheet", "工作表"),
    "xlsx_report": ("Report", "报告"),
    "xlsx_currency": ("Currency", "货币"),
    "xlsx_latest_date": ("latest date in the data", "数据中的最新日期"),
    "xlsx_note_numbers": (
        "Numbers are numbers: percentages are stored as fractions and shown with %, percentage-point "
        "differences as points, money in {currency}; ids, codes and periods are text. The CSV files beside "
        "this workbook hold the same tables with their canonical column names, the same in every language.",
        "数字均以数值保存：百分比以小数保存并以 % 显示，百分点差异以百分点显示，金额单位为 {currency}；"
        "编号、代码和期间为文本。本工作簿旁的 CSV 文件包含相同的数据表，使用规范字段名，各语言版本完全相同。"),
    "xlsx_truncated": ("Only the first {shown} of {rows} rows fit in an Excel sheet; the CSV file of this table "
                       "has them all.", "Excel 工作表最多容纳 {shown} 行，本表共 {rows} 行；完整数据见该表的 CSV 文件。"),
    "xlsx_note_sizes": (
        "Sample sizes: a rate or an average is only as reliable as the number of observations behind it. "
        "Columns such as n, leads, customers or responses give that number, and the 95% interval columns "
        "(low / high) its uncertainty where a table has them; the report flags groups too small to rank. "
        "Check them before acting on a figure.",
        "样本量：比率或平均值的可靠程度取决于其背后的观测数量。样本量、线索数、客户数或反馈数等字段给出该数量，"
        "数据表中如有 95% 区间（下限 / 上限）字段，则给出其不确定性；报告会标记样本过少、不参与排名的分组。"
        "据此采取行动前请先核对。"),
}, parents=())


def area_catalogue(area: str) -> Catalogue:
    """The ``LABELS`` catalogue of ``workbench.<area>.labels``."""
    mod = importlib.import_module(f"workbench.{area}.labels")
    cat = getattr(mod, "LABELS", None)
    if not isinstance(cat, Catalogue):
        raise TypeError(f"workbench.{area}.labels.LABELS must be a reporting.Catalogue, got {type(cat).__name__}")
    return cat


def conflicts(catalogues: Iterable[Catalogue]) -> list[str]:
    """Keys that two catalogues (or one and :data:`COMMON`) define with different texts.

    Returns one line per conflict: ``key: area_a ('en', 'zh') vs area_b ('en', 'zh')``.
    """
    seen: dict[str, tuple[str, tuple[str, str]]] = {k: ("common", COMMON[k]) for k in COMMON.own}
    out = []
    for cat in catalogues:
        for key, pair in cat.own.items():
            if key in seen and seen[key][1] != pair:
                out.append(f"{key}: {seen[key][0]} {seen[key][1]} vs {cat.area} {pair}")
            seen.setdefault(key, (cat.area, pair))
    return out
