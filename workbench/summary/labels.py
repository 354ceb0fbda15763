"""The executive summary's labels: its column headers and its own codes, in English and Chinese.

The notebook's report consults this catalogue, then the catalogues of the areas it
cites (``LABELS.with_parents(...)``), so codes from their tables (a channel verdict,
a data-quality issue kind) read as those areas name them.
"""

from __future__ import annotations

from workbench.reporting import Catalogue

LABELS = Catalogue("summary", {
    # findings and recommended actions
    "area": ("Area", "领域"),
    "finding": ("Finding", "发现"),
    "figure": ("Figure", "数值"),
    "interval": ("95% interval", "95% 区间"),
    "action": ("Action", "行动"),
    "value_year": ("Expected value per year", "每年预期价值"),
    "interval_year": ("95% interval per year", "每年 95% 区间"),
    "per": ("Stated per", "原始口径"),
    "basis": ("Basis", "依据"),
    "report": ("Report", "报告"),
    "source": ("Source", "来源"),
    "open_report": ("Open the report", "查看报告"),
    "area_data": ("Data", "数据"),
    "area_customers": ("Customers", "客户"),
    "area_channels": ("Channels", "渠道"),
    "area_kpi": ("KPI", "KPI"),
    "area_competitors": ("Competitors", "竞争对手"),
    "area_feedback": ("Feedback", "客户反馈"),
    "per_month": ("month", "每月"),
    "per_quarter": ("quarter", "每季度"),
    "per_year": ("year", "每年"),
    "per_window": ("once (open period)", "一次性（未结束期间）"),
    # period over period
    "item": ("Item", "对象"),
    "sum_metric": ("Metric", "指标"),
    "previous": ("Previous", "上期"),
    "current": ("Current", "本期"),
    "change": ("Change", "变化"),
    "changed": ("Beyond noise", "超出噪声"),
    "n_previous": ("n previous", "上期样本量"),
    "n_current": ("n current", "本期样本量"),
    "from_data": ("data", "数据"),
    "metric_won_leads": ("conversion (won / leads, mature cohorts)", "转化率（赢单 / 线索，成熟批次）"),
    "metric_win_rate_closed": ("win rate of closed leads", "已关闭线索赢单率"),
    "metric_satisfied_n": ("satisfied share (CSAT 4–5)", "满意占比（CSAT 4–5 分）"),
    "metric_nps": ("NPS (points)", "NPS（点）"),
    "metric_share": ("share of customers", "客户占比"),
    "metric_actual": ("actual (past period)", "实际值（历史期间）"),
    "metric_price_index": ("price index", "价格指数"),
    "metric_conversion": ("conversion", "转化率"),
    "metric_revenue": ("revenue", "收入"),
    "dim_overall": ("overall", "总体"),
    "dim_channel": ("channel", "渠道"),
    "dim_region": ("region", "区域"),
    "dim_segment": ("segment", "分组"),
    "dim_tier": ("value tier", "价值层级"),
    "dim_industry": ("industry", "行业"),
    "group_all": ("all", "全部"),
    "group_unknown": ("unknown", "未知"),
    # did our actions work
    "sum_action_id": ("Action", "行动编号"),
    "sum_key": ("Unit", "对象"),
    "sum_kpi": ("KPI", "指标"),
    "start_date": ("Start", "开始日期"),
    "method": ("Method", "方法"),
    "before": ("Before", "之前"),
    "after": ("After", "之后"),
    "sum_effect": ("Effect", "效果"),
    "kpi_conversion_rate": ("Conversion of the period's leads (won / leads created, open ones not won yet)",
                            "本期线索转化率（赢单/本期创建线索，未关闭的暂计为未赢单）"),
    "kpi_revenue": ("revenue per month", "月收入"),
    "kpi_orders": ("orders per month", "月订单数"),
    "kpi_nps": ("NPS (points)", "NPS（点）"),
    "kpi_csat": ("mean CSAT score (1–5)", "CSAT 平均分（1–5）"),
    "did_rates": ("difference-in-differences of rates", "比率的双重差分"),
    "did_regression": ("difference-in-differences (fixed effects)", "双重差分（固定效应）"),
    "interrupted_time_series": ("interrupted time series", "中断时间序列"),
    "level_company": ("company", "公司"),
    "level_channel": ("channel", "渠道"),
    "level_region": ("region", "区域"),
    "level_team": ("team", "团队"),
    "level_rep": ("rep", "销售代表"),
    "effect_axis": ("effect with 95% interval (units of each KPI)", "效果及 95% 区间（各指标自身单位）"),
    "effects_title": ("Did our actions work?", "行动是否有效？"),
    # the dataset's tables (named in the data-quality finding)
    "data_actions": ("actions", "行动表"),
    "data_channels": ("channels", "渠道表"),
    "data_competitor_features": ("competitor features", "竞品功能表"),
    "data_competitor_prices": ("competitor prices", "竞品价格表"),
    "data_customers": ("customers", "客户表"),
    "data_feedback": ("feedback", "反馈表"),
    "data_inventory": ("inventory", "库存表"),
    "data_leads": ("leads", "线索表"),
    "data_market_share": ("market share", "市场份额表"),
    "data_orders": ("orders", "订单表"),
    "data_products": ("products", "产品表"),
    "data_reps": ("reps", "销售代表表"),
    "data_spend": ("spend", "费用表"),
    "data_stage_history": ("stage history", "阶段历史表"),
    "data_stages": ("stages", "阶段表"),
    "data_targets": ("targets", "目标表"),
    # words of other areas the summary's sentences use
    "fix_stale": ("stale data", "数据过期"),
    "fix_orphan_key": ("keys pointing nowhere", "引用了不存在的记录"),
    "fix_missing_values": ("empty optional fields", "选填字段为空"),
    "fix_out_of_range": ("values out of range", "超出取值范围"),
    "fix_exact_duplicate": ("duplicate rows", "完全重复的行"),
    "fix_duplicate_key": ("duplicate keys", "主键重复"),
    "fix_possible_duplicate_customer": ("possible duplicate customers", "疑似重复客户"),
    "fix_blank_required": ("blank required fields", "必填字段为空"),
    "fix_invalid": ("unreadable values", "无法识别的值"),
    "fix_missing_column": ("missing required columns", "缺少必填字段"),
    "verdict_fix_stage": ("fix the leaking stage", "修复流失阶段"),
    "verdict_grow": ("grow budget", "增加预算"),
    "verdict_cut": ("cut budget", "削减预算"),
    "verdict_hold": ("hold", "维持"),
    "verdict_insufficient_data": ("insufficient data", "数据不足"),
    "note_budget_up_while_fixing": ("{name} still gets more budget while its stage is fixed: an extra unit of "
                                    "spend returns more there than elsewhere, and fixing the stage raises that further.",
                                    "{name} 在修复阶段的同时仍增加预算：该渠道每多投入一单位费用的回报高于其他渠道，修复阶段后还会更高。"),
    "criterion_stage_gap_value": ("the stage gap is worth more than the budget move",
                                  "修复阶段的价值大于预算调整"),
    "criterion_budget_response": ("the budget optimiser's move", "预算优化的调整"),
    "criterion_no_response_curve": ("no response curve: spend stays", "无响应曲线：费用不变"),
    "criterion_min_leads": ("too few leads", "线索过少"),
})


CITED_AREAS = ("quality", "segmentation", "channels", "attribution", "kpi", "competitors", "feedback")


def words(key: str) -> tuple[str, str]:
    """``(english, chinese)`` of ``key`` (the key itself in both when unknown)."""
    return (LABELS.t(key, "en"), LABELS.t(key, "zh"))


def report_title(report: str, lang: str) -> str:
    """The title of a report page (``20_channel_evaluation.html`` -> ``渠道评估与优化``)."""
    from workbench.notebooks import NOTEBOOKS

    stem = str(report).removesuffix(".html")
    return NOTEBOOKS[stem].title(lang) if stem in NOTEBOOKS else stem


def rfm_segment(code: str) -> tuple[str, str]:
    """``(english, chinese)`` name of an RFM segment code, as the segmentation report names it."""
    try:
        from workbench.segmentation.labels import rfm_segment_label
    except ImportError:
        return str(code), str(code)
    return rfm_segment_label(code, "en"), rfm_segment_label(code, "zh")


def report_labels() -> Catalogue:
    """The summary's catalogue, then those of the areas it cites (codes of their tables keep their labels)."""
    from workbench.reporting import area_catalogue

    cited = []
    for area in CITED_AREAS:
        try:
            cited.append(area_catalogue(area))
        except (ImportError, AttributeError, TypeError):  # an area not on its own catalogue yet
            continue
    return LABELS.with_parents(*cited)
