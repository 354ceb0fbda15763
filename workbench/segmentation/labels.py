"""Report labels of the segmentation notebook: the area's :class:`~workbench.reporting.Catalogue`.

Result tables keep canonical column names and codes (``rfm_segment`` ``Champions``,
``tier`` ``VIP`` ...) in every language; these labels are what a reader sees in
tables, charts, the playbook and the CRM list. Each vocabulary is its own
namespace, so a key has one meaning (the tier ``key`` is not the column ``key``):

``COLUMNS``
    Table headers and axis labels. Money headers state their period with
    ``{days}`` (the value window), ``{months}`` (the CLV horizon), ``{end}`` (the
    analysis date: all data up to it) or ``{window}`` (the CAC months);
    :func:`header` fills them in.
``RFM_SEGMENTS``, ``TIERS``, ``POTENTIALS``, ``PLAYS``
    The default names of the params. A name an analyst sets in params shows as
    written. Within and across these four no two codes share a Chinese label.
``WORDS``
    The workbench's other words in result tables (movement, stability, score
    method, fit window, channel types, cluster features, placeholders).

``LABELS`` holds the headers under their column names and every code under
``<namespace>.<code>`` (``rfm_segment.Champions``, ``tier.VIP``), so that a code
never takes another key's meaning. :func:`for_run` fills the periods in for one
run; :func:`code_label` shows a code through the report.

Other reports name the groupings the same way: a *value tier* ("value tier" /
"价值层级") and an *RFM segment* ("RFM segment" / "RFM 分群"); use
:func:`rfm_segment_label` and :func:`tier_label` for their names, or
``LABELS.t("rfm_segment.Champions", lang)``.
"""

from __future__ import annotations

import pandas as pd

from workbench.reporting import Catalogue

COLUMNS: dict[str, tuple[str, str]] = {
    # identity and RFM
    "customer_name": ("Name", "客户名称"),
    "recency_days": ("Recency (days)", "最近购买距今（天）"),
    "frequency": ("Orders", "订单数"),
    "monetary": ("Net revenue, all data to {end}", "截至 {end} 累计净收入"),
    "r_score": ("R score", "R 分"),
    "f_score": ("F score", "F 分"),
    "m_score": ("M score", "M 分"),
    "rfm_code": ("RFM code", "RFM 代码"),
    "rfm_segment": ("RFM segment", "RFM 分群"),
    "first_purchase": ("First purchase", "首次购买"),
    "last_purchase": ("Last purchase", "最近购买"),
    "revenue_window": ("Net revenue, last {days} days", "近 {days} 天净收入"),
    "margin_to_date": ("Gross margin, all data to {end}", "截至 {end} 累计毛利"),
    "returns_to_date": ("Returns, all data to {end}", "截至 {end} 累计退货金额"),
    "customers": ("Customers", "客户数"),
    "share_customers": ("Share of customers", "客户占比"),
    "share_revenue": ("Share of net revenue to {end}", "截至 {end} 累计净收入占比"),
    "share_revenue_window": ("Share of net revenue, last {days} days", "近 {days} 天净收入占比"),
    "mean_recency_days": ("Mean recency (days)", "平均最近购买天数"),
    "mean_frequency": ("Mean orders", "平均订单数"),
    "median_monetary": ("Median net revenue, all data to {end}", "截至 {end} 累计净收入中位数"),
    "seg_rule": ("Rule", "规则"),
    "r_range": ("R score", "R 分区间"),
    "f_range": ("F score", "F 分区间"),
    "m_range": ("M score", "M 分区间"),
    "dimension": ("Dimension", "维度"),
    "method": ("Method", "方法"),
    "cut_points": ("Cut points", "切分点"),
    "score_1": ("Score 1", "1 分"),
    "score_2": ("Score 2", "2 分"),
    "score_3": ("Score 3", "3 分"),
    "score_4": ("Score 4", "4 分"),
    "score_5": ("Score 5", "5 分"),
    # CLV
    "clv": ("Predicted value (CLV), next {months} months", "未来 {months} 个月预测价值（CLV）"),
    "clv_margin": ("Predicted margin, next {months} months", "未来 {months} 个月预测毛利"),
    "clv_per_customer": ("CLV per customer, next {months} months", "未来 {months} 个月人均 CLV"),
    "clv_total": ("CLV total, next {months} months", "未来 {months} 个月 CLV 合计"),
    "p_alive": ("P(alive)", "存活概率"),
    "mean_p_alive": ("Mean P(alive)", "平均存活概率"),
    "expected_purchases": ("Expected purchases, next {months} months", "未来 {months} 个月预期购买次数"),
    "expected_order_value": ("Expected value per order", "预期每单金额"),
    "frequency_days": ("Repeat purchase days", "复购天数"),
    "recency_model_days": ("First to last purchase (days)", "首末次购买间隔（天）"),
    "T_days": ("Days since first purchase", "首次购买距今（天）"),
    "fit": ("Fitted on", "拟合数据"),
    "model": ("Model", "模型"),
    "parameter": ("Parameter", "参数"),
    "param_value": ("Value", "数值"),
    "se": ("Std. error", "标准误"),
    "ci_low": ("95% CI low", "95% 置信下限"),
    "ci_high": ("95% CI high", "95% 置信上限"),
    "n_customers": ("Customers fitted", "拟合客户数"),
    "n_repeat": ("Repeat buyers", "复购客户数"),
    "population": ("Customers in the window", "窗口内客户数"),
    "holdout_n": ("Customers", "客户数"),
    "calibration_purchases": ("Purchases in calibration", "校准期购买次数"),
    "actual_mean": ("Actual (mean)", "实际（均值）"),
    "predicted_mean": ("Predicted (mean)", "预测（均值）"),
    "baseline_mean": ("Naive baseline (mean)", "朴素基线（均值）"),
    "holdout_metric": ("Metric", "指标"),
    "actual": ("Actual", "实际"),
    "predicted": ("Predicted", "预测"),
    "naive_baseline": ("Naive baseline", "朴素基线"),
    # tiers
    "value_score": ("Value score (net revenue, last {days} days + CLV, next {months} months)",
                    "价值得分（近 {days} 天净收入 + 未来 {months} 个月 CLV）"),
    "min_value_score": ("Lowest value score (last {days} days + next {months} months)",
                        "最低价值得分（近 {days} 天 + 未来 {months} 个月）"),
    "potential": ("Potential", "潜力"),
    "value_tier": ("Value tier", "价值层级"),
    "previous_tier": ("Previous value tier", "上期价值层级"),
    "current_tier": ("Current value tier", "本期价值层级"),
    "share_of_previous": ("Share of previous tier", "占上期层级比例"),
    "share_clv": ("Share of CLV, next {months} months", "未来 {months} 个月 CLV 占比"),
    "movement": ("Movement", "变化方向"),
    # clusters
    "cluster": ("Cluster", "聚类"),
    "k": ("Clusters (k)", "聚类数"),
    "silhouette": ("Silhouette", "轮廓系数"),
    "inertia": ("Inertia", "簇内平方和"),
    "chosen": ("Chosen", "选中"),
    "n_bootstrap": ("Bootstrap refits", "自助重抽样次数"),
    "ari_mean": ("Adjusted Rand index (mean)", "调整兰德指数均值"),
    "ari_min": ("Adjusted Rand index (min)", "调整兰德指数最小值"),
    "stability": ("Stability", "稳定性"),
    "profile": ("Profile", "画像"),
    "median_recency_days": ("Median recency (days)", "最近购买天数中位数"),
    "median_tenure_days": ("Median tenure (days)", "客龄中位数（天）"),
    "top_channel": ("Main channel", "主要渠道"),
    "top_channel_share": ("Main channel share", "主要渠道占比"),
    "top_category": ("Main category", "主要品类"),
    "top_category_share": ("Main category share", "主要品类占比"),
    # profiles and channels
    "group": ("Group", "分组"),
    "region": ("Region", "区域"),
    "industry": ("Industry", "行业"),
    "acquisition_channel": ("Acquisition channel", "获客渠道"),
    "acquisition_channel_id": ("Acquisition channel id", "获客渠道编号"),
    "revenue_to_date": ("Net revenue, all data to {end}", "截至 {end} 累计净收入"),
    "revenue_per_customer": ("Net revenue per customer, all data to {end}", "截至 {end} 人均累计净收入"),
    "vip_customers": ("Top-tier customers", "最高层级客户数"),
    "vip_share": ("Top-tier share", "最高层级占比"),
    "vip_ci_low": ("Top-tier share 95% low", "最高层级占比 95% 下限"),
    "vip_ci_high": ("Top-tier share 95% high", "最高层级占比 95% 上限"),
    "vip_share_ci": ("Top-tier share (95% CI)", "最高层级占比（95% 置信区间）"),
    "small_group": ("Too small to compare", "样本过小"),
    "new_customers_window": ("New customers, {window}", "新客户数（{window}）"),
    "spend_window": ("Spend, {window}", "投放费用（{window}）"),
    "cac_in_window": ("CAC, {window} (spend / new customers)", "CAC（{window}，投放费用 / 新客户数）"),
    "cac_window": ("CAC window", "CAC 统计月份"),
    "value_per_new_customer_horizon": ("Value per new customer (to {end} + next {months} months)",
                               "新客人均价值（截至 {end} 累计 + 未来 {months} 个月）"),
    "clv_cac": ("CLV / CAC", "CLV / CAC"),
    # playbook
    "play": ("Play", "策略"),
    "play_action": ("Recommended action", "建议动作"),
    "recommended_action": ("Recommended action", "建议动作"),
    "value_at_stake": ("Predicted value at stake, next {months} months", "未来 {months} 个月涉及预测价值"),
    # figure titles and axes
    "seg_rfm_scores": ("Customers by R and F score", "各 R、F 得分的客户数"),
    "seg_segment_sizes": ("Customers and net revenue (last {days} days) by RFM segment",
                          "各 RFM 分群的客户数与近 {days} 天净收入"),
    "seg_holdout": ("Holdout check: purchases per customer", "留出期检验：人均购买次数"),
    "seg_holdout_x": ("Purchases in the calibration window (customers)", "校准期购买次数（客户数）"),
    "seg_holdout_y": ("Mean purchases in the holdout window", "留出期人均购买次数"),
    "seg_tier_matrix": ("Customers by value tier and potential", "各价值层级 × 潜力的客户数"),
    "seg_k_choice": ("Choosing the number of clusters", "聚类数 k 的选择"),
    "seg_transitions": ("Value tier migration since the previous period", "与上期相比的价值层级迁移"),
    "seg_channel_matrix": ("Share of net revenue (all data to {end}) by RFM segment and acquisition channel",
                           "各 RFM 分群 × 获客渠道的累计净收入占比（截至 {end}）"),
    "seg_share_of_customers": ("Share of customers (%)", "客户占比（%）"),
    "seg_share_of_revenue": ("Share of net revenue, last {days} days (%)", "近 {days} 天净收入占比（%）"),
    "seg_share_axis": ("Share (%)", "占比（%）"),
}
"""Headers and axis labels; ``{days}``, ``{months}``, ``{end}`` are filled in by :func:`header`."""

MONEY_COLUMNS = frozenset({
    "cac_in_window", "monetary", "revenue_window", "margin_to_date", "returns_to_date", "clv", "clv_margin", "clv_per_customer", "clv_total",
    "value_score", "min_value_score", "median_monetary", "revenue_to_date", "revenue_per_customer", "spend_window",
    "value_per_new_customer_horizon", "value_at_stake"})
"""Money columns (header keys) whose header states a period (a test checks each has ``{days}``, ``{months}``, ``{end}`` or
``{window}``)."""

PER_UNIT_MONEY_COLUMNS = frozenset({"expected_order_value"})
"""Money columns that are an amount per order or per customer, not a total over a period."""

RFM_SEGMENTS: dict[str, tuple[str, str]] = {
    "Champions": ("Champions", "冠军客户"),
    "Loyal": ("Loyal", "忠诚客户"),
    "Potential loyalists": ("Potential loyalists", "潜在忠诚客户"),
    "New": ("New", "新客户"),
    "Need attention": ("Need attention", "需关注客户"),
    "At risk": ("At risk", "流失风险客户"),
    "Hibernating": ("Hibernating", "沉睡客户"),
    "Lost": ("Lost", "已流失客户"),
    "Other": ("Other (no rule matched)", "其他（未匹配规则）"),
}
TIERS: dict[str, tuple[str, str]] = {
    "VIP": ("VIP", "VIP 客户"),
    "key": ("Key", "重点客户"),
    "regular": ("Regular", "普通客户"),
    "low value": ("Low value", "低价值客户"),
    "(new)": ("(no purchase then)", "（上期尚无购买）"),
}
POTENTIALS: dict[str, tuple[str, str]] = {
    "high": ("High", "高潜力"),
    "medium": ("Medium", "中潜力"),
    "low": ("Low", "低潜力"),
    "unknown": ("Unknown (no CLV model)", "未知（无 CLV 模型）"),
}
PLAYS: dict[str, tuple[str, str]] = {
    "vip_save": ("VIP save", "VIP 挽留"),
    "vip_care": ("VIP care", "VIP 维护"),
    "key_winback": ("Key account win-back", "重点客户挽回"),
    "grow_potential": ("Grow high potential", "高潜力培育"),
    "reward_loyal": ("Reward loyalty", "忠诚奖励"),
    "nurture_new": ("Nurture new customers", "新客培育"),
    "win_back": ("Win back", "召回"),
    "low_cost_reactivation": ("Low-cost reactivation", "低成本唤醒"),
    "keep_in_touch": ("Keep in touch", "常规维护"),
    "(no play)": ("(no play matched)", "（无适用策略）"),
}
WORDS: dict[str, tuple[str, str]] = {
    # placeholders
    "(unknown)": ("(unknown)", "（未知）"),
    # movement
    "up": ("grew", "上升"),
    "down": ("slipped", "下滑"),
    "same": ("same", "不变"),
    "new": ("new since then", "期间新增"),
    # cluster stability
    "stable": ("stable", "稳定"),
    "moderately stable": ("moderately stable", "较稳定"),
    "unstable": ("unstable", "不稳定"),
    # score methods and fit windows
    "quantile": ("quantiles", "分位数"),
    "fixed": ("fixed thresholds", "固定阈值"),
    "calibration": ("calibration window", "校准期"),
    "full": ("all data to the analysis date", "截至分析日的全部数据"),
    # channel types (channels.type)
    "direct": ("direct sales", "直销"),
    "distributor": ("distributors", "经销商"),
    "ecommerce": ("e-commerce", "电商"),
    "retail": ("retail stores", "零售门店"),
    "partner": ("partners", "合作伙伴"),
    "telesales": ("telesales", "电话销售"),
    "other": ("other", "其他"),
    # cluster features
    "feat_recency": ("recency", "最近购买"),
    "feat_frequency": ("orders", "订单数"),
    "feat_monetary": ("net revenue", "净收入"),
    "feat_tenure": ("tenure", "客龄"),
    "feat_order_value": ("order value", "客单价"),
}
DIMENSIONS: dict[str, tuple[str, str]] = {
    "recency_days": ("Recency (days)", "最近购买距今（天）"),
    "frequency": ("Orders", "订单数"),
    "monetary": ("Net revenue, all data", "累计净收入"),
}
CRM_SOURCES: dict[str, tuple[str, str]] = {
    "zoho": ("Zoho CRM", "Zoho CRM"),
    "fxiaoke": ("Fxiaoke (纷享销客)", "纷享销客"),
    "mapping": ("files imported through a mapping file", "通过映射文件导入的文件"),
}
"""Where a dataset came from (``dataset.yaml`` ``source``, written by ``workbench import``)."""
METRICS: dict[str, tuple[str, str]] = {
    "purchases_total": ("Holdout purchases, total ({h} days)", "留出期（{h} 天）购买次数合计"),
    "revenue_total": ("Holdout net revenue, total ({h} days)", "留出期（{h} 天）净收入合计"),
    "mae_purchases": ("Mean absolute error per customer (purchases)", "每客户平均绝对误差（购买次数）"),
    "spearman_purchases": ("Rank correlation with actual purchases", "与实际购买次数的秩相关系数"),
}
PARAMETERS: dict[str, tuple[str, str]] = {"alpha": ("α", "α")}

NAMESPACES: dict[str, dict[str, tuple[str, str]]] = {
    "column": COLUMNS, "rfm_segment": RFM_SEGMENTS, "tier": TIERS, "potential": POTENTIALS, "play": PLAYS,
    "word": WORDS, "dimension": DIMENSIONS, "metric": METRICS, "parameter": PARAMETERS,
}
ENUM_COLUMNS: dict[str, str] = {
    "rfm_segment": "rfm_segment", "tier": "tier", "previous_tier": "tier", "current_tier": "tier",
    "potential": "potential", "play": "play", "movement": "word", "stability": "word", "method": "word",
    "fit": "word", "top_channel": "word", "top_category": "word", "dimension": "dimension", "metric": "metric",
    "parameter": "parameter", "group": "word", "acquisition_channel": "word",
}
"""Result-table columns holding the workbench's own codes, and the namespace of their labels."""


HEADER_KEYS = {"revenue": "revenue_to_date", "name": "customer_name", "n": "holdout_n", "tier": "value_tier",
               "value": "param_value", "new_customers": "new_customers_window", "spend": "spend_window",
               "cac": "cac_in_window", "metric": "holdout_metric",
               "value_per_new_customer": "value_per_new_customer_horizon", "rule": "seg_rule",
               "baseline": "naive_baseline", "returns": "returns_to_date", "margin": "margin_to_date",
               "action": "play_action"}
"""Columns whose header is another key (their own name means something else in the common labels)."""

CODES: dict[str, dict[str, tuple[str, str]]] = {
    "rfm_segment": RFM_SEGMENTS, "tier": TIERS, "potential": POTENTIALS, "play": PLAYS, "word": WORDS,
    "dimension": DIMENSIONS, "metric": METRICS, "parameter": PARAMETERS, "crm_source": CRM_SOURCES,
}
"""The namespaces of the workbench's own codes; in ``LABELS`` as ``<namespace>.<code>``."""

LABELS = Catalogue("segmentation", {
    **COLUMNS,
    **{f"{ns}.{code}": pair for ns, table in CODES.items() for code, pair in table.items()},
})
"""The area's catalogue, periods as ``{days}``, ``{months}``, ``{end}``, ``{h}``, ``{window}`` templates."""

NAMESPACES: dict[str, dict[str, tuple[str, str]]] = {"column": COLUMNS, **CODES}
ENUM_COLUMNS: dict[str, str] = {
    "rfm_segment": "rfm_segment", "tier": "tier", "previous_tier": "tier", "current_tier": "tier",
    "potential": "potential", "play": "play", "movement": "word", "stability": "word", "method": "word",
    "fit": "word", "top_channel": "word", "top_category": "word", "dimension": "dimension", "metric": "metric",
    "parameter": "parameter",
}
"""Result-table columns holding the workbench's own codes, and the namespace of their labels."""
PLACEHOLDER_COLUMNS = {"group": "word", "acquisition_channel": "word"}
"""Columns of data names in which only the workbench's placeholders (``(unknown)``) are translated."""


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def periods(params, analysis_date=None) -> dict:
    """The periods of one run: ``days`` (value window), ``months`` (CLV horizon), ``h`` (holdout days),
    ``end`` (analysis date) and ``window`` (the CAC months, :mod:`workbench.measures`)."""
    from workbench import measures

    out = {"days": params.value_window_days, "months": params.clv_horizon_months, "h": params.holdout_days}
    if analysis_date is not None and not pd.isna(analysis_date):
        date = pd.Timestamp(analysis_date)
        out["end"] = date.strftime("%Y-%m-%d")
        out["window"] = measures.window_text(measures.complete_months(date, measures.CAC_MONTHS))
    return out


def fill(template: str, lang: str, **ctx) -> str:
    """``template`` with ``{days}``, ``{months}``, ``{end}``, ``{h}``, ``{window}`` filled in (defaults in words)."""
    defaults = {"end": "分析日" if lang == "zh" else "the analysis date", "days": "N", "months": "N", "h": "N",
                "window": "CAC 统计月份" if lang == "zh" else "the CAC window"}
    values = {**defaults, **{k: v for k, v in ctx.items() if v is not None}}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def for_run(params, analysis_date=None) -> Catalogue:
    """``LABELS`` with the periods of this run filled in: the report's catalogue.

    >>> from workbench.segmentation.params import SegmentationParams
    >>> for_run(SegmentationParams(), "2026-10-31").t("revenue_window", "zh")
    '近 365 天净收入'
    """
    ctx = periods(params, analysis_date)
    return Catalogue("segmentation", {k: (fill(en, "en", **ctx), fill(zh, "zh", **ctx))
                                      for k, (en, zh) in LABELS.own.items()})


def header(column: str, lang: str, **ctx) -> str:
    """The header of ``column`` in ``lang``, its period filled in from ``ctx`` (see :func:`periods`)."""
    key = HEADER_KEYS.get(column, column)
    pair = COLUMNS.get(key)
    if pair is None:
        return LABELS.t(key, lang)
    return fill(_pick(pair, lang), lang, **ctx)


def name(namespace: str, code, lang: str, **ctx) -> str:
    """The reader's word for a code of ``namespace``; a code without a label (set in params) shows as written."""
    pair = NAMESPACES[namespace].get(str(code))
    return fill(_pick(pair, lang), lang, **ctx) if pair else str(code)


def code_label(rpt, namespace: str, code) -> str:
    """A code as the report ``rpt`` shows it (its catalogue has this run's periods)."""
    key = f"{namespace}.{code}"
    return rpt.t(key) if key in rpt.labels else str(code)


def rfm_segment_label(code: str, lang: str) -> str:
    """The name of an RFM segment code (``Champions`` -> ``冠军客户``)."""
    return name("rfm_segment", code, lang)


def tier_label(code: str, lang: str) -> str:
    """The name of a value tier code (``VIP`` -> ``VIP 客户``)."""
    return name("tier", code, lang)
