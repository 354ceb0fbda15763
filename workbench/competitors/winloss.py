"""Win/loss against competitors from leads: win rates with intervals, lost reasons, a model of winning.

Which leads count
-----------------
Only closed leads (``won`` or ``lost``) have an outcome, and leaving the open
ones out biases recent win rates (quick losses close first, slow wins are still
open). So leads are grouped by creation month (their cohort) and only cohorts in
which at least ``min_closed_share`` of the leads are closed enter the rates; the
excluded leads are counted in a note.

Win rates
---------
Per competitor named on the lead (``none`` = no competitor recorded): closed
leads, won, lost, the win rate and its 95% Wilson interval
(``proportion_confint(method="wilson")``). Each competitor's rate is compared
with the leads naming any other competitor by Fisher's exact test; the p-values
are Holm-adjusted (few comparisons, and each is read on its own, so the
family-wise error is the one to control). Fewer than ``min_leads`` closed leads:
``insufficient`` and left out of rankings.

Caveat: many CRMs record the competitor mostly when a deal is lost to it, which
pushes the rate "with a competitor" down; the comparison between competitors is
the part to read.

The model
---------
A logistic regression on closed leads of the mature cohorts::

    won ~ competitor_involved + price_gap_pp + C(channel_id) + log2(amount)

``price_gap_pp`` is the named competitor's price index (all categories and
channels pooled, :mod:`workbench.competitors.prices`) in the lead's creation
month minus 100, or the closest earlier month within three months; 0 when no
competitor is named (the ``competitor_involved`` term carries those leads).
Leads naming a competitor without a price observation are left out of the model.
Effects are reported as odds ratios and as average marginal effects on the win
probability in percentage points (``get_margeff``), each with its 95% interval.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from workbench.competitors.base import Section, single_blas_thread
from workbench.competitors.labels import TERM_LABELS
from workbench.competitors.prepare import CompetitorData

log = logging.getLogger(__name__)

NONE = "none"
"""The ``competitor`` value of leads without a competitor recorded."""
MIN_EVENTS_PER_TERM = 10  # the usual events-per-variable rule for a stable logistic fit
GAP_LOOKBACK_MONTHS = 3

MODEL_SHOWN = ["term", "effect_pp", "effect_low", "effect_high", "p_value", "reading"]
WINLOSS_SHOWN = ["competitor", "closed", "won", "win_rate", "ci_low", "ci_high", "p_adjusted", "insufficient",
                 "top_lost_reason", "top_lost_reason_share"]
MODEL_FORMATS = {"effect_pp": "num", "effect_low": "num", "effect_high": "num", "odds_ratio": "num2",
                 "or_low": "num2", "or_high": "num2"}
WINLOSS_COLUMNS = ["competitor", "closed", "won", "lost", "win_rate", "ci_low", "ci_high", "share_of_closed",
                   "p_value", "p_adjusted", "insufficient", "top_lost_reason", "top_lost_reason_share"]
REASON_COLUMNS = ["lost_reason", "lost", "share_of_lost", "cum_share", "with_competitor"]
MODEL_COLUMNS = ["term", "odds_ratio", "or_low", "or_high", "effect_pp", "effect_low", "effect_high", "p_value",
                 "n", "reading_en", "reading_zh"]


@dataclass
class WinLossAnalysis(Section):
    """Win rates, lost reasons and the model."""

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WINLOSS_COLUMNS))
    reasons: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REASON_COLUMNS))
    model: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MODEL_COLUMNS))
    model_ok: bool = False
    n_closed: int = 0
    overall_rate: float = float("nan")
    cohort_to: str = ""


def mature_closed(leads: pd.DataFrame, min_closed_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Closed leads of the creation months in which at least ``min_closed_share`` are closed.

    Returns the leads (with ``cohort``) and the per-cohort table ``cohort, leads, closed, closed_share,
    used``.
    """
    df = leads.assign(cohort=leads["created_date"].dt.to_period("M").astype("str"),
                      _closed=leads["status"].isin(["won", "lost"]))
    c = df.groupby("cohort", as_index=False).agg(leads=("lead_id", "size"), closed=("_closed", "sum"))
    c["closed_share"] = c["closed"] / c["leads"]
    c["used"] = c["closed_share"] >= min_closed_share
    use = df["cohort"].isin(c.loc[c["used"], "cohort"]) & df["_closed"]
    return df.loc[use].drop(columns="_closed").reset_index(drop=True), c


def win_rates(closed: pd.DataFrame, min_leads: int) -> pd.DataFrame:
    """The ``competitor_winloss`` table (see the module docstring). ``closed`` needs ``status``,
    ``competitor`` (missing = :data:`NONE`) and optionally ``lost_reason``."""
    df = closed.assign(competitor=closed["competitor"].fillna(NONE), _won=closed["status"].eq("won"))
    g = df.groupby("competitor", as_index=False).agg(closed=("_won", "size"), won=("_won", "sum"))
    g["won"] = g["won"].astype("int64")
    g["lost"] = g["closed"] - g["won"]
    g["win_rate"] = g["won"] / g["closed"]
    lo, hi = proportion_confint(g["won"], g["closed"], alpha=0.05, method="wilson")
    g["ci_low"], g["ci_high"] = np.asarray(lo), np.asarray(hi)
    g["share_of_closed"] = g["closed"] / g["closed"].sum()
    named = g.loc[g["competitor"].ne(NONE)]
    tot_w, tot_n = named["won"].sum(), named["closed"].sum()
    p = []
    for r in g.itertuples():
        if r.competitor == NONE or tot_n - r.closed == 0:
            p.append(np.nan)
            continue
        ow, on = tot_w - r.won, tot_n - r.closed
        p.append(stats.fisher_exact([[r.won, r.lost], [ow, on - ow]])[1])
    g["p_value"] = p
    g["p_adjusted"] = np.nan
    ok = g["p_value"].notna()
    if ok.any():
        g.loc[ok, "p_adjusted"] = multipletests(g.loc[ok, "p_value"], method="holm")[1]
    g["insufficient"] = g["closed"] < min_leads
    if "lost_reason" in df:
        lost = df.loc[df["status"].eq("lost") & df["lost_reason"].notna()]
        top = lost.groupby("competitor")["lost_reason"].agg(
            lambda s: (s.value_counts().index[0], s.value_counts().iloc[0] / len(s)))
        g["top_lost_reason"] = g["competitor"].map(top.str[0])
        g["top_lost_reason_share"] = g["competitor"].map(top.str[1]).astype("float64")
    else:
        g["top_lost_reason"], g["top_lost_reason_share"] = np.nan, np.nan
    g = g.sort_values(["insufficient", "closed"], ascending=[True, False])
    return g[WINLOSS_COLUMNS].reset_index(drop=True)


def lost_reasons(closed: pd.DataFrame) -> pd.DataFrame:
    """Pareto of lost reasons: ``lost_reason, lost, share_of_lost, cum_share, with_competitor``,
    most frequent first (leads lost without a reason are not counted)."""
    lost = closed.loc[closed["status"].eq("lost") & closed["lost_reason"].notna()]
    if lost.empty:
        return pd.DataFrame(columns=REASON_COLUMNS)
    has_comp = lost["competitor"].notna() if "competitor" in lost else pd.Series(False, index=lost.index)
    g = (lost.assign(_c=has_comp).groupby("lost_reason", as_index=False)
         .agg(lost=("_c", "size"), with_competitor=("_c", "sum")))
    g = g.sort_values(["lost", "lost_reason"], ascending=[False, True]).reset_index(drop=True)
    g["share_of_lost"] = g["lost"] / g["lost"].sum()
    g["cum_share"] = g["share_of_lost"].cumsum()
    g["with_competitor"] = g["with_competitor"].astype("int64")
    return g[REASON_COLUMNS]


def competitor_month_index(obs: pd.DataFrame) -> pd.DataFrame:
    """Each competitor's price index per month, all categories and channels pooled:
    ``competitor, month, price_index``."""
    g = (obs.assign(_lr=np.log(obs["ratio"])).groupby(["competitor", "month"], as_index=False)["_lr"].mean())
    g["price_index"] = 100 * np.exp(g["_lr"])
    return g.drop(columns="_lr")


def model_frame(closed: pd.DataFrame, monthly_index: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """The rows of the logistic model: ``won, competitor_involved, price_gap_pp, channel_id, log2_amount``.

    Returns the frame and the number of leads left out because their competitor had no price.
    """
    df = closed.loc[closed["amount"].gt(0) & closed["channel_id"].notna()].copy()
    df["won"] = df["status"].eq("won").astype("int64")
    df["competitor_involved"] = df["competitor"].notna().astype("int64")
    df["log2_amount"] = np.log2(df["amount"])
    df["price_gap_pp"] = 0.0
    missing = 0
    if monthly_index is not None and len(monthly_index):
        idx = monthly_index.assign(_m=pd.PeriodIndex(monthly_index["month"], freq="M").asi8)
        df["_m"] = df["created_date"].dt.to_period("M").array.asi8
        named = df.loc[df["competitor_involved"].eq(1), ["competitor", "_m"]].reset_index()
        named = named.sort_values("_m")
        hit = pd.merge_asof(named, idx.sort_values("_m")[["competitor", "_m", "price_index"]], on="_m",
                            by="competitor", direction="backward", tolerance=GAP_LOOKBACK_MONTHS)
        gap = hit.set_index("index")["price_index"] - 100
        df.loc[gap.index, "price_gap_pp"] = gap
        no_gap = df["competitor_involved"].eq(1) & df["price_gap_pp"].isna()
        missing = int(no_gap.sum())
        df = df.loc[~no_gap].drop(columns="_m")
    cols = ["won", "competitor_involved", "price_gap_pp", "channel_id", "log2_amount"]
    return df[cols].reset_index(drop=True), missing


def _reading(term: str, odds: float, lo: float, hi: float, pp: float, ref: str,
             names: dict[str, str] | None = None) -> tuple[str, str]:
    sure = lo > 1 or hi < 1
    if term == "competitor_involved":
        subject_en, subject_zh = "A competitor named on the lead", "线索上记录了竞品"
    elif term == "price_gap_pp":
        subject_en, subject_zh = ("The competitor 10 points dearer (price index +10)",
                                  "竞品价格指数高 10 个点（更贵）")
    elif term == "log2_amount":
        subject_en, subject_zh = "A deal twice as large", "订单金额翻倍"
    else:
        a, b = _channel_label(term, names), _channel_label(ref, names)
        subject_en, subject_zh = f"Channel {a} instead of {b}", f"渠道为 {a} 而非 {b}"
    if not sure:
        return (f"{subject_en}: no clear effect (odds ×{odds:.2f}, 95% CI {lo:.2f}–{hi:.2f}).",
                f"{subject_zh}：无明确影响（优势比 {odds:.2f}，95% 区间 {lo:.2f}–{hi:.2f}）。")
    dir_en = "raises" if odds > 1 else "lowers"
    dir_zh = "提高" if odds > 1 else "降低"
    return (f"{subject_en} {dir_en} the win probability by about {abs(pp):.1f} points "
            f"(odds ×{odds:.2f}, 95% CI {lo:.2f}–{hi:.2f}).",
            f"{subject_zh}，赢单概率约{dir_zh} {abs(pp):.1f} 个百分点（优势比 {odds:.2f}，95% 区间 "
            f"{lo:.2f}–{hi:.2f}）。")


def _channel_label(cid: str, names: dict[str, str] | None) -> str:
    name = (names or {}).get(cid)
    return f"{cid} {name}" if name and name != cid else str(cid)


def win_model(frame: pd.DataFrame, channel_names: dict[str, str] | None = None
              ) -> tuple[pd.DataFrame, tuple[str, str] | None]:
    """Fit the logistic model; returns the effects table (see :data:`MODEL_COLUMNS`) and why it cannot
    be fitted (English, Chinese; too few events, separation, no variation), else ``None``.

    Rows: the competitor, price-gap (per 10 index points) and deal-size (per doubling) terms first,
    then each channel against the most frequent one (the reference)."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    terms = ["competitor_involved", "log2_amount"]
    if frame["price_gap_pp"].abs().gt(0).any():
        terms.insert(1, "price_gap_pp")
    terms = [t for t in terms if frame[t].nunique() > 1]
    counts = frame["channel_id"].value_counts()
    ref = str(counts.index[0]) if len(counts) else ""
    X = frame[terms].astype("float64")
    if len(counts) > 1:
        X = pd.concat([X, pd.get_dummies(frame["channel_id"], dtype="float64").drop(columns=ref)], axis=1)
    X.insert(0, "Intercept", 1.0)
    n_params = X.shape[1]
    events = int(min(frame["won"].sum(), len(frame) - frame["won"].sum()))
    if events < MIN_EVENTS_PER_TERM * n_params:
        return pd.DataFrame(columns=MODEL_COLUMNS), (
            f"{events} wins or losses (the rarer) for {n_params} coefficients; at least "
            f"{MIN_EVENTS_PER_TERM * n_params} are needed",
            f"{n_params} 个系数只有 {events} 个赢单或输单（取较少者），至少需要 {MIN_EVENTS_PER_TERM * n_params} 个")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            res = sm.Logit(frame["won"].astype("float64"), X).fit(disp=0, maxiter=200)
            me = res.get_margeff(at="overall", dummy=True)
        except (PerfectSeparationWarning, np.linalg.LinAlgError, ValueError) as exc:
            return pd.DataFrame(columns=MODEL_COLUMNS), (f"the model could not be fitted ({type(exc).__name__})",
                                                          "模型无法拟合（结果完全分离或数据不足）")
    if not res.mle_retvals.get("converged", True):
        return pd.DataFrame(columns=MODEL_COLUMNS), ("the model did not converge", "模型未收敛")
    conf = res.conf_int()
    me_frame = me.summary_frame()
    rows = []
    for name in res.params.index:
        if name == "Intercept":
            continue
        scale = 10.0 if name == "price_gap_pp" else 1.0  # per 10 index points: a size a manager thinks in
        b, lo, hi = res.params[name] * scale, conf.loc[name, 0] * scale, conf.loc[name, 1] * scale
        m = me_frame.loc[name]
        pp, pp_lo, pp_hi = (100 * scale * m["dy/dx"], 100 * scale * m["Conf. Int. Low"],
                            100 * scale * m["Cont. Int. Hi."])
        channel = name not in terms
        label = _channel_label(name, channel_names) if channel else name
        en, zh = _reading(name, np.exp(b), np.exp(lo), np.exp(hi), pp, ref, channel_names)
        rows.append((label, np.exp(b), np.exp(lo), np.exp(hi), pp, pp_lo, pp_hi, res.pvalues[name],
                     int(res.nobs), en, zh))
    out = pd.DataFrame(rows, columns=MODEL_COLUMNS)
    order = {"competitor_involved": 0, "price_gap_pp": 1, "log2_amount": 2}
    out = out.iloc[np.argsort([order.get(t, 3) for t in out["term"]], kind="stable")].reset_index(drop=True)
    return out, None


def analyse(cx: CompetitorData, params, prices=None) -> WinLossAnalysis:
    """The win/loss section from leads (and the price observations of ``prices``, when on)."""
    out = WinLossAnalysis()
    if not cx.has("leads"):
        out.off("Win/loss is switched off: the dataset has no leads table.",
                "赢单/丢单分析已关闭：数据集中没有 leads 表。")
        return out
    leads = cx.tables["leads"]
    if not cx.has("leads", "competitor"):
        out.note("leads.competitor is empty: win rates cannot be split by competitor, only lost reasons are shown.",
                 "leads.competitor 为空：无法按竞品拆分赢单率，仅显示丢单原因。")
    closed, cohorts = mature_closed(leads, params.min_closed_share)
    excluded = cohorts.loc[~cohorts["used"]]
    if len(excluded):
        out.note("{n} leads created in {k} recent month(s) ({first} on) are left out: fewer than {pct} of them are "
                 "closed, and counting only the closed ones would bias the win rate.",
                 "最近 {k} 个月（{first} 起）创建的 {n} 条线索未计入：其中已结束的不足 {pct}，"
                 "只计已结束线索会使赢单率产生偏差。",
                 n=int(excluded["leads"].sum()), k=len(excluded), first=str(excluded["cohort"].min()),
                 pct=f"{params.min_closed_share:.0%}")
    if closed.empty:
        out.off("No creation month has enough closed leads for a win rate.", "没有足够已结束线索的月份，无法计算赢单率。")
        return out
    out.n_closed = len(closed)
    out.overall_rate = float(closed["status"].eq("won").mean())
    out.cohort_to = str(closed["cohort"].max())
    if cx.has("leads", "competitor"):
        out.table = win_rates(closed, params.min_leads)
        small = out.table.loc[out.table["insufficient"]]
        if len(small):
            out.note("{n} competitor(s) have fewer than {k} closed leads: their rates are marked insufficient and "
                     "not ranked.", "有 {n} 个竞品的已结束线索少于 {k} 条：其赢单率标记为数据不足，不参与排名。",
                     n=len(small), k=params.min_leads)
    if cx.has("leads", "lost_reason"):
        out.reasons = lost_reasons(closed)
    else:
        out.note("leads.lost_reason is empty: no Pareto of lost reasons.", "leads.lost_reason 为空：无法做丢单原因帕累托分析。")
    if not (cx.has("leads", "amount") and cx.has("leads", "competitor")):
        out.note("The model of winning needs leads.amount and leads.competitor; it is left out.",
                 "赢单模型需要 leads.amount 与 leads.competitor，本节略去。")
        return out
    monthly = competitor_month_index(prices.observations) if prices is not None and prices.ok else None
    if monthly is None:
        out.note("Without competitor prices the model leaves the price gap out.", "缺少竞品价格，模型不含价差因素。")
    frame, missing = model_frame(closed, monthly)
    if missing:
        out.note("{n} leads name a competitor without a price observation near their month and are left out of "
                 "the model.", "{n} 条线索记录的竞品在相近月份没有价格观测，未纳入模型。", n=missing)
    names = None
    if cx.has("channels", "name"):
        ch = cx.tables["channels"]
        names = dict(zip(ch["channel_id"], ch["name"].fillna(ch["channel_id"]), strict=True))
    with single_blas_thread():
        out.model, err = win_model(frame, names)
    out.model_ok = err is None
    if err:
        out.note("The model of winning is left out: {why}.", "赢单模型略去：{why_zh}。", why=err[0], why_zh=err[1])
    return out


def none_label(lang: str) -> str:
    """How leads without a competitor are labelled in ``lang``."""
    return "未记录竞品" if lang == "zh" else "none recorded"


def localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A display copy: ``none`` in ``lang``; the model's reading column in ``lang`` as ``reading``."""
    out = df.copy()
    if "competitor" in out:
        out["competitor"] = out["competitor"].replace({NONE: none_label(lang)})
    if "term" in out:
        k = 1 if lang == "zh" else 0
        out["term"] = out["term"].map(lambda v: TERM_LABELS.get(v, (v, v))[k])
    if "reading_en" in out:
        out["reading"] = out["reading_zh" if lang == "zh" else "reading_en"]
    return out
