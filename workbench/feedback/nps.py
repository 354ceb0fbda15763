"""NPS and CSAT by channel, segment, region and period, each with its interval and sample size.

Definitions
-----------
NPS
    Respondents scoring 9-10 are promoters, 7-8 passives, 0-6 detractors;
    ``NPS = 100 x (promoters - detractors) / n``, from -100 to 100. Each response
    scores +1, 0 or -1, so the variance of the mean is
    ``(p_P + p_D - (p_P - p_D)^2) / n`` and the 95% interval is
    ``NPS +- 1.96 x 100 x sqrt(var)``, clipped to -100..100. ``mean_score_0_10`` is
    the mean of the 0-10 answers ("how likely to recommend"): a different number
    from NPS, never to be read as one.
CSAT
    Mean of the 1-5 answers with its 95% t interval, and the share of satisfied
    respondents (at least ``csat_satisfied_min``) with its 95% Wilson interval.
insufficient
    Fewer than ``min_responses`` answers (default 30): the group keeps its counts
    but gets no estimate and no interval (they are missing in the table; views
    say "too few responses"), and it is left out of rankings and the headline.
    An interval from a handful of answers, let alone one, is not an interval.
grouping
    ``channel``, ``region``, ``period`` and the grouping chosen by ``segment_by``,
    named by what it is: ``tier`` (the customer value tier A/B/C), ``industry``
    or ``source`` (the feedback source). It is not an RFM segment.
period changes
    Each period against the one before, overall, and the latest period against
    the previous one per channel: NPS by a z test on the difference (variances
    added), CSAT by Welch's t test. The p-values of the whole table are
    Holm-adjusted (few tests, each read as a finding on its own). A change where
    either period has fewer than ``min_responses`` answers is not tested
    (``insufficient``).

Out-of-range answers (NPS outside 0..10, CSAT outside 1..5) are set to missing by
the loader with a warning; :func:`prepare` repeats the check for frames that did
not come through the loader and notes both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from workbench.feedback.labels import DIMENSION_LABELS, METRIC_LABELS, TOO_FEW
from workbench.feedback.prepare import (  # noqa: F401 - the prepared data, re-exported for callers of nps
    SEGMENT_DIMENSIONS,
    UNKNOWN,
    FeedbackData,
    channel_labels,
    clean_scores,
    nps_group,
    prepare,
)
from workbench.reporting import Notes as Section

log = logging.getLogger(__name__)

Z95 = 1.959963984540054
DIMENSIONS = ("overall", "channel", "tier", "industry", "source", "region", "period")

NPS_COLUMNS = ["dimension", "group", "n", "promoters", "passives", "detractors", "promoter_share",
               "detractor_share", "nps", "ci_low", "ci_high", "mean_score_0_10", "insufficient"]
NPS_ESTIMATES = ["promoter_share", "detractor_share", "nps", "ci_low", "ci_high", "mean_score_0_10"]
CSAT_COLUMNS = ["dimension", "group", "n", "mean_csat", "ci_low", "ci_high", "satisfied", "satisfied_share",
                "sat_ci_low", "sat_ci_high", "insufficient"]
CSAT_ESTIMATES = ["mean_csat", "ci_low", "ci_high", "satisfied_share", "sat_ci_low", "sat_ci_high"]
CHANGE_COLUMNS = ["scope", "metric", "period_from", "period_to", "n_from", "n_to", "value_from", "value_to",
                  "change", "ci_low", "ci_high", "p_value", "p_adjusted", "significant", "insufficient"]
NPS_SHOWN = ["dimension", "group", "n", "promoter_share", "detractor_share", "nps", "ci_low", "ci_high",
             "mean_score_0_10", "insufficient"]
CSAT_SHOWN = ["dimension", "group", "n", "mean_csat", "ci_low", "ci_high", "satisfied_share", "sat_ci_low",
              "sat_ci_high", "insufficient"]
CHANGE_SHOWN = ["scope", "metric", "period_from", "period_to", "n_from", "n_to", "value_from", "value_to", "change",
                "ci_low", "ci_high", "p_adjusted", "significant", "insufficient"]
NPS_FORMATS = {"nps": "num", "ci_low": "num", "ci_high": "num", "mean_score_0_10": "num2"}
CSAT_FORMATS = {"mean_csat": "num2", "ci_low": "num2", "ci_high": "num2"}
CHANGE_FORMATS = {"value_from": "num2", "value_to": "num2", "change": "num2", "ci_low": "num2", "ci_high": "num2"}


@dataclass
class ScoreAnalysis(Section):
    """NPS and CSAT tables and the tested period changes."""

    nps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NPS_COLUMNS))
    csat: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CSAT_COLUMNS))
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    nps_ok: bool = False
    csat_ok: bool = False


# ----------------------------------------------------------------------------- NPS and CSAT


def nps_interval(promoters, detractors, n) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """NPS, its standard error and 95% interval (clipped to -100..100), vectorised over groups."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pp, pd_ = np.asarray(promoters) / n, np.asarray(detractors) / n
        nps = 100 * (pp - pd_)
        se = 100 * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / n)
    return nps, se, np.clip(nps - Z95 * se, -100, 100), np.clip(nps + Z95 * se, -100, 100)


def nps_table(resp: pd.DataFrame, dims, min_responses: int) -> pd.DataFrame:
    """The ``nps`` table: one row per dimension and group (see :data:`NPS_COLUMNS`)."""
    scored = resp.loc[resp["nps"].notna()]
    parts = []
    for d in dims:
        g = scored.groupby(d)
        t = pd.DataFrame({
            "n": g.size(),
            "promoters": g["nps_group"].apply(lambda s: int((s == "promoter").sum())),
            "passives": g["nps_group"].apply(lambda s: int((s == "passive").sum())),
            "detractors": g["nps_group"].apply(lambda s: int((s == "detractor").sum())),
            "mean_score_0_10": g["nps"].mean(),
        }).reset_index(names="group")
        t.insert(0, "dimension", d)
        parts.append(t)
    if not parts:
        return pd.DataFrame(columns=NPS_COLUMNS)
    t = pd.concat(parts, ignore_index=True)
    t["promoter_share"] = t["promoters"] / t["n"]
    t["detractor_share"] = t["detractors"] / t["n"]
    t["nps"], _, t["ci_low"], t["ci_high"] = nps_interval(t["promoters"], t["detractors"], t["n"])
    t["insufficient"] = t["n"] < min_responses
    t.loc[t["insufficient"], NPS_ESTIMATES] = np.nan  # too few answers: no estimate, no interval
    for c in ("n", "promoters", "passives", "detractors"):
        t[c] = t[c].astype("int64")
    return t[NPS_COLUMNS]


def csat_table(resp: pd.DataFrame, dims, min_responses: int, satisfied_min: int) -> pd.DataFrame:
    """The ``csat`` table: one row per dimension and group (see :data:`CSAT_COLUMNS`)."""
    scored = resp.loc[resp["csat"].notna()]
    parts = []
    for d in dims:
        g = scored.assign(_sat=scored["csat"] >= satisfied_min).groupby(d)
        t = pd.DataFrame({"n": g.size(), "mean_csat": g["csat"].mean(), "sd": g["csat"].std(),
                          "satisfied": g["_sat"].sum()}).reset_index(names="group")
        t.insert(0, "dimension", d)
        parts.append(t)
    if not parts:
        return pd.DataFrame(columns=CSAT_COLUMNS)
    t = pd.concat(parts, ignore_index=True)
    n = t["n"].to_numpy()
    half = np.where(n >= 2, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * t["sd"].fillna(0) / np.sqrt(n), np.nan)
    t["ci_low"], t["ci_high"] = t["mean_csat"] - half, t["mean_csat"] + half
    t["satisfied"] = t["satisfied"].astype("int64")
    t["satisfied_share"] = t["satisfied"] / t["n"]
    lo, hi = proportion_confint(t["satisfied"], t["n"], alpha=0.05, method="wilson")
    t["sat_ci_low"], t["sat_ci_high"] = np.asarray(lo), np.asarray(hi)
    t["insufficient"] = t["n"] < min_responses
    t.loc[t["insufficient"], CSAT_ESTIMATES] = np.nan
    t["n"] = t["n"].astype("int64")
    return t[CSAT_COLUMNS]


def _pairs(resp: pd.DataFrame, scope_col: str | None) -> list[tuple[str, str, str, pd.DataFrame, pd.DataFrame]]:
    periods = sorted(resp["period"].dropna().unique())
    out = []
    if scope_col is None:
        for a, b in zip(periods[:-1], periods[1:], strict=True):
            out.append(("all", a, b, resp.loc[resp["period"].eq(a)], resp.loc[resp["period"].eq(b)]))
    elif len(periods) >= 2:
        a, b = periods[-2], periods[-1]
        for scope, g in resp.groupby(scope_col):
            out.append((scope, a, b, g.loc[g["period"].eq(a)], g.loc[g["period"].eq(b)]))
    return out


def period_changes(resp: pd.DataFrame, alpha: float, by_channel: bool = True, min_responses: int = 30
                   ) -> pd.DataFrame:
    """Tested changes between periods (see the module docstring): the ``period_changes`` table.

    A pair where either period has fewer than ``min_responses`` answers (and at least one) gets a row
    with its counts, ``insufficient`` true and no values, change or test.
    """
    rows = []
    min_n = max(min_responses, 2)
    for scope_col in (None, "channel") if by_channel else (None,):
        for scope, a, b, x, y in _pairs(resp, scope_col):
            for metric in ("nps", "csat"):
                nx, ny = int(x[metric].notna().sum()), int(y[metric].notna().sum())
                if (nx or ny) and min(nx, ny) < min_n:
                    rows.append((scope, metric, a, b, nx, ny) + (np.nan,) * 6)
            xn, yn = x["nps"].dropna(), y["nps"].dropna()
            if len(xn) >= min_n and len(yn) >= min_n:
                v = []
                for s in (xn, yn):
                    nps, se, _, _ = nps_interval([(s >= 9).sum()], [(s <= 6).sum()], [len(s)])
                    v.append((nps[0], se[0]))
                diff, se = v[1][0] - v[0][0], float(np.hypot(v[0][1], v[1][1]))
                p = 2 * stats.norm.sf(abs(diff) / se) if se > 0 else np.nan
                rows.append((scope, "nps", a, b, len(xn), len(yn), v[0][0], v[1][0], diff, diff - Z95 * se,
                             diff + Z95 * se, p))
            xc, yc = x["csat"].dropna(), y["csat"].dropna()
            if len(xc) >= min_n and len(yc) >= min_n:
                diff = yc.mean() - xc.mean()
                se = float(np.sqrt(xc.var() / len(xc) + yc.var() / len(yc)))
                if se > 0:
                    res = stats.ttest_ind(yc, xc, equal_var=False)
                    dof = res.df
                    half = stats.t.ppf(0.975, dof) * se
                    p = res.pvalue
                else:
                    half, p = 0.0, np.nan
                rows.append((scope, "csat", a, b, len(xc), len(yc), xc.mean(), yc.mean(), diff, diff - half,
                             diff + half, p))
    t = pd.DataFrame(rows, columns=CHANGE_COLUMNS[:-3])
    t["p_adjusted"] = np.nan
    ok = t["p_value"].notna()
    if ok.any():
        t.loc[ok, "p_adjusted"] = multipletests(t.loc[ok, "p_value"], method="holm")[1]
    t["significant"] = t["p_adjusted"].lt(alpha)
    t["insufficient"] = t[["n_from", "n_to"]].min(axis=1).lt(min_n) if len(t) else pd.Series(dtype=bool)
    for c in ("n_from", "n_to"):
        t[c] = t[c].astype("int64")
    # the order the reader expects: scope as met, then metric, then period
    t["_s"] = pd.factorize(t["scope"])[0]
    t["_m"] = t["metric"].map({"nps": 0, "csat": 1})
    t = t.sort_values(["_s", "period_from", "_m"], kind="stable")
    return t[CHANGE_COLUMNS].reset_index(drop=True)


def analyse(fd: FeedbackData, params) -> ScoreAnalysis:
    """NPS, CSAT and period changes, with notes."""
    out = ScoreAnalysis()
    if not fd.ok:
        out.off("NPS and CSAT are switched off: no feedback responses.", "NPS 与满意度部分已关闭：没有反馈记录。")
        return out
    r = fd.responses
    dims = fd.dimensions
    out.nps_ok = bool(r["nps"].notna().any())
    out.csat_ok = bool(r["csat"].notna().any())
    if out.nps_ok:
        out.nps = nps_table(r, dims, params.min_responses)
    else:
        out.note("feedback.nps holds no score: the NPS section is switched off.", "feedback.nps 没有分数：NPS 部分已关闭。")
    if out.csat_ok:
        out.csat = csat_table(r, dims, params.min_responses, params.csat_satisfied_min)
    else:
        out.note("feedback.csat holds no score: the CSAT section is switched off.", "feedback.csat 没有分数：满意度部分已关闭。")
    if not (out.nps_ok or out.csat_ok):
        out.off("Neither NPS nor CSAT scores are present.", "既没有 NPS 也没有满意度分数。")
        return out
    if r["period"].nunique() < 2:
        out.note("Only one {p} of responses: no period change to test.", "反馈只覆盖一个期间：无法检验期间变化。",
                 p=params.period)
    else:
        out.changes = period_changes(r, params.change_alpha, "channel" in dims, params.min_responses)
    small = pd.concat([out.nps, out.csat])
    small = small.loc[small["insufficient"].astype(bool)]
    if len(small):
        out.note("{n} group(s) have fewer than {k} responses (min_responses): they show \"too few responses\" "
                 "instead of an estimate and interval, and are not ranked.",
                 "有 {n} 个分组的反馈少于 {k} 条：显示为“样本不足”，不给出估计值与区间，"
                 "也不参与排名。",
                 n=int(small[["dimension", "group"]].drop_duplicates().shape[0]), k=params.min_responses)
    if len(out.changes) and out.changes["insufficient"].any():
        out.note("{n} period comparison(s) have a period with fewer than {k} responses and are not tested.",
                 "有 {n} 项期间对比中某一期的反馈少于 {k} 条，未做检验。",
                 n=int(out.changes["insufficient"].sum()), k=params.min_responses)
    return out


def localise(df: pd.DataFrame, lang: str, min_responses: int | None = None) -> pd.DataFrame:
    """A display copy: dimension, group and metric names in ``lang``, p-values as text, and
    ``insufficient`` as the words "too few responses" (with the minimum, when given) or nothing."""

    out = df.copy()
    k = 1 if lang == "zh" else 0
    if "dimension" in out:
        out["dimension"] = out["dimension"].map(lambda v: DIMENSION_LABELS.get(v, (v, v))[k])
    if "scope" in out:
        out["scope"] = out["scope"].replace({"all": "总体" if lang == "zh" else "overall"})
    if "metric" in out:
        out["metric"] = out["metric"].map(lambda v: METRIC_LABELS.get(v, (v, v))[k])
    if "group" in out:
        out["group"] = out["group"].replace({"all": "全部" if lang == "zh" else "all",
                                             UNKNOWN: "未知" if lang == "zh" else UNKNOWN})
    if "insufficient" in out:
        out["insufficient"] = out["insufficient"].map(lambda v: too_few(lang, min_responses) if v else "")
    return out


def too_few(lang: str, min_responses: int | None = None) -> str:
    """"too few responses (fewer than 30)" in ``lang`` (without the minimum when it is not given)."""
    if min_responses is None:
        return TOO_FEW[1 if lang == "zh" else 0]
    return (f"样本不足（少于 {min_responses} 条）" if lang == "zh"
            else f"too few responses (fewer than {min_responses})")


def pick(table: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The rows of one dimension, sorted by group (periods in order)."""
    return table.loc[table["dimension"].eq(dimension)].sort_values("group").reset_index(drop=True)
