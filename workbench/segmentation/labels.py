"""Report labels of the segmentation notebook (English, Chinese), registered with :mod:`workbench.i18n`.

Column names of the result tables stay canonical English in the CSV files; these
labels are what a reader sees. The default segment, tier, potential and play
names are translated for Chinese reports too; names a user sets in params show
as written.
"""

from __future__ import annotations

from workbench import i18n

LABELS: dict[str, tuple[str, str]] = {
    # columns
    "customer_id": ("Customer", "客户编号"),
    "customer_name": ("Name", "客户名称"),
    "recency_days": ("Recency (days)", "最近购买距今（天）"),
    "frequency": ("Orders", "订单数"),
    "monetary": ("Net revenue", "净收入"),
    "r_score": ("R", "R 分"),
    "f_score": ("F", "F 分"),
    "m_score": ("M", "M 分"),
    "rfm_code": ("RFM", "RFM"),
    "segment": ("Segment", "客户分群"),
    "first_purchase": ("First purchase", "首次购买"),
    "last_purchase": ("Last purchase", "最近购买"),
    "revenue_window": ("Recent net revenue", "近期净收入"),
    "margin": ("Gross margin", "毛利"),
    "returns": ("Returns", "退货金额"),
    "customers": ("Customers", "客户数"),
    "share_customers": ("Share of customers", "客户占比"),
    "share_revenue": ("Share of revenue", "收入占比"),
    "share_revenue_window": ("Share of recent revenue", "近期收入占比"),
    "mean_recency_days": ("Mean recency (days)", "平均最近购买天数"),
    "mean_frequency": ("Mean orders", "平均订单数"),
    "median_monetary": ("Median net revenue", "净收入中位数"),
    "clv": ("Predicted value (CLV)", "预测价值（CLV）"),
    "clv_margin": ("Predicted margin", "预测毛利"),
    "clv_per_customer": ("CLV per customer", "人均 CLV"),
    "p_alive": ("P(alive)", "存活概率"),
    "expected_purchases": ("Expected purchases", "预期购买次数"),
    "expected_order_value": ("Expected order value", "预期客单价"),
    "value_score": ("Value score", "价值得分"),
    "potential": ("Potential", "潜力"),
    "tier": ("Tier", "价值层级"),
    "previous_tier": ("Previous tier", "上期层级"),
    "current_tier": ("Current tier", "本期层级"),
    "share_of_previous": ("Share of previous tier", "占上期层级比例"),
    "movement": ("Movement", "变化方向"),
    "rule": ("Rule", "规则"),
    "r_range": ("R score", "R 分区间"),
    "f_range": ("F score", "F 分区间"),
    "m_range": ("M score", "M 分区间"),
    "score_value": ("Score", "得分"),
    "dimension": ("Dimension", "维度"),
    "cut_points": ("Cut points", "切分点"),
    "method": ("Method", "方法"),
    "model": ("Model", "模型"),
    "fit": ("Fitted on", "拟合数据"),
    "parameter": ("Parameter", "参数"),
    "value": ("Value", "数值"),
    "se": ("Std. error", "标准误"),
    "ci_low": ("95% CI low", "95% 置信下限"),
    "ci_high": ("95% CI high", "95% 置信上限"),
    "n_customers": ("Customers", "客户数"),
    "n_repeat": ("Repeat buyers", "复购客户数"),
    "population": ("Customers in the window", "窗口内客户数"),
    "calibration_purchases": ("Purchases in calibration", "校准期购买次数"),
    "actual_mean": ("Actual (mean)", "实际（均值）"),
    "predicted_mean": ("Predicted (mean)", "预测（均值）"),
    "metric": ("Metric", "指标"),
    "actual": ("Actual", "实际"),
    "predicted": ("Predicted", "预测"),
    "error_pct": ("Error", "误差"),
    "baseline": ("Naive baseline", "朴素基线"),
    "cluster": ("Cluster", "聚类"),
    "k": ("k", "k"),
    "silhouette": ("Silhouette", "轮廓系数"),
    "inertia": ("Inertia", "簇内平方和"),
    "chosen": ("Chosen", "选中"),
    "ari_mean": ("ARI (mean)", "ARI 均值"),
    "ari_min": ("ARI (min)", "ARI 最小值"),
    "stability": ("Stability", "稳定性"),
    "profile": ("Profile", "画像"),
    "median_recency_days": ("Median recency (days)", "最近购买天数中位数"),
    "median_tenure_days": ("Median tenure (days)", "客龄中位数（天）"),
    "top_channel": ("Main channel", "主要渠道"),
    "top_category": ("Main category", "主要品类"),
    "group": ("Group", "分组"),
    "region": ("Region", "区域"),
    "industry": ("Industry", "行业"),
    "acquisition_channel": ("Acquisition channel", "获客渠道"),
    "acquisition_channel_id": ("Acquisition channel id", "获客渠道编号"),
    "channel_name": ("Channel", "渠道"),
    "revenue": ("Net revenue", "净收入"),
    "revenue_per_customer": ("Revenue per customer", "人均收入"),
    "vip_customers": ("Top-tier customers", "顶级层级客户数"),
    "vip_share": ("Top-tier share", "顶级层级占比"),
    "vip_ci_low": ("Top-tier share 95% low", "顶级占比 95% 下限"),
    "vip_ci_high": ("Top-tier share 95% high", "顶级占比 95% 上限"),
    "small_group": ("Too small to compare", "样本过小"),
    "new_customers": ("New customers", "新客户数"),
    "spend": ("Spend", "投放费用"),
    "cac": ("CAC", "获客成本 CAC"),
    "value_per_new_customer": ("Value / new customer", "新客人均价值"),
    "clv_cac": ("CLV / CAC", "CLV / CAC"),
    "play": ("Play", "策略"),
    "action": ("Recommended action", "建议动作"),
    "recommended_action": ("Recommended action", "建议动作"),
    "value_at_stake": ("Predicted value at stake", "涉及预测价值"),
    "share_clv": ("Share of predicted value", "预测价值占比"),
    "min_value_score": ("Lowest value score", "最低价值得分"),
    "vip_share_ci": ("Top-tier share (95% CI)", "顶级层级占比（95% 置信区间）"),
    "(unknown)": ("(unknown)", "（未知）"),
    "name": ("Name", "名称"),
    # section titles and figure labels
    "seg_rfm_scores": ("RFM score distribution", "RFM 得分分布"),
    "seg_segment_sizes": ("Customers and recent revenue by segment", "各分群客户数与近期收入"),
    "seg_holdout": ("Holdout check: purchases per customer", "留出期检验：人均购买次数"),
    "seg_holdout_x": ("Purchases in the calibration window", "校准期购买次数"),
    "seg_holdout_y": ("Mean purchases in the holdout window", "留出期人均购买次数"),
    "seg_tier_matrix": ("Customers by value tier and potential", "价值层级 × 潜力的客户数"),
    "seg_k_choice": ("Choosing the number of clusters", "聚类数 k 的选择"),
    "seg_transitions": ("Tier migration since the previous period", "与上期相比的层级迁移"),
    "seg_channel_matrix": ("Net revenue by segment and acquisition channel", "各分群 × 获客渠道的净收入"),
    "seg_share_of_customers": ("Share of customers", "客户占比"),
    "seg_share_of_revenue": ("Share of recent revenue", "近期收入占比"),
    "(new)": ("(new customer)", "（新客户）"),
    "(none)": ("(not a customer yet)", "（尚非客户）"),
    "up": ("grew", "上升"),
    "down": ("slipped", "下滑"),
    "same": ("same", "不变"),
    "new": ("new", "新增"),
    "unknown": ("unknown", "未知"),
    "Other": ("Other", "其他"),
    "stable": ("stable", "稳定"),
    "moderately stable": ("moderately stable", "较稳定"),
    "unstable": ("unstable", "不稳定"),
    "quantile": ("quantiles", "分位数"),
    "fixed": ("fixed thresholds", "固定阈值"),
    "calibration": ("calibration window", "校准期"),
    "full": ("all data to the analysis date", "截至分析日的全部数据"),
    # default segment, tier, potential and play names
    "Champions": ("Champions", "冠军客户"),
    "Loyal": ("Loyal", "忠诚客户"),
    "Potential loyalists": ("Potential loyalists", "潜在忠诚客户"),
    "New": ("New", "新客户"),
    "Need attention": ("Need attention", "需关注客户"),
    "At risk": ("At risk", "流失风险客户"),
    "Hibernating": ("Hibernating", "沉睡客户"),
    "Lost": ("Lost", "已流失客户"),
    "VIP": ("VIP", "VIP 客户"),
    "key account": ("key", "重点客户"),
    "regular": ("regular", "普通客户"),
    "low value": ("low value", "低价值客户"),
    "high": ("high", "高"),
    "medium": ("medium", "中"),
    "low": ("low", "低"),
    "vip_save": ("VIP save", "VIP 挽留"),
    "vip_care": ("VIP care", "VIP 维护"),
    "key_winback": ("Key account win-back", "重点客户挽回"),
    "grow_potential": ("Grow high potential", "高潜力培育"),
    "reward_loyal": ("Reward loyalty", "忠诚奖励"),
    "nurture_new": ("Nurture new customers", "新客培育"),
    "win_back": ("Win back", "召回"),
    "low_cost_reactivation": ("Low-cost reactivation", "低成本唤醒"),
    "keep_in_touch": ("Keep in touch", "常规维护"),
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

# The tier "key" collides with the generic "key" column label: its display name is looked up
# under "key account" (see :func:`display_name`).
VALUE_ALIASES = {"key": "key account"}


def register() -> None:
    """Add the labels to :mod:`workbench.i18n` (existing keys win)."""
    i18n.register(LABELS)


def label(key: str, lang: str) -> str:
    """A header or axis label: this module's label first (``tier`` is a value tier here, not a fix-list
    priority as in the generic labels), then :func:`workbench.i18n.t`."""
    if key in LABELS:
        return LABELS[key][1] if lang == "zh" else LABELS[key][0]
    return i18n.t(key, lang)


def display_name(value: str, lang: str) -> str:
    """The reader's word for one of the workbench's own values (segment, tier, play ...)."""
    key = VALUE_ALIASES.get(value, value)
    if key in LABELS:
        return LABELS[key][1] if lang == "zh" else LABELS[key][0]
    return value


register()
