"""What the segmentation report shows: one function per section, each notes, tables and figures.

Every ``show_*`` function takes the report first, saves the section's result tables
(canonical column names and codes, the same in every language) through
:meth:`workbench.reporting.Report.table` and returns one HTML block for the notebook
to display. The report's catalogue (:func:`workbench.segmentation.labels.for_run`)
names the columns, with the period of every money header, and the workbench's own
codes (RFM segments, value tiers, plays ...); the views show codes by those labels.
A section that cannot say anything returns a visible note. The strategy sections (tier
migration, playbook, CRM list and layouts) are in :mod:`workbench.segmentation.strategy_views`.
"""

from __future__ import annotations

import html as _html_mod

import numpy as np
import pandas as pd

from workbench.reporting import count, money, param, share
from workbench.reporting.formats import Value
from workbench.segmentation import clusters as clusters_mod
from workbench.segmentation import clv as clv_mod
from workbench.segmentation import plots, profiles
from workbench.segmentation import rfm as rfm_mod
from workbench.segmentation.keys import same_values, strictly_ascending
from workbench.segmentation.labels import ENUM_COLUMNS, HEADER_KEYS, PLACEHOLDER_COLUMNS, code_label
from workbench.segmentation.labels import name as label_name
from workbench.segmentation.params import SegmentationParams
from workbench.segmentation.prepare import Prepared, Problem

MONEY = {"monetary", "revenue_window", "margin", "returns", "clv", "clv_margin", "clv_per_customer", "clv_total",
         "value_score", "min_value_score", "median_monetary", "revenue", "revenue_per_customer", "spend", "cac",
         "value_per_new_customer", "value_at_stake", "expected_order_value"}
SHARE = {"share_customers", "share_revenue", "share_revenue_window", "p_alive", "mean_p_alive", "vip_share",
         "vip_ci_low", "vip_ci_high", "share_of_previous", "top_channel_share", "top_category_share", "share_clv"}
COUNT = {"customers", "frequency", "recency_days", "r_score", "f_score", "m_score", "vip_customers", "new_customers",
         "n_customers", "n_repeat", "k", "rule", "n", "cluster", "n_bootstrap", "score_1", "score_2", "score_3",
         "score_4", "score_5", "frequency_days", "population", "recency_model_days", "T_days"}
NUM2 = {"expected_purchases", "silhouette", "ari_mean", "ari_min", "actual_mean", "predicted_mean", "baseline_mean"}
PLACEHOLDERS = {"(unknown)"}
INLINE_ROWS = 10
"""Rows of a long table shown inline; the full table is saved as CSV and linked."""
HOLDOUT_COLUMNS = ["calibration_purchases", "customers", "actual_mean", "predicted_mean", "baseline_mean"]
SCORE_COLUMNS = ["metric", "actual", "predicted", "baseline", "n"]
K_COLUMNS = ["k", "silhouette", "inertia", "ari_mean", "ari_min", "chosen"]
STABILITY_COLUMNS = ["k", "n_bootstrap", "ari_mean", "ari_min", "stability"]


# ----------------------------------------------------------------------------- helpers


def _join(*parts):
    from IPython.display import HTML

    def markup(p):
        return p._repr_html_() if hasattr(p, "_repr_html_") else str(p)

    return HTML("".join(markup(p) for p in parts if p is not None))


def _caption(report, en: str, zh: str, **values) -> str:
    """A table caption in the report's language (plain text: the table view escapes it)."""
    return _html_mod.unescape(report.text(en, zh, **values))


def _kind(col: str, s: pd.Series) -> str:
    if col in MONEY:
        return "money"
    if col in SHARE:
        return "share"
    if col in COUNT:
        return "count"
    if col in NUM2:
        return "num2"
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_numeric_dtype(s):
        return "num"
    return "text"


def show_table(report, df: pd.DataFrame, name: str | None = None, columns: list[str] | None = None,
               formats: dict[str, str] | None = None, max_rows: int = INLINE_ROWS, caption: str | None = None,
               shown: pd.DataFrame | None = None):
    """Save ``df`` as result table ``name`` (when given) and show ``shown`` (default ``df``) by the report.

    The CSV keeps canonical column names and codes. The rows shown have the workbench's own
    codes (:data:`~workbench.segmentation.labels.ENUM_COLUMNS`) by their label; the report
    gives headers (money with its period and currency) and formats every number by its kind.
    The footer links to the full CSV and says how many rows are shown.
    """
    rows = df if shown is None else shown
    cols = [c for c in (columns or list(rows.columns)) if c in rows.columns]
    kinds = {c: (formats or {}).get(c) or _kind(c, rows[c]) for c in cols}
    # only the first max_rows rows are shown: only they get labels (the rest keep their codes and
    # only count for the footer), not three million of them
    head, tail = rows[cols].iloc[:max_rows].copy(), rows[cols].iloc[max_rows:]
    rows = head
    for c in cols:
        if kinds[c] == "bool":
            rows[c] = rows[c].map(lambda v: report.t("yes") if bool(v) else "", na_action="ignore")
            kinds[c] = "text"
        elif c in PLACEHOLDER_COLUMNS and kinds[c] == "text":
            ns = PLACEHOLDER_COLUMNS[c]
            rows[c] = rows[c].map(lambda v, ns=ns: code_label(report, ns, v) if v in PLACEHOLDERS else v,
                                  na_action="ignore")
        elif c in ENUM_COLUMNS and kinds[c] == "text":
            ns = ENUM_COLUMNS[c]
            names = {v: code_label(report, ns, v) for v in rows[c].dropna().unique()}
            rows[c] = rows[c].map(names)
    if len(tail):
        rows = pd.concat([rows, tail])
    headers = {c: HEADER_KEYS[c] for c in cols if c in HEADER_KEYS}
    return report.table(df, name, shown=rows, formats=kinds, max_rows=max_rows, caption=caption, headers=headers)


def _sorted(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """``df.sort_values([by, "customer_id"], ascending=[False, True])``: largest first, ties by customer id.

    When the ids are unique and ascending (the rfm order) they rank as the rows' positions, so
    only numbers are sorted.
    """
    values = df[by].to_numpy(dtype=float)
    if strictly_ascending(df["customer_id"]) and not np.isnan(values).any():
        return df.take(np.lexsort((np.arange(len(df)), -values)))
    return df.sort_values([by, "customer_id"], ascending=[False, True])


def _problem_note(report, problem: Problem | None, fallback: tuple[str, str] | None = None):
    if problem is not None and problem.en:
        return report.note(problem)
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
    vals = {"n": len(rfm), "date": _fmt(prep.analysis_date), "tier": label_name("tier", top, "en"),
            "tier_zh": label_name("tier", top, "zh"), "k": int(is_top.sum()), "share": share(is_top.mean()),
            "rev_share": share(share_rev), "days": params.value_window_days}
    en = ("{n} customers with purchases as of {date}. The top value tier ({tier}), {k} customers ({share}), brought "
          "{rev_share} of net revenue in the last {days} days.")
    zh = ("截至 {date} 共有 {n} 个产生购买的客户；最高价值层级（{tier_zh}）{k} 个客户（占 {share}）贡献了近 {days} 天"
          "净收入的 {rev_share}。")
    if holdout.ok:
        s = holdout.scores.set_index("metric")
        act, pred = s.loc["purchases_total", "actual"], s.loc["purchases_total", "predicted"]
        vals.update(h=params.holdout_days, act=count(act), pred=count(pred),
                    err=Value((pred - act) / act if act else float("nan"), "change"))
        en += " CLV model on a {h}-day holdout: {pred} purchases predicted, {act} actual ({err})."
        zh += "CLV 模型在 {h} 天留出期内预测购买 {pred} 次，实际 {act} 次（{err}）。"
    else:
        en += " No CLV model (see the CLV section); value tiers use current value."
        zh += "未建立 CLV 模型（见 CLV 一节），价值层级仅按当前价值划分。"
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
            n=f["no_purchase"], amount=money(f["no_purchase_amount"])))
    parts.append(report.say(
        "Analysis date {date} (data from {start} to {end}). {lines} order lines of {customers} customers; "
        "{ret} lines are returns or credit notes ({ret_amount}), {linked} of them netted against the order "
        "they reverse; {cancelled} orders netted to zero or less and count as no purchase. Monetary value is "
        "net revenue, returns included.",
        "分析基准日 {date}（数据覆盖 {start} 至 {end}）。共 {lines} 行订单、{customers} 个客户；其中 {ret} 行为退货"
        "或冲销（{ret_amount}），{linked} 行已与原订单冲抵；{cancelled} 笔订单冲抵后金额不大于零，不计为购买。"
        "消费金额为扣除退货后的净收入。",
        date=_fmt(prep.analysis_date), start=_fmt(f["data_start"]), end=_fmt(f["data_end"]), lines=f["lines_used"],
        customers=f["customers"], ret=f["return_lines"], ret_amount=money(f["return_amount"]),
        linked=f["linked_return_lines"], cancelled=f["cancelled_orders"]))
    return _join(*parts)


# ----------------------------------------------------------------------------- RFM


def show_scores(report, rfm: pd.DataFrame, params: SegmentationParams):
    """Cut points of each RFM dimension and the number of customers per score."""
    if rfm.empty:
        return report.note(*NO_DATA)
    tab = rfm_mod.score_table(rfm, params)
    parts = [show_table(report, tab, name="rfm_scores", max_rows=len(tab))]
    empty = [(d, s) for d, row in tab.set_index("dimension").iterrows() for s in range(1, 6) if row[f"score_{s}"] == 0]
    if empty:
        which = ", ".join(f"{label_name('dimension', d, 'en')} {s}" for d, s in empty)
        which_zh = "、".join(f"{label_name('dimension', d, 'zh')} {s} 分" for d, s in empty)
        parts.append(report.note(
            "Ties leave some scores without customers ({which}): customers with equal values always share a score.",
            "由于取值相同，部分得分没有客户（{which_zh}）：取值相同的客户总是得到相同的分数。",
            which=which, which_zh=which_zh))
    if len(rfm) < 20:
        parts.append(report.note("Only {n} customers: quantile scores and value tiers are ranks within a very small "
                                 "group.", "只有 {n} 个客户：分位数得分和价值层级只是极小群体内部的排名。", n=len(rfm)))
    return _join(*parts)


def show_segment_rules(report, params: SegmentationParams):
    """The rules that map scores to named segments, in the order they are applied."""
    tab = rfm_mod.segment_rules_table(params)
    return show_table(report, tab, name="segment_rules", max_rows=len(tab))


def show_rf_grid(report, rfm: pd.DataFrame):
    """Customers per R x F cell, labelled with the segment most of them fall in."""
    if rfm.empty:
        return report.note(*NO_DATA)
    return report.figure(plots.plot_rf_grid(rfm, report))


def show_segments(report, rfm: pd.DataFrame, value: pd.DataFrame, params: SegmentationParams):
    """The ``segments`` table (size, revenue, CLV per RFM segment) and its bar chart."""
    seg = rfm_mod.segment_summary(rfm, params, value if value["clv"].notna().any() else None)
    if rfm.empty:
        report.save(seg, "segments")
        return report.note(*NO_DATA)
    cols = ["rfm_segment", "customers", "share_customers", "revenue_window", "share_revenue_window",
            "mean_recency_days", "mean_frequency", "clv_per_customer"]
    parts = [report.figure(plots.plot_segments(seg, report)),
             show_table(report, seg, name="segments", columns=cols, max_rows=len(seg),
                        formats={"mean_recency_days": "int", "mean_frequency": "num"})]
    other = rfm["rfm_segment"] == rfm_mod.OTHER_SEGMENT
    if other.any():
        parts.append(report.note(
            "{n} customers match no RFM segment rule and are shown as {other}: check the segment_rules parameter.",
            "{n} 个客户不符合任何 RFM 分群规则，显示为“{other_zh}”：请检查分群规则参数。", n=int(other.sum()),
            other=label_name("rfm_segment", rfm_mod.OTHER_SEGMENT, "en"),
            other_zh=label_name("rfm_segment", rfm_mod.OTHER_SEGMENT, "zh")))
    return _join(*parts)


def show_rfm(report, rfm: pd.DataFrame, params: SegmentationParams):
    """The ``rfm`` result table (largest net revenue first in the report; the CSV has every customer)."""
    if rfm.empty:
        report.save(rfm, "rfm")
        return report.note(*NO_DATA)
    cols = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm_segment"]
    top = _sorted(rfm[cols], "monetary")
    return show_table(report, rfm, name="rfm", shown=top, columns=cols,
                      caption=_caption(report, "Top {k} customers by net revenue; every customer is in the full table "
                                       "(CSV) linked below.",
                                       "累计净收入最高的 {k} 个客户；全部客户见表格下方链接的完整数据（CSV）。", k=INLINE_ROWS))


# ----------------------------------------------------------------------------- CLV


def show_holdout(report, holdout: clv_mod.Holdout, params: SegmentationParams):
    """The calibration / holdout check: scores, the by-frequency table and the figure."""
    if not holdout.ok:  # empty tables with their columns, so scripts reading them do not break
        report.save(pd.DataFrame(columns=HOLDOUT_COLUMNS), "clv_holdout")
        report.save(pd.DataFrame(columns=SCORE_COLUMNS), "clv_holdout_scores")
        return _problem_note(report, holdout.problem, NO_DATA)
    s = holdout.scores.set_index("metric")
    act, pred, base = (s.loc["purchases_total", c] for c in ("actual", "predicted", "baseline"))
    mae_m, mae_b = s.loc["mae_purchases", "predicted"], s.loc["mae_purchases", "baseline"]
    kind = {"revenue_total": "money", "purchases_total": "count"}  # a row per metric: each row has its kind
    scores = holdout.scores.copy()
    for c in ("actual", "predicted", "baseline"):
        scores[c] = [report.fmt(v, kind.get(m, "num2")) for m, v in zip(scores["metric"], scores[c], strict=True)]
    parts = [report.say(
        "Fitted on purchases up to {cal} ({n} customers), the model expected {pred} purchases in the {h} days "
        "after; {act} happened ({err}). A naive baseline (each customer repeats their past rate) expected {base}. "
        "Mean absolute error per customer: model {mae_m}, baseline {mae_b}.",
        "模型以 {cal} 及之前的购买（{n} 个客户）拟合，预测其后 {h} 天购买 {pred} 次；实际 {act} 次（{err}）。"
        "朴素基线（每个客户延续过去的购买频率）预测 {base} 次。每客户平均绝对误差（购买次数）：模型 {mae_m}，基线 {mae_b}。",
        cal=holdout.cal_end, n=int(s.loc["purchases_total", "n"]), pred=count(pred), h=params.holdout_days,
        act=count(act), err=Value((pred - act) / act if act else float("nan"), "change"), base=count(base),
        mae_m=Value(mae_m, "num2"), mae_b=Value(mae_b, "num2")),
        report.figure(plots.plot_holdout(holdout.by_frequency, report)),
        show_table(report, holdout.scores, name="clv_holdout_scores", shown=scores,
                   columns=["metric", "actual", "predicted", "baseline", "n"],
                   formats={"actual": "text", "predicted": "text", "baseline": "text"}),
        show_table(report, holdout.by_frequency, name="clv_holdout")]
    return _join(*parts)


def show_clv_params(report, clv: clv_mod.ClvResult, holdout: clv_mod.Holdout):
    """The ``clv_params`` table (calibration and full fits) and the checks of the model's assumptions."""
    tab = clv_mod.clv_params_table(clv, holdout)
    if not clv.ok:
        report.save(tab, "clv_params")
        return _join(_problem_note(report, clv.problem, NO_DATA))
    shown = tab.loc[tab["fit"] == "full"]  # the calibration fit is in the saved table
    parts = [show_table(report, tab, name="clv_params", shown=shown, max_rows=len(shown),
                        columns=["model", "parameter", "value", "se", "ci_low", "ci_high", "n_customers", "n_repeat"],
                        formats={c: "param" for c in ("value", "se", "ci_low", "ci_high")},
                        caption=_caption(report, "The fit on all data to the analysis date (used for every customer's CLV); "
                                            "the calibration fit is in the saved table.",
                                            "截至分析日全部数据的拟合（用于每个客户的 CLV）；校准期拟合见保存的结果表。"))]
    fit = clv.fit
    bg = tab.loc[(tab["fit"] == "full") & (tab["model"] == "BG/NBD")].set_index("parameter")["value"]
    if len(bg) == 4:
        dropout = bg["a"] / (bg["a"] + bg["b"])
        parts.append(report.say(
            "BG/NBD: purchase rates vary as Gamma(r = {r}, α = {alpha} days), a mean of one purchase every "
            "{every} days among active customers; the mean chance of dropping out after a purchase is {drop}.",
            "BG/NBD：购买率服从伽马分布（r = {r}，α = {alpha} 天），活跃客户平均每 {every} 天购买一次；每次购买后流失的"
            "平均概率为 {drop}。",
            r=param(bg["r"]), alpha=param(bg["alpha"]), every=count(bg["alpha"] / bg["r"]), drop=share(dropout)))
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
            "Gamma-Gamma 模型假设客单价与购买频率无关；复购客户中两者的相关系数为 {corr}{warn_zh}",
            corr=Value(fit.value_corr, "num2"),
            warn=": frequent buyers also buy bigger, so treat predicted values as a ranking more than as exact "
                 "amounts." if verdict else " (weak enough).",
            warn_zh="：购买频繁的客户客单价也更高，预测价值更适合用于排序，而非精确金额。" if verdict else "（足够弱）。"))
    return _join(*parts)


def show_clv(report, clv: clv_mod.ClvResult, value: pd.DataFrame, params: SegmentationParams):
    """The ``clv`` result table (largest predicted value first in the report)."""
    table = clv_mod.clv_result_table(clv, value)
    if value.empty or not clv.ok:
        report.save(table, "clv")
    if value.empty:
        return report.note(*NO_DATA)
    if not clv.ok:
        return report.note("No CLV per customer: the CLV table holds value scores and value tiers from current value "
                           "only.", "没有每个客户的 CLV：CLV 结果表只包含按当前价值计算的价值得分和价值层级。")
    cols = ["customer_id", "rfm_segment", "tier", "p_alive", "expected_purchases", "expected_order_value", "clv",
            "clv_margin"]
    if same_values(table["customer_id"], value["customer_id"]) and strictly_ascending(table["customer_id"]):
        with_segment = table.assign(rfm_segment=value["rfm_segment"].set_axis(table.index))  # the merge, by position
        top = _sorted(with_segment[cols], "clv").reset_index(drop=True)
    else:
        top = table.sort_values(["clv", "customer_id"], ascending=[False, True]).merge(
            value[["customer_id", "rfm_segment"]], on="customer_id", how="left")
    return show_table(report, table, name="clv", shown=top, columns=cols,
                      caption=_caption(report, "Top {k} by predicted value over the next {m} months; every customer is in "
                                          "the clv table.",
                                          "未来 {m} 个月预测价值最高的 {k} 个客户；全部客户见 clv 结果表。",
                                          k=INLINE_ROWS, m=params.clv_horizon_months))


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
        parts.append(report.note("Without a CLV model, value tiers rank customers by current value alone and "
                                 "potential is unknown.", "没有 CLV 模型时，价值层级仅按当前价值排序，潜力未知。"))
    parts += [show_table(report, tab, name="tiers", max_rows=len(tab),
                         columns=["tier", "customers", "share_customers", "revenue_window", "share_revenue_window",
                                  "clv", "share_clv", "min_value_score"],
                         formats={"min_value_score": "money", "share_clv": "share"}),
              report.figure(plots.plot_tier_potential(value, params.tier_names, params.potential_names, report))]
    return _join(*parts)


# ----------------------------------------------------------------------------- clusters


def show_k_choice(report, cl: clusters_mod.Clusters):
    """How k was chosen (silhouette per k) and how stable the chosen clustering is (bootstrap ARI)."""
    if not cl.ok:  # empty tables with their columns, so scripts reading them do not break
        report.save(pd.DataFrame(columns=K_COLUMNS), "cluster_k")
        report.save(pd.DataFrame(columns=STABILITY_COLUMNS), "cluster_stability")
        return _problem_note(report, cl.problem, NO_DATA)
    st = cl.stability_table()
    parts = [report.figure(plots.plot_k_choice(cl.k_table, report)),
             show_table(report, cl.k_table, name="cluster_k", max_rows=len(cl.k_table), formats={"inertia": "num"}),
             report.say(
                 "Candidates were checked from the best silhouette down; k = {k} is the {which}. Refitted on {b} "
                 "bootstrap resamples, its clusters agree at a mean adjusted Rand index of {mean} (lowest {min}): "
                 "{verdict}.",
                 "候选聚类数按轮廓系数从高到低检验；{k} 个聚类是{which_zh}。在 {b} 次自助重抽样上重新拟合，聚类结果的"
                 "调整兰德指数均值为 {mean}（最低 {min}）：{verdict_zh}。",
                 k=cl.k, b=len(cl.ari), mean=Value(st["ari_mean"].iloc[0], "num2"),
                 min=Value(st["ari_min"].iloc[0], "num2"),
                 which="first stable one" if cl.stability == "stable" else "best of the checked, none being stable",
                 which_zh="第一个稳定的方案" if cl.stability == "stable" else "已检验方案中最好的（均不稳定）",
                 verdict=label_name("word", cl.stability, "en"), verdict_zh=label_name("word", cl.stability, "zh"))]
    report.save(st, "cluster_stability")
    if cl.stability == "unstable":
        parts.append(report.note("The clusters are unstable: read them as a rough description, not as groups to "
                                 "target.", "聚类结果不稳定：只能作为粗略描述，不宜作为营销目标分组。"))
    return _join(*parts)


def show_cluster_profiles(report, cl: clusters_mod.Clusters, rfm: pd.DataFrame, value: pd.DataFrame,
                          params: SegmentationParams):
    """The ``clusters`` result table with each cluster's profile in plain words."""
    if not cl.ok:
        report.save(pd.DataFrame(columns=clusters_mod.PROFILE_COLUMNS), "clusters")
        return _problem_note(report, cl.problem, NO_DATA)
    prof = clusters_mod.profiles(cl, rfm, value, currency_fmt=lambda v: report.fmt(v, "money"))
    shown = prof.copy()
    lang = report.lang
    rev_label = report.t("share_revenue")
    for c in ("top_channel", "top_category"):
        shown[c] = [None if v is None or pd.isna(v) else f"{code_label(report, 'word', v)} ({report.fmt(sh, 'share')})"
                    for v, sh in zip(prof[c], prof[f"{c}_share"], strict=True)]
    items = []
    for row in prof.itertuples(index=False):
        head = report.text("Cluster {c} ({n} customers, {share} of customers; {rev_label}: {rev})",
                           "聚类 {c}（{n} 个客户，占客户 {share}；{rev_label}：{rev}）", c=row.cluster,
                           n=row.customers, rev_label=rev_label, share=share(row.share_customers),
                           rev=share(row.share_revenue))
        words = _html_mod.escape(row.profile_zh if lang == "zh" else row.profile)
        items.append(f"<li><b>{head}</b>{'：' if lang == 'zh' else ': '}{words}</li>")
    return _join(
        show_table(report, prof, name="clusters", shown=shown, max_rows=len(shown),
                   columns=["cluster", "customers", "share_customers", "share_revenue", "mean_frequency",
                            "median_monetary", "top_channel", "top_category", "clv_per_customer"],
                   formats={"median_recency_days": "count", "median_monetary": "money", "mean_frequency": "num",
                            "top_channel": "text", "top_category": "text"}),
        f'<ul class="wb-say">{"".join(items)}</ul>')


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
                what=label_name("column", by, "en").lower(), what_zh=label_name("column", by, "zh")))
            continue
        key = "acquisition_channel_id" if by == "acquisition_channel" else by
        if src.get(key) == "orders":
            parts.append(report.note(
                "Taken from the orders (the customers table does not have it): {how}.",
                "取自订单（客户表中没有该信息）：{how_zh}。",
                how="the region of most of the customer's order lines" if by == "region"
                else "the channel of the customer's first purchase",
                how_zh="客户多数订单行所在区域" if by == "region" else "客户首次购买的渠道"))
        shown = tab.copy()
        pct = report.fmt
        shown["vip_share_ci"] = [f"{pct(s, 'share')} ({pct(lo, 'share')}–{pct(hi, 'share')})" for s, lo, hi in
                                 zip(tab["vip_share"], tab["vip_ci_low"], tab["vip_ci_high"], strict=True)]
        shown.loc[tab["small_group"], "vip_share_ci"] = shown.loc[tab["small_group"], "vip_share_ci"] + " *"
        parts.append(show_table(report, tab, name=f"profile_{by}", shown=shown,
                                columns=["group", "customers", "share_customers", "revenue", "share_revenue",
                                         "clv_per_customer", "vip_customers", "vip_share_ci"],
                                formats={"vip_share_ci": "text"}))
    parts.append(report.say(
        "Groups are ordered by net revenue; the largest {k} are shown, every group is in the saved table. "
        "Top-tier share = the share of the group's customers in the top value tier ({tier}), with its 95% Wilson "
        "interval; * marks groups under {min} customers, too small to compare.",
        "分组按累计净收入排序，此处显示前 {k} 个，全部分组见保存的结果表。最高层级占比 = 该组客户中属于最高价值层级"
        "（{tier_zh}）的比例，括号内为 95% 威尔逊置信区间；* 表示少于 {min} 个客户、样本过小不宜比较的分组。",
        tier=label_name("tier", params.tier_names[0], "en"), tier_zh=label_name("tier", params.tier_names[0], "zh"),
        min=params.min_group_size, k=INLINE_ROWS))
    return _join(*parts)


def show_channel_value(report, prep: Prepared, attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame, ds,
                       params: SegmentationParams):
    """RFM segment x acquisition channel value matrix, and revenue, margin, CLV and CLV / CAC per channel."""
    if rfm.empty:
        return report.note(*NO_DATA)
    sc = profiles.segment_channel(attrs, rfm, value)
    cv = profiles.channel_value(prep, attrs, rfm, value, ds, params)
    report.save(sc, "segment_channel")
    parts = [report.figure(plots.plot_segment_channel(sc, [*params.rfm_segment_names, rfm_mod.OTHER_SEGMENT], report))]
    cols = ["acquisition_channel", "customers", "margin", "new_customers", "spend", "cac", "value_per_new_customer",
            "clv_cac"]
    windows = [w for w in cv.get("cac_window", pd.Series(dtype="str")).dropna().unique() if w]
    shown = cv.copy()
    shown["clv_cac"] = [report.fmt(v, "num2") + (" *" if small and pd.notna(v) else "")
                        for v, small in zip(cv["clv_cac"], cv["small_group"], strict=True)]
    parts.append(show_table(report, cv, name="channel_value", shown=shown, columns=cols, max_rows=len(shown),
                            formats={"new_customers": "count", "clv_cac": "text"}))
    if cv["spend"].isna().all():
        parts.append(report.note("No monthly spend for the acquisition channels: CAC and CLV / CAC are not shown.",
                                 "获客渠道没有按月的投放费用数据：不显示 CAC 与 CLV / CAC。"))
    else:
        basis = cv.attrs.get("value_basis", "revenue")
        parts.append(report.say(
            "CAC = the channel's spend in {window} / customers acquired through it in those months (the definition "
            "the channel report uses). Value per new customer = their {basis} so far plus predicted {basis} "
            "({m} months); CLV / CAC above 1 means a new customer pays back the cost of winning them. {when} "
            "* marks channels with fewer than {min} customers or new customers.",
            "CAC = 渠道在 {window} 的投放费用 / 这些月份内由该渠道获得的客户数（与渠道评估报告的定义相同）。新客人均价值 = 这些客户迄今的"
            "{basis_zh}加上预测{basis_zh}（{m} 个月）；CLV / CAC 大于 1 表示新客户带来的价值能收回获客成本。{when_zh}"
            "* 表示客户数或新客户数少于 {min} 的渠道。",
            basis="gross margin" if basis == "margin" else "net revenue",
            basis_zh="毛利" if basis == "margin" else "净收入", m=params.clv_horizon_months, min=params.min_group_size,
            window=windows[0] if windows else "–",
            when="A customer is acquired on their created_date in the customers table."
            if cv.attrs.get("acquired_from") == "created_date" else
            "Without a created_date, a customer is acquired on their first purchase in the data, so customers "
            "already active when the data start count as new and CAC is understated.",
            when_zh="客户的获客日期取客户表中的建档日期。" if cv.attrs.get("acquired_from") == "created_date" else
            "客户表没有建档日期，获客日期取数据中的首次购买日期，数据开始时已活跃的老客户也会被算作新客户，CAC 因此偏低。"))
    return _join(*parts)


# ----------------------------------------------------------------------------- migration and strategy
