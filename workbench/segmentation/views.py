"""What the segmentation report shows: one function per section, each a note, tables and figures.

Every ``show_*`` function saves the section's result tables (canonical column
names and values, via :meth:`workbench.report.Report.save`) and returns one HTML
block for the notebook to display. Values the workbench names itself (segments,
tiers, plays ...) and column headers are shown in the report's language; the CSV
files keep the canonical values so that re-imports and scripts do not depend on
the language. A section that cannot say anything returns a visible note.
"""

from __future__ import annotations

import html as _html_mod

import numpy as np
import pandas as pd

from workbench.report import fmt_money
from workbench.segmentation import clusters as clusters_mod
from workbench.segmentation import clv as clv_mod
from workbench.segmentation import plots, profiles, strategy
from workbench.segmentation import rfm as rfm_mod
from workbench.segmentation.labels import display_name, label
from workbench.segmentation.params import SegmentationParams
from workbench.segmentation.rfm import Prepared, Problem

MONEY = {"monetary", "revenue_window", "margin", "returns", "clv", "clv_margin", "clv_per_customer", "value_score",
         "revenue", "revenue_per_customer", "median_monetary", "expected_order_value", "spend", "cac",
         "value_per_new_customer", "value_at_stake", "actual_money", "predicted_money", "baseline_money"}
PCT = {"share_customers", "share_revenue", "share_revenue_window", "p_alive", "mean_p_alive", "vip_share",
       "vip_ci_low", "vip_ci_high", "share_of_previous", "top_channel_share", "top_category_share", "share_clv"}
INT = {"customers", "frequency", "recency_days", "r_score", "f_score", "m_score", "vip_customers", "new_customers",
       "n_customers", "n_repeat", "k", "rule", "n", "cluster", "n_bootstrap", "score_1", "score_2", "score_3",
       "score_4", "score_5", "frequency_days", "population", "recency_model_days", "T_days"}
NUM2 = {"expected_purchases", "silhouette", "ari_mean", "ari_min", "actual_mean", "predicted_mean", "baseline_mean"}
ENUMS = {"segment", "tier", "potential", "play", "previous_tier", "current_tier", "movement", "stability", "method",
         "fit", "dimension", "top_channel", "top_category", "metric", "chosen", "small_group"}
PLACEHOLDERS = {"(unknown)", "(new)"}
METRIC_LABELS = {
    "purchases_total": ("Holdout purchases, total", "留出期购买次数合计"),
    "revenue_total": ("Holdout net revenue, total", "留出期净收入合计"),
    "mae_purchases": ("Mean absolute error per customer (purchases)", "每客户平均绝对误差（购买次数）"),
    "spearman_purchases": ("Rank correlation with actual purchases (Spearman)", "与实际购买次数的秩相关（Spearman）"),
}
SCORE_COLUMNS = {"score_1": ("Score 1", "1 分"), "score_2": ("Score 2", "2 分"), "score_3": ("Score 3", "3 分"),
                 "score_4": ("Score 4", "4 分"), "score_5": ("Score 5", "5 分"), "n_bootstrap": ("Bootstrap refits",
                                                                                             "自助重抽样次数"),
                 "top_channel_share": ("Main channel share", "主要渠道占比"),
                 "top_category_share": ("Main category share", "主要品类占比"),
                 "mean_p_alive": ("Mean P(alive)", "平均存活概率"), "clv_total": ("CLV total", "CLV 合计"),
                 "baseline_mean": ("Naive baseline (mean)", "朴素基线（均值）"),
                 "frequency_days": ("Repeat purchase days", "复购天数"),
                 "recency_model_days": ("First to last purchase (days)", "首末次购买间隔（天）"),
                 "T_days": ("Days since first purchase", "首次购买距今（天）")}


# ----------------------------------------------------------------------------- helpers


def _join(*parts):
    from IPython.display import HTML

    return HTML("".join(p.data if hasattr(p, "data") else str(p) for p in parts if p is not None))


def _header(col: str, lang: str, report) -> str:
    if col in SCORE_COLUMNS:
        return SCORE_COLUMNS[col][1 if lang == "zh" else 0]
    return label(col, lang)  # the module's own labels win over generic ones with another meaning


def _kind(col: str, s: pd.Series) -> str:
    if col in MONEY:
        return "money"
    if col in PCT:
        return "pct"
    if col in INT:
        return "int"
    if col in NUM2:
        return "num2"
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_numeric_dtype(s):
        return "num"
    return "text"


def _metric_name(v, lang):
    pair = METRIC_LABELS.get(v)
    return pair[1 if lang == "zh" else 0] if pair else display_name(str(v), lang)


def show_table(report, df: pd.DataFrame, name: str | None = None, columns: list[str] | None = None,
               formats: dict[str, str] | None = None, max_rows: int = 60, caption: str | None = None,
               link: str | None = None):
    """Save ``df`` as result table ``name`` and show it with translated headers and workbench values.

    A workaround until :meth:`workbench.report.Report.table` can show a localised copy of
    the table it saves: the CSV keeps canonical column names and values. ``link`` names a
    result table saved separately (its path is shown under this display copy).
    """
    if name:
        report.save(df, name)
    shown = df[[c for c in columns if c in df.columns]] if columns else df
    shown = shown.head(max_rows).copy()
    lang = report.lang
    kinds = {c: (formats or {}).get(c) or _kind(c, shown[c]) for c in shown.columns}
    for c in shown.columns:
        if c in ENUMS and kinds[c] in ("text", "bool"):
            if c == "metric":
                shown[c] = shown[c].map(lambda v: _metric_name(v, lang))
            elif kinds[c] == "bool":
                shown[c] = shown[c].map(lambda v: report.t("yes") if bool(v) else "", na_action="ignore")
                kinds[c] = "text"
            else:
                shown[c] = shown[c].map(lambda v: display_name(str(v), lang), na_action="ignore")
        elif kinds[c] == "text":
            # the workbench's own placeholders inside data columns
            shown[c] = shown[c].map(lambda v: display_name(v, lang) if v in PLACEHOLDERS else v, na_action="ignore")
    renamed = {c: _header(c, lang, report) for c in shown.columns}
    shown = shown.rename(columns=renamed)
    fmts = {renamed[c]: k for c, k in kinds.items()}
    markup = report.table_html(shown, fmts, caption, max_rows, name or link, total=len(df))
    return _join(markup)


def _problem_note(report, problem: Problem | None, fallback: tuple[str, str] | None = None):
    if problem is not None and problem.en:
        return report.note(problem.en, problem.zh, **problem.values)
    if fallback:
        return report.note(*fallback)
    return None


NO_DATA = ("No customer with a purchase: this section has nothing to show (see the note at the top).",
           "没有产生购买的客户：本节无内容（见页首说明）。")


# ----------------------------------------------------------------------------- headline and data notes


def headline(prep: Prepared, rfm: pd.DataFrame, value: pd.DataFrame, holdout: clv_mod.Holdout,
             params: SegmentationParams, currency: str = "CNY") -> dict:
    """The report's headline (``en``, ``zh`` and values) for :meth:`Report.headline`."""
    if not prep.ok:
        p = prep.problem or Problem("Nothing to segment.", "没有可分群的数据。")
        return {"en": p.en, "zh": p.zh, **{k: _fmt(v) for k, v in p.values.items()}}
    top = params.tier_names[0]
    is_top = value["tier"] == top
    rev = value["revenue_window"].clip(lower=0)
    share_rev = rev[is_top].sum() / rev.sum() if rev.sum() > 0 else float("nan")
    vals = {"n": len(rfm), "date": _fmt(prep.analysis_date), "tier": display_name(top, "en"),
            "tier_zh": display_name(top, "zh"), "k": int(is_top.sum()), "share": f"{is_top.mean():.1%}",
            "rev_share": "–" if np.isnan(share_rev) else f"{share_rev:.1%}", "days": params.value_window_days}
    en = ("{n} customers with purchases as of {date}. The {tier} tier, {k} customers ({share}), brought "
          "{rev_share} of net revenue in the last {days} days.")
    zh = "截至 {date} 共有 {n} 个产生购买的客户；{tier_zh}层级 {k} 个客户（占 {share}）贡献了近 {days} 天净收入的 {rev_share}。"
    if holdout.ok:
        s = holdout.scores.set_index("metric")
        act, pred = s.loc["purchases_total", "actual"], s.loc["purchases_total", "predicted"]
        vals.update(h=params.holdout_days, act=f"{act:,.0f}", pred=f"{pred:,.0f}",
                    err=f"{(pred - act) / act:+.0%}" if act else "–")
        en += " CLV model on a {h}-day holdout: {pred} purchases predicted, {act} actual ({err})."
        zh += "CLV 模型在 {h} 天留出期内预测购买 {pred} 次，实际 {act} 次（{err}）。"
    else:
        en += " No CLV model (see the CLV section); tiers use current value."
        zh += "未建立 CLV 模型（见 CLV 一节），层级仅按当前价值划分。"
    return {"en": en, "zh": zh, **vals}


def _fmt(v):
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return v


def show_data_notes(report, prep: Prepared, params: SegmentationParams):
    """How the orders were read: what was left out, how returns were handled (notes and a sentence)."""
    f = prep.facts
    parts = []
    if prep.problem is not None:
        parts.append(_problem_note(report, prep.problem))
        return _join(*parts)
    if f.get("lines_ignored"):
        parts.append(report.note("{n} order lines of placeholder customers ({ids}) are left out.",
                                 "已排除占位客户（{ids}）的 {n} 行订单。", n=f["lines_ignored"],
                                 ids=", ".join(params.ignore_customer_ids)))
    if f.get("lines_incomplete"):
        parts.append(report.note("{n} order lines without a customer, date or amount are left out.",
                                 "已排除 {n} 行缺少客户、日期或金额的订单。", n=f["lines_incomplete"]))
    if f.get("lines_after"):
        parts.append(report.note("{n} order lines dated after the analysis date {date} are left out.",
                                 "已排除分析日 {date} 之后的 {n} 行订单。", n=f["lines_after"],
                                 date=_fmt(prep.analysis_date)))
    if f.get("no_purchase"):
        parts.append(report.note(
            "{n} customers have no purchase up to the analysis date (every order returned or cancelled, or only "
            "credit notes; net {amount}); they are left out of the segments.",
            "{n} 个客户截至分析日没有有效购买（订单全部退货或取消，或只有冲销记录；净额 {amount}），未纳入分群。",
            n=f["no_purchase"], amount=fmt_money(f["no_purchase_amount"], report.currency)))
    parts.append(report.say(
        "Analysis date {date} (data from {start} to {end}). {lines} order lines of {customers} customers; "
        "{ret} lines are returns or credit notes ({ret_amount}), {linked} of them netted against the order "
        "they reverse; {cancelled} orders netted to zero or less and count as no purchase. Monetary value is "
        "net revenue, returns included.",
        "分析基准日 {date}（数据覆盖 {start} 至 {end}）。共 {lines} 行订单、{customers} 个客户；其中 {ret} 行为退货"
        "或冲销（{ret_amount}），{linked} 行已与原订单冲抵；{cancelled} 笔订单冲抵后金额不大于零，不计为购买。"
        "消费金额为扣除退货后的净收入。",
        date=_fmt(prep.analysis_date), start=_fmt(f["data_start"]), end=_fmt(f["data_end"]), lines=f["lines_used"],
        customers=f["customers"], ret=f["return_lines"], ret_amount=fmt_money(f["return_amount"], report.currency),
        linked=f["linked_return_lines"], cancelled=f["cancelled_orders"]))
    return _join(*parts)


# ----------------------------------------------------------------------------- RFM


def show_scores(report, rfm: pd.DataFrame, params: SegmentationParams):
    """Cut points of each RFM dimension and the number of customers per score."""
    if rfm.empty:
        return report.note(*NO_DATA)
    tab = rfm_mod.score_table(rfm, params)
    parts = [show_table(report, tab, name="rfm_scores")]
    empty = [(d, s) for d, row in tab.set_index("dimension").iterrows() for s in range(1, 6) if row[f"score_{s}"] == 0]
    if empty:
        which = ", ".join(f"{display_name(d, 'en')} {s}" for d, s in empty)
        which_zh = "、".join(f"{display_name(d, 'zh')} {s} 分" for d, s in empty)
        parts.append(report.note(
            "Ties leave some scores without customers ({which}): customers with equal values always share a score.",
            "由于取值相同，部分得分没有客户（{which_zh}）：取值相同的客户总是得到相同的分数。",
            which=which, which_zh=which_zh))
    if len(rfm) < 20:
        parts.append(report.note("Only {n} customers: quantile scores and tiers are ranks within a very small group.",
                                 "只有 {n} 个客户：分位数得分和层级只是极小群体内部的排名。", n=len(rfm)))
    return _join(*parts)


def show_segment_rules(report, params: SegmentationParams):
    """The rules that map scores to named segments, in the order they are applied."""
    return show_table(report, rfm_mod.segment_rules_table(params), name="segment_rules")


def show_rf_grid(report, rfm: pd.DataFrame):
    """Customers per R x F cell, labelled with the segment most of them fall in."""
    if rfm.empty:
        return report.note(*NO_DATA)
    return report.figure(plots.plot_rf_grid(rfm, report))


def show_segments(report, rfm: pd.DataFrame, value: pd.DataFrame, params: SegmentationParams):
    """The ``segments`` table (size, revenue, CLV per segment) and its bar chart."""
    seg = rfm_mod.segment_summary(rfm, params, value if value["clv"].notna().any() else None)
    if rfm.empty:
        report.save(seg, "segments")
        return report.note(*NO_DATA)
    cols = ["segment", "customers", "share_customers", "revenue_window", "share_revenue_window",
            "mean_recency_days", "mean_frequency", "clv_per_customer"]
    parts = [report.figure(plots.plot_segments(seg, report)),
             show_table(report, seg, name="segments", columns=cols,
                        formats={"mean_recency_days": "int", "mean_frequency": "num"})]
    if (rfm["segment"] == rfm_mod.OTHER_SEGMENT).any():
        parts.append(report.note("{n} customers match no segment rule and are shown as Other: check segment_rules.",
                                 "{n} 个客户不符合任何分群规则，显示为“其他”：请检查 segment_rules。",
                                 n=int((rfm["segment"] == rfm_mod.OTHER_SEGMENT).sum())))
    return _join(*parts)


def show_rfm(report, rfm: pd.DataFrame):
    """The ``rfm`` result table (largest net revenue first in the report; the CSV has every customer)."""
    if rfm.empty:
        report.save(rfm, "rfm")
        return report.note(*NO_DATA)
    report.save(rfm, "rfm")
    top = rfm.nlargest(20, "monetary", keep="first")
    return show_table(report, top, name=None, max_rows=20, link="rfm",
                      columns=["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                               "segment"],
                      caption=report.text("Top 20 customers by net revenue; every customer is in tables/{stem}/rfm.csv.",
                                          "净收入最高的 20 个客户；全部客户见 tables/{stem}/rfm.csv。",
                                          stem=report.output_dir.name if report.output_dir else "…"))


# ----------------------------------------------------------------------------- CLV


def show_holdout(report, holdout: clv_mod.Holdout, params: SegmentationParams):
    """The calibration / holdout check: scores, the by-frequency table and the figure."""
    if not holdout.ok:
        return _problem_note(report, holdout.problem, NO_DATA)
    s = holdout.scores.set_index("metric")
    act, pred, base = (s.loc["purchases_total", c] for c in ("actual", "predicted", "baseline"))
    mae_m, mae_b = s.loc["mae_purchases", "predicted"], s.loc["mae_purchases", "baseline"]
    money = {"revenue_total"}
    scores = holdout.scores.copy()
    for c in ("actual", "predicted", "baseline"):
        scores[c] = [
            "–" if pd.isna(v) else fmt_money(v, report.currency) if m in money else
            f"{v:,.0f}" if m == "purchases_total" else f"{v:.3f}"
            for m, v in zip(scores["metric"], scores[c], strict=True)]
    parts = [report.say(
        "Fitted on purchases up to {cal} ({n} customers), the model expected {pred} purchases in the {h} days "
        "after; {act} happened ({err}). A naive baseline (each customer repeats their past rate) expected {base}. "
        "Mean absolute error per customer: model {mae_m}, baseline {mae_b}.",
        "模型以 {cal} 及之前的购买（{n} 个客户）拟合，预测其后 {h} 天购买 {pred} 次；实际 {act} 次（{err}）。"
        "朴素基线（每个客户延续过去的购买频率）预测 {base} 次。每客户平均绝对误差：模型 {mae_m}，基线 {mae_b}。",
        cal=_fmt(holdout.cal_end), n=int(s.loc["purchases_total", "n"]), pred=f"{pred:,.0f}", h=params.holdout_days,
        act=f"{act:,.0f}", err=f"{(pred - act) / act:+.1%}" if act else "–", base=f"{base:,.0f}",
        mae_m=f"{mae_m:.3f}", mae_b=f"{mae_b:.3f}"),
        report.figure(plots.plot_holdout(holdout.by_frequency, report)),
        show_table(report, scores, name=None, link="clv_holdout_scores",
                   columns=["metric", "actual", "predicted", "baseline", "n"],
                   formats={"actual": "text", "predicted": "text", "baseline": "text"}),
        show_table(report, holdout.by_frequency, name="clv_holdout")]
    report.save(holdout.scores, "clv_holdout_scores")
    return _join(*parts)


def show_clv_params(report, clv: clv_mod.ClvResult, holdout: clv_mod.Holdout):
    """The ``clv_params`` table (calibration and full fits) and the checks of the model's assumptions."""
    tab = clv_mod.clv_params_table(clv, holdout)
    if not clv.ok:
        report.save(tab, "clv_params")
        return _join(_problem_note(report, clv.problem, NO_DATA))
    shown = tab.copy()
    for c in ("value", "se", "ci_low", "ci_high"):
        shown[c] = shown[c].map(lambda v: "–" if pd.isna(v) else f"{v:.4g}")
    report.save(tab, "clv_params")
    parts = [show_table(report, shown, name=None, link="clv_params",
                        formats={c: "text" for c in ("value", "se", "ci_low", "ci_high")})]
    fit = clv.fit
    bg = tab.loc[(tab["fit"] == "full") & (tab["model"] == "BG/NBD")].set_index("parameter")["value"]
    if len(bg) == 4:
        dropout = bg["a"] / (bg["a"] + bg["b"])
        parts.append(report.say(
            "BG/NBD: purchase rates vary as Gamma(r = {r}, alpha = {alpha} days), a mean of one purchase every "
            "{every} days among active customers; the mean chance of dropping out after a purchase is {drop}.",
            "BG/NBD：购买率服从 Gamma(r = {r}, alpha = {alpha} 天)，活跃客户平均每 {every} 天购买一次；每次购买后流失的"
            "平均概率为 {drop}。",
            r=f"{bg['r']:.3f}", alpha=f"{bg['alpha']:.1f}", every=f"{bg['alpha'] / bg['r']:,.0f}",
            drop=f"{dropout:.1%}"))
        if bg["a"] < 1e-4 and bg["b"] < 1e-4:
            parts.append(report.note(
                "a and b are both near zero: the data show almost no gradual dropout (customers either stay or "
                "leave after their first repeat), so P(alive) is close to 1 for most customers and their intervals "
                "are wide.",
                "a 与 b 都接近零：数据几乎没有逐步流失的迹象（客户要么一直活跃，要么在首次复购后离开），因此大多数客户的"
                "存活概率接近 1，参数区间很宽。"))
    if fit is not None and fit.gg_problem is not None:
        parts.append(_problem_note(report, fit.gg_problem))
    if fit is not None and np.isfinite(fit.value_corr):
        verdict = abs(fit.value_corr) >= 0.3
        parts.append(report.note(
            "Gamma-Gamma assumes order value does not depend on purchase frequency; among repeat buyers their "
            "correlation is {corr}{warn}",
            "Gamma-Gamma 假设客单价与购买频率无关；复购客户中两者的相关系数为 {corr}{warn_zh}",
            corr=f"{fit.value_corr:.2f}",
            warn=": frequent buyers also buy bigger, so treat predicted values as a ranking more than as exact "
                 "amounts." if verdict else " (weak enough).",
            warn_zh="：购买频繁的客户客单价也更高，预测价值更适合用于排序，而非精确金额。" if verdict else "（足够弱）。"))
    return _join(*parts)


def show_clv(report, clv: clv_mod.ClvResult, value: pd.DataFrame, params: SegmentationParams):
    """The ``clv`` result table (largest predicted value first in the report)."""
    table = clv_mod.clv_result_table(clv, value)
    report.save(table, "clv")
    if value.empty:
        return report.note(*NO_DATA)
    if not clv.ok:
        return report.note("No CLV per customer: the CLV table holds value scores and tiers from current value only.",
                           "没有每个客户的 CLV：CLV 表只包含按当前价值计算的价值得分和层级。")
    top = table.nlargest(20, "clv", keep="first").merge(
        value[["customer_id", "segment"]], on="customer_id", how="left")
    return show_table(report, top, name=None, max_rows=20, link="clv",
                      columns=["customer_id", "segment", "tier", "p_alive", "expected_purchases",
                               "expected_order_value", "clv", "clv_margin"],
                      caption=report.text("Top 20 by predicted value over {m} months; every customer is in the clv table.",
                                          "未来 {m} 个月预测价值最高的 20 个客户；全部客户见 clv 表。",
                                          m=params.clv_horizon_months))


def show_tiers(report, value: pd.DataFrame, params: SegmentationParams):
    """Tier summary (customers, recent revenue, predicted value) and the tier x potential matrix."""
    if value.empty:
        return report.note(*NO_DATA)
    g = value.groupby("tier", sort=False)
    tab = pd.DataFrame({"customers": g.size(), "revenue_window": g["revenue_window"].sum(),
                        "clv": g["clv"].sum(min_count=1), "value_score": g["value_score"].min()}).reindex(
        params.tier_names)
    tab["customers"] = tab["customers"].fillna(0).astype("int64")
    tab["share_customers"] = tab["customers"] / max(len(value), 1)
    rev = tab["revenue_window"].clip(lower=0)
    tab["share_revenue_window"] = rev / rev.sum() if rev.sum() > 0 else np.nan
    tab["share_clv"] = tab["clv"] / tab["clv"].sum() if tab["clv"].notna().any() and tab["clv"].sum() > 0 else np.nan
    tab = tab.rename_axis("tier").reset_index().rename(columns={"value_score": "min_value_score"})
    parts = []
    if not value["clv"].notna().any():
        parts.append(report.note("Without a CLV model, tiers rank customers by current value alone and potential is "
                                 "unknown.", "没有 CLV 模型时，层级仅按当前价值排序，潜力未知。"))
    parts += [show_table(report, tab, name="tiers",
                         columns=["tier", "customers", "share_customers", "revenue_window", "share_revenue_window",
                                  "clv", "share_clv", "min_value_score"],
                         formats={"min_value_score": "money", "share_clv": "pct"}),
              report.figure(plots.plot_tier_potential(value, params.tier_names, params.potential_names, report))]
    return _join(*parts)


# ----------------------------------------------------------------------------- clusters


def show_k_choice(report, cl: clusters_mod.Clusters):
    """How k was chosen (silhouette per k) and how stable the chosen clustering is (bootstrap ARI)."""
    if not cl.ok:
        return _problem_note(report, cl.problem, NO_DATA)
    st = cl.stability_table()
    parts = [report.figure(plots.plot_k_choice(cl.k_table, report)),
             show_table(report, cl.k_table, name="cluster_k", formats={"inertia": "num"}),
             report.say(
                 "Candidates were checked from the best silhouette down; k = {k} is the {which}. Refitted on {b} "
                 "bootstrap resamples, its clusters agree at a mean adjusted Rand index of {mean} (lowest {min}): "
                 "{verdict}.",
                 "候选 k 按轮廓系数从高到低检验；k = {k} 是{which_zh}。在 {b} 次自助重抽样上重新拟合，聚类结果的调整兰德指数"
                 "均值为 {mean}（最低 {min}）：{verdict_zh}。",
                 k=cl.k, b=len(cl.ari), mean=f"{st['ari_mean'].iloc[0]:.2f}", min=f"{st['ari_min'].iloc[0]:.2f}",
                 which="first stable one" if cl.stability == "stable" else "best of the checked, none being stable",
                 which_zh="第一个稳定的方案" if cl.stability == "stable" else "已检验方案中最好的（均不稳定）",
                 verdict=display_name(cl.stability, "en"), verdict_zh=display_name(cl.stability, "zh"))]
    report.save(st, "cluster_stability")
    if cl.stability == "unstable":
        parts.append(report.note("The clusters are unstable: read them as a rough description, not as groups to "
                                 "target.", "聚类结果不稳定：只能作为粗略描述，不宜作为营销目标分组。"))
    return _join(*parts)


def show_cluster_profiles(report, cl: clusters_mod.Clusters, rfm: pd.DataFrame, value: pd.DataFrame):
    """The ``clusters`` result table with each cluster's profile in plain words."""
    if not cl.ok:
        report.save(pd.DataFrame(columns=["cluster", "customers"]), "clusters")
        return _problem_note(report, cl.problem, NO_DATA)
    prof = clusters_mod.profiles(cl, rfm, value, currency_fmt=lambda v: fmt_money(v, report.currency))
    shown = prof.copy()
    lang = report.lang
    for c in ("top_channel", "top_category"):
        shown[c] = [None if v is None or pd.isna(v) else f"{display_name(str(v), lang)} ({sh:.0%})"
                    for v, sh in zip(prof[c], prof[f"{c}_share"], strict=True)]
    items = []
    for row in prof.itertuples(index=False):
        head = report.text("Cluster {c} ({n} customers, {share} of customers, {rev} of revenue)",
                           "聚类 {c}（{n} 个客户，占客户 {share}，占收入 {rev}）", c=row.cluster, n=row.customers,
                           share=f"{row.share_customers:.1%}", rev=f"{row.share_revenue:.1%}")
        words = _html_mod.escape(row.profile_zh if lang == "zh" else row.profile)
        items.append(f"<li><b>{head}</b>{'：' if lang == 'zh' else ': '}{words}</li>")
    report.save(prof, "clusters")
    return _join(
        show_table(report, shown, name=None, link="clusters",
                   columns=["cluster", "customers", "share_customers", "share_revenue", "mean_frequency",
                            "median_monetary", "top_channel", "top_category", "clv_per_customer"],
                   formats={"median_recency_days": "int", "median_monetary": "money", "top_channel": "text",
                            "top_category": "text"}),
        f'<ul class="wb-say">{"".join(items)}</ul>')


def _save(report, df, name):
    report.save(df, name)
    return None


# ----------------------------------------------------------------------------- profiles and channels


def show_profiles(report, attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame, params: SegmentationParams):
    """Profiles by region, industry and acquisition channel (one table each, or a note when absent)."""
    if rfm.empty:
        return report.note(*NO_DATA)
    parts = []
    src = attrs.attrs.get("source", {})
    titles = {"region": ("By region", "按区域"), "industry": ("By industry", "按行业"),
              "acquisition_channel": ("By acquisition channel", "按获客渠道")}
    for by in ("region", "industry", "acquisition_channel"):
        tab = profiles.profile_by(by, attrs, rfm, value, params)
        en, zh = titles[by]
        parts.append(f"<h3>{_html_mod.escape(zh if report.lang == 'zh' else en)}</h3>")
        if tab.empty:
            parts.append(report.note(
                "No {what} for the customers (the customers table or its column is absent): section skipped.",
                "客户缺少{what_zh}信息（客户表或该字段缺失）：本节跳过。",
                what=display_name(by, "en").lower(), what_zh=display_name(by, "zh")))
            continue
        key = "acquisition_channel_id" if by == "acquisition_channel" else by
        if src.get(key) == "orders":
            parts.append(report.note(
                "Taken from the orders (the customers table does not have it): {how}.",
                "取自订单（客户表中没有该信息）：{how_zh}。",
                how="the region of most of the customer's order lines" if by == "region"
                else "the channel of the customer's first purchase",
                how_zh="客户多数订单行所在区域" if by == "region" else "客户首次购买的渠道"))
        report.save(tab, f"profile_{by}")
        shown = tab.copy()
        shown["vip_share_ci"] = [f"{s:.1%} ({lo:.1%}–{hi:.1%})" for s, lo, hi in
                                 zip(tab["vip_share"], tab["vip_ci_low"], tab["vip_ci_high"], strict=True)]
        shown.loc[tab["small_group"], "vip_share_ci"] = shown.loc[tab["small_group"], "vip_share_ci"] + " *"
        shown["group"] = shown["group"].map(lambda v: display_name(v, report.lang) if v in ("(unknown)",) else v)
        parts.append(show_table(report, shown, name=None, link=f"profile_{by}",
                                columns=["group", "customers", "share_customers", "revenue", "share_revenue",
                                         "clv_per_customer", "vip_customers", "vip_share_ci"], max_rows=25,
                                formats={"vip_share_ci": "text"}))
    parts.append(report.say(
        "Top-tier share = the share of the group's customers in the {tier} tier, with its 95% Wilson interval; "
        "* marks groups under {min} customers, too small to compare.",
        "顶级层级占比 = 该组客户中属于{tier_zh}层级的比例，括号内为 95% Wilson 置信区间；* 表示少于 {min} 个客户、样本过小"
        "不宜比较的分组。",
        tier=display_name(params.tier_names[0], "en"), tier_zh=display_name(params.tier_names[0], "zh"),
        min=params.min_group_size))
    return _join(*parts)


def show_channel_value(report, prep: Prepared, attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame, ds,
                       params: SegmentationParams):
    """Segment x acquisition channel value matrix, and revenue, margin, CLV and CLV / CAC per channel."""
    if rfm.empty:
        return report.note(*NO_DATA)
    sc = profiles.segment_channel(attrs, rfm, value)
    cv = profiles.channel_value(prep, attrs, rfm, value, ds, params)
    parts = [report.figure(plots.plot_segment_channel(sc, [*params.segment_names, rfm_mod.OTHER_SEGMENT], report)),
             _save(report, sc, "segment_channel")]
    cols = ["acquisition_channel", "customers", "margin", "new_customers", "spend", "cac", "value_per_new_customer",
            "clv_cac"]
    report.save(cv, "channel_value")
    shown = cv.copy()
    shown["clv_cac"] = [("–" if pd.isna(v) else f"{v:.2f}") + (" *" if small and pd.notna(v) else "")
                        for v, small in zip(cv["clv_cac"], cv["small_group"], strict=True)]
    parts.append(show_table(report, shown, name=None, link="channel_value", columns=cols,
                            formats={"new_customers": "int",
                                                                              "clv_cac": "text"}))
    if cv["spend"].isna().all():
        parts.append(report.note("No monthly spend for the acquisition channels: CAC and CLV / CAC are not shown.",
                                 "获客渠道没有按月的投放费用数据：不显示 CAC 与 CLV / CAC。"))
    else:
        basis = cv.attrs.get("value_basis", "revenue")
        parts.append(report.say(
            "CAC = the channel's spend in the months its spend covers / customers acquired through it in those "
            "months. Value per new customer = their {basis} so far plus predicted {basis} "
            "({m} months); CLV / CAC above 1 means a new customer pays back the cost of winning them. {when} "
            "* marks channels with fewer than {min} customers or new customers.",
            "CAC = 渠道在其投放月份内的费用 / 这些月份内由该渠道获得的客户数。新客人均价值 = 这些客户迄今的"
            "{basis_zh}加上预测{basis_zh}（{m} 个月）；CLV / CAC 大于 1 表示新客户带来的价值能收回获客成本。{when_zh}"
            "* 表示客户数或新客户数少于 {min} 的渠道。",
            basis="gross margin" if basis == "margin" else "net revenue",
            basis_zh="毛利" if basis == "margin" else "净收入", m=params.clv_horizon_months, min=params.min_group_size,
            when="A customer is acquired on their created_date in the customers table."
            if cv.attrs.get("acquired_from") == "created_date" else
            "Without a created_date, a customer is acquired on their first purchase in the data, so customers "
            "already active when the data start count as new and CAC is understated.",
            when_zh="客户的获客日期取客户表中的 created_date。" if cv.attrs.get("acquired_from") == "created_date" else
            "客户表没有 created_date，获客日期取数据中的首次购买日期，数据开始时已活跃的老客户也会被算作新客户，CAC 因此偏低。"))
    return _join(*parts)


# ----------------------------------------------------------------------------- migration and strategy


def show_migration(report, prep: Prepared, value: pd.DataFrame, params: SegmentationParams):
    """The ``tier_transitions`` table, its matrix and how many top-tier customers slipped or grew."""
    if not prep.ok:
        report.save(pd.DataFrame(columns=["previous_tier", "current_tier", "customers"]), "tier_transitions")
        return report.note(*NO_DATA)
    trans, problem = strategy.tier_migration(prep, value, params)
    if problem is not None:
        report.save(pd.DataFrame(columns=["previous_tier", "current_tier", "customers"]), "tier_transitions")
        return _problem_note(report, problem)
    top = params.tier_names[0]
    was_top = trans.loc[trans["previous_tier"] == top]
    slipped = int(was_top.loc[was_top["movement"] == "down", "customers"].sum())
    grew = int(trans.loc[trans["movement"] == "up", "customers"].sum())
    down = int(trans.loc[trans["movement"] == "down", "customers"].sum())
    new_top = int(trans.loc[(trans["previous_tier"] == "(new)") & (trans["current_tier"] == top), "customers"].sum())
    parts = [report.say(
        "Compared with {prev} ({days} days earlier, same rules on the data known then): {slipped} of {was} {tier} "
        "customers slipped to a lower tier; {grew} customers moved up a tier and {down} moved down; {new_top} "
        "customers new since then are already {tier}.",
        "与 {prev}（{days} 天前，按相同规则和当时已知的数据）相比：{was} 个{tier_zh}中有 {slipped} 个降到更低层级；"
        "{grew} 个客户层级上升，{down} 个下降；此后新增的客户中已有 {new_top} 个成为{tier_zh}。",
        prev=_fmt(trans.attrs["previous_date"]), days=params.migration_days, slipped=slipped,
        was=int(was_top["customers"].sum()), tier=display_name(top, "en"), tier_zh=display_name(top, "zh"),
        grew=grew, down=down, new_top=new_top)]
    if trans.attrs.get("value_only"):
        parts.append(report.note("Both periods are tiered on current value alone (no CLV model at one of the dates).",
                                 "两期均仅按当前价值划分层级（其中一期无法建立 CLV 模型）。"))
    parts += [report.figure(plots.plot_transitions(trans, params.tier_names, report)),
              show_table(report, trans, name="tier_transitions")]
    return _join(*parts)


def show_playbook(report, plays: pd.DataFrame, params: SegmentationParams):
    """One row per play: who it applies to, how many customers and the value at stake."""
    if plays.empty:
        return report.note(*NO_DATA)
    tab = strategy.strategy_table(plays, params)
    shown = tab.copy()
    if report.lang == "zh":
        shown["action"] = shown["action_zh"]
    rules = []
    for p in params.playbook:
        cond = [f"{display_name(k, report.lang)}: {', '.join(display_name(v, report.lang) for v in p[k])}"
                for k in ("tier", "potential", "segment") if k in p]
        rules.append(" · ".join(cond) if cond else ("其余客户" if report.lang == "zh" else "everyone else"))
    shown["rule"] = pd.Series(rules + [""] * (len(shown) - len(rules)), index=shown.index)
    report.save(tab, "strategy")
    return _join(show_table(report, shown, name=None, link="strategy",
                            columns=["play", "customers", "share_customers", "revenue_window", "value_at_stake",
                                     "mean_p_alive"]),
                 show_table(report, shown, name=None, columns=["play", "rule", "action"],
                            formats={"rule": "text", "action": "text"}),
                 report.say("Each customer gets the first play that matches, in this order. Value at stake = their "
                            "predicted value over {m} months (CLV).",
                            "每个客户按顺序匹配第一条适用的策略。涉及预测价值 = 这些客户未来 {m} 个月的预测价值（CLV）。",
                            m=params.clv_horizon_months))


def show_crm_export(report, plays: pd.DataFrame, rfm: pd.DataFrame, attrs: pd.DataFrame, cl: clusters_mod.Clusters,
                    params: SegmentationParams):
    """The ``crm_export`` list (one row per customer) for re-import into the CRM."""
    if plays.empty:
        return report.note(*NO_DATA)
    exp = strategy.crm_export(plays, rfm, attrs, cl.labels if cl.ok else None, params)
    report.save(exp, "crm_export")
    preview = exp.groupby("play", sort=False).head(2)
    parts = [show_table(report, preview, name=None, max_rows=30, link="crm_export",
                        columns=["customer_id", "name", "segment", "tier", "play", "clv"],
                        caption=report.text("The first two customers of each play (by value).",
                                            "每项策略价值最高的前两个客户。"))]
    parts.append(report.say(
        "The full list ({n} customers) is tables/{stem}/crm_export.csv (UTF-8 with BOM, opens in Excel): customer id"
        "{name}, segment, tier, potential, cluster and play (as keys and as labels in the report's language) and the "
        "recommended action, ready to import as customer tags. "
        "Filter it by segment or play to get the list for one campaign.",
        "完整名单（{n} 个客户）见 tables/{stem}/crm_export.csv（UTF-8 BOM 编码，可直接用 Excel 打开）：包含客户编号"
        "{name_zh}、分群、层级、潜力、聚类和策略（英文键值及报告语言的名称）以及建议动作，可作为客户标签导入 CRM；"
        "按分群或策略筛选即可得到单次活动的名单。",
        n=len(exp), stem=report.output_dir.name if report.output_dir else "…",
        name="" if params.mask_pii else ", name", name_zh="" if params.mask_pii else "、客户名称"))
    if params.mask_pii:
        parts.append(report.note("Names are masked in this run, so the list carries customer ids only.",
                                 "本次运行已屏蔽客户名称，名单只包含客户编号。"))
    return _join(*parts)
