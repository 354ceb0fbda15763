"""Market share and rank by period and region; changes beyond noise flagged; our trend against the leader's.

Definitions
-----------
share
    A player's ``sales`` over the total of every player in the same period and
    region. Rows with ``region == "all"`` sum every region (only when the table
    has a region column).
rank
    1 = largest sales in the period and region.
change beyond noise
    A share is compared with its own recent level: ``log(share) - mean(log(share))``
    over the ``baseline`` previous periods (at least two). Market share data has
    no sampling error to quote, so the noise is measured from the data: the robust
    spread (MAD x 1.4826) of period-to-period log changes, pooled over every
    player and region of the same level (regions / all regions), divided by
    ``sqrt(2)`` for one period's noise. ``z = change / (sigma * sqrt(1 + 1/k))``
    for a baseline of ``k`` periods. Many series are screened at once, so the
    p-values are adjusted with Benjamini-Hochberg (``multipletests(method="fdr_bh")``):
    a screen where a few false alarms are acceptable but a real shift should not
    be missed; a change is ``beyond_noise`` when its adjusted p-value is below
    ``share_fdr``.
trend
    An ordinary least-squares slope of share (in percentage points) on the period
    number, with its 95% t interval: ours and the leader's (the largest other
    player in the latest period) in each region; when we lead, the runner-up
    stands in as the ``challenger``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from workbench.competitors.base import ALL, Section
from workbench.competitors.labels import ROLE_LABELS
from workbench.competitors.prepare import CompetitorData

log = logging.getLogger(__name__)

SHARE_COLUMNS = ["period", "region", "competitor", "is_us", "sales", "share", "rank", "share_prev", "change_pp",
                 "baseline_share", "change_vs_baseline", "z", "p_value", "p_adjusted", "beyond_noise"]
TREND_COLUMNS = ["region", "competitor", "role", "n_periods", "share_first", "share_latest", "slope_pp",
                 "slope_low", "slope_high", "p_value"]
SHOWN = ["period", "region", "competitor", "is_us", "sales", "share", "rank", "change_pp", "change_vs_baseline",
         "beyond_noise"]
FLAG_SHOWN = ["period", "region", "competitor", "share", "baseline_share", "change_vs_baseline", "z", "p_adjusted"]
FORMATS = {"sales": "money", "change_pp": "num2", "z": "num2",
           "slope_pp": "num2", "slope_low": "num2", "slope_high": "num2", "share_first": "pct",
           "share_latest": "pct", "baseline_share": "pct", "change_vs_baseline": "pct"}
"""Display formats of the share tables."""
MIN_DIFFS_FOR_NOISE = 6  # fewer period-to-period changes say too little about the noise


@dataclass
class ShareAnalysis(Section):
    """The market share tables."""

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SHARE_COLUMNS))
    trends: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TREND_COLUMNS))
    own: str | None = None
    latest: str = ""
    noise: dict = field(default_factory=dict)


def _period_kind(p: pd.Series) -> pd.Series:
    return np.where(p.str.contains("-Q", regex=False), "quarter",
                    np.where(p.str.len() == 7, "month", "year"))


def shares(ms: pd.DataFrame, own: str | None) -> pd.DataFrame:
    """Share and rank per period x region x player (plus ``region == "all"`` rows when regions exist).

    Returns ``period, region, competitor, is_us, sales, share, rank``.
    """
    df = ms.loc[ms["competitor"].notna() & ms["sales"].notna()].copy()
    if "region" not in df or df["region"].isna().all():
        df["region"] = ALL
        parts = [df]
    else:
        df["region"] = df["region"].fillna("–")
        parts = [df, df.assign(region=ALL)]
    df = pd.concat(parts, ignore_index=True)
    g = df.groupby(["period", "region", "competitor"], as_index=False)["sales"].sum()
    total = g.groupby(["period", "region"])["sales"].transform("sum")
    g["share"] = np.where(total > 0, g["sales"] / total.where(total > 0), np.nan)
    g["rank"] = g.groupby(["period", "region"])["sales"].rank(method="min", ascending=False).astype("int64")
    g["is_us"] = g["competitor"].eq(own) if own else False
    return g[["period", "region", "competitor", "is_us", "sales", "share", "rank"]]


def flag_changes(tbl: pd.DataFrame, baseline: int, fdr: float) -> tuple[pd.DataFrame, dict]:
    """Add ``share_prev, change_pp, baseline_share, change_vs_baseline, z, p_value, p_adjusted,
    beyond_noise`` (see the module docstring). Returns the table and the noise estimate per level."""
    df = tbl.sort_values(["region", "competitor", "period"]).reset_index(drop=True)
    key = [df["region"], df["competitor"]]
    logs = np.log(df["share"].where(df["share"] > 0))
    df["share_prev"] = df.groupby(key)["share"].shift(1)
    df["change_pp"] = 100 * (df["share"] - df["share_prev"])
    prev_logs = logs.groupby(key).shift(1)
    base_mean = prev_logs.groupby(key).transform(lambda s: s.rolling(baseline, min_periods=2).mean())
    base_n = prev_logs.groupby(key).transform(lambda s: s.rolling(baseline, min_periods=2).count())
    df["baseline_share"] = np.exp(base_mean)
    diff = logs - base_mean
    df["change_vs_baseline"] = np.expm1(diff)
    level = np.where(df["region"].eq(ALL), "all", "region")
    first_diffs = logs - prev_logs
    noise: dict[str, float] = {}
    z = pd.Series(np.nan, index=df.index)
    for lev in np.unique(level):
        m = level == lev
        d = first_diffs[m].dropna().to_numpy()
        if len(d) < MIN_DIFFS_FOR_NOISE:
            continue
        mad = 1.4826 * np.median(np.abs(d - np.median(d)))
        sigma = mad / np.sqrt(2)
        if not sigma > 0:
            continue
        noise[str(lev)] = float(sigma)
        z.loc[m] = diff[m] / (sigma * np.sqrt(1 + 1 / base_n[m]))
    df["z"] = z
    df["p_value"] = 2 * stats.norm.sf(np.abs(z))
    df["p_adjusted"] = np.nan
    ok = df["p_value"].notna()
    if ok.any():
        df.loc[ok, "p_adjusted"] = multipletests(df.loc[ok, "p_value"], method="fdr_bh")[1]
    df["beyond_noise"] = df["p_adjusted"].lt(fdr)
    order = df.sort_values(["period", "region", "rank"]).index
    return df.loc[order, SHARE_COLUMNS].reset_index(drop=True), noise


def _slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """OLS slope of ``y`` on ``x``, its 95% interval and p-value (NaN below three points)."""
    if len(x) < 3 or np.ptp(x) == 0:
        return (np.nan,) * 4
    res = stats.linregress(x, y)
    half = stats.t.ppf(0.975, len(x) - 2) * res.stderr
    return res.slope, res.slope - half, res.slope + half, res.pvalue


def trends(tbl: pd.DataFrame, own: str | None) -> pd.DataFrame:
    """Our share trend and the leader's (or, when we lead, the challenger's) per region.

    Returns ``region, competitor, role, n_periods, share_first, share_latest, slope_pp, slope_low,
    slope_high, p_value`` (slopes in percentage points per period).
    """
    periods = sorted(tbl["period"].unique())
    pos = {p: i for i, p in enumerate(periods)}
    latest = periods[-1]
    rows = []
    for region, g in tbl.groupby("region", sort=True):
        last = g.loc[g["period"].eq(latest)].sort_values("sales", ascending=False)
        others = last.loc[~last["is_us"]]
        players: list[tuple[str, str]] = []
        if own and own in set(g["competitor"]):
            players.append((own, "us"))
        if len(others):
            we_lead = own is not None and len(last) and last.iloc[0]["competitor"] == own
            players.append((others.iloc[0]["competitor"], "challenger" if we_lead else "leader"))
        for name, role in players:
            s = g.loc[g["competitor"].eq(name)].sort_values("period")
            x = s["period"].map(pos).to_numpy(dtype=float)
            y = 100 * s["share"].to_numpy(dtype=float)
            slope, lo, hi, p = _slope(x, y)
            rows.append((region, name, role, len(s), s["share"].iloc[0], s["share"].iloc[-1], slope, lo, hi, p))
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def analyse(cx: CompetitorData, params) -> ShareAnalysis:
    """The market share section: shares, ranks, flagged changes and trends, with notes."""
    out = ShareAnalysis(own=cx.own)
    if not cx.has("market_share"):
        out.off("Market share is switched off: the dataset has no market_share table (period, competitor, "
                "region, sales; our own rows under company_name).",
                "市场份额部分已关闭：数据集中没有 market_share 表（period、competitor、region、sales；"
                "本公司的行使用 company_name）。")
        return out
    ms = cx.tables["market_share"]
    kinds = pd.Series(_period_kind(ms["period"].astype("str")), index=ms.index)
    if kinds.nunique() > 1:
        keep = kinds.value_counts().idxmax()
        out.note("market_share mixes period lengths ({kinds}); only the {keep} rows are used.",
                 "market_share 混用了不同长度的期间（{kinds}）；仅使用按{keep_zh}统计的行。",
                 kinds=", ".join(sorted(kinds.unique())), keep=keep,
                 keep_zh={"month": "月", "quarter": "季度", "year": "年"}[keep])
        ms = ms.loc[kinds.eq(keep)]
    tbl = shares(ms, cx.own)
    if tbl.empty:
        out.off("market_share holds no usable rows.", "market_share 没有可用的行。")
        return out
    out.table, out.noise = flag_changes(tbl, params.share_baseline_periods, params.share_fdr)
    out.latest = str(tbl["period"].max())
    out.trends = trends(out.table, cx.own)
    n_periods = tbl["period"].nunique()
    if not out.noise:
        out.note("With {n} periods there are too few changes to measure the noise: no change is flagged.",
                 "仅有 {n} 期数据，变化次数太少，无法估计噪声：不标记任何变化。", n=n_periods)
    if cx.own and not tbl["is_us"].any():
        out.note("Our rows are missing from market_share, so our share and trend cannot be shown.",
                 "market_share 中没有本公司的行，无法显示本公司份额与趋势。")
    return out


def flagged(table: pd.DataFrame) -> pd.DataFrame:
    """The changes beyond noise, most recent first."""
    f = table.loc[table["beyond_noise"].fillna(False).astype(bool)]
    return f.sort_values(["period", "p_adjusted"], ascending=[False, True]).reset_index(drop=True)


def latest_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The latest period's rows (for display; the full table is saved)."""
    return table.loc[table["period"].eq(table["period"].max())].reset_index(drop=True)


def localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A display copy with roles and ``all`` in ``lang``."""
    out = df.copy()
    k = 1 if lang == "zh" else 0
    if "role" in out:
        out["role"] = out["role"].map(lambda v: ROLE_LABELS.get(v, (v, v))[k])
    if "region" in out:
        out["region"] = out["region"].replace({ALL: "全部区域" if lang == "zh" else "all regions"})
    return out
