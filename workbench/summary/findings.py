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


EXTRACTORS: list[Callable[[Path, str], tuple[list[dict], list[dict]]]] = [
    data_quality, segmentation, channel_conversion, attainment,
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
