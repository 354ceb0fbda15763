"""Drivers of satisfaction: which channel, product, segment and service factors go with higher or lower scores.

Per outcome (the NPS answer 0-10, CSAT 1-5) an ordinary least-squares regression
with heteroskedasticity-robust (HC1) standard errors, fitted with statsmodels::

    score ~ C(channel) + C(tier) + C(category) + C(source)

(``tier`` stands for the grouping chosen by ``segment_by``: the customer value tier,
industry or feedback source.)

Each factor is compared with its most common known level (the reference), the
other factors held equal. Levels with fewer than ``min_responses`` answers are
pooled into ``other`` (a coefficient on a handful of answers says nothing); a
factor that duplicates another (``source == social`` is exactly the responses
without a customer, whose tier is ``unknown``) is dropped with a note.
``category`` is the product category of the customer's latest order line on or
before the response date (orders and products needed).

The service factors customers name themselves are the comment themes of
:mod:`workbench.feedback.comments`. Each theme gets its own model on the
responses with a readable comment: the factors above plus one 0/1 column "the
comment mentions the theme", so a theme is compared with the other commented
responses (a joint model of all themes would compare each with the few
responses whose comment names no theme, and comments naming two themes would
tie their effects together). Those models share their factors, so they are
computed together by the Frisch-Waugh-Lovell theorem (:func:`theme_effects`),
with the same coefficients and HC1 errors statsmodels gives.

The coefficients of one outcome are screened together, so their p-values are
Benjamini-Hochberg adjusted; an effect is called clear when the adjusted p is
below 0.05 and its interval excludes zero. Each row reads as a sentence:
"Responses with channel CH07 电话销售 give a 2.92 points lower NPS answer (0-10)
than those with CH03 天猫旗舰店, other factors equal (95% CI -3.29 to -2.54;
n = 227)". These are associations in survey answers, not causes.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from workbench.competitors.base import single_blas_thread
from workbench.feedback.labels import FACTOR_LABELS, LEVEL_LABELS, OUTCOME_LABELS
from workbench.feedback.nps import UNKNOWN
from workbench.reporting import Notes as Section

log = logging.getLogger(__name__)

OTHER = "other"
FACTORS = ("channel", "tier", "industry", "category", "source")
DRIVER_COLUMNS = ["outcome", "factor", "level", "reference", "effect", "ci_low", "ci_high", "p_value", "p_adjusted",
                  "n_level", "n", "r_squared", "sentence_en", "sentence_zh"]
SHOWN = ["outcome", "sentence", "p_adjusted"]
FORMATS = {"effect": "num2", "ci_low": "num2", "ci_high": "num2", "r_squared": "num2"}


@dataclass
class DriverAnalysis(Section):
    """The regression effects of every outcome."""

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DRIVER_COLUMNS))
    fit: dict = field(default_factory=dict)  # outcome -> (n, r_squared)


def latest_category(resp: pd.DataFrame, orders: pd.DataFrame, products: pd.DataFrame | None) -> pd.Series:
    """Product category (or product id) of each response's customer's latest order line on or before its date.

    Returns a Series aligned with ``resp`` (missing where there is no such order line).
    """
    need = {"customer_id", "order_date", "product_id"}
    if not need <= set(orders.columns) or "customer_id" not in resp:
        return pd.Series(np.nan, index=resp.index, dtype="str")
    o = orders.loc[orders["customer_id"].notna() & orders["product_id"].notna(),
                   ["customer_id", "order_date", "product_id"]]
    if products is not None and "category" in products:
        o = o.assign(cat=o["product_id"].map(products.set_index("product_id")["category"]))
        o["cat"] = o["cat"].fillna(o["product_id"])
    else:
        o = o.assign(cat=o["product_id"])
    left = resp.loc[resp["customer_id"].notna(), ["customer_id", "date"]].reset_index()
    left = left.sort_values("date")
    right = o.sort_values("order_date")
    m = pd.merge_asof(left, right[["customer_id", "order_date", "cat"]], left_on="date", right_on="order_date",
                      by="customer_id", direction="backward")
    return m.set_index("index")["cat"].reindex(resp.index).astype("str")


def pool_rare(s: pd.Series, min_n: int) -> pd.Series:
    """Levels with fewer than ``min_n`` rows become ``other``; missing becomes ``unknown``."""
    s = s.fillna(UNKNOWN).astype("str")
    counts = s.value_counts()
    rare = counts.index[counts < min_n]
    return s.where(~s.isin(rare), OTHER)


def _sentence(outcome: str, factor: str, level: str, ref: str, b: float, lo: float, hi: float, n_level: int,
              sure: bool, labels: dict | None = None) -> tuple[str, str]:
    o_en, o_zh = OUTCOME_LABELS[outcome]
    if factor == "theme":
        l_en, l_zh = (labels or {}).get(level, (level, level))
        who_en, who_zh = f"Responses whose comment mentions {l_en}", f"评论提到“{l_zh}”的反馈"
        vs_en, vs_zh = "other commented responses", "其他有评论的反馈"
    else:
        f_en, f_zh = FACTOR_LABELS[factor]
        lv_en, lv_zh = LEVEL_LABELS.get(level, (level, level))
        rf_en, rf_zh = LEVEL_LABELS.get(ref, (ref, ref))
        who_en, who_zh = f"Responses with {f_en} {lv_en}", f"{f_zh}为 {lv_zh} 的反馈"
        vs_en, vs_zh = f"those with {rf_en}", f"{f_zh}为 {rf_zh} 的反馈"
    if not sure:
        return (f"{who_en}: no clear difference in {o_en} from {vs_en} (95% CI {lo:+.2f} to {hi:+.2f}; "
                f"n = {n_level:,}).",
                f"{who_zh}：{o_zh}与{vs_zh}相比无明确差异（95% 区间 {lo:+.2f} 至 {hi:+.2f}；n = {n_level:,}）。")
    d_en, d_zh = ("higher", "高") if b > 0 else ("lower", "低")
    return (f"{who_en} give a {abs(b):.2f} points {d_en} {o_en} than {vs_en}, other factors equal "
            f"(95% CI {lo:+.2f} to {hi:+.2f}; n = {n_level:,}).",
            f"在其他因素相同的情况下，{who_zh}，{o_zh}比{vs_zh}{d_zh} {abs(b):.2f} 分（95% 区间 {lo:+.2f} 至 "
            f"{hi:+.2f}；n = {n_level:,}）。")


def theme_effects(X: np.ndarray, y: np.ndarray, V: np.ndarray) -> list[tuple[float, float]]:
    """Coefficient and HC1 standard error of each column of ``V`` added on its own to the regression of
    ``y`` on ``X``.

    By the Frisch-Waugh-Lovell theorem the coefficient of ``v`` in ``y ~ X + v`` is the slope of
    ``y``'s residual on ``v``'s residual (both regressed on ``X``), and its HC0 variance is
    ``sum(r_v^2 e^2) / sum(r_v^2)^2`` with ``e`` the full model's residuals; HC1 scales it by
    ``n / (n - k - 1)``. Identical to ``sm.OLS(y, [X, v]).fit(cov_type="HC1")`` for that coefficient
    (a test checks it), at the cost of one factorisation of ``X`` for every theme together.
    """
    q, _ = np.linalg.qr(X)
    ry = y - q @ (q.T @ y)
    rv = V - q @ (q.T @ V)
    n, k = X.shape
    out = []
    for j in range(V.shape[1]):
        r = rv[:, j]
        ss = r @ r
        if ss <= 1e-12:
            out.append((np.nan, np.nan))
            continue
        b = (r @ ry) / ss
        e = ry - b * r
        var = (r ** 2 @ e ** 2) / ss ** 2 * n / (n - k - 1)
        out.append((float(b), float(np.sqrt(var))))
    return out


def fit_drivers(frame: pd.DataFrame, outcome: str, factors: list[str], themes: list[str], min_n: int,
                fdr: float = 0.05, labels: dict | None = None
                ) -> tuple[pd.DataFrame, tuple[int, float] | None, tuple[str, str] | None, list[str]]:
    """One outcome's regression; returns the effects, ``(n, r_squared)``, why it cannot run (English,
    Chinese) and the factors dropped because they duplicate others (the design would be singular).

    ``frame`` holds ``outcome``, the factor columns (text) and the theme columns (0/1).
    """
    import statsmodels.api as sm

    d = frame.loc[frame[outcome].notna()].copy()
    blocks: list[tuple[str, pd.DataFrame]] = []  # (factor, its dummy columns)
    refs: dict[str, str] = {}
    for f in factors:
        d[f] = pool_rare(d[f], min_n)
        counts = d[f].value_counts()
        if len(counts) < 2:
            continue
        known = [c for c in counts.index if c not in (UNKNOWN, OTHER)]
        refs[f] = str(known[0] if known else counts.index[0])  # compare with the most common known level
        dummies = pd.get_dummies(d[f], dtype="float64").drop(columns=refs[f])
        blocks.append((f, dummies.rename(columns=lambda lv, f=f: (f, str(lv)))))
    if not blocks and not themes:
        return pd.DataFrame(columns=DRIVER_COLUMNS), None, ("no factor varies enough", "没有足够变化的因素"), []
    n_terms = sum(b.shape[1] for _, b in blocks)
    if len(d) < 3 * (n_terms + 1) or len(d) < min_n:
        return pd.DataFrame(columns=DRIVER_COLUMNS), None, (f"{len(d)} responses are too few", f"{len(d)} 条反馈太少"), []
    dropped = []
    const = pd.Series(1.0, index=d.index, name=("const", ""))
    while True:  # a factor that duplicates another (e.g. source 'social' = segment 'unknown') is dropped
        X = pd.concat([const, *[b for _, b in blocks]], axis=1)
        if len(blocks) <= 1 or np.linalg.matrix_rank(X.to_numpy()) == X.shape[1]:
            break
        dropped.append(blocks.pop()[0])
    y = d[outcome].to_numpy(dtype=float)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.OLS(y, X.to_numpy()).fit(cov_type="HC1")
        except (ValueError, np.linalg.LinAlgError):
            return pd.DataFrame(columns=DRIVER_COLUMNS), None, ("the regression failed", "回归拟合失败"), []
        conf = res.conf_int()
        for i, (factor, level) in enumerate(X.columns):
            if factor != "const":
                rows.append([outcome, factor, level, refs[factor], res.params[i], conf[i, 0], conf[i, 1],
                             res.pvalues[i], int(d[factor].eq(level).sum())])
        commented = d["_commented"].to_numpy(dtype=bool) if "_commented" in d else np.ones(len(d), dtype=bool)
        V = d[themes].to_numpy(dtype=float)[commented] if themes else np.empty((commented.sum(), 0))
        keep = [j for j, t in enumerate(themes) if min_n <= V[:, j].sum() <= len(V) - min_n]
        if keep:
            est = theme_effects(X.to_numpy()[commented], y[commented], V[:, keep])
            for j, (b, se) in zip(keep, est, strict=True):
                z = stats.norm.ppf(0.975)
                rows.append([outcome, "theme", themes[j], "other comments", b, b - z * se, b + z * se,
                             2 * stats.norm.sf(abs(b / se)) if se > 0 else np.nan, int(V[:, j].sum())])
    t = pd.DataFrame(rows, columns=["outcome", "factor", "level", "reference", "effect", "ci_low", "ci_high",
                                    "p_value", "n_level"])
    t["p_adjusted"] = multipletests(t["p_value"].fillna(1.0), method="fdr_bh")[1] if len(t) else []
    t["n"], t["r_squared"] = int(res.nobs), float(res.rsquared)
    sure = t["p_adjusted"].lt(fdr) & ((t["ci_low"] > 0) | (t["ci_high"] < 0))
    sent = [_sentence(outcome, r.factor, r.level, r.reference, r.effect, r.ci_low, r.ci_high, r.n_level, s, labels)
            for r, s in zip(t.itertuples(), sure, strict=True)]
    t["sentence_en"] = [s[0] for s in sent]
    t["sentence_zh"] = [s[1] for s in sent]
    t = t.assign(_abs=t["effect"].abs() * sure).sort_values(["_abs"], ascending=False).drop(columns="_abs")
    return t[DRIVER_COLUMNS].reset_index(drop=True), (int(res.nobs), float(res.rsquared)), None, dropped


def analyse(fd, themes=None, ds=None, params=None) -> DriverAnalysis:
    """The drivers section: both outcomes, factors as available, with notes.

    Parameters
    ----------
    fd : FeedbackData
        From :func:`workbench.feedback.nps.prepare`.
    themes : CommentAnalysis, optional
        Its theme flags become the service factors.
    ds : Dataset, optional
        ``orders`` and ``products`` give the product category.
    params : FeedbackParams
        ``min_responses``.
    """
    out = DriverAnalysis()
    if not fd.ok:
        out.off("Drivers are switched off: no feedback responses.", "满意度驱动因素部分已关闭：没有反馈记录。")
        return out
    r = fd.responses
    frame = pd.DataFrame({"nps": r["nps"], "csat": r["csat"]})
    factors = []
    for f in ("channel", fd.segment_dim):
        if f and f in r:
            frame[f] = r[f]
            factors.append(f)
    if ds is not None and "orders" in ds.tables:
        frame["category"] = latest_category(r, ds.tables["orders"], ds.tables.get("products"))
        if frame["category"].notna().any():
            factors.append("category")
            n_miss = int(frame["category"].isna().sum())
            if n_miss:
                out.note("{n} responses have no earlier order of their customer: their product category is 'unknown'.",
                         "{n} 条反馈找不到客户此前的订单：其产品品类记为“未知”。", n=n_miss)
    else:
        out.note("Without orders the product category is not a factor.", "缺少订单数据，产品品类不作为因素。")
    if "source" in r and r["source"].notna().any() and fd.segment_by != "source":
        frame["source"] = r["source"]
        factors.append("source")
    theme_cols = []
    if themes is not None and themes.ok and len(themes.languages):
        frame["_commented"] = themes.readable.reindex(r.index).fillna(False).to_numpy()
    if themes is not None and themes.ok and len(themes.flags):
        for t in themes.flags.columns:
            frame[t] = themes.flags[t].reindex(r.index).fillna(False).astype("int64")
            theme_cols.append(t)
    tables = []
    for outcome in ("nps", "csat"):
        if not frame[outcome].notna().any():
            continue
        with single_blas_thread():
            t, fit, err, dropped = fit_drivers(frame, outcome, factors, theme_cols, params.min_responses,
                                               labels=themes.labels if themes is not None else None)
        for f in dropped:
            out.note("{o}: the factor {f} duplicates another one (for example responses without a customer) and was "
                     "left out of the model.", "{o_zh}：因素“{f_zh}”与其他因素重复（如没有客户编号的反馈），已从模型中去掉。",
                     o=OUTCOME_LABELS[outcome][0], o_zh=OUTCOME_LABELS[outcome][1], f=FACTOR_LABELS[f][0],
                     f_zh=FACTOR_LABELS[f][1])
        if err:
            out.note("No driver model for {o}: {why}.", "{o_zh} 无法建立驱动模型：{why_zh}。", o=OUTCOME_LABELS[outcome][0],
                     o_zh=OUTCOME_LABELS[outcome][1], why=err[0], why_zh=err[1])
            continue
        out.fit[outcome] = fit
        tables.append(t)
    if not tables:
        out.off("No driver model could be fitted.", "无法建立满意度驱动模型。")
        return out
    out.table = pd.concat(tables, ignore_index=True)
    return out


def localise(df: pd.DataFrame, lang: str, labels: dict | None = None) -> pd.DataFrame:
    """A display copy: outcome and factor names, theme labels and the sentence in ``lang``."""
    out = df.copy()
    k = 1 if lang == "zh" else 0
    is_theme = out["factor"].eq("theme")
    if labels:
        out.loc[is_theme, "level"] = out.loc[is_theme, "level"].map(lambda v: labels.get(v, (v, v))[k])
    for c in ("level", "reference"):
        if c in out:
            own = ~is_theme if c == "level" else out[c].isin(list(LEVEL_LABELS))
            out.loc[own, c] = out.loc[own, c].map(lambda v: LEVEL_LABELS.get(v, (v, v))[k])
    if "reference" in out:
        out["reference"] = out["reference"].replace({"other comments": "其他有评论的反馈" if k else "other comments"})
    out["outcome"] = out["outcome"].map(lambda v: OUTCOME_LABELS.get(v, (v, v))[k])
    out["factor"] = out["factor"].map(lambda v: FACTOR_LABELS.get(v, (v, v))[k])
    out["sentence"] = out["sentence_zh" if lang == "zh" else "sentence_en"]
    return out


def clear_effects(table: pd.DataFrame, fdr: float = 0.05) -> pd.DataFrame:
    """The rows whose effect is clear (adjusted p below ``fdr`` and an interval that excludes zero)."""
    sure = table["p_adjusted"].lt(fdr) & ((table["ci_low"] > 0) | (table["ci_high"] < 0))
    return table.loc[sure].reset_index(drop=True)


def outcome_label(outcome: str, lang: str) -> str:
    """``NPS answer (0-10)`` or ``CSAT (1-5)`` in ``lang``."""
    return OUTCOME_LABELS.get(outcome, (outcome, outcome))[1 if lang == "zh" else 0]


def outcome_rows(analysis: DriverAnalysis, outcome: str, lang: str, labels: dict | None = None) -> pd.DataFrame:
    """One outcome's effects, localised, in the table's order (for the effects figure)."""
    t = analysis.table.loc[analysis.table["outcome"].eq(outcome)]
    return localise(t, lang, labels).reset_index(drop=True)
