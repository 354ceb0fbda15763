"""Feature comparison: each player's score per dimension, against ours and the competitors' mean.

Scores are taken as given (one rating per player and dimension; several ratings
are averaged and counted in ``n_ratings``), higher = better on every dimension
(for ``price`` that means better value). A dimension is a clear ``strength``
when our score is at least ``feature_margin`` points above the competitors'
mean, a ``weakness`` when at least that much below, else ``par``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.competitors.base import Section
from workbench.competitors.labels import FEATURE_LABELS, VERDICT_LABELS
from workbench.competitors.prepare import CompetitorData

log = logging.getLogger(__name__)

FEATURE_COLUMNS = ["competitor", "dimension", "score", "n_ratings", "our_score", "diff_vs_us", "rank", "n_players"]
SUMMARY_COLUMNS = ["dimension", "our_score", "competitor_mean", "competitor_max", "best_competitor", "gap_vs_mean",
                   "n_players", "verdict"]


@dataclass
class FeatureAnalysis(Section):
    """Scores in long form, the per-dimension verdicts and the score matrix for the figures."""

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FEATURE_COLUMNS))
    summary: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))
    matrix: pd.DataFrame = field(default_factory=pd.DataFrame)
    own: str | None = None


def feature_table(features: pd.DataFrame, own: str | None) -> pd.DataFrame:
    """The ``feature_comparison`` table: ``competitor, dimension, score, n_ratings, our_score, diff_vs_us,
    rank, n_players`` (rank 1 = best score on the dimension; ties share the better rank)."""
    df = features.dropna(subset=["competitor", "dimension", "score"])
    g = df.groupby(["competitor", "dimension"], as_index=False).agg(score=("score", "mean"),
                                                                     n_ratings=("score", "size"))
    ours = g.loc[g["competitor"].eq(own)].set_index("dimension")["score"] if own else pd.Series(dtype=float)
    g["our_score"] = g["dimension"].map(ours)
    g["diff_vs_us"] = g["score"] - g["our_score"]
    g["rank"] = g.groupby("dimension")["score"].rank(method="min", ascending=False).astype("int64")
    g["n_players"] = g.groupby("dimension")["score"].transform("size").astype("int64")
    return g[FEATURE_COLUMNS].sort_values(["dimension", "rank", "competitor"]).reset_index(drop=True)


def dimension_summary(table: pd.DataFrame, own: str | None, margin: float) -> pd.DataFrame:
    """Per dimension: our score, the competitors' mean and best, the gap and the verdict."""
    others = table.loc[table["competitor"].ne(own)] if own else table
    if others.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    best = others.sort_values(["dimension", "score", "competitor"], ascending=[True, False, True]) \
        .drop_duplicates("dimension").set_index("dimension")
    s = others.groupby("dimension").agg(competitor_mean=("score", "mean"), competitor_max=("score", "max"))
    s["best_competitor"] = best["competitor"]
    ours = table.loc[table["competitor"].eq(own)].set_index("dimension")["score"] if own else pd.Series(dtype=float)
    s["our_score"] = ours
    s["gap_vs_mean"] = s["our_score"] - s["competitor_mean"]
    s["n_players"] = table.groupby("dimension").size()
    s["verdict"] = np.where(s["gap_vs_mean"] >= margin, "strength",
                            np.where(s["gap_vs_mean"] <= -margin, "weakness", "par"))
    s.loc[s["our_score"].isna(), "verdict"] = np.nan
    return s.reset_index()[SUMMARY_COLUMNS].sort_values("gap_vs_mean", ascending=False).reset_index(drop=True)


def analyse(cx: CompetitorData, params) -> FeatureAnalysis:
    """The feature comparison section, with notes."""
    out = FeatureAnalysis(own=cx.own)
    if not cx.has("competitor_features"):
        out.off("Feature comparison is switched off: the dataset has no competitor_features table "
                "(competitor, dimension, score; our own rows too).",
                "功能对比部分已关闭：数据集中没有 competitor_features 表（competitor、dimension、score，"
                "含本公司的行）。")
        return out
    out.table = feature_table(cx.tables["competitor_features"], cx.own)
    if out.table.empty:
        out.off("competitor_features holds no usable rows.", "competitor_features 没有可用的行。")
        return out
    out.summary = dimension_summary(out.table, cx.own, params.feature_margin)
    out.matrix = out.table.pivot(index="competitor", columns="dimension", values="score")
    if cx.own in out.matrix.index:  # us first
        out.matrix = out.matrix.loc[[cx.own, *[c for c in out.matrix.index if c != cx.own]]]
    lo, hi = out.table["score"].min(), out.table["score"].max()
    out.note("Scores run from {lo} to {hi} here; higher is better on every dimension. A clear strength or weakness "
             "is {m} points or more away from the competitors' mean.",
             "此处得分范围为 {lo}–{hi}，各维度均为越高越好；与竞品均值相差 {m} 分及以上才算明显优势或劣势。",
             lo=f"{lo:g}", hi=f"{hi:g}", m=f"{params.feature_margin:g}")
    if not cx.own or cx.own not in set(out.table["competitor"]):
        out.note("Our own scores are missing from competitor_features: no strengths or weaknesses can be named.",
                 "competitor_features 中没有本公司的得分：无法判断优势与劣势。")
    return out


def feature_label(dimension, lang: str) -> str:
    """A feature dimension's name in ``lang`` (:data:`FEATURE_LABELS`); an unknown one as the data spells it."""
    key = "_".join(str(dimension).strip().lower().replace("-", " ").split())
    pair = FEATURE_LABELS.get(key)
    return str(dimension) if pair is None else pair[1 if lang == "zh" else 0]


def localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A display copy with verdicts and feature dimension names in ``lang``."""
    out = df.copy()
    k = 1 if lang == "zh" else 0
    if "verdict" in out:
        out["verdict"] = out["verdict"].map(lambda v: VERDICT_LABELS.get(v, (v, v))[k], na_action="ignore")
    if "dimension" in out:
        out["dimension"] = out["dimension"].map(lambda v: feature_label(v, lang), na_action="ignore")
    return out
