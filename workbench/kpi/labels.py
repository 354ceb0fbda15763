"""Labels of the KPI review: result-table columns and codes (model forms, scenarios, events, statuses)
with their English and Chinese text. Compute code writes codes; only views look them up."""

from workbench.reporting import Catalogue

LABELS = Catalogue("kpi", {
    # attainment
    "key": ("Key", "对象"), "kpi": ("KPI", "KPI"), "actual": ("Actual", "实际"),
    "target": ("Target", "目标"), "attainment": ("Attainment", "达成率"), "grey": ("grey", "灰"),
    "ok": ("ok", "正常"), "partial_target": ("partial target", "目标不完整"), "no_data_key": ("key has no data", "对象无数据"),
    "no_actuals": ("no actuals for period", "该期无实际数据"), "in_progress": ("in progress", "进行中"),
    "immature": ("immature cohort", "队列未成熟"), "left": ("rep left", "已离职"),
    "periods": ("Periods", "期数"), "red_periods": ("Red periods", "红灯期数"),
    "volume": ("Volume", "销量影响"), "price": ("Price", "价格影响"), "mix": ("Mix", "结构影响"),
    "base": ("Base", "基期"), "gap": ("Gap", "差距"), "base_revenue": ("Base revenue", "基期收入"),
    "gap_vs_base": ("Gap vs base", "较基期差距"), "gap_vs_target": ("Gap vs target", "较目标差距"),
    "volume_vs_target": ("Volume vs plan", "销量（对目标）"), "unexplained": ("Not split", "未拆分"),
    # control
    "chart": ("Chart", "控制图"), "rule": ("Rule", "判异规则"), "first_period": ("From", "起"),
    "last_period": ("To", "止"), "direction": ("Direction", "方向"),
    "center": ("Centre", "中心线"), "phase": ("Phase", "阶段"), "action_id": ("Action", "改进措施"),
    "signal": ("Signal", "信号"), "up": ("up", "上升"), "down": ("down", "下降"),
    "baseline": ("baseline", "基线期"), "review": ("review", "复盘期"),
    # forecast
    "cutoff": ("Cutoff", "截止日"), "actual_to_date": ("Actual to date", "截至目前实际"),
    "forecast_mean": ("Forecast at period end", "期末预测"), "forecast_low": ("Low", "下限"),
    "forecast_high": ("High", "上限"), "expected_attainment": ("Expected attainment", "预计达成率"),
    "p_hit": ("P(hit target)", "达成概率"), "model": ("Model", "模型"), "n_months": ("Months of history", "历史月数"),
    "pipeline_deals": ("Open deals", "在途商机数"), "pipeline_mean": ("Pipeline expected", "商机预期成交"),
    "pipeline_low": ("Pipeline low", "商机下限"), "pipeline_high": ("Pipeline high", "商机上限"),
    "p_pipeline_covers_gap": ("P(pipeline closes gap)", "商机补足缺口概率"), "actual_final": ("Actual at end", "期末实际"),
    "stage": ("Stage", "阶段"), "p_won": ("P(won)", "赢单概率"),
    "crm_probability": ("CRM probability", "CRM 概率"), "reached": ("Reached", "到达数"),
    "brier": ("Brier score", "Brier 分数"), "predicted": ("Predicted", "预测"), "observed": ("Observed", "实际"),
    "bin": ("Bin", "区间"), "event": ("Event", "事件"), "method": ("Method", "方法"), "deals": ("Deals", "商机数"),
    # incentives
    "sales": ("Sales", "销售额"), "returns": ("Returns", "退货"), "credited": ("Credited", "计提收入"),
    "commission": ("Commission", "提成"), "accelerator_extra": ("of which accelerator", "其中加速部分"),
    "capped": ("Cut by caps", "封顶扣减"), "clawback": ("Clawback", "退货追回"), "team_bonus": ("Team bonus", "团队奖金"),
    "total_pay": ("Total pay", "应发合计"), "scenario": ("Scenario", "方案"), "total_cost": ("Total cost", "总成本"),
    "cost_share": ("Cost / revenue", "成本占收入比"), "delta": ("Change", "变化"), "reps_paid": ("Reps paid", "获奖励人数"),
    "max_pay": ("Highest pay", "最高个人所得"), "plan": ("Plan", "现行方案"), "reps_above_target": ("Reps ≥ target", "达标人数"),
    # team
    "attainment_low": ("Att. low", "达成率下限"), "attainment_high": ("Att. high", "达成率上限"), "win_rate": ("Win rate", "赢单率"),
    "win_rate_low": ("Win rate low", "赢单率下限"), "win_rate_high": ("Win rate high", "赢单率上限"),
    "win_rate_pooled": ("Win rate (pooled)", "赢单率（收缩估计）"), "rank_low": ("Rank from", "排名区间起"),
    "rank_high": ("Rank to", "排名区间止"), "avg_deal_size": ("Avg deal", "平均成交额"),
    "cycle_days_median": ("Cycle days (median)", "成交周期中位天数"), "verdict": ("Verdict", "结论"),
    "above company": ("above company", "高于公司"), "below company": ("below company", "低于公司"),
    "within noise": ("within noise", "差异在噪声内"), "insufficient data": ("insufficient data", "数据不足"), "manager": ("Manager", "经理"),
    "transition": ("Stage", "阶段转化"), "rep_rate": ("Rep rate", "个人转化率"), "rep_n": ("Rep n", "个人样本"),
    "team_rate": ("Team rate", "团队转化率"), "team_n": ("Team n", "团队样本"),
    "q_value": ("q (BH)", "q 值（错误发现率校正）"), "channel_expected": ("Expected from channels", "按渠道结构预期"),
    "explained_by_channel": ("Explained by channel mix", "可由渠道结构解释"),
    "suggested_training": ("Suggested training", "建议培训"), "passed": ("Passed", "通过数"),
    "active": ("active", "在职"),
    # views
    "company": ("Company", "公司"),
    "formula": ("Formula", "公式"), "additive": ("Additive", "可加"), "higher_is_better": ("Higher is better", "越高越好"),
    "source": ("Source", "来源"), "changes": ("Changes", "调整内容"),
    "margin": ("Margin", "毛利率"), "new_customers": ("New customers", "新客户数"),
    "csat": ("CSAT", "满意度 CSAT"), "nps": ("NPS", "NPS"),
    "avg_order_value": ("Average order value", "客单价"), "mean_predicted": ("Mean predicted", "平均预测"),
    "p_stage": ("P(won), all channels", "赢单概率（全渠道）"), "status_col": ("Status", "状态"), "quarter": ("quarter", "季度"), "year": ("year", "年"), "fiscal_year": ("fiscal year", "财年"),
    "fiscal_quarter": ("fiscal quarter", "财季"),
    "rank_range": ("Rank interval", "名次区间"), "learned": ("learned from history", "历史学习"),
    "crm_probability_method": ("CRM probability", "CRM 概率"), "won within 90 days": ("won within 90 days", "90 天内赢单"),
    "won (closed deals)": ("won (closed deals)", "赢单（已结束商机）"),
    # model forms, scenarios, calibration events, definitions (codes in result tables, words here)
    "ses": ("exponential smoothing (level)", "指数平滑（水平）"),
    "damped_trend": ("exponential smoothing, damped trend", "指数平滑（阻尼趋势）"),
    "ses_seasonal": ("exponential smoothing (level) with month-of-year indices", "指数平滑（水平）+ 月度季节指数"),
    "damped_trend_seasonal": ("exponential smoothing, damped trend, month-of-year indices",
                              "指数平滑（阻尼趋势）+ 月度季节指数"),
    "ses_closed_form": ("exponential smoothing (level), normal interval", "指数平滑（水平），正态区间"),
    "ses_closed_form_seasonal": ("exponential smoothing (level), normal interval, month-of-year indices",
                                 "指数平滑（水平），正态区间 + 月度季节指数"),
    "period_closed": ("period over: actual", "期间已结束：即实际"),
    "signal_value": ("Value", "数值"), "final_attainment": ("Attainment at end", "期末达成率"),
    "won_within_horizon": ("won within {d} days", "{d} 天内赢单"),
    "won_closed_deals": ("won (closed deals)", "赢单（已结束商机）"),
    "horizon_days": ("Horizon (days)", "观察期（天）"),
    "action_start": ("Action start", "措施开始"), "action_description": ("Action", "措施内容"),
    "definition": ("Definition", "定义"), "unit": ("Unit", "单位"),
    "src_orders": ("orders", "订单表"), "src_leads": ("leads", "线索表"), "src_feedback": ("feedback", "反馈表"),
    "def_revenue": ("sum of order amounts, returns netted", "订单金额合计（扣除退货）"),
    "def_orders": ("number of orders", "订单数量"),
    "def_new_customers": ("customers whose first order falls in the period", "首单落在该期间的客户数"),
    "def_conversion_rate": ("won leads / leads created in the period", "该期间创建的线索中赢单的比例"),
    # not the channel report's conversion of mature cohorts: a period's leads, open ones counted as not won
    "kpi_conversion_rate": ("Conversion of the period's leads (won / leads created, open ones not won yet)",
                            "本期线索转化率（赢单/本期创建线索，未关闭的暂计为未赢单）"),
    "def_margin": ("(revenue - cost) / revenue, on orders with a cost", "（收入 - 成本）/ 收入，仅计有成本的订单"),
    "def_csat": ("mean satisfaction score of the responses", "反馈满意度评分的平均值"),
    "def_nps": ("share of promoters - share of detractors, x 100", "推荐者占比 - 贬损者占比，乘以 100"),
    "def_custom": ("formula: {f}", "公式：{f}"),
    "plan_field_accelerator": ("accelerator", "加速系数"),
    "plan_field_accelerator_above": ("accelerator from attainment", "加速起点达成率"),
    "plan_field_cap_attainment": ("cap at attainment (0 = none)", "封顶达成率（0 = 不封顶）"),
    "plan_field_cap_amount": ("cap per rep (0 = none)", "个人封顶金额（0 = 不封顶）"),
    "plan_field_team_bonus_threshold": ("team bonus from attainment", "团队奖金起点达成率"),
    "plan_field_team_bonus_amount": ("team bonus per rep", "每人团队奖金"),
    "plan_field_clawback_returns": ("returns clawed back", "退货追回"),
    "plan_field_tiers": ("tiers", "提成档位"), "plan_field_period": ("plan period", "计划期"),
    "accelerator 2.0": ("accelerator 2.0", "加速系数 2.0"), "no cap": ("no cap", "取消封顶"),
    "no team bonus": ("no team bonus", "取消团队奖金"),
    "forecast_role": ("Forecast", "预测"), "backtest": ("Back-test", "回测"),
})

RULES = {
    1: ("one point beyond the 3-sigma limit", "1 个点超出 3σ 控制限"),
    2: ("2 of 3 points beyond 2 sigma on one side", "连续 3 点中有 2 点在同侧 2σ 之外"),
    3: ("4 of 5 points beyond 1 sigma on one side", "连续 5 点中有 4 点在同侧 1σ 之外"),
    4: ("{k} points in a row on one side of the centre", "连续 {k} 点位于中心线同侧"),
    5: ("6 points in a row steadily {dir}", "连续 6 点持续{dir}"),
}
"""Western Electric run rules in words, by rule number."""


def kpi_key(rpt, code: str) -> str:
    """The label key of a KPI: its own (``kpi_conversion_rate``: a period's leads, not the channel
    report's mature cohorts) where a shared measure has the same code, else the code."""
    key = f"kpi_{code}"
    return key if key in rpt.labels else code


def kpi_name(rpt, code: str) -> str:
    """A KPI's name in the report's language (see :func:`kpi_key`)."""
    return rpt.t(kpi_key(rpt, code))
