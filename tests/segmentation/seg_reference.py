"""The segmentation's functions as they were before the 10M work (issue 14): plain pandas, the reference.

Copied from the package at commit 4307720 (docstrings left out). The rewritten functions in
``workbench.segmentation`` must return exactly what these return: ``test_segmentation_equivalence``
compares them on awkward generated data. Helpers that were not rewritten are imported.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from workbench import measures
from workbench.data.loader import Dataset
from workbench.segmentation.clusters import (
    MIX_TOP,
    PROFILE_COLUMNS,
    Clusters,
    Features,
    _describe,
    _design,
)
from workbench.segmentation.clv import (
    CLV_COLUMNS,
    DAYS_PER_MONTH,
    MIN_CALIBRATION_DAYS,
    VALUE_COLUMNS,
    ClvResult,
    Holdout,
    _empty_clv,
    fit_models,
    margin_rates,
    predict,
)
from workbench.segmentation.labels import ENUM_COLUMNS, HEADER_KEYS, PLACEHOLDER_COLUMNS, code_label
from workbench.segmentation.labels import name as label_name
from workbench.segmentation.params import RANGE_KEYS, SegmentationParams
from workbench.segmentation.prepare import Prepared, Problem, _empty_prepared, codes, ids, log
from workbench.segmentation.rfm import (
    OTHER_SEGMENT,
    RFM_COLUMNS,
    _empty_rfm,
    _share,
    cut_points,
    score,
)
from workbench.segmentation.strategy import (
    CRM_COLUMNS,
    CRM_ID_FIELDS,
    FXIAOKE_COLUMNS,
    LABELLED,
    NO_PLAY,
    TAG_SEPARATOR,
    TRANSITION_COLUMNS,
    ZOHO_COLUMNS,
    ZOHO_FIELDS,
    CrmLayout,
    _check,
)
from workbench.segmentation.views import INLINE_ROWS, NO_DATA, PLACEHOLDERS, _caption, _kind


def prepare(ds: Dataset, params: SegmentationParams, analysis_date: str | pd.Timestamp | None = None) -> Prepared:
    facts: dict = {}
    if not ds.has("orders"):
        return _empty_prepared(None, facts, Problem(
            "The orders table did not load, so there is nothing to segment.",
            "订单表未能加载，无法进行客户分群。"))
    o = ds["orders"]
    facts["lines_in"] = len(o)
    ignored = o["customer_id"].isin(params.ignore_customer_ids) if params.ignore_customer_ids else \
        pd.Series(False, index=o.index)
    incomplete = o["customer_id"].isna() | o["order_date"].isna() | o["amount"].isna()
    facts["lines_ignored"] = int((ignored & ~incomplete).sum())
    facts["lines_incomplete"] = int(incomplete.sum())
    keep = ~ignored & ~incomplete
    cols = [c for c in ("customer_id", "order_id", "order_date", "amount", "cost", "channel_id", "product_id", "region")
            if c in o.columns]
    o = o.loc[keep, cols]
    if o.empty:
        return _empty_prepared(None, facts, Problem(
            "No order line has a customer, a date and an amount (after leaving out {ignored} lines of "
            "placeholder customers), so there is nothing to segment.",
            "没有同时具备客户、日期和金额的订单行（已排除占位客户的 {ignored} 行），无法进行客户分群。",
            {"ignored": facts["lines_ignored"]}))
    day = o["order_date"].dt.normalize()
    facts["data_start"], facts["data_end"] = day.min(), day.max()
    if analysis_date is None:
        analysis_date = params.as_of or None
    date = pd.Timestamp(analysis_date).normalize() if analysis_date else facts["data_end"]
    if date < facts["data_start"]:
        facts.update(lines_after=len(o), lines_used=0)
        return _empty_prepared(date, facts, Problem(
            "The analysis date {date} is before the first order ({start}): there is nothing to segment. "
            "Set as_of to a date between {start} and {end}, or leave it empty for the last order date.",
            "分析基准日 {date} 早于第一笔订单（{start}），没有可分群的数据。请将 as_of 设为 {start} 至 {end} "
            "之间的日期，或留空以使用最后订单日期。",
            {"date": date, "start": facts["data_start"], "end": facts["data_end"]}))
    within = day <= date
    facts["lines_after"] = int((~within).sum())
    o = o.loc[within]
    day = day.loc[within]
    order_id = o["order_id"].astype("str").to_numpy()
    key = o["order_id"].astype("str")
    if params.return_link_pattern:
        key = key.str.replace(params.return_link_pattern, "", regex=True)
    key = key.to_numpy()
    # customer ids as a Categorical (sorted categories) and order keys as sorted integer codes: every
    # groupby and isin below works on integers instead of hashing a million strings again
    customer = pd.Categorical(o["customer_id"].astype("str"))
    order_code, _ = pd.factorize(key, sort=True)
    lines = pd.DataFrame({
        "customer_id": customer,
        "order_key": order_code.astype("int64"),
        "day": day.to_numpy(),
        "amount": o["amount"].to_numpy(dtype="float64"),
        "margin": (o["amount"] - o["cost"]).to_numpy(dtype="float64") if "cost" in o else np.nan,
    })
    for c in ("channel_id", "product_id", "region"):
        if c in o:
            lines[c] = o[c].to_numpy()
    lines["relinked"] = (lines["amount"].to_numpy() < 0) & (key != order_id)
    return _from_lines(lines, date, facts)


def restrict(prep: Prepared, date: str | pd.Timestamp) -> Prepared:
    date = pd.Timestamp(date).normalize()
    if prep.analysis_date is None or prep.lines.empty or date < prep.facts.get("data_start", date):
        facts = {k: prep.facts[k] for k in ("lines_in", "data_start", "data_end") if k in prep.facts}
        return _empty_prepared(date, facts, Problem("No order on or before {date}.", "{date} 及之前没有订单。",
                                                    {"date": date}))
    facts = {k: prep.facts[k] for k in ("lines_in", "lines_ignored", "lines_incomplete", "data_start", "data_end")
             if k in prep.facts}
    within = prep.lines["day"].to_numpy() <= np.datetime64(date)
    facts["lines_after"] = prep.facts.get("lines_after", 0) + int((~within).sum())
    return _from_lines(prep.lines.loc[within].reset_index(drop=True), date, facts)


def _from_lines(lines: pd.DataFrame, date: pd.Timestamp, facts: dict) -> Prepared:
    facts = dict(facts)
    neg = lines["amount"].to_numpy() < 0
    facts["lines_used"] = len(lines)
    facts["return_lines"] = int(neg.sum())
    facts["return_amount"] = float(lines["amount"].to_numpy()[neg].sum())
    orders = _orders(lines)
    relinked = lines["relinked"].to_numpy()
    if relinked.any():
        pos = orders.loc[orders["has_positive"], ["customer_id", "order_key"]].assign(hit=True)
        cand = lines.loc[relinked, ["customer_id", "order_key"]]
        facts["linked_return_lines"] = int(cand.merge(pos, on=["customer_id", "order_key"], how="left")["hit"]
                                           .notna().sum())
    else:
        facts["linked_return_lines"] = 0
    facts["cancelled_orders"] = int((orders["has_positive"] & ~orders["is_purchase"]).sum())
    per_customer = orders.groupby(codes(orders), sort=False).agg(buys=("is_purchase", "sum"), net=("net", "sum"))
    only = per_customer["buys"] == 0
    buyers = int((~only).sum())
    facts["customers"] = len(per_customer)
    facts["buyers"] = buyers
    facts["no_purchase"] = int(only.sum())
    facts["no_purchase_amount"] = float(per_customer.loc[only, "net"].sum())
    orders = orders.drop(columns="has_positive")
    prep = Prepared(date, lines, orders, facts)
    if not buyers:
        prep.problem = Problem(
            "No customer made a purchase up to {date} ({n} customers have only returned or cancelled orders or "
            "credit notes), so there is nothing to segment.",
            "截至 {date} 没有任何客户产生购买（{n} 个客户的订单全部退货、取消或只有冲销记录），无法进行客户分群。",
            {"date": date, "n": facts["no_purchase"]})
    log.info("prepared %d lines, %d orders, %d buyers as of %s", len(lines), len(orders), buyers, date.date())
    return prep


def _orders(lines: pd.DataFrame) -> pd.DataFrame:
    pos = lines["amount"] > 0
    work = pd.DataFrame({
        "cust": codes(lines), "order_key": lines["order_key"], "amount": lines["amount"],
        "margin": lines["margin"], "day": lines["day"], "pos_day": lines["day"].where(pos),
    })
    aggs = {"net": ("amount", "sum"), "margin": ("margin", "sum"), "margin_n": ("margin", "count"),
            "first_day": ("day", "min"), "pos_day": ("pos_day", "min")}
    if "channel_id" in lines:
        work["channel_id"] = lines["channel_id"].where(pos)
        aggs["channel_id"] = ("channel_id", "first")
    out = work.groupby(["cust", "order_key"], sort=True).agg(**aggs).reset_index()
    out.insert(0, "customer_id", pd.Categorical.from_codes(out.pop("cust").to_numpy(),
                                                           dtype=lines["customer_id"].dtype))
    out["margin"] = out["margin"].where(out["margin_n"] > 0)
    out["has_positive"] = out["pos_day"].notna()
    out["order_date"] = out["pos_day"].fillna(out["first_day"])
    if "channel_id" not in out:
        out["channel_id"] = pd.Series(pd.NA, index=out.index, dtype="str")
    out["is_purchase"] = out["has_positive"] & (out["net"] > 0)
    return out[["customer_id", "order_key", "order_date", "net", "margin", "channel_id", "is_purchase",
                "has_positive"]]


def rfm_table(prep: Prepared, params: SegmentationParams) -> pd.DataFrame:
    if not prep.ok:
        return _empty_rfm()
    o = prep.orders
    buys = o.loc[o["is_purchase"]]
    g = buys.groupby(codes(buys), sort=True)
    out = pd.DataFrame({"first_purchase": g["order_date"].min(), "last_purchase": g["order_date"].max(),
                        "frequency": g.size().astype("int64")})
    lines = prep.lines
    amount = lines["amount"]
    lc = codes(lines)
    gl = lines.groupby(lc, sort=True)
    window_start = prep.analysis_date - pd.Timedelta(days=params.value_window_days - 1)
    per = pd.DataFrame({
        "monetary": gl["amount"].sum(),
        "revenue_window": amount.where(lines["day"] >= window_start, 0.0).groupby(lc, sort=True).sum(),
        "margin": gl["margin"].sum(min_count=1),
        "returns": amount.clip(upper=0).groupby(lc, sort=True).sum(),
    })
    out = out.join(per, how="left")
    out.index = ids(lines, out.index)
    out["recency_days"] = (prep.analysis_date - out["last_purchase"]).dt.days.astype("int64")
    out = out.rename_axis("customer_id").reset_index()
    q = params.score_quantiles
    _, rc = cut_points(out["recency_days"], params.recency_cuts, q)
    _, fc = cut_points(out["frequency"], params.frequency_cuts, q)
    _, mc = cut_points(out["monetary"], params.monetary_cuts, q)
    out["r_score"] = score(out["recency_days"], rc, higher_is_better=False).astype("int64")
    out["f_score"] = score(out["frequency"], fc).astype("int64")
    out["m_score"] = score(out["monetary"], mc).astype("int64")
    out["rfm_segment"] = assign_segments(out, params.segment_rules)
    out["segment"] = out["rfm_segment"]  # the data model's fixed column name (see RFM_COLUMNS)
    out["rfm_code"] = (out["r_score"].astype("str") + out["f_score"].astype("str") + out["m_score"].astype("str"))
    return out[RFM_COLUMNS]


def assign_segments(scores: pd.DataFrame, rules: list[dict]) -> np.ndarray:
    seg = np.full(len(scores), OTHER_SEGMENT, dtype=object)
    free = np.ones(len(scores), dtype=bool)
    for rule in rules:
        m = free.copy()
        for k in RANGE_KEYS:
            if k in rule:
                lo, hi = rule[k]
                s = scores[f"{k}_score"].to_numpy()
                m &= (s >= lo) & (s <= hi)
        seg[m] = rule["rfm_segment"]
        free &= ~m
    return seg


def segment_summary(rfm: pd.DataFrame, params: SegmentationParams, value: pd.DataFrame | None = None) -> pd.DataFrame:
    order = params.rfm_segment_names + ([OTHER_SEGMENT] if (rfm["rfm_segment"] == OTHER_SEGMENT).any() else [])
    df = rfm
    if value is not None and "clv" in value:
        df = rfm.merge(value[["customer_id", "clv"]], on="customer_id", how="left")
    g = df.groupby("rfm_segment", sort=False)
    out = pd.DataFrame({
        "customers": g.size(),
        "revenue_window": g["revenue_window"].sum(),
        "monetary": g["monetary"].sum(),
        "mean_recency_days": g["recency_days"].mean(),
        "mean_frequency": g["frequency"].mean(),
        "median_monetary": g["monetary"].median(),
    }).reindex(order)
    out["customers"] = out["customers"].fillna(0).astype("int64")
    for c in ("revenue_window", "monetary"):
        out[c] = out[c].fillna(0.0)
    n = max(int(out["customers"].sum()), 1)
    out["share_customers"] = out["customers"] / n
    out["share_revenue_window"] = _share(out["revenue_window"])
    out["share_revenue"] = _share(out["monetary"])
    # always present (empty without a CLV model), so the table has the same columns in every run
    out["clv"] = g["clv"].sum(min_count=1).reindex(order) if "clv" in df else np.nan
    out["clv_per_customer"] = out["clv"] / out["customers"].where(out["customers"] > 0)
    out = out.rename_axis("rfm_segment").reset_index()
    cols = ["rfm_segment", "customers", "share_customers", "revenue_window", "share_revenue_window", "monetary",
            "share_revenue", "mean_recency_days", "mean_frequency", "median_monetary"]
    return out[[*cols, "clv", "clv_per_customer"]]


def transactions(prep: Prepared) -> pd.DataFrame:
    buys = prep.orders.loc[prep.orders["is_purchase"], ["customer_id", "order_date", "net"]]
    work = pd.DataFrame({"cust": codes(buys), "day": buys["order_date"], "value": buys["net"]})
    out = work.groupby(["cust", "day"], sort=True).agg(value=("value", "sum")).reset_index()
    out.insert(0, "customer_id", pd.Categorical.from_codes(out.pop("cust").to_numpy(),
                                                           dtype=prep.orders["customer_id"].dtype))
    return out


def summary(trans: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    t = trans.loc[trans["day"] <= end]
    g = t.groupby(codes(t), sort=True)
    first = g["day"].min()
    out = pd.DataFrame({
        "frequency": (g.size() - 1).astype("int64"),
        "recency": (g["day"].max() - first).dt.days.astype("float64"),
        "T": (end - first).dt.days.astype("float64"),
        "first": first,
    })
    out["mean_value"] = g["value"].mean()
    out.index = ids(trans, out.index)
    return out


def _own_mean(trans: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    t = trans.loc[trans["day"] <= end]
    out = t.groupby(codes(t))["value"].mean()
    out.index = ids(trans, out.index)
    return out


def holdout_check(prep: Prepared, params: SegmentationParams) -> Holdout:
    if not prep.ok:
        return Holdout(None, None, problem=prep.problem)
    end = prep.analysis_date
    cal_end = end - pd.Timedelta(days=params.holdout_days)
    trans = transactions(prep)
    start = trans["day"].min()
    if (cal_end - start).days < MIN_CALIBRATION_DAYS:
        return Holdout(cal_end, end, problem=Problem(
            "The data cover {days} days up to the analysis date; a holdout check of {holdout} days needs at "
            "least {need}. Lower holdout_days or add history.",
            "截至分析日数据仅覆盖 {days} 天；{holdout} 天的留出期检验至少需要 {need} 天。请调低 holdout_days 或补充历史数据。",
            {"days": (end - start).days, "holdout": params.holdout_days,
             "need": params.holdout_days + MIN_CALIBRATION_DAYS}))
    summ = summary(trans, cal_end)
    fit = fit_models(summ, params, "calibration", cal_end)
    if not fit.ok:
        return Holdout(cal_end, end, fit=fit, problem=fit.problem)
    own = _own_mean(trans, cal_end)
    pred = predict(fit, summ, params.holdout_days, own)
    later = trans.loc[trans["day"] > cal_end]
    n_codes = len(trans["customer_id"].cat.categories)
    lc = codes(later)
    pos = trans["customer_id"].cat.categories.get_indexer(summ.index)  # summ's customers as codes
    actual_n = np.bincount(lc, minlength=n_codes)[pos].astype(float)
    actual_v = np.bincount(lc, weights=later["value"].to_numpy(), minlength=n_codes)[pos]
    cal_len = max((cal_end - start).days, 1)
    base_n = (summ["frequency"].to_numpy() + 1.0) * params.holdout_days / cal_len
    base_v = base_n * own.reindex(summ.index).to_numpy()
    model_n = pred["expected_purchases"].to_numpy()
    model_v = pred["clv"].to_numpy()
    n = len(summ)

    def spearman(a, b):
        if np.std(a) == 0 or np.std(b) == 0:
            return float("nan")
        return float(pd.Series(a).rank().corr(pd.Series(b).rank()))

    scores = pd.DataFrame([
        {"metric": "purchases_total", "actual": actual_n.sum(), "predicted": model_n.sum(), "baseline": base_n.sum(),
         "n": n},
        {"metric": "revenue_total", "actual": actual_v.sum(), "predicted": model_v.sum(), "baseline": base_v.sum(),
         "n": n},
        {"metric": "mae_purchases", "actual": np.nan, "predicted": np.abs(model_n - actual_n).mean(),
         "baseline": np.abs(base_n - actual_n).mean(), "n": n},
        {"metric": "spearman_purchases", "actual": np.nan, "predicted": spearman(model_n, actual_n),
         "baseline": spearman(base_n, actual_n), "n": n},
    ])
    freq = summ["frequency"].to_numpy()
    bins = np.minimum(freq, 7)
    df = pd.DataFrame({"bin": bins, "actual": actual_n, "predicted": model_n, "baseline": base_n})
    bf = df.groupby("bin").agg(customers=("actual", "size"), actual_mean=("actual", "mean"),
                               predicted_mean=("predicted", "mean"), baseline_mean=("baseline", "mean")).reset_index()
    bf.insert(0, "calibration_purchases", [f"{int(b) + 1}" if b < 7 else "8+" for b in bf["bin"]])
    bf = bf.drop(columns="bin")
    return Holdout(cal_end, end, fit=fit, by_frequency=bf, scores=scores)


def clv_table(prep: Prepared, rfm: pd.DataFrame, params: SegmentationParams) -> ClvResult:
    if not prep.ok:
        return ClvResult(_empty_clv(), None, prep.problem)
    trans = transactions(prep)
    summ = summary(trans, prep.analysis_date)
    fit = fit_models(summ, params, "full", prep.analysis_date)
    if not fit.ok:
        return ClvResult(_empty_clv(), fit, fit.problem)
    own = _own_mean(trans, prep.analysis_date)
    pred = predict(fit, summ, params.clv_horizon_months * DAYS_PER_MONTH, own, params.discount_rate,
                   months=params.clv_horizon_months)
    out = pd.DataFrame({"frequency_days": summ["frequency"], "recency_model_days": summ["recency"].astype("int64"),
                        "T_days": summ["T"].astype("int64")}).join(pred)
    out = out.rename_axis("customer_id").reset_index()
    if not out["customer_id"].equals(rfm["customer_id"].reset_index(drop=True)):  # both sorted by id: rarely
        out = out.merge(rfm[["customer_id"]], on="customer_id", how="right")
    out["clv_margin"] = out["clv"] * margin_rates(rfm).to_numpy()
    # rounded to what a reader can use (cents, 4 decimals): smaller and faster CSV files
    out[["p_alive", "expected_purchases"]] = out[["p_alive", "expected_purchases"]].round(4)
    out[["expected_order_value", "clv", "clv_margin"]] = out[["expected_order_value", "clv", "clv_margin"]].round(2)
    return ClvResult(out[CLV_COLUMNS], fit)


def rank_tiers(score: pd.Series, ids: pd.Series, rules: list[dict], key: str) -> np.ndarray:
    n = len(score)
    if n == 0:
        return np.array([], dtype=object)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[ids.reset_index(drop=True).argsort().to_numpy()] = np.arange(n)  # arrow-native sort of the ids
    order = np.lexsort((id_rank, -score.to_numpy(dtype=float)))
    share = np.empty(n)
    share[order] = np.arange(1, n + 1) / n
    cuts = np.array([float(r["top_share"]) for r in rules])
    idx = np.minimum(np.searchsorted(cuts, share - 1e-12, side="left"), len(rules) - 1)
    names = np.array([r[key] for r in rules], dtype=object)
    return names[idx]


def value_tiers(rfm: pd.DataFrame, clv: ClvResult, params: SegmentationParams) -> pd.DataFrame:
    out = rfm[["customer_id", "rfm_segment", "revenue_window"]].copy()
    cols = ["clv", "clv_margin", "p_alive", "expected_purchases"]
    if clv.ok:
        out = out.merge(clv.table[["customer_id", *cols]], on="customer_id", how="left")
    else:
        for c in cols:
            out[c] = np.nan
    predicted = out["clv"].fillna(0.0)
    out["value_score"] = out["revenue_window"].clip(lower=0.0) + predicted
    out["tier"] = rank_tiers(out["value_score"], out["customer_id"], params.tier_rules, "tier")
    if clv.ok:
        out["potential"] = rank_tiers(predicted, out["customer_id"], params.potential_rules, "potential")
    else:
        out["potential"] = "unknown"
    return out[VALUE_COLUMNS]


def clv_result_table(clv: ClvResult, value: pd.DataFrame) -> pd.DataFrame:
    base = value[["customer_id", "value_score", "tier", "potential"]]
    if clv.ok:
        return clv.table.merge(base, on="customer_id", how="right")
    out = base.copy()
    for c in CLV_COLUMNS[1:]:
        out[c] = np.nan
    return out[CLV_COLUMNS + ["value_score", "tier", "potential"]]


def _mix(lines: pd.DataFrame, column: str, mapping: dict | None, rows: pd.Index, prefix: str
         ) -> tuple[pd.DataFrame, dict[str, str]]:
    pos = (lines["amount"] > 0).to_numpy()
    amt = lines["amount"].to_numpy()[pos]
    all_codes, categories = pd.factorize(lines[column])  # arrow-native on text, no Python objects
    values = np.array([str(mapping.get(v, v)) if mapping else str(v) for v in categories] + ["other"])
    raw_codes = all_codes[pos].astype(np.int64)
    codes = np.where(raw_codes >= 0, raw_codes, len(categories))  # missing -> "other"
    # merge values that map to the same group (e.g. three e-commerce channels)
    uniq, group_of_value = np.unique(values, return_inverse=True)
    line_group = group_of_value[codes]
    totals = np.bincount(line_group, weights=amt, minlength=len(uniq))
    order = [g for g in np.argsort(-totals, kind="stable") if uniq[g] != "other" and totals[g] > 0][:MIX_TOP]
    keep = np.full(len(uniq), len(order))  # everything else -> the "other" column
    keep[order] = np.arange(len(order))
    names = [str(uniq[g]) for g in order] + ["other"]
    cust = lines["customer_id"].cat.codes.to_numpy().astype(np.int64)[pos]
    n_cust = len(lines["customer_id"].cat.categories)
    flat = np.bincount(cust * len(names) + keep[line_group], weights=amt, minlength=n_cust * len(names))
    tab = flat.reshape(n_cust, len(names))
    idx = lines["customer_id"].cat.categories.astype("str").get_indexer(rows)
    tab = np.where(idx[:, None] >= 0, tab[np.maximum(idx, 0)], 0.0)
    total = tab.sum(axis=1, keepdims=True)
    tab = np.divide(tab, total, out=np.zeros_like(tab), where=total > 0)
    cols = [f"{prefix}{n}" for n in names]
    out = pd.DataFrame(tab, index=rows, columns=cols)
    out = out.loc[:, out.sum() > 0]
    return out, {c: n for c, n in zip(cols, names, strict=True) if c in out.columns}


def features(prep: Prepared, rfm: pd.DataFrame, ds: Dataset) -> Features:
    r = rfm.set_index("customer_id")
    raw = pd.DataFrame({
        "feat_recency": r["recency_days"].astype(float),
        "feat_frequency": r["frequency"].astype(float),
        "feat_monetary": r["monetary"].astype(float),
        "feat_order_value": (r["monetary"] / r["frequency"]).astype(float),
    })
    first = r["first_purchase"]
    if ds.has_column("customers", "created_date"):
        created = ds["customers"].drop_duplicates("customer_id").set_index("customer_id")["created_date"]
        first = pd.concat([first, created.reindex(first.index)], axis=1).min(axis=1)
    raw["feat_tenure"] = (prep.analysis_date - first).dt.days.clip(lower=0).astype(float)
    lines = prep.lines
    blocks: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for column, block, prefix, table, attr in (("channel_id", "channel", "ch:", "channels", "type"),
                                               ("product_id", "product", "cat:", "products", "category")):
        if column not in lines or not lines[column].notna().any():
            continue
        mapping = None
        if ds.has_column(table, attr):
            master = ds[table].drop_duplicates(column).dropna(subset=[attr])
            mapping = dict(zip(master[column].astype("str"), master[attr].astype("str"), strict=True))
        tab, names = _mix(lines, column, mapping, raw.index, prefix)
        raw = raw.join(tab)
        blocks[block], labels = list(tab.columns), {**labels, **names}
    model = raw.copy()
    for c in ("feat_recency", "feat_frequency", "feat_monetary", "feat_order_value", "feat_tenure"):
        model[c] = np.log1p(raw[c].clip(lower=0.0))
    return Features(raw, model, blocks, labels)


def profiles(cl: Clusters, rfm: pd.DataFrame, value: pd.DataFrame | None, currency_fmt=None) -> pd.DataFrame:
    if not cl.ok:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    money = currency_fmt or (lambda v: f"{v:,.0f}")
    feat = cl.features
    raw = feat.raw
    z = pd.DataFrame(_design(feat), index=raw.index, columns=raw.columns)
    lab = cl.labels
    rev = rfm.set_index("customer_id")["monetary"].reindex(raw.index)
    total_rev = rev.clip(lower=0).sum()
    rows = []
    for c in sorted(lab.unique()):
        m = (lab == c).to_numpy()
        sub = raw.loc[m]
        zc = z.loc[m].mean()
        row = {"cluster": int(c), "customers": int(m.sum()), "share_customers": m.mean(),
               "share_revenue": rev.loc[m].clip(lower=0).sum() / total_rev if total_rev > 0 else np.nan,
               "median_recency_days": float(sub["feat_recency"].median()),
               "mean_frequency": float(sub["feat_frequency"].mean()),
               "median_monetary": float(sub["feat_monetary"].median()),
               "median_tenure_days": float(sub["feat_tenure"].median())}
        for block, col in (("channel", "top_channel"), ("product", "top_category")):
            cols = feat.mix_columns.get(block, [])
            if cols:
                shares = sub[cols].mean()
                top = shares.idxmax()
                row[col], row[f"{col}_share"] = feat.labels[top], float(shares[top])
            else:
                row[col], row[f"{col}_share"] = None, np.nan
        row["clv_per_customer"] = float(value.set_index("customer_id")["clv"].reindex(sub.index).mean()) \
            if value is not None and "clv" in value else np.nan
        en, zh = _describe(sub, zc, feat, money)
        row["profile"], row["profile_zh"] = en, zh
        rows.append(row)
    return pd.DataFrame(rows)[PROFILE_COLUMNS]


def attributes(prep: Prepared, rfm: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    out = rfm[["customer_id"]].copy()
    source = {}
    cust = ds["customers"].drop_duplicates("customer_id").set_index("customer_id") if ds.has("customers") else None
    lines = prep.lines
    for col in ("name", "region", "industry", "acquisition_channel_id"):
        if cust is not None and col in cust and cust[col].notna().any():
            out[col] = out["customer_id"].map(cust[col])
            source[col] = "customers"
        else:
            out[col] = pd.Series(np.nan, index=out.index, dtype="str")
            source[col] = "none"
    if source["region"] == "none" and "region" in lines and lines["region"].notna().any():
        known = lines.dropna(subset=["region"])
        counts = known.groupby([codes(known), known["region"].to_numpy()]).size().rename("n").reset_index()
        counts.columns = ["code", "region", "n"]
        counts["customer_id"] = ids(lines, counts["code"]).to_numpy()
        counts = counts.sort_values(["customer_id", "n", "region"], ascending=[True, False, True])
        top = counts.drop_duplicates("customer_id").set_index("customer_id")["region"]
        out["region"] = out["customer_id"].map(top)
        source["region"] = "orders"
    if source["acquisition_channel_id"] == "none":
        buys = prep.orders.loc[prep.orders["is_purchase"] & prep.orders["channel_id"].notna()]
        if len(buys):
            first = buys.sort_values(["customer_id", "order_date", "order_key"]).drop_duplicates("customer_id")
            first = first.assign(customer_id=first["customer_id"].astype("str"))
            out["acquisition_channel_id"] = out["customer_id"].map(first.set_index("customer_id")["channel_id"])
            source["acquisition_channel_id"] = "orders"
    names = {}
    if ds.has_column("channels", "name"):
        names = ds["channels"].drop_duplicates("channel_id").set_index("channel_id")["name"].to_dict()
    for col in ("name", "region", "industry", "acquisition_channel_id"):
        out[col] = out[col].astype("str")
    out["acquisition_channel"] = out["acquisition_channel_id"].map(lambda c: names.get(c, c), na_action="ignore") \
        .astype("str")
    out.attrs["source"] = source
    return out


def profile_by(by: str, attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame,
               params: SegmentationParams) -> pd.DataFrame:
    if by not in attrs or attrs[by].isna().all():
        return pd.DataFrame()
    top_tier = params.tier_names[0]
    df = attrs[["customer_id", by]].merge(rfm[["customer_id", "monetary"]], on="customer_id") \
        .merge(value[["customer_id", "clv", "tier"]], on="customer_id")
    df["group"] = df[by].fillna("(unknown)").astype("str")
    df["is_top"] = df["tier"] == top_tier
    g = df.groupby("group", sort=False)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["monetary"].sum(),
                        "clv_total": g["clv"].sum(min_count=1), "vip_customers": g["is_top"].sum()})
    out["share_customers"] = out["customers"] / out["customers"].sum()
    total = out["revenue"].clip(lower=0).sum()
    out["share_revenue"] = out["revenue"] / total if total > 0 else np.nan
    out["revenue_per_customer"] = out["revenue"] / out["customers"]
    out["clv_per_customer"] = out["clv_total"] / out["customers"]
    out["vip_share"] = out["vip_customers"] / out["customers"]
    lo, hi = proportion_confint(out["vip_customers"].to_numpy(), out["customers"].to_numpy(), alpha=0.05,
                                method="wilson")
    out["vip_ci_low"], out["vip_ci_high"] = lo, hi
    out["small_group"] = out["customers"] < params.min_group_size
    out = out.rename_axis("group").reset_index().sort_values(["revenue", "group"], ascending=[False, True])
    out["vip_customers"] = out["vip_customers"].astype("int64")
    return out[["group", "customers", "share_customers", "revenue", "share_revenue", "revenue_per_customer",
                "clv_per_customer", "vip_customers", "vip_share", "vip_ci_low", "vip_ci_high",
                "small_group"]].reset_index(drop=True)


def segment_channel(attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame) -> pd.DataFrame:
    df = rfm[["customer_id", "rfm_segment", "monetary", "margin"]].merge(
        attrs[["customer_id", "acquisition_channel"]], on="customer_id").merge(
        value[["customer_id", "clv"]], on="customer_id")
    df["acquisition_channel"] = df["acquisition_channel"].fillna("(unknown)").astype("str")
    g = df.groupby(["rfm_segment", "acquisition_channel"], sort=True)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["monetary"].sum(),
                        "margin": g["margin"].sum(min_count=1), "clv": g["clv"].sum(min_count=1)})
    return out.reset_index()


def channel_value(prep: Prepared, attrs: pd.DataFrame, rfm: pd.DataFrame, value: pd.DataFrame, ds: Dataset,
                  params: SegmentationParams) -> pd.DataFrame:
    df = attrs[["customer_id", "acquisition_channel_id", "acquisition_channel"]].merge(
        rfm[["customer_id", "monetary", "margin", "first_purchase"]], on="customer_id").merge(
        value[["customer_id", "clv", "clv_margin"]], on="customer_id")
    df["acquisition_channel_id"] = df["acquisition_channel_id"].fillna("(unknown)").astype("str")
    df["acquisition_channel"] = df["acquisition_channel"].fillna(df["acquisition_channel_id"]).astype("str")
    g = df.groupby(["acquisition_channel_id", "acquisition_channel"], sort=True)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["monetary"].sum(), "margin": g["margin"].sum(min_count=1),
                        "clv": g["clv"].sum(min_count=1), "clv_margin": g["clv_margin"].sum(min_count=1)})
    out = out.reset_index()
    out["clv_per_customer"] = out["clv"] / out["customers"]
    use_margin = df["margin"].notna().any() and df["clv_margin"].notna().any()
    for c in ("new_customers", "spend", "cac", "value_per_new_customer", "clv_cac"):
        out[c] = np.nan
    out["cac_window"] = ""
    if ds.has("spend") and prep.analysis_date is not None:
        # CAC has one definition, shared with the channel report: workbench.measures.cac
        window = measures.complete_months(prep.analysis_date, measures.CAC_MONTHS)
        sp, _ = measures.monthly_spend(ds["spend"])
        acq = measures.acquisitions(ds["customers"] if ds.has("customers") else None,
                                    ds["orders"] if ds.has("orders") else None)
        c = measures.cac(sp, acq, window).set_index("channel_id")
        if len(c):
            lo, hi = str(window[0]), str(window[1])
            new = acq.loc[(acq["month"] >= lo) & (acq["month"] <= hi), ["customer_id", "channel_id"]]
            cur, fut = ("margin", "clv_margin") if use_margin else ("monetary", "clv")
            worth = df.set_index(df["customer_id"].astype("str"))[[cur, fut]].fillna(0).sum(axis=1)
            # a customer acquired without a purchase yet is worth nothing so far, not left out
            value = new.assign(v=new["customer_id"].map(worth).fillna(0.0)).groupby("channel_id")["v"].sum()
            idx = out["acquisition_channel_id"]
            out["spend"] = idx.map(c["spend"]).astype(float)
            out["new_customers"] = idx.map(c["new_customers"]).fillna(0).where(out["spend"].notna())
            n_new = out["new_customers"].where(out["new_customers"] > 0)
            out["cac"] = idx.map(c["cac"]).astype(float)
            out["value_per_new_customer"] = idx.map(value).fillna(0.0) / n_new
            out["clv_cac"] = out["value_per_new_customer"] / out["cac"]
            out["cac_window"] = measures.window_text(window)
    out["small_group"] = (out["customers"] < params.min_group_size) | (
        out["new_customers"].notna() & (out["new_customers"] < params.min_group_size))
    out = out.sort_values(["revenue", "acquisition_channel_id"], ascending=[False, True]).reset_index(drop=True)
    out.attrs["value_basis"] = "margin" if use_margin else "revenue"
    out.attrs["acquired_from"] = "created_date" if ds.has_column("customers", "created_date") else "first_purchase"
    return out


def crm_export(plays: pd.DataFrame, rfm: pd.DataFrame, attrs: pd.DataFrame, clusters: pd.Series | None,
               params: SegmentationParams) -> pd.DataFrame:
    df = _align(plays, rfm, ["recency_days", "frequency", "monetary"])
    df = _align(df, attrs, ["name"])
    df["cluster"] = df["customer_id"].map(clusters).astype("Int64") if clusters is not None and len(clusters) \
        else pd.array([pd.NA] * len(df), dtype="Int64")
    df["recommended_action_en"] = df["action"]
    df["recommended_action_zh"] = df["action_zh"]
    for c in LABELLED:
        codes = df[c].dropna().unique()
        for lang in ("en", "zh"):
            df[f"{c}_{lang}"] = df[c].map({v: label_name(c, v, lang) for v in codes})
    rank = {p["play"]: i for i, p in enumerate(params.playbook)}
    df["_order"] = df["play"].map(rank).fillna(len(rank))
    df = df.sort_values(["_order", "value_score", "customer_id"], ascending=[True, False, True])
    if params.mask_pii:
        df["name"] = pd.Series(pd.NA, index=df.index, dtype="str")
    out = df[CRM_COLUMNS].reset_index(drop=True)
    out["p_alive"] = out["p_alive"].round(4)
    out[["monetary", "revenue_window", "clv"]] = out[["monetary", "revenue_window", "clv"]].round(2)
    return out


def _align(left: pd.DataFrame, right: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    if len(left) == len(right) and left["customer_id"].reset_index(drop=True).equals(
            right["customer_id"].reset_index(drop=True)):
        out = left.copy()
        for c in columns:
            out[c] = right[c].to_numpy()
        return out
    return left.merge(right[["customer_id", *columns]], on="customer_id", how="left")


def tier_migration(prep: Prepared, value: pd.DataFrame, params: SegmentationParams
                   ) -> tuple[pd.DataFrame, Problem | None]:
    if not prep.ok:
        return pd.DataFrame(), prep.problem
    prev_date = prep.analysis_date - pd.Timedelta(days=params.migration_days)
    prev = restrict(prep, prev_date)
    if not prev.ok:
        return pd.DataFrame(), Problem(
            "There is no previous period to compare with: no purchase on or before {date} "
            "({days} days before the analysis date).",
            "没有可比较的上期：{date}（分析日前 {days} 天）及之前没有购买记录。",
            {"date": prev_date, "days": params.migration_days})
    prev_rfm = rfm_table(prev, params)
    prev_clv = clv_table(prev, prev_rfm, params)
    current_has_clv = value["clv"].notna().any()
    value_only = not (current_has_clv and prev_clv.ok)
    if current_has_clv != prev_clv.ok:  # compare like with like: both on current value alone
        no_model = ClvResult(_empty_clv(), None, Problem("", ""))
        prev_clv = no_model
        value = value_tiers(value[["customer_id", "rfm_segment", "revenue_window"]], no_model, params)
    prev_value = value_tiers(prev_rfm, prev_clv, params)
    df = value[["customer_id", "tier", "revenue_window"]].merge(
        prev_value[["customer_id", "tier"]].rename(columns={"tier": "previous_tier"}), on="customer_id", how="left")
    df["previous_tier"] = df["previous_tier"].fillna("(new)")
    rank = {t: i for i, t in enumerate(params.tier_names)}
    g = df.groupby(["previous_tier", "tier"], sort=False)
    out = pd.DataFrame({"customers": g.size(), "revenue_window": g["revenue_window"].sum()}).reset_index()
    out = out.rename(columns={"tier": "current_tier"})
    prev_rank = out["previous_tier"].map(rank)
    cur_rank = out["current_tier"].map(rank)
    out["movement"] = np.where(prev_rank.isna(), "new",
                               np.where(cur_rank < prev_rank, "up", np.where(cur_rank > prev_rank, "down", "same")))
    totals = out.groupby("previous_tier")["customers"].transform("sum")
    out["share_of_previous"] = out["customers"] / totals
    order = {t: i for i, t in enumerate([*params.tier_names, "(new)"])}
    out = out.sort_values(["previous_tier", "current_tier"], key=lambda s: s.map(order)).reset_index(drop=True)
    out.attrs["previous_date"] = prev_date
    out.attrs["value_only"] = value_only
    return out[TRANSITION_COLUMNS], None


def _tags(df: pd.DataFrame, keys: list[str], lang: str) -> pd.Series:
    if not keys:
        return pd.Series("", index=df.index, dtype="str")
    parts = []
    for k in keys:
        names = {v: re.sub(r"\s*[;,，；]\s*", " ", label_name(k, v, lang)) for v in df[k].dropna().unique()}
        parts.append(df[k].map(names).fillna(""))
    out = parts[0]
    for p in parts[1:]:
        out = out.str.cat(p, sep=TAG_SEPARATOR)
    return out.str.replace(r";{2,}", ";", regex=True).str.strip(";").astype("str")


def layouts_of(export: pd.DataFrame, ds, params: SegmentationParams) -> dict[str, CrmLayout]:
    meta = getattr(ds, "meta", None)
    source = getattr(meta, "source", None)
    crm_ids = dict(getattr(meta, "crm_ids", None) or {})
    customers = ds.tables.get("customers") if hasattr(ds, "tables") else None
    return {"zoho": _zoho(export, source, crm_ids, params),
            "fxiaoke": _fxiaoke(export, source, crm_ids, customers, params)}


def _zoho(export: pd.DataFrame, source, crm_ids: dict, params: SegmentationParams) -> CrmLayout:
    reason, id_field = _check("zoho", export, source, crm_ids)
    if not reason and id_field not in CRM_ID_FIELDS["zoho"]:
        reason = "no_crm_ids"
    if reason:
        return CrmLayout("zoho", None, reason, source, id_field)
    lang = params.zoho_lang
    out = pd.DataFrame({"Record Id": export["customer_id"].astype("str"),
                        "Account Name": export["name"].astype("str"),
                        "Tag": _tags(export, params.crm_tags, lang)})
    for key, col in ZOHO_FIELDS.items():
        names = {v: label_name(key, v, lang) for v in export[key].dropna().unique()}
        out[col] = export[key].map(names).astype("str")
    out["Workbench Action"] = export["recommended_action_zh" if lang == "zh" else "recommended_action_en"]
    has_id = _matchable(out["Record Id"])
    return CrmLayout("zoho", out.loc[has_id, ZOHO_COLUMNS].reset_index(drop=True), "", source, id_field,
                     left_out=int((~has_id).sum()))


def _matchable(ids: pd.Series) -> np.ndarray:
    s = ids.astype("str")
    return (s.notna() & s.str.strip().ne("") & ~s.str.match(r"\[[a-z-]+-[0-9A-F]{6}\]$")).fillna(False).to_numpy(bool)


def _fxiaoke(export: pd.DataFrame, source, crm_ids: dict, customers: pd.DataFrame | None,
             params: SegmentationParams) -> CrmLayout:
    reason, id_field = _check("fxiaoke", export, source, crm_ids)
    number = None
    if not reason:
        if id_field in CRM_ID_FIELDS["fxiaoke"]:
            number = export["customer_id"].astype("str")
        elif (crm_ids.get("customers.customer_number") in CRM_ID_FIELDS["fxiaoke"] and customers is not None
              and "customer_number" in customers.columns):
            by_id = customers.drop_duplicates("customer_id").set_index("customer_id")["customer_number"]
            number = export["customer_id"].map(by_id).astype("str")
        else:
            reason = "no_crm_ids"
    if reason:
        return CrmLayout("fxiaoke", None, reason, source, id_field)
    level = export["tier"].map(params.fxiaoke_levels).astype("str")
    unmapped = [t for t in params.tier_names if t in set(export["tier"]) and t not in params.fxiaoke_levels]
    out = pd.DataFrame({"客户编号": number, "客户名称": export["name"].astype("str"), "客户级别": level,
                        "标签": _tags(export, params.crm_tags, params.fxiaoke_lang)})
    # A customer whose 客户编号 is blank (a stub known only from an opportunity) cannot be matched: left out.
    has_id = _matchable(out["客户编号"])
    out = out.loc[has_id].reset_index(drop=True)
    seen = set(customers["tier"].dropna().astype(str)) if customers is not None and "tier" in customers else set()
    unknown = sorted({v for v in params.fxiaoke_levels.values() if seen and v not in seen})
    return CrmLayout("fxiaoke", out[FXIAOKE_COLUMNS], "", source, crm_ids.get("customers.customer_number", id_field),
                     unknown, int((~has_id).sum()), unmapped)


def show_table(report, df: pd.DataFrame, name: str | None = None, columns: list[str] | None = None,
               formats: dict[str, str] | None = None, max_rows: int = INLINE_ROWS, caption: str | None = None,
               shown: pd.DataFrame | None = None):
    rows = df if shown is None else shown
    cols = [c for c in (columns or list(rows.columns)) if c in rows.columns]
    rows = rows[cols].copy()
    kinds = {c: (formats or {}).get(c) or _kind(c, rows[c]) for c in cols}
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
    headers = {c: HEADER_KEYS[c] for c in cols if c in HEADER_KEYS}
    return report.table(df, name, shown=rows, formats=kinds, max_rows=max_rows, caption=caption, headers=headers)


def show_rfm(report, rfm: pd.DataFrame, params: SegmentationParams):
    if rfm.empty:
        report.save(rfm, "rfm")
        return report.note(*NO_DATA)
    top = rfm.sort_values(["monetary", "customer_id"], ascending=[False, True])
    return show_table(report, rfm, name="rfm", shown=top,
                      columns=["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                               "rfm_segment"],
                      caption=_caption(report, "Top {k} customers by net revenue; every customer is in the full table "
                                       "(CSV) linked below.",
                                       "累计净收入最高的 {k} 个客户；全部客户见表格下方链接的完整数据（CSV）。", k=INLINE_ROWS))


def show_clv(report, clv: ClvResult, value: pd.DataFrame, params: SegmentationParams):
    table = clv_result_table(clv, value)
    if value.empty or not clv.ok:
        report.save(table, "clv")
    if value.empty:
        return report.note(*NO_DATA)
    if not clv.ok:
        return report.note("No CLV per customer: the CLV table holds value scores and value tiers from current value "
                           "only.", "没有每个客户的 CLV：CLV 结果表只包含按当前价值计算的价值得分和价值层级。")
    top = table.sort_values(["clv", "customer_id"], ascending=[False, True]).merge(
        value[["customer_id", "rfm_segment"]], on="customer_id", how="left")
    return show_table(report, table, name="clv", shown=top,
                      columns=["customer_id", "rfm_segment", "tier", "p_alive", "expected_purchases",
                               "expected_order_value", "clv", "clv_margin"],
                      caption=_caption(report, "Top {k} by predicted value over the next {m} months; every customer is in "
                                          "the clv table.",
                                          "未来 {m} 个月预测价值最高的 {k} 个客户；全部客户见 clv 结果表。",
                                          k=INLINE_ROWS, m=params.clv_horizon_months))


def assign_plays(value: pd.DataFrame, params: SegmentationParams) -> pd.DataFrame:
    out = value.copy()
    play = np.full(len(out), NO_PLAY, dtype=object)
    free = np.ones(len(out), dtype=bool)
    for p in params.playbook:
        m = free.copy()
        for key in ("tier", "potential", "rfm_segment"):
            if key in p:
                m &= out[key].isin(p[key]).to_numpy()
        play[m] = p["play"]
        free &= ~m
    out["play"] = play
    en = {p["play"]: p["action"] for p in params.playbook}
    zh = {p["play"]: p.get("action_zh", p["action"]) for p in params.playbook}
    out["action"] = out["play"].map(en).fillna("")
    out["action_zh"] = out["play"].map(zh).fillna("")
    return out
