"""Headline findings of a run, read from the result tables of its notebooks (never recomputed).

Each extractor reads one notebook's tables from the run's ``tables/`` folder and
returns findings (a sentence, the figure, its uncertainty or sample size, the
report it comes from) and, where the table says what is at stake, recommended
actions with a value. A notebook that did not run, or a table without the
expected columns, simply yields nothing: the summary says which reports it read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.report import fmt_int, fmt_money, fmt_pct

log = logging.getLogger(__name__)

FINDING_COLUMNS = ["area", "finding_en", "finding_zh", "figure", "uncertainty", "n", "report", "source"]
ACTION_COLUMNS = ["area", "action_en", "action_zh", "value_at_stake", "basis", "report", "source"]
MIN_LEADS = 30  # a channel with fewer leads is not called best or worst


def read_table(tables_dir: Path, stem: str, table: str) -> pd.DataFrame | None:
    """One result table of the run, or ``None`` when that notebook did not write it."""
    path = Path(tables_dir) / stem / f"{table}.csv"
    if not path.exists():
        return None
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"key": str, "channel_id": str, "customer_id": str})


def _has(df: pd.DataFrame | None, *cols: str) -> bool:
    return df is not None and len(df) > 0 and all(c in df.columns for c in cols)


def _finding(area, en, zh, figure, uncertainty, n, stem, table) -> dict:
    return {"area": area, "finding_en": en, "finding_zh": zh, "figure": figure, "uncertainty": uncertainty,
            "n": n, "report": f"{stem}.html", "source": f"tables/{stem}/{table}.csv"}


def data_quality(tables: Path, currency: str) -> tuple[list[dict], list[dict]]:
    stem = "00_data_quality"
    ov, fixes = read_table(tables, stem, "table_overview"), read_table(tables, stem, "fix_list")
    found = []
    if _has(ov, "score", "rows"):
        scored = ov.loc[ov["score"].notna() & ov["rows"].notna()]
        if len(scored) and scored["rows"].sum() > 0:
            overall = float((scored["score"] * scored["rows"]).sum() / scored["rows"].sum())
            rows = int(scored["rows"].sum())
            top = ""
            top_zh = ""
            if _has(fixes, "table", "kind"):
                f = fixes.iloc[0]
                top = f"; fix first: {f['table']} ({str(f['kind']).replace('_', ' ')})"
                top_zh = f"；优先修复：{f['table']}（{f['kind']}）"
            found.append(_finding(
                "data", f"Data quality score {overall:.1f} / 100 over {fmt_int(rows)} rows{top}.",
                f"数据质量得分 {overall:.1f} / 100（{fmt_int(rows)} 行）{top_zh}。",
                round(overall, 1), "row-weighted mean of table scores", rows, stem, "table_overview"))
    return found, []


def channel_conversion(tables: Path, currency: str) -> tuple[list[dict], list[dict]]:
    stem = "20_channel_evaluation"
    cc = read_table(tables, stem, "channel_conversion")
    if not _has(cc, "channel_id", "leads", "won", "conversion_rate", "ci_low", "ci_high"):
        return [], []
    big = cc.loc[cc["leads"] >= MIN_LEADS].sort_values("conversion_rate")
    if len(big) < 2:
        return [], []
    lo, hi = big.iloc[0], big.iloc[-1]
    separated = lo["ci_high"] < hi["ci_low"]
    verdict_en = "their 95% intervals do not overlap" if separated else "their 95% intervals overlap: not a clear gap"
    verdict_zh = "两者 95% 区间不重叠" if separated else "两者 95% 区间重叠：差距不明确"

    def ci(r):
        return f"{fmt_pct(r['ci_low'])}–{fmt_pct(r['ci_high'])}"

    en = (f"Conversion ranges from {fmt_pct(lo['conversion_rate'])} ({lo['channel_id']}, 95% CI {ci(lo)}, "
          f"n={fmt_int(lo['leads'])}) to {fmt_pct(hi['conversion_rate'])} ({hi['channel_id']}, {ci(hi)}, "
          f"n={fmt_int(hi['leads'])}); {verdict_en}.")
    zh = (f"渠道转化率从 {fmt_pct(lo['conversion_rate'])}（{lo['channel_id']}，95% 区间 {ci(lo)}，n={fmt_int(lo['leads'])}）"
          f"到 {fmt_pct(hi['conversion_rate'])}（{hi['channel_id']}，{ci(hi)}，n={fmt_int(hi['leads'])}）；{verdict_zh}。")
    return [_finding("channels", en, zh, round(float(lo["conversion_rate"]), 4), f"95% CI {ci(lo)}",
                     int(lo["leads"]), stem, "channel_conversion")], []


def attainment(tables: Path, currency: str) -> tuple[list[dict], list[dict]]:
    """Revenue attainment per region over the last twelve months of the attainment table."""
    stem = "30_kpi_review"
    at = read_table(tables, stem, "attainment")
    if not _has(at, "period", "level", "key", "kpi", "actual", "target", "attainment"):
        return [], []
    rev = at.loc[(at["kpi"] == "revenue") & (at["level"] == "region") & at["actual"].notna() & at["target"].notna()
                 & at["period"].astype(str).str.fullmatch(r"\d{4}-\d{2}")]
    if rev.empty:
        return [], []
    months = sorted(rev["period"].astype(str).unique())[-12:]
    span = f"{months[0]}..{months[-1]}"
    cur = (rev.loc[rev["period"].astype(str).isin(months)].groupby("key")[["actual", "target"]].sum()
           .assign(attainment=lambda d: d["actual"] / d["target"]).sort_values("attainment"))
    worst_key, worst = cur.index[0], cur.iloc[0]
    en = (f"Region {worst_key} reached {fmt_pct(worst['attainment'])} of its revenue target over {span} "
          f"({fmt_money(worst['actual'], currency)} of {fmt_money(worst['target'], currency)}); "
          f"the other regions {fmt_pct(cur['attainment'].iloc[1:].min())}–{fmt_pct(cur['attainment'].iloc[1:].max())}.")
    zh = (f"{worst_key} 区域 {span} 收入目标达成率 {fmt_pct(worst['attainment'])}"
          f"（{fmt_money(worst['actual'], currency)} / {fmt_money(worst['target'], currency)}）；"
          f"其他区域为 {fmt_pct(cur['attainment'].iloc[1:].min())}–{fmt_pct(cur['attainment'].iloc[1:].max())}。")
    finding = _finding("kpi", en, zh, round(float(worst["attainment"]), 4),
                       f"sum of {len(months)} monthly actuals and targets; P(hit) in the forecast table",
                       len(months), stem, "attainment")
    actions = [{"area": "kpi", "action_en": f"Close the revenue gap of region {k} ({span})",
                "action_zh": f"弥补 {k} 区域 {span} 的收入缺口", "value_at_stake": float(r.target - r.actual),
                "basis": "target − actual", "report": f"{stem}.html", "source": f"tables/{stem}/attainment.csv"}
               for k, r in cur.loc[cur["attainment"] < 1].iterrows()]
    return [finding], actions


def segmentation(tables: Path, currency: str) -> tuple[list[dict], list[dict]]:
    stem = "10_customer_segmentation"
    rfm = read_table(tables, stem, "rfm")
    if not _has(rfm, "customer_id", "segment", "monetary"):
        return [], []
    by = rfm.groupby("segment")["monetary"].agg(["sum", "size"]).sort_values("sum", ascending=False)
    total = by["sum"].sum()
    if total <= 0:
        return [], []
    top = by.index[0]
    share = by.iloc[0]["sum"] / total
    en = (f"Segment {top}: {fmt_int(by.iloc[0]['size'])} of {fmt_int(by['size'].sum())} customers "
          f"({fmt_pct(by.iloc[0]['size'] / by['size'].sum())}) bring {fmt_pct(share)} of net revenue.")
    zh = (f"{top} 分群：{fmt_int(by.iloc[0]['size'])} / {fmt_int(by['size'].sum())} 位客户"
          f"（{fmt_pct(by.iloc[0]['size'] / by['size'].sum())}）贡献了 {fmt_pct(share)} 的净收入。")
    return [_finding("customers", en, zh, round(float(share), 4), "share of net revenue (a count, no sampling)",
                     int(by["size"].sum()), stem, "rfm")], []


def channel_diagnosis(tables: Path, currency: str) -> tuple[list[dict], list[dict]]:
    """The channel(s) converting significantly below the others, and the stage where they fail."""
    stem = "20_channel_evaluation"
    d = read_table(tables, stem, "diagnosis_summary")
    need = ("channel_id", "below_others", "failing_from", "failing_to", "rate_from", "rate_from_low",
            "rate_from_high", "benchmark_rate_from", "n_from")
    if not _has(d, *need):
        return [], []
    found = []
    weak = d.loc[d["below_others"].astype(str).str.lower().eq("true") & d["failing_from"].notna()]
    for r in weak.itertuples(index=False):
        name = f"{r.channel_id} {getattr(r, 'channel_name', '') or ''}".strip()
        ci = f"{fmt_pct(r.rate_from_low)}–{fmt_pct(r.rate_from_high)}"
        en = (f"{name} converts below the other channels; it fails at {r.failing_from} → {r.failing_to}: "
              f"{fmt_pct(r.rate_from)} (95% CI {ci}, n={fmt_int(r.n_from)}) against {fmt_pct(r.benchmark_rate_from)}.")
        zh = (f"{name} 转化率显著低于其他渠道，问题出在 {r.failing_from} → {r.failing_to}："
              f"{fmt_pct(r.rate_from)}（95% 区间 {ci}，n={fmt_int(r.n_from)}），其他渠道为 {fmt_pct(r.benchmark_rate_from)}。")
        found.append(_finding("channels", en, zh, round(float(r.rate_from), 4), f"95% CI {ci}", int(r.n_from),
                              stem, "diagnosis_summary"))
    return found, []


def budget(tables: Path, currency: str) -> tuple[list[dict], list[dict]]:
    """The recommended budget split: expected change of the objective, as a recommended action."""
    stem = "20_channel_evaluation"
    b = read_table(tables, stem, "budget_recommendation")
    if not _has(b, "in_optimiser", "value_change", "change_low", "change_high", "change"):
        return [], []
    inside = b.loc[b["in_optimiser"].astype(str).str.lower().eq("true")]
    if inside.empty:
        return [], []
    gain, lo, hi = inside["value_change"].sum(), inside["change_low"].sum(), inside["change_high"].sum()
    moved = inside["change"].abs().sum() / 2
    action = {"area": "channels",
              "action_en": f"Re-split channel budget as recommended (moves {fmt_money(moved, currency)}; expected "
                           f"{fmt_money(gain, currency)}, {fmt_money(lo, currency)}–{fmt_money(hi, currency)} summing "
                           "per-channel 95% intervals)",
              "action_zh": f"按建议调整渠道预算（调动 {fmt_money(moved, currency)}；预计 {fmt_money(gain, currency)}，"
                           f"各渠道 95% 区间相加为 {fmt_money(lo, currency)}–{fmt_money(hi, currency)}）",
              "value_at_stake": float(gain), "basis": "expected change of the objective",
              "report": f"{stem}.html", "source": f"tables/{stem}/budget_recommendation.csv"}
    return [], [action]


def undercuts(tables: Path, currency: str) -> tuple[list[dict], list[dict]]:
    """Competitors newly pricing a category below us."""
    stem = "40_competitor_analysis"
    u = read_table(tables, stem, "undercuts")
    if not _has(u, "competitor", "category", "since", "status", "price_index", "ci_low", "ci_high", "n_obs"):
        return [], []
    found = []
    for r in u.loc[u["status"] == "new"].itertuples(index=False):
        ci = f"{r.ci_low:.1f}–{r.ci_high:.1f}"
        found.append(_finding(
            "competitors",
            f"{r.competitor} has priced {r.category} at {r.price_index:.1f} % of our price since {r.since} (95% CI {ci}).",
            f"{r.competitor} 自 {r.since} 起将 {r.category} 定价为我方的 {r.price_index:.1f}%（95% 区间 {ci}）。",
            round(float(r.price_index), 1), f"95% CI {ci}", int(r.n_obs), stem, "undercuts"))
    return found, []


def nps(tables: Path, currency: str) -> tuple[list[dict], list[dict]]:
    """The channel with the lowest NPS, when its interval lies below the overall score."""
    stem = "50_market_feedback"
    t = read_table(tables, stem, "nps")
    if not _has(t, "dimension", "group", "n", "nps", "ci_low", "ci_high"):
        return [], []
    overall = t.loc[t["dimension"] == "overall"]
    ch = t.loc[t["dimension"] == "channel"].sort_values("nps")
    if ch.empty or overall.empty:
        return [], []
    low, o = ch.iloc[0], overall.iloc[0]
    if not low["ci_high"] < o["nps"]:
        return [], []
    ci = f"{low['ci_low']:.1f} to {low['ci_high']:.1f}"
    return [_finding(
        "feedback",
        f"NPS of {low['group']} is {low['nps']:.1f} (95% CI {ci}, n={fmt_int(low['n'])}) against {o['nps']:.1f} overall.",
        f"{low['group']} 的 NPS 为 {low['nps']:.1f}（95% 区间 {ci}，n={fmt_int(low['n'])}），总体为 {o['nps']:.1f}。",
        round(float(low["nps"]), 1), f"95% CI {ci}", int(low["n"]), stem, "nps")], []


EXTRACTORS: list[Callable[[Path, str], tuple[list[dict], list[dict]]]] = [
    data_quality, segmentation, channel_conversion, channel_diagnosis, budget, attainment, undercuts, nps,
]


def collect(tables_dir: str | Path, currency: str = "CNY") -> tuple[pd.DataFrame, pd.DataFrame]:
    """All findings and recommended actions of a run's tables folder.

    Returns
    -------
    (findings, actions) : DataFrames with :data:`FINDING_COLUMNS` and :data:`ACTION_COLUMNS`;
    actions sorted by value at stake, largest first.
    """
    findings, actions = [], []
    if tables_dir and Path(tables_dir).is_dir():
        for extract in EXTRACTORS:
            try:
                f, a = extract(Path(tables_dir), currency)
            except (KeyError, ValueError, TypeError) as exc:  # a table of an unexpected shape: skip, say so
                log.warning("summary: %s skipped: %s", extract.__name__, exc)
                continue
            findings += f
            actions += a
    fdf = pd.DataFrame(findings, columns=FINDING_COLUMNS)
    adf = pd.DataFrame(actions, columns=ACTION_COLUMNS)
    if len(adf):
        adf = adf.sort_values("value_at_stake", ascending=False, kind="stable").reset_index(drop=True)
        adf.insert(0, "rank", np.arange(1, len(adf) + 1))
    return fdf, adf


def reports_read(tables_dir: str | Path) -> list[str]:
    """Notebook stems whose tables the summary found."""
    p = Path(tables_dir) if tables_dir else None
    return sorted(x.name for x in p.iterdir() if x.is_dir()) if p and p.is_dir() else []
