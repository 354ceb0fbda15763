"""Labels of the competitor report: table headers, the workbench's own codes shown in cells, feature
dimension names (English, Chinese)."""

from __future__ import annotations

from workbench.reporting import Catalogue

LABELS = Catalogue("competitors", {
    "competitor": ("Competitor", "竞争对手"),
    "category": ("Category", "品类"),
    "channel_id": ("Channel", "渠道"),
    "month": ("Month", "月份"),
    "n_obs": ("Observations", "观测数"),
    "price_index": ("Price index (us = 100)", "价格指数（本公司 = 100）"),
    "ci_low": ("95% CI low", "95% 置信下限"),
    "ci_high": ("95% CI high", "95% 置信上限"),
    "gap_pct": ("Price gap", "价差"),
    "gap_p10": ("Gap p10", "价差 P10"),
    "gap_median": ("Median gap", "价差中位数"),
    "gap_p90": ("Gap p90", "价差 P90"),
    "share_undercut": ("Obs. undercutting", "低价观测占比"),
    "position": ("Position", "价格位置"),
    "since": ("Since", "起始日期"),
    "undercut_status": ("Kind", "类型"),
    "dates_in_run": ("Observation dates", "观测日期数"),
    "index_before": ("Index before", "此前指数"),
    "n_before": ("Observations before", "此前观测数"),
    "channels": ("Channels", "渠道"),
    "median_ratio": ("Median ratio to our price", "与本公司价格之比（中位数）"),
    "rows": ("Rows", "行数"),
    "raw": ("As written", "原始写法"),
    "canonical": ("Merged into", "合并为"),
    "how": ("How", "方式"),
    "looks_like": ("Looks like", "疑似"),
    "period": ("Period", "期间"),
    "region": ("Region", "区域"),
    "is_us": ("Us", "本公司"),
    "sales": ("Sales", "销售额"),
    "share": ("Share", "占比"),
    "rank": ("Rank", "排名"),
    "share_prev": ("Previous share", "上期份额"),
    "change_pp": ("Change (pp)", "变化（百分点）"),
    "baseline_share": ("Baseline share", "基线份额"),
    "change_vs_baseline": ("Change vs baseline", "相对基线变化"),
    "z": ("z", "z 值"),
    "p_value": ("p-value", "p 值"),
    "p_adjusted": ("p (adjusted)", "校正后 p 值"),
    "beyond_noise": ("Beyond noise", "超出噪声"),
    "role": ("Role", "角色"),
    "n_periods": ("Periods", "期数"),
    "share_first": ("First share", "期初份额"),
    "share_latest": ("Latest share", "最新份额"),
    "slope_pp": ("Trend (pp per period)", "趋势（百分点/期）"),
    "slope_low": ("Trend CI low", "趋势区间下限"),
    "slope_high": ("Trend CI high", "趋势区间上限"),
    "closed": ("Closed", "已关闭"),
    "won": ("Won", "赢单"),
    "lost": ("Lost", "输单"),
    "win_rate": ("Win rate", "赢单率"),
    "share_of_closed": ("Share of closed leads", "占已结束线索比例"),
    "insufficient": ("Insufficient data", "数据不足"),
    "top_lost_reason": ("Top lost reason", "首要丢单原因"),
    "top_lost_reason_share": ("Its share", "其占比"),
    "lost_reason": ("Lost reason", "输单原因"),
    "share_of_lost": ("Share of losses", "占丢单比例"),
    "cum_share": ("Cumulative share", "累计占比"),
    "with_competitor": ("Of which a competitor named", "其中记录了竞品"),
    "term": ("Factor", "因素"),
    "odds_ratio": ("Odds ratio", "优势比"),
    "or_low": ("OR CI low", "优势比区间下限"),
    "or_high": ("OR CI high", "优势比区间上限"),
    "effect_pp": ("Win probability change (pp)", "赢单概率变化（百分点）"),
    "effect_low": ("Change CI low", "变化区间下限"),
    "effect_high": ("Change CI high", "变化区间上限"),
    "reading": ("What it means", "解读"),
    "dimension": ("Dimension", "维度"),
    "score": ("Score", "得分"),
    "our_score": ("Our score", "本公司得分"),
    "diff_vs_us": ("Difference to us", "与本公司之差"),
    "n_ratings": ("Ratings", "评分数"),
    "n_players": ("Players", "参与者数"),
    "competitor_mean": ("Competitors' mean", "竞品均值"),
    "competitor_max": ("Best competitor score", "竞品最高分"),
    "best_competitor": ("Best competitor", "最佳竞品"),
    "gap_vs_mean": ("Us minus competitors' mean", "本公司减竞品均值"),
    "verdict": ("Verdict", "结论"),
    "quadrant": ("Quadrant", "象限"),
    "point": ("Point (with its figure)", "要点（含依据数字）"),
    "topic": ("Topic", "主题"),
    "market_share": ("Market share", "市场份额"),
    "source_table": ("Source table", "来源表"),
    "name": ("Name", "名称"),
})
"""Table headers (keys are result-table column names)."""

HOW_LABELS = {"alias": ("competitor_aliases", "别名映射"), "spelling": ("case, spaces or full-width", "大小写、空格或全半角")}

QUADRANT_LABELS = {"strength": ("Strength", "优势 S"), "weakness": ("Weakness", "劣势 W"),
                   "opportunity": ("Opportunity", "机会 O"), "threat": ("Threat", "威胁 T")}

VERDICT_LABELS = {"strength": ("strength", "优势"), "weakness": ("weakness", "劣势"), "par": ("par", "持平")}

FEATURE_LABELS = {
    "price": ("price", "价格"), "value": ("value for money", "性价比"), "quality": ("quality", "质量"),
    "service": ("service", "服务"), "brand": ("brand", "品牌"), "delivery": ("delivery", "交付"),
    "design": ("design", "设计"), "features": ("features", "功能"), "functionality": ("functionality", "功能"),
    "support": ("support", "支持"), "after_sales": ("after-sales", "售后"), "installation": ("installation", "安装"),
    "reliability": ("reliability", "可靠性"), "ease_of_use": ("ease of use", "易用性"),
    "usability": ("usability", "易用性"), "innovation": ("innovation", "创新"), "ecosystem": ("ecosystem", "生态"),
    "app": ("app", "应用"), "security": ("security", "安全"), "battery": ("battery", "续航"),
    "coverage": ("coverage", "覆盖"), "availability": ("availability", "供货"), "warranty": ("warranty", "保修"),
}
"""The usual feature dimensions' names in English and Chinese (case and ``-``/space ignored); a dimension
the data names otherwise is shown as the data spells it."""

TERM_LABELS = {
    "competitor_involved": ("Competitor named on the lead", "线索记录了竞品"),
    "price_gap_pp": ("Competitor price index (per +10 points)", "竞品价格指数（每高 10 个点）"),
    "log2_amount": ("Deal size (per doubling)", "订单金额（每翻一倍）"),
}

ROLE_LABELS = {"us": ("us", "本公司"), "leader": ("leader", "领先者"), "challenger": ("challenger", "挑战者")}

POSITION_LABELS = {
    "cheaper": ("cheaper than us", "比我们便宜"),
    "parity": ("at parity", "价格持平"),
    "dearer": ("dearer than us", "比我们贵"),
}

STATUS_LABELS = {"new": ("new", "新出现"), "since_start": ("since start of data", "数据起始即如此")}


TABLE_LABELS = {
    "feature_comparison": ("feature_comparison", "功能对比表"), "market_share": ("market_share", "市场份额表"),
    "share_trend": ("share_trend", "份额趋势表"), "undercuts": ("undercuts", "低价竞争表"),
    "price_gaps": ("price_gaps", "价差表"), "lost_reasons": ("lost_reasons", "输单原因表"),
    "competitor_winloss": ("competitor_winloss", "竞品赢单率表"), "leads": ("leads", "线索表"),
    "competitor_prices": ("competitor_prices", "竞品价格表"), "competitor_features": ("competitor_features", "竞品功能评分表"),
}
"""Dataset and result tables a cell names (the file name in English, its title in Chinese)."""
