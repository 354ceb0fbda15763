"""Labels of the market feedback report: table headers, the workbench's own codes shown in cells
(dimensions, NPS groups, languages, driver factors) in English and Chinese."""

from __future__ import annotations

from workbench.reporting import Catalogue

LABELS = Catalogue("feedback", {
    "dimension": ("Dimension", "维度"),
    "group": ("Group", "分组"),
    "promoters": ("Promoters", "推荐者"),
    "passives": ("Passives", "被动者"),
    "detractors": ("Detractors", "贬损者"),
    "promoter_share": ("Promoter share", "推荐者占比"),
    "detractor_share": ("Detractor share", "贬损者占比"),
    "nps": ("NPS", "NPS"),
    "mean_score_0_10": ("Mean likelihood to recommend (0-10)", "平均推荐意愿分（0-10）"),
    "mean_csat": ("Mean CSAT (1-5)", "平均满意度（1-5）"),
    "satisfied": ("Satisfied", "满意人数"),
    "satisfied_share": ("Satisfied share", "满意占比"),
    "sat_ci_low": ("Satisfied CI low", "满意占比区间下限"),
    "sat_ci_high": ("Satisfied CI high", "满意占比区间上限"),
    "insufficient": ("Insufficient data", "数据不足"),
    "scope": ("Scope", "范围"),
    "score_metric": ("Metric", "指标"),
    "period_from": ("From", "起始期"),
    "period_to": ("To", "对比期"),
    "value_from": ("Value from", "起始期数值"),
    "value_to": ("Value to", "对比期数值"),
    "change": ("Change", "变化"),
    "significant": ("Significant", "显著"),
    "p_value": ("p-value", "p 值"),
    "p_adjusted": ("p (adjusted)", "校正后 p 值"),
    "theme": ("Theme", "主题"),
    "label": ("Theme", "主题"),
    "mentions": ("Mentions", "提及次数"),
    "share_all": ("Share of comments", "占全部评论"),
    "n_detractors": ("Detractor comments", "贬损者评论数"),
    "share_detractors": ("Among detractors", "贬损者中占比"),
    "n_promoters": ("Promoter comments", "推荐者评论数"),
    "share_promoters": ("Among promoters", "推荐者中占比"),
    "diff": ("Difference (pp)", "差值（百分点）"),
    "diff_low": ("CI low (pp)", "差值区间下限（百分点）"),
    "diff_high": ("CI high (pp)", "差值区间上限（百分点）"),
    "nps_group": ("NPS group", "NPS 分组"),
    "comment": ("Comment", "评论"),
    "themes": ("Themes", "主题"),
    "priority": ("Priority", "优先级"),
    "contactable": ("Contactable", "可联系"),
    "customer_id": ("Customer", "客户"),
    "response_id": ("Response", "反馈编号"),
    "date": ("Date", "日期"),
    "channel": ("Channel", "渠道"),
    "csat": ("CSAT", "满意度 CSAT"),
    "lang": ("Language", "语言"),
    "unthemed_word": ("Word", "词语"),
    "language": ("Language", "语言"),
    "responses": ("Responses", "反馈数"),
    "outcome": ("Outcome", "结果指标"),
    "factor": ("Factor", "因素"),
    "reference": ("Compared with", "对照"),
    "n_level": ("n (level)", "该取值样本量"),
    "r_squared": ("R²", "R²"),
    "sentence": ("In plain words", "解读"),
    "responses_from": ("Responses from", "起始期反馈数"),
    "responses_to": ("Responses to", "对比期反馈数"),
    "sample": ("Sample", "样本"),
    "too_few_responses": ("too few responses", "样本不足"),
    "enough_responses": ("enough", "充足"),
    "share": ("Share", "占比"),
})
"""Table headers (keys are result-table column names)."""

FACTOR_LABELS = {"channel": ("channel", "渠道"), "tier": ("value tier", "价值层级"), "industry": ("industry", "行业"),
                 "category": ("product category", "产品品类"), "source": ("feedback source", "反馈来源"),
                 "theme": ("comment theme", "评论主题")}

LEVEL_LABELS = {"unknown": ("unknown", "未知"), "other": ("other (pooled small groups)", "其他（合并的小分组）")}
"""The workbench's own level codes, shown in the reader's language."""

OUTCOME_LABELS = {"nps": ("NPS answer (0-10)", "NPS 评分（0-10）"), "csat": ("CSAT (1-5)", "满意度评分（1-5）")}

GROUP_LABELS = {"promoter": ("promoter", "推荐者"), "passive": ("passive", "被动者"),
                "detractor": ("detractor", "贬损者")}

LANG_LABELS = {"zh": ("Chinese", "中文"), "en": ("English", "英文"), "other": ("other language", "其他语言"),
               "empty": ("empty", "空")}

DIMENSION_LABELS = {"overall": ("overall", "总体"), "channel": ("channel", "渠道"), "tier": ("value tier", "价值层级"),
                    "industry": ("industry", "行业"), "source": ("feedback source", "反馈来源"),
                    "region": ("region", "区域"), "period": ("period", "期间")}

METRIC_LABELS = {"nps": ("NPS", "NPS"), "csat": ("mean CSAT (1-5)", "平均满意度（1-5）")}

TOO_FEW = ("too few responses", "样本不足")

